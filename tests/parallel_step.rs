//! A big organization's step runs its blocks of teams in parallel: the
//! result must be the same bits on one thread or several, the state must
//! stay consistent, and a chart laid out unlike the structures still runs.

use orgsim::model::Model;
use orgsim::org::{
    Chart, Event, EventKind, N_METRICS, OrgParams, Organization, Structure, Target, chart,
};
use orgsim::params::ParamSet;

fn params(structure: Structure, members: usize) -> OrgParams {
    let mut p = OrgParams::default();
    for (k, v) in structure.preset() {
        assert!(p.set(k, *v), "{k}");
    }
    p.members = members;
    p.consensus = 0.2;
    p.lateral = 0.1;
    p.mentoring = 0.1;
    p.coaching = 0.2;
    p.backups = 2;
    p.escalation = 0.3;
    p.quit_rate = 0.02;
    p
}

fn events() -> Vec<Event> {
    let ev = |kind, start, duration| Event {
        kind,
        start,
        duration,
        rate: 0.0,
    };
    vec![
        ev(EventKind::Departure(Target::Top), 10, 0),
        ev(
            EventKind::Departure(Target::Leaders {
                share: 0.3,
                level: None,
            }),
            20,
            0,
        ),
        ev(EventKind::Layoff(Target::Random { share: 0.1 }), 30, 10),
        ev(EventKind::Demand { factor: 2.0 }, 40, 10),
        ev(EventKind::Outage, 50, 3),
    ]
}

/// A chart of about 12,000 people: a CEO, 6 VPs, 36 directors, 216
/// managers with teams of 4–100.
fn big_chart() -> Chart {
    let mut csv = String::from("id,manager_id\n0,\n");
    let mut next = 1u32;
    let mut add = |csv: &mut String, m: u32| {
        let id = next;
        next += 1;
        csv.push_str(&format!("{id},{m}\n"));
        id
    };
    let mut managers = vec![0u32];
    for _ in 0..3 {
        let mut below = Vec::new();
        for &m in &managers {
            for _ in 0..6 {
                below.push(add(&mut csv, m));
            }
        }
        managers = below;
    }
    for (i, &m) in managers.iter().enumerate() {
        for _ in 0..4 + (i * 7) % 97 {
            add(&mut csv, m);
        }
    }
    chart::parse("big.csv", csv.as_bytes()).unwrap()
}

/// Every metric row of `steps` steps, run on a pool of `threads` threads.
fn run(
    structure: Structure,
    members: usize,
    steps: usize,
    threads: usize,
) -> Vec<[f64; N_METRICS]> {
    run_org(structure, steps, threads, || {
        Organization::new(
            params(structure, members),
            structure,
            &events(),
            orgsim::rng::stream(7, 1, 2),
        )
    })
}

/// As [`run`], for the organization `build` makes.
fn run_org(
    structure: Structure,
    steps: usize,
    threads: usize,
    build: impl FnOnce() -> Organization + Send,
) -> Vec<[f64; N_METRICS]> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut org = build();
        assert!(org.blocks() >= 2, "{structure:?}: {} blocks", org.blocks());
        let mut rows = Vec::with_capacity(steps);
        for step in 0..steps {
            let mut row = [0.0; N_METRICS];
            org.step(&mut row);
            rows.push(row);
            if step % 10 == 0 {
                org.check_invariants()
                    .unwrap_or_else(|e| panic!("{structure:?} step {step}: {e}"));
            }
        }
        org.check_invariants().unwrap();
        rows
    })
}

#[test]
fn one_thread_or_several_give_the_same_bits() {
    for s in [
        Structure::Hierarchy,
        Structure::LeaderLeader,
        Structure::Peer,
    ] {
        let one = run(s, 14_000, 70, 1);
        let three = run(s, 14_000, 70, 3);
        for (step, (a, b)) in one.iter().zip(&three).enumerate() {
            let (a, b) = (a.map(f64::to_bits), b.map(f64::to_bits));
            assert_eq!(a, b, "{s:?} step {step}");
        }
        // The run did something: work was done and people left and joined.
        let done: f64 = one.iter().map(|r| r[orgsim::org::THROUGHPUT]).sum();
        assert!(done > 1000.0, "{s:?}: {done}");
    }
}

/// An org chart's layout may not put team posts team by team (then all its
/// posts are served before the blocks); either way the blocks give the same
/// bits on any number of threads.
#[test]
fn a_big_org_chart_gives_the_same_bits_on_any_thread_count() {
    let chart = big_chart();
    assert!(chart.len() > 10_000, "{}", chart.len());
    for s in [
        Structure::Hierarchy,
        Structure::LeaderLeader,
        Structure::Peer,
    ] {
        let build = || {
            let p = params(s, chart.len());
            Organization::from_chart(p, s, &chart, &events(), orgsim::rng::stream(3, 0, 1))
        };
        let one = run_org(s, 40, 1, build);
        let three = run_org(s, 40, 3, build);
        for (step, (a, b)) in one.iter().zip(&three).enumerate() {
            assert_eq!(
                a.map(f64::to_bits),
                b.map(f64::to_bits),
                "{s:?} step {step}"
            );
        }
    }
}
