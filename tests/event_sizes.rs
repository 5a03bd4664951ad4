//! `orgsim validate` and the report say how many people each event removes.

use orgsim::scenario::parse;

#[test]
fn departures_and_layoffs_state_their_size() {
    let s = parse(
        "ev.toml",
        br#"
name = "ev"
steps = 100
replications = 2
[defaults]
members = 60
[[variant]]
name = "hierarchy"
structure = "hierarchy"
[[variant]]
name = "peer"
structure = "peer"
[[event]]
kind = "departure"
target = "leaders"
share = 0.5
level = 2
at = 50
label = "half the level-2 leaders leave"
[[event]]
kind = "layoff"
target = "random"
share = 0.2
at = 70
[[event]]
kind = "demand"
factor = 1.5
at = 80
duration = 10
[[event]]
kind = "departure"
target = "top"
at = 90
"#,
    )
    .unwrap();
    let lines = s.event_size_lines();
    // 60 people in teams of 6 under spans of 4: 3 level-2 units; half of 3
    // rounds to 2 (as the event itself does).
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("event 1 “half the level-2 leaders leave”")
            && lines[0].ends_with("removes 2 of 3 leaders in every variant"),
        "{lines:?}"
    );
    assert!(
        lines[1].ends_with("removes 12 of 60 members in every variant"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("event 4 “top leader leaves”")
            && lines[2].ends_with("removes 1 top leader in every variant"),
        "{lines:?}"
    );
}
