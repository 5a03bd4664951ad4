//! The `orgsim` binary end to end: outputs, determinism across thread
//! counts, refusing to overwrite, overrides.

use std::path::{Path, PathBuf};
use std::process::Command;

fn orgsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args(args)
        .env("CI", "true")
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_to(dir: &Path, extra: &[&str]) -> std::process::Output {
    let out = dir.to_str().unwrap();
    let mut args = vec![
        "run",
        "scenarios/ceo-departure.toml",
        "--replications",
        "6",
        "--steps",
        "120",
        "--out",
        out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    orgsim(&args)
}

#[test]
fn output_is_byte_identical_for_one_or_many_threads() {
    let base = tmp("threads");
    let (a, b) = (base.join("one"), base.join("four"));
    let ra = run_to(&a, &["--threads", "1"]);
    assert!(
        ra.status.success(),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    let rb = run_to(&b, &["--threads", "4"]);
    assert!(
        rb.status.success(),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    for f in [
        "timeseries.csv",
        "summary.csv",
        "scenario.resolved.toml",
        "variants.csv",
        "events.csv",
        "effects.csv",
        "twins.csv",
        "comparison.csv",
        "organization.csv",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} is empty");
        assert!(x == y, "{f} differs between 1 and 4 threads");
    }
    // A different seed gives different results.
    let c = base.join("seed");
    assert!(run_to(&c, &["--seed", "12345"]).status.success());
    assert_ne!(
        std::fs::read(a.join("timeseries.csv")).unwrap(),
        std::fs::read(c.join("timeseries.csv")).unwrap()
    );
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn results_have_the_promised_shape() {
    let base = tmp("shape");
    let out = base.join("r");
    assert!(run_to(&out, &[]).status.success());
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = ts.lines().next().unwrap();
    for col in [
        "variant",
        "replication",
        "step",
        "throughput",
        "backlog",
        "decision_latency",
        "rework",
        "mean_skill",
        "engagement",
        "turnover",
        "sharing",
        "hoarding",
        "tournament_pressure",
        "leadership_coverage",
        "headcount",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "timeseries.csv lacks {col}"
        );
    }
    assert_eq!(ts.lines().count(), 1 + 4 * 6 * 120);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    for col in [
        "throughput_variability",
        "total_throughput",
        "event1_throughput_effect",
        "event1_throughput_worst_gap",
        "event1_throughput_recovery_steps",
    ] {
        assert!(header.contains(&col), "summary.csv lacks {col}");
    }
    // Against twins, the pre-event measures (noise beside the paired
    // effect) are not written.
    for col in [
        "event1_dip",
        "event1_recovery_steps",
        "event1_resilience_loss",
    ] {
        assert!(!header.contains(&col), "summary.csv has {col}");
    }
    assert_eq!(summary.lines().count(), 1 + 4 * 6);
    // summary_stats.csv: each variant's total over its replications, as
    // recomputed here from summary.csv (mean, type-7 median and quartiles).
    let at = header
        .iter()
        .position(|h| *h == "total_throughput")
        .unwrap();
    let stats = std::fs::read_to_string(out.join("summary_stats.csv")).unwrap();
    let first_variant = summary.lines().nth(1).unwrap().split(',').next().unwrap();
    let mut x: Vec<f64> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[0] == first_variant)
        .map(|r| r[at].parse().unwrap())
        .collect();
    assert_eq!(x.len(), 6);
    x.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = p * 5.0;
        let (lo, f) = (h.floor() as usize, h - h.floor());
        x[lo] + f * (x[(lo + 1).min(5)] - x[lo])
    };
    let row: Vec<f64> = stats
        .lines()
        .find(|l| l.starts_with(&format!("{first_variant},total_throughput,")))
        .expect("total_throughput in summary_stats.csv")
        .split(',')
        .skip(2)
        .take(10)
        .map(|c| c.parse().unwrap())
        .collect();
    let mean = x.iter().sum::<f64>() / 6.0;
    for (got, want) in [
        (row[0], 6.0),
        (row[1], mean),
        (row[5], q(0.5)),
        (row[6], q(0.25)),
        (row[7], q(0.75)),
        (row[8], x[0]),
        (row[9], x[5]),
    ] {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
    assert!(row[3] < mean && mean < row[4], "CI around the mean");
    // comparison.csv: each row's test and unadjusted p, and Holm within
    // the measure's family (the 6 pairs of 4 variants), recomputed here.
    let mut cmp = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    let h = cmp.headers().unwrap().clone();
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (cm, ct, cu, ch, cf) = (
        at("metric"),
        at("p_test"),
        at("p_unadjusted"),
        at("p_holm"),
        at("holm_family_size"),
    );
    // (A measure on which no pair can be tested, e.g. a recovery every run
    // makes at once, has empty p cells and a family of 0.)
    let mut by_metric: std::collections::BTreeMap<String, Vec<(f64, f64, usize)>> =
        Default::default();
    for rec in cmp.records() {
        let rec = rec.unwrap();
        let want = if rec[cm].ends_with("_recovery_steps") {
            "log-rank"
        } else {
            "welch"
        };
        assert_eq!(&rec[ct], want, "{rec:?}");
        let p = |c: usize| rec[c].parse::<f64>().unwrap_or(f64::NAN);
        let size: usize = rec[cf].parse().unwrap();
        by_metric
            .entry(rec[cm].to_string())
            .or_default()
            .push((p(cu), p(ch), size));
    }
    let full = by_metric
        .values()
        .filter(|rows| rows.iter().all(|r| r.2 == 6))
        .count();
    assert!(full > 3, "{by_metric:?}");
    for (metric, rows) in by_metric {
        assert_eq!(rows.len(), 6, "{metric}");
        let mut sorted: Vec<f64> = rows.iter().map(|r| r.0).filter(|p| !p.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let m = sorted.len();
        let mut running = 0.0f64;
        let adjusted: Vec<f64> = sorted
            .iter()
            .enumerate()
            .map(|(i, p)| {
                running = running.max(((m - i) as f64 * p).min(1.0));
                running
            })
            .collect();
        for (p, holm, size) in rows {
            assert_eq!(size, m, "{metric}");
            if p.is_nan() {
                assert!(holm.is_nan(), "{metric}");
                continue;
            }
            let i = sorted.iter().position(|x| *x == p).unwrap();
            assert!(
                (holm - adjusted[i]).abs() <= 1e-12 * adjusted[i].max(1e-300),
                "{metric}: {p} -> {holm}"
            );
        }
    }
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["seed"], 2026);
    assert_eq!(run["replications"], 6);
    assert!(run["member_steps_per_second"].as_f64().unwrap() > 0.0);
    // No temporary files are left behind.
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            !name.contains("partial") && !name.ends_with(".part"),
            "{name} left behind"
        );
    }
    // The resolved scenario reproduces the run exactly.
    let again = base.join("again");
    let resolved = out.join("scenario.resolved.toml");
    let o = orgsim(&[
        "run",
        resolved.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("timeseries.csv")).unwrap(),
        std::fs::read(again.join("timeseries.csv")).unwrap()
    );
    let _ = std::fs::remove_dir_all(base);
}

