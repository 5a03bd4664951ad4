//! `[stop]`: collapse conditions end a replication and the files say so;
//! `when = "absorbed"` reports where March's runs settled; `record =
//! "final"` keeps only the last step. Bad `[stop]` sections are errors with
//! file, line, key and the valid choices.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{assert_has, parse_error as error};
use orgsim::scenario::parse;

const BIN: &str = env!("CARGO_BIN_EXE_orgsim");

/// A 120-person hierarchy under heavy demand whose backlog passes 200 in
/// every run without delegation and in some with full delegation
/// (measured: 12 of 12 and 8 of 12).
const COLLAPSING: &str = r#"name = "collapsing"
steps = 400
replications = 12
seed = 9
[analysis]
warmup = 0
[defaults]
members = 120
arrival_rate = 0.25
[[variant]]
name = "h"
structure = "hierarchy"
[sweep]
delegation = [0.0, 1.0]
[stop]
collapse = ["backlog > 200", "headcount < 0.9 * members"]
"#;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-stop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let o = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--quiet", "--threads", "2"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head = lines.next().unwrap().split(',').map(String::from).collect();
    (
        head,
        lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect(),
    )
}

fn col(head: &[String], name: &str) -> usize {
    head.iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn a_collapse_ends_the_replication_and_every_file_says_so() {
    let dir = tmp("collapse");
    let out = run(&dir, COLLAPSING);
    let (h, summary) = rows(&out.join("summary.csv"));
    let (cs, cr) = (col(&h, "stop_step"), col(&h, "stop_reason"));
    let stop = |v: &str, r: &str| -> (usize, String) {
        let row = summary.iter().find(|x| x[0] == v && x[1] == r).unwrap();
        (row[cs].parse().unwrap(), row[cr].clone())
    };
    let collapsed: Vec<&Vec<String>> = summary
        .iter()
        .filter(|x| x[cr].starts_with("collapsed:"))
        .collect();
    assert!(
        !collapsed.is_empty() && collapsed.len() < summary.len(),
        "some runs should collapse and some not"
    );
    for x in &summary {
        let s: usize = x[cs].parse().unwrap();
        match x[cr].as_str() {
            "completed" => assert_eq!(s, 399),
            // A run can collapse on its last step too.
            "collapsed:backlog > 200" | "collapsed:headcount < 0.9 * members" => {
                assert!(s <= 399)
            }
            other => panic!("unexpected stop_reason {other}"),
        }
    }
    // The time series of a collapsed run ends at its collapse, where the
    // condition holds; a completed run has every step.
    let (th, ts) = rows(&out.join("timeseries.csv"));
    let (backlog, headcount) = (col(&th, "backlog"), col(&th, "headcount"));
    for x in &summary {
        let (s, why) = stop(&x[0], &x[1]);
        let mine: Vec<&Vec<String>> = ts.iter().filter(|r| r[0] == x[0] && r[1] == x[1]).collect();
        assert_eq!(
            mine.len(),
            s + 1,
            "{} rep {}: rows to the stop step",
            x[0],
            x[1]
        );
        let last = mine.last().unwrap();
        assert_eq!(last[2], s.to_string());
        if why == "collapsed:backlog > 200" {
            assert!(last[backlog].parse::<f64>().unwrap() > 200.0);
            // It had not collapsed before.
            assert!(
                mine[..s]
                    .iter()
                    .all(|r| r[backlog].parse::<f64>().unwrap() <= 200.0)
            );
        }
        if why.starts_with("collapsed:headcount") {
            assert!(last[headcount].parse::<f64>().unwrap() < 108.0);
        }
    }
    // Aggregates: statistics over the runs still alive, with the count of
    // collapsed ones beside them; n + collapsed = replications.
    let (ah, agg) = rows(&out.join("aggregate.csv"));
    let (cn, cc, cstep) = (col(&ah, "n"), col(&ah, "collapsed"), col(&ah, "step"));
    for r in agg.iter().filter(|r| r[2] == "backlog") {
        let step: usize = r[cstep].parse().unwrap();
        let dead = summary
            .iter()
            .filter(|x| x[0] == r[0] && x[cr] != "completed")
            .filter(|x| x[cs].parse::<usize>().unwrap() < step)
            .count();
        assert_eq!(r[cc], dead.to_string(), "{} step {step}", r[0]);
        assert_eq!(r[cn].parse::<usize>().unwrap() + dead, 12);
    }
    // The report and the time-series charts say how per-step statistics
    // treat them.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let n = collapsed.len();
    assert!(
        report.contains(&format!("{n} of 24 runs collapsed")),
        "report.md does not count the collapses"
    );
    let chart = std::fs::read_to_string(out.join("charts").join("timeseries_backlog.svg")).unwrap();
    assert!(
        chart.contains(&format!(
            "{n} runs collapsed: after a collapse, over the runs still alive"
        )),
        "the backlog chart does not say how it treats collapsed runs"
    );
    let _ = std::fs::remove_dir_all(dir);
}

const MARCH: &str = r#"name = "march"
model = "march1991"
steps = 300
replications = 10
seed = 4
record = "final"
[defaults]
p1 = 0.5
p2 = 0.5
[[variant]]
name = "m"
[stop]
when = "absorbed"
"#;

#[test]
fn absorbed_runs_say_where_they_settled_and_a_final_record_keeps_the_last_step() {
    let dir = tmp("absorbed");
    let out = run(&dir, MARCH);
    let (h, summary) = rows(&out.join("summary.csv"));
    let (cs, cr) = (col(&h, "stop_step"), col(&h, "stop_reason"));
    for x in &summary {
        assert_eq!(x[cr], "absorbed");
        assert!(x[cs].parse::<usize>().unwrap() < 299);
    }
    let (th, ts) = rows(&out.join("timeseries.csv"));
    assert_eq!(ts.len(), 10, "one row per replication");
    assert!(ts.iter().all(|r| r[col(&th, "step")] == "299"));
    // Absorbed runs hold their state: no `collapsed` column, all 10 counted.
    let (ah, agg) = rows(&out.join("aggregate.csv"));
    assert!(!ah.iter().any(|c| c == "collapsed"));
    assert!(
        agg.iter()
            .all(|r| r[col(&ah, "n")] == "10" && r[1] == "299")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_stop_sections_name_the_line_the_key_and_the_choices() {
    let with = |stop: &str| {
        COLLAPSING.replace(
            "collapse = [\"backlog > 200\", \"headcount < 0.9 * members\"]",
            stop,
        )
    };
    let msg = error(&with("colapse = [\"backlog > 2\"]"));
    assert_has(
        &msg,
        &[
            "bad.toml:16:1",
            "`stop.colapse`",
            "did you mean `collapse`?",
        ],
    );
    let msg = error(&with("collapse = [\"backlg > 2\"]"));
    assert_has(
        &msg,
        &[
            "bad.toml:16:13",
            "`stop.collapse`",
            "`backlg` is not a metric",
            "did you mean `backlog`?",
        ],
    );
    let msg = error(&with("collapse = [\"backlog = 2\"]"));
    assert_has(
        &msg,
        &[
            "`stop.collapse`",
            "has no comparison",
            "OP one of <, <=, >, >=",
        ],
    );
    let msg = error(&with("collapse = [\"backlog > lots\"]"));
    assert_has(&msg, &["`lots` is neither a number nor a parameter"]);
    let msg = error(&with("collapse = [\"backlog > 2 * membrs\"]"));
    assert_has(&msg, &["did you mean `members`?"]);
    let msg = error(&with("collapse = \"backlog > 2\""));
    assert_has(&msg, &["`stop.collapse`", "expected a list of conditions"]);
    let msg = error(&with("when = \"settled\""));
    assert_has(
        &msg,
        &[
            "`stop.when`",
            "unknown stop `settled`",
            "valid values: absorbed",
        ],
    );
    let msg = error(&with("when = \"absorbed\""));
    assert_has(&msg, &["`stop.when`", "never reports an absorbing state"]);
    let msg = error(&COLLAPSING.replace("seed = 9", "seed = 9\nrecord = \"last\""));
    assert_has(
        &msg,
        &[
            "bad.toml:5:10",
            "`record`",
            "unknown record `last`",
            "valid values: all, final",
        ],
    );
    // Beside counterfactual twins (an event, twins on by default).
    let msg = error(&format!(
        "{COLLAPSING}[[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = 100\n"
    ));
    assert_has(
        &msg,
        &["`stop.collapse`", "counterfactual twins", "twins = false"],
    );
    // Numbers, `<=` and a bare parameter parse; the text is kept normalized.
    let s = parse(
        "ok.toml",
        with("collapse = [\"backlog>=2.50\", \"headcount <= members\"]").as_bytes(),
    )
    .unwrap();
    let texts: Vec<&str> = s.stop.collapse.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["backlog >= 2.5", "headcount <= members"]);
}
