# One job per cell. The cell's settings are a rule parameter: changing them reruns that cell only.


rule train:
    input:
        train="results/data/tokens/train.bin",
        test="results/data/tokens/test.bin",
    output:
        metrics="results/runs/{study}/{cell}/metrics.parquet",
        summary="results/runs/{study}/{cell}/summary.json",
        model="results/runs/{study}/{cell}/model.pt",
    params:
        cell=cell_json,
        out_dir=subpath(output.summary, parent=True),
    log:
        "logs/train/{study}/{cell}.log",
    threads: config["train"]["threads"]
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.train --cell-json {params.cell:q} --train-shard {input.train} --test-shard {input.test} "
        "--out-dir {params.out_dir} 2> {log}"
