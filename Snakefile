# Scaling Laws for Neural Language Models (Kaplan et al. 2020), end to end.
# This file only wires: it loads and validates the config, includes one .smk per stage of the data
# flow (in order) and names the targets. All logic lives in the `scalinglaws` package under src/.
from snakemake.utils import min_version

from scalinglaws.configfile import CONFIGFILE, validated

min_version("9.0")


configfile: CONFIGFILE  # config.yaml


validated(config, workflow.basedir)  # studies a preset set to null dropped, the schema's defaults filled in


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/corpus.smk"
include: "workflow/rules/tokenize.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/predict.smk"
include: "workflow/rules/scorecard.smk"
include: "workflow/rules/ladder.smk"


rule all:
    default_target: True
    input:
        # every run is a target in its own right, so a deleted run directory is retrained
        expand("{run}/{name}", run=RUN_DIRS, name=["summary.json", "eval.json"]),
        rules.scorecard.output.csv,
        FIGURES,
        TABLES,
        PREDICTION_OUTPUTS,
        LADDER_OUTPUTS,
        rules.decontamination.output[0],
        rules.clean_report.output.report,
