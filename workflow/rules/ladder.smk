# The Kaplan-to-Chinchilla discrepancy ladder (a study of kind ladder, workflow/presets/ladder.yaml;
# scalinglaws.fit.ladder, docs/ladder.md): the IsoFLOP minima of every retraining step in both
# accounting conventions, the exponents with bootstrap intervals, Approach 3 on the final step, a
# table and a figure. Inert without a ladder study. KIND_OF, CELLS and CONDA_ENV are defined in
# common.smk, FIGURE_CODE and STYLE_CODE in figures.smk.
LADDER = [name for name, kind in KIND_OF.items() if kind == "ladder"]
if len(LADDER) > 1:
    raise WorkflowError(f"config error: studies {', '.join(LADDER)} are all of kind ladder; "
                        "results/fits/ladder.json holds one, so configure at most one")

if LADDER:

    rule fit_ladder:
        # a small fit (seconds): runs in the Snakemake process itself, never as a cluster job
        localrule: True
        input:
            summaries=expand("results/runs/{study}/{cell}/summary.json", study=LADDER, cell=CELLS[LADDER[0]]),
            code=os.path.join(workflow.basedir, "src/scalinglaws/fit/ladder.py"),
        output:
            fit="results/fits/ladder.json",
            table=report(
                multiext("results/tables/ladder", csv=".csv", md=".md"),
                caption="../report/ladder.rst",
                category="Ladder",
            ),
        params:
            n_boot=config["fit"]["bootstrap"],
            stem=lambda wildcards, output: output.table[0].removesuffix(".csv"),
        log:
            "logs/fit/ladder.log",
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.fit.ladder --n-boot {params.n_boot} --out {output.fit} --table {params.stem} "
            "{input.summaries} > {log} 2>&1"

    rule ladder_figure:
        # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
        localrule: True
        input:
            ladder=rules.fit_ladder.output.fit,
            code=FIGURE_CODE.format("ladder"),
            style=STYLE_CODE,
        output:
            report(
                multiext("results/figures/ladder", png=".png", pdf=".pdf"),
                caption="../report/ladder_figure.rst",
                category="Ladder",
            ),
        log:
            "logs/figures/ladder.log",
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.figures ladder --in ladder={input.ladder} --out {output.png} 2> {log}"


# targets of the Snakefile's default rule: the ladder's table and figure, when a ladder study is configured
LADDER_OUTPUTS = [*rules.fit_ladder.output, rules.ladder_figure.output.png] if LADDER else []
