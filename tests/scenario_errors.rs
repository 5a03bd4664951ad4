//! Bad scenario files get a clear message naming file, line, column and key,
//! what was expected and how to fix it; never a panic.

mod common;
use common::{assert_has, parse_error as error};
use orgsim::scenario::parse;

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

#[test]
fn the_good_file_parses() {
    let s = parse("good.toml", GOOD.as_bytes()).unwrap();
    assert_eq!(s.variants.len(), 1);
    assert_eq!(s.events.len(), 1);
}

#[test]
fn wrong_type() {
    let msg = error(&GOOD.replace("members = 30", "members = \"thirty\""));
    assert_has(
        &msg,
        &[
            "bad.toml:6:11",
            "`defaults.members`",
            "expected a whole number in 2 ..= 2000000",
            "the text \"thirty\"",
        ],
    );
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let msg = error(&GOOD.replace(
        "structure = \"hierarchy\"",
        "structure = \"hierarchy\"\ndelegaton = 0.5",
    ));
    assert_has(
        &msg,
        &[
            "bad.toml:10:1",
            "unknown parameter `delegaton`",
            "did you mean `delegation`?",
        ],
    );
    let msg = error(&GOOD.replace("seed = 1", "sed = 1"));
    assert_has(
        &msg,
        &["bad.toml:4:1", "unknown key `sed`", "did you mean `seed`?"],
    );
}

#[test]
fn out_of_range_and_non_finite_numbers() {
    let msg = error(&GOOD.replace("members = 30", "members = 30\ndelegation = 1.5"));
    assert_has(
        &msg,
        &[
            "bad.toml:7:14",
            "`defaults.delegation`",
            "1.5 is out of range: expected 0 ..= 1",
        ],
    );
    let msg = error(&GOOD.replace("members = 30", "members = 30\nescalation = nan"));
    assert_has(&msg, &["`defaults.escalation`", "expected a finite number"]);
    let msg = error(&GOOD.replace("members = 30", "members = 30.5"));
    assert_has(&msg, &["expected a whole number"]);
}

#[test]
fn empty_organizations() {
    let msg = error(&GOOD.replace("members = 30", "members = 0"));
    assert_has(&msg, &["`defaults.members`", "0 is out of range"]);
    let no_variants = GOOD.replace("[[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\n", "");
    assert_has(
        &error(&no_variants),
        &["no organization variants", "[[variant]]"],
    );
    let msg = error(&GOOD.replace("structure = \"hierarchy\"", "structure = \"hierarchie\""));
    assert_has(
        &msg,
        &[
            "bad.toml:9:13",
            "unknown structure `hierarchie`",
            "did you mean `hierarchy`?",
        ],
    );
    let msg = error(&GOOD.replace("structure = \"hierarchy\"\n", ""));
    assert_has(
        &msg,
        &["missing `structure`", "hierarchy, leader-leader, peer"],
    );
}

#[test]
fn events_past_the_last_step_or_at_zero() {
    let msg = error(&GOOD.replace("at = 50", "at = 100"));
    assert_has(
        &msg,
        &[
            "bad.toml:13:6",
            "`event[1].at`",
            "step 100 is past the last step (99)",
            "raise `steps`",
        ],
    );
    let msg = error(&GOOD.replace("at = 50", "at = 0"));
    assert_has(&msg, &["no steps before it"]);
    let msg = error(&GOOD.replace("kind = \"departure\"", "kind = \"departure\"\nfactor = 2"));
    assert_has(&msg, &["unknown key `factor`", "in a departure event"]);
    let msg = error(&GOOD.replace("target = \"top\"", "target = \"ceo\""));
    assert_has(
        &msg,
        &[
            "unknown target `ceo`",
            "top, leaders, most-skilled, random, post",
        ],
    );
    let msg = error(&GOOD.replace(
        "kind = \"departure\"\ntarget = \"top\"",
        "kind = \"demand\"\nfactor = 2",
    ));
    assert_has(&msg, &["a demand event needs a duration"]);
}

#[test]
fn sweeps_with_no_values_or_unknown_parameters() {
    let msg = error(&format!("{GOOD}[sweep]\ndelegation = []\n"));
    assert_has(&msg, &["`sweep.delegation`", "at least one value"]);
    let msg = error(&format!("{GOOD}[sweep]\ndelegatoin = [0.1]\n"));
    assert_has(
        &msg,
        &[
            "unknown parameter `delegatoin`",
            "did you mean `delegation`?",
        ],
    );
    let msg = error(&format!("{GOOD}[sweep]\ndelegation = [0.1, 2.0]\n"));
    assert_has(&msg, &["2 is out of range"]);
}

#[test]
fn duplicate_variant_names_and_missing_name() {
    let msg = error(&format!(
        "{GOOD}[[variant]]\nname = \"h\"\nstructure = \"peer\"\n"
    ));
    assert_has(&msg, &["two variants are named `h`"]);
    let msg = error(&GOOD.replace("name = \"ok\"\n", ""));
    assert_has(&msg, &["missing `name`"]);
    let msg = error(&GOOD.replace("name = \"ok\"", "name = \"../../etc\""));
    assert_has(&msg, &["cannot be used as a results folder name"]);
}

#[test]
fn syntax_errors_and_bad_bytes() {
    let msg = error(&GOOD.replace("members = 30", "members = = 30"));
    assert_has(&msg, &["bad.toml:6:", "not valid TOML"]);
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.splice(20..20, [0xff, 0xfe]);
    let e = parse("bad.toml", &bytes).unwrap_err().to_string();
    assert_has(
        &e,
        &["bad.toml:2:", "not valid UTF-8", "save the file as UTF-8"],
    );
}

#[test]
fn several_errors_are_reported_together() {
    let msg = error(&GOOD.replace("members = 30", "members = 0\ndelegation = 7"));
    assert_eq!(msg.matches("error:").count(), 2, "{msg}");
}

#[test]
fn huge_sweeps_are_refused() {
    let values: Vec<String> = (0..400).map(|i| format!("{}", i as f64 / 400.0)).collect();
    let v = values.join(", ");
    let msg = error(&format!(
        "{GOOD}[sweep]\ndelegation = [{v}]\nescalation = [{}]\ncoaching = [{v}]\n",
        values[..300].join(", ")
    ));
    assert_has(&msg, &["more than 100000 variants"]);
}
