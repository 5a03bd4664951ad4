//! Adaptive replications (`--target-ci METRIC=WIDTH`), through the binary:
//! the same decisions on 1 or N threads, every variant either meets the
//! target (checked independently from summary.csv) or stops at the cap,
//! and bad requests are refused with a helpful message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use statrs::distribution::{ContinuousCDF, StudentsT};

const BIN: &str = env!("CARGO_BIN_EXE_orgsim");

fn orgsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CI", "true")
        .env_remove("ORGSIM_TEST_PANIC_JOB")
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-adaptive-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// ceo-departure's four structures differ a lot in spread: a target
/// that the calm ones meet early and the centralized one meets late.
fn run_adaptive(out: &Path, threads: &str, width: &str, cap: &str) -> String {
    ok(&orgsim(&[
        "run",
        "scenarios/ceo-departure.toml",
        "--replications",
        "6",
        "--steps",
        "160",
        "--target-ci",
        &format!("total_throughput={width}"),
        "--max-replications",
        cap,
        "--threads",
        threads,
        "--no-charts",
        "--force",
        "--out",
        out.to_str().unwrap(),
    ]))
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Per variant, the summary.csv column `col` in replication order.
fn column_by_variant(dir: &Path, col: &str) -> Vec<(String, Vec<f64>)> {
    let rows = read_csv(&dir.join("summary.csv"));
    let at = rows[0].iter().position(|c| c == col).unwrap();
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    for r in &rows[1..] {
        let x: f64 = r[at].parse().unwrap();
        match out.last_mut() {
            Some((name, xs)) if *name == r[0] => xs.push(x),
            _ => out.push((r[0].clone(), vec![x])),
        }
    }
    out
}

fn half_width(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.975);
    t * var.sqrt() / n.sqrt()
}

#[test]
fn same_counts_and_files_on_one_or_four_threads() {
    let (a, b) = (tmp("t1"), tmp("t4"));
    let out_a = run_adaptive(&a, "1", "40", "60");
    run_adaptive(&b, "4", "40", "60");
    assert!(out_a.contains("adaptive replications"), "{out_a}");
    for f in [
        "adaptive.csv",
        "comparison.csv",
        "summary.csv",
        "timeseries.csv",
        "aggregate.csv",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between 1 and 4 threads");
    }
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("run.json")).unwrap()).unwrap();
    let counts: Vec<u64> = run["replications_per_variant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    // The variants did not all need the same number: the point of it.
    assert!(
        counts.iter().min() < counts.iter().max(),
        "counts {counts:?}"
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["complete"], true);
    assert_eq!(
        m["replications_per_variant"],
        run["replications_per_variant"]
    );
    // The report says how many replications each variant got.
    ok(&orgsim(&["plot", a.to_str().unwrap()]));
    let report = std::fs::read_to_string(a.join("report.md")).unwrap();
    let want = format!(
        "adaptive replications: {} to {} per variant",
        counts.iter().min().unwrap(),
        counts.iter().max().unwrap()
    );
    assert!(report.contains(&want), "{want} not in report.md");
    let svg = std::fs::read_to_string(a.join("charts").join("timeseries_throughput.svg")).unwrap();
    let want = format!(
        "mean of {}–{} replications",
        counts.iter().min().unwrap(),
        counts.iter().max().unwrap()
    );
    assert!(svg.contains(&want), "{want} not in the chart");
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}

#[test]
fn each_variant_meets_the_target_or_stops_at_the_cap() {
    let dir = tmp("target");
    let (width, cap) = (40.0, 60usize);
    run_adaptive(&dir, "2", "40", "60");
    let totals = column_by_variant(&dir, "total_throughput");
    let adaptive = read_csv(&dir.join("adaptive.csv"));
    assert_eq!(adaptive.len() - 1, totals.len());
    let mut met = 0;
    for (row, (name, x)) in adaptive[1..].iter().zip(&totals) {
        assert_eq!(&row[0], name);
        let reps: usize = row[4].parse().unwrap();
        assert_eq!(reps, x.len(), "{name}: summary rows vs adaptive.csv");
        assert!((6..=cap).contains(&reps), "{name}: {reps}");
        // Recomputed here, independently of orgsim's statistics.
        let h = half_width(x);
        let reported: f64 = row[7].parse().unwrap();
        assert!(
            (h - reported).abs() < 1e-9 * h.max(1.0),
            "{name}: {h} vs {reported}"
        );
        if row[8] == "true" {
            met += 1;
            assert!(h <= width, "{name}: reached but half-width {h} > {width}");
        } else {
            assert_eq!(reps, cap, "{name}: stopped short of the target and the cap");
            assert!(h > width);
        }
        // It stopped at the first round that met the target: the counts
        // of the rounds before were too wide (they are prefixes of x).
        let mut n = 6;
        while n < reps {
            assert!(half_width(&x[..n]) > width, "{name}: met at {n} < {reps}");
            let h = half_width(&x[..n]);
            let wanted = (n as f64 * (h / width).powi(2)).ceil() as usize;
            n = wanted.clamp(n + 1, 2 * n).min(cap);
        }
        assert_eq!(n, reps, "{name}: the rounds do not lead to {reps}");
    }
    assert!(met >= 2, "the target should be reachable for most variants");

    // Another target on the same seed adds or drops replications at the
    // end; replication r is the same run whatever the target.
    let tight = tmp("tight");
    run_adaptive(&tight, "2", "25", "120");
    let t = column_by_variant(&tight, "total_throughput");
    assert_ne!(
        t.iter().map(|(_, x)| x.len()).collect::<Vec<_>>(),
        totals.iter().map(|(_, x)| x.len()).collect::<Vec<_>>()
    );
    for ((_, a), (_, b)) in totals.iter().zip(&t) {
        let k = a.len().min(b.len());
        assert_eq!(a[..k], b[..k]);
    }
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(tight);
}

#[test]
fn bad_targets_are_refused_with_help() {
    let out = tmp("bad");
    let o = out.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["--target-ci", "total_thruput=5"],
            "did you mean `total_throughput`",
        ),
        (&["--target-ci", "total_throughput"], "METRIC=WIDTH"),
        (&["--target-ci", "total_throughput=-1"], "above 0"),
        (
            &["--max-replications", "50"],
            "only applies with --target-ci",
        ),
        (
            &["--target-ci", "total_throughput=5", "--shard", "1/2"],
            "cannot be split with --shard",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["run", "scenarios/ceo-departure.toml", "--out", o];
        args.extend(extra);
        let r = orgsim(&args);
        assert!(!r.status.success(), "{extra:?} should fail");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains(want), "{extra:?}: {err}");
        assert!(!out.exists(), "{extra:?} wrote results");
    }
    let r = orgsim(&[
        "run",
        "scenarios/ceo-departure.toml",
        "--replications",
        "1",
        "--target-ci",
        "total_throughput=5",
        "--out",
        o,
    ]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("at least 2 replications"));
}
