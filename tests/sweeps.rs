//! Sweeps: cartesian grids, Latin hypercubes, and Morris screening.

use orgsim::scenario::parse;

const BASE: &str = r#"name = "s"
steps = 60
replications = 2
seed = 3
[[variant]]
name = "h"
structure = "hierarchy"
"#;

#[test]
fn grid_sweeps_every_combination_first_parameter_slowest() {
    let s = parse(
        "s.toml",
        format!("{BASE}[sweep]\ndelegation = [0.0, 1.0]\nspan = [2, 3, 4]\n").as_bytes(),
    )
    .unwrap();
    assert_eq!(s.variants.len(), 6);
    let points: Vec<Vec<f64>> = s.variants.iter().map(|v| v.sweep_point.clone()).collect();
    assert_eq!(points[0], vec![0.0, 2.0]);
    assert_eq!(points[1], vec![0.0, 3.0]);
    assert_eq!(points[3], vec![1.0, 2.0]);
    assert_eq!(s.variants[4].name, "h delegation=1 span=3");
}

#[test]
fn latin_hypercube_covers_each_stratum_once_and_is_seeded() {
    let text = format!(
        "{BASE}[sweep]\nmethod = \"latin-hypercube\"\npoints = 10\ndelegation = [0.0, 1.0]\nescalation = [0.0, 0.5]\n"
    );
    let s = parse("s.toml", text.as_bytes()).unwrap();
    assert_eq!(s.variants.len(), 10);
    for (j, width) in [(0usize, 1.0), (1, 0.5)] {
        let mut strata: Vec<usize> = s
            .variants
            .iter()
            .map(|v| (v.sweep_point[j] / width * 10.0).floor() as usize)
            .collect();
        strata.sort();
        assert_eq!(
            strata,
            (0..10).collect::<Vec<_>>(),
            "parameter {j}: one point per stratum"
        );
    }
    // The sampled values are what the variants run with.
    let idx = s
        .model
        .specs()
        .iter()
        .position(|p| p.name == "delegation")
        .unwrap();
    assert!(s.variants.iter().all(|v| v.values[idx] == v.sweep_point[0]));
    let again = parse("s.toml", text.as_bytes()).unwrap();
    assert_eq!(again.variants, s.variants);
    let other = parse("s.toml", text.replace("seed = 3", "seed = 4").as_bytes()).unwrap();
    assert_ne!(other.variants[0].sweep_point, s.variants[0].sweep_point);
}

#[test]
fn latin_hypercube_mistakes_are_explained() {
    let e = parse(
        "s.toml",
        format!("{BASE}[sweep]\nmethod = \"latin-hypercube\"\ndelegation = [0.0, 1.0]\n")
            .as_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("needs `points`"), "{e}");
    let e = parse("s.toml", format!("{BASE}[sweep]\nmethod = \"latin-hypercube\"\npoints = 5\ndelegation = [0.0, 0.5, 1.0]\n").as_bytes()).unwrap_err().to_string();
    assert!(e.contains("[min, max]"), "{e}");
    let e = parse(
        "s.toml",
        format!("{BASE}[sweep]\nmethod = \"random\"\ndelegation = [0.0]\n").as_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unknown sweep method `random`"), "{e}");
    let e = parse(
        "s.toml",
        format!("{BASE}[sweep]\npoints = 5\ndelegation = [0.0]\n").as_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("only applies to method"), "{e}");
}

#[test]
fn morris_screening_finds_a_parameter_with_no_effect() {
    // `consensus_bonus` only matters when teams hold consensus meetings, and
    // this hierarchy holds none: its effect on throughput must be nil, while
    // coordination cost bites.
    let s = parse(
        "s.toml",
        BASE.replace("replications = 2", "replications = 3")
            .as_bytes(),
    )
    .unwrap();
    let factors: Vec<_> = [
        "consensus_bonus",
        "coordination_cost=0:0.5",
        "productivity=0.5:1.5",
    ]
    .iter()
    .map(|f| orgsim::sensitivity::parse_factor(&s, f).unwrap())
    .collect();
    let effects = orgsim::sensitivity::screen(&s, &factors, "total_throughput", 6, 4, 2).unwrap();
    let by = |n: &str| effects.iter().find(|e| e.name == n).unwrap().clone();
    assert_eq!(by("consensus_bonus").mu_star, 0.0, "{effects:?}");
    assert!(by("coordination_cost").mu < 0.0, "{effects:?}");
    assert!(by("productivity").mu > 0.0, "{effects:?}");
    assert_eq!(effects.last().unwrap().name, "consensus_bonus");
    assert!(orgsim::sensitivity::parse_factor(&s, "nonsense").is_err());
    assert!(orgsim::sensitivity::parse_factor(&s, "delegation=0.5:0.2").is_err());
}

/// Tidy sweep output: summary.csv has one row per point × replication and
/// one column per swept parameter, with the point's values.
#[test]
fn sweep_summary_rows_carry_their_parameter_values() {
    let dir = std::env::temp_dir().join(format!("orgsim-tidy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lhs.toml");
    std::fs::write(
        &file,
        format!(
            "{BASE}[sweep]\nmethod = \"latin-hypercube\"\npoints = 5\ndelegation = [0.0, 1.0]\nescalation = [0.0, 0.5]\n"
        ),
    )
    .unwrap();
    let out = dir.join("r");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args(["run", file.to_str().unwrap(), "--quiet", "--no-charts"])
        .args(["--out", out.to_str().unwrap()])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = parse("s.toml", std::fs::read(&file).unwrap().as_slice()).unwrap();
    let text = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        &rows[0][..4],
        &["variant", "replication", "delegation", "escalation"]
    );
    assert_eq!(rows.len() - 1, 5 * 2);
    for r in &rows[1..] {
        let v = s.variants.iter().find(|v| v.name == r[0]).unwrap();
        let got: Vec<f64> = r[2..4].iter().map(|x| x.parse().unwrap()).collect();
        assert_eq!(got, v.sweep_point, "{}", r[0]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Above 12 variants comparison.csv compares each point with the first, so
/// a large sweep's table grows with its points, not their square.
#[test]
fn a_large_sweep_is_compared_with_its_first_point() {
    let dir = std::env::temp_dir().join(format!("orgsim-pairs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("grid.toml");
    std::fs::write(
        &file,
        format!("{BASE}[sweep]\ndelegation = [0.0, 0.2, 0.4, 0.6, 0.8]\nspan = [2, 3, 4]\n"),
    )
    .unwrap();
    let out = dir.join("r");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args(["run", file.to_str().unwrap(), "--no-charts"])
        .args(["--out", out.to_str().unwrap()])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("compares each with the first"));
    let text = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let metrics: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(rows.len(), 14 * metrics.len());
    assert!(rows.iter().all(|r| r[1] == "h delegation=0 span=2"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Screening defaults to each parameter's plausible range, not its valid
/// one (a hiring delay of 100,000 weeks would dominate every screening).
#[test]
fn screening_defaults_to_plausible_ranges() {
    let s = parse("s.toml", BASE.as_bytes()).unwrap();
    let f = orgsim::sensitivity::parse_factor(&s, "hiring_delay").unwrap();
    let spec = s
        .model
        .specs()
        .iter()
        .find(|p| p.name == "hiring_delay")
        .unwrap();
    assert_eq!((f.min, f.max), spec.plausible);
    assert!(f.max < spec.max);
    let given = orgsim::sensitivity::parse_factor(&s, "hiring_delay=0:400").unwrap();
    assert_eq!((given.min, given.max), (0.0, 400.0));
}
