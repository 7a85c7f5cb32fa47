#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for CI and for trying the slurm profile by hand.
#
#   sudo workflow/scripts/slurm_localhost_setup.sh      # then: sinfo; sbatch --wrap hostname
#   sudo workflow/scripts/slurm_localhost_teardown.sh   # stops what this script started
#
# Debian 12 (slurm-wlm 22.05), run as root, no systemd needed: munged, slurmctld and slurmd are
# started by hand and their PIDs kept in $SLURM_LOCALHOST_DIR so that the teardown stops exactly
# those processes. A munged that was already running is used and left alone.
#
# The cluster has no accounting database (slurmdbd): `sacct` fails there, so the Snakemake
# executor must be told `--slurm-status-command squeue`; MinJobAge keeps finished jobs visible to
# squeue long enough for that. KillWait is 30 s as on most real clusters: scancel and a time
# limit send SIGTERM to every job step, and a training job needs a few seconds to save resume.pt
# before the SIGKILL.
#
# Settings (environment):
#   FAKE_GPUS=N             GRES gpus to advertise (default 1; 0 = none). They are character devices
#                           with /dev/null's numbers: jobs asking --gpus=1 are scheduled and see
#                           CUDA_VISIBLE_DEVICES=0, torch finds no CUDA device and trains on CPU.
#   PARTITION=name          the one partition (default: debug)
#   SLURM_LOCALHOST_DIR     PIDs, state and logs (default: /tmp/scalinglaws-slurm)
#   SLURM_INSTALL=0         do not apt-get install missing packages (fail instead)
set -euo pipefail

FAKE_GPUS=${FAKE_GPUS:-1}
PARTITION=${PARTITION:-debug}
DIR=${SLURM_LOCALHOST_DIR:-/tmp/scalinglaws-slurm}
CONF=/etc/slurm/slurm.conf
MARK="# written by scalinglaws slurm_localhost_setup.sh"

say() { echo "[slurm-localhost] $*"; }
die() { echo "[slurm-localhost] ERROR: $*" >&2; exit 1; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

[ "$(id -u)" = 0 ] || die "must run as root (it starts slurmctld, slurmd and munged)"
mkdir -p "$DIR/pids" "$DIR/log" "$DIR/state" "$DIR/spool"

# ---- packages ----------------------------------------------------------------------------------
need=()
for bin in slurmctld slurmd sbatch munged; do command -v "$bin" >/dev/null || need+=("$bin"); done
if [ ${#need[@]} -gt 0 ]; then
  [ "${SLURM_INSTALL:-1}" = 1 ] || die "missing ${need[*]}; apt-get install slurm-wlm munge"
  command -v apt-get >/dev/null || die "missing ${need[*]} and no apt-get to install slurm-wlm munge"
  say "installing slurm-wlm munge (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends slurm-wlm slurm-client munge >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm slurm-client munge >/dev/null; }
fi

# ---- already up? (a second call is a no-op) -----------------------------------------------------
if alive "$DIR/pids/slurmctld.pid" && alive "$DIR/pids/slurmd.pid" && scontrol ping 2>/dev/null | grep -q UP; then
  say "already running (slurmctld $(cat "$DIR/pids/slurmctld.pid"), slurmd $(cat "$DIR/pids/slurmd.pid"))"
  exit 0
fi

# ---- munge: authentication between the daemons and the client commands -------------------------
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
if munge -n >/dev/null 2>&1; then
  say "munged already running; using it (and leaving it running afterwards)"
else
  runuser -u munge -- /usr/sbin/munged   # daemonises; PID in /run/munge/munged.pid
  for _ in $(seq 40); do munge -n >/dev/null 2>&1 && break; sleep 0.25; done
  munge -n | unmunge >/dev/null || die "munged did not start (see /var/log/munge/munged.log)"
  cp /run/munge/munged.pid "$DIR/pids/munged.pid"
fi

# ---- configuration -----------------------------------------------------------------------------
if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  die "$CONF exists and was not written by this script; move it away first"
fi
mkdir -p /etc/slurm
ncpu=$(nproc)
# RealMemory above what slurmd measures puts the node in INVALID/DRAIN: stay at 90 %.
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
gres_types="" node_gres=""
if [ "$FAKE_GPUS" -gt 0 ]; then
  gres_types="GresTypes=gpu"
  node_gres="Gres=gpu:fake:$FAKE_GPUS"
  { echo "$MARK"; echo "AutoDetect=off"; } > /etc/slurm/gres.conf
  for ((i = 0; i < FAKE_GPUS; i++)); do
    # slurmd accepts only character or block devices here; a regular file is rejected.
    dev=/dev/fake_gpu$i
    if ! [ -c "$dev" ] && ! mknod "$dev" c 1 3 2>/dev/null; then
      # no CAP_MKNOD (some containers): /dev/null itself serves as the one fake GPU
      [ "$FAKE_GPUS" = 1 ] || die "mknod refused; only FAKE_GPUS=1 works without it"
      dev=/dev/null
    fi
    echo "NodeName=localhost Name=gpu Type=fake File=$dev" >> /etc/slurm/gres.conf
  done
else
  rm -f /etc/slurm/gres.conf
fi

cat > "$CONF" <<EOF
$MARK
ClusterName=localhost
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/pids/slurmctld.pid
SlurmdPidFile=$DIR/pids/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# no cgroups, no systemd: processes are tracked through /proc, nothing is pinned or confined
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# no slurmdbd: sacct does not work here. Finished jobs stay in squeue --states=all for MinJobAge
# seconds, which the executor's squeue status needs (>= 3 x its first-status delay).
# (AccountingStorageTRES=gres/gpu would need slurmdbd: slurmctld refuses to start with it.)
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
# scancel / time limit: SIGTERM to every step, SIGKILL KillWait seconds later
KillWait=30
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
$gres_types
InactiveLimit=0
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$ncpu RealMemory=$mem_mb $node_gres State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

# ---- daemons -----------------------------------------------------------------------------------
/usr/sbin/slurmctld -c   # -c: start clean, forgetting jobs of an earlier cluster
for _ in $(seq 60); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.5; done
scontrol ping 2>/dev/null | grep -q UP || { tail -n 20 "$DIR/log/slurmctld.log" >&2; die "slurmctld did not come up"; }
/usr/sbin/slurmd -N localhost   # -N: the node is 'localhost' whatever the hostname is
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 0.5
done
sinfo -h -o %T | grep -qE '^(idle|mixed|allocated)' || { tail -n 20 "$DIR/log/slurmd.log" >&2; die "node did not come up"; }
say "up: slurmctld $(cat "$DIR/pids/slurmctld.pid"), slurmd $(cat "$DIR/pids/slurmd.pid"); logs in $DIR/log"
sinfo -N -o '%N %P %T cpus=%c mem=%m gres=%G'
