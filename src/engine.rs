//! Runs every variant × replication of a scenario in parallel and hands the
//! results to the caller *in job order*, so output is byte-identical whatever
//! the thread count. Knows nothing of files: the caller's sink writes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::analysis::{self, Effect, EventImpact};
use crate::rng;
use crate::scenario::Scenario;

/// One finished replication.
pub struct JobResult {
    pub variant: usize,
    pub replication: u32,
    /// `recorded steps × metrics`, row-major: every `record_every`-th step,
    /// or the last (see [`recorded_step`]).
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
    /// Against the counterfactual twins: per scheduled event (file order),
    /// one per [`crate::model::ModelKind::effect_metrics`] metric
    /// ([`Effect::NONE`] where the event does not happen in the variant).
    /// Empty without twins.
    pub effects: Vec<Vec<Effect>>,
    /// The twins' own series, for the per-week effect (`twins.csv`): per
    /// scheduled event (file order), the twin's values of the
    /// [`crate::model::ModelKind::effect_metrics`] metrics on the recorded
    /// steps (see [`recorded_step`]) from the event's start to the end,
    /// row-major ([`twin_steps`] rows × effect metrics). Empty where the
    /// event does not happen in the variant, and without twins.
    pub twins: Vec<Vec<f64>>,
    /// How the run ended (`[stop]`).
    pub stopped: Stopped,
}

/// What the engine did.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunStats {
    pub jobs_done: u64,
    pub member_steps: u64,
    /// Jobs that panicked or blew up (delivered as [`Outcome::Failed`]).
    pub jobs_failed: u64,
    pub cancelled: bool,
}

/// A replication that did not finish: it panicked or a metric became
/// infinite or NaN. The rest of the run goes on without it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobFailure {
    pub variant: usize,
    pub replication: u32,
    /// The scenario's seed (the job's stream is derived from seed, variant, replication).
    pub seed: u64,
    pub reason: String,
}

/// What one job gave.
pub enum Outcome {
    Done(JobResult),
    Failed(JobFailure),
}

/// Test-only hook: `ORGSIM_TEST_PANIC_JOB=V:R` makes replication R of
/// variant V panic halfway (and `V:R:nan` makes its metrics NaN), so tests
/// can check that one failing replication is isolated. Not for users.
fn test_poison() -> Option<(usize, u32, bool)> {
    let v = std::env::var("ORGSIM_TEST_PANIC_JOB").ok()?;
    let mut it = v.split(':');
    let var = it.next()?.trim().parse().ok()?;
    let rep = it.next()?.trim().parse().ok()?;
    Some((var, rep, it.next() == Some("nan")))
}

/// Runs one replication of one variant (and its twins, see [`RunSummary::effects`]).
pub fn run_job(s: &Scenario, variant: usize, replication: u32) -> JobResult {
    let never = AtomicBool::new(false);
    run_job_until(s, variant, replication, &never, None).expect("not cancelled")
}

/// Builds replication `replication` of variant `variant` as a run does: its
/// own random stream and `events`. The studio steps models built here, so a
/// scenario it saves reproduces what it showed.
pub fn build_model(
    s: &Scenario,
    variant: usize,
    replication: u32,
    events: &[crate::org::Event],
) -> Box<dyn crate::model::Model> {
    let v = &s.variants[variant];
    let stream_variant = if s.common_streams { 0 } else { variant as u64 };
    let stream = rng::stream(s.seed, stream_variant, replication as u64);
    let chart = v.chart.as_ref().map(|c| &*c.chart);
    s.model
        .build(&v.values, &v.structure, chart, events, stream)
}

/// The series of one replication of `variant` with the given events:
/// `steps × metrics`, row-major, every step. `None`: cancelled.
pub fn simulate(
    s: &Scenario,
    variant: usize,
    replication: u32,
    events: &[crate::org::Event],
    cancel: &AtomicBool,
    poison: Option<(usize, u32, bool)>,
) -> Option<(Vec<f64>, u64)> {
    simulate_until_stop(s, variant, replication, events, cancel, poison).map(|(x, m, _)| (x, m))
}

/// How a replication ended (`[stop]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// It ran to the scenario's last step (or was absorbed without
    /// `[stop] when = "absorbed"`: the same series, not reported).
    Completed,
    /// The model reported an absorbing state; its last row is held.
    Absorbed,
    /// Collapse condition `i` (file order) held: the run ended there.
    Collapsed(u16),
}

