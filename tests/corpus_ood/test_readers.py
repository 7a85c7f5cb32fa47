"""The OOD readers on small fixtures written by the tests themselves."""

from __future__ import annotations

import bz2
import pickle
import struct
import sys
import types
import zlib

import numpy as np
import pytest

from scalinglaws.corpus.ood import gutenberg, mediawiki, rlazy, web
from scalinglaws.corpus.ood.build import cap
from scalinglaws.corpus.ood.sets import chapters, unwrap

DUMP = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">
  <siteinfo><sitename>Wikipedia</sitename></siteinfo>
  <page><title>Anarchism</title><ns>0</ns><id>12</id>
    <revision><id>1</id><text xml:space="preserve">{{Infobox|name=x}}'''Anarchism''' is a [[political philosophy]].&lt;ref&gt;A source.&lt;/ref&gt;
[[File:Flag.svg|thumb|A flag]]
{| class="wikitable"
| cell
|}
== History ==
It has a [[history|long history]].</text></revision></page>
  <page><title>AccessibleComputing</title><ns>0</ns><id>10</id><redirect title="Computer accessibility"/>
    <revision><id>2</id><text>#REDIRECT [[Computer accessibility]]</text></revision></page>
  <page><title>Wikipedia:About</title><ns>4</ns><id>20</id>
    <revision><id>3</id><text>Project page.</text></revision></page>
</mediawiki>
"""


def test_mediawiki_reads_pages_and_keeps_articles(tmp_path):
    path = tmp_path / "dump.xml.bz2"
    path.write_bytes(bz2.compress(DUMP.encode()))
    pages = list(mediawiki.iter_pages(path))
    assert [(p.title, p.ns, p.redirect) for p in pages] == [
        ("Anarchism", 0, False), ("AccessibleComputing", 0, True), ("Wikipedia:About", 4, False)]
    (article,) = mediawiki.articles(path)
    text = mediawiki.to_plain_text(article.text)
    assert text == "Anarchism is a political philosophy.\n\nHistory\nIt has a long history."


def test_mediawiki_rejects_other_xml(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<rss><item/></rss>")
    with pytest.raises(ValueError, match="not a MediaWiki XML dump"):
        list(mediawiki.iter_pages(path))


PG = """\ufeffThe Project Gutenberg EBook of A Tale, by Some One\r
\r
This eBook is for the use of anyone anywhere at no cost.\r
\r
*** START OF THIS PROJECT GUTENBERG EBOOK A TALE ***\r
\r
Produced by A Volunteer and the Online Distributed\r
Proofreading Team\r
\r
A TALE\r
\r
It was a dark night.\r
\r
End of the Project Gutenberg EBook of A Tale, by Some One\r
\r
*** END OF THIS PROJECT GUTENBERG EBOOK A TALE ***\r
Licence text follows.\r
"""


def test_gutenberg_strips_header_credits_and_footer():
    assert gutenberg.strip_headers(PG) == "A TALE\n\nIt was a dark night."


def test_gutenberg_old_small_print_marker_and_plain_text():
    old = "Header\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n\nBody.\n"
    assert gutenberg.strip_headers(old) == "Body."
    assert gutenberg.strip_headers("Just a book.\n") == "Just a book."


def _r_chunk(obj) -> bytes:
    from rdata.conversion import convert_python_to_r_data
    from rdata.unparser import unparse_data

    raw = unparse_data(convert_python_to_r_data(obj))
    return struct.pack(">I", len(raw)) + zlib.compress(raw)


def test_rlazy_reads_a_lazy_load_database(tmp_path):
    objects = {"emma": np.array(["EMMA", "", "CHAPTER I", "Emma Woodhouse,", "handsome."]), "moby": np.array(["x"])}
    rdb, variables = b"", {}
    for name, value in objects.items():
        chunk = _r_chunk(value)
        variables[name] = np.array([len(rdb), len(chunk)], dtype=np.int32)
        rdb += chunk
    (tmp_path / "Rdata.rdb").write_bytes(rdb)
    (tmp_path / "Rdata.rdx").write_bytes(_r_chunk({"variables": variables, "references": {}, "compressed": True}))
    loaded = rlazy.load(tmp_path / "Rdata")
    assert list(loaded["emma"]) == list(objects["emma"]) and list(loaded["moby"]) == ["x"]
    (tmp_path / "Rdata.rdb").write_bytes(rdb[:-3])
    with pytest.raises(Exception):
        rlazy.load(tmp_path / "Rdata")
    with pytest.raises(FileNotFoundError, match="Other.rdx"):
        rlazy.load(tmp_path / "Other")


def test_unwrap_and_chapters():
    text = "FRONT\n\nCHAPTER I\n\nIt was\na truth.\n\nAnother\npara.\n\nCHAPTER II\n\nMore text."
    parts = chapters(unwrap(text))
    assert parts == ["FRONT", "CHAPTER I\n\nIt was a truth.\n\nAnother para.", "CHAPTER II\n\nMore text."]


def test_usenet_post_keeps_subject_and_body_without_quotes():
    raw = "From: a@b.c\nSubject: Re: engines\nLines: 3\n\n> quoted line\nMy answer.\n"
    assert web.usenet_post(raw) == "Re: engines\n\nMy answer."


def test_reuters_xml():
    xml = b"<REUTERS><TEXT><TITLE>OIL UP</TITLE><BODY>Prices rose.</BODY></TEXT></REUTERS>"
    assert web.reuters_xml(xml, "r.xml") == "OIL UP\n\nPrices rose."
    with pytest.raises(ValueError, match="bad.xml"):
        web.reuters_xml(b"<REUTERS>", "bad.xml")


def test_newsgroups_bunch_unpickles_only_a_bunch(monkeypatch):
    module = types.ModuleType("sklearn.datasets.base")

    class Bunch(dict):
        pass

    Bunch.__module__, Bunch.__qualname__ = "sklearn.datasets.base", "Bunch"
    module.Bunch = Bunch
    for name in ("sklearn", "sklearn.datasets", "sklearn.datasets.base"):
        monkeypatch.setitem(sys.modules, name, module)
    data = pickle.dumps(Bunch(data=["post one", "post two"], target=np.array([0, 1])), protocol=0)
    bunch = web.newsgroups_bunch(data)
    assert bunch["data"] == ["post one", "post two"] and list(bunch["target"]) == [0, 1]

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        web.newsgroups_bunch(pickle.dumps(Evil(), protocol=0))


def test_cap_is_by_id_order_and_bytes():
    docs = [{"id": f"{i:02d}", "text": "x" * 10} for i in range(10)]
    assert [d["id"] for d in cap(docs[::-1], 35)] == ["00", "01", "02"]
    assert len(cap(docs, 0)) == 10
