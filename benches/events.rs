//! What one event costs in a big organization: every event kind and target
//! fired once in a 1,000,000-member organization of each structure (every
//! mechanism on, as `benches/step.rs`), on one thread.
//!
//! `cargo bench --bench events` (1,000,000 members; about two minutes, most
//! of it building the organizations), or `-- MEMBERS` for another size.
//! `cargo test` runs it once at 2,000 members, so CI keeps it working.
//!
//! An event fires inside a step, so its cost is the step it fires in minus
//! the same step of the same organization without it (both built from the
//! same stream, one after the other; the median of 3 such pairs); and, for
//! what follows it (refilled posts, reopened seats), the same over the 16
//! steps from it. The difference also holds the change the event makes to
//! the step's own work (people who left do not work; a demand spike brings
//! twice the tasks), which can be negative. Member and subtree targets
//! need an org chart: those organizations are built from a generated chart
//! (span 7) of the same size.

use std::time::Instant;

use orgsim::model::Model;
use orgsim::org::metrics::HEADCOUNT;
use orgsim::org::{Chart, Event, EventKind, N_METRICS, OrgParams, Organization, Structure, Target};
use orgsim::params::ParamSet;

/// Same parameters as `benches/step.rs`: the preset with every mechanism on.
fn params(s: Structure, members: usize) -> OrgParams {
    let mut p = OrgParams::default();
    for (k, v) in s.preset() {
        p.set(k, *v);
    }
    p.members = members;
    p.consensus = p.consensus.max(0.1);
    p.lateral = p.lateral.max(0.1);
    p.mentoring = p.mentoring.max(0.1);
    p.coaching = p.coaching.max(0.1);
    p.backups = p.backups.max(1);
    p
}

/// The step an event fires in.
const AT: u32 = 2;
/// Builds per measurement (the median is reported).
const BUILDS: usize = 3;
/// Steps from the event over which what follows it is timed (a layoff's
/// seats reopen after its 10 steps; vacancies fill after the hiring delay).
const AFTER: u32 = 16;

/// Every kind, and every target of departures and layoffs.
fn events(chart: bool) -> Vec<(&'static str, EventKind)> {
    let targets: Vec<(&str, Target)> = if chart {
        vec![
            ("member", Target::Member("P1".into())),
            ("subtree", Target::Subtree("P1".into())),
        ]
    } else {
        vec![
            ("top", Target::Top),
            (
                "leaders 1/3",
                Target::Leaders {
                    share: 1.0 / 3.0,
                    level: None,
                },
            ),
            (
                "leaders 1/3, level 1",
                Target::Leaders {
                    share: 1.0 / 3.0,
                    level: Some(1),
                },
            ),
            ("most-skilled 10%", Target::MostSkilled { share: 0.1 }),
            ("random 10%", Target::Random { share: 0.1 }),
            ("post 1", Target::Post(1)),
        ]
    };
    let mut out = Vec::new();
    for (name, t) in targets {
        out.push((name, EventKind::Departure(t.clone())));
        out.push((name, EventKind::Layoff(t)));
    }
    if !chart {
        out.push(("", EventKind::Demand { factor: 2.0 }));
        out.push(("", EventKind::Turbulence { magnitude: 0.3 }));
        out.push(("", EventKind::Outage));
    }
    out
}

fn kind_name(k: &EventKind) -> &'static str {
    match k {
        EventKind::Departure(_) => "departure",
        EventKind::Layoff(_) => "layoff",
        EventKind::Demand { .. } => "demand",
        EventKind::Turbulence { .. } => "turbulence",
        EventKind::Outage => "outage",
    }
}

/// A chart of `n` people, each manager with 7 reports (breadth first), ids
/// `P0` (the top) to `P{n-1}`.
fn chart(n: usize) -> Chart {
    let mut text = String::with_capacity(n * 16);
    text.push_str("id,manager_id\nP0,\n");
    for i in 1..n {
        text.push_str(&format!("P{i},P{}\n", (i - 1) / 7));
    }
    orgsim::org::chart::parse("bench.csv", text.as_bytes()).expect("a valid generated chart")
}