/// The last step a replication simulated and why it stopped there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped {
    pub step: u32,
    pub reason: StopReason,
}

impl Stopped {
    /// A run of `steps` steps that nothing stopped.
    pub fn completed(steps: u32) -> Self {
        Stopped {
            step: steps.saturating_sub(1),
            reason: StopReason::Completed,
        }
    }

    /// Whether the run has a state at step `t`: a collapsed run has none
    /// after its collapse (an absorbed one holds its last state).
    pub fn alive_at(&self, t: usize) -> bool {
        !matches!(self.reason, StopReason::Collapsed(_)) || t <= self.step as usize
    }

    /// `stop_reason` in `summary.csv`: `completed`, `absorbed` or
    /// `collapsed:<condition>`.
    pub fn reason_text(&self, s: &Scenario) -> String {
        match self.reason {
            StopReason::Completed => "completed".into(),
            StopReason::Absorbed => "absorbed".into(),
            StopReason::Collapsed(i) => s
                .stop
                .collapse
                .get(usize::from(i))
                .map_or_else(|| "collapsed".into(), |c| format!("collapsed:{}", c.text)),
        }
    }

    /// A compact code for fragments: 0 completed, 1 absorbed, 2 + i collapsed.
    pub fn code(&self) -> u16 {
        match self.reason {
            StopReason::Completed => 0,
            StopReason::Absorbed => 1,
            StopReason::Collapsed(i) => i.saturating_add(2),
        }
    }

    pub fn from_code(step: u32, code: u16) -> Self {
        let reason = match code {
            0 => StopReason::Completed,
            1 => StopReason::Absorbed,
            i => StopReason::Collapsed(i - 2),
        };
        Stopped { step, reason }
    }
}

/// The collapse conditions of `[stop]` for one variant: (metric, comparison,
/// threshold), built before the step loop so it reads without allocating.
fn collapse_checks(s: &Scenario, variant: usize) -> Vec<(usize, crate::scenario::Cmp, f64)> {
    let values = &s.variants[variant].values;
    s.stop
        .collapse
        .iter()
        .map(|c| (c.metric, c.cmp, c.threshold(values)))
        .collect()
}

/// As [`simulate`], with how the run stopped. A collapsed run's rows after
/// its collapse repeat the collapse row, so every series has the same
/// shape; [`Stopped::alive_at`] says which rows the run really had.
pub fn simulate_until_stop(
    s: &Scenario,
    variant: usize,
    replication: u32,
    events: &[crate::org::Event],
    cancel: &AtomicBool,
    poison: Option<(usize, u32, bool)>,
) -> Option<(Vec<f64>, u64, Stopped)> {
    let mut model = build_model(s, variant, replication, events);
    let k = s.model.metric_names().len();
    let steps = s.steps as usize;
    let mut series = vec![0.0; steps * k];
    let poisoned = poison.filter(|&(pv, pr, _)| pv == variant && pr == replication);
    let checks = collapse_checks(s, variant);
    let mut stopped = Stopped::completed(s.steps);
    // Set once the model is absorbed: the step after it is the row held.
    let mut held_from = None;
    let mut stepped = steps;
    for (t, row) in series.chunks_exact_mut(k).enumerate() {
        if held_from.is_some_and(|h| t > h) {
            stepped = t;
            if s.stop.absorbed {
                stopped = Stopped {
                    step: (t - 1) as u32,
                    reason: StopReason::Absorbed,
                };
            }
            break;
        }
        // Checked before every step (a relaxed load costs nothing next to a
        // step), so a stop takes at most one step of each running job.
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        model.step(row);
        if let Some((_, _, nan)) = poisoned
            && t == steps / 2
        {
            if nan {
                row[0] = f64::NAN;
            } else {
                panic!("test hook ORGSIM_TEST_PANIC_JOB");
            }
        }
        if let Some(i) = checks.iter().position(|&(m, cmp, x)| cmp.holds(row[m], x)) {
            stepped = t + 1;
            stopped = Stopped {
                step: t as u32,
                reason: StopReason::Collapsed(i as u16),
            };
            break;
        }
        if held_from.is_none() && poisoned.is_none() && model.absorbed() {
            held_from = Some(t + 1);
        }
    }
    // An absorbed model writes the same row every step from then on; a
    // collapsed run's last row fills the shape (read only through `alive_at`).
    for t in stepped..steps {
        series.copy_within((stepped - 1) * k..stepped * k, t * k);
    }
    Some((series, model.members() as u64 * stepped as u64, stopped))
}

