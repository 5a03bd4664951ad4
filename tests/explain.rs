//! `orgsim explain`: Shapley attribution of a difference between variants.

use orgsim::explain::{
    self, By, Method, Request, antithetic_orders, shapley_exact, shapley_orders,
};
use orgsim::scenario::parse;

fn scenario(extra_b: &str, extra_a: &str) -> orgsim::scenario::Scenario {
    let text = format!(
        r#"
name = "explain-test"
steps = 60
replications = 6
seed = 11
[defaults]
members = 24
[[variant]]
name = "base"
structure = "hierarchy"
{extra_b}
[[variant]]
name = "other"
structure = "hierarchy"
{extra_a}
"#
    );
    parse("explain-test.toml", text.as_bytes()).expect("valid scenario")
}

fn request(by: By) -> Request<'static> {
    Request {
        a: 1,
        b: 0,
        measure: "total_throughput",
        by,
        permutations: 8,
        threads: 2,
    }
}

#[test]
fn exact_values_sum_to_the_difference() {
    let s = scenario("", "delegation = 0.8\nlateral = 0.5\nconsensus = 0.6");
    let e = explain::explain(&s, &request(By::Parameter)).unwrap();
    assert_eq!(e.method, Method::Exact);
    assert_eq!(e.parts.len(), 3);
    assert_eq!(e.mixed_variants, 8);
    let sum: f64 = e.parts.iter().map(|p| p.value).sum();
    let d = e.total.0;
    assert!(d.abs() > 1.0, "the variants should differ: {d}");
    assert!((sum - d).abs() < 1e-9 * d.abs().max(1.0), "{sum} vs {d}");
    assert!((e.mean_a.0 - e.mean_b.0 - d).abs() < 1e-9 * d.abs());
}

#[test]
fn sampled_values_sum_to_the_difference() {
    // Eleven differing parameters: more than the exact method takes.
    let a = "delegation = 0.8\nlateral = 0.5\nconsensus = 0.3\nescalation = 0.1\n\
             mentoring = 0.4\ncoaching = 0.5\npromotion_prize = 0.1\nrecognition = 0.6\n\
             backups = 1\nshare_rate = 0.3\nlearning_rate = 0.02";
    let s = scenario("", a);
    let e = explain::explain(&s, &request(By::Parameter)).unwrap();
    assert_eq!(e.parts.len(), 11);
    assert_eq!(e.method, Method::Sampled { permutations: 8 });
    let sum: f64 = e.parts.iter().map(|p| p.value).sum();
    let d = e.total.0;
    // Every sampled order telescopes to a − b, so efficiency holds to rounding.
    assert!((sum - d).abs() < 1e-9 * d.abs().max(1.0), "{sum} vs {d}");
    // Intervals are finite and contain their estimate.
    for p in &e.parts {
        assert!(p.low <= p.value && p.value <= p.high, "{p:?}");
    }
}

#[test]
fn a_parameter_the_model_ignores_gets_zero() {
    // With consensus = 0 in both, the cost of a consensus never arises.
    let s = scenario("", "delegation = 0.8\nconsensus_cost = 0.5");
    let e = explain::explain(&s, &request(By::Parameter)).unwrap();
    let ignored = e
        .parts
        .iter()
        .find(|p| p.factor.name == "consensus_cost")
        .unwrap();
    assert_eq!(ignored.value, 0.0, "{ignored:?}");
    assert_eq!((ignored.low, ignored.high), (0.0, 0.0));
    let used = e
        .parts
        .iter()
        .find(|p| p.factor.name == "delegation")
        .unwrap();
    assert!(used.value.abs() > 0.0);
}

#[test]
fn groups_gather_their_parameters() {
    // delegation and lateral are structure, coaching practice, arrival_rate
    // conditions in the parameter table.
    let s = scenario(
        "",
        "delegation = 0.8\nlateral = 0.5\ncoaching = 0.5\narrival_rate = 0.25",
    );
    let e = explain::explain(&s, &request(By::Group)).unwrap();
    let names: Vec<&str> = e.parts.iter().map(|p| p.factor.name.as_str()).collect();
    assert_eq!(e.parts.len(), 3, "{names:?}");
    for g in ["structure", "practice", "conditions"] {
        assert!(names.contains(&g), "{names:?}");
    }
    let structure = e
        .parts
        .iter()
        .find(|p| p.factor.name == "structure")
        .unwrap();
    assert_eq!(structure.factor.params.len(), 2);
    let sum: f64 = e.parts.iter().map(|p| p.value).sum();
    assert!((sum - e.total.0).abs() < 1e-9 * e.total.0.abs().max(1.0));
}