/// Seconds of step `AT` and of steps `AT..AT + AFTER` of an organization
/// built with `events`, and the people the first event removes (as
/// `orgsim validate` states it).
fn fired_step(
    s: Structure,
    members: usize,
    chart: Option<&Chart>,
    events: &[Event],
) -> (f64, f64, String) {
    let mut size = String::new();
    {
        let rng = orgsim::rng::stream(1, 0, 0);
        let p = params(s, members);
        let mut org = match chart {
            Some(c) => Organization::from_chart(p, s, c, events, rng),
            None => Organization::new(p, s, events, rng),
        };
        if let Some(Some(x)) = org.event_sizes().first() {
            size = x.words();
        }
        let mut row = [0.0; N_METRICS];
        for _ in 0..AT {
            org.step(&mut row);
        }
        let before = row[HEADCOUNT];
        let t = Instant::now();
        org.step(&mut row);
        let fired = t.elapsed().as_secs_f64();
        // Checks the event happened: the people it removed are gone.
        if !size.is_empty() {
            size = format!("{size}; headcount {before} -> {}", row[HEADCOUNT]);
        }
        for _ in 1..AFTER {
            org.step(&mut row);
        }
        (fired, t.elapsed().as_secs_f64(), size)
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` does not (a quick run).
    // `-- MEMBERS [STRUCTURE]` picks the size and one structure.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let free: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let members: usize = free
        .first()
        .map_or(if bench { 1_000_000 } else { 2_000 }, |a| {
            a.parse().expect("members")
        });
    let only = free
        .get(1)
        .map(|a| Structure::from_name(a).expect("a structure"));
    // One thread: the figure is the cost on one core.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    pool.install(|| run(members, only));
}

fn run(members: usize, only: Option<Structure>) {
    println!(
        "{members} members, one thread; event = step {AT} with it minus without, each pair built in turn (median of {BUILDS} pairs)"
    );
    println!(
        "{:<22} {:<11} {:<21} {:>8} {:>8} {:>8} {:>9}  removes",
        "structure",
        "kind",
        "target",
        "step s",
        "plain s",
        "event s",
        format!("+{AFTER} st s")
    );
    let built = chart(members);
    let (mut worst, mut worst_after) = (0.0f64, 0.0f64);
    let structures = [
        Structure::Hierarchy,
        Structure::LeaderLeader,
        Structure::Peer,
    ];
    for s in structures
        .into_iter()
        .filter(|s| only.is_none_or(|o| o == *s))
    {
        for from_chart in [false, true] {
            let c = from_chart.then_some(&built);
            for (target, kind) in events(from_chart) {
                let ev = Event {
                    kind: kind.clone(),
                    start: AT,
                    duration: 10,
                    rate: 0.0,
                };
                // Pairs built one after the other, so a busy spell of the
                // machine falls on both sides of a difference.
                let mut pairs = Vec::with_capacity(BUILDS);
                let mut size = String::new();
                for _ in 0..BUILDS {
                    let (plain, plain_after, _) = fired_step(s, members, c, &[]);
                    let (with, after, words) = fired_step(s, members, c, std::slice::from_ref(&ev));
                    size = words;
                    pairs.push((with - plain, after - plain_after, with, plain));
                }
                let median = |f: fn(&(f64, f64, f64, f64)) -> f64| {
                    let mut v: Vec<f64> = pairs.iter().map(f).collect();
                    v.sort_by(f64::total_cmp);
                    v[v.len() / 2]
                };
                let (cost, cost_after) = (median(|p| p.0), median(|p| p.1));
                let (with, plain) = (median(|p| p.2), median(|p| p.3));
                worst = worst.max(cost);
                worst_after = worst_after.max(cost_after);
                println!(
                    "{:<22} {:<11} {:<21} {with:>8.4} {plain:>8.4} {cost:>8.4} {cost_after:>9.4}  {size}",
                    format!("{}{}", s.name(), if from_chart { " (chart)" } else { "" }),
                    kind_name(&kind),
                    target,
                );
            }
        }
    }
    println!(
        "most expensive event: {worst:.4} s in its step, {worst_after:.4} s over the {AFTER} steps from it"
    );
}
