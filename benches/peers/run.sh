#!/usr/bin/env bash
# Runs March (1991) with the same parameters in orgsim and in a
# straightforward Mesa implementation (march_mesa.py), both on one thread,
# and prints the speed ratio per member-period. Installs Mesa into a local
# virtual environment (benches/peers/.venv) on first use.
#
#   benches/peers/run.sh            # m=30 n=50 p1=0.1 p2=0.5, 500 periods
#   REPS_ORG=400 REPS_MESA=5 benches/peers/run.sh
#   ORGSIM_ARGS="--record-every 50" benches/peers/run.sh   # thinner time series
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
M=${M:-30} N=${N:-50} P1=${P1:-0.1} P2=${P2:-0.5} PERIODS=${PERIODS:-500}
REPS_ORG=${REPS_ORG:-200} REPS_MESA=${REPS_MESA:-3}

venv=${VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "mesa>=3,<4"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
target=${CARGO_TARGET_DIR:-$root/target}
orgsim=$target/release/orgsim

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/march.toml" <<TOML
# Question: how fast is orgsim's March (1991) model?
name = "march-speed"
question = "How fast is orgsim's March (1991) model?"
description = "March (1991) with the rules of the original program, for timing against Mesa."
model = "march1991"
steps = $PERIODS
replications = $REPS_ORG
seed = 1

[defaults]
m = $M
n = $N
p1 = $P1
p2 = $P2
literal = 0

[[variant]]
name = "march"
TOML

echo "March (1991): m=$M n=$N p1=$P1 p2=$P2, $PERIODS periods; one thread each"
"$orgsim" run "$work/march.toml" --threads 1 --quiet --no-charts --out "$work/out" --force ${ORGSIM_ARGS:-}
org=$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["member_steps_per_second"])' "$work/out/run.json")
echo "orgsim: $REPS_ORG replications, $(printf '%.4g' "$org") member-periods/s"
mesa_rate=$("$venv/bin/python" "$here/march_mesa.py" "$M" "$N" "$P1" "$P2" "$PERIODS" "$REPS_MESA")
echo "mesa:   $REPS_MESA replications, $(printf '%.4g' "$mesa_rate") member-periods/s"
"$venv/bin/python" -c 'import sys; print(f"ratio (orgsim / mesa, per member-period): {float(sys.argv[1]) / float(sys.argv[2]):.0f}x")' "$org" "$mesa_rate"
