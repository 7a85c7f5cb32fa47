# Shared helpers: the cells of every study, the evaluation sets, wildcard constraints.
import glob
import json
import os
import re
import sys

from scalinglaws.config_checks import check_config
from scalinglaws.corpus.acquire.options import WEB_SOURCES
from scalinglaws.figures import declarations as figure_declarations
from scalinglaws.fit.suite import fit_paths, laws_for, suite_outputs, table_paths
from scalinglaws.plan import config_packs, pack_prediction
from scalinglaws.studies import expand_studies, fit_kinds, study_kinds
from scalinglaws.train.cell import Cell
from scalinglaws.train.pack import run_files

# Tests and CI never reach a dataset hub: fail fast instead of retrying for minutes.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# a web source is fetched and extracted (corpus.smk); a text source arrives as text (scalinglaws.corpus.sources)
WEB_SOURCE = config["corpus"]["source"] in WEB_SOURCES

try:
    CELLS = expand_studies(config)
    check_config(config, CELLS)  # what the schema cannot see: budgets, heads, fixed N, fetch options, corpus files
    # once the training stream exists, a cell asking for more tokens than it holds is a config error
    stream_meta = ("results/data/tokens/train.json" if config["corpus"]["shards"] == 1
                   else "results/data/tokens/train.manifest.json")
    if os.path.exists(stream_meta):
        with open(stream_meta) as sidecar:
            available = json.load(sidecar)["tokens"]
        for cells in CELLS.values():
            for settings in cells.values():
                Cell.from_dict(settings).usable_tokens(available)
    # one training job per pack of small cells, big cells alone (scalinglaws.train.packing); the largest
    # cells of the studies in predict.largest pack apart, after their prediction (predict.smk)
    PACKS, HELD_OUT = config_packs(config, CELLS)
except ValueError as err:
    raise WorkflowError(f"config error: {err}")

# the corpus in shards (docs/corpus-scale.md): a text source is loaded and cleaned in corpus.shards jobs
# (a web source in one); the clean documents are cut by a hash of their id into as many parts, each
# split and encoded by a job of its own. One shard keeps the single-job paths (data/split/train.parquet,
# data/tokens/train.bin); more read tokens/train.manifest.json.
CORPUS_SHARDS = config["corpus"]["shards"]
LOAD_SHARDS = ["0000"] if WEB_SOURCE else [f"{i:04d}" for i in range(CORPUS_SHARDS)]
PARTS = [""] if CORPUS_SHARDS == 1 else [f".{i:04d}" for i in range(CORPUS_SHARDS)]


def intermediate(path):
    """A file only later corpus jobs read: deleted once they are done, unless corpus.keep_intermediates."""
    return path if config["corpus"]["keep_intermediates"] else temp(path)


OOD_SETS = config["ood"]["sets"]
PROSE_SETS = config["corpus"].get("prose", [])  # prose mixed into the training corpus; [] for none
RUN_DIRS = [f"results/runs/{study}/{cell}" for study, cells in CELLS.items() for cell in cells]


# Snakemake starts jobs of higher priority first: rank the packs by their planned work
PACK_PRIORITY = {pack.name: rank for rank, pack in enumerate(sorted(PACKS, key=lambda p: p.flops))}
# the tuned LR: a rule fitted to the lr_scan study (fit.smk), an input of every pack with an lr "tuned" cell
LR_SCAN = next((name for name, kind in study_kinds(config).items() if kind == "lr_scan"), None)
LR_RULE = "results/fits/lr_rule.json"


def pack_lr_rule(pack):
    """``[LR_RULE]`` when a cell of the pack trains at the tuned LR, else nothing."""
    return [LR_RULE] if any(CELLS[pack.study][cell]["lr"] == "tuned" for cell in pack.cells) else []

# sets evaluated after training by the evaluate rule, without retraining (evaluate.extra_sets)
EXTRA_SETS = config["evaluate"].get("extra_sets", [])


def pack_outputs(pack):
    """Every file of every cell of a pack: the rule's declared outputs."""
    return [
        f"results/runs/{pack.study}/{cell}/{name}"
        for cell in pack.cells
        for name in run_files(Cell.from_dict(CELLS[pack.study][cell]))
    ]


def pack_prediction_input(pack):
    """A held-out pack's registered prediction, as an input: made before it trains, and `ancient`, so a
    prediction remade later (its smaller runs retrained) never retrains the held-out cells."""
    path = pack_prediction(pack, HELD_OUT)
    return {"prediction": ancient(path)} if path else {}


# registered predictions (predict.smk): the files a prediction reads of a run
def run_files_of(study, cells):
    return expand("results/runs/{study}/{cell}/{name}", study=study, cell=cells, name=["summary.json", "eval.json"])


def pack_cells_json(pack):
    return json.dumps([CELLS[pack.study][cell] for cell in pack.cells], sort_keys=True)


def inherit_profile_resources(template, rule_name):
    """Apply a profile's `set-resources` / `set-threads` entry for `template` (say `train`) to the
    generated `rule_name` as well: every pack has a Snakemake rule of its own, named after it."""
    settings = workflow.resource_settings
    for overrides in (settings._parsed_overwrite_resources, settings._parsed_overwrite_threads):
        if template in overrides:
            overrides.setdefault(rule_name, overrides[template])


# the laws the configured studies support, and where the fit step writes them (fit.smk)
LAWS = laws_for(fit_kinds(config))
FITS = fit_paths(LAWS)
SUITE_OUTPUTS = suite_outputs(LAWS)  # name -> path of every other file the fit step writes
FIT_TABLES = table_paths()
KIND_OF = study_kinds(config)  # study name -> kind
STUDY_KINDS = set(KIND_OF.values())
FIT_CODE = sorted(glob.glob(os.path.join(workflow.basedir, "src/scalinglaws/fit/*.py")))


def fit_inputs(*laws, basis="non_embedding"):
    """Named rule inputs ``fit_<law>`` for those of ``laws`` this config fits (the others are left out)."""
    return {f"fit_{law}": FITS[f"{basis}/{law}"] for law in laws if f"{basis}/{law}" in FITS}


def figure_inputs(figure, declared, available):
    """The inputs of a figure's job, from its module's declaration in scalinglaws.figures, being every
    input it needs and the optional ones this config makes, taken from ``available`` (name -> path)."""
    missing = [name for name in declared.inputs if name not in available]
    if missing:
        raise WorkflowError(f"{figure} needs {missing}, which no job makes for this config; its studies "
                            f"({sorted(declared.needs)}) are configured, so the module's NEEDS or INPUTS is wrong")
    return {name: available[name] for name in (*declared.inputs, *declared.optional) if name in available}


wildcard_constraints:
    study=r"[A-Za-z0-9_-]+",
    cell=r"[A-Za-z0-9_.-]+",
    ood=r"[a-z_]+",
    shard=r"[0-9]{4}",
    part=r"(\.[0-9]{4})?",

# Jobs run `python -m scalinglaws...` with the interpreter that runs Snakemake (the project venv,
# even when it is not activated), and find the package in src/ whichever environment runs them
# (a `--sdm conda` environment comes first on PATH and holds only the dependencies).
os.environ.update(
    PATH=os.pathsep.join(filter(None, [os.path.dirname(sys.executable), os.getenv("PATH")])),
    PYTHONPATH=os.pathsep.join(filter(None, [os.path.join(workflow.basedir, "src"), os.getenv("PYTHONPATH")])),
)
CONDA_ENV = "../envs/scalinglaws.yaml"
