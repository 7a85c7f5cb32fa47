# Holdout split on documents, byte-level BPE on the train split, token shards.


rule split:
    input:
        "results/corpus/clean/main.parquet",
    output:
        train="results/data/split/train.parquet",
        test="results/data/split/test.parquet",
    params:
        fraction=config["tokenizer"]["test_fraction"],
    log:
        "logs/tokenize/split.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize split --in {input} --test-fraction {params.fraction} --seed 0 "
        "--train-out {output.train} --test-out {output.test} 2> {log}"


rule train_bpe:
    input:
        "results/data/split/train.parquet",
    output:
        "results/data/tokenizer.json",
    params:
        vocab=config["tokenizer"]["vocab_size"],
    log:
        "logs/tokenize/train_bpe.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize train-bpe --in {input} --vocab-size {params.vocab} --out {output} 2> {log}"


rule encode_split:
    input:
        docs="results/data/split/{split}.parquet",
        tokenizer="results/data/tokenizer.json",
    output:
        multiext("results/data/tokens/{split}", bin=".bin", json=".json"),
    wildcard_constraints:
        split="train|test",
    log:
        "logs/tokenize/encode_{split}.log",
    threads: 2
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize encode --in {input.docs} --tokenizer {input.tokenizer} --shuffle-seed 0 "
        "--out {output.bin} 2> {log}"


rule encode_ood:
    input:
        docs="results/corpus/ood/{ood}.parquet",
        tokenizer="results/data/tokenizer.json",
    output:
        multiext("results/data/tokens/ood/{ood}", bin=".bin", json=".json"),
    log:
        "logs/tokenize/encode_ood_{ood}.log",
    threads: 2
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize encode --in {input.docs} --tokenizer {input.tokenizer} --out {output.bin} 2> {log}"


rule token_table:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        ["results/data/tokens/train.bin", "results/data/tokens/test.bin", *OOD_SHARDS.values()],
    output:
        report("results/tables/corpus_tokens.csv", caption="../report/corpus_tokens.rst", category="Corpus"),
    params:
        shards=lambda wc, input: " ".join(f"--shard {path}" for path in input),
    log:
        "logs/tokenize/token_table.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize table {params.shards} --out {output} 2> {log}"
