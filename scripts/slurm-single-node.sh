#!/bin/bash
# A throw-away single-node Slurm cluster in one folder, for trying and testing sharded runs.
#
#   scripts/slurm-single-node.sh start DIR   # install if missing, start munged, slurmctld, slurmd
#   export SLURM_CONF=DIR/slurm.conf          # then sbatch, squeue, sinfo talk to it
#   scripts/slurm-single-node.sh stop DIR    # stop the three daemons by their pids
#
# Needs root (it installs packages and runs the daemons as root). Nothing is written outside
# DIR except the packages: the munge key, its socket, the configuration, state, spool, pid
# and log files all live in DIR. There is no systemd here: each daemon is started in the
# foreground, in the background of this script, and its pid written to DIR/*.pid.
#
# Exit codes: 0 ready (or stopped); 77 cannot run here (not root, packages cannot be
# installed), with the reason on standard error; 1 the cluster did not come up (see DIR/*.log).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

skip() { echo "slurm-single-node: $*" >&2; exit 77; }

stop() {
    # Stopped in reverse order of starting, each by the pid it was started with.
    for daemon in slurmd slurmctld munged; do
        pidfile="$dir/$daemon.pid"
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
}

install_packages() {
    local missing=()
    for tool in slurmctld slurmd sbatch munged; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || skip "${missing[*]} missing and no apt-get to install them"
    echo "slurm-single-node: installing slurmctld slurmd slurm-client munge" >&2
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be stale or absent: update once, then install.
    if ! timeout 300 apt-get install -y -q --no-install-recommends \
            slurmctld slurmd slurm-client munge >"$dir/apt.log" 2>&1; then
        timeout 300 apt-get update -q >>"$dir/apt.log" 2>&1 || skip "apt-get update failed (no network?); see $dir/apt.log"
        timeout 300 apt-get install -y -q --no-install-recommends \
            slurmctld slurmd slurm-client munge >>"$dir/apt.log" 2>&1 ||
            skip "apt-get install slurmctld slurmd slurm-client munge failed; see $dir/apt.log"
    fi
}

# A free TCP port on 127.0.0.1, so two clusters (or another service) do not collide.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000))
}

start() {
    [ "$(id -u)" -eq 0 ] || skip "not root: the daemons and the package install need root"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    install_packages
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    # Clients (sbatch, the daemons) must reach the socket; the key itself is 0400.
    chmod 755 "$dir/munge"

    # munge: its own key and socket, run as root (--force: munged wants its own user).
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$dir/munge/munge.key"
    munged --foreground --force --key-file="$dir/munge/munge.key" \
        --socket="$dir/munge/munge.sock" --pid-file="$dir/munge/munged.pid" \
        --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed" \
        >>"$dir/munged.log" 2>&1 &
    echo $! >"$dir/munged.pid"
    for _ in $(seq 50); do [ -S "$dir/munge/munge.sock" ] && break; sleep 0.1; done
    [ -S "$dir/munge/munge.sock" ] || { echo "munged did not start; see $dir/munged.log" >&2; stop; exit 1; }

    host=$(hostname -s)
    cpus=$(nproc)
    # Below the machine's memory so slurmd does not drain the node for having less.
    memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) / 2 ))
    ctld_port=$(free_port)
    slurmd_port=$(free_port)
    while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
    cat >"$dir/slurm.conf" <<CONF
# Written by scripts/slurm-single-node.sh: one node, everything under $dir.
ClusterName=scalecost
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.own.pid
SlurmdPidFile=$dir/slurmd.own.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
# Start each task as soon as a CPU frees, not at the next scheduling pass: a small array
# then finishes in seconds.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -D -i -f "$SLURM_CONF" >>"$dir/slurmctld.log" 2>&1 &
    echo $! >"$dir/slurmctld.pid"
    slurmd -D -f "$SLURM_CONF" >>"$dir/slurmd.log" 2>&1 &
    echo $! >"$dir/slurmd.pid"
    # Ready when the node takes jobs.
    for _ in $(seq 120); do
        state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
        case "$state" in
            idle*|mixed*|allocated*) echo "slurm-single-node: ready; export SLURM_CONF=$SLURM_CONF" >&2; return 0 ;;
        esac
        sleep 0.5
    done
    echo "slurm-single-node: the node did not become idle (state: ${state:-none}); see $dir/*.log" >&2
    stop
    exit 1
}

case "$action" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
