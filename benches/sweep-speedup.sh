#!/usr/bin/env bash
# Speed-up of a sweep from 1 to 2 (or N) threads, whole command wall time
# (simulation and writing every result file), median of several runs.
#
#   benches/sweep-speedup.sh [RUNS] [THREADS] [extra orgsim run flags...]
#
# Default: scenarios/delegation-sweep.toml with 400 replications (2,000 jobs
# of 120 members x 200 steps), 5 runs each, 1 vs 2 threads, no charts.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
threads=${2:-2}
shift $(( $# > 2 ? 2 : $# )) || true
cargo build --release --quiet
bin=target/release/orgsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
time_one() {
    local t=$1
    shift
    local start end
    start=$(date +%s.%N)
    "$bin" run scenarios/delegation-sweep.toml --replications 400 --threads "$t" \
        --quiet --force --no-charts --out "$out/t$t" "$@"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
one=(); many=()
for _ in $(seq "$runs"); do
    one+=("$(time_one 1 "$@")")
    many+=("$(time_one "$threads" "$@")")
done
m1=$(printf '%s\n' "${one[@]}" | median)
mn=$(printf '%s\n' "${many[@]}" | median)
cmp -s "$out/t1/timeseries.csv" "$out/t$threads/timeseries.csv" || { echo "outputs differ!"; exit 1; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "1 thread:  ${one[*]} s (median $m1 s)"
echo "$threads threads: ${many[*]} s (median $mn s)"
echo "speed-up: $(echo "scale=2; $m1 / $mn" | bc)x"
