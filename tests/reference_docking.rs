//! Docking: the reference models held to the published results. Run in
//! release mode (`cargo test --release --test reference_docking`, about 15 s
//! on 2 cores); in debug builds they are ignored, as they would take minutes.
//!
//! Every comparison is "mean A exceeds mean B by more than the 95% half-width
//! of the difference" (plus, where stated, a minimum size), with 80
//! replications per cell as March (1991) used unless a rule's small effect
//! needs more. Seeds are fixed, so the outcome is deterministic; the margins
//! are chosen so that a different seed would pass too. The numbers behind
//! every assertion are in docs/validation.md.

use orgsim::model::{Model, ModelKind};
use orgsim::params::ParamSet;
use orgsim::reference::carley::{self, CarleyParams};
use orgsim::reference::docking::{Curves, replicate, replicate_with};
use orgsim::reference::march::{self, March, MarchParams, Rules};
use orgsim::reference::miller::{self, MillerParams};
use orgsim::stats::OnlineStats;

const SEED: u64 = 1991;
const REPS: u64 = 80;

/// `a` exceeds `b` by more than `min` and by more than the 95% half-width of
/// the difference of two independent means.
#[track_caller]
fn assert_above(a: &OnlineStats, b: &OnlineStats, min: f64, what: &str) {
    let diff = a.mean() - b.mean();
    let hw = (a.ci95_half_width().powi(2) + b.ci95_half_width().powi(2)).sqrt();
    assert!(
        diff > min.max(hw),
        "{what}: {:.4} vs {:.4} (difference {diff:.4}, needs > {:.4})",
        a.mean(),
        b.mean(),
        min.max(hw)
    );
}

fn march_run(p: MarchParams, steps: usize, reps: u64, variant: u64) -> Curves {
    replicate(
        ModelKind::March1991,
        &p.values(),
        "",
        steps,
        reps,
        SEED,
        variant,
    )
}

fn fig1_cell(p1: f64, p2: f64, literal: u32) -> Curves {
    let p = MarchParams {
        p1,
        p2,
        literal,
        ..MarchParams::default()
    };
    // 500 periods: past equilibrium for every p1 in Figure 1.
    march_run(
        p,
        500,
        REPS,
        (p1 * 10.0) as u64 * 10 + (p2 * 10.0) as u64 + 100 * literal as u64,
    )
}

