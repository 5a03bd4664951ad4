//! The run pipeline: one scenario from a request to a published results
//! folder. It checks the cost (memory, disk, time), takes the folder's
//! lock, plans the jobs (a fresh run, a resume, a shard, adaptive rounds),
//! executes them, assembles the files, draws the charts and report, and
//! publishes the folder whole. The CLI and the studio call it; what it
//! has to say goes to a [`RunObserver`], so it prints nothing itself.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::engine::{self, JobFailure, Outcome, RunEstimate};
use crate::manifest::{self, Manifest, RunDir, Shard, Source};
use crate::output::{self, Assembled, RunRecord};
use crate::params::fmt_num;
use crate::scenario::Scenario;
use crate::shard;

/// What to run and how.
pub struct RunRequest {
    /// The scenario, with any overrides already applied.
    pub scenario: Scenario,
    /// Where it came from and the overrides, as the manifest records them
    /// (a resume must match them).
    pub source: Source,
    /// Results folder (default: `results/<name>`, or the shard's folder).
    pub out: Option<PathBuf>,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Refuse a run estimated to take longer than this many seconds.
    pub time_limit: f64,
    /// Skip the cost checks and replace existing results.
    pub force: bool,
    /// Continue an interrupted run from its staging folder.
    pub resume: bool,
    /// Resume a run another orgsim build started (`--any-build`); the
    /// manifest lists the builds combined.
    pub any_build: bool,
    /// Run only this shard of the replications.
    pub shard: Option<Shard>,
    /// Draw the charts and write the report.
    pub charts: bool,
}

/// Where a run is: simulating, writing its files (everything simulated is
/// kept in the staging folder, so stopping is safe at any moment), or
/// published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Simulating,
    Writing,
    Published,
}

/// What a run reports while it goes; every method has a silent default.
pub trait RunObserver {
    /// The run's estimated cost, before anything starts.
    fn estimated(&mut self, _estimate: &RunEstimate, _threads: usize) {}
    /// Jobs a resume found damaged, duplicated or foreign and runs again.
    fn rejected_jobs(&mut self, _text: &str) {}
    /// A round of `jobs` jobs, `done` of them already finished.
    fn planned(&mut self, _jobs: u64, _done: u64) {}
    fn job_finished(&mut self) {}
    fn job_failed(&mut self, _failure: &JobFailure, _variant: &str) {}
    /// The run moved to another phase; `staging` holds its files.
    fn phase(&mut self, _phase: Phase, _staging: &Path) {}
    /// The files are assembled (before charts): the tables a user reads.
    fn assembled(&mut self, _report: &RunReport) {}
    /// Charts and report written.
    fn charts_written(&mut self, _files: usize, _seconds: f64) {}
}

/// An observer that says nothing.
pub struct Silent;
impl RunObserver for Silent {}

/// The assembled results of a run, for the end-of-run tables.
pub struct RunReport<'a> {
    pub scenario: &'a Scenario,
    pub assembled: &'a Assembled,
    /// Replications per variant (after adaptive rounds).
    pub replications: &'a [u32],
    /// With adaptive replications: the target measure per variant and
    /// replication.
    pub target_values: &'a [Vec<f64>],
    pub jobs_done: u64,
    pub member_steps: u64,
    pub wall_seconds: f64,
    /// Worker threads; 0 for a merge, which simulates nothing.
    pub threads: usize,
}

/// How a run ended well.
#[derive(Debug)]
pub enum RunEnd {
    /// The results folder is complete.
    Published { out: PathBuf },
    /// A shard's folder, for `orgsim merge`.
    Shard {
        out: PathBuf,
        shard: Shard,
        jobs: usize,
        wall_seconds: f64,
    },
}

