"""Tokenize stage: hold out test documents, train a byte-level BPE, encode documents into token shards.

``split`` (holdout by cluster hash) -> ``bpe`` (train on train, load for encoding) -> ``encode``
(streaming, to ``shards``) -> ``table`` (bytes per token of every shard). ``python -m
scalinglaws.tokenize --help`` lists the commands the Snakemake rules call.
"""
