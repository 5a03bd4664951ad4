//! `orgsim map`: where each structure wins, and the rules that say so.

use orgsim::map::{self, Design, rule_text, tree_rules};
use orgsim::scenario::parse;

/// Points in [0, 1]³ on a jittered lattice; class 1 in a planted box
/// (x0 ≥ 0.6 and x2 < 0.3), class 0 elsewhere. The tree's rule for class 1
/// must find the box: thresholds near 0.6 and 0.3 on the right axes, high
/// precision and coverage.
#[test]
fn the_tree_recovers_a_planted_region() {
    let mut rng = orgsim::rng::stream(7, 0, 0);
    let x = orgsim::stats::design::latin_hypercube(600, &[(0.0, 1.0); 3], &mut rng);
    let inside = |p: &[f64]| p[0] >= 0.6 && p[2] < 0.3;
    let y: Vec<usize> = x.iter().map(|p| usize::from(inside(p))).collect();
    let rules = tree_rules(&x, &y, 2, 2);
    let r = rules
        .iter()
        .filter(|r| r.class == 1)
        .max_by_key(|r| r.correct)
        .expect("a rule for the planted class");
    let (lo0, hi0) = r.bounds[0];
    let (lo2, hi2) = r.bounds[2];
    assert!((lo0.unwrap() - 0.6).abs() < 0.02 && hi0.is_none(), "{r:?}");
    assert!(lo2.is_none() && (hi2.unwrap() - 0.3).abs() < 0.02, "{r:?}");
    assert_eq!(r.bounds[1], (None, None), "{r:?}");
    assert!(r.precision() > 0.97 && r.coverage > 0.97, "{r:?}");
    let names = ["a".to_string(), "b".to_string(), "c".to_string()];
    let text = rule_text(r, &names, &["rest".into(), "box".into()], "wins");
    assert!(
        text.starts_with("box wins when a ≥ 0.5") || text.starts_with("box wins when a ≥ 0.6"),
        "{text}"
    );
    assert!(
        text.contains(" and c < 0.") && text.contains("100% precision"),
        "{text}"
    );
}

/// With no region (labels independent of the points) no rule is precise.
#[test]
fn no_rule_is_found_in_noise() {
    let mut rng = orgsim::rng::stream(8, 0, 0);
    let x = orgsim::stats::design::latin_hypercube(400, &[(0.0, 1.0); 2], &mut rng);
    let y: Vec<usize> = (0..400).map(|i| (i * 7919 % 13) % 2).collect();
    for r in tree_rules(&x, &y, 2, 2) {
        assert!(r.precision() < 0.8 || r.n < 40, "{r:?}");
    }
}

fn scenario() -> orgsim::scenario::Scenario {
    let text = r#"
name = "map-test"
steps = 60
replications = 4
seed = 3
[defaults]
members = 24
[[variant]]
name = "hierarchy"
structure = "hierarchy"
[[variant]]
name = "peer"
structure = "peer"
"#;
    parse("map-test.toml", text.as_bytes()).unwrap()
}

#[test]
fn a_map_compares_every_structure_at_every_point() {
    let s = scenario();
    let design = Design {
        params: vec!["coordination_cost".into(), "arrival_rate".into()],
        points: orgsim::stats::design::cartesian(&[vec![0.0, 0.1], vec![0.1, 0.2, 0.3]]),
        grid: true,
    };
    map::check(&s, &s.variants, &design).unwrap();
    let m = map::run(&s, &s.variants, &design, &["total_throughput".into()], 2).unwrap();
    assert_eq!(m.verdicts[0].len(), 6);
    let shares = map::shares(&m, 0);
    let total: f64 = shares.iter().map(|x| x.0).sum();
    assert!((total - 1.0).abs() < 1e-12);
    for v in m.verdicts[0].iter().flatten() {
        assert!(v.means[v.winner] >= v.means[v.runner_up]);
        assert!(v.lead.0 >= 0.0);
        assert_eq!(v.significant, v.lead.1 > 0.0);
    }
    // The same map again gives the same numbers (each job owns its stream).
    let again = map::run(&s, &s.variants, &design, &["total_throughput".into()], 1).unwrap();
    assert_eq!(m.verdicts, again.verdicts);
    let csv = map::csv(&m);
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.starts_with("point,coordination_cost,arrival_rate,measure,winner"));
}

#[test]
fn a_point_outside_a_parameter_range_is_named() {
    let s = scenario();
    let design = Design {
        params: vec!["coordination_cost".into()],
        points: vec![vec![0.1], vec![0.9]],
        grid: true,
    };
    let err = map::check(&s, &s.variants, &design).unwrap_err();
    assert!(
        err.contains("coordination_cost") && err.contains("0.9"),
        "{err}"
    );
}
