//! Nothing lost, nothing crashes: kill and resume, shards and merge, a
//! poisoned replication, runs too big for the machine. All through the
//! real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_orgsim");

fn orgsim(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("CI", "true")
        .env_remove("ORGSIM_TEST_PANIC_JOB");
    if matches!(args.first(), Some(&"run") | Some(&"merge")) && !args.contains(&"--no-charts") {
        // Charts are not what these tests are about.
        c.arg("--no-charts");
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-robust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small sweep: 2 structures × 3 delegation values, an event.
const SWEEP: &str = r#"name = "robust-sweep"
steps = 150
replications = 4
seed = 77
[defaults]
members = 60
[[variant]]
name = "h"
structure = "hierarchy"
[[variant]]
name = "p"
structure = "peer"
[[event]]
kind = "departure"
target = "top"
at = 80
[sweep]
delegation = [0.1, 0.4, 0.8]
"#;

fn write_scenario(dir: &Path) -> String {
    let f = dir.join("sweep.toml");
    std::fs::write(&f, SWEEP).unwrap();
    f.to_str().unwrap().to_string()
}

/// Every file but run.json (wall time, threads) and manifest.json.
fn assert_same_results(a: &Path, b: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(a)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "run.json" && n != "manifest.json")
        .collect();
    names.sort();
    for must in [
        "timeseries.csv",
        "summary.csv",
        "aggregate.csv",
        "comparison.csv",
        "sweep.csv",
    ] {
        assert!(names.iter().any(|n| n == must), "{must} missing in {a:?}");
    }
    for n in &names {
        let (x, y) = (
            std::fs::read(a.join(n)).unwrap(),
            std::fs::read(b.join(n)).unwrap_or_default(),
        );
        assert!(x == y, "{n} differs between {a:?} and {b:?}");
    }
    // The manifests agree on the jobs and the files.
    let ma: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let mb: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    // Same jobs with the same bytes (where each lies in which log differs).
    let key = |m: &serde_json::Value| -> Vec<String> {
        m["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| format!("{} {} {}", j["variant"], j["replication"], j["checksum"]))
            .collect()
    };
    assert_eq!(key(&ma), key(&mb));
    assert_eq!(ma["complete"], true);
    assert_eq!(mb["complete"], true);
    let mut fa = ma["files"].clone();
    let mut fb = mb["files"].clone();
    fa.as_object_mut().unwrap().remove("run.json");
    fb.as_object_mut().unwrap().remove("run.json");
    assert_eq!(fa, fb);
}

/// Complete fragment records in a staging folder's logs (each record: its
/// length as u64 little-endian, then that many bytes).
fn finished_jobs(jobs: &Path) -> usize {
    let Ok(dir) = std::fs::read_dir(jobs) else {
        return 0;
    };
    let mut n = 0;
    // Fragment logs only (`log-K.bin`); `log-K.txt` holds formatted rows.
    for e in dir
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "bin"))
    {
        let bytes = std::fs::read(e.path()).unwrap_or_default();
        let mut at = 0usize;
        while at + 8 <= bytes.len() {
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            if at + 8 + len > bytes.len() {
                break;
            }
            n += 1;
            at += 8 + len;
        }
    }
    n
}

/// Starts a long run, stops it (SIGTERM or SIGKILL) once some jobs are
/// done, resumes it, and compares every file with an uninterrupted run.
/// `first_jobs`: how many jobs must be finished before the signal.
fn kill_and_resume(signal: &str, extra: &[&str], first_jobs: usize) {
    kill_and_resume_file(signal, "scenarios/delegation-sweep.toml", extra, first_jobs);
}

/// The delegation sweep with stop conditions: most runs with little
/// delegation collapse (backlog above 200) at different steps, most with
/// much delegation complete; twins off, as collapse conditions require.
fn stopping_sweep(dir: &Path) -> String {
    let text = std::fs::read_to_string("scenarios/delegation-sweep.toml").unwrap()
        + "\n[analysis]\ntwins = false\n\n[stop]\ncollapse = [\"backlog > 100\", \"headcount < 0.9 * members\"]\n";
    let f = dir.join("stopping.toml");
    std::fs::write(&f, text).unwrap();
    f.to_str().unwrap().to_string()
}

