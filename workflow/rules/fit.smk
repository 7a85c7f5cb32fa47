# Fit the paper's laws to the collected runs; every fit is JSON with intervals and provenance.


rule fit_L_N:
    input:
        "results/tables/runs.parquet",
    output:
        "results/fits/L_N.json",
    params:
        n_boot=config["fit"]["bootstrap"],
    log:
        "logs/fit/L_N.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.fit L_N --runs {input} --n-boot {params.n_boot} --out {output} 2> {log}"
