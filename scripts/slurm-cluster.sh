#!/usr/bin/env bash
# A real one-node Slurm cluster (munge + slurmctld + slurmd from Debian's slurm-wlm) for the
# Slurm executor's tests. Needs root. `start` installs what is missing, writes a one-node
# slurm.conf and starts the daemons; `stop` stops the daemons this script started.
# The job-completion log (every finished job with its state and start/end times) is at
# $HARNESS_SLURM_JOBCOMP (default /var/log/slurm/jobcomp.log).
set -euo pipefail

STATE=${HARNESS_SLURM_STATE:-/var/spool/harness-slurm}
JOBCOMP=${HARNESS_SLURM_JOBCOMP:-/var/log/slurm/jobcomp.log}
CONF=/etc/slurm/slurm.conf

need_root() {
  if [ "$(id -u)" != 0 ]; then echo "slurm-cluster.sh: needs root (it starts munged, slurmctld, slurmd)" >&2; exit 2; fi
}

install() {
  if command -v slurmctld >/dev/null && command -v munged >/dev/null; then return; fi
  command -v apt-get >/dev/null || { echo "slurm-cluster.sh: slurm-wlm not installed and no apt-get" >&2; exit 2; }
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null
}

write_conf() {
  local host cpus
  host=$(hostname -s)
  cpus=$(nproc)
  mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d" "$(dirname "$JOBCOMP")"
  cat > "$CONF" <<CONF
# written by harness scripts/slurm-cluster.sh: a one-node test cluster
ClusterName=harness
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ReturnToService=2
MinJobAge=600
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=20000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  if pgrep -x munged >/dev/null; then return; fi
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  su -s /bin/sh munge -c munged
}

wait_idle() {
  for _ in $(seq 60); do
    if sinfo -h -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then return 0; fi
    sleep 0.5
  done
  echo "slurm-cluster.sh: the node did not come up; see $STATE/slurmctld.log and $STATE/slurmd.log" >&2
  exit 1
}

case "${1:-}" in
  start)
    need_root; install; write_conf; start_munge
    pgrep -x slurmctld >/dev/null || slurmctld
    pgrep -x slurmd >/dev/null || slurmd
    wait_idle
    echo "slurm up: $(sinfo -h -o '%P %D %t %C')"
    ;;
  stop)
    for pid in "$STATE/slurmd.pid" "$STATE/slurmctld.pid"; do
      [ -s "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
    done
    ;;
  status)
    sinfo && squeue
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
