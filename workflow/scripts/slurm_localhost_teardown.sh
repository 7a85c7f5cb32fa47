#!/usr/bin/env bash
# Stop the localhost Slurm cluster of slurm_localhost_setup.sh: cancel its jobs, then stop each
# daemon that script started, by the PID it recorded (a munged it found running is left alone).
set -u
DIR=${SLURM_LOCALHOST_DIR:-/tmp/scalinglaws-slurm}

if [ -s "$DIR/pids/slurmctld.pid" ] && kill -0 "$(cat "$DIR/pids/slurmctld.pid")" 2>/dev/null; then
  # every job on this throwaway cluster is ours
  scancel --quiet --user="$(id -un)" 2>/dev/null || true
  for _ in $(seq 20); do [ -z "$(squeue -h -t R,PD,CG 2>/dev/null)" ] && break; sleep 0.5; done
fi
for daemon in slurmd slurmctld munged; do
  f="$DIR/pids/$daemon.pid"
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "[slurm-localhost] stopped $daemon (pid $pid)"
  fi
  rm -f "$f"
done
exit 0
