//! Prints the docking tables of `docs/validation.md`:
//!
//!     cargo run --release --example docking [-- SECTION]
//!
//! SECTION is one of march-fig1, march-literal, march-rules, march-mixed, march-turnover,
//! march-turbulence, miller, carley (default: all).

use orgsim::model::{Model, ModelKind};
use orgsim::params::ParamSet;
use orgsim::reference::carley::{self, CarleyParams};
use orgsim::reference::docking::{fmt, replicate, replicate_with};
use orgsim::reference::march::{self, March, MarchParams, Rules};
use orgsim::reference::miller::{self, MillerParams};

const SEED: u64 = 1991;

fn main() {
    let section = std::env::args().nth(1).unwrap_or_default();
    let want = |s: &str| section.is_empty() || section == s;
    if want("march-fig1") {
        march_fig1(0);
    }
    if want("march-literal") {
        march_fig1(1);
    }
    if want("march-rules") {
        march_rules();
    }
    if want("march-rules") {
        march_rules_fast();
    }
    if want("march-mixed") {
        march_mixed();
    }
    if want("march-turnover") {
        march_turnover();
    }
    if want("march-turbulence") {
        march_turbulence();
    }
    if want("miller") {
        miller();
    }
    if want("carley") {
        carley();
    }
}

fn march(f: impl FnOnce(&mut MarchParams)) -> Vec<f64> {
    let mut p = MarchParams::default();
    f(&mut p);
    p.values()
}

/// March Figure 1: equilibrium code knowledge vs p1 for p2 in {0.1, 0.5, 0.9}.
fn march_fig1(literal: u32) {
    let (steps, reps) = (500, 80);
    println!(
        "## March Figure 1 (literal = {literal}; {reps} replications, code knowledge (code score) at period {steps})"
    );
    println!("| p1 | p2 = 0.1 | p2 = 0.5 | p2 = 0.9 |\n|---|---|---|---|");
    for (i, p1) in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .enumerate()
    {
        let mut row = format!("| {p1} |");
        for (j, p2) in [0.1, 0.5, 0.9].iter().enumerate() {
            let v = march(|p| {
                p.p1 = *p1;
                p.p2 = *p2;
                p.literal = literal;
            });
            let c = replicate(
                ModelKind::March1991,
                &v,
                "",
                steps,
                reps,
                SEED,
                (i * 3 + j) as u64,
            );
            row += &format!(
                " {} ({}) |",
                fmt(&c.last(march::CODE_KNOWLEDGE)),
                fmt(&c.last(march::CODE_SCORE))
            );
        }
        println!("{row}");
    }
    println!();
}

/// Each rule of the original program switched to its literal reading alone.
fn march_rules() {
    let (steps, reps) = (500, 80);
    println!(
        "## March: one rule at a time ({reps} replications, code knowledge (code score) at period {steps})"
    );
    println!("| rules | p1=0.1, p2=0.9 | p1=0.9, p2=0.9 | p1=0.1, p2=0.1 |\n|---|---|---|---|");
    let o = Rules::ORIGINAL;
    let cases = [
        ("original program", o),
        (
            "zeros shown as 0",
            Rules {
                zeros_act_randomly: false,
                ..o
            },
        ),
        (
            "superior by knowledge",
            Rules {
                superior_by_score: false,
                ..o
            },
        ),
        (
            "socialization jumps",
            Rules {
                gradual_socialization: false,
                ..o
            },
        ),
        (
            "k = differ - agree",
            Rules {
                k_is_majority_margin: false,
                ..o
            },
        ),
        (
            "sequential",
            Rules {
                sequential: true,
                ..o
            },
        ),
        ("literal text", Rules::LITERAL),
    ];
    for (c, (name, rules)) in cases.iter().enumerate() {
        let mut row = format!("| {name} |");
        for (j, (p1, p2)) in [(0.1, 0.9), (0.9, 0.9), (0.1, 0.1)].iter().enumerate() {
            let params = MarchParams {
                p1: *p1,
                p2: *p2,
                ..MarchParams::default()
            };
            let build =
                |s| Box::new(March::with_rules(params.clone(), *rules, s)) as Box<dyn Model>;
            let curves = replicate_with(
                build,
                march::METRICS.len(),
                steps,
                reps,
                SEED,
                50 + (c * 3 + j) as u64,
            );
            row += &format!(" {} |", fmt(&curves.last(march::CODE_KNOWLEDGE)));
        }
        println!("{row}");
    }
    println!();
}

/// The rules whose effect is small, at fast socialization with 400 replications
/// (as in tests/reference_docking.rs).
fn march_rules_fast() {
    let (steps, reps) = (200, 400);
    println!(
        "## March: one rule at a time, p1 = 0.9, p2 = 0.9 ({reps} replications, code knowledge (code score) at period {steps})"
    );
    println!("| rules | code knowledge |\n|---|---|");
    let o = Rules::ORIGINAL;
    let cases = [
        ("original program", o),
        (
            "superior by knowledge",
            Rules {
                superior_by_score: false,
                ..o
            },
        ),
        (
            "socialization jumps",
            Rules {
                gradual_socialization: false,
                ..o
            },
        ),
        (
            "k = differ - agree",
            Rules {
                k_is_majority_margin: false,
                ..o
            },
        ),
        (
            "sequential",
            Rules {
                sequential: true,
                ..o
            },
        ),
    ];
    for (c, (name, rules)) in cases.iter().enumerate() {
        let params = MarchParams {
            p1: 0.9,
            p2: 0.9,
            ..MarchParams::default()
        };
        let build = |s| Box::new(March::with_rules(params.clone(), *rules, s)) as Box<dyn Model>;
        let curves = replicate_with(
            build,
            march::METRICS.len(),
            steps,
            reps,
            SEED,
            1010 + c as u64,
        );
        println!("| {name} | {} |", fmt(&curves.last(march::CODE_KNOWLEDGE)));
    }
    println!();
}

