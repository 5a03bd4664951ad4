#!/usr/bin/env bash
# The README's SLURM recipe on a real (one-node) SLURM cluster, as root on a
# Debian machine (issue #20). It
#   1. installs Debian's slurm-wlm and munge when they are missing,
#   2. starts its own munged, slurmctld and slurmd (no systemd needed; every
#      file, socket and port is its own, under a temporary folder),
#   3. builds orgsim and submits the README's job array with sbatch for a
#      small sweep (4 array tasks, one CPU each),
#   4. cancels one array task (scancel) while it runs, after it has finished
#      at least one replication and before it has finished all of them, and
#      resubmits that task with --resume added, as the README says,
#   5. merges the shards with `orgsim merge shards/* --out ...` and checks
#      every CSV byte-identical to a one-machine run of the same command,
#   6. stops the daemons and removes its folder on every exit.
# Exit 0 only on success. About 35 s on a 2-core machine (plus the build and,
# on a fresh machine, the package installation).
#   ORGSIM_SLURM_KEEP=1  keep the temporary folder (logs, shards, results)
set -euo pipefail

start=$(date +%s)
repo=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "slurm-test: $*"; }
fail() {
    echo "slurm-test: FAILED: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (it starts slurmctld, slurmd and munged)"

# 1. Packages.
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null ||
    ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    # Keep the packages' init scripts from starting the system's daemons.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        own_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
    [ "$own_policy" = 1 ] && rm -f "$policy"
fi

# 2. A one-node cluster of our own.
tmp=$(mktemp -d /tmp/orgsim-slurm.XXXXXX)
chmod 755 "$tmp" # munged wants its socket's folders searchable by all
pids=()
cleanup() {
    local rc=$?
    set +e
    # Jobs first (their slurmstepd outlive slurmd): every job here is ours.
    if [ -n "${SLURM_CONF:-}" ] && [ -n "$(squeue -h 2>/dev/null)" ]; then
        scancel --partition=test 2>/dev/null
        for _ in $(seq 150); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.1; done
        [ -z "$(squeue -h 2>/dev/null)" ] || echo "slurm-test: jobs left running: $(squeue)" >&2
    fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$rc" != 0 ]; then
        for f in "$tmp"/log/* "$tmp"/work/logs/*; do
            [ -f "$f" ] && { echo "---- $f (last lines)"; tail -n 15 "$f"; }
        done >&2
    fi
    if [ "${ORGSIM_SLURM_KEEP:-}" = 1 ]; then
        echo "slurm-test: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    echo "slurm-test: $([ "$rc" = 0 ] && echo passed || echo failed) in $(($(date +%s) - start)) s" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/work/logs"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
sock=$tmp/munge/munge.socket
# -f: munged refuses to run as root without it.
munged -F -f --socket="$sock" --key-file="$tmp/munge/munge.key" \
    --log-file="$tmp/log/munged.log" --pid-file="$tmp/munge/munged.pid" \
    --seed-file="$tmp/munge/munged.seed" >"$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
munge -n -S "$sock" | unmunge -S "$sock" >/dev/null || fail "munged does not answer"

host=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=orgsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$host" -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
for i in $(seq 60); do
    [ "$(sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ] && break
    [ "$i" = 60 ] && fail "the node is not idle after 30 s: $(sinfo 2>&1)"
    sleep 0.5
done
say "one-node cluster up ($host, $cpus CPUs)"

# 3. Build, then the README's job array. Each run is made long enough
# (40,000 steps, ~0.5 s) that a task can be cancelled between its first
# and its fifth run; --record-every keeps the files small.
(cd "$repo" && cargo build --release --quiet)
orgsim=$repo/target/release/orgsim
scenario=$repo/scenarios/delegation-sweep.toml
flags=(--replications 4 --steps 40000 --record-every 100)
work=$tmp/work
cd "$work"
cat >sweep.sh <<EOF
#!/bin/bash
#SBATCH --array=1-4
#SBATCH --cpus-per-task=1
#SBATCH --output=$work/logs/%A_%a.out
$orgsim run $scenario ${flags[*]} --threads "\$SLURM_CPUS_PER_TASK" \\
  --shard "\$SLURM_ARRAY_TASK_ID/4" --out "shards/\$SLURM_ARRAY_TASK_ID" --quiet "\$@"
EOF
job=$(sbatch --parsable --chdir="$work" sweep.sh)
job=${job%%;*}
say "submitted job array $job"

# 4. Cancel task 1 once it has kept a finished run, before it finishes.
victim=1
manifest=$work/shards/.$victim.partial/manifest.json
for i in $(seq 1200); do
    if [ -f "$manifest" ] && [ "$(grep -c '"member_steps"' "$manifest")" -ge 1 ]; then
        break
    fi
    [ "$i" = 1200 ] && fail "task $victim kept no finished run within 60 s"
    sleep 0.05
done
scancel "${job}_$victim"
for i in $(seq 300); do
    [ -z "$(squeue -h -j "${job}_$victim" 2>/dev/null)" ] && break
    [ "$i" = 300 ] && fail "task $victim still in the queue 30 s after scancel"
    sleep 0.1
done
[ ! -e "$work/shards/$victim" ] ||
    fail "task $victim finished before it was cancelled (runs too fast on this machine?)"
kept=$(grep -c '"member_steps"' "$manifest")
[ "$kept" -lt 5 ] || fail "task $victim had finished all its runs when cancelled"
say "cancelled task $victim with $kept of 5 runs kept; resubmitting it with --resume"
rejob=$(sbatch --parsable --chdir="$work" --array="$victim" sweep.sh --resume)
rejob=${rejob%%;*}

for i in $(seq 1200); do
    [ -z "$(squeue -h -j "$job,$rejob" 2>/dev/null)" ] && break
    [ "$i" = 1200 ] && fail "jobs still queued after 10 minutes: $(squeue)"
    sleep 0.5
done
for t in 2 3 4; do
    scontrol -o show job "${job}_$t" | grep -q 'JobState=COMPLETED' ||
        fail "task $t did not complete: $(scontrol -o show job "${job}_$t")"
done
scontrol -o show job "${rejob}_$victim" | grep -q 'JobState=COMPLETED' ||
    fail "resubmitted task $victim did not complete: $(scontrol -o show job "${rejob}_$victim")"
# The resubmitted task kept the cancelled one's runs (they stay in the
# first attempt's log) and ran only the others.
reused=$(grep -c '"file": "jobs/log-0.bin"' "shards/$victim/manifest.json" || true)
[ "$reused" = "$kept" ] ||
    fail "the resubmitted task reused $reused runs of the $kept kept: $(cat "shards/$victim/manifest.json")"
say "every task completed; the resubmitted one reused the $kept kept runs"

# 5. Merge and compare with a one-machine run.
"$orgsim" merge shards/* --out results/delegation-sweep --quiet
"$orgsim" run "$scenario" "${flags[@]}" --out single/delegation-sweep --quiet
(cd single/delegation-sweep && ls -- *.csv) >single.list
(cd results/delegation-sweep && ls -- *.csv) >merged.list
cmp -s single.list merged.list || fail "different CSV files: $(diff single.list merged.list)"
[ -s single.list ] || fail "no CSV files"
while read -r f; do
    cmp "single/delegation-sweep/$f" "results/delegation-sweep/$f" || fail "$f differs"
done <single.list
say "$(wc -l <single.list) CSV files byte-identical to a one-machine run"
