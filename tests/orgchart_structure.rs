//! Organizations built from an org chart: the imported hierarchy keeps every
//! reporting line, every transformation keeps headcount and teams, chart
//! targets remove exactly the people they name, scenarios resolve charts.

use std::collections::{BTreeSet, HashMap};

use orgsim::model::Model;
use orgsim::org::chart::{self, Chart};
use orgsim::org::{Event, EventKind, N_METRICS, OrgParams, Organization, Structure, Target};
use orgsim::params::ParamSet;

const STRUCTURES: [Structure; 3] = [
    Structure::Hierarchy,
    Structure::LeaderLeader,
    Structure::Peer,
];

fn acme() -> Chart {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/data/acme.csv");
    chart::parse("acme.csv", &std::fs::read(path).unwrap()).unwrap()
}

fn params(structure: Structure, overrides: &[(&str, f64)]) -> OrgParams {
    let mut p = OrgParams::default();
    for (k, v) in structure.preset().iter().chain(overrides) {
        assert!(p.set(k, *v), "{k}");
    }
    p
}

fn build(c: &Chart, s: Structure, overrides: &[(&str, f64)], events: &[Event]) -> Organization {
    Organization::from_chart(
        params(s, overrides),
        s,
        c,
        events,
        orgsim::rng::stream(3, 0, 0),
    )
}

/// Person → seat, checking every person has exactly one seat.
fn seats_of(org: &Organization, c: &Chart) -> Vec<u32> {
    let mut seat = vec![u32::MAX; c.len()];
    for s in 0..org.seats() as u32 {
        let p = org.seat_person(s).expect("every seat is a chart position") as usize;
        assert_eq!(seat[p], u32::MAX, "person {p} has two seats");
        seat[p] = s;
    }
    assert!(seat.iter().all(|&s| s != u32::MAX), "someone has no seat");
    seat
}

#[test]
fn imported_hierarchy_keeps_every_reporting_line() {
    let c = acme();
    for s in [Structure::Hierarchy, Structure::LeaderLeader] {
        let org = build(&c, s, &[], &[]);
        let seat = seats_of(&org, &c);
        for (p, person) in c.people.iter().enumerate() {
            let boss = org.reports_to(seat[p]).map(|b| org.seat_person(b).unwrap());
            assert_eq!(boss, person.manager, "{} (row {})", person.id, person.row);
        }
        // Managers are exactly the people with reports, each with a post.
        let managers = c
            .people
            .iter()
            .enumerate()
            .filter(|(p, _)| c.is_manager(*p as u32))
            .count();
        assert_eq!(org.posts(), managers);
        org.check_invariants().unwrap();
    }
}

#[test]
fn transformations_keep_headcount_and_team_membership() {
    let c = acme();
    let vacant = c.people.iter().filter(|p| p.vacant).count();
    let mut teams_seen: Vec<BTreeSet<BTreeSet<u32>>> = Vec::new();
    for s in STRUCTURES {
        let org = build(&c, s, &[], &[]);
        let seat = seats_of(&org, &c);
        assert_eq!(org.seats(), c.len(), "{s:?}");
        assert_eq!(org.headcount() as usize, c.len() - vacant, "{s:?}");
        // Teams by their non-manager members: the same groups in every structure.
        let mut teams: HashMap<u32, BTreeSet<u32>> = HashMap::new();
        for p in 0..c.len() as u32 {
            if !c.is_manager(p) {
                let t = org.seat_team(seat[p as usize]).expect("a team member");
                teams.entry(t).or_default().insert(p);
            }
        }
        teams_seen.push(teams.into_values().collect());
        if s == Structure::Peer {
            // Everyone works in a team; each team has one role per domain
            // (4 skill columns), plus a coordinator per manager of managers.
            for p in 0..c.len() as u32 {
                assert!(org.seat_team(seat[p as usize]).is_some());
            }
            let coordinators = (0..c.len() as u32)
                .filter(|&p| c.reports(p).iter().any(|&r| c.is_manager(r)))
                .count();
            assert_eq!(org.posts(), org.teams() * 4 + coordinators);
        }
        org.check_invariants().unwrap();
    }
    assert_eq!(teams_seen[0], teams_seen[1]);
    assert_eq!(teams_seen[0], teams_seen[2]);
}

