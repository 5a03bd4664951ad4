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
