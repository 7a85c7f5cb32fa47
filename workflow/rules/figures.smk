# Figures and tables, one target each. A figure's own module and the shared style are inputs, so
# editing a plotting function redraws only the figures that use it and retrains nothing.

FIGURE_CODE = os.path.join(workflow.basedir, "src/scalinglaws/figures/{}.py")
STYLE_CODE = os.path.join(workflow.basedir, "src/scalinglaws/figures/style.py")

FIGURES = [
    "results/figures/fig01_summary.png",
    "results/figures/fig06_embedding.png",
]
TABLES = [
    "results/tables/table1_parameters_flops.csv",
    "results/tables/corpus_tokens.csv",
]


rule fig01_summary:
    input:
        runs="results/tables/runs.parquet",
        curves="results/tables/curves.parquet",
        fit="results/fits/L_N.json",
        code=FIGURE_CODE.format("fig01_summary"),
        style=STYLE_CODE,
    output:
        report(
            multiext("results/figures/fig01_summary", png=".png", pdf=".pdf"),
            caption="../report/fig01.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig01_summary.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.figures fig01_summary --runs {input.runs} --curves {input.curves} --fit L_N={input.fit} "
        "--out {output.png} 2> {log}"


rule fig06_embedding:
    input:
        runs="results/tables/runs.parquet",
        fit="results/fits/L_N.json",
        code=FIGURE_CODE.format("fig06_embedding"),
        style=STYLE_CODE,
    output:
        report(
            multiext("results/figures/fig06_embedding", png=".png", pdf=".pdf"),
            caption="../report/fig06.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig06_embedding.log",
    conda:
        CONDA_ENV
    shell:
        "python -m scalinglaws.figures fig06_embedding --runs {input.runs} --fit L_N={input.fit} --out {output.png} 2> {log}"


rule table1_parameters_flops:
    input:
        "results/tables/runs.parquet",
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
