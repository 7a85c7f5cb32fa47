"""Document sources that read text someone already has: ``hf`` (a Hugging Face dataset, streamed)
and ``files`` (local .txt/.jsonl/.parquet/.html). Both yield document-table rows."""