/// How a run ended otherwise.
#[derive(Debug)]
pub enum RunError {
    /// The request cannot run as asked; the message says why and the fix.
    Refused(String),
    /// Stopped on request; every finished replication is kept in `staging`.
    Interrupted {
        finished: usize,
        /// Jobs planned so far (None when every one had finished).
        planned: Option<usize>,
        staging: PathBuf,
        out: PathBuf,
    },
    /// Some replications failed; the others are in `out`, and a resume
    /// retries the failed ones.
    ReplicationsFailed { list: String, out: PathBuf },
    /// Reading, writing or simulating failed.
    Failed(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Refused(m) | RunError::Failed(m) => f.write_str(m),
            RunError::Interrupted {
                finished,
                planned: Some(planned),
                staging,
                out,
            } => write!(
                f,
                "interrupted: {finished} of {planned} runs are finished and kept in {} (listed in its manifest.json); nothing was written to {}",
                staging.display(),
                out.display()
            ),
            RunError::Interrupted { staging, .. } => write!(
                f,
                "interrupted: every run is finished and kept in {}; nothing was published",
                staging.display()
            ),
            RunError::ReplicationsFailed { list, out } => write!(
                f,
                "error: {list}\nthe other runs are in {} (manifest.json lists the failures)",
                out.display()
            ),
        }
    }
}

impl std::error::Error for RunError {}

fn failed(e: impl fmt::Display) -> RunError {
    RunError::Failed(format!("error: {e}"))
}

/// The results folder a run writes: `out`, or `results/<name>` (with the
/// shard in the name).
pub fn results_dir(s: &Scenario, out: Option<&Path>, shard: Option<Shard>) -> PathBuf {
    match (out, shard) {
        (Some(o), _) => o.to_path_buf(),
        (None, None) => Path::new("results").join(&s.name),
        (None, Some(sh)) => {
            Path::new("results").join(format!("{}.shard-{}-of-{}", s.name, sh.index, sh.count))
        }
    }
}

/// Runs a request to its end. `cancel` stops the simulation within a step
/// (finished jobs are kept for a resume) and the run before it writes.
pub fn run(
    req: RunRequest,
    observer: &mut dyn RunObserver,
    cancel: &Arc<AtomicBool>,
) -> Result<RunEnd, RunError> {
    let s = &req.scenario;
    if req.shard.is_some() && s.target_ci.is_some() {
        return Err(RunError::Refused("error: --target-ci cannot be split with --shard: adaptive replications decide each round from the results of every replication so far\n  help: run it on one machine, or fix the count with --replications and split that".into()));
    }
    let out = results_dir(s, req.out.as_deref(), req.shard);
    let threads = req.threads.max(1);
    let mut estimate = engine::run_estimate(s, threads);
    if let Some(sh) = req.shard {
        estimate = estimate.shard(sh.count);
    }
    if !req.force {
        check_memory(s, threads).map_err(RunError::Refused)?;
        check_disk(&estimate, &out).map_err(RunError::Refused)?;
        check_time(&estimate, threads, req.time_limit).map_err(RunError::Refused)?;
    }
    observer.estimated(&estimate, threads);
    let expected = Manifest::new(s, req.source.clone(), req.shard);
    // One writer per folder, held to the end of the run (any exit frees it).
    let _lock = crate::lock::FolderLock::take(&out, &crate::lock::command_line())
        .map_err(|e| RunError::Refused(e.to_string()))?;
    let staging = output::staging_dir(&out).map_err(failed)?;
    let Some(mut rd) = open_run_dir(&req, expected, &out, &staging, observer)? else {
        observer.phase(Phase::Published, &staging);
        return Ok(RunEnd::Published { out });
    };
    observer.phase(Phase::Simulating, &staging);
    let sim = simulate(&req, &mut rd, &staging, threads, observer, cancel)?;
    let wall = sim.start.elapsed().as_secs_f64();
    if sim.cancelled {
        return Err(RunError::Interrupted {
            finished: rd.manifest.jobs.len(),
            planned: Some(sim.planned),
            staging,
            out,
        });
    }
    let failures =
        (!rd.manifest.failed.is_empty()).then(|| manifest::failure_list(&rd.manifest.failed));
    if let Some(sh) = req.shard {
        output::write_scenario(s, &staging).map_err(failed)?;
        rd.manifest.complete = rd.manifest.failed.is_empty();
        rd.save().map_err(failed)?;
        output::publish(&staging, &out).map_err(failed)?;
        return match failures {
            Some(f) => Err(RunError::Failed(format!("error: {f}"))),
            None => Ok(RunEnd::Shard {
                out,
                shard: sh,
                jobs: rd.manifest.jobs.len(),
                wall_seconds: wall,
            }),
        };
    }
    // A stop asked for during the simulation's last step is acted on here:
    // the run reports itself interrupted above, or not at all.
    if cancel.load(Ordering::Relaxed) {
        return Err(RunError::Interrupted {
            finished: rd.manifest.jobs.len(),
            planned: None,
            staging,
            out,
        });
    }
    observer.phase(Phase::Writing, &staging);
    let record = run_record(s, &rd, &sim, threads, wall, failures.is_none());
    // Built in the staging folder, charts and report included; published
    // whole or not at all.
    output::clean_staging(&staging).map_err(failed)?;
    let dir = staging.clone();
    let assembled = output::assemble(
        s,
        &staging,
        &mut rd.manifest,
        &|_| dir.clone(),
        &record,
        &sim.counts,
        threads,
    )
    .map_err(failed)?;
    observer.assembled(&RunReport {
        scenario: s,
        assembled: &assembled,
        replications: &sim.counts,
        target_values: &sim.values,
        jobs_done: sim.stats.jobs_done,
        member_steps: sim.stats.member_steps,
        wall_seconds: wall,
        threads,
    });
    if req.charts {
        let (files, seconds) = write_charts_and_report(&staging).map_err(RunError::Failed)?;
        observer.charts_written(files, seconds);
    }
    output::publish_run(&staging, &out, &mut rd.manifest).map_err(failed)?;
    observer.phase(Phase::Published, &out);
    match failures {
        Some(list) => Err(RunError::ReplicationsFailed { list, out }),
        None => Ok(RunEnd::Published { out }),
    }
}

