# Shared helpers: the cells of every study, the evaluation sets, wildcard constraints.
import glob
import json
import os
import shlex
import sys

from scalinglaws.config_checks import check_config
from scalinglaws.fit.suite import fit_paths, laws_for, table_paths
from scalinglaws.studies import expand_studies, fit_kinds, study_kinds
from scalinglaws.train.cell import Cell

# Tests and CI never reach a dataset hub: fail fast instead of retrying for minutes.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

try:
    CELLS = expand_studies(config)
    check_config(config, CELLS)  # what the schema cannot see: budgets, heads, fixed N, corpus files
    # once the training shard exists, a cell asking for more tokens than it holds is a config error
    if os.path.exists("results/data/tokens/train.json"):
        with open("results/data/tokens/train.json") as sidecar:
            available = json.load(sidecar)["tokens"]
        for cells in CELLS.values():
            for settings in cells.values():
                Cell.from_dict(settings).usable_tokens(available)
except ValueError as err:
    raise WorkflowError(f"config error: {err}")

OOD_SETS = config["ood"]["sets"]
RUN_DIRS = [f"results/runs/{study}/{cell}" for study, cells in CELLS.items() for cell in cells]


def corpus_load_args(wildcards=None):
    """Arguments of `python -m scalinglaws.corpus hf|files` for the non-web corpus sources."""
    source = config["corpus"]["source"]
    spec = config["corpus"].get(source, {})
    caps = [f"--{key.replace('_', '-')} {int(spec[key])}" for key in ("max_docs", "max_bytes") if key in spec]
    if source == "hf":
        args = [f"hf --dataset {spec['dataset']}", f"--split {spec.get('split', 'train')}",
                f"--text-field {spec.get('text_field', 'text')}"]
        args += [f"--{key} {spec[key]}" for key in ("config", "revision") if key in spec]
    else:
        args = ["files", *map(shlex.quote, spec["paths"]), f"--text-field {spec.get('text_field', 'text')}"]
    return " ".join(args + caps)


def cell_json(wildcards):
    return json.dumps(CELLS[wildcards.study][wildcards.cell], sort_keys=True)


def tracked_shards(wildcards):
    """The OOD shards a tracked cell evaluates during training (none for other cells)."""
    if not CELLS[wildcards.study][wildcards.cell].get("track"):
        return []
    return [f"results/data/tokens/ood/{name}.bin" for name in OOD_SETS]


def eval_shards(wildcards=None):
    return {"test": "results/data/tokens/test.bin"} | {
        name: f"results/data/tokens/ood/{name}.bin" for name in OOD_SETS
    }


# the laws the configured studies support, and where the fit step writes them (fit.smk)
LAWS = laws_for(fit_kinds(config))
FITS = fit_paths(LAWS)
FIT_TABLES = table_paths()
KIND_OF = study_kinds(config)  # study name -> kind
STUDY_KINDS = set(KIND_OF.values())
FIT_CODE = sorted(glob.glob(os.path.join(workflow.basedir, "src/scalinglaws/fit/*.py")))


def fit_inputs(*laws, basis="non_embedding"):
    """Named rule inputs ``fit_<law>`` for those of ``laws`` this config fits (the others are left out)."""
    return {f"fit_{law}": FITS[f"{basis}/{law}"] for law in laws if f"{basis}/{law}" in FITS}


wildcard_constraints:
    study=r"[A-Za-z0-9_-]+",
    cell=r"[A-Za-z0-9_.-]+",
    ood=r"[a-z_]+",

# Jobs run `python -m scalinglaws...` with the interpreter that runs Snakemake (the project venv,
# even when it is not activated), and find the package in src/ whichever environment runs them
# (a `--sdm conda` environment comes first on PATH and holds only the dependencies).
os.environ.update(
    PATH=os.pathsep.join(filter(None, [os.path.dirname(sys.executable), os.getenv("PATH")])),
    PYTHONPATH=os.pathsep.join(filter(None, [os.path.join(workflow.basedir, "src"), os.getenv("PYTHONPATH")])),
)
CONDA_ENV = "../envs/scalinglaws.yaml"
