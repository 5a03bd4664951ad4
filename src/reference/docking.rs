//! Replication runner for the docking example and tests: runs a reference
//! model through the engine's [`ModelKind`] registry, replication `r` on
//! stream `(seed, variant, r)`, and returns per-step statistics across
//! replications. Replications run in parallel; the result does not depend on
//! the thread count, because each replication owns its stream and results
//! are folded in replication order.

use crate::model::{Model, ModelKind};
use crate::rng;
use crate::stats::OnlineStats;
use rayon::prelude::*;

/// Per metric, per step: statistics across replications.
pub struct Curves {
    pub stats: Vec<Vec<OnlineStats>>,
    /// Per replication, the metrics of every step (step-major).
    runs: Vec<Vec<f64>>,
    metrics: usize,
}

impl Curves {
    /// Statistics of `metric` at the last step.
    pub fn last(&self, metric: usize) -> OnlineStats {
        *self.stats[metric].last().expect("at least one step")
    }

    /// Statistics of `metric` at step `t` (0-based).
    pub fn at(&self, metric: usize, t: usize) -> OnlineStats {
        self.stats[metric][t]
    }

    /// Statistics across replications of each replication's mean of
    /// `metric` over the steps in `steps` (0-based).
    pub fn window(&self, metric: usize, steps: std::ops::Range<usize>) -> OnlineStats {
        let mut s = OnlineStats::new();
        let len = steps.len() as f64;
        for trace in &self.runs {
            let sum: f64 = steps
                .clone()
                .map(|t| trace[t * self.metrics + metric])
                .sum();
            s.push(sum / len);
        }
        s
    }
}

/// Runs `reps` replications of `steps` periods of `kind` with parameter
/// `values` (in the order of the kind's specs) and `structure`.
pub fn replicate(
    kind: ModelKind,
    values: &[f64],
    structure: &str,
    steps: usize,
    reps: u64,
    seed: u64,
    variant: u64,
) -> Curves {
    let build = |s: rng::Stream| kind.build(values, structure, None, &[], s);
    replicate_with(build, kind.metric_names().len(), steps, reps, seed, variant)
}

/// Like [`replicate`] for a model built by `build` from its stream (to run
/// variants the parameter table does not expose, such as single rules).
pub fn replicate_with<F>(
    build: F,
    metrics: usize,
    steps: usize,
    reps: u64,
    seed: u64,
    variant: u64,
) -> Curves
where
    F: Fn(rng::Stream) -> Box<dyn Model> + Sync,
{
    let runs: Vec<Vec<f64>> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let mut model = build(rng::stream(seed, variant, r));
            let mut out = vec![0.0; metrics];
            let mut trace = Vec::with_capacity(steps * metrics);
            for _ in 0..steps {
                model.step(&mut out);
                trace.extend_from_slice(&out);
            }
            trace
        })
        .collect();
    let mut stats = vec![vec![OnlineStats::new(); steps]; metrics];
    for trace in &runs {
        for t in 0..steps {
            for (k, s) in stats.iter_mut().enumerate() {
                s[t].push(trace[t * metrics + k]);
            }
        }
    }
    Curves {
        stats,
        runs,
        metrics,
    }
}

/// `mean ± half-width` of a 95% CI, for tables.
pub fn fmt(s: &OnlineStats) -> String {
    format!("{:.3} ± {:.3}", s.mean(), s.ci95_half_width())
}