/// The staging folder for a fresh run or a resume; None when a resume
/// found a run killed while publishing and published it.
fn open_run_dir(
    req: &RunRequest,
    expected: Manifest,
    out: &Path,
    staging: &Path,
    observer: &mut dyn RunObserver,
) -> Result<Option<RunDir>, RunError> {
    if !req.resume {
        output::check_replace(out, req.force).map_err(failed)?;
        if !req.force && staging.join("manifest.json").exists() {
            return Err(RunError::Refused(format!(
                "error: an interrupted run is in {}; starting afresh would discard what it finished\n  help: add --resume to continue it, or --force to start afresh",
                staging.display(),
            )));
        }
        return RunDir::fresh(staging, expected).map(Some).map_err(failed);
    }
    if !staging.join("manifest.json").exists() {
        return Err(RunError::Refused(
            if Manifest::read(out).is_ok_and(|m| m.complete) {
                format!(
                    "error: {} is already complete: nothing to resume\n  help: pass --force (without --resume) to run it again",
                    out.display()
                )
            } else {
                format!(
                    "error: nothing to resume: no interrupted run in {}\n  help: drop --resume to start the run",
                    staging.display()
                )
            },
        ));
    }
    if output::staging_ready(staging) {
        // Killed while publishing: everything is written and checked.
        if let Some(why) = Manifest::read(staging)
            .ok()
            .and_then(|m| expected.mismatch(&m, req.any_build))
        {
            return Err(RunError::Refused(format!(
                "error: cannot resume: {} holds a run from {why}",
                staging.display()
            )));
        }
        output::publish_ready(staging, out).map_err(failed)?;
        return Ok(None);
    }
    let rd = RunDir::resume(staging, expected, req.any_build).map_err(failed)?;
    observer.rejected_jobs(&manifest::rejected_list(&req.scenario, &rd.rejected));
    Ok(Some(rd))
}

/// What the simulation left for assembly.
struct Simulated {
    start: Instant,
    stats: engine::RunStats,
    /// Replications per variant after the last round.
    counts: Vec<u32>,
    /// The adaptive target's measure per variant and replication.
    values: Vec<Vec<f64>>,
    /// Jobs planned over all rounds.
    planned: usize,
    cancelled: bool,
}