/// `twins.csv`: per variant × replication × step from the event on, each
/// effect metric's twin and the run minus it; the run's value is the one in
/// `timeseries.csv`. The recovery chart then draws run minus twin; without
/// twins there is no `twins.csv` and the chart says it shows levels.
#[test]
fn twins_csv_pairs_each_run_with_its_twin_and_the_recovery_chart_draws_the_difference() {
    let base = tmp("twins-csv");
    let out = base.join("r");
    let o = run_to(&out, &["--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    let start: usize = events
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    let mut runs = std::collections::HashMap::new();
    let mut ts = csv::Reader::from_path(out.join("timeseries.csv")).unwrap();
    let h = ts.headers().unwrap().clone();
    let col = |h: &csv::StringRecord, name: &str| h.iter().position(|c| c == name).unwrap();
    let (tv, tr, tsx, tt) = (
        col(&h, "variant"),
        col(&h, "replication"),
        col(&h, "step"),
        col(&h, "throughput"),
    );
    for rec in ts.records() {
        let rec = rec.unwrap();
        let key = (
            rec[tv].to_string(),
            rec[tr].to_string(),
            rec[tsx].to_string(),
        );
        runs.insert(key, rec[tt].parse::<f64>().unwrap());
    }
    let mut twins = csv::Reader::from_path(out.join("twins.csv")).unwrap();
    let h = twins.headers().unwrap().clone();
    let names: Vec<&str> = h.iter().collect();
    assert_eq!(
        &names[..7],
        [
            "variant",
            "replication",
            "event",
            "step",
            "week",
            "throughput_twin",
            "throughput_diff"
        ]
    );
    for m in ["engagement", "turnover", "mean_skill"] {
        assert!(names.contains(&format!("{m}_twin").as_str()), "{names:?}");
        assert!(names.contains(&format!("{m}_diff").as_str()), "{names:?}");
    }
    let (mut rows, mut differ) = (0, 0);
    for rec in twins.records() {
        let rec = rec.unwrap();
        let step: usize = rec[3].parse().unwrap();
        assert_eq!(&rec[2], "1");
        assert_eq!(rec[4].parse::<usize>().unwrap(), step - start);
        let run = runs[&(rec[0].to_string(), rec[1].to_string(), rec[3].to_string())];
        let (twin, diff): (f64, f64) = (rec[5].parse().unwrap(), rec[6].parse().unwrap());
        assert_eq!(run - twin, diff, "{rec:?}");
        differ += usize::from(diff != 0.0);
        rows += 1;
    }
    // Every variant × replication × week after the event, and the
    // departure changes some of them.
    assert_eq!(rows, 4 * 6 * (120 - start));
    assert!(differ > 0);
    let svg = std::fs::read_to_string(out.join("charts/recovery.svg")).unwrap();
    assert!(svg.contains("each run minus its twin without the event"));
    assert!(!svg.contains("relative to the level before it"));

    // Without twins: no twins.csv, and the chart says what it shows.
    let text = std::fs::read_to_string("scenarios/ceo-departure.toml").unwrap();
    let file = base.join("no-twins.toml");
    std::fs::write(&file, format!("{text}\n[analysis]\ntwins = false\n")).unwrap();
    let plain = base.join("plain");
    let o = orgsim(&[
        "run",
        file.to_str().unwrap(),
        "--replications",
        "4",
        "--steps",
        "120",
        "--out",
        plain.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!plain.join("twins.csv").exists());
    let svg = std::fs::read_to_string(plain.join("charts/recovery.svg")).unwrap();
    assert!(svg.contains("relative to the level before it"));
    assert!(svg.contains("Levels, not effects (no twins in this run)"));
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn existing_results_are_not_overwritten_without_force() {
    let base = tmp("force");
    let out = base.join("r");
    assert!(run_to(&out, &[]).status.success());
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    let o = run_to(&out, &["--seed", "5"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);
    assert!(run_to(&out, &["--seed", "5", "--force"]).status.success());
    assert_ne!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn steps_override_cannot_cut_off_an_event() {
    let o = orgsim(&[
        "run",
        "scenarios/ceo-departure.toml",
        "--steps",
        "50",
        "--out",
        "/nonexistent/x",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("CEO leaves") && err.contains("step 100"),
        "{err}"
    );
}

#[test]
fn every_example_scenario_validates_and_init_writes_a_valid_template() {
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with("# Question:"),
                "{} must open with its question",
                path.display()
            );
            let o = orgsim(&["validate", path.to_str().unwrap()]);
            assert!(
                o.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    let dir = tmp("init");
    let o = Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args(["init", "my-question"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = orgsim(&["validate", dir.join("my-question.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

/// One replication of an organization big enough for several blocks of
/// teams: two threads share its step (the engine lends the idle thread),
/// and every file is the same as on one thread.
#[test]
fn one_big_replication_on_two_threads_matches_one_thread() {
    let base = tmp("big-one");
    let scenario = base.join("big.toml");
    std::fs::write(
        &scenario,
        "name = \"big\"\nsteps = 30\nreplications = 1\nseed = 5\n\
         [defaults]\nmembers = 12000\nconsensus = 0.1\nbackups = 1\nquit_rate = 0.02\n\
         [[variant]]\nname = \"hierarchy\"\nstructure = \"hierarchy\"\n\
         [[variant]]\nname = \"peer\"\nstructure = \"peer\"\n\
         [[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = 10\n",
    )
    .unwrap();
    let mut files = Vec::new();
    for t in ["1", "2"] {
        let out = base.join(format!("t{t}"));
        let r = orgsim(&[
            "run",
            scenario.to_str().unwrap(),
            "--threads",
            t,
            "--no-charts",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        files.push(out);
    }
    for f in ["timeseries.csv", "summary.csv", "aggregate.csv"] {
        let a = std::fs::read(files[0].join(f)).unwrap();
        let b = std::fs::read(files[1].join(f)).unwrap();
        assert!(
            !a.is_empty() && a == b,
            "{f} differs between 1 and 2 threads"
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// A short run of the CEO example into `out` (2 replications to just past
/// its event, no charts).
fn small_run(out: &Path) -> [&str; 10] {
    [
        "run",
        "scenarios/ceo-departure.toml",
        "--replications",
        "2",
        "--steps",
        "130",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
        "--threads=2",
    ]
}

/// Runs orgsim with its standard output closed before it writes a line
/// (what `| head -0` does to it).
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// A closed pipe is not an error: `orgsim params | head -1` exits 0 without
/// a panic, and a run whose reader went away still finishes and publishes.
#[test]
fn a_closed_pipe_ends_the_output_not_the_work() {
    let o = with_closed_stdout(&["params"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let dir = tmp("closed-pipe").join("out");
    let o = with_closed_stdout(&small_run(&dir));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(dir.join("summary.csv").is_file() && dir.join("manifest.json").is_file());
}

/// `--version` names the build (package version and git commit), and a run
/// records the same build in `run.json` and its manifest.
#[test]
fn the_version_names_the_build_and_the_run_records_it() {
    let o = orgsim(&["--version"]);
    let text = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let build = text.strip_prefix("orgsim ").unwrap();
    let (version, commit) = build.split_once('+').unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert!(!commit.is_empty(), "{text}");
    let dir = tmp("version").join("out");
    let o = run_to(&dir, &["--no-charts"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in ["run.json", "manifest.json"] {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        assert_eq!(v["orgsim_version"], build, "{file}");
    }
}

/// Off a terminal and outside CI (a cluster job's log), a run says now and
/// then that it is alive; under CI it stays quiet.
#[test]
fn off_a_terminal_a_run_logs_progress_lines() {
    let dir = tmp("log-progress");
    let run = |ci: bool, out: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_orgsim"));
        c.args(small_run(&dir.join(out)))
            .env("ORGSIM_PROGRESS_SECONDS", "0")
            .env_remove("CI");
        if ci {
            c.env("CI", "true");
        }
        let o = c.output().unwrap();
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let log = run(false, "a");
    assert!(log.contains("8 of 8 runs finished"), "{log}");
    let quiet = run(true, "b");
    assert!(!quiet.contains("runs finished"), "{quiet}");
}

/// `-` reads the scenario from standard input, for `validate` and `run`.
#[test]
fn a_scenario_can_come_from_standard_input() {
    use std::io::Write;
    let text = std::fs::read("scenarios/routine-work.toml").unwrap();
    let feed = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orgsim"))
            .args(args)
            .env("CI", "true")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&text).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = feed(&["validate", "-"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.starts_with("<standard input>: ok: 3 variant(s)"),
        "{out}"
    );
    let dir = tmp("stdin").join("out");
    let o = feed(&[
        "run",
        "-",
        "--replications",
        "2",
        "--no-charts",
        "-q",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("summary.csv").is_file());
}

/// A run whose results cannot fit on the disk is refused before it starts,
/// and nothing is created; the disk estimate is within a factor of two of
/// what a run writes.
#[test]
fn a_run_too_big_for_the_disk_is_refused_up_front_and_the_estimate_holds() {
    let dir = tmp("disk");
    let file = dir.join("huge.toml");
    std::fs::write(
        &file,
        "name = \"huge\"\nsteps = 200000\nreplications = 1000000\n\
         [[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\n\
         [[variant]]\nname = \"p\"\nstructure = \"peer\"\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = orgsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("of disk") && err.contains("--record-every"),
        "{err}"
    );
    assert!(!out.exists());

    let real = dir.join("real");
    let o = run_to(&real, &["--no-charts"]);
    assert!(o.status.success());
    let written: u64 = ["timeseries.csv", "aggregate.csv", "twins.csv"]
        .iter()
        .map(|f| std::fs::metadata(real.join(f)).unwrap().len())
        .sum();
    let mut s = orgsim::scenario::parse_in(
        "ceo-departure.toml",
        &std::fs::read("scenarios/ceo-departure.toml").unwrap(),
        Path::new("scenarios"),
    )
    .unwrap();
    (s.replications, s.steps) = (6, 120);
    let estimate = orgsim::engine::run_estimate(&s, 1).disk_bytes;
    let ratio = estimate as f64 / written as f64;
    assert!(
        (0.5..2.0).contains(&ratio),
        "estimate {estimate} against {written} written"
    );
}

/// `-q` silences standard output in every subcommand, before or after it;
/// errors still reach standard error.
#[test]
fn quiet_works_for_every_subcommand() {
    for args in [
        &["-q", "params"][..],
        &["params", "--quiet"],
        &["validate", "scenarios/ceo-departure.toml", "-q"],
        &["-q", "params", "--markdown"],
    ] {
        let o = orgsim(args);
        assert!(
            o.stdout.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let o = orgsim(&["-q", "validate", "no-such-file.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!o.stderr.is_empty());
}

/// The end of a run prints the headline comparisons and says where the rest
/// are; `--all` prints every row.
#[test]
fn the_end_of_a_run_prints_the_headline_comparisons_and_all_on_request() {
    let dir = tmp("all");
    let text = |extra: &[&str], out: &str| {
        let path = dir.join(out);
        let mut args = small_run(&path).to_vec();
        args.extend_from_slice(extra);
        let o = orgsim(&args);
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let short = text(&[], "short");
    assert!(
        short.contains("total_throughput") && short.contains("more rows"),
        "{short}"
    );
    assert!(!short.contains("  mean_engagement "), "{short}");
    let long = text(&["--all"], "long");
    assert!(
        long.contains("  mean_engagement ") && !long.contains("more rows"),
        "{long}"
    );
}

/// With two events, the end-of-run effects print one block per event (its
/// header once, then every variant).
#[test]
fn effects_print_one_block_per_event() {
    let dir = tmp("two-events");
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        "name = \"two\"\nsteps = 160\nreplications = 2\n\
         [[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\n\
         [[variant]]\nname = \"p\"\nstructure = \"peer\"\n\
         [[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = 60\n\
         [[event]]\nkind = \"demand\"\nfactor = 2\nat = 100\nduration = 10\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = orgsim(&[
        "run",
        file.to_str().unwrap(),
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert_eq!(text.matches(": effect on throughput").count(), 2, "{text}");
    let block = text.split("\"demand ×2\": effect").nth(1).unwrap();
    assert!(
        block.contains("\n  h ") && block.contains("\n  p "),
        "{text}"
    );
}

/// A run estimated to take longer than `--time-limit` (24 h by default)
/// is refused before anything is written, with the estimate and the ways
/// out; `--force` runs it; a shard is held to its own share.
#[test]
fn a_run_beyond_the_time_limit_is_refused_up_front() {
    let dir = tmp("time-limit");
    let out = dir.join("out");
    let o = run_to(&out, &["--time-limit", "0.01s"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("beyond the time limit")
            && err.contains("--time-limit")
            && err.contains("--force"),
        "{err}"
    );
    assert!(!out.exists());
    let o = run_to(&out, &["--time-limit", "0.01s", "--force", "--no-charts"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // On one thread the whole run is estimated at about 0.02 s, a sixth of
    // it at under 0.01 s.
    let one = ["--threads", "1", "--time-limit", "0.01s", "--no-charts"];
    let o = run_to(&dir.join("whole"), &one);
    assert_eq!(o.status.code(), Some(1));
    let o = run_to(
        &dir.join("sixth"),
        &[&one[..], &["--shard", "1/6"]].concat(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Days of simulation and almost nothing to write: the default limit.
    let file = dir.join("long.toml");
    std::fs::write(
        &file,
        "name = \"long\"\nsteps = 1000000\nreplications = 1000\n[defaults]\nmembers = 200000\n\
         [[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\n",
    )
    .unwrap();
    let long = dir.join("long");
    let args = [
        "run",
        file.to_str().unwrap(),
        "--record-every",
        "1000000",
        "--threads",
        "2",
    ];
    let o = orgsim(&[&args[..], &["--out", long.to_str().unwrap()]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("days on 2 thread(s)") && err.contains("24.0 h"),
        "{err}"
    );
    assert!(!long.exists());
    assert!(orgsim(&["run", "-", "--time-limit", "3w"]).status.code() == Some(2));
}

/// `validate --json` and `params --json` print JSON a script can read (the
/// errors with file, line, column, key and fix; exit 1 when invalid);
/// completions and the man page come from the same argument definitions.
#[test]
fn json_completions_and_man_page() {
    let o = orgsim(&["validate", "--json", "scenarios/ceo-departure.toml"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["variants"].as_array().unwrap().len(), 4);
    let o = orgsim(&["validate", "--json", "tests/bad_inputs/nonfinite-inf.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["errors"][0];
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(7), Some(16))
    );
    assert_eq!(e["key"], "defaults.productivity");
    let o = orgsim(&["params", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let specs = orgsim::model::ModelKind::Org.specs();
    assert_eq!(names.len(), specs.len());
    assert!(names.contains(&"step_weeks"));
    for shell in ["bash", "zsh", "fish"] {
        let o = orgsim(&["completions", shell]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && text.contains("validate") && text.contains("time-limit"),
            "{shell}"
        );
    }
    let o = orgsim(&["man"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && text.contains(".TH orgsim 1") && text.contains("validate"));
}

/// The report's answer does not crown a variant whose lead is within the
/// noise: in ceo-departure every structure delivers the same throughput
/// (no significant difference), in routine-work the hierarchy leads clearly.
#[test]
fn the_answer_names_a_leader_only_when_the_lead_is_significant() {
    let dir = tmp("answer");
    let answer = |file: &str, out: &str| {
        let o = orgsim(&[
            "run",
            file,
            "--replications",
            "10",
            "--out",
            dir.join(out).to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let md = std::fs::read_to_string(dir.join(out).join("report.md")).unwrap();
        md.lines()
            .find(|l| l.starts_with("1. "))
            .unwrap()
            .to_string()
    };
    let tie = answer("scenarios/ceo-departure.toml", "tie");
    assert!(
        tie.starts_with("1. No variant clearly has the highest total throughput"),
        "{tie}"
    );
    let lead = answer("scenarios/routine-work.toml", "lead");
    assert!(
        lead.contains("hierarchy has the highest total throughput")
            && lead.contains("a significant lead"),
        "{lead}"
    );
}
