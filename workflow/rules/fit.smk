# Fit the paper's laws to the collected runs: every fit is JSON with intervals and provenance, and
# Tables 2-6 put the paper's constants beside ours. Which fits exist follows from the configured
# studies (scalinglaws.figures.fits.expected_fits), so every output below is known before any job runs.
from scalinglaws.figures.fits import expected_fits, fit_inputs, fit_paths, table_paths

FITS = fit_paths(config)
FIT_TABLES = table_paths()
STUDY_KINDS = {spec.get("kind", name) for name, spec in config["studies"].items()}


rule fit_suite:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        runs="results/tables/runs.parquet",
        curves="results/tables/curves.parquet",
        positions="results/tables/positions.parquet",
    output:
        fits=list(FITS.values()),
        summary="results/fits/summary.json",
        extra=(["results/fits/per_token.json"] if "size" in STUDY_KINDS else [])
        + (["results/fits/batch_critical.csv"] if "batch" in STUDY_KINDS else [])
        + (["results/fits/early_stop.csv"] if "data" in STUDY_KINDS else []),
        table2=report(
            multiext(FIT_TABLES[2], csv=".csv", md=".md"),
            caption="../report/table2.rst",
            category="Tables",
        ),
        table3=report(
            multiext(FIT_TABLES[3], csv=".csv", md=".md"),
            caption="../report/table3.rst",
            category="Tables",
        ),
        table4=report(
            multiext(FIT_TABLES[4], csv=".csv", md=".md"),
            caption="../report/table4.rst",
            category="Tables",
        ),
        table5=report(
            multiext(FIT_TABLES[5], csv=".csv", md=".md"),
            caption="../report/table5.rst",
            category="Tables",
        ),
        table6=report(
            multiext(FIT_TABLES[6], csv=".csv", md=".md"),
            caption="../report/table6.rst",
            category="Tables",
        ),
    params:
        laws=" ".join(expected_fits(config)),
        n_boot=config["fit"]["bootstrap"],
        out=subpath(output.summary, parent=True),
        tables=lambda wildcards, output: os.path.dirname(output.table2[0]),
    log:
        "logs/fit/suite.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.figures.fits --runs {input.runs} --curves {input.curves} --positions {input.positions} "
        "--laws {params.laws} --n-boot {params.n_boot} --out {params.out} --tables {params.tables} 2> {log}"
