# Evaluate every run on the test split and each out-of-distribution set; gather all runs in tables.


rule evaluate:
    input:
        model="results/runs/{study}/{cell}/model.pt",
        summary="results/runs/{study}/{cell}/summary.json",
        shards=lambda wc: list(eval_shards().values()),
    output:
        per_position="results/runs/{study}/{cell}/eval.parquet",
        means="results/runs/{study}/{cell}/eval.json",
    params:
        shards=" ".join(f"--shard {name}={path}" for name, path in eval_shards().items()),
        windows=config["evaluate"]["windows"],
        run_dir=subpath(input.summary, parent=True),
    log:
        "logs/evaluate/{study}/{cell}.log",
    threads: config["train"]["threads"]
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.evaluate --run-dir {params.run_dir} {params.shards} --windows {params.windows} "
        "--out {output.per_position} --out-json {output.means} 2> {log}"


rule collect_runs:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        expand("{run}/{name}", run=RUN_DIRS, name=["summary.json", "metrics.parquet", "eval.json", "eval.parquet"]),
    output:
        runs="results/tables/runs.parquet",
        curves="results/tables/curves.parquet",
        positions="results/tables/positions.parquet",
    params:
        run_dirs=RUN_DIRS,
        kinds=" ".join(f"--kind {name}={kind}" for name, kind in KIND_OF.items() if kind != name),
    log:
        "logs/evaluate/collect.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.evaluate.collect --out-runs {output.runs} --out-curves {output.curves} "
        "--out-positions {output.positions} {params.kinds} {params.run_dirs} 2> {log}"