/// Runs every job not yet finished, round by round (adaptive replications
/// add rounds until each variant's interval is narrow enough).
fn simulate(
    req: &RunRequest,
    rd: &mut RunDir,
    staging: &Path,
    threads: usize,
    observer: &mut dyn RunObserver,
    cancel: &Arc<AtomicBool>,
) -> Result<Simulated, RunError> {
    let s = &req.scenario;
    let shard_of = req.shard;
    let slots = s.replication_slots() as usize;
    let n_variants = s.variants.len();
    // Adaptive replications: the target measure's value per variant and
    // replication (NaN until known), and how to read it from a summary.
    let target = s.target_ci.clone();
    let pick = target_pick(s);
    let mut values = target_values(s, rd, staging, pick.as_ref())?;
    // A job's result is encoded and written as its fragment on the worker
    // that ran it; the manifest entry comes back here.
    enum Finished {
        // Boxed: a summary is far bigger than a failure.
        Done(
            Result<manifest::JobEntry, manifest::StoreError>,
            Box<engine::RunSummary>,
        ),
        Failed(JobFailure),
    }
    let log = fragment_log(staging, shard_of.is_none()).map_err(failed)?;
    let finish = |o: Outcome| match o {
        Outcome::Done(r) => {
            let mut rows = String::new();
            if log.keeps_text() {
                // About ten bytes a cell.
                rows.reserve(r.series.len() * 10);
                output::push_timeseries_rows(s, r.variant, &r, &mut rows);
            }
            Finished::Done(log.append(&r, &rows), Box::new(r.summary))
        }
        Outcome::Failed(f) => Finished::Failed(f),
    };

    let start = Instant::now();
    let mut stats = engine::RunStats::default();
    let mut counts = vec![s.replications; n_variants];
    let mut from = vec![0u32; n_variants];
    let mut planned = 0usize;
    loop {
        let round = match shard_of {
            None => shard::rounds(s, &from, &counts),
            Some(_) => shard::shard_jobs(s, shard_of),
        };
        let todo: Vec<usize> = round
            .iter()
            .copied()
            .filter(|&j| !rd.is_done(j / slots, (j % slots) as u32))
            .collect();
        planned += round.len();
        observer.planned(round.len() as u64, (round.len() - todo.len()) as u64);
        let st = engine::execute(s, &todo, threads, cancel, finish, |w| {
            observer.job_finished();
            match w {
                Finished::Done(entry, summary) => {
                    let e = entry?;
                    if let Some(pick) = &pick {
                        values[e.variant][e.replication as usize] = pick(&summary);
                    }
                    rd.add(e)
                }
                Finished::Failed(f) => {
                    observer.job_failed(&f, &s.variants[f.variant].name);
                    rd.record_failure(s, &f)
                }
            }
        })
        .map_err(failed)?;
        stats.jobs_done += st.jobs_done;
        stats.jobs_failed += st.jobs_failed;
        stats.member_steps += st.member_steps;
        stats.cancelled = st.cancelled;
        if st.cancelled {
            break;
        }
        let Some(t) = &target else { break };
        // Decided from results only, so the same on any thread count.
        let next: Vec<u32> = (0..n_variants)
            .map(|v| crate::adaptive::Progress::of(&values[v][..counts[v] as usize]).next_count(t))
            .collect();
        if next == counts {
            break;
        }
        from = std::mem::replace(&mut counts, next);
    }
    // Closed now, so removing the logs after assembly frees their pages
    // there (on a thread) rather than at exit.
    drop(log);
    rd.save().map_err(failed)?;
    Ok(Simulated {
        start,
        cancelled: stats.cancelled,
        stats,
        counts,
        values,
        planned,
    })
}

/// How adaptive replications read their target measure from a run's
/// summary (`None` without `--target-ci`).
fn target_pick(s: &Scenario) -> Option<output::Pick> {
    let t = s.target_ci.as_ref()?;
    output::compared_metrics(s)
        .into_iter()
        .find(|(n, _, _)| *n == t.metric)
        .map(|(_, _, p)| p)
}

