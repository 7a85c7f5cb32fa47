# Every run is evaluated on the test split and each OOD set by its own training job. Sets listed
# in evaluate.extra_sets are evaluated here, after training, so adding one retrains nothing.
# collect_runs gathers every run into the tables the fits and figures read.


rule evaluate_extra:
    input:
        model="results/runs/{study}/{cell}/model.pt",
        summary="results/runs/{study}/{cell}/summary.json",
        shard=rules.encode_ood.output.bin,
    output:
        per_position="results/runs/{study}/{cell}/extra/{ood}.parquet",
        means="results/runs/{study}/{cell}/extra/{ood}.json",
    params:
        windows=config["evaluate"]["windows"],
        run_dir=subpath(input.summary, parent=True),
    log:
        "logs/evaluate/{study}/{cell}/{ood}.log",
    threads: config["train"]["threads"]
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.evaluate --run-dir {params.run_dir} --shard {wildcards.ood}={input.shard} "
        "--windows {params.windows} --out {output.per_position} --out-json {output.means} 2> {log}"


rule collect_runs:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        expand("{run}/{name}", run=RUN_DIRS, name=["summary.json", "metrics.parquet", "eval.json", "eval.parquet"]),
        expand("{run}/extra/{ood}.json", run=RUN_DIRS, ood=EXTRA_SETS),
        # the collector itself: a change to the tables' columns recollects (and refits), it retrains nothing
        code=os.path.join(workflow.basedir, "src/scalinglaws/evaluate/collect.py"),
    output:
        runs="results/tables/runs.parquet",
        curves="results/tables/curves.parquet",
        positions="results/tables/positions.parquet",
        wall_time=report("results/tables/wall_time.csv", caption="../report/wall_time.rst", category="Training"),
    params:
        run_dirs=RUN_DIRS,
        kinds=" ".join(f"--kind {name}={kind}" for name, kind in KIND_OF.items() if kind != name),
    log:
        "logs/evaluate/collect.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.evaluate.collect --out-runs {output.runs} --out-curves {output.curves} "
        "--out-positions {output.positions} --out-wall-time {output.wall_time} {params.kinds} {params.run_dirs} 2> {log}"