/// Runs one replication, returning `None` as soon as `cancel` is set.
fn run_job_until(
    s: &Scenario,
    variant: usize,
    replication: u32,
    cancel: &AtomicBool,
    poison: Option<(usize, u32, bool)>,
) -> Option<JobResult> {
    let events = s.model_events(variant, None);
    let (mut series, mut member_steps, stopped) =
        simulate_until_stop(s, variant, replication, &events, cancel, poison)?;
    let k = s.model.metric_names().len();
    // A collapsed run's measures cover the steps it had.
    let lived = (stopped.step as usize + 1).min(s.steps as usize);
    let mut summary = if stopped.alive_at(s.steps as usize) {
        summarize(s, &series, k)
    } else {
        summarize(s, &series[..lived * k], k)
    };
    summary.stopped = stopped;
    if s.analysis.twins {
        let (effects, twins, twin_steps) = twin_effects(s, variant, replication, &series, cancel)?;
        summary.effects = effects;
        summary.twins = twins;
        member_steps += twin_steps;
    }
    // Thin in place: row i keeps step `recorded_step(s, i)`. Summaries
    // used every step.
    let kept = recorded_steps(s);
    if kept < s.steps as usize {
        for i in 0..kept {
            let t = recorded_step(s, i);
            series.copy_within(t * k..(t + 1) * k, i * k);
        }
        series.truncate(kept * k);
        series.shrink_to_fit();
    }
    Some(JobResult {
        variant,
        replication,
        series,
        summary,
        member_steps,
    })
}

/// Each scheduled event's effects in one replication: the run against its
/// twin without that event (the variant's other events kept, so successive
/// events do not contaminate each other), the twins' effect metrics from
/// each event on (see [`RunSummary::twins`]), and the member-steps the twins
/// took. No effects (empty lists) when the variant has no scheduled event.
#[allow(clippy::type_complexity)]
fn twin_effects(
    s: &Scenario,
    variant: usize,
    replication: u32,
    run: &[f64],
    cancel: &AtomicBool,
) -> Option<(Vec<Vec<Effect>>, Vec<Vec<f64>>, u64)> {
    let applies = s.scheduled_in(variant);
    if !applies.contains(&true) {
        return Some((Vec::new(), Vec::new(), 0));
    }
    let k = s.model.metric_names().len();
    let measured = s.model.effect_metrics();
    let mut effects = Vec::with_capacity(applies.len());
    let mut twins = Vec::with_capacity(applies.len());
    let mut member_steps = 0;
    for (e, spec) in s.scheduled_events().enumerate() {
        if !applies[e] {
            effects.push(vec![Effect::NONE; measured.len()]);
            twins.push(Vec::new());
            continue;
        }
        let events = s.model_events(variant, Some(e));
        let (twin, steps) = simulate(s, variant, replication, &events, cancel, None)?;
        member_steps += steps;
        let start = spec.event.start as usize;
        twins.push(
            twin_steps(s, start)
                .flat_map(|t| measured.iter().map(move |&(m, _)| (t, m)))
                .map(|(t, m)| twin[t * k + m])
                .collect(),
        );
        effects.push(
            measured
                .iter()
                .map(|&(m, better)| {
                    analysis::event_effect(run, &twin, k, m, start, better, &s.analysis)
                })
                .collect(),
        );
    }
    Some((effects, twins, member_steps))
}

/// The steps whose twin values [`RunSummary::twins`] keeps for an event
/// starting at `start`: the recorded steps (see [`recorded_step`]) from
/// `start` to the end of the run.
pub fn twin_steps(s: &Scenario, start: usize) -> impl Iterator<Item = usize> + use<> {
    let s = RecordRule::of(s);
    (0..s.rows())
        .map(move |i| s.step(i))
        .filter(move |&t| t >= start)
}

/// Which steps a time series keeps: every `every`-th from 0, or only the
/// last (`record = "final"`).
#[derive(Clone, Copy)]
struct RecordRule {
    steps: usize,
    every: usize,
    last_only: bool,
}

