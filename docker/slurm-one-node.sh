#!/bin/bash
# SPDX-License-Identifier: MIT
# slurm-one-node.sh - a one-node Slurm cluster on this machine, to try
# docker/slurm-array.sh without a real cluster (and for tests/slurm_test.sh).
#
#   docker/slurm-one-node.sh up DIR       start it; prints `export SLURM_CONF=DIR/slurm.conf`
#   docker/slurm-one-node.sh status DIR   its daemons and node (exit 0 up, 3 down)
#   docker/slurm-one-node.sh down DIR     cancel its jobs, stop its daemons (DIR is kept)
#
# Everything lives under DIR: a munge key and socket of its own (DIR/munge),
# slurm.conf for 127.0.0.1 on two free ports, the controller's state, the
# spool and every log (DIR/slurm).  Nothing outside DIR is written, no
# system service is touched, and another Slurm or munge on the machine is
# left alone.  The daemons are munged (as the munge user), slurmctld and
# slurmd, each in its own session so that they outlive the shell that
# started them; their process ids are in DIR/daemons.
#
# Needs root (slurmd starts jobs as their owners) and Debian's slurm-wlm and
# munge (`apt-get install slurm-wlm munge`, or `docker/install-deps.sh
# --test`).  munged runs as the munge user, so DIR's parents must let others
# through (/tmp does; a directory under /root does not).  Jobs may be
# submitted by any user who can read DIR/slurm/slurm.conf.
#
#   eval "$(docker/slurm-one-node.sh up /tmp/cvapp-slurm)"; sinfo
set -euo pipefail

me=slurm-one-node.sh
die() { echo "$me: $*" >&2; exit "${2:-1}"; }
usage() { echo "usage: $me up|status|down DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
cmd=$1
case "$cmd" in up | status | down) ;; *) usage ;; esac
[ -n "$2" ] || usage
if [ "$cmd" = up ]; then mkdir -p -- "$2"; fi
[ -d "$2" ] || die "$2 is not a directory" 3
dir=$(realpath -e -- "$2")
M=$dir/munge S=$dir/slurm
export SLURM_CONF=$S/slurm.conf

# alive NAME: the daemon NAME recorded in DIR/daemons is running
pid_of() { sed -n "s/^$1 //p" "$dir/daemons" 2>/dev/null || true; }
alive() {
  local p
  p=$(pid_of "$1")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

status() {
  local d up=0
  for d in munged slurmctld slurmd; do
    if alive "$d"; then echo "$d: running (pid $(pid_of "$d"))"; up=$((up + 1)); else echo "$d: stopped"; fi
  done
  if [ "$up" -eq 3 ]; then
    echo "SLURM_CONF=$SLURM_CONF"
    sinfo -N -o '%N %T %c' 2>&1 || true
    return 0
  fi
  return 3
}

down() {
  local d p
  if alive slurmctld; then
    # Cancel every job, so that no slurmstepd outlives the cluster.
    squeue -h -o %A 2>/dev/null | xargs -r scancel --quiet 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for d in slurmd slurmctld munged; do
    if alive "$d"; then kill "$(pid_of "$d")" 2>/dev/null || true; fi
  done
  for d in slurmd slurmctld munged; do
    p=$(pid_of "$d")
    [ -n "$p" ] || continue
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -f "$dir/daemons"
}

case "$cmd" in
  status) status; exit ;;
  down) down; echo "$me: stopped (logs kept in $S)" >&2; exit 0 ;;
esac

# ----------------------------------------------------------------- up
if alive munged && alive slurmctld && alive slurmd; then
  echo "$me: already up in $dir" >&2
  echo "export SLURM_CONF=$SLURM_CONF"
  exit 0
fi
down # whatever is left of an earlier start
[ "$(id -u)" -eq 0 ] || die "needs root to start munged, slurmctld and slurmd"
for c in munged slurmctld slurmd slurmstepd sbatch sinfo squeue scancel setpriv setsid /usr/bin/python3; do
  command -v "$c" >/dev/null || die "$c is not installed (Debian packages slurm-wlm and munge)"
done
id munge >/dev/null 2>&1 || die "there is no munge user (Debian package munge)"
chmod 0711 "$dir"
setpriv --reuid=munge --regid=munge --clear-groups -- test -x "$dir" ||
  die "the munge user cannot reach $dir: choose a directory whose parents others may pass through (under /tmp, say)"
mkdir -p "$M" "$S/state" "$S/spool"
chown munge: "$M"
chmod 0711 "$M" # clients connect to the socket inside
chmod 0755 "$S"
start() { # NAME LOG CMD...: CMD in a session of its own, its pid recorded
  local name=$1 log=$2
  shift 2
  setsid "$@" </dev/null >"$log" 2>&1 &
  echo "$name $!" >>"$dir/daemons"
}
tails() { tail -n 15 "$M"/munged.* "$S"/*.log "$S"/*.out 2>/dev/null >&2 || true; }

# munged, with its own key and socket
if [ ! -s "$M/munge.key" ]; then
  dd if=/dev/urandom of="$M/munge.key" bs=1024 count=1 status=none
fi
chown munge: "$M/munge.key"
chmod 0400 "$M/munge.key"
rm -f "$M/munge.socket"
start munged "$M/munged.err" setpriv --reuid=munge --regid=munge --init-groups -- munged --foreground --force \
  --key-file="$M/munge.key" --socket="$M/munge.socket" --pid-file="$M/munged.pid" \
  --log-file="$M/munged.log" --seed-file="$M/munged.seed"
for _ in $(seq 1 50); do [ -S "$M/munge.socket" ] && break; sleep 0.1; done
[ -S "$M/munge.socket" ] || { tails; down; die "munged made no socket in 5 s"; }

# slurm.conf for this machine only: 127.0.0.1, two free ports
read -r port_ctld port_slurmd < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname -s)
cpus=$(nproc --all)
mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
cat >"$SLURM_CONF" <<EOF
# Written by docker/slurm-one-node.sh: a one-node cluster on 127.0.0.1.
ClusterName=cvapp
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port_ctld
SlurmdPort=$port_slurmd
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$M/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=batch Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
chmod 0644 "$SLURM_CONF"

# slurmctld and slurmd in the foreground of their own sessions
start slurmctld "$S/slurmctld.out" slurmctld -D -i
start slurmd "$S/slurmd.out" slurmd -D -N "$host"
state=
for _ in $(seq 1 120); do
  state=$(sinfo -h -N -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { tails; down; die "the node is '$state', not idle, after 60 s (logs above, in $S)"; }
echo "$me: up: partition batch, node $host ($cpus CPUs); logs in $S; stop with: docker/slurm-one-node.sh down $dir" >&2
echo "export SLURM_CONF=$SLURM_CONF"
