"""The real Snakefile's fit, figure and report steps on the synthetic study, checked in Chromium.

The run tables of ``conftest.build`` stand in for training: Snakemake may only run the fit and
figure rules (``--allowed-rules``), so the tables count as given. ``snakemake --report`` then builds
the HTML report; headless Chromium (Debian package ``chromium``) loads it with a small script that
decodes every image the report embeds and writes each one's natural width into the DOM.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from figure_data import FIGURES, build

from scalinglaws.evaluate.collect import wall_time_table

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIT_TABLES = ["table2_fit_L_N_D", "table3_fit_L_N_S", "table4_trend_equations", "table5_trend_parameters",
              "table6_compute_efficient"]
TARGETS = ([f"results/figures/{name}.png" for name in FIGURES] + [f"results/tables/{t}.csv" for t in FIT_TABLES]
           + ["results/scorecard.csv"])
CHECK = """<pre id="decoded"></pre><script>
window.addEventListener("load", () => {
  const imgs = Object.entries(results).filter(([, e]) => e.mime_type.startsWith("image/")).map(([path, e]) => {
    const img = new Image(); img.dataset.path = path; img.src = e.data_uri; return img;
  });
  const poll = setInterval(() => {
    if (!imgs.every((img) => img.complete)) return;
    clearInterval(poll);
    const out = Object.fromEntries(imgs.map((img) => [img.dataset.path, img.naturalWidth]));
    out["#app children"] = document.getElementById("app") ? document.getElementById("app").childElementCount : -1;
    document.getElementById("decoded").textContent = JSON.stringify(out);
  }, 100);
});
</script>"""

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{' '.join(args)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("report")
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["fit"]["bootstrap"] = 8
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    (work / "results/tables").mkdir(parents=True)
    tables = build()
    for name, table in tables.items():
        table.to_parquet(work / f"results/tables/{name}.parquet", index=False)
    wall_time_table(tables["runs"]).to_csv(work / "results/tables/wall_time.csv", index=False)  # collect writes it too
    # the corpus stage's cleaning report sits upstream of the run tables and is marked for the report
    (work / "results/corpus/clean").mkdir(parents=True)
    (work / "results/corpus/clean/main.filters.csv").write_text("filter,documents,bytes\n")
    (work / "results/corpus/clean/main.filters_by_source.csv").write_text("source,filter,documents,bytes\n")
    # so is the LR scan's table, which the tuned LR of every run depends on
    for suffix in (".csv", ".md"):
        (work / f"results/tables/lr_scan{suffix}").write_text("N,lr,test_loss\n")
    for cell in config["studies"]["size"].get("track", []):  # the tracked run: its tracking.parquet is optional
        (work / f"results/runs/size/{cell}").mkdir(parents=True)
        (work / f"results/runs/size/{cell}/summary.json").write_text("{}")
    snakemake(work, "--cores", "2", "--allowed-rules", "fit_suite", "scorecard", *FIGURES, "--", *TARGETS)
    snakemake(work, "--report", "report.html", "--", *TARGETS)
    return work / "report.html"


def test_report_lists_every_figure_and_table(report):
    html = report.read_text(errors="replace")
    for name in FIGURES:
        assert f"results/figures/{name}.png" in html
    for name in FIT_TABLES:
        assert f"results/tables/{name}.csv" in html
    assert "Figure 15: contradiction" in html and "Table 2: fits to L(N, D)" in html  # captions rendered
    assert "results/scorecard.csv" in html and "results/tables/wall_time.csv" in html


@pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium: apt-get install -y chromium")
def test_every_figure_renders_in_chromium(report, tmp_path):
    page = tmp_path / "report_checked.html"
    head, _, tail = report.read_text(errors="replace").rpartition("</body>")  # the last: libraries hold others
    page.write_text(head + CHECK + "</body>" + tail)
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="decoded">(.*?)</pre>', proc.stdout, re.S)
    assert match and match.group(1), f"no decode result in the DOM:\n{proc.stderr[-3000:]}"
    decoded = json.loads(match.group(1))
    assert decoded.pop("#app children") > 0, "the report's app did not render"
    pngs = {path for path in decoded if path.endswith(".png")}
    assert {f"results/figures/{name}.png" for name in FIGURES} <= pngs
    assert all(width > 300 for width in decoded.values()), decoded