impl RecordRule {
    fn of(s: &Scenario) -> Self {
        RecordRule {
            steps: s.steps as usize,
            every: s.record_every.max(1) as usize,
            last_only: s.record_final,
        }
    }
    fn rows(self) -> usize {
        if self.last_only {
            self.steps.min(1)
        } else {
            self.steps.div_ceil(self.every)
        }
    }
    fn step(self, i: usize) -> usize {
        if self.last_only {
            self.steps - 1
        } else {
            i * self.every
        }
    }
    fn row(self, t: usize) -> Option<usize> {
        if self.last_only {
            (t + 1 == self.steps).then_some(0)
        } else {
            (t.is_multiple_of(self.every) && t < self.steps).then_some(t / self.every)
        }
    }
}

/// Runs one job, catching a panic and checking the metrics are finite.
/// `None`: cancelled.
pub fn run_job_checked(
    s: &Scenario,
    variant: usize,
    replication: u32,
    cancel: &AtomicBool,
) -> Option<Outcome> {
    let poison = test_poison();
    let fail = |reason: String| {
        Some(Outcome::Failed(JobFailure {
            variant,
            replication,
            seed: s.seed,
            reason,
        }))
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_job_until(s, variant, replication, cancel, poison)
    }));
    match r {
        Ok(None) => None,
        Ok(Some(r)) => {
            let names = s.model.metric_names();
            let k = names.len();
            if let Some(i) = r.series.iter().position(|x| !x.is_finite()) {
                return fail(format!(
                    "metric `{}` became {} at step {}",
                    names[i % k],
                    r.series[i],
                    recorded_step(s, i / k)
                ));
            }
            // A blow-up between recorded steps still shows in the means.
            if let Some(i) = r.summary.means.iter().position(|x| !x.is_finite()) {
                return fail(format!(
                    "metric `{}` became {} (between recorded steps)",
                    names[i], r.summary.means[i]
                ));
            }
            Some(Outcome::Done(r))
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            fail(format!("panicked: {msg}"))
        }
    }
}

/// Number of steps recorded in a time series: steps 0, K, 2K, ... below
/// `steps`, for K = `record_every`, or only the last (`record = "final"`).
pub fn recorded_steps(s: &Scenario) -> usize {
    RecordRule::of(s).rows()
}

/// The step recorded in row `i` of a time series.
pub fn recorded_step(s: &Scenario, i: usize) -> usize {
    RecordRule::of(s).step(i)
}

/// The row of a time series that holds step `t`, if it is recorded.
pub fn recorded_row(s: &Scenario, t: usize) -> Option<usize> {
    RecordRule::of(s).row(t)
}

/// Computes the per-run measures of one series of *every* step (the warm-up
/// and the event windows count steps, so a series thinned by `record_every`
/// would be misread: the engine summarizes before it thins).
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
        effects: Vec::new(),
        twins: Vec::new(),
        stopped: Stopped::completed(s.steps),
    }
}

/// Runs every variant's `replications` on `threads` threads (0: all cores).
/// `deliver` receives results in job order (variant-major, then
/// replication); an error from it stops the run. Setting `cancel` stops the
/// run within a step of each running job. Failed jobs are skipped (counted
/// in `jobs_failed`). Adaptive replications are the caller's business.
pub fn run<E: Send>(
    s: &Scenario,
    threads: usize,
    cancel: &AtomicBool,
    mut deliver: impl FnMut(JobResult) -> Result<(), E>,
) -> Result<RunStats, E> {
    let slots = s.replication_slots() as usize;
    let schedule: Vec<usize> = (0..s.variants.len())
        .flat_map(|v| (0..s.replications as usize).map(move |r| v * slots + r))
        .collect();
    // Reorder: hold results that arrive early until their turn.
    let mut pending: BTreeMap<usize, Option<JobResult>> = BTreeMap::new();
    let mut next = 0usize;
    execute(
        s,
        &schedule,
        threads,
        cancel,
        |o| o,
        |o| {
            let (j, r) = match o {
                Outcome::Done(r) => (r.variant * slots + r.replication as usize, Some(r)),
                Outcome::Failed(f) => (f.variant * slots + f.replication as usize, None),
            };
            pending.insert(j, r);
            while let Some(r) = schedule.get(next).and_then(|j| pending.remove(j)) {
                next += 1;
                if let Some(r) = r {
                    deliver(r)?;
                }
            }
            Ok(())
        },
    )
}

