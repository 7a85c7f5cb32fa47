"""Two data-parallel processes (gloo on CPU) give the losses of one process with the same global batch."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd

VOCAB = 80
CELL = dict(study="t", cell_id="ddp", n_layer=2, d_model=32, n_head=2, n_ctx=16, batch_size=8, tokens=8 * 16 * 30,
            eval_every=10, eval_windows=16, threads=1, grad_clip=1.0)
RUNNER = """
import json, sys, numpy as np
from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import train_cell
data = np.load(sys.argv[1])
train_cell(Cell.from_dict(json.loads(sys.argv[2])), data["train"], data["test"], %d, sys.argv[3], progress=False)
""" % VOCAB


def test_two_gloo_processes_match_one_process(tmp_path):
    rng = np.random.default_rng(3)
    stream = ((np.arange(20_000) * 3 + rng.integers(0, 4, 20_000)) % VOCAB).astype(np.uint16)
    data = tmp_path / "tokens.npz"
    np.savez(data, train=stream[:18_000], test=stream[18_000:])
    script = tmp_path / "run.py"
    script.write_text(RUNNER)
    args = [str(data), json.dumps(CELL)]
    subprocess.run([sys.executable, str(script), *args, str(tmp_path / "one")], check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                    str(script), *args, str(tmp_path / "two")], check=True, timeout=300, capture_output=True)
    one = pd.read_parquet(tmp_path / "one" / "metrics.parquet")
    two = pd.read_parquet(tmp_path / "two" / "metrics.parquet")
    assert len(one) == len(two) == 31
    np.testing.assert_allclose(two["train_loss"], one["train_loss"], rtol=1e-5)
    np.testing.assert_allclose(two["test_loss"], one["test_loss"], rtol=1e-5)
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["processes"] == 2