#[test]
fn chart_skills_are_the_starting_skills() {
    let csv = "id,manager_id,skill_a,skill_b\nboss,,0.9,0.1\nx,boss,0.2,0.8\ny,boss,,0.5\n";
    let c = chart::parse("s.csv", csv.as_bytes()).unwrap();
    let org = build(
        &c,
        Structure::Peer,
        &[("domains", 2.0), ("quit_rate", 0.0)],
        &[],
    );
    org.check_invariants().unwrap();
    assert_eq!(org.teams(), 1);
    // One team of three; two domain roles and one coordinator (the former boss).
    assert_eq!(org.posts(), 3);
}

fn layoff(target: Target, at: u32) -> Event {
    Event {
        kind: EventKind::Layoff(target),
        start: at,
        duration: 0,
        rate: 0.0,
    }
}

#[test]
fn a_subtree_event_removes_exactly_that_subtree() {
    let c = acme();
    // A department head (a VP) and one of their managers.
    let vp = c.reports(c.root)[0];
    let mid = *c.reports(vp).iter().find(|&&r| c.is_manager(r)).unwrap();
    for who in [vp, mid] {
        let id = c.people[who as usize].id.clone();
        let expected: BTreeSet<u32> = c.subtree(who).into_iter().collect();
        for s in STRUCTURES {
            let events = [layoff(Target::Subtree(id.clone()), 5)];
            let mut org = build(&c, s, &[("quit_rate", 0.0)], &events);
            let seat = seats_of(&org, &c);
            let before: Vec<bool> = seat.iter().map(|&x| org.seat_occupied(x)).collect();
            let mut row = [0.0; N_METRICS];
            for _ in 0..=5 {
                org.step(&mut row);
            }
            let gone: BTreeSet<u32> = (0..c.len() as u32)
                .filter(|&p| before[p as usize] && !org.seat_occupied(seat[p as usize]))
                .collect();
            let expected_gone: BTreeSet<u32> = expected
                .iter()
                .copied()
                .filter(|&p| before[p as usize])
                .collect();
            assert_eq!(gone, expected_gone, "{s:?}, subtree of {id}");
            org.check_invariants().unwrap();
        }
    }
}

#[test]
fn a_member_event_removes_that_person_and_runs_on() {
    let c = acme();
    let ceo = c.people[c.root as usize].id.clone();
    for s in STRUCTURES {
        let events = [Event {
            kind: EventKind::Departure(Target::Member(ceo.clone())),
            start: 3,
            duration: 0,
            rate: 0.0,
        }];
        let mut org = build(&c, s, &[("quit_rate", 0.0)], &events);
        let seat = seats_of(&org, &c);
        let mut row = [0.0; N_METRICS];
        for _ in 0..=3 {
            org.step(&mut row);
        }
        assert!(!org.seat_occupied(seat[c.root as usize]), "{s:?}");
        assert_eq!(org.totals().departures, 1, "{s:?}");
        for _ in 0..60 {
            org.step(&mut row);
            org.check_invariants().unwrap();
        }
        assert!(
            org.post_filled(org.posts() as u32 - 1),
            "{s:?}: the top post is filled again"
        );
    }
}

fn scenario_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-chart-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("data")).unwrap();
    d
}

const SMALL: &str = "id,manager_id,name\nceo,,Ann\nm1,ceo,Bo\nm2,ceo,Cy\na,m1,Di\nb,m1,Ed\nc,m2,Flo\nd,m2,Gus\ne,m2,Hal\n";

#[test]
fn scenarios_read_charts_relative_to_their_folder() {
    let dir = scenario_dir("ok");
    std::fs::write(dir.join("data/small.csv"), SMALL).unwrap();
    let text = r#"
name = "x"
steps = 30
org_chart = "data/small.csv"
[[variant]]
name = "h"
structure = "hierarchy"
[[variant]]
name = "p"
structure = "peer"
[[event]]
kind = "departure"
target = "subtree"
id = "m2"
at = 10
"#;
    let s = orgsim::scenario::parse_in("x.toml", text.as_bytes(), &dir).unwrap();
    assert_eq!(s.variants.len(), 2);
    let members = orgsim::org::OrgParams::SPECS
        .iter()
        .position(|p| p.name == "members")
        .unwrap();
    for v in &s.variants {
        assert_eq!(v.values[members], 8.0);
        assert_eq!(v.chart.as_ref().unwrap().chart.len(), 8);
    }
    assert!(s.resolved_toml().contains("id = \"m2\""));
    // Runs end to end, and names never reach the results.
    let r = orgsim::engine::run_job(&s, 1, 0);
    assert_eq!(r.series.len(), 30 * N_METRICS);
}

