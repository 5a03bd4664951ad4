#!/usr/bin/env bash
# Time to answer: March (1991) Figure 1 (27 points x REPS replications of
# m = 30, n = 50, up to 500 periods), one thread each, every replication
# stopped at its absorbing state, by
#   orgsim  scenarios/reference/march1991-figure1.toml (--no-charts)
#   numpy   benches/peers/march_numpy.py (vectorized over replications)
#   Mesa    benches/peers/march_mesa.py figure1 (one Agent per member)
# one after the other in one run, each timed as a whole command (start-up,
# imports and writing included); then each one's final code knowledge is
# compared with orgsim's point by point (z of the difference of means).
#
#   benches/peers/figure1.sh                # 80 replications each
#   REPS_MESA=10 benches/peers/figure1.sh   # fewer Mesa replications (slow)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
REPS=${REPS:-80} REPS_MESA=${REPS_MESA:-80}

venv=${VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "mesa>=3,<4" numpy
py=$venv/bin/python

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
target=${CARGO_TARGET_DIR:-$root/target}
orgsim=$target/release/orgsim

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

t0=$(now)
"$orgsim" run "$root/scenarios/reference/march1991-figure1.toml" --no-charts --threads 1 \
    --quiet --replications "$REPS" --out "$work/orgsim" --force
t1=$(now)
"$py" "$here/march_numpy.py" figure1 "$REPS" > "$work/numpy.json"
t2=$(now)
"$py" "$here/march_mesa.py" figure1 "$REPS_MESA" > "$work/mesa.json"
t3=$(now)

"$py" - "$work" "$t0" "$t1" "$t2" "$t3" "$REPS" "$REPS_MESA" <<'PY'
import csv, json, math, sys
work, t0, t1, t2, t3 = sys.argv[1], *map(float, sys.argv[2:6])
reps, reps_mesa = int(sys.argv[6]), int(sys.argv[7])
run = json.load(open(f"{work}/orgsim/run.json"))
org = {}
for r in csv.DictReader(open(f"{work}/orgsim/aggregate.csv")):
    if r["metric"] == "code_knowledge":
        # "figure1 p1=0.1 p2=0.5" -> "0.1,0.5"
        p1, p2 = (x.split("=")[1] for x in r["variant"].split()[1:])
        org[f"{p1},{p2}"] = (float(r["mean"]), float(r["sd"]), int(r["n"]))
impls = [("numpy", json.load(open(f"{work}/numpy.json"))), ("mesa", json.load(open(f"{work}/mesa.json")))]
wall = {"orgsim": t1 - t0, "numpy": t2 - t1, "mesa": t3 - t2}
print(f"March (1991) Figure 1: 27 points, m=30 n=50, one thread each, stopped at absorption")
print(f"{'':8} {'reps':>5} {'member-periods':>15} {'wall s':>8} {'compute s':>10} {'per answer vs orgsim':>21}")
print(f"{'orgsim':8} {reps:>5} {run['member_steps']:>15} {wall['orgsim']:>8.3f} {run['wall_seconds']:>10.3f} {'1':>21}")
for name, d in impls:
    n = d["cells"]["0.1,0.1"]["n"]
    # Scaled to orgsim's replications when fewer were run (Mesa).
    scaled = wall[name] * reps / n
    note = f" (x{reps}/{n}: {scaled:.1f} s)" if n != reps else ""
    print(f"{name:8} {n:>5} {d['member_periods']:>15} {wall[name]:>8.3f} {d['seconds']:>10.3f} {scaled / wall['orgsim']:>20.0f}x{note}")
print("final code knowledge, mean per point (z: difference from orgsim over its standard error)")
print(f"{'p1,p2':8} {'orgsim':>7} " + " ".join(f"{n:>7} {'z':>5}" for n, _ in impls))
worst = {n: 0.0 for n, _ in impls}
over2 = {n: 0 for n, _ in impls}
for k, (m, s, n) in org.items():
    line = f"{k:8} {m:7.3f} "
    for name, d in impls:
        c = d["cells"][k]
        se = math.sqrt(s * s / n + c["sd"] ** 2 / c["n"])
        z = (c["mean"] - m) / se if se > 0 else 0.0
        worst[name] = max(worst[name], abs(z))
        over2[name] += abs(z) > 2
        line += f"{c['mean']:7.3f} {z:5.1f} "
    print(line)
for name, _ in impls:
    print(f"{name}: largest |z| {worst[name]:.2f}; {over2[name]} of 27 points with |z| > 2 (about 1.4 expected by chance)")
PY
