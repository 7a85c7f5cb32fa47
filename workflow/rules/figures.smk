# Figures and tables, one target each. Each figure module declares the study kinds it needs and its
# inputs by name (scalinglaws.figures); the rules here read those declarations. A figure's own module
# and the shared style are inputs, so editing a plotting function redraws only the figures that use
# it and retrains nothing. A figure is built when the studies it needs are configured; a secondary
# study it can do without (say the data panel of Fig 1) is drawn when present and named as absent in
# the panel otherwise.

FIGURE_CODE = os.path.join(workflow.basedir, "src/scalinglaws/figures/{}.py")
STYLE_CODE = [os.path.join(workflow.basedir, f"src/scalinglaws/{path}.py") for path in ("figures/style", "evaluate/select")]
RUNS = rules.collect_runs.output.runs
CURVES = rules.collect_runs.output.curves
POSITIONS = rules.collect_runs.output.positions
# the summary of the size study's tracked cell, beside its tracking.parquet (Figs 8 and 20, right)
TRACKED_RUNS = [
    f"results/runs/{study}/{cell}"
    for study, cells in CELLS.items()
    if KIND_OF[study] == "size"
    for cell, spec in cells.items()
    if spec.get("track")
]
# every input a figure can ask for, by the name its module declares (scalinglaws.figures): the collected
# tables, the non-embedding fits and the fit step's other files (fit.suite.SUITE_FILES)
FIGURE_INPUTS = dict(
    runs=RUNS,
    curves=CURVES,
    positions=POSITIONS,
    **fit_inputs(*LAWS),
    **{name: rules.fit_suite.output[name] for name in SUITE_OUTPUTS},
    **({"run_tracked": f"{TRACKED_RUNS[-1]}/summary.json"} if TRACKED_RUNS else {}),
)


# figure module -> its inputs, for the figures whose studies (NEEDS) are configured
FIGURE_SPECS = {
    figure: figure_inputs(figure, declared, FIGURE_INPUTS)
    for figure, declared in figure_declarations().items()
    if declared.needs <= STUDY_KINDS
}
FIGURE_NAMES = list(FIGURE_SPECS)


for figure in FIGURE_NAMES:

    rule:
        name:
            figure
        # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
        localrule: True
        input:
            **FIGURE_SPECS[figure],
            code=FIGURE_CODE.format(figure),
            style=STYLE_CODE,
        output:
            report(
                multiext(f"results/figures/{figure}", png=".png", pdf=".pdf"),
                caption=f"../report/{figure}.rst",
                category="Figures",
            ),
        params:
            figure=figure,
            inputs=lambda wildcards, input: " ".join(
                f"--in {name}={path}" for name, path in input.items() if name not in ("code", "style")
            ),
        log:
            f"logs/figures/{figure}.log",
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.figures {params.figure} {params.inputs} --out {output.png} 2> {log}"


rule table1_parameters_flops:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        RUNS,
    output:
        report(
            multiext("results/tables/table1_parameters_flops", csv=".csv", md=".md"),
            caption="../report/table1.rst",
            category="Tables",
        ),
    log:
        "logs/figures/table1.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.train.table1 --runs {input} --out {output.csv} 2> {log}"


# targets of the Snakefile's default rule
FIGURES = [path for name in FIGURE_NAMES for path in getattr(rules, name).output]
TABLES = [
    rules.table1_parameters_flops.output.csv,
    *expand("{stem}.{ext}", stem=FIT_TABLES.values(), ext=["csv", "md"]),
    rules.token_table.output[0],
]
