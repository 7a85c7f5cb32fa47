# Corpus stage: acquire raw pages (or load a text source, a job per shard), extract their text, read the
# prose of the training mix, clean in shards (a job per shard, three global joins);
# build the out-of-distribution sets (their overlap with the train split is tokenize.smk's).


if WEB_SOURCE:

    rule corpus_acquire:
        output:
            "results/corpus/main/fetch_status.parquet",
        params:
            source=config["corpus"]["source"],
            options=json.dumps(config["corpus"], sort_keys=True),
        log:
            "logs/corpus/acquire.log",
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus acquire --source {params.source} --options-json {params.options:q} "
            "--cache results/cache --workdir results/corpus/main/raw --out {output} 2> {log}"

    rule corpus_extract:
        input:
            rules.corpus_acquire.output[0],
        output:
            "results/corpus/main/extracted.parquet",
        params:
            extractor=config["corpus"]["extractor"],
        log:
            "logs/corpus/extract.log",
        threads: 2
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus extract --status {input} --extractor {params.extractor} --out {output} 2> {log}"

else:

    # a text source (datasets, local files ...) arrives as text: no fetch, no HTML extraction; one job a shard
    rule corpus_load:
        output:
            intermediate("results/corpus/main/load/{shard}.parquet"),
        params:
            source=config["corpus"]["source"],
            options=json.dumps(config["corpus"].get(config["corpus"]["source"], {}), sort_keys=True),
            shards=CORPUS_SHARDS,
        log:
            "logs/corpus/load_{shard}.log",
        benchmark:
            "results/benchmarks/corpus/load_{shard}.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus load --source {params.source} --options-json {params.options:q} "
            "--shard {wildcards.shard} --shards {params.shards} --out {output} 2> {log}"


rule corpus_prose:
    output:
        "results/corpus/main/prose.parquet",
    params:
        sets=",".join(PROSE_SETS),
    log:
        "logs/corpus/prose.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus prose --sets {params.sets} --cache results/cache --out {output} 2> {log}"


# Cleaning in shards (scalinglaws.corpus.clean.sharded, docs/corpus-scale.md): per shard, repair, count
# boilerplate lines, filter, apply; between them three global joins over small integer tables (exact
# duplicates, boilerplate lines, near-duplicate clusters). The prose sets join the first shard. A corpus
# of one shard (the default) runs them all in one job.
CLEAN_SHARD = "results/corpus/clean/shards/{shard}"
CLEAN_OPTIONS = json.dumps(config["corpus"].get("clean", {}), sort_keys=True)


PAGES = "results/corpus/main/extracted.parquet" if WEB_SOURCE else "results/corpus/main/load/{shard}.parquet"
PROSE_INPUT = lambda wc: rules.corpus_prose.output if PROSE_SETS and wc.shard == LOAD_SHARDS[0] else []
PROSE_FLAG = lambda wc, input: f"--prose {input.prose}" if input.prose else ""
CLEAN_PARTS = expand(f"{CLEAN_SHARD}/part{{part}}.parquet", part=PARTS, allow_missing=True)
PART_FLAGS = lambda wc, output: " ".join(f"--part {path}" for path in output.parts)

if len(LOAD_SHARDS) == 1:

    # one shard: its phases and the joins in one job, on the same code (no start-up between them)
    rule corpus_clean:
        input:
            pages=PAGES,
            prose=PROSE_INPUT,
        output:
            parts=CLEAN_PARTS,
            state=f"{CLEAN_SHARD}/clean.json",
        params:
            options=CLEAN_OPTIONS,
            prose=PROSE_FLAG,
            parts=PART_FLAGS,
        log:
            "logs/corpus/clean_{shard}.log",
        benchmark:
            "results/benchmarks/corpus/clean_{shard}.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-shard all --in {input.pages} {params.prose} "
            "--options-json {params.options:q} {params.parts} --state-out {output.state} 2> {log}"

