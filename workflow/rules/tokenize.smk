# Holdout split on documents, the held-out sets' overlap with the train split (decontamination),
# byte-level BPE on a sample of the train split, token shards. A job per part of the clean corpus
# (PARTS, common.smk) splits and encodes it; one part keeps the single-file paths.


rule split:
    input:
        expand(f"{CLEAN_SHARD}/part{{part}}.parquet", shard=LOAD_SHARDS, allow_missing=True),
    output:
        train="results/data/split/train{part}.parquet",
        test="results/data/split/test{part}.parquet",
    params:
        inputs=lambda wc, input: " ".join(f"--in {path}" for path in input),
        fraction=config["tokenizer"]["test_fraction"],
    log:
        "logs/tokenize/split{part}.log",
    benchmark:
        "results/benchmarks/tokenize/split{part}.tsv"
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize split {params.inputs} --test-fraction {params.fraction} --seed 0 "
        "--train-out {output.train} --test-out {output.test} 2> {log}"


SPLITS = {split: expand(f"results/data/split/{split}{{part}}.parquet", part=PARTS) for split in ("train", "test")}


rule decontamination:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        train=SPLITS["train"],
        test=SPLITS["test"],
        ood=expand(rules.corpus_ood.output[0], ood=OOD_SETS),
    output:
        report("results/corpus/decontamination.csv", caption="../report/decontamination.rst", category="Corpus"),
    params:
        train=lambda wc, input: " ".join(f"--train {path}" for path in input.train),
        others=lambda wc, input: " ".join(
            [f"--other test={path}" for path in input.test] + [f"--other {name}={path}" for name, path in zip(OOD_SETS, input.ood)]
        ),
    log:
        "logs/corpus/decontamination.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus decontam {params.train} {params.others} --n 13 --out {output} 2> {log}"


rule train_bpe:
    input:
        SPLITS["train"],
    output:
        "results/data/tokenizer.json",
    params:
        inputs=lambda wc, input: " ".join(f"--in {path}" for path in input),
        vocab=config["tokenizer"]["vocab_size"],
        sample=config["tokenizer"]["bpe_sample_bytes"],
    log:
        "logs/tokenize/train_bpe.log",
    benchmark:
        "results/benchmarks/tokenize/train_bpe.tsv"
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize train-bpe {params.inputs} --vocab-size {params.vocab} "
        "--sample-bytes {params.sample} --seed 0 --out {output} 2> {log}"


rule encode_split:
    input:
        docs="results/data/split/{split}{part}.parquet",
        tokenizer=rules.train_bpe.output[0],
    output:
        multiext("results/data/tokens/{split}{part}", bin=".bin", json=".json"),
    wildcard_constraints:
        split="train|test",
    log:
        "logs/tokenize/encode_{split}{part}.log",
    benchmark:
        "results/benchmarks/tokenize/encode_{split}{part}.tsv"
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


rule token_manifest:
    # a list of the parts' shards (scalinglaws.tokenize.shards): runs in the Snakemake process itself
    localrule: True
    input:
        expand(rules.encode_split.output.bin, part=PARTS, allow_missing=True),
    output:
        "results/data/tokens/{split}.manifest.json",
    wildcard_constraints:
        split="train|test",
    params:
        shards=lambda wc, input: " ".join(f"--shard {path}" for path in input),
    log:
        "logs/tokenize/manifest_{split}.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.tokenize manifest {params.shards} --out {output} 2> {log}"


# the streams every training job reads (train) and evaluates on (test and each OOD set): the one shard, or
# the manifest of the parts' shards, read back to back
SHARDS = {split: (expand(rules.encode_split.output.bin, split=split, part="")[0] if len(PARTS) == 1
                  else expand(rules.token_manifest.output[0], split=split)[0]) for split in ("train", "test")}
TRAIN_META = SHARDS["train"] if SHARDS["train"].endswith(".json") else SHARDS["train"][: -len(".bin")] + ".json"
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
