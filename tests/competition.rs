//! Competition is an outcome (issue 15): tournament pressure comes from what
//! a promotion puts at stake in a structure (prize, rivals, an open
//! contest), and effort, hoarding and sharing read it. Each test fails when
//! its mechanism is switched off.

mod common;
use common::org_params as params;
use common::*;

use orgsim::model::Model;
use orgsim::org::{N_METRICS, OrgParams, Organization, Structure};

/// Per-step rows of one replication.
fn run(p: &OrgParams, structure: Structure, rep: u64, steps: usize) -> Vec<[f64; N_METRICS]> {
    org_rows(p, structure, 15, rep, steps)
}

fn col(rows: &[[f64; N_METRICS]], name: &str, from: usize) -> f64 {
    let k = orgsim::org::METRICS
        .iter()
        .position(|m| *m == name)
        .unwrap();
    mean(&rows[from..].iter().map(|r| r[k]).collect::<Vec<_>>())
}

const ALL: [Structure; 3] = [
    Structure::Hierarchy,
    Structure::LeaderLeader,
    Structure::Peer,
];

/// Without a promotion prize or relative rewards nothing is at stake:
/// pressure is exactly 0 in every structure, every step, vacancies or not.
#[test]
fn no_prize_no_pressure() {
    for s in ALL {
        let p = params(
            s,
            &[
                ("promotion_prize", 0.0),
                ("relative_rewards", 0.0),
                ("quit_rate", 0.01),
            ],
        );
        for rep in 0..3 {
            let rows = run(&p, s, rep, 150);
            assert!(
                rows.iter()
                    .all(|r| r[orgsim::org::metrics::TOURNAMENT_PRESSURE] == 0.0),
                "{s:?}"
            );
        }
        // ...and with a prize there is pressure.
        let p = params(s, &[("promotion_prize", 0.5), ("relative_rewards", 0.0)]);
        assert!(
            col(&run(&p, s, 0, 60), "tournament_pressure", 20) > 0.0,
            "{s:?}"
        );
    }
}

/// With every practice at its (equal) default, structures still differ:
/// a hierarchy's team competes for one full-time post, a peer team's
/// members already hold most of its part-time roles (fewer rivals, a
/// smaller step), so peer members feel less pressure, hoard less and share
/// more.
#[test]
fn equal_practices_structures_still_differ_in_pressure_and_sharing() {
    let reps = 8;
    let mut pressure = [0.0; 3];
    let mut hoarding_share = [0.0; 3];
    for (i, s) in ALL.iter().enumerate() {
        let p = params(*s, &[("members", 60.0)]);
        for rep in 0..reps {
            let rows = run(&p, *s, rep, 150);
            pressure[i] += col(&rows, "tournament_pressure", 20) / reps as f64;
            let (sh, ho) = (col(&rows, "sharing", 20), col(&rows, "hoarding", 20));
            hoarding_share[i] += ho / (sh + ho) / reps as f64;
        }
    }
    eprintln!("pressure {pressure:?}, refusals {hoarding_share:?}");
    assert!(
        pressure[0] > 1.5 * pressure[2],
        "hierarchy {} vs peer {}",
        pressure[0],
        pressure[2]
    );
    assert!(
        hoarding_share[0] > hoarding_share[2],
        "refusals: hierarchy {} vs peer {}",
        hoarding_share[0],
        hoarding_share[2]
    );
    // With no prize at all the structural difference in pressure is gone.
    let none = [("promotion_prize", 0.0), ("relative_rewards", 0.0)];
    let h = col(
        &run(
            &params(Structure::Hierarchy, &none),
            Structure::Hierarchy,
            0,
            60,
        ),
        "tournament_pressure",
        20,
    );
    let q = col(
        &run(&params(Structure::Peer, &none), Structure::Peer, 0, 60),
        "tournament_pressure",
        20,
    );
    assert_eq!((h, q), (0.0, 0.0));
}

