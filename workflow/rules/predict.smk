# Registered predictions (config key predict.largest; scalinglaws.registered): the largest cells of a
# size or data study are predicted from its smaller cells' finished runs before they train. The
# prediction is an input of their training job (common.smk, pack_prediction_input), so it is on
# record, with its interval, before the outcome exists; after they train, the outcome joins it, in a
# table and a figure. HELD_OUT (study -> its predicted and predicting cells) and run_files_of() are
# defined in common.smk, FIGURE_CODE and STYLE_CODE in figures.smk.


rule predict_largest:
    # a small fit (seconds): runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        runs=lambda wildcards: run_files_of(wildcards.study, HELD_OUT[wildcards.study].predictors),
        train_meta=TRAIN_META,
    output:
        "results/predictions/{study}.json",
    wildcard_constraints:
        # only the studies of predict.largest (none: the rule matches nothing)
        study="|".join(map(re.escape, HELD_OUT)) or "(?!)",
    params:
        kind=lambda wildcards: HELD_OUT[wildcards.study].kind,
        cells=lambda wildcards: json.dumps([CELLS[wildcards.study][c] for c in HELD_OUT[wildcards.study].predicted]),
        run_dirs=lambda wildcards: [f"results/runs/{wildcards.study}/{c}" for c in HELD_OUT[wildcards.study].predictors],
        n_boot=config["fit"]["bootstrap"],
    log:
        "logs/predict/{study}.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.registered predict --study {wildcards.study} --kind {params.kind} "
        "--cells-json {params.cells:q} --train-meta {input.train_meta} --n-boot {params.n_boot} --out {output} "
        "{params.run_dirs} > {log} 2>&1"


rule predictions_table:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        predictions=[held.path for held in HELD_OUT.values()],
        outcomes=[path for study, held in HELD_OUT.items() for path in run_files_of(study, held.predicted)],
    output:
        report(
            multiext("results/tables/predictions", csv=".csv", md=".md"),
            caption="../report/predictions.rst",
            category="Predictions",
        ),
    params:
        stem=lambda wildcards, output: output.csv[: -len(".csv")],
    log:
        "logs/predict/table.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.registered join --runs-dir results/runs --out {params.stem} {input.predictions} "
        "> {log} 2>&1"


rule predictions_figure:
    # cheap aggregation: runs in the Snakemake process itself, never as a cluster job
    localrule: True
    input:
        table=rules.predictions_table.output.csv,
        registered=[held.path for held in HELD_OUT.values()],
        code=FIGURE_CODE.format("predictions"),
        style=STYLE_CODE,
    output:
        report(
            multiext("results/figures/predictions", png=".png", pdf=".pdf"),
            caption="../report/predictions_figure.rst",
            category="Predictions",
        ),
    params:
        registered=lambda wildcards, input: " ".join(f"--in registered={path}" for path in input.registered),
    log:
        "logs/predict/figure.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.figures predictions --in predictions={input.table} {params.registered} "
        "--out {output.png} 2> {log}"


# targets of the Snakefile's default rule: the table and the figure, when the largest cells are predicted
PREDICTION_OUTPUTS = [*rules.predictions_table.output, rules.predictions_figure.output.png] if HELD_OUT else []