/// The target measure per variant and replication slot: read from the
/// jobs a resume found finished, NaN for the others (empty without a
/// target).
fn target_values(
    s: &Scenario,
    rd: &RunDir,
    staging: &Path,
    pick: Option<&output::Pick>,
) -> Result<Vec<Vec<f64>>, RunError> {
    let Some(pick) = pick else {
        return Ok(Vec::new());
    };
    let mut values = vec![vec![f64::NAN; s.replication_slots() as usize]; s.variants.len()];
    for e in &rd.manifest.jobs {
        let r = manifest::read_fragment(staging, e).map_err(failed)?;
        values[e.variant][e.replication as usize] = pick(&r.summary);
    }
    Ok(values)
}

/// This session's fragment log; `with_rows`: the workers also format each
/// job's time-series rows, so assembling the results copies them instead
/// of formatting them alone (a shard is assembled by `merge`, from its
/// fragments, so it keeps none).
fn fragment_log(
    staging: &Path,
    with_rows: bool,
) -> Result<manifest::FragmentLog, manifest::StoreError> {
    let log = manifest::FragmentLog::open(staging)?;
    if with_rows {
        log.with_text(staging)
    } else {
        Ok(log)
    }
}

/// `run.json`: what ran, on what, how fast.
fn run_record(
    s: &Scenario,
    rd: &RunDir,
    sim: &Simulated,
    threads: usize,
    wall: f64,
    complete: bool,
) -> RunRecord {
    RunRecord {
        orgsim_version: crate::VERSION,
        scenario: s.name.clone(),
        model: s.model.name(),
        seed: s.seed,
        steps: s.steps,
        record_every: s.record_every,
        replications: s.replications,
        replications_per_variant: sim.counts.clone(),
        target_ci: s.target_ci.as_ref().map(|t| {
            format!(
                "{}={} (at most {} replications)",
                t.metric,
                fmt_num(t.half_width),
                t.max_replications
            )
        }),
        variants: s.variants.len(),
        threads,
        wall_seconds: wall,
        member_steps: rd.manifest.jobs.iter().map(|e| e.member_steps).sum(),
        member_steps_per_second: sim.stats.member_steps as f64 / wall.max(1e-9),
        complete,
        warmup: s.analysis.warmup,
    }
}

/// Applies `--replications`, `--seed` and `--steps` to a scenario.
pub fn apply_overrides(
    s: &mut Scenario,
    replications: Option<u32>,
    seed: Option<u64>,
    steps: Option<u32>,
) -> Result<(), String> {
    use crate::limits::{MAX_REPLICATIONS, MAX_SEED, MAX_STEPS, check};
    if let Some(r) = replications {
        check("--replications", r.into(), 1, MAX_REPLICATIONS.into())?;
        s.replications = r;
    }
    if let Some(seed) = seed {
        check("--seed", seed, 0, MAX_SEED)?;
        s.seed = seed;
    }
    if let Some(steps) = steps {
        check("--steps", steps.into(), 1, MAX_STEPS.into())?;
        if let Some(e) = s.events.iter().find(|e| e.event.start >= steps) {
            return Err(format!(
                "error: --steps {steps} ends before the event \"{}\" at step {}\n  help: use --steps {} or more",
                e.label,
                e.event.start,
                e.event.start + 1
            ));
        }
        s.steps = steps;
    }
    Ok(())
}

/// Shard folders to combine into one results folder.
pub struct MergeRequest {
    pub dirs: Vec<PathBuf>,
    /// Results folder (default: `results/<name>`).
    pub out: Option<PathBuf>,
    /// Replace existing results.
    pub force: bool,
    /// Merge shards of other orgsim builds than this one (`--any-build`);
    /// the manifest lists the builds combined.
    pub any_build: bool,
    /// Draw the charts and write the report.
    pub charts: bool,
}

/// A merge's published folder.
#[derive(Debug)]
pub struct Merged {
    pub out: PathBuf,
    /// Replications in it.
    pub jobs: usize,
    /// Replications that failed in a shard and again here, listed.
    pub failures: Option<String>,
}