/// Runs the jobs listed in `schedule` (job index = variant ×
/// [`Scenario::replication_slots`] + replication), started in that order on `threads` threads (0: all cores).
/// Each outcome first goes through `finish` on the worker that ran it (so
/// work such as encoding and writing a result runs in parallel), then what
/// that gives to `on`, on the calling thread, as jobs finish (a few
/// milliseconds' worth at a time; not in
/// order); an error from `on` stops the run. Setting `cancel` stops every
/// running job within a step.
pub fn execute<E: Send, W: Send>(
    s: &Scenario,
    schedule: &[usize],
    threads: usize,
    cancel: &AtomicBool,
    finish: impl Fn(Outcome) -> W + Sync,
    mut on: impl FnMut(W) -> Result<(), E>,
) -> Result<RunStats, E> {
    let reps = s.replication_slots() as usize;
    // The pool has every thread asked for; fewer jobs than threads leaves
    // threads free to take blocks of a big organization's step
    // (`Organization` splits its teams with `rayon::join`).
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
    .max(1);
    let n_workers = threads.min(schedule.len().max(1));
    // What a worker sends back: member-steps (None: failed) and `finish`'s value.
    let (tx, rx) = mpsc::channel::<Vec<(Option<u64>, W)>>();
    let stop = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let mut stats = RunStats::default();
    let mut outcome = Ok(());
    // Workers on a rayon pool pull jobs in schedule order; results come back
    // over a channel to this thread, which owns `on`.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .or_else(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build())
        .expect("a thread pool of one thread");
    std::thread::scope(|scope| {
        let (stop, next, finish) = (&stop, &next, &finish);
        let pool = &pool;
        scope.spawn(move || {
            pool.scope(|workers| {
                for _ in 0..n_workers {
                    let tx = tx.clone();
                    workers.spawn(move |_| {
                        // Results go back a few milliseconds' worth at a
                        // time: a message per job would wake this thread
                        // thousands of times a second in a run of small
                        // jobs. Only the grouping depends on the clock.
                        let mut batch = Vec::new();
                        let mut sent = std::time::Instant::now();
                        loop {
                            if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                                break;
                            }
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&j) = schedule.get(i) else { break };
                            let Some(o) = run_job_checked(s, j / reps, (j % reps) as u32, cancel)
                            else {
                                break;
                            };
                            let done = match &o {
                                Outcome::Done(r) => Some(r.member_steps),
                                Outcome::Failed(_) => None,
                            };
                            batch.push((done, finish(o)));
                            if sent.elapsed() >= BATCH_EVERY {
                                if tx.send(std::mem::take(&mut batch)).is_err() {
                                    return;
                                }
                                sent = std::time::Instant::now();
                            }
                        }
                        let _ = tx.send(batch);
                    });
                }
                drop(tx);
            });
        });
        for (done, w) in rx.into_iter().flatten() {
            if outcome.is_err() {
                continue;
            }
            match done {
                Some(member_steps) => {
                    stats.member_steps += member_steps;
                    stats.jobs_done += 1;
                }
                None => stats.jobs_failed += 1,
            }
            if let Err(e) = on(w) {
                outcome = Err(e);
                stop.store(true, Ordering::Relaxed);
            }
        }
    });
    stats.cancelled = ((stats.jobs_done + stats.jobs_failed) as usize) < schedule.len();
    outcome.map(|_| stats)
}

/// How long a worker collects finished jobs before handing them over.
const BATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(5);