fn march_mixed() {
    let (steps, reps) = (500, 80);
    println!(
        "## March: mixed fast (p1 = 0.9) and slow (p1 = 0.1) learners, p2 = 0.5 ({reps} replications, period {steps})"
    );
    println!("| fast learners (of 50) | code knowledge | member knowledge |\n|---|---|---|");
    for (i, fast) in [0, 10, 20, 30, 40, 50].iter().enumerate() {
        let v = march(|p| {
            p.fast_share = *fast as f64 / 50.0;
        });
        let c = replicate(
            ModelKind::March1991,
            &v,
            "",
            steps,
            reps,
            SEED,
            100 + i as u64,
        );
        println!(
            "| {fast} | {} | {} |",
            fmt(&c.last(march::CODE_KNOWLEDGE)),
            fmt(&c.last(march::MEMBER_KNOWLEDGE))
        );
    }
    println!();
}

fn march_turnover() {
    let (steps, reps) = (200, 80);
    println!(
        "## March: turnover p3, p1 = 0.5, p2 = 0.5 ({reps} replications, code knowledge (code score) at period {steps})"
    );
    println!("| p3 | code knowledge | member knowledge |\n|---|---|---|");
    for (i, p3) in [0.0, 0.01, 0.02, 0.05, 0.1, 0.2].iter().enumerate() {
        let v = march(|p| {
            p.p1 = 0.5;
            p.p3 = *p3;
        });
        let c = replicate(
            ModelKind::March1991,
            &v,
            "",
            steps,
            reps,
            SEED,
            200 + i as u64,
        );
        println!(
            "| {p3} | {} | {} |",
            fmt(&c.last(march::CODE_KNOWLEDGE)),
            fmt(&c.last(march::MEMBER_KNOWLEDGE))
        );
    }
    println!();
}

fn march_turbulence() {
    let (steps, reps) = (400, 80);
    println!("## March: turbulence p4 = 0.02, p1 = 0.5, p2 = 0.5 ({reps} replications)");
    println!("| p3 | t=10 | t=25 | t=50 | t=100 | t=200 | t=400 |\n|---|---|---|---|---|---|---|");
    for (i, p3) in [0.0, 0.1].iter().enumerate() {
        let v = march(|p| {
            p.p1 = 0.5;
            p.p3 = *p3;
            p.p4 = 0.02;
        });
        let c = replicate(
            ModelKind::March1991,
            &v,
            "",
            steps,
            reps,
            SEED,
            300 + i as u64,
        );
        let mut row = format!("| {p3} |");
        for t in [10, 25, 50, 100, 200, 400] {
            row += &format!(" {} |", fmt(&c.at(march::CODE_KNOWLEDGE, t - 1)));
        }
        println!("{row}");
    }
    println!();
}

fn miller() {
    let (steps, reps) = (500, 80);
    println!(
        "## Miller et al. 2006: interpersonal learning p3 ({reps} replications, period {steps}, p1 = 0.1, p2 = 0.5)"
    );
    println!(
        "| radius | tacit | p3 | member knowledge | code knowledge | tacit knowledge |\n|---|---|---|---|---|---|"
    );
    let mut variant = 400;
    for radius in [1, 25] {
        for tacit in [0.0, 0.3] {
            for p3 in [0.0, 0.05, 0.1, 0.3, 0.9] {
                let p = MillerParams {
                    p3,
                    radius,
                    tacit,
                    ..MillerParams::default()
                };
                let c = replicate(
                    ModelKind::Miller2006,
                    &p.values(),
                    "",
                    steps,
                    reps,
                    SEED,
                    variant,
                );
                variant += 1;
                println!(
                    "| {radius} | {tacit} | {p3} | {} | {} | {} |",
                    fmt(&c.last(miller::MEMBER_KNOWLEDGE)),
                    fmt(&c.last(march::CODE_KNOWLEDGE)),
                    fmt(&c.last(miller::TACIT_KNOWLEDGE))
                );
            }
        }
    }
    println!();
}

fn carley() {
    let (steps, reps) = (250, 80);
    println!(
        "## Carley 1992: accuracy by structure and turnover ({reps} replications, 10 problems/period)"
    );
    println!(
        "| structure | turnover | t=1..10 | t=21..30 | t=91..100 | t=241..250 |\n|---|---|---|---|---|---|"
    );
    let mut variant = 500;
    for structure in ["team", "hierarchy"] {
        for turnover in [0.0, 0.02, 0.1] {
            let mut p = CarleyParams::default();
            for (k, v) in ModelKind::Carley1992.preset(structure) {
                p.set(k, *v);
            }
            p.turnover = turnover;
            let c = replicate(
                ModelKind::Carley1992,
                &p.values(),
                structure,
                steps,
                reps,
                SEED,
                variant,
            );
            variant += 1;
            let window = |a: usize, b: usize| fmt(&c.window(carley::ACCURACY, a..b));
            println!(
                "| {structure} | {turnover} | {} | {} | {} | {} |",
                window(0, 10),
                window(20, 30),
                window(90, 100),
                window(240, 250)
            );
        }
    }
    println!();
}
