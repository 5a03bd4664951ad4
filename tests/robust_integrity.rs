//! No silent wrong answer: damaged or duplicated results are named and run
//! again (never adopted), a kill at any phase resumes into identical files,
//! one writer per folder, `--force` replaces only orgsim's own folders, a
//! failed replication is retried by `--resume`. All through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_orgsim");

/// 2 structures × 3 delegation values × 4 replications, an event.
const SWEEP: &str = r#"name = "integrity"
steps = 120
replications = 4
seed = 77
[defaults]
members = 40
[[variant]]
name = "h"
structure = "hierarchy"
[[variant]]
name = "p"
structure = "peer"
[[event]]
kind = "departure"
target = "top"
at = 60
[sweep]
delegation = [0.1, 0.4, 0.8]
"#;

fn orgsim(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("CI", "true")
        .env_remove("ORGSIM_TEST_PANIC_JOB")
        .env_remove("ORGSIM_TEST_ABORT_AT");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-integrity-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// This build, as `orgsim --version` names it (and manifests record it).
fn orgsim_version() -> String {
    let o = orgsim(&["--version"], &[]);
    let text = String::from_utf8_lossy(&o.stdout).trim().to_string();
    text.strip_prefix("orgsim ").unwrap().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        stderr(o)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `orgsim run` of the sweep into `out` with `extra` flags.
fn run(file: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["run", s(file), "--out", s(out), "--quiet", "--threads", "2"];
    args.extend(extra);
    orgsim(&args, env)
}

/// Every file of a results folder, `charts/` included, but run.json (wall
/// time) and manifest.json (where fragments lay).
fn files(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for sub in ["", "charts"] {
        let Ok(d) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in d.flatten() {
            let n = e.file_name().into_string().unwrap();
            if e.file_type().unwrap().is_file() {
                names.push(if sub.is_empty() {
                    n
                } else {
                    format!("{sub}/{n}")
                });
            }
        }
    }
    names.retain(|n| n != "run.json" && n != "manifest.json");
    names.sort();
    names
}

fn assert_same(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa, fb, "different files in {a:?} and {b:?}");
    assert!(fa.iter().any(|n| n == "timeseries.csv"));
    for n in &fa {
        assert!(
            std::fs::read(a.join(n)).unwrap() == std::fs::read(b.join(n)).unwrap(),
            "{n} differs between {a:?} and {b:?}"
        );
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["complete"], true);
    assert_eq!(m["jobs"].as_array().unwrap().len(), 24);
    // Nothing temporary is left in or beside the folder.
    let parent = b.parent().unwrap();
    for e in std::fs::read_dir(parent).unwrap().flatten() {
        let n = e.file_name().into_string().unwrap();
        assert!(
            !n.ends_with(".partial") && !n.ends_with(".old"),
            "{n} left beside {b:?}"
        );
    }
    for n in files(b) {
        assert!(
            !n.contains(".partial") && !n.contains(".tmp") && !n.ends_with(".part"),
            "{n}"
        );
    }
}

/// A scenario file, an uninterrupted run's folder (`charts`: with charts
/// and report), and the folder's parent.
fn setup(name: &str, charts: bool) -> (PathBuf, PathBuf, PathBuf) {
    let base = tmp(name);
    let file = base.join("sweep.toml");
    std::fs::write(&file, SWEEP).unwrap();
    let whole = base.join("whole");
    let flags: &[&str] = if charts { &[] } else { &["--no-charts"] };
    ok(&run(&file, &whole, flags, &[]));
    (base, file, whole)
}

/// A staging folder with every job finished and nothing assembled (the
/// run stopped as assembly began), at `base/.cut.partial`.
fn staged(base: &Path, file: &Path) -> PathBuf {
    let cut = base.join("cut");
    let o = run(
        file,
        &cut,
        &["--no-charts"],
        &[("ORGSIM_TEST_ABORT_AT", "assembling")],
    );
    assert_eq!(o.status.code(), Some(137), "{}", stderr(&o));
    assert!(!cut.exists());
    base.join(".cut.partial")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    /// A bit flipped anywhere in the fragment log: the job whose fragment
    /// holds it is named and run again; the files equal an uninterrupted run.
    #[test]
    fn a_flipped_bit_in_any_fragment_is_detected_and_run_again(at in 0.0f64..1.0, bit in 0u8..8) {
        let (base, file, whole) = SETUP.with(|x| x.clone());
        let case = base.join("cases").join(format!("case-{}", (at * 1e9) as u64 ^ u64::from(bit)));
        let staging = case.with_file_name(format!(".{}.partial", case.file_name().unwrap().to_str().unwrap()));
        let _ = std::fs::remove_dir_all(&case);
        let _ = std::fs::remove_dir_all(&staging);
        copy_dir(&base.join(".cut.partial"), &staging);
        let log = staging.join("jobs").join("log-0.bin");
        let mut bytes = std::fs::read(&log).unwrap();
        let pos = ((bytes.len() as f64 * at) as usize).min(bytes.len() - 1);
        bytes[pos] ^= 1 << bit;
        std::fs::write(&log, &bytes).unwrap();
        // The job whose fragment holds the flipped byte, if one does.
        let m = manifest(&staging);
        let hit = m["jobs"].as_array().unwrap().iter().find(|j| {
            let (o, l) = (j["offset"].as_u64().unwrap() as usize, j["len"].as_u64().unwrap() as usize);
            (o..o + l).contains(&pos)
        });
        let o = run(&file, &case, &["--no-charts", "--resume"], &[]);
        ok(&o);
        if let Some(j) = hit {
            let err = stderr(&o);
            let named = format!("variant {} (", j["variant"]);
            let rep = format!("replication {}, seed 77", j["replication"]);
            prop_assert!(err.contains(&named) && err.contains(&rep) && err.contains("runs again"), "byte {pos}: {err}");
        }
        assert_same(&whole, &case);
        let _ = std::fs::remove_dir_all(&case);
    }
}

thread_local! {
    static SETUP: (PathBuf, PathBuf, PathBuf) = {
        let (base, file, whole) = setup("flip", false);
        staged(&base, &file);
        (base, file, whole)
    };
}

#[test]
fn a_duplicated_or_missing_entry_is_named_and_run_again() {
    let (base, file, whole) = setup("dup", false);
    let staging = staged(&base, &file);
    let mut m = manifest(&staging);
    let jobs = m["jobs"].as_array_mut().unwrap();
    let twice = jobs[5].clone();
    jobs.push(twice);
    // An entry whose log is gone.
    jobs[9]["file"] = "jobs/log-7.bin".into();
    std::fs::write(staging.join("manifest.json"), m.to_string()).unwrap();
    let cut = base.join("cut");
    let o = run(&file, &cut, &["--no-charts", "--resume"], &[]);
    ok(&o);
    let err = stderr(&o);
    assert!(err.contains("lists it 2 times"), "{err}");
    assert!(err.contains("log-7.bin"), "{err}");
    assert_same(&whole, &cut);
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_kill_at_every_phase_then_resume_gives_identical_files() {
    let (base, file, whole) = setup("phases", true);
    for phase in ["simulating", "assembling", "charts", "report", "publish"] {
        let out = base.join(phase);
        let o = run(&file, &out, &[], &[("ORGSIM_TEST_ABORT_AT", phase)]);
        assert_eq!(o.status.code(), Some(137), "{phase}: {}", stderr(&o));
        assert!(!out.exists(), "{phase}: published before it was complete");
        ok(&run(&file, &out, &["--resume"], &[]));
        assert_same(&whole, &out);
    }
    // Over a previous complete folder: the old one stays until the new one
    // is whole.
    let out = base.join("publish");
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    let o = run(
        &file,
        &out,
        &["--force", "--seed", "5"],
        &[("ORGSIM_TEST_ABORT_AT", "report")],
    );
    assert_eq!(o.status.code(), Some(137));
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), before);
    let _ = std::fs::remove_dir_all(base);
}