#[test]
fn identical_variants_and_unknown_measures_are_clear_errors() {
    let s = scenario("", "");
    let err = explain::explain(&s, &request(By::Parameter)).unwrap_err();
    assert!(err.contains("same value of every parameter"), "{err}");
    let s = scenario("", "delegation = 0.8");
    let mut r = request(By::Parameter);
    r.measure = "total_happiness";
    let err = explain::explain(&s, &r).unwrap_err();
    assert!(
        err.contains("unknown measure") && err.contains("total_throughput"),
        "{err}"
    );
}

/// A synthetic model with known additive effects plus one interaction:
/// v(S) = Σ c_i [i ∈ S] + w [0 ∈ S ∧ 1 ∈ S]. Shapley gives c_i, plus w/2
/// to each of players 0 and 1, exactly; sampled orders converge to it.
#[test]
fn a_synthetic_additive_model_is_recovered() {
    let c = [5.0, -3.0, 0.0, 2.5, 7.0, -1.0];
    let w = 4.0;
    let k = c.len();
    let v = |m: u64| {
        let add: f64 = (0..k).filter(|i| m >> i & 1 == 1).map(|i| c[i]).sum();
        add + if m & 3 == 3 { w } else { 0.0 }
    };
    let table: Vec<f64> = (0..1u64 << k).map(v).collect();
    let exact = shapley_exact(k, &table);
    let mut want = c.to_vec();
    want[0] += w / 2.0;
    want[1] += w / 2.0;
    for (x, y) in exact.iter().zip(&want) {
        assert!((x - y).abs() < 1e-12, "{exact:?} vs {want:?}");
    }
    // A player that changes nothing gets exactly 0.
    assert_eq!(exact[2], 0.0);
    let mut rng = orgsim::rng::stream(1, 2, 3);
    let orders = antithetic_orders(k, 2000, &mut rng);
    let sampled = shapley_orders(k, &orders, v);
    for (x, y) in sampled.iter().zip(&want) {
        assert!((x - y).abs() < 0.1, "{sampled:?} vs {want:?}");
    }
    // Purely additive players are exact under any order.
    for i in 2..k {
        assert!((sampled[i] - c[i]).abs() < 1e-12);
    }
}

/// As a user would: run a scenario, explain two of its variants and map it
/// into the same folder; the report then opens on the answer, with "Why"
/// and "Where" before the details, which are folded.
#[test]
fn the_report_opens_on_the_answer_with_why_and_where() {
    let dir = std::env::temp_dir().join(format!("orgsim-explain-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.toml");
    std::fs::write(
        &file,
        r#"name = "why-where"
question = "Is peer's lead structure or practice?"
steps = 60
replications = 3
seed = 2
[defaults]
members = 24
[[variant]]
name = "hierarchy"
structure = "hierarchy"
[[variant]]
name = "peer"
structure = "peer"
"#,
    )
    .unwrap();
    let out = dir.join("res");
    let bin = env!("CARGO_BIN_EXE_orgsim");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let (f, o) = (file.to_str().unwrap(), out.to_str().unwrap());
    run(&["run", f, "--out", o, "-q"]);
    let said = run(&["explain", o, "--a", "peer", "--b", "hierarchy"]);
    assert!(
        said.contains("peer has") && said.contains("report updated"),
        "{said}"
    );
    run(&[
        "map",
        f,
        "--over",
        "arrival_rate=0.1:0.3",
        "--over",
        "decision_rate",
        "--points",
        "3",
        "--out",
        o,
    ]);
    for f in [
        "explain.csv",
        "explain.txt",
        "charts/explain_waterfall.png",
        "charts/explain_waterfall.svg",
        "map.csv",
        "map.txt",
        "charts/map_total_throughput.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let at = |s: &str| {
        html.find(s)
            .unwrap_or_else(|| panic!("{s} not in the report"))
    };
    assert!(at("<h2>Answer</h2>") < at("<h2>Why</h2>"));
    assert!(at("<h2>Why</h2>") < at("<h2>Where</h2>"));
    assert!(at("<h2>Where</h2>") < at("<h2>Summary"));
    assert!(html.contains("<li>Why: of the difference of"));
    assert!(html.contains("Where: total_throughput, share of mapped points led:"));
    assert!(html.contains("<details><summary>Pairwise comparisons"));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("](charts/explain_waterfall.png)") && md.contains("## Where"));
    // The map's decision_rate took its plausible range.
    let csv = std::fs::read_to_string(out.join("map.csv")).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().starts_with("1,0.1,0.25,"),
        "{csv}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
