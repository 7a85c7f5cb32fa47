# Figures and tables, one target each. A figure's own module and the shared style are inputs, so
# editing a plotting function redraws only the figures that use it and retrains nothing. A figure
# is built when the studies it needs are configured; a secondary study it can do without (say the
# data panel of Fig 1) is drawn when present and named as absent in the panel otherwise.

FIGURE_CODE = os.path.join(workflow.basedir, "src/scalinglaws/figures/{}.py")
STYLE_CODE = os.path.join(workflow.basedir, "src/scalinglaws/figures/style.py")
RUNS = rules.collect_runs.output.runs
CURVES = rules.collect_runs.output.curves
POSITIONS = rules.collect_runs.output.positions
# what the fit step writes beside the fits: the B_crit(L) it adopted for S_min and C_min (batch
# scans, noise scale or the paper's), its summary, the batch table, per-token fits, early stopping
FITTED = rules.fit_suite.output
BCRIT = FITTED.bcrit
# the summary of the size study's tracked cell, beside its tracking.parquet (Figs 8 and 20, right)
TRACKED_RUNS = [
    f"results/runs/{study}/{cell}"
    for study, cells in CELLS.items()
    if KIND_OF[study] == "size"
    for cell, spec in cells.items()
    if spec.get("track")
]
TRACKED = {"run_tracked": f"{TRACKED_RUNS[-1]}/summary.json"} if TRACKED_RUNS else {}


# figure -> (study kinds it needs, its inputs by the name its draw() takes)
FIGURE_SPECS = {
    "fig01_summary": ({"size"}, dict(runs=RUNS, curves=CURVES, **fit_inputs("L_N", "L_Cmin", "L_D"))),
    "fig02_sample_efficiency": ({"size"}, dict(runs=RUNS, curves=CURVES)),
    "fig03_scaling_contributions": (set(), fit_inputs("N_opt", "B_opt", "S_min_opt")),
    "fig04_loss_n_d": ({"data"}, dict(runs=RUNS, curves=CURVES, **fit_inputs("L_ND", "L_NS"), B_crit_adopted=BCRIT)),
    "fig05_shape": ({"shape"}, dict(runs=RUNS, **fit_inputs("L_N"))),
    "fig06_embedding": ({"size"}, dict(runs=RUNS, **fit_inputs("L_N"))),
    "fig07_lstm": ({"lstm"}, dict(runs=RUNS, positions=POSITIONS)),
    "fig08_generalization": ({"size"}, dict(runs=RUNS, **TRACKED)),
    "fig09_overfitting": ({"data"}, dict(runs=RUNS, **fit_inputs("L_ND", "overfitting"))),
    "fig10_critical_batch": ({"batch"}, dict(curves=CURVES, batch_critical=FITTED.batch_critical,
                                             **fit_inputs("B_crit", "B_crit_noise"), B_crit_adopted=BCRIT)),
    "fig11_compute_steps": ({"size"}, dict(runs=RUNS, curves=CURVES, **fit_inputs("L_NS"), B_crit_adopted=BCRIT)),
    "fig12_suboptimal": (set(), fit_inputs("L_NS")),
    "fig13_compute_trends": ({"size"}, dict(runs=RUNS, curves=CURVES, **fit_inputs("L_C", "L_Cmin"), B_crit_adopted=BCRIT)),
    "fig14_optimal_size_steps": ({"size"}, dict(runs=RUNS, curves=CURVES,
                                                **fit_inputs("N_opt", "N_vs_C", "S_min_opt"), B_crit_adopted=BCRIT)),
    "fig15_contradiction": (set(), dict(summary=FITTED.summary,
                                        **fit_inputs("L_Cmin", "L_D", "D_opt"))),
    "fig16_early_stopping": ({"data"}, dict(runs=RUNS, curves=CURVES, early_stop=FITTED.early_stop)),
    "fig17_recurrent": ({"recurrent"}, dict(runs=RUNS)),
    "fig18_batch_scans": ({"batch"}, dict(runs=RUNS, curves=CURVES, batch_critical=FITTED.batch_critical)),
    "fig19_sample_efficiency_min": ({"size"}, dict(runs=RUNS, curves=CURVES, B_crit_adopted=BCRIT)),
    "fig20_per_token": ({"size"}, dict(runs=RUNS, positions=POSITIONS, per_token=FITTED.per_token,
                                       **TRACKED)),
    "fig21_context_positions": ({"size"}, dict(runs=RUNS, positions=POSITIONS)),
    "fig22_lr_schedule": ({"lr_schedule"}, dict(runs=RUNS, curves=CURVES)),
    "fig23_log_vs_power": ({"size"}, dict(runs=RUNS, **fit_inputs("L_N", "log_N"))),
    "fig24_depth_generalization": ({"depth"}, dict(runs=RUNS)),
}
FIGURE_NAMES = [name for name, (needs, _) in FIGURE_SPECS.items() if needs <= STUDY_KINDS]


for figure in FIGURE_NAMES:

    rule:
        name:
            figure
        # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
        localrule: True
        input:
            **FIGURE_SPECS[figure][1],
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