/// Christensen's (2015) rules as run by Workiewicz (2019, 10,000 iterations
/// per cell): equilibrium code score sum(code * reality) / m, rows p1 = 0.1 ..
/// 0.9, columns p2 = 0.1, 0.5, 0.9. Their standard errors are ~0.002, small
/// beside ours, so they serve as the reference values of Figure 1.
const WORKIEWICZ: [[f64; 3]; 9] = [
    [0.863, 0.954, 0.972],
    [0.817, 0.909, 0.940],
    [0.805, 0.869, 0.908],
    [0.802, 0.837, 0.874],
    [0.799, 0.811, 0.840],
    [0.803, 0.787, 0.807],
    [0.806, 0.768, 0.780],
    [0.809, 0.754, 0.756],
    [0.813, 0.742, 0.728],
];

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_figure1_slow_socialization_and_fast_code_learning_know_more() {
    let k = |p1, p2| fig1_cell(p1, p2, 0).last(march::CODE_KNOWLEDGE);
    let (k19, k59, k99) = (k(0.1, 0.9), k(0.5, 0.9), k(0.9, 0.9));
    let (k15, k55, k95) = (k(0.1, 0.5), k(0.5, 0.5), k(0.9, 0.5));
    let (k11, k91) = (k(0.1, 0.1), k(0.9, 0.1));
    // Lower p1 gives higher equilibrium code knowledge (p2 = 0.5, 0.9).
    assert_above(&k19, &k59, 0.03, "p2=0.9: p1=0.1 over p1=0.5");
    assert_above(&k59, &k99, 0.03, "p2=0.9: p1=0.5 over p1=0.9");
    assert_above(&k15, &k55, 0.03, "p2=0.5: p1=0.1 over p1=0.5");
    assert_above(&k55, &k95, 0.02, "p2=0.5: p1=0.5 over p1=0.9");
    // At slow socialization a faster-learning code knows more.
    assert_above(&k19, &k11, 0.03, "p1=0.1: p2=0.9 over p2=0.1");
    assert_above(&k15, &k11, 0.03, "p1=0.1: p2=0.5 over p2=0.1");
    // The p1 effect is strongest where the code learns fast; p2 = 0.1 is flat.
    let slope = |a: &OnlineStats, b: &OnlineStats| a.mean() - b.mean();
    assert!(slope(&k19, &k99) > 2.0 * slope(&k11, &k91).abs());
    assert!(slope(&k11, &k91).abs() < 0.05);
    // The peak, near p1 = 0.1, p2 = 0.9.
    assert!(k19.mean() > 0.95, "peak code knowledge {:.3}", k19.mean());
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_figure1_matches_the_original_program_replication() {
    // Every cell's mean code score against Workiewicz's 10,000-iteration
    // values: with 80 replications about 1 cell in 20 may fall outside its
    // 95% interval by chance, so allow 3 of 27 outside it, none by more
    // than 1.5 half-widths.
    let mut outside = 0;
    for (i, row) in WORKIEWICZ.iter().enumerate() {
        let p1 = 0.1 * (i + 1) as f64;
        for (j, &reference) in row.iter().enumerate() {
            let p2 = [0.1, 0.5, 0.9][j];
            let s = fig1_cell(p1, p2, 0).last(march::CODE_SCORE);
            let (dev, hw) = ((s.mean() - reference).abs(), s.ci95_half_width());
            assert!(
                dev < 1.5 * hw,
                "p1={p1:.1} p2={p2}: {:.3} vs {reference}",
                s.mean()
            );
            outside += usize::from(dev > hw);
        }
    }
    assert!(
        outside <= 3,
        "{outside} of 27 cells outside their 95% interval"
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_literal_reading_misses_the_figure1_peak() {
    let original = fig1_cell(0.1, 0.9, 0);
    let literal = fig1_cell(0.1, 0.9, 1);
    let (o, l) = (
        original.last(march::CODE_KNOWLEDGE),
        literal.last(march::CODE_KNOWLEDGE),
    );
    assert!(
        l.mean() + l.ci95_half_width() < 0.90,
        "literal peak {:.3}",
        l.mean()
    );
    assert_above(&o, &l, 0.08, "original over literal at the peak");
    // In score units (Figure 1's scale in the replications) it is far off.
    let ls = literal.last(march::CODE_SCORE);
    assert!(ls.mean() + ls.ci95_half_width() < WORKIEWICZ[0][2] - 0.15);
}

/// Code knowledge at equilibrium with one rule of the original program
/// replaced.
fn with_rules(
    rules: Rules,
    p1: f64,
    p2: f64,
    steps: usize,
    reps: u64,
    variant: u64,
) -> OnlineStats {
    let params = MarchParams {
        p1,
        p2,
        ..MarchParams::default()
    };
    let build = |s| Box::new(March::with_rules(params.clone(), rules, s)) as Box<dyn Model>;
    replicate_with(build, march::METRICS.len(), steps, reps, SEED, variant)
        .last(march::CODE_KNOWLEDGE)
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_each_documented_rule_is_load_bearing() {
    let o = Rules::ORIGINAL;
    // Members who believe 0 act at random (Christensen 2015): without it the
    // peak falls by ~0.1.
    let base = with_rules(o, 0.1, 0.9, 500, REPS, 1000);
    let zeros = with_rules(
        Rules {
            zeros_act_randomly: false,
            ..o
        },
        0.1,
        0.9,
        500,
        REPS,
        1001,
    );
    assert_above(&base, &zeros, 0.05, "zeros act randomly");
    // The other rules show at fast socialization, which equilibrates in
    // under 200 periods; their smaller effects need more replications.
    let reps = 400;
    let fast = with_rules(o, 0.9, 0.9, 200, reps, 1010);
    let by_knowledge = with_rules(
        Rules {
            superior_by_score: false,
            ..o
        },
        0.9,
        0.9,
        200,
        reps,
        1011,
    );
    assert_above(&fast, &by_knowledge, 0.08, "superior group judged by score");
    let jumps = with_rules(
        Rules {
            gradual_socialization: false,
            ..o
        },
        0.9,
        0.9,
        200,
        reps,
        1012,
    );
    assert_above(&fast, &jumps, 0.015, "gradual socialization");
    // How k is counted matters where the code learns slowly enough for
    // 1 - (1 - p2)^k not to saturate: at p2 = 0.9 its effect is only 0.003 ±
    // 0.002 (6,000 replications, before and after the bit-packed rewrite),
    // below this test's minimum, so it is held at p2 = 0.5 (effect 0.029 ±
    // 0.003 over 2,000 replications), with a larger minimum.
    let fast_half = with_rules(o, 0.9, 0.5, 200, reps, 1014);
    let k_literal = with_rules(
        Rules {
            k_is_majority_margin: false,
            ..o
        },
        0.9,
        0.5,
        200,
        reps,
        1013,
    );
    assert_above(&fast_half, &k_literal, 0.015, "k is the majority margin");
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_mixed_fast_and_slow_learners_beat_uniform_learners() {
    // Half fast (p1 = 0.9), half slow (p1 = 0.1) against everyone at the same
    // mean rate (p1 = 0.5) and against everyone fast; p2 = 0.5.
    let run = |p1, fast_share, v| {
        let p = MarchParams {
            p1,
            fast_share,
            p2: 0.5,
            ..MarchParams::default()
        };
        march_run(p, 500, REPS, v).last(march::CODE_KNOWLEDGE)
    };
    let mixed = run(0.1, 0.5, 2000);
    let uniform = run(0.5, 0.0, 2001);
    let all_fast = run(0.9, 0.0, 2002);
    assert_above(&mixed, &uniform, 0.02, "mixed over uniform p1 = 0.5");
    assert_above(&mixed, &all_fast, 0.04, "mixed over all fast");
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_moderate_turnover_raises_code_knowledge() {
    let run = |p3, v| {
        let p = MarchParams {
            p1: 0.5,
            p2: 0.5,
            p3,
            ..MarchParams::default()
        };
        march_run(p, 200, REPS, v).last(march::CODE_KNOWLEDGE)
    };
    let none = run(0.0, 3000);
    let moderate = run(0.02, 3001);
    assert_above(&moderate, &none, 0.05, "turnover 0.02 over none");
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn march_turbulence_erodes_knowledge_unless_members_turn_over() {
    let run = |p3, v| {
        let p = MarchParams {
            p1: 0.5,
            p2: 0.5,
            p3,
            p4: 0.02,
            ..MarchParams::default()
        };
        march_run(p, 400, REPS, v)
    };
    let closed = run(0.0, 4000);
    let early = closed.window(march::CODE_KNOWLEDGE, 5..15);
    let late = closed.window(march::CODE_KNOWLEDGE, 300..400);
    assert_above(&early, &late, 0.2, "knowledge decays under turbulence");
    let open = run(0.1, 4001).window(march::CODE_KNOWLEDGE, 300..400);
    assert_above(
        &open,
        &late,
        0.15,
        "turnover sustains knowledge under turbulence",
    );
}

fn miller_run(p: MillerParams, variant: u64) -> OnlineStats {
    let p = MillerParams {
        p1: 0.1,
        p2: 0.5,
        ..p
    };
    replicate(
        ModelKind::Miller2006,
        &p.values(),
        "",
        500,
        REPS,
        SEED,
        variant,
    )
    .last(miller::MEMBER_KNOWLEDGE)
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn miller_interpersonal_learning_carries_tacit_knowledge() {
    let code_only = miller_run(
        MillerParams {
            p3: 0.0,
            tacit: 0.3,
            ..Default::default()
        },
        5000,
    );
    let peers = miller_run(
        MillerParams {
            p3: 0.1,
            radius: 1,
            tacit: 0.3,
            ..Default::default()
        },
        5001,
    );
    assert_above(
        &peers,
        &code_only,
        0.1,
        "interpersonal learning with 30% tacit knowledge",
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn miller_fast_learning_from_distant_peers_lowers_knowledge() {
    let none = miller_run(
        MillerParams {
            p3: 0.0,
            ..Default::default()
        },
        5010,
    );
    let distant = miller_run(
        MillerParams {
            p3: 0.9,
            radius: 25,
            ..Default::default()
        },
        5011,
    );
    let local = miller_run(
        MillerParams {
            p3: 0.9,
            radius: 1,
            ..Default::default()
        },
        5012,
    );
    assert_above(&none, &distant, 0.01, "no peers over fast distant peers");
    assert_above(&local, &distant, 0.02, "fast local over fast distant peers");
}

fn carley_run(structure: &str, turnover: f64, variant: u64) -> Curves {
    let mut p = CarleyParams {
        turnover,
        ..CarleyParams::default()
    };
    for (k, v) in ModelKind::Carley1992.preset(structure) {
        p.set(k, *v);
    }
    replicate(
        ModelKind::Carley1992,
        &p.values(),
        structure,
        250,
        REPS,
        SEED,
        variant,
    )
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "docking is heavy: run with cargo test --release"
)]
fn carley_teams_learn_faster_and_better_hierarchies_suffer_less_from_turnover() {
    let acc = carley::ACCURACY;
    let team = carley_run("team", 0.0, 6000);
    let hier = carley_run("hierarchy", 0.0, 6001);
    assert_above(
        &team.window(acc, 0..10),
        &hier.window(acc, 0..10),
        0.1,
        "team learns faster",
    );
    assert_above(
        &team.window(acc, 200..250),
        &hier.window(acc, 200..250),
        0.04,
        "team learns better",
    );
    // Loss from high turnover, judged at the end (periods 201-250).
    let team_t = carley_run("team", 0.1, 6002);
    let hier_t = carley_run("hierarchy", 0.1, 6003);
    let loss = |a: &Curves, b: &Curves| {
        let (x, y) = (a.window(acc, 200..250), b.window(acc, 200..250));
        (
            x.mean() - y.mean(),
            (x.ci95_half_width().powi(2) + y.ci95_half_width().powi(2)).sqrt(),
        )
    };
    let (team_loss, team_hw) = loss(&team, &team_t);
    let (hier_loss, hier_hw) = loss(&hier, &hier_t);
    assert!(
        team_loss - hier_loss > (team_hw.powi(2) + hier_hw.powi(2)).sqrt(),
        "turnover costs the team {team_loss:.3} ± {team_hw:.3}, the hierarchy {hier_loss:.3} ± {hier_hw:.3}"
    );
}
