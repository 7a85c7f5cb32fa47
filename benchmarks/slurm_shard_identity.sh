#!/usr/bin/env bash
# The sharded corpus and tokenize stages on a localhost Slurm cluster give the workstation's bytes.
#
#   bash benchmarks/slurm_shard_identity.sh [CLEAN_TABLE] [WORKDIR]
#
# Builds a `files` corpus (6 jsonl files, 1,600 documents drawn from CLEAN_TABLE, default the
# default study's results/corpus/clean/shards/0000/part.parquet, plus a near copy of every tenth) in
# WORKDIR/corpus (default /tmp/slurm-shard-identity) and a config of the e2e micro study reading it in
# SHARDS shards (default 3). Runs the same targets (the train token manifest and the filter reports)
# with `--cores 2` and through workflow/profiles/slurm, then compares every parquet, bin, json and csv
# under the two results/ byte for byte and prints how many Slurm jobs were submitted and the most that
# ran at once. Needs root (it starts a localhost cluster with workflow/scripts/slurm_localhost_setup.sh
# when none is up, and stops only the one it started) and the slurm executor plugin. Exit status 1 when
# any file differs. The corpus is read at one absolute path by both runs: a `files` document's id is a
# hash of its file's URL, so a corpus moved elsewhere has other ids and another split.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
TABLE=${1:-$REPO/results/corpus/clean/shards/0000/part.parquet}
WORK=${2:-/tmp/slurm-shard-identity}
SHARDS=${SHARDS:-3}
TARGETS="results/data/tokens/train.manifest.json results/corpus/clean/main.filters.csv results/corpus/clean/main.filters_by_source.csv"

[ -f "$TABLE" ] || { echo "no clean document table at $TABLE (run the default study's corpus stage, or pass one)" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK/corpus" "$WORK/local" "$WORK/slurm"
"$PY" - "$TABLE" "$WORK" "$SHARDS" "$REPO/tests/e2e/micro.yaml" <<'EOF'
import json, sys
import pandas as pd, yaml
table, work, shards, micro = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = list(pd.read_parquet(table, columns=["text"]).sample(n=1600, random_state=0, replace=False)["text"])
texts += [t.replace(" the ", " a ", 3) for t in texts[::10]]  # near duplicates, mostly in other files
for i, text in enumerate(texts):
    with open(f"{work}/corpus/{i % 6}.jsonl", "a") as fh:
        fh.write(json.dumps({"text": text}) + "\n")
config = {**yaml.safe_load(open(micro)), "corpus": {"source": "files", "extractor": "trafilatura", "shards": shards,
          "prose": [], "files": {"paths": [f"{work}/corpus/*.jsonl"]}}}
for run in ("local", "slurm"):
    yaml.safe_dump(config, open(f"{work}/{run}/config.yaml", "w"))
print(f"{len(texts)} documents, {sum(map(len, texts)) / 1e6:.1f} MB in {shards} shards", file=sys.stderr)
EOF

export SLURM_LOCALHOST_DIR=$WORK/slurm-state FAKE_GPUS=0
started=0
if ! scontrol ping 2>/dev/null | grep -q UP; then
  bash "$REPO/workflow/scripts/slurm_localhost_setup.sh" > "$WORK/setup.log" 2>&1 || { tail "$WORK/setup.log"; exit 2; }
  started=1
fi
(while true; do squeue -h -t RUNNING 2>/dev/null | wc -l; sleep 1; done) > "$WORK/running.txt" &
watcher=$!

snakemake() { (cd "$WORK/$1" && shift && "$PY" -m snakemake -s "$REPO/Snakefile" --configfile config.yaml --cores 2 "$@" \
                $TARGETS > snakemake.log 2>&1); }
t0=$SECONDS; snakemake local; echo "workstation: rc $? in $((SECONDS - t0)) s"
t0=$SECONDS; snakemake slurm --workflow-profile "$REPO/workflow/profiles/slurm" --slurm-init-seconds-before-status-checks 5
echo "slurm: rc $? in $((SECONDS - t0)) s, $(grep -c 'has been submitted with SLURM jobid' "$WORK/slurm/snakemake.log") jobs submitted, \
at most $(sort -n "$WORK/running.txt" | tail -1) running at once"
kill $watcher
[ $started = 1 ] && bash "$REPO/workflow/scripts/slurm_localhost_teardown.sh" > "$WORK/teardown.log" 2>&1

outputs() { (cd "$WORK/$1" && find results -type f \( -name '*.parquet' -o -name '*.bin' -o -name '*.json' -o -name '*.csv' \) \
             ! -path 'results/benchmarks/*' | sort); }
if ! diff <(outputs local) <(outputs slurm) > /dev/null; then echo "the two runs wrote different files"; exit 1; fi
differ=0
for f in $(outputs local); do cmp -s "$WORK/local/$f" "$WORK/slurm/$f" || { echo "differs: $f"; differ=$((differ + 1)); }; done
echo "$(outputs local | wc -l) files compared, $differ differ"
[ $differ = 0 ]
