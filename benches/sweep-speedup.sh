#!/usr/bin/env bash
# Speed-up of a sweep from 1 to 2 (or N) threads, whole command wall time
# (simulation and writing every result file), median of several runs; the
# CPU time (user + system) of each run is shown beside it, as wall time on
# a shared machine is noisy.
#
#   benches/sweep-speedup.sh [RUNS] [THREADS] [extra orgsim run flags...]
#
# Default: scenarios/delegation-sweep.toml with 400 replications (2,000 jobs
# of 120 members x 200 steps), 5 runs each, 1 vs 2 threads, no charts.
# The runs alternate (1, N, 1, N, ...) so a change in load hits both alike.
# Each run writes a new results folder: the previous run's folder is removed
# before the clock starts (OVERWRITE=1 times `--force` over it instead, which
# adds deleting 67 MB of old results, about 50 ms on this disk, to both).
# ORGSIM_BIN=path measures another build.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
threads=${2:-2}
shift $(( $# > 2 ? 2 : $# )) || true
if [ -z "${ORGSIM_BIN:-}" ]; then
    cargo build --release --quiet
fi
bin=${ORGSIM_BIN:-${CARGO_TARGET_DIR:-target}/release/orgsim}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Prints "wall cpu" in seconds.
time_one() {
    local t=$1
    shift
    if [ -z "${OVERWRITE:-}" ]; then
        rm -rf "$out/t$t"
    fi
    /usr/bin/time -f "%e %U %S" -o "$out/time" \
        "$bin" run scenarios/delegation-sweep.toml --replications 400 --threads "$t" \
        --quiet --force --no-charts --out "$out/t$t" "$@"
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$out/time"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
one=(); many=(); cpu1=(); cpun=(); loads=()
for _ in $(seq "$runs"); do
    read -r w c < <(time_one 1 "$@")
    one+=("$w"); cpu1+=("$c")
    read -r w c < <(time_one "$threads" "$@")
    many+=("$w"); cpun+=("$c")
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
done
m1=$(printf '%s\n' "${one[@]}" | median)
mn=$(printf '%s\n' "${many[@]}" | median)
cmp -s "$out/t1/timeseries.csv" "$out/t$threads/timeseries.csv" || { echo "outputs differ!"; exit 1; }
echo "load average after each pair: ${loads[*]} (now $(cut -d' ' -f1-3 /proc/loadavg))"
echo "1 thread:  ${one[*]} s (median $m1 s); CPU ${cpu1[*]} s (median $(printf '%s\n' "${cpu1[@]}" | median) s)"
echo "$threads threads: ${many[*]} s (median $mn s); CPU ${cpun[*]} s (median $(printf '%s\n' "${cpun[@]}" | median) s)"
ratios=()
for i in "${!one[@]}"; do ratios+=("$(echo "scale=2; ${one[$i]} / ${many[$i]}" | bc)"); done
echo "paired ratios: ${ratios[*]} (median $(printf '%s\n' "${ratios[@]}" | median))"
echo "speed-up: $(echo "scale=2; $m1 / $mn" | bc)x"
