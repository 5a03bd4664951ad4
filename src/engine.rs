//! Runs every variant × replication of a scenario in parallel and hands the
//! results to the caller *in job order*, so output is byte-identical whatever
//! the thread count. Knows nothing of files: the caller's sink writes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::analysis::{self, EventImpact};
use crate::rng;
use crate::scenario::Scenario;

/// One finished replication.
pub struct JobResult {
    pub variant: usize,
    pub replication: u32,
    /// `recorded steps × metrics`, row-major: every `record_every`-th step
    /// (see [`recorded_steps`]).
    pub series: Vec<f64>,
    pub summary: RunSummary,
    pub member_steps: u64,
}

/// Per-run measures.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// Coefficient of variation of the primary metric.
    pub stability: f64,
    /// Sum of the primary metric over the run.
    pub total: f64,
    /// Mean of every metric over the run.
    pub means: Vec<f64>,
    /// One per scheduled event, in file order.
    pub events: Vec<EventImpact>,
}

/// What the engine did.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunStats {
    pub jobs_done: u64,
    pub member_steps: u64,
    pub cancelled: bool,
}

/// Runs one replication of one variant.
pub fn run_job(
    s: &Scenario,
    variant: usize,
    replication: u32,
    events: &[crate::org::Event],
) -> JobResult {
    let v = &s.variants[variant];
    let stream_variant = if s.common_streams { 0 } else { variant as u64 };
    let stream = rng::stream(s.seed, stream_variant, replication as u64);
    let chart = v.chart.as_ref().map(|c| &*c.chart);
    let mut model = s
        .model
        .build(&v.values, &v.structure, chart, events, stream);
    let k = s.model.metric_names().len();
    let steps = s.steps as usize;
    let mut series = vec![0.0; steps * k];
    for row in series.chunks_exact_mut(k) {
        model.step(row);
    }
    let summary = summarize(s, &series, k);
    let every = s.record_every.max(1) as usize;
    if every > 1 {
        // Thin in place: row i keeps step i × every. Summaries used every step.
        let kept = recorded_steps(s);
        for i in 1..kept {
            series.copy_within(i * every * k..(i * every + 1) * k, i * k);
        }
        series.truncate(kept * k);
        series.shrink_to_fit();
    }
    JobResult {
        variant,
        replication,
        series,
        summary,
        member_steps: model.members() as u64 * steps as u64,
    }
}

/// Number of steps recorded in a time series: steps 0, K, 2K, ... below
/// `steps`, for K = `record_every`.
pub fn recorded_steps(s: &Scenario) -> usize {
    (s.steps as usize).div_ceil(s.record_every.max(1) as usize)
}

/// Computes the per-run measures of one series.
pub fn summarize(s: &Scenario, series: &[f64], k: usize) -> RunSummary {
    let primary_idx = s.model.primary_metric();
    let primary: Vec<f64> = series.chunks_exact(k).map(|r| r[primary_idx]).collect();
    // Totals, means and stability leave out the warm-up (when it leaves steps).
    let steps = series.len() / k;
    let warmup = if (s.analysis.warmup as usize) < steps {
        s.analysis.warmup as usize
    } else {
        0
    };
    let settled = &series[warmup * k..];
    let n = (settled.len() / k).max(1) as f64;
    let mut means = vec![0.0; k];
    for row in settled.chunks_exact(k) {
        for (m, x) in means.iter_mut().zip(row) {
            *m += x / n;
        }
    }
    let starts: Vec<usize> = s
        .scheduled_events()
        .map(|e| e.event.start as usize)
        .collect();
    let events = starts
        .iter()
        .map(|&start| {
            let end = starts
                .iter()
                .copied()
                .filter(|&t| t > start)
                .min()
                .unwrap_or(primary.len());
            analysis::event_impact(&primary, start, end, &s.analysis)
        })
        .collect();
    let settled_primary = &primary[warmup..];
    RunSummary {
        stability: analysis::stability(settled_primary),
        total: settled_primary.iter().sum(),
        means,
        events,
    }
}

/// Runs all jobs on `threads` threads (0: all cores). `deliver` receives
/// results in job order (variant-major, then replication); an error from it
/// stops the run. Setting `cancel` stops scheduling new jobs.
pub fn run<E: Send>(
    s: &Scenario,
    threads: usize,
    cancel: &AtomicBool,
    mut deliver: impl FnMut(JobResult) -> Result<(), E>,
) -> Result<RunStats, E> {
    let reps = s.replications as usize;
    let n_jobs = s.variants.len() * reps;
    let events = s.model_events();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let (tx, rx) = mpsc::channel::<JobResult>();
    let stop = AtomicBool::new(false);
    let mut stats = RunStats::default();
    let mut outcome = Ok(());
    std::thread::scope(|scope| {
        let stop = &stop;
        let events = &events;
        scope.spawn(move || {
            pool.install(|| {
                (0..n_jobs).into_par_iter().for_each_with(tx, |tx, j| {
                    if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let r = run_job(s, j / reps, (j % reps) as u32, events);
                    let _ = tx.send(r);
                });
            });
        });
        // Reorder: hold results that arrive early until their turn.
        let mut pending: BTreeMap<usize, JobResult> = BTreeMap::new();
        let mut next = 0usize;
        for r in rx {
            let j = r.variant * reps + r.replication as usize;
            pending.insert(j, r);
            while let Some(r) = pending.remove(&next) {
                if outcome.is_ok() {
                    stats.member_steps += r.member_steps;
                    stats.jobs_done += 1;
                    if let Err(e) = deliver(r) {
                        outcome = Err(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                next += 1;
            }
        }
    });
    stats.cancelled = (stats.jobs_done as usize) < n_jobs;
    outcome.map(|_| stats)
}
