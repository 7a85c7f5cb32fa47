# The reproduction scorecard: every figure's and table's claim from docs/findings.md checked on
# our runs and fits (scalinglaws.scorecard). It reads what the figures read, so it is rebuilt whenever
# a run, a fit or the checks change. RUNS, CURVES and POSITIONS are defined in figures.smk, FITS
# and SUITE_OUTPUTS (every file of the fit step but the fits) in common.smk.

rule scorecard:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        runs=RUNS,
        curves=CURVES,
        positions=POSITIONS,
        fits=list(FITS.values()),
        **{name: rules.fit_suite.output[name] for name in SUITE_OUTPUTS},
        table4=f"{FIT_TABLES[4]}.md",
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
