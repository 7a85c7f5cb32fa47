"""The config as the workflow reads it, for the Snakefile and for the tools that plan outside it.

``snakemake --configfile a.yaml --configfile b.yaml`` starts from ``config.yaml`` (the Snakefile's
``configfile:``) and lays the given files over it: later files override earlier keys, recursively
(``snakemake.utils.update_config``). The Snakefile then drops the studies a file removed by setting
them to null and validates the result against ``workflow/schemas/config.schema.yaml``, which fills
in the schema's defaults (``validated``). ``load`` does all of it outside a workflow, so
``scalinglaws plan`` sees exactly the config that ``snakemake -n`` sees, and refuses the same ones.
A schema error is snakemake's ``WorkflowError``, naming the key (``On instance['train']['lr']``).
Called from here rather than from the Snakefile, ``snakemake.utils.validate`` reads the schema from
its path instead of through the workflow's source cache: the same file for a local Snakefile.
"""

from __future__ import annotations

from pathlib import Path

from snakemake.common.configfile import load_configfile
from snakemake.utils import update_config, validate

CONFIGFILE = "config.yaml"  # the Snakefile's configfile, read from the working directory
SCHEMA = "workflow/schemas/config.schema.yaml"  # beside the Snakefile
CHECKOUT = Path(__file__).resolve().parents[2]  # the repository this package is in (pip install -e)


def drop_removed_studies(config: dict) -> dict:
    """The config without the studies a later config file removed by setting them to null (a preset
    that does not want one of the default's studies); changed in place and returned."""
    if isinstance(config.get("studies"), dict):
        config["studies"] = {name: spec for name, spec in config["studies"].items() if spec is not None}
    return config


def validated(config: dict, root: str | Path) -> dict:
    """``config`` without its removed studies, validated against the schema of the repository at
    ``root`` (the Snakefile's directory) with the schema's defaults filled in; changed in place and
    returned."""
    schema = Path(root) / SCHEMA
    if not schema.is_file():
        raise FileNotFoundError(f"{schema}: the workflow's config schema is not there (the config is validated "
                                "against the schema of the checkout the package is installed from, pip install -e)")
    validate(drop_removed_studies(config), str(schema))
    return config


def load(configfiles: list[str | Path]) -> dict:
    """The validated config of ``snakemake --configfile F ...`` run in the working directory:
    config.yaml there if it exists (Snakemake reads it only then), with ``configfiles`` merged over
    it in order, validated against the schema of this package's checkout."""
    overrides: dict = {}
    for path in configfiles:
        update_config(overrides, load_configfile(str(path)))
    if not Path(CONFIGFILE).exists() and not configfiles:
        raise FileNotFoundError(f"{CONFIGFILE}: no such file in {Path.cwd()}, and no --configfile given")
    config = load_configfile(CONFIGFILE) if Path(CONFIGFILE).exists() else {}
    update_config(config, overrides)
    return validated(config, CHECKOUT)
