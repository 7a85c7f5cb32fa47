# The reproduction scorecard: every figure's and table's claim from docs/findings.md checked on
# our runs and fits (scalinglaws.scorecard). It reads what the figures read, so it is rebuilt whenever
# a run, a fit or the checks change. RUNS, CURVES, POSITIONS, FITTED and BCRIT are defined in
# figures.smk.

rule scorecard:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        runs=RUNS,
        curves=CURVES,
        positions=POSITIONS,
        fits=list(FITS.values()),
        summary=FITTED.summary,
        bcrit=BCRIT,
        table4=f"{FIT_TABLES[4]}.md",
        per_token=FITTED.per_token,
        batch_critical=FITTED.batch_critical,
        early_stop=FITTED.early_stop,
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