else:

    rule clean_repair:
        input:
            pages=PAGES,
            prose=PROSE_INPUT,
        output:
            docs=intermediate(f"{CLEAN_SHARD}/repaired.parquet"),
            exact_keys=intermediate(f"{CLEAN_SHARD}/keys.parquet"),
            state=f"{CLEAN_SHARD}/repaired.json",
        params:
            options=CLEAN_OPTIONS,
            prose=PROSE_FLAG,
        log:
            "logs/corpus/clean_repair_{shard}.log",
        benchmark:
            "results/benchmarks/corpus/clean_repair_{shard}.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-shard repair --in {input.pages} {params.prose} "
            "--options-json {params.options:q} --out {output.docs} --keys {output.exact_keys} --state-out {output.state} 2> {log}"


    rule clean_exact:
        input:
            expand(rules.clean_repair.output.exact_keys, shard=LOAD_SHARDS),
        output:
            intermediate("results/corpus/clean/exact_drop.parquet"),
        params:
            inputs=lambda wc, input: " ".join(f"--in {path}" for path in input),
        log:
            "logs/corpus/clean_exact.log",
        benchmark:
            "results/benchmarks/corpus/clean_exact.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-global exact {params.inputs} --out {output} 2> {log}"


    rule clean_lines:
        input:
            docs=rules.clean_repair.output.docs,
            state=rules.clean_repair.output.state,
            exact=rules.clean_exact.output[0],
        output:
            counts=intermediate(f"{CLEAN_SHARD}/lines.parquet"),
            state=f"{CLEAN_SHARD}/lines.json",
        log:
            "logs/corpus/clean_lines_{shard}.log",
        benchmark:
            "results/benchmarks/corpus/clean_lines_{shard}.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-shard lines --in {input.docs} --state {input.state} --exact {input.exact} "
            "--out {output.counts} --state-out {output.state} 2> {log}"


    rule clean_boilerplate:
        input:
            expand(rules.clean_lines.output.counts, shard=LOAD_SHARDS),
        output:
            intermediate("results/corpus/clean/boilerplate_lines.parquet"),
        params:
            inputs=lambda wc, input: " ".join(f"--in {path}" for path in input),
        log:
            "logs/corpus/clean_boilerplate.log",
        benchmark:
            "results/benchmarks/corpus/clean_boilerplate.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-global boilerplate {params.inputs} --out {output} 2> {log}"


    rule clean_filter:
        input:
            docs=rules.clean_repair.output.docs,
            state=rules.clean_lines.output.state,
            exact=rules.clean_exact.output[0],
            repeated=rules.clean_boilerplate.output[0],
        output:
            docs=intermediate(f"{CLEAN_SHARD}/filtered.parquet"),
            minhash=intermediate(f"{CLEAN_SHARD}/minhash.parquet"),
            state=f"{CLEAN_SHARD}/filtered.json",
        log:
            "logs/corpus/clean_filter_{shard}.log",
        benchmark:
            "results/benchmarks/corpus/clean_filter_{shard}.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-shard filter --in {input.docs} --state {input.state} --exact {input.exact} "
            "--repeated {input.repeated} --out {output.docs} --minhash {output.minhash} --state-out {output.state} 2> {log}"


    rule clean_near:
        input:
            expand(rules.clean_filter.output.minhash, shard=LOAD_SHARDS),
        output:
            intermediate("results/corpus/clean/near_clusters.parquet"),
        params:
            inputs=lambda wc, input: " ".join(f"--in {path}" for path in input),
            options=CLEAN_OPTIONS,
        log:
            "logs/corpus/clean_near.log",
        benchmark:
            "results/benchmarks/corpus/clean_near.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-global near {params.inputs} --options-json {params.options:q} "
            "--out {output} 2> {log}"


    rule clean_apply:
        input:
            docs=rules.clean_filter.output.docs,
            state=rules.clean_filter.output.state,
            near=rules.clean_near.output[0],
        output:
            # the shard's clean documents, cut into the parts the split and encode jobs read
            parts=CLEAN_PARTS,
            state=f"{CLEAN_SHARD}/clean.json",
        params:
            parts=PART_FLAGS,
        log:
            "logs/corpus/clean_apply_{shard}.log",
        benchmark:
            "results/benchmarks/corpus/clean_apply_{shard}.tsv"
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus clean-shard apply --in {input.docs} --state {input.state} --near {input.near} "
            "{params.parts} --state-out {output.state} 2> {log}"


rule clean_report:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        expand(f"{CLEAN_SHARD}/clean.json", shard=LOAD_SHARDS),
    output:
        report=report(
            "results/corpus/clean/main.filters.csv",
            caption="../report/filters.rst",
            category="Corpus",
        ),
        by_source=report(
            "results/corpus/clean/main.filters_by_source.csv",
            caption="../report/filters_by_source.rst",
            category="Corpus",
        ),
        provenance="results/corpus/clean/main.provenance.json",
    params:
        inputs=lambda wc, input: " ".join(f"--in {path}" for path in input),
    log:
        "logs/corpus/clean_report.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus clean-global report {params.inputs} --out {output.report} "
        "--source-report {output.by_source} --provenance {output.provenance} 2> {log}"


rule corpus_ood:
    output:
        "results/corpus/ood/{ood}.parquet",
    log:
        "logs/corpus/ood_{ood}.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus ood --set {wildcards.ood} --cache results/cache --out {output} 2> {log}"