/// Combines the shards of one run into the results a one-machine run
/// gives, byte for byte. Every fragment is checked before use; a damaged,
/// duplicated or conflicting one is named and its job run again here.
pub fn merge(req: MergeRequest, observer: &mut dyn RunObserver) -> Result<Merged, RunError> {
    let manifests = read_shards(&req.dirs, req.any_build)?;
    let first = manifests[0].clone();
    let s = shards_scenario(&first)?;
    let reps = s.replications as usize;
    let (kept, rejected) =
        manifest::verify_shards(&manifests, &req.dirs, s.variants.len(), s.replications);
    observer.rejected_jobs(&manifest::rejected_list(&s, &rejected));
    let mut from: Vec<Option<(usize, manifest::JobEntry)>> = vec![None; s.variants.len() * reps];
    for (i, e) in kept {
        let j = e.variant * reps + e.replication as usize;
        from[j] = Some((i, e));
    }
    let rerun: Vec<usize> = rejected
        .iter()
        .map(|r| r.variant * reps + r.replication as usize)
        .collect();
    let mut failed_runs: Vec<manifest::FailedEntry> = manifests
        .iter()
        .flat_map(|m| m.failed.iter().cloned())
        .collect();
    failed_runs.sort_by_key(|f| (f.variant, f.replication));
    failed_runs.dedup_by_key(|f| (f.variant, f.replication));
    check_complete(&s, &manifests, &from, &rerun, &failed_runs)?;

    let out = results_dir(&s, req.out.as_deref(), None);
    let _lock = crate::lock::FolderLock::take(&out, &crate::lock::command_line())
        .map_err(|e| RunError::Refused(e.to_string()))?;
    output::check_replace(&out, req.force).map_err(failed)?;
    let staging = output::staging_dir(&out).map_err(failed)?;
    let mut m = Manifest::new(&s, first.source.clone(), None);
    let mut dir_of = std::collections::HashMap::new();
    for (i, e) in from.into_iter().flatten() {
        dir_of.insert((e.variant, e.replication), req.dirs[i].clone());
        m.jobs.push(e);
    }
    m.failed = failed_runs;
    for shard in &manifests {
        m.add_combined(&shard.orgsim_version);
        shard.combined_builds.iter().for_each(|b| m.add_combined(b));
    }
    RunDir::fresh(&staging, m.clone()).map_err(failed)?;
    for e in rerun_jobs(&s, &staging, &rerun, &mut m.failed)? {
        dir_of.insert((e.variant, e.replication), staging.clone());
        m.jobs.push(e);
    }
    observer.phase(Phase::Writing, &staging);
    let counts = vec![s.replications; s.variants.len()];
    let member_steps = m.jobs.iter().map(|e| e.member_steps).sum();
    let record = RunRecord {
        orgsim_version: crate::VERSION,
        scenario: s.name.clone(),
        model: s.model.name(),
        seed: s.seed,
        steps: s.steps,
        replications: s.replications,
        replications_per_variant: counts.clone(),
        target_ci: None,
        variants: s.variants.len(),
        threads: 0,
        wall_seconds: 0.0,
        member_steps,
        member_steps_per_second: 0.0,
        record_every: s.record_every,
        complete: m.failed.is_empty(),
        warmup: s.analysis.warmup,
    };
    let assembled = output::assemble(
        &s,
        &staging,
        &mut m,
        &|e| dir_of[&(e.variant, e.replication)].clone(),
        &record,
        &counts,
        0,
    )
    .map_err(failed)?;
    observer.assembled(&RunReport {
        scenario: &s,
        assembled: &assembled,
        replications: &counts,
        target_values: &[],
        jobs_done: 0,
        member_steps,
        wall_seconds: 0.0,
        threads: 0,
    });
    if req.charts {
        let (files, seconds) = write_charts_and_report(&staging).map_err(RunError::Failed)?;
        observer.charts_written(files, seconds);
    }
    output::publish_run(&staging, &out, &mut m).map_err(failed)?;
    observer.phase(Phase::Published, &out);
    Ok(Merged {
        out,
        jobs: m.jobs.len(),
        failures: (!m.failed.is_empty()).then(|| manifest::failure_list(&m.failed)),
    })
}