/// A rough upper estimate of the memory a run needs, in bytes: the
/// organizations and series of the jobs in flight (`threads` at a time),
/// the per-step statistics of one variant while the files are written, and
/// the per-replication summary measures kept for the comparison table.
pub fn memory_estimate(s: &Scenario, threads: usize) -> u64 {
    const PER_MEMBER: u64 = 256;
    let k = s.model.metric_names().len() as u64;
    let steps = u64::from(s.steps);
    let jobs = s.total_jobs();
    let in_flight = (threads.max(1) as u64).min(jobs.max(1));
    let members_at = s.model.specs().iter().position(|p| p.name == "members");
    let members = s
        .variants
        .iter()
        .map(|v| members_at.map_or(1000.0, |i| v.values[i]) as u64)
        .max()
        .unwrap_or(0);
    // A series, its fragment and the text of its rows.
    let per_job = members
        .saturating_mul(PER_MEMBER)
        .saturating_add(steps.saturating_mul(k).saturating_mul(16 + 24));
    let compared = k + 2 + 3 * s.scheduled_events().count() as u64;
    // Assembly: per thread, one block of steps' values of every replication
    // of a variant (at least one step, at most all of them).
    let replications = jobs / (s.variants.len().max(1) as u64);
    let step_values = replications.saturating_mul(k).saturating_mul(8);
    let block = step_values
        .max(crate::stats::aggregate::BLOCK_BYTES as u64)
        .min(step_values.saturating_mul(steps));
    in_flight
        .saturating_mul(per_job)
        .saturating_add((threads.max(1) as u64).saturating_mul(block))
        .saturating_add(jobs.saturating_mul(compared).saturating_mul(8))
        .saturating_add(16 << 20)
}

/// What a run will cost before it starts: member-steps (twins included),
/// an estimate of its wall time, and of the disk its results take.
pub struct RunEstimate {
    pub member_steps: u64,
    pub seconds: f64,
    pub disk_bytes: u64,
}

impl RunEstimate {
    /// The part of the run one of `count` shards does.
    pub fn shard(self, count: u32) -> RunEstimate {
        let n = u64::from(count.max(1));
        RunEstimate {
            member_steps: self.member_steps.div_ceil(n),
            seconds: self.seconds / n as f64,
            disk_bytes: self.disk_bytes.div_ceil(n),
        }
    }
}

/// Member-steps one thread steps per second, for the estimate: the step
/// bench's 20–27 M at 10,000 members, less for start-up and small
/// organizations (docs/performance.md).
const MEMBER_STEPS_PER_SECOND: f64 = 15e6;

/// Estimates a run's cost (see [`RunEstimate`]). The disk figure counts the
/// time series (about 10 bytes a cell, as written), the per-step aggregates
/// (about 140 bytes per variant, step and metric) and the twins' series;
/// the staging log's text is freed as it is copied, so it adds little.
pub fn run_estimate(s: &Scenario, threads: usize) -> RunEstimate {
    let k = s.model.metric_names().len() as u64;
    let steps = u64::from(s.steps);
    let recorded = crate::engine::recorded_steps(s) as u64;
    let slots = u64::from(s.replication_slots());
    let members_at = s.model.specs().iter().position(|p| p.name == "members");
    let mut member_steps = 0u64;
    let mut twin_rows = 0u64;
    for (v, variant) in s.variants.iter().enumerate() {
        let members = members_at.map_or(1000.0, |i| variant.values[i]) as u64;
        let events = s.scheduled_in(v).iter().filter(|&&x| x).count() as u64;
        member_steps = member_steps.saturating_add(
            members
                .saturating_mul(steps)
                .saturating_mul(slots)
                .saturating_mul(1 + events),
        );
        twin_rows = twin_rows.saturating_add(slots.saturating_mul(events).saturating_mul(recorded));
    }
    let jobs = s.total_jobs();
    let series = jobs.saturating_mul(recorded).saturating_mul(k * 10 + 20);
    let aggregate = (s.variants.len() as u64)
        .saturating_mul(recorded)
        .saturating_mul(k * 140);
    let twins = twin_rows.saturating_mul(100);
    RunEstimate {
        member_steps,
        seconds: member_steps as f64 / (MEMBER_STEPS_PER_SECOND * threads.max(1) as f64),
        disk_bytes: series.saturating_add(aggregate).saturating_add(twins),
    }
}

/// Free space for an unprivileged writer on the file system holding `path`
/// (or its nearest existing ancestor), in bytes; None where unknown.
pub fn disk_available(path: &std::path::Path) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let mut p = path;
        loop {
            if p.as_os_str().is_empty() {
                p = std::path::Path::new(".");
            }
            if p.exists() {
                let st = rustix::fs::statvfs(p).ok()?;
                return Some(st.f_bavail.saturating_mul(st.f_frsize));
            }
            p = p.parent()?;
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

/// `MemAvailable` from `/proc/meminfo`, in bytes (None where unknown).
pub fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
