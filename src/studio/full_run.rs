//! "Run in full": the page's scenario (what "Save as scenario" writes) run
//! through the library's run pipeline ([`crate::pipeline::run`]) exactly as
//! `orgsim run` runs a file: every replication, twins, comparisons, charts
//! and report, published into the folder "Open results" reads. The page
//! polls the run's progress and can stop it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::manifest::Source;
use crate::pipeline::{self, Phase, RunEnd, RunError, RunObserver, RunRequest};

/// A run in full refuses to start when estimated to take longer than this:
/// a workshop waits minutes, not hours (`orgsim run` runs longer ones).
const TIME_LIMIT_SECONDS: f64 = 15.0 * 60.0;

/// Where a run in full is, as the page shows it.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Progress {
    /// `running`, `published`, `stopped`, `refused` or `failed`.
    pub state: &'static str,
    /// `simulating` or `writing` while running.
    pub phase: &'static str,
    /// Replications finished and planned (variants × replications, twins
    /// included in each).
    pub done: u64,
    pub planned: u64,
    /// The results folder's name under the studio's results folder.
    pub name: String,
    /// What went wrong, or what a stopped run kept.
    pub message: String,
}

/// The studio's runs in full, by number.
#[derive(Default)]
pub struct FullRuns {
    runs: Mutex<HashMap<u64, Arc<FullRun>>>,
    next: AtomicU64,
}

/// One run in full: its progress and its stop button.
pub struct FullRun {
    progress: Mutex<Progress>,
    cancel: Arc<AtomicBool>,
}

impl FullRun {
    pub fn progress(&self) -> Progress {
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn stop(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    fn update(&self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.progress.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

impl FullRuns {
    pub fn get(&self, id: u64) -> Option<Arc<FullRun>> {
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    /// Starts running scenario `text` on its own thread; `base` is the
    /// folder an org chart it names is read from, `results` the folder it
    /// is published under. Refused at once when the text is not a valid
    /// scenario; everything later is in the run's [`Progress`].
    pub fn start(
        &self,
        text: String,
        base: &Path,
        results: &Path,
        threads: usize,
    ) -> Result<(u64, String), String> {
        let scenario = crate::scenario::parse_in("(studio)", text.as_bytes(), base)
            .map_err(|e| e.to_string())?;
        let name = free_name(results, &scenario.name);
        let request = RunRequest {
            source: Source {
                file: format!("(studio: {name})"),
                text,
                replications: None,
                seed: None,
                steps: None,
                record_every: scenario.record_every,
                target_ci: None,
                max_replications: None,
            },
            scenario,
            out: Some(results.join(&name)),
            threads,
            time_limit: TIME_LIMIT_SECONDS,
            force: false,
            resume: false,
            any_build: false,
            shard: None,
            charts: true,
        };
        let run = Arc::new(FullRun {
            progress: Mutex::new(Progress {
                state: "running",
                phase: "simulating",
                name: name.clone(),
                ..Progress::default()
            }),
            cancel: Arc::new(AtomicBool::new(false)),
        });
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, run.clone());
        std::thread::Builder::new()
            .name(format!("studio-run-{id}"))
            .spawn(move || execute(request, &run))
            .map_err(|e| format!("cannot start the run: {e}"))?;
        Ok((id, name))
    }
}

/// Runs the request to its end and records how it ended.
fn execute(request: RunRequest, run: &Arc<FullRun>) {
    let cancel = run.cancel.clone();
    let end = pipeline::run(request, &mut Observer(run.clone()), &cancel);
    // The studio cannot resume a run: a stopped one's finished replications
    // are removed rather than left in a hidden staging folder.
    if let Err(RunError::Interrupted { staging, .. }) = &end {
        let _ = std::fs::remove_dir_all(staging);
    }
    run.update(|p| {
        let (state, message) = match end {
            Ok(RunEnd::Published { .. }) => ("published", String::new()),
            Ok(RunEnd::Shard { .. }) => ("failed", "a studio run is never a shard".into()),
            Err(RunError::Interrupted { .. }) => (
                "stopped",
                "stopped: nothing was published, and what it had finished was removed".into(),
            ),
            Err(e @ RunError::Refused(_)) => ("refused", e.to_string()),
            Err(e) => ("failed", e.to_string()),
        };
        p.state = state;
        p.message = message;
    });
}

/// Passes the pipeline's progress to the page's poll.
struct Observer(Arc<FullRun>);

impl RunObserver for Observer {
    fn planned(&mut self, jobs: u64, done: u64) {
        self.0.update(|p| {
            p.planned = jobs;
            p.done = done;
        });
    }
    fn job_finished(&mut self) {
        self.0.update(|p| p.done += 1);
    }
    fn phase(&mut self, phase: Phase, _staging: &Path) {
        self.0.update(|p| {
            p.phase = match phase {
                Phase::Simulating => "simulating",
                Phase::Writing | Phase::Published => "writing",
            }
        });
    }
}

/// A results folder name under `results` for scenario `name` that no
/// folder (finished or interrupted) has yet: `<name>-studio`, then
/// `<name>-studio-2`, ...
fn free_name(results: &Path, name: &str) -> String {
    let safe = super::file_safe(name);
    let taken =
        |n: &str| results.join(n).exists() || results.join(format!(".{n}.partial")).exists();
    let first = format!("{safe}-studio");
    if !taken(&first) {
        return first;
    }
    (2..)
        .map(|i| format!("{first}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or(first)
}

/// The folder an org chart named by the studio's scenario is read from.
pub fn chart_base(file: Option<&Path>) -> PathBuf {
    file.and_then(Path::parent)
        .map_or_else(PathBuf::new, Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_never_one_already_taken() {
        let d = std::env::temp_dir().join(format!("orgsim-full-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(free_name(&d, "three structures"), "three_structures-studio");
        std::fs::create_dir_all(d.join("three_structures-studio")).unwrap();
        std::fs::create_dir_all(d.join(".three_structures-studio-2.partial")).unwrap();
        assert_eq!(
            free_name(&d, "three structures"),
            "three_structures-studio-3"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
