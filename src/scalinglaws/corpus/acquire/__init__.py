"""Corpus acquisition: turn a source (debian-docs, reddit, urls) into raw HTML, then into documents.

Two steps, each rerunnable on its own:

* ``acquire`` lists a source's URLs (sorted, so the list is deterministic), fetches them with a
  fetcher that keeps hard limits (``fetch.py``) in resumable shards (``shards.py``), and writes one
  status row per URL.
* ``extract`` turns the stored HTML into the document table (``extract.py``).
"""
