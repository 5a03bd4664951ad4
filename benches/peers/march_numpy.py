"""March (1991) mutual-learning model, vectorized with numpy, stopping each
replication at its absorbing state.

The rules are those of orgsim's `march1991` with `literal = 0` (March's
original program, see docs/validation.md), as in march_mesa.py: members
holding a 0 belief act at random; the superior group is the members whose
score (right minus wrong) beats the code's; socialization moves a belief one
step toward the code; the code adopts the superior group's majority view on
a dimension with chance 1 - (1 - p2)^k, k the majority margin; judging and
socialization use the state at the start of the period.

Every replication of every (p1, p2) point is stepped at once: beliefs are an
int8 array (replications x members x dimensions). A replication stops once
it is absorbed by the test orgsim's model uses (`Core::settled`): every
member holds the code's view wherever the code is not 0, and every member
who could still beat the code (its zeros shown right) already shows exactly
the code. As orgsim does, it is stepped once more and that state is its
final one.

Usage: python march_numpy.py figure1 REPLICATIONS [PERIODS]
Prints JSON: per (p1, p2) point the final code knowledge's mean, sd and n,
the mean stop period, member-periods simulated and the seconds taken.
"""

import json
import sys
import time

import numpy as np

M, N = 30, 50
P1S = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
P2S = [0.1, 0.5, 0.9]


def settled(beliefs, code, reality, p1, p2):
    """Which replications can no longer change (see the module doc)."""
    c = code[:, None, :]
    if np.any(p1 > 0):
        moving = ((c != 0) & (beliefs != c)).any(axis=(1, 2)) & (p1 > 0)
    else:
        moving = np.zeros(len(code), bool)
    # Best possible score: zeros shown right.
    best = np.where(beliefs == 0, 1, beliefs * reality[:, None, :]).sum(axis=2)
    code_score = (code * reality).sum(axis=1)
    could_beat = best > code_score[:, None]
    not_code = ((beliefs != c) | (beliefs == 0)).any(axis=2)
    learning = (could_beat & not_code).any(axis=1) & (p2 > 0)
    return ~(moving | learning)


def step(rng, beliefs, code, reality, p1, p2):
    """One period for every replication (arrays modified in place)."""
    r, n, m = beliefs.shape
    coin = rng.integers(0, 2, size=(r, n, m), dtype=np.int8) * 2 - 1
    shown = np.where(beliefs == 0, coin, beliefs)
    score = (shown * reality[:, None, :]).sum(axis=2, dtype=np.int32)
    code_score = (code * reality).sum(axis=1, dtype=np.int32)
    superior = score > code_score[:, None]
    # Socialization: one step toward a non-zero code.
    c = code[:, None, :]
    moves = (c != 0) & (beliefs != c) & (rng.random((r, n, m)) < p1[:, None, None])
    beliefs[:] = np.where(moves, np.where(beliefs != 0, 0, c), beliefs)
    # The code learns from the superior group's majority.
    sup = superior[:, :, None]
    plus = ((shown == 1) & sup).sum(axis=1, dtype=np.int32)
    minus = ((shown == -1) & sup).sum(axis=1, dtype=np.int32)
    margin = plus - minus
    majority = np.sign(margin).astype(np.int8)
    chance = 1.0 - (1.0 - p2[:, None]) ** np.abs(margin)
    adopt = (margin != 0) & (code != majority) & (rng.random((r, m)) < chance)
    code[:] = np.where(adopt, majority, code)


def figure1(reps, periods, seed=1991):
    rng = np.random.default_rng(seed)
    points = [(a, b) for a in P1S for b in P2S]
    p1 = np.repeat([a for a, _ in points], reps).astype(float)
    p2 = np.repeat([b for _, b in points], reps).astype(float)
    total = len(p1)
    reality = rng.choice(np.array([-1, 1], np.int8), size=(total, M))
    beliefs = rng.integers(-1, 2, size=(total, N, M), dtype=np.int8)
    code = np.zeros((total, M), np.int8)
    final = np.full(total, np.nan)
    stopped = np.full(total, periods, float)
    member_periods = 0
    # The replications still running, compacted: `idx` their places; `last`:
    # absorbed, stepped once more, then done.
    idx = np.arange(total)
    last = np.zeros(total, bool)
    for t in range(periods):
        if len(idx) == 0:
            break
        step(rng, beliefs, code, reality, p1, p2)
        member_periods += len(idx) * N
        done = last | (t == periods - 1)
        last = ~done & settled(beliefs, code, reality, p1, p2)
        if done.any():
            final[idx[done]] = (code[done] == reality[done]).mean(axis=1)
            stopped[idx[done]] = t
            keep = ~done
            idx, last, beliefs, code, reality, p1, p2 = (
                a[keep] for a in (idx, last, beliefs, code, reality, p1, p2)
            )
    out = {}
    for i, (a, b) in enumerate(points):
        x = final[i * reps:(i + 1) * reps]
        out[f"{a},{b}"] = {
            "mean": float(x.mean()),
            "sd": float(x.std(ddof=1)) if reps > 1 else 0.0,
            "n": reps,
            "mean_stop": float(stopped[i * reps:(i + 1) * reps].mean()),
        }
    return out, member_periods


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "figure1":
        sys.exit(__doc__)
    reps = int(sys.argv[2])
    periods = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    start = time.perf_counter()
    cells, member_periods = figure1(reps, periods)
    secs = time.perf_counter() - start
    print(json.dumps({
        "implementation": f"numpy {np.__version__}",
        "seconds": secs,
        "member_periods": member_periods,
        "cells": cells,
    }))


if __name__ == "__main__":
    main()
