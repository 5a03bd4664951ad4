#!/usr/bin/env python3
"""Generates a plausible, fictional org chart as CSV (deterministic per seed).

    python3 scenarios/data/gen_chart.py 300 > scenarios/data/acme.csv      # the example
    python3 scenarios/data/gen_chart.py 50000 --seed 7 > /tmp/big.csv     # a large one

Several departments of different sizes, uneven spans and team sizes, a few
open positions (role = "vacant"), skills per domain that lean toward each
department's work, and tenure. Names are made up.
"""
import random
import sys

DEPTS = [  # name, share of headcount, skill the work leans on
    ("engineering", 0.38, "build"),
    ("sales", 0.20, "sell"),
    ("operations", 0.18, "operate"),
    ("product", 0.10, "analyze"),
    ("finance", 0.08, "analyze"),
    ("people", 0.06, "operate"),
]
DOMAINS = ["build", "sell", "operate", "analyze"]
FIRST = "Ada Ben Chloe Dev Eli Fay Gus Hana Ivo Jun Kai Lea Mo Nia Omar Pia Quin Rosa Sam Tia Uma Vic Wen Xia Yan Zoe".split()
LAST = "Abe Bauer Cruz Diaz Eng Fox Gray Hale Ito Jones Kim Lund Moss Nagy Ortiz Park Quist Rossi Silva Tan Ueda Vance Wu Xu Young Zhou".split()


def main():
    args = sys.argv[1:]
    n = int(args[0]) if args else 300
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    rng = random.Random(seed)
    rows = []  # id, manager_id, name, team, role, tenure, skills
    counter = [0]

    def new_id():
        counter[0] += 1
        return f"E{counter[0]:05d}"

    def person(manager, team, role, lean, vacant_chance=0.0):
        pid = new_id()
        vacant = rng.random() < vacant_chance
        name = "" if vacant else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        tenure = "" if vacant else f"{rng.uniform(0.2, 3.0) + (6 if role != 'staff' else 0) * rng.random():.1f}"
        skills = []
        for d in DOMAINS:
            if vacant:
                skills.append("")
                continue
            base = 0.55 if d == lean else 0.3
            if role != "staff":
                base += 0.1
            skills.append(f"{min(1.0, max(0.0, rng.gauss(base, 0.12))):.2f}")
        rows.append([pid, manager, name, team, "vacant" if vacant else role] + [tenure] + skills)
        return pid

    ceo = person("", "executive", "ceo", "analyze")
    budget = n - 1
    for di, (dept, share, lean) in enumerate(DEPTS):
        size = round(share * (n - 1)) if di < len(DEPTS) - 1 else budget
        size = max(3, min(size, budget))
        budget -= size
        head = person(ceo, dept, "vp", lean)
        left = size - 1
        # Units under the VP: directors (in big departments) over managers over teams.
        def build(manager, left, depth, tag):
            # Returns how many were placed under `manager`.
            placed = 0
            if left <= rng.randint(9, 13) or depth >= 2:
                # A team: `left` individual contributors, but not more than 12.
                k = min(left, rng.randint(4, 12)) if depth >= 2 else left
                for _ in range(k):
                    person(manager, tag, "staff", lean, vacant_chance=0.02)
                return k
            # Split among sub-managers with uneven spans (and a few direct reports).
            while placed < left:
                rest = left - placed
                if rest <= 2:
                    for _ in range(rest):
                        person(manager, tag, "staff", lean, vacant_chance=0.02)
                    placed += rest
                    break
                sub = person(manager, f"{tag}-{counter[0]}", "manager", lean, vacant_chance=0.03)
                placed += 1
                share = min(rest - 1, rng.randint(5, max(6, rest // rng.randint(2, 4))))
                placed += build(sub, share, depth + 1, f"{tag}-{counter[0]}")
            return placed

        build(head, left, 0, dept)
    print("id,manager_id,name,team,role,tenure," + ",".join(f"skill_{d}" for d in DOMAINS))
    for r in rows:
        print(",".join(r))


if __name__ == "__main__":
    main()
