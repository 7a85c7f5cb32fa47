"""The workflow's fit step: every law the configured studies support, as the files the figures read.

Which fits exist follows from the config alone (``expected_fits``), so Snakemake can declare them:
a law whose study is configured but whose runs cannot support it (too few points, a failed
optimisation) is still written, as ``{"law", "params": {}, "not_fitted": reason}``, and the
figures say so instead of drawing it. Writes::

    <fits>/<basis>/<law>.json     each fit with intervals and provenance (both parameter bases)
    <fits>/per_token.json         L(T) = a + b T^-c for every size-study run (Fig 20)
    <fits>/batch_critical.csv     S_min, E_min, B_crit per (model, loss target) (Figs 10, 18)
    <fits>/early_stop.csv         S_stop against its Eq 5.7 bound (Fig 16)
    <fits>/summary.json           every constant, notes, the Eq 6.8 intersection (Fig 15)
    <tables>/tableN_<slug>.{csv,md}  Tables 2-6, the paper's value beside ours and our interval
"""

from __future__ import annotations

import argparse
from pathlib import Path

BASES = ("non_embedding", "total")
# law -> the study kind whose runs it is fitted to (the suite's FITS, plus N against naive C for Fig 14)
NEEDS = {
    "B_crit": "batch", "B_crit_noise": "noise",
    "L_N": "size", "log_N": "size", "L_NS": "size", "L_C": "size", "L_Cmin": "size",
    "N_opt": "size", "S_min_opt": "size", "B_opt": "size", "D_opt": "size", "N_vs_C": "size",
    "L_D": "data", "L_ND": "data", "overfitting": "data", "chinchilla": "data",
}
TABLES = {2: "fit_L_N_D", 3: "fit_L_N_S", 4: "trend_equations", 5: "trend_parameters", 6: "compute_efficient"}


def expected_fits(config: dict) -> list[str]:
    """Laws fitted for this config: those whose study is configured (the noise scale: when the
    size study measures it)."""
    studies = {spec.get("kind", name) for name, spec in config.get("studies", {}).items()}
    size = config.get("studies", {}).get("size", {})
    if "size" in studies and {**config.get("train", {}), **size.get("train", {})}.get("noise_scale_every"):
        studies.add("noise")
    return [law for law, need in NEEDS.items() if need in studies]


def fit_paths(config: dict, fits="results/fits") -> dict[str, str]:
    """``{"<basis>/<law>": path}`` for every fit ``expected_fits`` names."""
    return {f"{b}/{law}": f"{fits}/{b}/{law}.json" for b in BASES for law in expected_fits(config)}


def fit_inputs(config: dict, *laws: str, basis="non_embedding", fits="results/fits") -> dict[str, str]:
    """Named rule inputs ``fit_<law>`` for those of ``laws`` this config fits (the others are left out)."""
    paths = fit_paths(config, fits)
    return {f"fit_{law}": paths[f"{basis}/{law}"] for law in laws if f"{basis}/{law}" in paths}


def table_paths(tables="results/tables") -> dict[int, str]:
    return {i: f"{tables}/table{i}_{slug}" for i, slug in TABLES.items()}


def run(runs_path, curves_path, positions_path, out, tables_out, laws: list[str], n_boot: int) -> list[str]:
    """Fit ``laws`` (names of ``NEEDS``) in both bases and write every file the module docstring
    lists; returns notes on what could not be fitted."""
    import pandas as pd

    from scalinglaws.fit import compute, context, size_data, suite, tables
    from scalinglaws.fit.core import FitSettings, save_fit
    from scalinglaws.io import write_json

    settings = FitSettings(n_boot=n_boot)
    runs = pd.read_parquet(runs_path)
    runs = runs[runs["status"] != "diverged"] if "status" in runs else runs
    curves = pd.read_parquet(curves_path)
    st = suite.Study(runs, curves, settings=settings)
    out, notes, summary = Path(out), [], {"fits": {}}
    fitted = {b: {} for b in BASES}
    for b in BASES:
        for law in laws:
            try:
                if law == "N_vs_C":
                    fit = compute.fit_trend(compute.envelope(st.adjusted(b), "C"), "N", x="C", settings=settings)
                else:
                    fit = suite.fit_one(law, st, b)
            except Exception as err:  # a degenerate toy grid: say why, keep the declared file
                notes.append(f"{b}/{law} not fitted: {err}")
                write_json(out / b / f"{law}.json", {"law": law, "params": {}, "intervals": {}, "not_fitted": str(err)})
                continue
            fitted[b][law] = fit
            save_fit(fit, out / b / f"{law}.json")
            summary["fits"][f"{b}/{law}"] = {"params": fit.params, "intervals": fit.intervals, "warnings": fit.warnings}
    ours = fitted["non_embedding"]
    if "B_crit" in laws:
        table = st.batch_table() if len(st.scan) else pd.DataFrame()
        if table.empty:  # no loss target that three batch sizes of one model reach
            table = pd.DataFrame(columns=["N", "L", "n_runs", "S_min", "E_min", "B_crit"])
            notes.append("batch study: no loss target reached by three batch sizes of one model")
        tables.write_table(table, out / "batch_critical")
    if "L_ND" in laws:
        early = pd.DataFrame(columns=["run_id", "N", "D", "S_stop", "bound", "holds"])
        if "L_ND" in ours:
            lns = ours["L_NS"].params if "L_NS" in ours else suite.paper.TABLE_3
            early = size_data.early_stop_table(st.data, {k: ours["L_ND"].params[k] for k in suite.paper.TABLE_2},
                                               lns["S_c"], lns["alpha_S"], bcrit=st.bcrit())
        tables.write_table(early, out / "early_stop")
    if {"L_Cmin", "L_D", "D_opt", "N_opt"} <= set(ours):
        try:
            summary["intersection"] = suite.intersection(ours)
        except ValueError as err:
            notes.append(f"no L(C_min) / L(D(C)) intersection: {err}")
    if "L_N" in laws:
        positions = pd.read_parquet(positions_path)
        size_ids = set(st.size["run_id"])
        test = positions[(positions["set"] == "test") & positions["run_id"].isin(size_ids)]
        per_token = {}
        for run_id, g in test.groupby("run_id"):
            try:
                fit = context.fit_L_T(g["position"], g["loss"], settings=settings, provenance={"run_id": run_id})
            except Exception as err:
                notes.append(f"L(T) of {run_id} not fitted: {err}")
                continue
            per_token[run_id] = {**fit.to_dict(), "N": float(st.size.set_index("run_id").loc[run_id, "N"])}
        write_json(out / "per_token.json", per_token)
    for i, path in table_paths(tables_out).items():
        make = getattr(tables, f"table_{i}")
        tables.write_table(make(ours), path)
    summary["notes"] = notes
    summary["laws"] = laws
    write_json(out / "summary.json", summary)
    return notes


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m scalinglaws.figures.fits", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", required=True)
    p.add_argument("--curves", required=True)
    p.add_argument("--positions", required=True)
    p.add_argument("--laws", nargs="*", default=[], help="the laws to fit (expected_fits of the config)")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--out", required=True, help="fits directory")
    p.add_argument("--tables", required=True, help="tables directory (Tables 2-6)")
    a = p.parse_args(argv)
    for note in run(a.runs, a.curves, a.positions, a.out, a.tables, a.laws, a.n_boot):
        print("note:", note)


if __name__ == "__main__":
    main()