#[test]
fn scenario_errors_point_at_the_chart_and_its_rows() {
    let dir = scenario_dir("bad");
    std::fs::write(
        dir.join("data/bad.csv"),
        "id,manager_id\na,\nb,a\nb,a\nc,\n",
    )
    .unwrap();
    std::fs::write(dir.join("data/small.csv"), SMALL).unwrap();
    let text = "name = \"x\"\n[[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\norg_chart = \"data/bad.csv\"\n";
    let e = orgsim::scenario::parse_in("x.toml", text.as_bytes(), &dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.toml:5:13: `variant `h`.org_chart`: org chart data/bad.csv: rows 3, 4: duplicate id `b`"), "{e}");
    assert!(e.contains("rows 2, 5: 2 people have no manager"), "{e}");

    let text = "name = \"x\"\n[[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\norg_chart = \"data/missing.csv\"\n";
    let e = orgsim::scenario::parse_in("x.toml", text.as_bytes(), &dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read the org chart"), "{e}");

    // A chart target needs every variant to have a chart with that id.
    let text = "name = \"x\"\n[[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\norg_chart = \"data/small.csv\"\n\
                [[variant]]\nname = \"n\"\nstructure = \"peer\"\n\
                [[event]]\nkind = \"departure\"\ntarget = \"member\"\nid = \"zz\"\nat = 5\n\
                [[event]]\nkind = \"layoff\"\ntarget = \"subtree\"\nat = 6\n";
    let e = orgsim::scenario::parse_in("x.toml", text.as_bytes(), &dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no row of the org chart"), "{e}");
    assert!(e.contains("variant `n` has no org chart"), "{e}");
    assert!(e.contains("missing `id`"), "{e}");
}

#[test]
fn a_results_folder_keeps_its_chart_and_reruns_from_anywhere() {
    let text = r#"
name = "x"
steps = 20
replications = 2
org_chart = "data/small.csv"
[[variant]]
name = "h"
structure = "hierarchy"
"#;
    // The same scenario and chart in two folders: the same settings, so
    // shards run from either can be merged.
    let (a, b) = (scenario_dir("where-a"), scenario_dir("where-b"));
    for d in [&a, &b] {
        std::fs::write(d.join("data/small.csv"), SMALL).unwrap();
        std::fs::write(d.join("x.toml"), text).unwrap();
    }
    let parse =
        |d: &std::path::Path| orgsim::scenario::parse_in("x.toml", text.as_bytes(), d).unwrap();
    let (sa, sb) = (parse(&a), parse(&b));
    assert_eq!(sa.resolved_toml(), sb.resolved_toml());
    assert_eq!(
        orgsim::manifest::scenario_checksum(&sa),
        orgsim::manifest::scenario_checksum(&sb)
    );
    assert!(
        sa.resolved_toml()
            .contains("org_chart = \"org_chart-small.csv\"")
    );
    // A different chart is a different run.
    std::fs::write(b.join("data/small.csv"), SMALL.replace("Hal", "Ida")).unwrap();
    assert_ne!(
        orgsim::manifest::scenario_checksum(&sa),
        orgsim::manifest::scenario_checksum(&parse(&b))
    );

    // The folder holds a copy of the chart; moved elsewhere, its resolved
    // scenario runs again to the same results and resolves to itself.
    let run = |scenario: &std::path::Path, out: &std::path::Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_orgsim"))
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts"])
            .args(["--out", out.to_str().unwrap()])
            .env("CI", "true")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&a.join("x.toml"), &a.join("results"));
    assert_eq!(
        std::fs::read(a.join("results/org_chart-small.csv")).unwrap(),
        SMALL.as_bytes()
    );
    let moved = b.join("moved");
    std::fs::rename(a.join("results"), &moved).unwrap();
    std::fs::remove_dir_all(&a).unwrap();
    run(&moved.join("scenario.resolved.toml"), &b.join("again"));
    for f in [
        "timeseries.csv",
        "scenario.resolved.toml",
        "org_chart-small.csv",
    ] {
        assert_eq!(
            std::fs::read(moved.join(f)).unwrap(),
            std::fs::read(b.join("again").join(f)).unwrap(),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(&b);
}
