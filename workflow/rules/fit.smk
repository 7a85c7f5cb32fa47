# Fit the paper's laws to the collected runs: every fit is JSON with intervals and provenance, and
# Tables 2-6 put the paper's constants beside ours. Which fits exist follows from the configured
# studies (scalinglaws.fit.suite.laws_for), so every output below is known before any job runs.
# LAWS, FITS, SUITE_OUTPUTS, FIT_TABLES, FIT_CODE and fit_inputs() are defined in common.smk.

rule fit_suite:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        runs=rules.collect_runs.output.runs,
        curves=rules.collect_runs.output.curves,
        positions=rules.collect_runs.output.positions,
        # the fitting library itself: editing it refits (and redraws), it retrains nothing
        code=FIT_CODE,
    output:
        fits=list(FITS.values()),
        **SUITE_OUTPUTS,
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
        laws=" ".join(LAWS),
        n_boot=config["fit"]["bootstrap"],
        out=subpath(output.summary, parent=True),
        tables=lambda wildcards, output: os.path.dirname(output.table2[0]),
    log:
        "logs/fit/suite.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.fit suite --runs {input.runs} --curves {input.curves} --positions {input.positions} "
        "--laws {params.laws} --n-boot {params.n_boot} --out {params.out} --tables {params.tables} "
        "> {log} 2>&1"


if LR_SCAN:

    rule fit_lr_rule:
        # the tuned LR rule the other studies' packs read before they train (fit.lr_rule)
        localrule: True
        input:
            expand("results/runs/{study}/{cell}/summary.json", study=LR_SCAN, cell=CELLS[LR_SCAN]),
        output:
            rule=LR_RULE,
            table=report(
                multiext("results/tables/lr_scan", csv=".csv", md=".md"),
                caption="../report/lr_scan.rst",
                category="Tables",
            ),
        params:
            n_boot=config["fit"]["bootstrap"],
            stem=lambda wildcards, output: output.table[0].removesuffix(".csv"),
        log:
            "logs/fit/lr_rule.log",
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.fit.lr_rule --n-boot {params.n_boot} --out {output.rule} --table {params.stem} "
            "{input} > {log} 2>&1"