fn kill_and_resume_file(signal: &str, file: &str, extra: &[&str], first_jobs: usize) {
    let base = tmp(&format!("resume-{signal}-{}-{}", extra.len(), file.len()));
    let mut common = vec![
        "run",
        file,
        "--steps",
        "1000",
        "--threads",
        "2",
        "--quiet",
        "--no-charts",
    ];
    common.extend(extra);
    let whole = base.join("whole");
    let mut args: Vec<&str> = common.to_vec();
    let w = whole.to_str().unwrap().to_string();
    args.extend(["--out", &w]);
    ok(&orgsim(&args, &[]));

    let cut = base.join("cut");
    let c = cut.to_str().unwrap().to_string();
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--out", &c]);
    let mut child = Command::new(BIN)
        .args(&args)
        .env("CI", "true")
        .env_remove("ORGSIM_TEST_PANIC_JOB")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let jobs = base.join(".cut.partial").join("jobs");
    let t0 = Instant::now();
    loop {
        let n = finished_jobs(&jobs);
        if n >= first_jobs {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be interrupted"
        );
        assert!(t0.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    let stopped = Instant::now();
    let st = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    if signal == "-TERM" {
        assert!(
            stopped.elapsed() < Duration::from_millis(1500),
            "took {:?} to stop",
            stopped.elapsed()
        );
        let err = stderr(&out);
        assert!(
            err.contains("interrupted") && err.contains("--resume"),
            "{err}"
        );
        // Interrupted, not failed: the shell's convention for a signal.
        assert_eq!(out.status.code(), Some(130), "{err}");
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(base.join(".cut.partial").join("manifest.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(m["complete"], false);
        assert!(!m["jobs"].as_array().unwrap().is_empty());
    }
    // Nothing half-written looks complete.
    assert!(!cut.exists(), "an interrupted run must not publish results");

    // Forgetting --resume does not throw the finished runs away.
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--out", &c]);
    let o = orgsim(&args, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("add --resume"), "{}", stderr(&o));
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--out", &c, "--resume"]);
    ok(&orgsim(&args, &[]));
    assert_same_results(&whole, &cut);
    // Resuming a finished run says so.
    let o = orgsim(&args, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nothing to resume"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn sigterm_stops_within_a_second_and_resume_gives_identical_files() {
    kill_and_resume("-TERM", &["--replications", "40"], 6);
}

#[test]
fn sigkill_then_resume_gives_identical_files() {
    kill_and_resume("-KILL", &["--replications", "40"], 6);
}

/// With collapse conditions, runs end at different steps: the resumed
/// run's files are still those of an uninterrupted run.
#[test]
fn sigkill_then_resume_with_stop_conditions_gives_identical_files() {
    let dir = tmp("stopping-file");
    let file = stopping_sweep(&dir);
    kill_and_resume_file("-KILL", &file, &["--replications", "40"], 6);
    let _ = std::fs::remove_dir_all(dir);
}

/// Adaptive replications: stopped in a later round (the first has 5 × 4
/// jobs), the resumed run takes the same decisions and gives the same files.
#[test]
fn sigterm_during_adaptive_rounds_then_resume_gives_identical_files() {
    kill_and_resume(
        "-TERM",
        &[
            "--replications",
            "4",
            "--target-ci",
            "total_throughput=45",
            "--max-replications",
            "64",
        ],
        30,
    );
}

#[test]
fn shards_merge_into_the_single_machine_results() {
    let base = tmp("shards");
    let file = write_scenario(&base);
    shards_merge(&base, &file);
    let _ = std::fs::remove_dir_all(base);
}

/// Shards of a run whose replications stop early (collapse conditions)
/// merge into the single-machine files, the stop columns included.
#[test]
fn shards_with_stop_conditions_merge_into_the_single_machine_results() {
    let base = tmp("shards-stop");
    let file = stopping_sweep(&base);
    shards_merge(&base, &file);
    let summary = std::fs::read_to_string(base.join("merged").join("summary.csv")).unwrap();
    assert!(summary.contains("collapsed:backlog > 100") && summary.contains(",completed"));
    let _ = std::fs::remove_dir_all(base);
}

/// A March run stopping at absorption with a final-state record.
#[test]
fn shards_of_absorbed_runs_with_a_final_record_merge_into_the_single_machine_results() {
    let base = tmp("shards-absorbed");
    let text = std::fs::read_to_string("scenarios/reference/march1991-figure1.toml")
        .unwrap()
        .replace("replications = 80", "replications = 6");
    let f = base.join("fig1.toml");
    std::fs::write(&f, text).unwrap();
    shards_merge(&base, f.to_str().unwrap());
    let summary = std::fs::read_to_string(base.join("merged").join("summary.csv")).unwrap();
    assert!(summary.contains(",absorbed"));
    let _ = std::fs::remove_dir_all(base);
}

/// Runs `file` whole and as 3 shards, merges them and compares the files.
fn shards_merge(base: &Path, file: &str) {
    let file = file.to_string();
    let whole = base.join("whole");
    ok(&orgsim(
        &["run", &file, "--out", whole.to_str().unwrap(), "--quiet"],
        &[],
    ));
    let mut dirs = Vec::new();
    for i in 1..=3 {
        let d = base.join(format!("s{i}"));
        ok(&orgsim(
            &[
                "run",
                &file,
                "--shard",
                &format!("{i}/3"),
                "--out",
                d.to_str().unwrap(),
                "--quiet",
                "--threads",
                "1",
            ],
            &[],
        ));
        dirs.push(d.to_str().unwrap().to_string());
    }
    let merged = base.join("merged");
    let mut args = vec!["merge"];
    // Order of the shard folders does not matter.
    args.extend([dirs[2].as_str(), dirs[0].as_str(), dirs[1].as_str()]);
    let m = merged.to_str().unwrap().to_string();
    args.extend(["--out", &m, "--quiet"]);
    ok(&orgsim(&args, &[]));
    assert_same_results(&whole, &merged);

    // A missing shard is named.
    let o = orgsim(
        &["merge", &dirs[0], &dirs[1], "--out", &format!("{m}2")],
        &[],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("shards not given: 3/3"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn merge_refuses_shards_of_other_runs() {
    let base = tmp("mismatch");
    let file = write_scenario(&base);
    let shard = |name: &str, extra: &[&str], i: u32| {
        let d = base.join(name);
        let mut args = vec![
            "run".to_string(),
            file.clone(),
            "--shard".into(),
            format!("{i}/2"),
            "--out".into(),
            d.to_str().unwrap().into(),
            "--quiet".into(),
            "--replications".into(),
            "2".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&orgsim(&a, &[]));
        d.to_str().unwrap().to_string()
    };
    let a = shard("a", &[], 1);
    let other_seed = shard("b", &["--seed", "5"], 2);
    let other_steps = shard("c", &["--steps", "120"], 2);
    let out = base.join("out");
    let o = orgsim(
        &["merge", &a, &other_seed, "--out", out.to_str().unwrap()],
        &[],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("different seeds (77 and 5)"),
        "{}",
        stderr(&o)
    );
    let o = orgsim(
        &["merge", &a, &other_steps, "--out", out.to_str().unwrap()],
        &[],
    );
    assert!(
        stderr(&o).contains("different settings of scenario `robust-sweep`"),
        "{}",
        stderr(&o)
    );
    // Another scenario, and another orgsim version.
    let other = base.join("other.toml");
    std::fs::write(&other, SWEEP.replace("robust-sweep", "other-one")).unwrap();
    let d = base.join("d");
    ok(&orgsim(
        &[
            "run",
            other.to_str().unwrap(),
            "--shard",
            "2/2",
            "--out",
            d.to_str().unwrap(),
            "--quiet",
            "--replications",
            "2",
        ],
        &[],
    ));
    let o = orgsim(
        &[
            "merge",
            &a,
            d.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        stderr(&o).contains("different scenarios (`robust-sweep` and `other-one`)"),
        "{}",
        stderr(&o)
    );
    let mpath = d.join("manifest.json");
    let text = std::fs::read_to_string(&mpath)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "9.9.9");
    std::fs::write(&mpath, text).unwrap();
    let o = orgsim(
        &[
            "merge",
            &a,
            d.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        stderr(&o).contains("it was run by orgsim 9.9.9"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // Both shards from another build: this build refuses to assemble them
    // unless told, and then the manifest names the build it combined.
    let other_build = |dir: &str| {
        let p = Path::new(dir).join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        m["orgsim_version"] = "9.9.9+elsewhere".into();
        std::fs::write(&p, serde_json::to_string(&m).unwrap()).unwrap();
    };
    let b = shard("b2", &[], 2);
    other_build(&a);
    other_build(&b);
    let merge = |extra: &[&str]| {
        let mut args = vec!["merge", &a, &b, "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        orgsim(&args, &[])
    };
    let o = merge(&[]);
    assert!(
        stderr(&o).contains("it was run by orgsim 9.9.9+elsewhere")
            && stderr(&o).contains("--any-build"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let o = merge(&["--any-build", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["combined_builds"], serde_json::json!(["9.9.9+elsewhere"]));
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_poisoned_replication_is_isolated_and_reported() {
    let base = tmp("poison");
    let file = write_scenario(&base);
    for (hook, why) in [("3:1", "panicked"), ("4:2:nan", "became NaN")] {
        let out = base.join(hook.replace(':', "-"));
        let o = orgsim(
            &["run", &file, "--out", out.to_str().unwrap(), "--quiet"],
            &[("ORGSIM_TEST_PANIC_JOB", hook), ("RUST_BACKTRACE", "0")],
        );
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        let (v, r) = {
            let mut it = hook.split(':');
            (it.next().unwrap(), it.next().unwrap())
        };
        assert!(
            err.contains(&format!("variant {v} ("))
                && err.contains(&format!("replication {r}, seed 77"))
                && err.contains(why),
            "{err}"
        );
        // The other 23 replications are all there.
        let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        assert_eq!(summary.lines().count(), 1 + 6 * 4 - 1);
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["complete"], false);
        assert_eq!(m["jobs"].as_array().unwrap().len(), 23);
        assert_eq!(
            m["failed"][0]["replication"].as_u64().unwrap().to_string(),
            r
        );
    }
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_run_too_big_for_the_machine_is_refused_with_its_estimate() {
    let base = tmp("memory");
    let f = base.join("huge.toml");
    let text = SWEEP
        .replace("replications = 4", "replications = 1000000")
        .replace("steps = 150", "steps = 1000000")
        .replace(
            "delegation = [0.1, 0.4, 0.8]",
            "delegation = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n\
             competence = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n\
             lateral = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]",
        );
    std::fs::write(&f, text).unwrap();
    let out = base.join("out");
    let o = orgsim(&["validate", f.to_str().unwrap()], &[]);
    ok(&o);
    let o = orgsim(
        &["run", f.to_str().unwrap(), "--out", out.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("needs an estimated") && err.contains("GiB") && err.contains("--force"),
        "{err}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(base);
}

/// A signal while the results are written (assembling, charts) stops the
/// run within a second, exit 130, publishing nothing; `--resume` then
/// writes files identical to an uninterrupted run's.
#[test]
fn a_signal_while_results_are_written_acts_at_once() {
    let base = tmp("signal-writing");
    let common = [
        "run",
        "scenarios/delegation-sweep.toml",
        "--steps",
        "600",
        "--replications",
        "30",
        "--threads",
        "2",
        "--quiet",
    ];
    let whole = base.join("whole");
    ok(&orgsim(
        &[&common[..], &["--out", whole.to_str().unwrap()]].concat(),
        &[],
    ));
    // What the staging folder holds once each phase has begun.
    for (phase, sign) in [
        ("assembling", "timeseries.csv.partial"),
        ("charts", "charts"),
    ] {
        let cut = base.join(phase);
        let args = [&common[..], &["--out", cut.to_str().unwrap()]].concat();
        let mut child = Command::new(BIN)
            .args(&args)
            .env("CI", "true")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let staging = base.join(format!(".{phase}.partial"));
        let t0 = Instant::now();
        while !staging.join(sign).exists() {
            assert!(
                child.try_wait().unwrap().is_none(),
                "{phase}: finished first"
            );
            assert!(t0.elapsed() < Duration::from_secs(120));
            std::thread::sleep(Duration::from_millis(2));
        }
        let stopped = Instant::now();
        let id = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &id])
                .status()
                .unwrap()
                .success()
        );
        let out = child.wait_with_output().unwrap();
        let waited = stopped.elapsed();
        let err = stderr(&out);
        assert!(waited < Duration::from_secs(1), "{phase}: took {waited:?}");
        assert_eq!(out.status.code(), Some(130), "{phase}: {err}");
        assert!(
            err.contains("interrupted") && err.contains("--resume"),
            "{err}"
        );
        assert!(!cut.exists(), "{phase}: published after a signal");
        ok(&orgsim(&[&args[..], &["--resume"]].concat(), &[]));
        assert_same_results(&whole, &cut);
    }
    let _ = std::fs::remove_dir_all(base);
}