/// When promotions credit help given, competitive members share to win:
/// more sharing than the same organization without that credit.
#[test]
fn credit_for_helping_makes_competitive_members_share() {
    for s in [Structure::Hierarchy, Structure::Peer] {
        let base = [
            ("competitive_share", 0.8),
            ("promotion_prize", 1.0),
            ("relative_rewards", 0.5),
        ];
        let without = params(s, &base);
        let with = params(s, &[base.as_slice(), &[("help_credit", 1.0)]].concat());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for rep in 0..10 {
            a.push(col(&run(&without, s, rep, 120), "sharing", 20));
            b.push(col(&run(&with, s, rep, 120), "sharing", 20));
        }
        eprintln!("{s:?}: sharing {} -> {}", mean(&a), mean(&b));
        assert!(
            mean(&b) > 1.1 * mean(&a),
            "{s:?}: {} -> {}",
            mean(&a),
            mean(&b)
        );
        assert!(welch_p(&a, &b) < 1e-3);
    }
}

/// A team's manager leaves with nobody ready: a succession contest opens
/// and pressure rises among the team (org-wide mean, against the same run
/// without the departure); with a ready designated successor it rises
/// less.
#[test]
fn pressure_spikes_in_a_succession_contest_and_less_with_a_ready_successor() {
    let rise = |set: &[(&str, f64)]| {
        let mut p = params(Structure::Hierarchy, set);
        p.members = 30;
        p.quit_rate = 0.0;
        p.promotion_delay = 10;
        let mut total = 0.0;
        for rep in 0..10 {
            let stream = || orgsim::rng::stream(16, 0, rep);
            let mut org = Organization::new(p.clone(), Structure::Hierarchy, &[], stream());
            let mut twin = Organization::new(p.clone(), Structure::Hierarchy, &[], stream());
            let mut row = [0.0; N_METRICS];
            for _ in 0..40 {
                org.step(&mut row);
                twin.step(&mut row);
            }
            let post = (0..org.posts() as u32)
                .find(|&i| org.post_info(i).0 == 1)
                .unwrap();
            org.depart_post(post);
            let mut gap = 0.0;
            for _ in 0..5 {
                org.step(&mut row);
                let a = row[orgsim::org::metrics::TOURNAMENT_PRESSURE];
                twin.step(&mut row);
                gap += a - row[orgsim::org::metrics::TOURNAMENT_PRESSURE];
            }
            total += gap / 5.0;
        }
        total / 10.0
    };
    let open = rise(&[("backups", 0.0), ("readiness", 1.0)]);
    let planned = rise(&[("backups", 2.0), ("readiness", 0.0)]);
    eprintln!("pressure rise: open contest {open:.4}, ready successor {planned:.4}");
    assert!(open > 0.01, "no rise in an open contest: {open}");
    assert!(
        planned < 0.5 * open,
        "ready successor {planned} vs open {open}"
    );
}

/// Redundancy from experience, not from a succession plan: with no
/// designated backups, a team manager's post is filled after half the
/// promotion delay when someone below has learnt enough to lead, and only
/// after the full delay when nobody can be ready (`readiness` 1 switches
/// the mechanism off).
#[test]
fn a_ready_member_steps_up_without_a_succession_plan() {
    let vacant_for = |readiness: f64| {
        let mut p = params(
            Structure::Hierarchy,
            &[("backups", 0.0), ("readiness", readiness)],
        );
        p.members = 30;
        p.quit_rate = 0.0;
        p.promotion_delay = 10;
        let mut weeks = Vec::new();
        for rep in 0..10 {
            let mut org = Organization::new(
                p.clone(),
                Structure::Hierarchy,
                &[],
                orgsim::rng::stream(17, 0, rep),
            );
            let mut row = [0.0; N_METRICS];
            for _ in 0..40 {
                org.step(&mut row);
            }
            let post = (0..org.posts() as u32)
                .find(|&i| org.post_info(i) == (1, Some(0)))
                .unwrap();
            org.depart_post(post);
            let mut w = 0;
            while !org.post_filled(post) && w < 50 {
                org.step(&mut row);
                w += 1;
            }
            weeks.push(w as f64);
        }
        mean(&weeks)
    };
    // Team members start with leadership 0.1–0.4, so with a bar of 0.2
    // someone is almost always ready; a bar of 1 is never reached.
    let ready = vacant_for(0.2);
    let nobody = vacant_for(1.0);
    assert!(ready <= 6.0, "a ready member took {ready} weeks");
    assert!(
        nobody >= 10.0,
        "with nobody ready the post was filled in {nobody} weeks"
    );
}
