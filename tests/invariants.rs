//! State invariants hold at every step, under every kind of event:
//! headcount accounting with departures, hires and promotions; skills,
//! engagement and leadership in range; decision queues consistent.

use orgsim::model::Model;
use orgsim::org::{Event, EventKind, N_METRICS, OrgParams, Organization, Structure, Target};
use orgsim::params::ParamSet;
use proptest::prelude::*;

fn params(structure: Structure, overrides: &[(&str, f64)]) -> OrgParams {
    let mut p = OrgParams::default();
    for (k, v) in structure.preset().iter().chain(overrides) {
        assert!(p.set(k, *v), "{k}");
    }
    p
}

fn every_event() -> Vec<Event> {
    let ev = |kind, start, duration, rate| Event {
        kind,
        start,
        duration,
        rate,
    };
    vec![
        ev(EventKind::Departure(Target::Top), 20, 0, 0.0),
        ev(
            EventKind::Departure(Target::Leaders {
                share: 0.33,
                level: None,
            }),
            30,
            0,
            0.0,
        ),
        ev(
            EventKind::Departure(Target::MostSkilled { share: 0.1 }),
            40,
            0,
            0.0,
        ),
        ev(EventKind::Layoff(Target::Random { share: 0.2 }), 50, 0, 0.0),
        ev(
            EventKind::Layoff(Target::Random { share: 0.1 }),
            55,
            10,
            0.0,
        ),
        ev(EventKind::Demand { factor: 3.0 }, 60, 10, 0.0),
        ev(EventKind::Turbulence { magnitude: 0.5 }, 70, 0, 0.0),
        ev(EventKind::Outage, 80, 5, 0.0),
        ev(
            EventKind::Departure(Target::Leaders {
                share: 1.0,
                level: Some(1),
            }),
            90,
            0,
            0.0,
        ),
        ev(
            EventKind::Departure(Target::Random { share: 0.05 }),
            0,
            0,
            0.05,
        ),
    ]
}

fn check_run(p: OrgParams, s: Structure, events: &[Event], seed: u64, steps: usize) {
    let mut org = Organization::new(p, s, events, orgsim::rng::stream(seed, 0, 0));
    let mut row = [0.0; N_METRICS];
    let initial = org.headcount();
    let mut departures = 0.0;
    let mut hires = 0.0;
    org.check_invariants().unwrap();
    for step in 0..steps {
        org.step(&mut row);
        if let Err(e) = org.check_invariants() {
            panic!("{s:?} step {step}: {e}");
        }
        for (i, x) in row.iter().enumerate() {
            assert!(
                x.is_finite() && *x >= 0.0,
                "{s:?} step {step}: metric {i} = {x}"
            );
        }
        departures += row[orgsim::org::metrics::TURNOVER];
        hires += row[orgsim::org::metrics::HIRES];
        // Headcount accounting from the published metrics alone.
        assert_eq!(
            row[orgsim::org::metrics::HEADCOUNT],
            initial as f64 - departures + hires,
            "step {step}"
        );
        assert!(row[orgsim::org::metrics::LEADERSHIP_COVERAGE] <= 1.0);
        assert!(
            row[orgsim::org::metrics::ENGAGEMENT] <= 1.0
                && row[orgsim::org::metrics::MEAN_SKILL] <= 1.0
        );
    }
    let t = org.totals();
    assert_eq!(t.initial + t.hires, org.headcount() + t.departures);
}

#[test]
fn invariants_hold_under_every_event_in_every_structure() {
    for s in [
        Structure::Hierarchy,
        Structure::LeaderLeader,
        Structure::Peer,
    ] {
        for seed in 0..3 {
            check_run(
                params(s, &[("members", 80.0), ("backups", 2.0)]),
                s,
                &every_event(),
                seed,
                120,
            );
        }
    }
}

#[test]
fn layoffs_without_reopening_shrink_the_organization() {
    let events = [Event {
        kind: EventKind::Layoff(Target::Random { share: 0.25 }),
        start: 10,
        duration: 0,
        rate: 0.0,
    }];
    let p = params(Structure::Peer, &[("members", 100.0), ("quit_rate", 0.0)]);
    let mut org = Organization::new(p, Structure::Peer, &events, orgsim::rng::stream(1, 0, 0));
    let mut row = [0.0; N_METRICS];
    for _ in 0..60 {
        org.step(&mut row);
    }
    assert_eq!(org.headcount(), 75);
}

#[test]
fn departures_are_replaced_after_the_hiring_delay() {
    let events = [Event {
        kind: EventKind::Departure(Target::Random { share: 0.2 }),
        start: 10,
        duration: 0,
        rate: 0.0,
    }];
    let p = params(
        Structure::Peer,
        &[
            ("members", 100.0),
            ("quit_rate", 0.0),
            ("hiring_delay", 12.0),
        ],
    );
    let mut org = Organization::new(p, Structure::Peer, &events, orgsim::rng::stream(1, 0, 0));
    let mut row = [0.0; N_METRICS];
    for step in 0..40 {
        org.step(&mut row);
        match step {
            10..=21 => assert_eq!(org.headcount(), 80, "step {step}"),
            22.. => assert_eq!(org.headcount(), 100, "step {step}"),
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Random but valid parameter sets keep every invariant.
    #[test]
    fn invariants_hold_for_random_parameters(
        members in 2usize..150, team_size in 2usize..12, span in 2usize..6, domains in 1usize..8,
        delegation in 0.0..1.0f64, escalation in 0.0..0.95f64, consensus in 0.0..1.0f64,
        backups in 0usize..4, prize in 0.0..1.0f64, rewards in 0.0..1.0f64, quit_rate in 0.0..0.1f64,
        hiring_delay in 0u32..20, promotion_delay in 0u32..20, structure in 0usize..3, seed in 0u64..1000,
    ) {
        let s = [Structure::Hierarchy, Structure::LeaderLeader, Structure::Peer][structure];
        let p = params(s, &[
            ("members", members as f64), ("team_size", team_size as f64), ("span", span as f64),
            ("domains", domains as f64), ("delegation", delegation), ("escalation", escalation),
            ("consensus", consensus), ("backups", backups as f64), ("promotion_prize", prize), ("relative_rewards", rewards),
            ("quit_rate", quit_rate), ("hiring_delay", hiring_delay as f64), ("promotion_delay", promotion_delay as f64),
        ]);
        prop_assume!(p.check().is_ok());
        check_run(p, s, &every_event(), seed, 100);
    }
}