/// The shards' manifests, refused unless every folder is a shard of the
/// same run.
fn read_shards(dirs: &[PathBuf], any_build: bool) -> Result<Vec<Manifest>, RunError> {
    let mut manifests: Vec<Manifest> = Vec::new();
    for d in dirs {
        let m = Manifest::read(d).map_err(|e| RunError::Refused(format!("error: {e}")))?;
        // This build assembles the shards and re-runs any damaged job, so
        // it must be the build that ran them.
        if m.orgsim_version != crate::VERSION && !any_build {
            return Err(RunError::Refused(format!(
                "error: cannot merge {}: it was run by orgsim {}, this is orgsim {}\n  help: merge with the build that ran the shards, or pass --any-build to combine them anyway (the manifest will list both builds)",
                d.display(),
                m.orgsim_version,
                crate::VERSION
            )));
        }
        if m.shard.is_none() {
            return Err(RunError::Refused(format!(
                "error: {} is not a shard (it was not run with --shard I/N)",
                d.display()
            )));
        }
        if let Some(why) = manifests.first().and_then(|m0| m0.mismatch(&m, any_build)) {
            return Err(RunError::Refused(format!(
                "error: cannot merge {} and {}: they come from {why}\n  help: merge only the shards of one run (same scenario file, seed, flags and orgsim version)",
                dirs[0].display(),
                d.display()
            )));
        }
        manifests.push(m);
    }
    if manifests.is_empty() {
        return Err(RunError::Refused("error: no shard folders given".into()));
    }
    Ok(manifests)
}

/// The scenario the shards ran, from their manifest, checked to give the
/// same run.
fn shards_scenario(first: &Manifest) -> Result<Scenario, RunError> {
    let src = &first.source;
    // An org chart the scenario names is read relative to the scenario
    // file's path as the shards were given it.
    let base = Path::new(&src.file).parent().unwrap_or(Path::new(""));
    let mut s = crate::scenario::parse_in(&src.file, src.text.as_bytes(), base).map_err(|e| {
        RunError::Refused(format!(
            "{e}\n  help: run merge from the folder the shards were started in"
        ))
    })?;
    apply_overrides(&mut s, src.replications, src.seed, src.steps).map_err(RunError::Refused)?;
    s.record_every = src.record_every.max(1);
    s.record_final = first.record_final;
    if manifest::scenario_checksum(&s) != first.scenario_checksum {
        return Err(RunError::Refused(
            "error: the scenario stored in the shards' manifests no longer gives the same run"
                .into(),
        ));
    }
    Ok(s)
}

