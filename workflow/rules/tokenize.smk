# Holdout split on documents, the held-out sets' overlap with the train split (decontamination),
# byte-level BPE on the train split, token shards.


rule split:
    input:
        rules.corpus_clean.output.docs,
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


rule decontamination:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        train=rules.split.output.train,
        test=rules.split.output.test,
        ood=expand(rules.corpus_ood.output[0], ood=OOD_SETS),
    output:
        report("results/corpus/decontamination.csv", caption="../report/decontamination.rst", category="Corpus"),
    params:
        others=lambda wc, input: " ".join(
            [f"--other test={input.test}"] + [f"--other {name}={path}" for name, path in zip(OOD_SETS, input.ood)]
        ),
    log:
        "logs/corpus/decontamination.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus decontam --train {input.train} {params.others} --n 13 --out {output} 2> {log}"


rule train_bpe:
    input:
        rules.split.output.train,
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
        tokenizer=rules.train_bpe.output[0],
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
        docs=rules.corpus_ood.output[0],
        tokenizer=rules.train_bpe.output[0],
    output:
        multiext("results/data/tokens/ood/{ood}", bin=".bin", json=".json"),
    log:
        "logs/tokenize/encode_ood_{ood}.log",
    threads: 2
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize encode --in {input.docs} --tokenizer {input.tokenizer} --out {output.bin} 2> {log}"


# the shards every training job reads (train) and evaluates on (test and each OOD set)
SHARDS = {split: expand(rules.encode_split.output.bin, split=split)[0] for split in ("train", "test")}
OOD_SHARDS = {name: expand(rules.encode_ood.output.bin, ood=name)[0] for name in OOD_SETS}


rule token_table:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        [*SHARDS.values(), *OOD_SHARDS.values()],
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
