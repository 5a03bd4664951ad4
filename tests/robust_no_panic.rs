//! The parser and validator never panic: not on arbitrary bytes, not on
//! arbitrary well-formed TOML with random keys and values in the places a
//! scenario has them.

use orgsim::scenario::parse;
use proptest::prelude::*;

/// A TOML value of any type, including edge numbers.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (-3i64..300).prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| if f.is_finite() {
            format!("{f:?}")
        } else {
            "nan".into()
        }),
        (-1.0f64..2.0).prop_map(|f| format!("{f:?}")),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("nan".to_string()),
        Just("18446744073709551616".to_string()),
        Just("0x7fffffffffffffff".to_string()),
        Just("1e308".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "[a-z\\-]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("1979-05-27T07:32:00Z".to_string()),
        prop::sample::select(vec![
            "\"hierarchy\"",
            "\"peer\"",
            "\"leader-leader\"",
            "\"departure\"",
            "\"layoff\"",
            "\"demand\"",
            "\"turbulence\"",
            "\"outage\"",
            "\"top\"",
            "\"leaders\"",
            "\"most-skilled\"",
            "\"random\"",
            "\"post\"",
            "\"organization\"",
        ])
        .prop_map(String::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(|v| format!("[{}]", v.join(", ")))
    })
}

fn key(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(names).prop_map(String::from),
        1 => "[a-z_]{1,10}",
    ]
}

const TOP: &[&str] = &[
    "name",
    "question",
    "description",
    "model",
    "steps",
    "replications",
    "seed",
];
const PARAMS: &[&str] = &[
    "members",
    "team_size",
    "span",
    "domains",
    "dedicated_leaders",
    "delegation",
    "escalation",
    "decision_capacity",
    "role_time",
    "consensus",
    "arrival_rate",
    "difficulty",
    "productivity",
    "backups",
    "hiring_delay",
    "promotion_delay",
    "promotion_prize",
    "relative_rewards",
    "help_credit",
    "practices",
    "name",
    "structure",
];
const EVENT: &[&str] = &[
    "kind",
    "at",
    "label",
    "duration",
    "rate",
    "target",
    "share",
    "level",
    "post",
    "factor",
    "magnitude",
];
const ANALYSIS: &[&str] = &["warmup", "baseline", "smoothing", "threshold"];

fn table(keys: &'static [&'static str], n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec((key(keys), value()), 0..n).prop_map(|kv| {
        let mut seen = std::collections::HashSet::new();
        kv.into_iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>()
    })
}

/// A structurally valid scenario document with random contents.
fn document() -> impl Strategy<Value = String> {
    (
        table(TOP, 8),
        prop::option::of(table(ANALYSIS, 5)),
        prop::option::of(table(PARAMS, 6)),
        prop::collection::vec(table(PARAMS, 6), 0..4),
        prop::collection::vec(table(EVENT, 7), 0..3),
        prop::option::of(table(PARAMS, 3)),
    )
        .prop_map(|(top, analysis, defaults, variants, events, sweep)| {
            let mut d = top;
            if let Some(a) = analysis {
                d.push_str(&format!("[analysis]\n{a}"));
            }
            if let Some(t) = defaults {
                d.push_str(&format!("[defaults]\n{t}"));
            }
            for v in variants {
                d.push_str(&format!("[[variant]]\n{v}"));
            }
            for e in events {
                d.push_str(&format!("[[event]]\n{e}"));
            }
            if let Some(s) = sweep {
                d.push_str(&format!("[sweep]\n{s}"));
            }
            d
        })
}

/// A valid base scenario with one line replaced by a random one, so that
/// validation runs deep rather than stopping at a missing name.
fn mutated() -> impl Strategy<Value = String> {
    const BASE: &str = "name = \"x\"\nsteps = 60\nreplications = 2\n[defaults]\nmembers = 30\n[[variant]]\nname = \"a\"\nstructure = \"peer\"\n[[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = 30\n[sweep]\ndelegation = [0.1, 0.9]\n";
    (0usize..14, key(PARAMS), value()).prop_map(|(line, k, v)| {
        let mut lines: Vec<String> = BASE.lines().map(String::from).collect();
        if !lines[line].starts_with('[') {
            lines[line] = format!("{k} = {v}");
        }
        lines.join("\n")
    })
}

fn check(text: &[u8]) {
    if let Ok(s) = parse("p.toml", text) {
        // A valid scenario's resolved form is valid again.
        let again = s.resolved_toml();
        parse("resolved.toml", again.as_bytes()).unwrap_or_else(|e| {
            panic!(
                "resolved form of\n{}\nfails: {e}\n{again}",
                String::from_utf8_lossy(text)
            )
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse("b.toml", &bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[\\[\\]a-z =\"0-9.,\\n#{}-]{0,300}") {
        let _ = parse("t.toml", text.as_bytes());
    }

    #[test]
    fn arbitrary_well_formed_scenarios_never_panic(doc in document()) {
        check(doc.as_bytes());
    }

    #[test]
    fn one_bad_line_in_a_good_scenario_never_panics(doc in mutated()) {
        check(doc.as_bytes());
    }
}

/// Found by `one_bad_line_in_a_good_scenario_never_panics`: a swept value
/// so small that its plain decimal form made the generated variant name
/// longer than a name may be, so the resolved file did not parse.
#[test]
fn tiny_and_huge_swept_values_keep_the_resolved_file_valid() {
    for v in ["2.143440062249231e-313", "1e-9", "0.3"] {
        let text = format!(
            "name = \"x\"\nsteps = 60\nreplications = 2\n[[variant]]\nname = \"a\"\nstructure = \"peer\"\n[sweep]\ndelegation = [{v}, 0.9]\narrival_rate = [0.2, 1e-7]\n"
        );
        assert!(parse("p.toml", text.as_bytes()).is_ok(), "{v}");
        check(text.as_bytes());
    }
}
