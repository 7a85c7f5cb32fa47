# The reproduction scorecard: every figure's and table's claim from docs/findings.md checked on
# our runs and fits (scalinglaws.scorecard). It reads what the figures read, so it is rebuilt whenever
# a run, a fit or the checks change.

rule scorecard:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        runs=RUNS,
        curves=CURVES,
        positions=POSITIONS,
        fits=list(FITS.values()),
        summary="results/fits/summary.json",
        bcrit=BCRIT,
        table4=f"{FIT_TABLES[4]}.md",
        extra=(["results/fits/per_token.json"] if "size" in STUDY_KINDS else [])
        + (["results/fits/batch_critical.csv"] if "batch" in STUDY_KINDS else [])
        + (["results/fits/non_embedding/early_stop.csv"] if "data" in STUDY_KINDS else []),
        code=os.path.join(workflow.basedir, "src/scalinglaws/scorecard.py"),
    output:
        report(
            multiext("results/scorecard", csv=".csv", md=".md"),
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
    params:
        fits=subpath(input.summary, parent=True),
    log:
        "logs/scorecard.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.scorecard --runs {input.runs} --curves {input.curves} --positions {input.positions} "
        "--fits {params.fits} --out {output.csv} > {log} 2>&1"
