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

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let ci = std::fs::read_to_string(".ci/run").unwrap();
    let cmd = "cargo test --release";
    assert!(readme.contains(cmd) && ci.contains(cmd));
}
