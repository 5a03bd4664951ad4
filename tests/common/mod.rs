//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::AtomicBool;

use orgsim::engine::{self, RunSummary};
use orgsim::scenario::{self, Scenario};

/// Parses a scenario from text, panicking with the error message if invalid.
pub fn scenario(text: &str) -> Scenario {
    scenario::parse("test.toml", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a scenario and returns the per-run summaries of each variant.
pub fn summaries(s: &Scenario) -> Vec<Vec<RunSummary>> {
    let mut out = vec![Vec::new(); s.variants.len()];
    let cancel = AtomicBool::new(false);
    engine::run::<()>(s, 0, &cancel, |r| {
        out[r.variant].push(r.summary);
        Ok(())
    })
    .unwrap();
    out
}

/// Index of a metric in the model's metric list.
pub fn metric(s: &Scenario, name: &str) -> usize {
    s.model
        .metric_names()
        .iter()
        .position(|m| *m == name)
        .unwrap()
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Welch's two-sided p-value (from the stats layer).
pub fn welch_p(a: &[f64], b: &[f64]) -> f64 {
    orgsim::stats::compare::welch_t_test(a, b).2
}

/// A structure's preset with `set` on top of the defaults.
pub fn org_params(
    structure: orgsim::org::Structure,
    set: &[(&str, f64)],
) -> orgsim::org::OrgParams {
    use orgsim::params::ParamSet;
    let mut p = orgsim::org::OrgParams::default();
    for (k, v) in structure.preset().iter().chain(set) {
        p.set(k, *v);
    }
    p
}

/// Per-step metric rows of one replication (stream `key`, `rep`), no events.
pub fn org_rows(
    p: &orgsim::org::OrgParams,
    structure: orgsim::org::Structure,
    key: u64,
    rep: u64,
    steps: usize,
) -> Vec<[f64; orgsim::org::N_METRICS]> {
    use orgsim::model::Model;
    let mut org =
        orgsim::org::Organization::new(p.clone(), structure, &[], orgsim::rng::stream(key, 0, rep));
    (0..steps)
        .map(|_| {
            let mut row = [0.0; orgsim::org::N_METRICS];
            org.step(&mut row);
            row
        })
        .collect()
}

/// Index of a metric of the organization model.
pub fn org_metric(name: &str) -> usize {
    orgsim::org::METRICS
        .iter()
        .position(|m| *m == name)
        .unwrap()
}

/// Parses `text` as `bad.toml` and returns the error message (panics if it
/// parses).
pub fn parse_error(text: &str) -> String {
    match scenario::parse("bad.toml", text.as_bytes()) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Asserts that `msg` contains every one of `parts`.
pub fn assert_has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message lacks {p:?}:\n{msg}");
    }
}
