//! Bounded fuzzing of what a user hands orgsim: mutated org-chart bytes and
//! scenario settings that are well-formed but impossible or ineffective.
//! Each case must end (a watchdog fails a case that takes more than a few
//! seconds: a hang), never panic, and never be silently accepted. The case
//! counts keep this to a few seconds of CI.

use std::sync::mpsc;
use std::time::Duration;

use orgsim::org::chart;
use orgsim::scenario::{parse, parse_in};
use proptest::prelude::*;

/// The head of the shipped example chart: a CEO, vice-presidents, managers
/// and their teams, with every optional column.
fn base_chart() -> Vec<u8> {
    let text = include_str!("../scenarios/data/acme.csv");
    let head: Vec<&str> = text.lines().take(40).collect();
    (head.join("\n") + "\n").into_bytes()
}

/// Runs `f` on another thread and fails the case if it has not finished in
/// `secs` seconds (a panic inside `f` fails the case too).
fn within<T: Send + 'static>(secs: u64, what: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer within {secs} s: {what}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(p) => std::panic::resume_unwind(p),
            Ok(()) => unreachable!("the worker ended without sending"),
        },
    }
}

/// A fresh folder under the system's temporary folder for one case.
fn scratch() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "orgsim-fuzz-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One edit of a chart's bytes: overwrite, insert or delete at a position,
/// with the bytes spreadsheets and hand edits typically bring in.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        prop::sample::select(vec![
            b';', b'"', b'\t', b'\0', b'\n', b',', b'\r', 0xFF, 0xC3, b' '
        ]),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Set(i, b) if !bytes.is_empty() => bytes[i % n] = b,
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            _ => {}
        }
    }
    bytes
}

/// A scenario over a 30-person organization with one extra line in a
/// variant, and one event table.
fn scenario(variant_line: &str, event: &str, extra: &str) -> String {
    format!(
        "name = \"fuzz\"\nsteps = 60\nreplications = 2\n{extra}\n[defaults]\nmembers = 30\n\n[[variant]]\nname = \"a\"\nstructure = \"hierarchy\"\n{variant_line}\n\n[[variant]]\nname = \"b\"\nstructure = \"peer\"\n\n{event}\n"
    )
}

fn refused(text: String) -> Result<(), TestCaseError> {
    let shown = text.clone();
    let verdict = within(10, shown.clone(), move || {
        parse("fuzz.toml", text.as_bytes())
            .err()
            .map(|e| e.to_string())
    });
    match verdict {
        Some(msg) => {
            // Every refusal says where.
            prop_assert!(msg.contains("fuzz.toml:"), "no location in: {msg}");
            Ok(())
        }
        None => Err(TestCaseError::fail(format!("silently accepted:\n{shown}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// A damaged chart is read or refused with its rows, promptly.
    #[test]
    fn mutated_charts_are_read_or_refused_never_panic_or_hang(
        edits in prop::collection::vec(edit(), 1..8)
    ) {
        let bytes = apply(base_chart(), &edits);
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        let result = within(10, shown, move || chart::parse("c.csv", &bytes).map(|c| c.len()).map_err(|e| e.to_string()));
        match result {
            Ok(people) => prop_assert!(people >= 2),
            Err(msg) => prop_assert!(msg.starts_with("error: c.csv: "), "{msg}"),
        }
    }

    /// The same damaged chart named by a scenario: refused through the
    /// scenario with the file and line of `org_chart`.
    #[test]
    fn mutated_charts_behind_a_scenario_never_panic_or_hang(
        edits in prop::collection::vec(edit(), 1..4)
    ) {
        let dir = scratch();
        std::fs::write(dir.join("chart.csv"), apply(base_chart(), &edits)).unwrap();
        let text = "name = \"c\"\nsteps = 40\norg_chart = \"chart.csv\"\n[[variant]]\nname = \"a\"\nstructure = \"peer\"\n";
        let base = dir.clone();
        let result = within(10, "chart scenario".into(), move || parse_in("s.toml", text.as_bytes(), &base).err().map(|e| e.to_string()));
        let _ = std::fs::remove_dir_all(&dir);
        if let Some(msg) = result {
            prop_assert!(msg.contains("s.toml:"), "{msg}");
        }
    }

    /// Events aimed at a post or level the organization lacks do nothing:
    /// they must be refused, not run as if they were no event.
    #[test]
    fn events_aimed_at_nothing_are_refused(post in 200u64..10_000_000, level in 12u64..1000) {
        refused(scenario("", &format!("[[event]]\nkind = \"departure\"\ntarget = \"post\"\npost = {post}\nat = 30"), ""))?;
        refused(scenario("", &format!("[[event]]\nkind = \"departure\"\ntarget = \"leaders\"\nshare = 0.5\nlevel = {level}\nat = 30"), ""))?;
    }

    /// Settings the model would ignore are refused.
    #[test]
    fn ineffective_settings_are_refused(duration in 1u64..50, warmup in 60u64..500, x in 0.05f64..0.9) {
        // A departure has no duration (the people leave for good).
        refused(scenario("", &format!("[[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = 30\nduration = {duration}"), ""))?;
        // A `leaders` departure without a share would remove every leader.
        refused(scenario("", "[[event]]\nkind = \"departure\"\ntarget = \"leaders\"\nat = 30", ""))?;
        // A warm-up as long as the run leaves nothing to measure.
        refused(scenario("", "", &format!("[analysis]\nwarmup = {warmup}")))?;
        // Two sweep points that print the same are one point twice.
        refused(scenario("", "", &format!("[sweep]\ndelegation = [{x}, {}]", x + 1e-13)))?;
    }
}
