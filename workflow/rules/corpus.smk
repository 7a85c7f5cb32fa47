# Corpus stage: acquire raw pages, extract their text, read the prose of the training mix, clean;
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

    # a text source (datasets, local files ...) arrives as text: no fetch, no HTML extraction
    rule corpus_load:
        output:
            "results/corpus/main/extracted.parquet",
        params:
            source=config["corpus"]["source"],
            options=json.dumps(config["corpus"].get(config["corpus"]["source"], {}), sort_keys=True),
        log:
            "logs/corpus/load.log",
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.corpus load --source {params.source} --options-json {params.options:q} "
            "--out {output} 2> {log}"


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


rule corpus_clean:
    input:
        pages=(rules.corpus_extract if WEB_SOURCE else rules.corpus_load).output[0],
        prose=rules.corpus_prose.output if PROSE_SETS else [],
    output:
        docs="results/corpus/clean/main.parquet",
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
    params:
        options=json.dumps(config["corpus"].get("clean", {}), sort_keys=True),
        prose=lambda wc, input: f"--prose {input.prose}" if input.prose else "",
    log:
        "logs/corpus/clean.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus clean --in {input.pages} {params.prose} --options-json {params.options:q} "
        "--out {output.docs} --report {output.report} --source-report {output.by_source} 2> {log}"


rule corpus_ood:
    output:
        "results/corpus/ood/{ood}.parquet",
    log:
        "logs/corpus/ood_{ood}.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.corpus ood --set {wildcards.ood} --cache results/cache --out {output} 2> {log}"
