//! Nothing accepted and then ignored, nothing endless: settings that would
//! name nothing or be ignored are errors with file, line, key and the fix;
//! limits are the same for the file and the command line; inputs that are
//! not regular files are refused before they are read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use orgsim::scenario::parse_in;

const BIN: &str = env!("CARGO_BIN_EXE_orgsim");

const GOOD: &str = r#"name = "ok"
steps = 100
replications = 2
seed = 1
[defaults]
members = 30
[[variant]]
name = "h"
structure = "hierarchy"
[[event]]
kind = "departure"
target = "top"
at = 50
"#;

const CHART: &str = "id,manager_id,name\nceo,,Ann\nm1,ceo,Bo\nm2,ceo,Cy\na,m1,Di\nb,m1,Ed\nc,m2,Flo\nd,m2,Gus\ne,m2,Hal\n";

/// A fresh folder per call: tests run in parallel threads of one process,
/// and a shared folder was removed under another test's feet.
fn tmp(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("orgsim-inputs-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The error for `text` (a chart `small.csv` beside it), which must name
/// every part.
fn refused(text: &str, parts: &[&str]) {
    let dir = tmp("parse");
    std::fs::write(dir.join("small.csv"), CHART).unwrap();
    let msg = match parse_in("bad.toml", text.as_bytes(), &dir) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    };
    for p in parts {
        assert!(msg.contains(p), "message lacks {p:?}:\n{msg}");
    }
    assert!(msg.contains("help:"), "no fix offered:\n{msg}");
}

fn orgsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CI", "true")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_good_file_still_parses() {
    parse_in("good.toml", GOOD.as_bytes(), Path::new("")).unwrap();
}

#[test]
fn events_that_would_target_nothing_are_refused() {
    let post = GOOD.replace("target = \"top\"", "target = \"post\"\npost = 99999");
    refused(
        &post,
        &[
            "bad.toml:13:",
            "`event[1].post`",
            "post 99999 does not exist",
            "variant `h`",
        ],
    );
    let level = GOOD.replace(
        "target = \"top\"",
        "target = \"leaders\"\nshare = 0.5\nlevel = 50",
    );
    refused(
        &level,
        &[
            "`event[1].level`",
            "no leaders at level 50",
            "variant `h` has leaders at level",
        ],
    );
    // An existing post and level are fine.
    let fine = GOOD.replace(
        "target = \"top\"",
        "target = \"leaders\"\nshare = 0.5\nlevel = 1",
    );
    parse_in("ok.toml", fine.as_bytes(), Path::new("")).unwrap();
    let fine = GOOD.replace("target = \"top\"", "target = \"post\"\npost = 1");
    parse_in("ok.toml", fine.as_bytes(), Path::new("")).unwrap();
}

#[test]
fn event_keys_that_would_be_ignored_are_refused() {
    let no_share = GOOD.replace("target = \"top\"", "target = \"leaders\"");
    refused(
        &no_share,
        &[
            "bad.toml:12:",
            "`event[1].share`",
            "every leader would leave",
        ],
    );
    let random = GOOD.replace("target = \"top\"", "target = \"random\"");
    refused(&random, &["every member would leave"]);
    let duration = GOOD.replace("at = 50", "at = 50\nduration = 10");
    refused(
        &duration,
        &[
            "bad.toml:14:",
            "`event[1].duration`",
            "would be ignored",
            "layoff",
        ],
    );
}

#[test]
fn what_an_org_chart_fixes_cannot_be_set_or_swept_beside_it() {
    let charted = GOOD.replace("[defaults]", "org_chart = \"small.csv\"\n[defaults]");
    refused(&charted, &["`defaults.members`", "set by the org chart"]);
    let in_variant = GOOD.replace("[defaults]\nmembers = 30\n", "").replace(
        "structure = \"hierarchy\"",
        "structure = \"hierarchy\"\norg_chart = \"small.csv\"\nspan = 4",
    );
    refused(
        &in_variant,
        &["`variant `h`.span`", "set by this variant's org chart"],
    );
    let swept = format!(
        "{}[sweep]\nmembers = [30, 60]\n",
        GOOD.replace("[defaults]\nmembers = 30\n", "org_chart = \"small.csv\"\n")
    );
    refused(
        &swept,
        &[
            "`sweep.members`",
            "every point of this sweep would simulate the same organization",
        ],
    );
}

#[test]
fn sweeps_that_would_sample_nothing_or_repeat_a_point_are_refused() {
    let lhs = format!("{GOOD}[sweep]\nmethod = \"latin-hypercube\"\npoints = 10\n");
    refused(&lhs, &["`sweep`", "no parameters samples nothing"]);
    let near = format!("{GOOD}[sweep]\ndelegation = [0.1, 0.5, 0.1000000000001]\n");
    refused(
        &near,
        &["`sweep.delegation`", "0.1 and 0.1000000000001", "one point"],
    );
    let apart = format!("{GOOD}[sweep]\ndelegation = [0.1, 0.1001]\n");
    parse_in("ok.toml", apart.as_bytes(), Path::new("")).unwrap();
}

#[test]
fn a_warmup_is_read_and_must_leave_steps_to_measure() {
    let long = format!("{GOOD}[analysis]\nwarmup = 100\n");
    refused(
        &long,
        &["`analysis.warmup`", "leaves none of the run's 100 steps"],
    );
    let read = format!("{GOOD}[analysis]\nwarmup = 7\n");
    let s = parse_in("ok.toml", read.as_bytes(), Path::new("")).unwrap();
    assert_eq!(s.analysis.warmup, 7);
}

#[test]
fn the_file_and_the_command_line_share_their_limits() {
    refused(
        &GOOD.replace("seed = 1", "seed = 9223372036854775808"),
        &["`seed`", "0 to 9223372036854775807"],
    );
    let dir = tmp("limits");
    let file = dir.join("ok.toml");
    std::fs::write(&file, GOOD).unwrap();
    let f = file.to_str().unwrap();
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    for (flag, value, range) in [
        ("--threads", "100000", "0 to 1024"),
        ("--steps", "2000000", "1 to 1000000"),
        ("--replications", "2000000", "1 to 1000000"),
        ("--seed", "9223372036854775808", "0 to 9223372036854775807"),
    ] {
        let t0 = Instant::now();
        let r = orgsim(&["run", f, "--out", o, flag, value]);
        assert_eq!(r.status.code(), Some(1), "{flag} {value}");
        let err = stderr(&r);
        assert!(err.contains(flag) && err.contains(range), "{err}");
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert!(!out.exists());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pipes_and_devices_are_refused_before_they_are_read() {
    let dir = tmp("fifo");
    let fifo = dir.join("chart.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let mut paths = vec![PathBuf::from("/dev/zero"), dir.clone()];
    if made.is_ok_and(|s| s.success()) {
        paths.push(fifo);
    }
    for p in &paths {
        let t0 = Instant::now();
        let o = orgsim(&[
            "chart",
            p.to_str().unwrap(),
            "--out",
            dir.join("x.svg").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
        let scenario = dir.join("s.toml");
        std::fs::write(
            &scenario,
            GOOD.replace(
                "[defaults]\nmembers = 30\n",
                &format!("org_chart = {:?}\n", p.to_str().unwrap()),
            ),
        )
        .unwrap();
        let o = orgsim(&["validate", scenario.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "{p:?} took {:?}",
            t0.elapsed()
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
