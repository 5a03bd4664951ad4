"""March (1991) mutual-learning model, written the straightforward Mesa way.

The rules are those of orgsim's `march1991` model with `literal = 0` (March's
original program, see docs/validation.md): members holding a 0 belief act at
random; the superior group is the members whose score (right minus wrong)
beats the code's; socialization moves a belief one step toward the code; the
code adopts the superior group's majority view on a dimension with chance
1 - (1 - p2)^k, k the majority margin; judging and socialization use the
state at the start of the period. A DataCollector records code and member
knowledge every period (orgsim records six metrics per period).

Usage: python march_mesa.py M N P1 P2 PERIODS REPLICATIONS
Prints: member-periods per second.

Or: python march_mesa.py figure1 REPLICATIONS [PERIODS [SEED]]
March's Figure 1 (p1 = 0.1 ... 0.9 x p2 = 0.1, 0.5, 0.9), each replication
stopped at its absorbing state as orgsim's model and march_numpy.py stop it
(`absorbed`: stepped once more, then done). Prints JSON as march_numpy.py.
"""

import json
import sys
import time

import mesa


class Member(mesa.Agent):
    def __init__(self, model, p1):
        super().__init__(model)
        self.p1 = p1
        rnd = model.random
        self.beliefs = [rnd.choice((-1, 0, 1)) for _ in range(model.m)]
        self.shown = list(self.beliefs)
        self.merit = 0

    def show(self):
        """Acts on beliefs (at random where the belief is 0) and is scored."""
        rnd = self.model.random
        self.shown = [b if b != 0 else (1 if rnd.random() < 0.5 else -1) for b in self.beliefs]
        self.merit = sum(s * r for s, r in zip(self.shown, self.model.reality))

    def socialize(self):
        """Learns from the code where it is not 0, one step at a time."""
        rnd = self.model.random
        code = self.model.code
        for d in range(self.model.m):
            c = code[d]
            b = self.beliefs[d]
            if c == 0 or b == c or not rnd.random() < self.p1:
                continue
            self.beliefs[d] = 0 if b != 0 else c

    def knowledge(self):
        return sum(b == r for b, r in zip(self.beliefs, self.model.reality)) / self.model.m


class MarchModel(mesa.Model):
    def __init__(self, m=30, n=50, p1=0.1, p2=0.5, seed=None):
        super().__init__(seed=seed)
        self.m = m
        self.p2 = p2
        self.reality = [1 if self.random.random() < 0.5 else -1 for _ in range(m)]
        self.code = [0] * m
        for _ in range(n):
            Member(self, p1)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "code_knowledge": lambda mo: sum(
                    c == r for c, r in zip(mo.code, mo.reality)
                )
                / mo.m,
                "member_knowledge": lambda mo: sum(a.knowledge() for a in mo.agents)
                / len(mo.agents),
            }
        )

    def step(self):
        self.agents.do("show")
        code_score = sum(c * r for c, r in zip(self.code, self.reality))
        superior = [a for a in self.agents if a.merit > code_score]
        self.agents.do("socialize")
        if superior:
            for d in range(self.m):
                plus = sum(1 for a in superior if a.shown[d] == 1)
                minus = sum(1 for a in superior if a.shown[d] == -1)
                if plus == minus:
                    continue
                majority = 1 if plus > minus else -1
                if self.code[d] == majority:
                    continue
                k = abs(plus - minus)
                if self.random.random() < 1 - (1 - self.p2) ** k:
                    self.code[d] = majority
        self.datacollector.collect(self)

    def absorbed(self):
        """Nothing can change any more (orgsim's `Core::settled`): every
        member holds the code's view wherever the code is not 0, and every
        member who could still beat the code (its zeros shown right) already
        holds exactly the code."""
        code, real = self.code, self.reality
        p1 = self.agents[0].p1 if self.agents else 0.0
        code_score = sum(c * r for c, r in zip(code, real))
        for a in self.agents:
            b = a.beliefs
            if p1 > 0 and any(c != 0 and x != c for x, c in zip(b, code)):
                return False
            best = sum(1 if x == 0 else x * r for x, r in zip(b, real))
            if self.p2 > 0 and best > code_score and any(x == 0 or x != c for x, c in zip(b, code)):
                return False
        return True


def figure1(reps, periods, seed=0):
    """Figure 1, each replication stopped at absorption."""
    cells, member_periods = {}, 0
    for p1 in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]:
        for p2 in [0.1, 0.5, 0.9]:
            finals, stops = [], []
            for r in range(reps):
                point = round(p1 * 10) * 10 + round(p2 * 10)
                model = MarchModel(30, 50, p1, p2, seed=seed * 10_000_000 + r * 1000 + point)
                t, last = 0, False
                while t < periods:
                    model.step()
                    member_periods += len(model.agents)
                    if last:
                        break
                    last = model.absorbed()
                    t += 1
                finals.append(sum(c == x for c, x in zip(model.code, model.reality)) / model.m)
                stops.append(t)
            mean = sum(finals) / reps
            sd = (sum((x - mean) ** 2 for x in finals) / (reps - 1)) ** 0.5 if reps > 1 else 0.0
            cells[f"{p1},{p2}"] = {"mean": mean, "sd": sd, "n": reps, "mean_stop": sum(stops) / reps}
    return cells, member_periods


def main():
    if sys.argv[1:2] == ["figure1"]:
        reps = int(sys.argv[2])
        periods = int(sys.argv[3]) if len(sys.argv) > 3 else 500
        seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
        start = time.perf_counter()
        cells, member_periods = figure1(reps, periods, seed)
        secs = time.perf_counter() - start
        print(json.dumps({
            "implementation": f"mesa {mesa.__version__}",
            "seconds": secs,
            "member_periods": member_periods,
            "cells": cells,
        }))
        return
    m, n, p1, p2, periods, reps = sys.argv[1:7]
    m, n, periods, reps = int(m), int(n), int(periods), int(reps)
    p1, p2 = float(p1), float(p2)
    start = time.perf_counter()
    for r in range(reps):
        model = MarchModel(m, n, p1, p2, seed=r)
        for _ in range(periods):
            model.step()
    secs = time.perf_counter() - start
    print(f"{n * periods * reps / secs:.6g}")
    code = model.datacollector.get_model_vars_dataframe()["code_knowledge"].iloc[-1]
    print(f"mesa {mesa.__version__}: last replication's final code knowledge {code:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