/// A run another orgsim build started is not resumed by this one unless
/// `--any-build` says so, and then the manifest lists both builds.
#[test]
fn a_resume_by_another_build_is_refused_unless_asked_and_then_recorded() {
    let (base, file, whole) = setup("build", false);
    let out = base.join("out");
    let o = run(&file, &out, &[], &[("ORGSIM_TEST_ABORT_AT", "simulating")]);
    assert_eq!(o.status.code(), Some(137), "{}", stderr(&o));
    let staged = base.join(".out.partial").join("manifest.json");
    let text = std::fs::read_to_string(&staged).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["orgsim_version"] = "0.0.1 (elsewhere)".into();
    std::fs::write(&staged, serde_json::to_string(&m).unwrap()).unwrap();
    let o = run(&file, &out, &["--resume"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("different orgsim builds") && stderr(&o).contains("--any-build"),
        "{}",
        stderr(&o)
    );
    ok(&run(&file, &out, &["--resume", "--any-build"], &[]));
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        published["combined_builds"],
        serde_json::json!(["0.0.1 (elsewhere)"])
    );
    assert_eq!(published["orgsim_version"], orgsim_version());
    // The jobs themselves were this build's, so the files are a whole run's.
    for f in ["summary.csv", "timeseries.csv", "comparison.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn merge_runs_again_a_damaged_shard_result() {
    let (base, file, whole) = setup("merge", false);
    let mut dirs = Vec::new();
    for i in 1..=2 {
        let d = base.join(format!("s{i}"));
        ok(&run(&file, &d, &["--shard", &format!("{i}/2")], &[]));
        dirs.push(d);
    }
    // A bit flipped inside shard 2's first fragment.
    let m = manifest(&dirs[1]);
    let j = &m["jobs"][0];
    let log = dirs[1].join(j["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[j["offset"].as_u64().unwrap() as usize + 100] ^= 4;
    std::fs::write(&log, bytes).unwrap();
    let merged = base.join("merged");
    let o = orgsim(
        &[
            "merge",
            s(&dirs[0]),
            s(&dirs[1]),
            "--out",
            s(&merged),
            "--quiet",
            "--no-charts",
        ],
        &[],
    );
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("variant {} (", j["variant"]))
            && err.contains(&format!("replication {}, seed 77", j["replication"]))
            && err.contains("does not match its checksum"),
        "{err}"
    );
    assert_same(&whole, &merged);
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_failed_replication_is_retried_by_resume() {
    let (base, file, whole) = setup("retry", false);
    let out = base.join("out");
    let o = run(
        &file,
        &out,
        &["--no-charts"],
        &[("ORGSIM_TEST_PANIC_JOB", "3:1"), ("RUST_BACKTRACE", "0")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["complete"], false);
    assert_eq!(m["jobs"].as_array().unwrap().len(), 23);
    ok(&run(&file, &out, &["--no-charts", "--resume"], &[]));
    assert_same(&whole, &out);
    assert!(manifest(&out)["failed"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn force_replaces_only_a_folder_orgsim_wrote() {
    let (base, file, whole) = setup("force", false);
    // A user's own folder, and a file.
    let mine = base.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "keep me").unwrap();
    let afile = base.join("afile");
    std::fs::write(&afile, "keep me too").unwrap();
    for target in [&mine, &afile] {
        let o = run(&file, target, &["--no-charts", "--force"], &[]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.contains("not a results folder orgsim wrote") && err.contains(s(target)),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(mine.join("thesis.tex")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_to_string(&afile).unwrap(), "keep me too");
    // orgsim's own folder is replaced.
    ok(&run(
        &file,
        &whole,
        &["--no-charts", "--force", "--seed", "5"],
        &[],
    ));
    assert_eq!(manifest(&whole)["seed"], 5);
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_second_writer_is_refused_at_once_and_no_partial_file_is_published() {
    let (base, file, _) = setup("writers", false);
    let out = base.join("out");
    let long = |out: &Path| {
        Command::new(BIN)
            .args([
                "run",
                s(&file),
                "--out",
                s(out),
                "--quiet",
                "--no-charts",
                "--force",
                "--replications",
                "40",
                "--threads",
                "1",
            ])
            .env("CI", "true")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for _ in 0..3 {
        let a = long(&out);
        let b = long(&out);
        let (oa, ob) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        // One ran, the other was refused naming the holder (or ran after it).
        let refused: Vec<&Output> = [&oa, &ob]
            .into_iter()
            .filter(|o| !o.status.success())
            .collect();
        for o in &refused {
            let err = stderr(o);
            assert!(
                err.contains("being written by another orgsim") && err.contains("process"),
                "{err}"
            );
        }
        assert!(refused.len() < 2);
        let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        assert_eq!(summary.lines().count(), 1 + 6 * 40);
        let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        assert_eq!(ts.lines().count(), 1 + 6 * 40 * 120);
    }
    let _ = std::fs::remove_dir_all(base);
}

/// Every file under a folder, recursively.
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

#[test]
fn no_name_from_the_org_chart_reaches_a_results_file() {
    let base = tmp("names");
    let out = base.join("acme");
    let o = orgsim(
        &[
            "run",
            "scenarios/acme-as-peers.toml",
            "--out",
            s(&out),
            "--replications",
            "2",
        ],
        &[],
    );
    ok(&o);
    let mut rdr = csv::Reader::from_path("scenarios/data/acme.csv").unwrap();
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "name")
        .unwrap();
    let names: Vec<String> = rdr
        .records()
        .map(|r| r.unwrap()[col].to_string())
        .filter(|n| !n.is_empty())
        .collect();
    assert!(names.len() > 100, "{} names", names.len());
    let mut paths = Vec::new();
    all_files(&out, &mut paths);
    assert!(paths.iter().any(|p| p.ends_with("report.html")));
    assert!(paths.iter().any(|p| p.ends_with("org_chart-acme.csv")));
    let printed =
        String::from_utf8_lossy(&[o.stdout.clone(), o.stderr.clone()].concat()).into_owned();
    for p in &paths {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        for n in &names {
            assert!(!text.contains(n.as_str()), "{n} appears in {p:?}");
            assert!(
                !printed.contains(n.as_str()),
                "{n} appears in the terminal output"
            );
        }
    }
    let _ = std::fs::remove_dir_all(base);
}
