# One job per cell. The cell's settings are a rule parameter: changing them reruns that cell only.


rule train:
    input:
        train="results/data/tokens/train.bin",
        test="results/data/tokens/test.bin",
        tracked=tracked_shards,
    output:
        metrics="results/runs/{study}/{cell}/metrics.parquet",
        summary="results/runs/{study}/{cell}/summary.json",
        model="results/runs/{study}/{cell}/model.pt",
    params:
        cell=cell_json,
        track=lambda wc, input: " ".join(f"--track-shard {name}={path}" for name, path in zip(OOD_SETS, input.tracked)),
        out_dir=subpath(output.summary, parent=True),
    log:
        "logs/train/{study}/{cell}.log",
    threads: config["train"]["threads"]
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.train --cell-json {params.cell:q} --train-shard {input.train} --test-shard {input.test} "
        "{params.track} --out-dir {params.out_dir} 2> {log}"