/// Refuses a merge with runs that no shard holds (and none to re-run).
fn check_complete(
    s: &Scenario,
    manifests: &[Manifest],
    from: &[Option<(usize, manifest::JobEntry)>],
    rerun: &[usize],
    failed_runs: &[manifest::FailedEntry],
) -> Result<(), RunError> {
    let reps = s.replications as usize;
    let n_jobs = from.len();
    let missing: Vec<usize> = (0..n_jobs)
        .filter(|&j| {
            from[j].is_none()
                && !rerun.contains(&j)
                && !failed_runs
                    .iter()
                    .any(|f| f.variant * reps + f.replication as usize == j)
        })
        .collect();
    let Some(&j) = missing.first() else {
        return Ok(());
    };
    let count = manifests[0].shard.map_or(1, |sh| sh.count);
    let present: Vec<u32> = manifests
        .iter()
        .filter_map(|m| m.shard.map(|s| s.index))
        .collect();
    let absent: Vec<String> = (1..=count)
        .filter(|i| !present.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    Err(RunError::Refused(format!(
        "error: {} of {n_jobs} runs are missing (the first: variant {} replication {}){}\n  help: finish interrupted shards with `orgsim run FILE --shard I/N --resume` and pass every shard folder",
        missing.len(),
        j / reps,
        j % reps,
        if absent.is_empty() {
            String::new()
        } else {
            format!("; shards not given: {}", absent.join(", "))
        }
    )))
}

/// Runs again, in a merge's staging folder, the jobs whose stored results
/// were rejected (`jobs`: job indices); gives their entries, adds failures.
fn rerun_jobs(
    s: &Scenario,
    staging: &Path,
    jobs: &[usize],
    failed_runs: &mut Vec<manifest::FailedEntry>,
) -> Result<Vec<manifest::JobEntry>, RunError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let log = manifest::FragmentLog::open(staging).map_err(failed)?;
    let cancel = AtomicBool::new(false);
    let mut entries = Vec::new();
    engine::execute(
        s,
        jobs,
        0,
        &cancel,
        |o| match o {
            Outcome::Done(r) => Ok(log.append(&r, "")),
            Outcome::Failed(f) => Err(f),
        },
        |w| {
            match w {
                Ok(e) => entries.push(e?),
                Err(f) => failed_runs.push(manifest::FailedEntry {
                    variant: f.variant,
                    variant_name: s.variants[f.variant].name.clone(),
                    replication: f.replication,
                    seed: f.seed,
                    reason: f.reason,
                }),
            }
            Ok::<(), manifest::StoreError>(())
        },
    )
    .map_err(failed)?;
    failed_runs.sort_by_key(|f| (f.variant, f.replication));
    Ok(entries)
}

/// Draws the charts and writes the report into `dir`; returns the chart
/// files written and the seconds it took.
pub fn write_charts_and_report(dir: &Path) -> Result<(usize, f64), String> {
    let start = Instant::now();
    // The report draws the charts once and writes them too.
    output::phase("charts");
    output::phase("report");
    let files =
        crate::report::write_report(dir).map_err(|e| format!("error: charts and report: {e}"))?;
    Ok((files.len(), start.elapsed().as_secs_f64()))
}

/// Refuses a run whose estimated memory exceeds what the machine has free.
fn check_memory(s: &Scenario, threads: usize) -> Result<(), String> {
    let need = engine::memory_estimate(s, threads);
    match engine::memory_available() {
        Some(have) if need > have => Err(format!(
            "error: this run needs an estimated {} of memory but only {} is available ({} variant(s) × {} replications × {} steps, {threads} in flight)\n  help: lower replications, steps, members or the sweep, use fewer --threads, split it with --shard I/N, or pass --force to try anyway",
            gib(need),
            gib(have),
            s.variants.len(),
            s.replications,
            s.steps
        )),
        _ => Ok(()),
    }
}

/// Refuses a run whose results would not fit on the disk (before it
/// spends hours simulating).
fn check_disk(estimate: &RunEstimate, out: &Path) -> Result<(), String> {
    let need = estimate.disk_bytes;
    match engine::disk_available(out) {
        Some(have) if need > have => Err(format!(
            "error: this run's results need an estimated {} of disk but only {} is free where {} goes\n  help: record fewer steps (--record-every K), lower replications, steps or the sweep, write elsewhere (--out), or pass --force to try anyway",
            gib(need),
            gib(have),
            out.display()
        )),
        _ => Ok(()),
    }
}

/// Refuses a run estimated to take longer than `--time-limit` (a sweep a
/// typo made a thousand times larger should not start).
fn check_time(estimate: &RunEstimate, threads: usize, limit: f64) -> Result<(), String> {
    if estimate.seconds <= limit {
        return Ok(());
    }
    Err(format!(
        "error: this run is estimated to take {} on {threads} thread(s) ({:.2e} member-steps), beyond the time limit of {}\n  help: lower replications, steps or the sweep, split it with --shard, raise --time-limit (e.g. --time-limit 3d, or none), or pass --force to run it anyway",
        duration(estimate.seconds),
        estimate.member_steps as f64,
        duration(limit)
    ))
}

/// A duration for people: seconds, minutes, hours or days.
pub fn duration(seconds: f64) -> String {
    if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 172_800.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86400.0)
    }
}

/// Bytes in GiB, one decimal.
pub fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}
