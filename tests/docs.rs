//! The documentation stays current: every parameter of every model is in
//! its document, and the README's test command is what CI runs.

use orgsim::model::ModelKind;

#[test]
fn every_organization_parameter_is_documented() {
    let doc = std::fs::read_to_string("docs/model.md").unwrap();
    for spec in ModelKind::Org.specs() {
        assert!(
            doc.contains(&format!("| `{}` |", spec.name)),
            "docs/model.md lacks `{}`",
            spec.name
        );
    }
    for m in ModelKind::Org.metric_names() {
        assert!(
            doc.contains(&format!("`{m}`")),
            "docs/model.md lacks metric `{m}`"
        );
    }
}

/// Every reference model's metrics are explained in docs/validation.md.
#[test]
fn every_reference_metric_is_documented() {
    let doc = std::fs::read_to_string("docs/validation.md").unwrap();
    for kind in ModelKind::ALL.iter().filter(|k| **k != ModelKind::Org) {
        let table = orgsim::metric::markdown_table(kind.metrics());
        assert!(
            doc.contains(&table),
            "docs/validation.md lacks the {} metric table; it should read:\n{table}",
            kind.name()
        );
    }
}

/// The parameter table in docs/model.md is `orgsim params --markdown`
/// verbatim, so every parameter's group and plausible range are documented.
#[test]
fn the_documented_parameter_table_is_the_generated_one() {
    let doc = std::fs::read_to_string("docs/model.md").unwrap();
    let table = orgsim::params::markdown_table(ModelKind::Org.specs());
    assert!(
        doc.contains(&table),
        "docs/model.md's parameter table differs from `orgsim params --markdown`; regenerate it"
    );
}

/// The practice bundles in docs/model.md are the ones the model has.
#[test]
fn the_documented_practice_bundles_are_the_generated_ones() {
    let doc = std::fs::read_to_string("docs/model.md").unwrap();
    let table = orgsim::params::practices_markdown(ModelKind::Org.practices());
    assert!(
        doc.contains(&table),
        "docs/model.md's practice bundles differ from `orgsim params --markdown`; they should read:\n{table}"
    );
}

/// Every model's plausible ranges lie inside the valid ones and name a source.
#[test]
fn every_plausible_range_is_valid_and_sourced() {
    for kind in ModelKind::ALL {
        for s in kind.specs() {
            let (lo, hi) = s.plausible;
            assert!(
                s.min <= lo && lo <= hi && hi <= s.max,
                "{} `{}`: plausible {} is not inside the valid {}",
                kind.name(),
                s.name,
                s.plausible_text(),
                s.range_text()
            );
            assert!(!s.source.trim().is_empty(), "`{}` has no source", s.name);
        }
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let ci = std::fs::read_to_string(".ci/run").unwrap();
    let cmd = "cargo test --release";
    assert!(readme.contains(cmd) && ci.contains(cmd));
}
