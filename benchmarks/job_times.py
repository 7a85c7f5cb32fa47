"""Where a workflow run's job time went: Snakemake's start and finish stamps per rule, against the
time the training jobs spent in optimiser steps (``train_seconds`` in each run's summary.json).

    .venv/bin/snakemake --workflow-profile workflow/profiles/default > run.log 2>&1
    .venv/bin/python benchmarks/job_times.py run.log [--results results]

Job time is finish minus start of each job (one-second stamps), summed per rule; training rules
are ``train`` (one job per cell) or ``train_<pack>`` (one job per pack). The step share is the
summed optimiser-step time of every run over the summed job time of the training rules.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
START = re.compile(r"^(?:local)?rule (\w+):$")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
FINISH = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$")


def job_seconds(log: Path) -> dict[str, list[float]]:
    """Rule -> the wall seconds of each of its jobs, from a Snakemake log."""
    stamp, rule, started, durations = None, None, {}, defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        if m := STAMP.match(line):
            stamp = datetime.strptime(" ".join(m[1].split()), "%a %b %d %H:%M:%S %Y")
        elif m := START.match(line):
            rule = m[1]
        elif (m := JOBID.match(line)) and rule is not None:
            started[m[1]] = (rule, stamp)
            rule = None
        elif m := FINISH.match(line):
            name, start = started.pop(m[1], (m[2], None))
            if start is not None:
                durations[name].append((stamp - start).total_seconds())
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", type=Path)
    parser.add_argument("--results", type=Path, default=Path("results"))
    args = parser.parse_args()
    durations = job_seconds(args.log)
    training = {rule: d for rule, d in durations.items() if rule == "train" or (rule.startswith("train_") and rule != "train_bpe")}
    print(f"{'rule':<28} {'jobs':>5} {'job seconds':>12}")
    for rule, d in sorted(durations.items(), key=lambda kv: -sum(kv[1])):
        if rule not in training:
            print(f"{rule:<28} {len(d):>5} {sum(d):>12.0f}")
    train_jobs = sum(len(d) for d in training.values())
    train_time = sum(sum(d) for d in training.values())
    print(f"{'training (all train rules)':<28} {train_jobs:>5} {train_time:>12.0f}")
    summaries = [json.loads(p.read_text()) for p in args.results.glob("runs/*/*/summary.json")]
    steps = sum(s["train_seconds"] for s in summaries)
    print(f"\n{len(summaries)} runs: optimiser steps {steps:.0f} s = {steps / train_time:.1%} of training-job time")
    activities = defaultdict(float)
    for s in summaries:
        for activity, seconds in s.get("seconds", {}).items():
            activities[activity] += seconds
    if activities:
        total = sum(activities.values())
        print(f"inside the jobs ({total:.0f} s accounted for):")
        for activity, seconds in activities.items():
            print(f"  {activity:<18} {seconds:>8.0f} s {seconds / total:>7.1%}")


if __name__ == "__main__":
    main()
