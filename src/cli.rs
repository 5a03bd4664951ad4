//! The `orgsim` command line: parse arguments, call the library, report.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Instant;

use clap::{CommandFactory, Parser, Subcommand};

use crate::engine;
use crate::manifest::Source;
use crate::output;
use crate::params::fmt_num;
use crate::pipeline;
use crate::scenario::{self, Scenario};
use crate::stats::OnlineStats;

#[derive(Parser)]
#[command(
    name = "orgsim",
    version = crate::VERSION,
    about = "How do hierarchies and peer organizations behave when leaders leave and shocks hit?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors (any subcommand).
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file and write results/<name>/.
    Run(RunArgs),
    /// Combine the folders of a run split with `run --shard I/N` into one
    /// results folder, identical to a run on one machine.
    Merge(MergeArgs),
    /// Check a scenario file without running it.
    Validate {
        /// The scenario file (`-`: standard input).
        file: PathBuf,
        /// Print the result as JSON (the errors with file, line, column,
        /// key and fix), for scripts and editors.
        #[arg(long)]
        json: bool,
    },
    /// Write a commented scenario template NAME.toml to start from.
    Init {
        /// Scenario name (also the file name).
        name: String,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Re-render the charts and the report of a results folder from its CSVs.
    Plot {
        /// The results folder (e.g. results/ceo-departure).
        dir: PathBuf,
    },
    /// Screen which parameters move an outcome (Morris elementary effects).
    Sensitivity(SensitivityArgs),
    /// Check an org chart (CSV) and draw it (SVG and PNG).
    Chart(ChartArgs),
    /// Why two variants differ: a measure's difference attributed to the
    /// parameters (or groups) in which they differ, by Shapley values.
    Explain(crate::explain::command::ExplainArgs),
    /// Where each structure wins: the scenario's variants compared at every
    /// point of a sweep over conditions (common random numbers).
    Map(crate::map::command::MapArgs),
    /// Open a live studio in the browser: sliders, events fired now, live
    /// charts of the variants side by side (a local web server).
    Studio(StudioArgs),
    /// Print every parameter of a model with its default, range and meaning.
    Params {
        /// Model name (organization, ...).
        #[arg(default_value = "organization")]
        model: String,
        /// Print a Markdown table (as in docs/model.md).
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// Print JSON (every parameter and practice bundle).
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. `orgsim completions bash >
    /// ~/.local/share/bash-completion/completions/orgsim`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff; e.g. `orgsim man > orgsim.1`).
    Man,
}

#[derive(clap::Args)]
struct StudioArgs {
    /// The scenario whose variants it shows (default: the three structures, 120 people).
    file: Option<PathBuf>,
    /// Port to listen on (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on instead of 127.0.0.1 (e.g. 0.0.0.0 to let
    /// others in the room connect; anyone who can reach it can use it).
    #[arg(long)]
    host: Option<String>,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// Replications per variant (default: the scenario's, at most 20).
    #[arg(long)]
    replications: Option<u32>,
    /// Worker threads for the simulations (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Folder whose finished runs "Open results" lists.
    #[arg(long, default_value = "results")]
    results: PathBuf,
}

#[derive(clap::Args)]
struct ChartArgs {
    /// The org chart: CSV with `id`, `manager_id` and optional columns.
    file: PathBuf,
    /// Where to write the drawing (default: the chart's name with .svg, in the current folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw it as peer teams (the `peer` transformation) instead of the hierarchy.
    #[arg(long)]
    peer: bool,
    /// Show personal names (by default only ids appear).
    #[arg(long)]
    show_names: bool,
}

#[derive(clap::Args)]
struct SensitivityArgs {
    /// The scenario file (its first variant is the base point).
    file: PathBuf,
    /// Parameters to screen: NAME (over its plausible range, see `orgsim
    /// params`) or NAME=MIN:MAX, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    params: Vec<String>,
    /// Summary measure to explain (e.g. total_throughput, mean_engagement, event1_resilience_loss).
    #[arg(long, default_value = "total_throughput")]
    outcome: String,
    /// Morris trajectories (each costs parameters + 1 design points).
    #[arg(long, default_value_t = 10)]
    trajectories: usize,
    /// Grid levels per parameter (even).
    #[arg(long, default_value_t = 4)]
    levels: usize,
    /// Replications per design point (overrides the file).
    #[arg(long)]
    replications: Option<u32>,
    /// Where to write morris.csv (default: results/<name>-sensitivity).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The scenario file (`-`: standard input).
    file: PathBuf,
    /// Replications per variant (overrides the file).
    #[arg(long)]
    replications: Option<u32>,
    /// Random seed (overrides the file).
    #[arg(long)]
    seed: Option<u64>,
    /// Steps to simulate (overrides the file).
    #[arg(long)]
    steps: Option<u32>,
    /// Results folder (default: results/<name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Record every K-th step in the time series (summaries use every step);
    /// replaces a scenario's `record = "final"`.
    #[arg(long, value_name = "K")]
    record_every: Option<u32>,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Refuse a run estimated to take longer than this (90m, 12h, 2d or
    /// none); --force runs it anyway.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = crate::limits::parse_duration)]
    time_limit: f64,
    /// Replace existing results.
    #[arg(long)]
    force: bool,
    /// `-q`, the global flag (set after parsing).
    #[arg(skip)]
    quiet: bool,
    /// Print every comparison at the end, not only the headline ones.
    #[arg(long)]
    all: bool,
    /// Continue an interrupted run from its manifest (same file and flags).
    #[arg(long)]
    resume: bool,
    /// With --resume: continue a run another orgsim build started (the
    /// manifest lists both builds).
    #[arg(long, requires = "resume")]
    any_build: bool,
    /// Run only shard I of N (e.g. 2/8) into its own folder; combine the
    /// shards with `orgsim merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<crate::manifest::Shard>,
    /// Skip the charts and the report (CSVs only).
    #[arg(long)]
    no_charts: bool,
    /// Adaptive replications: keep adding replications to each variant
    /// until the 95% CI half-width of METRIC (a summary measure as named in
    /// comparison.csv, e.g. total_throughput) is at most WIDTH. The file's
    /// (or --replications') count is the first round.
    #[arg(long, value_name = "METRIC=WIDTH")]
    target_ci: Option<String>,
    /// With --target-ci: the most replications any variant gets (default:
    /// 10 × the first round's).
    #[arg(long, value_name = "N")]
    max_replications: Option<u32>,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// The shard folders (written by `orgsim run FILE --shard I/N`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Results folder (default: results/<name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Merge shards another orgsim build ran (the manifest lists the
    /// builds combined).
    #[arg(long)]
    any_build: bool,
    /// Replace existing results.
    #[arg(long)]
    force: bool,
    /// `-q`, the global flag (set after parsing).
    #[arg(skip)]
    quiet: bool,
    /// Print every comparison at the end, not only the headline ones.
    #[arg(long)]
    all: bool,
    /// Skip the charts and the report (CSVs only).
    #[arg(long)]
    no_charts: bool,
}

/// Runs the CLI; returns the process exit code. Output goes through
/// [`crate::say!`], so a pipe that closes early (`orgsim params | head -1`)
/// neither panics nor stops a run: the reader has what it wanted.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    if cli.quiet {
        output::quiet();
    }
    let result = match cli.command {
        Command::Run(mut args) => {
            args.quiet = cli.quiet;
            run(args)
        }
        Command::Merge(mut args) => {
            args.quiet = cli.quiet;
            merge(args)
        }
        Command::Validate { file, json: true } => validate_json(&file),
        Command::Validate { file, json: false } => load(&file, None).map(|s| {
            crate::say!(
                "{}: ok: {} variant(s) × {} replications × {} steps, {} event(s)",
                if file == Path::new("-") {
                    "<standard input>".to_string()
                } else {
                    file.display().to_string()
                },
                s.variants.len(),
                s.replications,
                s.steps,
                s.events.len()
            );
            for line in s.event_size_lines() {
                crate::say!("  {line}");
            }
        }),
        Command::Init { name, force } => init(&name, force),
        Command::Chart(args) => chart(&args),
        Command::Params {
            model,
            markdown,
            json,
        } => params(&model, markdown, json),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "orgsim", &mut out);
            crate::say_part!("{}", String::from_utf8_lossy(&out));
            Ok(())
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| format!("error: {e}"))
                .map(|()| crate::say_part!("{}", String::from_utf8_lossy(&out)))
        }
        Command::Sensitivity(args) => sensitivity(args),
        Command::Explain(args) => crate::explain::command::run(args),
        Command::Map(args) => crate::map::command::run(args),
        Command::Plot { dir } => crate::lock::FolderLock::take(&dir, &crate::lock::command_line())
            .map_err(|e| e.to_string())
            .and_then(|_lock| {
                plot(&dir, false)?;
                output::refresh_chart_checksums(&dir).map_err(|e| format!("error: {e}"))
            }),
        Command::Studio(a) => crate::studio::serve(crate::studio::Options {
            file: a.file,
            host: a.host,
            port: a.port,
            open: a.open,
            threads: a.threads,
            replications: a.replications,
            results: a.results,
        }),
    };
    match result {
        Ok(()) => 0,
        // Stopped by Ctrl-C or SIGTERM: 130, as a shell reports an
        // interrupted command, so a script can tell it from a failure.
        Err(msg) if INTERRUPTED.load(Ordering::Relaxed) => {
            eprintln!("{msg}");
            130
        }
        Err(msg) => {
            // Empty when the output already said what failed (--json).
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            1
        }
    }
}

/// Set when a signal asked a run to stop.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// What a run is doing, for the signal handler: [`SIMULATING`],
/// [`WRITING_RESULTS`] or [`PUBLISHED`].
static WRITING: AtomicU8 = AtomicU8::new(SIMULATING);
const SIMULATING: u8 = 0;
const WRITING_RESULTS: u8 = 1;
const PUBLISHED: u8 = 2;

/// `validate --json`: the result on standard output, valid or not; exit 1
/// when it is not.
fn validate_json(file: &Path) -> Result<(), String> {
    let name = if file == Path::new("-") {
        "<standard input>".to_string()
    } else {
        file.display().to_string()
    };
    let bytes = if file == Path::new("-") {
        read_stdin(16 << 20)
    } else {
        crate::org::chart::read_input(file, 16 << 20, "scenario").map_err(|e| e.to_string())
    };
    let base = file.parent().unwrap_or(Path::new(""));
    let (value, ok) = match bytes {
        Err(e) => (crate::describe::unreadable(&name, &e), false),
        Ok(bytes) => match scenario::parse_in(&name, &bytes, base) {
            Ok(s) => (crate::describe::valid(&name, &s), true),
            Err(e) => (crate::describe::invalid(&name, &e), false),
        },
    };
    crate::say!("{value:#}");
    // The details are in the JSON; the exit code says whether it is valid.
    if ok { Ok(()) } else { Err(String::new()) }
}

/// Reads and validates a scenario, applying command-line overrides.
/// `-` reads the scenario from standard input (paths in it, such as an org
/// chart, are then relative to the current folder).
fn load(file: &Path, args: Option<&RunArgs>) -> Result<Scenario, String> {
    let (bytes, name, base) = if file == Path::new("-") {
        (
            read_stdin(16 << 20)?,
            "<standard input>".to_string(),
            Path::new(""),
        )
    } else {
        let bytes = crate::org::chart::read_input(file, 16 << 20, "scenario")
            .map_err(|e| format!("error: {e}"))?;
        let base = file.parent().unwrap_or(Path::new(""));
        (bytes, file.display().to_string(), base)
    };
    let mut s = scenario::parse_in(&name, &bytes, base).map_err(|e| e.to_string())?;
    if let Some(a) = args {
        pipeline::apply_overrides(&mut s, a.replications, a.seed, a.steps)?;
        if let Some(k) = a.record_every {
            if k == 0 {
                return Err("error: --record-every must be at least 1".into());
            }
            s.record_every = k;
            s.record_final = false;
        }
        apply_target(&mut s, a.target_ci.as_deref(), a.max_replications)?;
    }
    Ok(s)
}

/// Standard input, up to `limit` bytes (a scenario is a few kilobytes).
fn read_stdin(limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("error: reading the scenario from standard input: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "error: the scenario on standard input is over {} MB\n  help: a scenario file is a few kilobytes; is this the right input?",
            limit >> 20
        ));
    }
    Ok(bytes)
}

/// Applies `--target-ci` and `--max-replications`.
fn apply_target(s: &mut Scenario, target: Option<&str>, max: Option<u32>) -> Result<(), String> {
    let Some(text) = target else {
        return match max {
            Some(_) => Err("error: --max-replications only applies with --target-ci METRIC=WIDTH\n  help: add --target-ci, or set the count with --replications".into()),
            None => Ok(()),
        };
    };
    if let Some(m) = max {
        crate::limits::check(
            "--max-replications",
            m.into(),
            1,
            crate::limits::MAX_REPLICATIONS.into(),
        )?;
    }
    let cap = max.unwrap_or_else(|| {
        s.replications
            .saturating_mul(10)
            .min(crate::limits::MAX_REPLICATIONS)
    });
    let t = crate::adaptive::TargetCi::parse(text, cap).map_err(|e| format!("error: {e}"))?;
    let names: Vec<String> = output::compared_metrics(s)
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    if !names.contains(&t.metric) {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = crate::params::did_you_mean(&t.metric, refs.iter().copied())
            .map_or(String::new(), |m| format!("did you mean `{m}`? "));
        return Err(format!(
            "error: --target-ci: `{}` is not a summary measure of this scenario\n  help: {hint}choose one of: {}",
            t.metric,
            names.join(", ")
        ));
    }
    if s.replications < 2 {
        return Err(format!(
            "error: --target-ci needs at least 2 replications in the first round to estimate an interval (the scenario has {})\n  help: add --replications 10 (or more)",
            s.replications
        ));
    }
    if t.max_replications < s.replications {
        return Err(format!(
            "error: --max-replications {} is below the first round's {} replications\n  help: raise --max-replications or lower --replications",
            t.max_replications, s.replications
        ));
    }
    s.target_ci = Some(t);
    Ok(())
}

/// On a terminal, a run that will take a while says so before it starts.
fn announce_estimate(e: &engine::RunEstimate, threads: usize, quiet: bool) {
    let big = e.seconds > 60.0 || e.disk_bytes > 1 << 30;
    if quiet || !big || !std::io::stderr().is_terminal() {
        return;
    }
    eprintln!(
        "estimate: {:.2e} member-steps, about {} on {threads} thread(s), about {} of results",
        e.member_steps as f64,
        pipeline::duration(e.seconds),
        pipeline::gib(e.disk_bytes)
    );
}

/// The command that continues an interrupted run (same options).
fn resume_command(args: &RunArgs) -> String {
    let mut again = format!("orgsim run {} --resume", args.file.display());
    for (flag, v) in [
        ("--replications", args.replications.map(|x| x.to_string())),
        ("--seed", args.seed.map(|x| x.to_string())),
        ("--steps", args.steps.map(|x| x.to_string())),
        ("--record-every", args.record_every.map(|k| k.to_string())),
        ("--target-ci", args.target_ci.clone()),
        (
            "--max-replications",
            args.max_replications.map(|x| x.to_string()),
        ),
        ("--out", args.out.as_ref().map(|x| x.display().to_string())),
        (
            "--shard",
            args.shard.map(|x| format!("{}/{}", x.index, x.count)),
        ),
    ] {
        if let Some(v) = v {
            again.push_str(&format!(" {flag} {v}"));
        }
    }
    again
}

/// Where the signal handler finds the staging folder (set as the run
/// starts writing).
static STAGING: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// What the command line shows while a run goes: a progress bar on a
/// terminal, a line a minute in a job log, the end-of-run tables.
struct CliObserver {
    quiet: bool,
    all: bool,
    bar: indicatif::ProgressBar,
    log_line: output::LogProgress,
}

impl CliObserver {
    fn new(name: &str, quiet: bool, all: bool) -> Self {
        let tty = std::io::stderr().is_terminal();
        let ci = std::env::var_os("CI").is_some();
        let bar = if !quiet && tty && !ci {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {pos}/{len} runs, {elapsed} elapsed, ~{eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_message(name.to_string());
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        CliObserver {
            quiet,
            all,
            bar,
            log_line: output::LogProgress::new(!quiet && !tty && !ci, name),
        }
    }
}

impl pipeline::RunObserver for CliObserver {
    fn estimated(&mut self, e: &engine::RunEstimate, threads: usize) {
        announce_estimate(e, threads, self.quiet);
    }
    fn rejected_jobs(&mut self, text: &str) {
        eprint!("{text}");
    }
    fn planned(&mut self, jobs: u64, done: u64) {
        self.bar.inc_length(jobs);
        self.bar.inc(done);
        self.log_line.plan(jobs, done);
    }
    fn job_finished(&mut self) {
        self.bar.inc(1);
        self.log_line.tick();
    }
    fn job_failed(&mut self, f: &engine::JobFailure, variant: &str) {
        self.bar.suspend(|| {
            eprintln!(
                "warning: variant {} (\"{variant}\"), replication {}, seed {} failed: {}",
                f.variant, f.replication, f.seed, f.reason
            )
        });
    }
    fn phase(&mut self, phase: pipeline::Phase, staging: &Path) {
        match phase {
            pipeline::Phase::Simulating => {}
            pipeline::Phase::Writing => {
                self.bar.finish_and_clear();
                let _ = STAGING.set(staging.to_path_buf());
                WRITING.store(WRITING_RESULTS, Ordering::Relaxed);
            }
            pipeline::Phase::Published => WRITING.store(PUBLISHED, Ordering::Relaxed),
        }
    }
    fn assembled(&mut self, r: &pipeline::RunReport) {
        if self.quiet {
            return;
        }
        let s = r.scenario;
        print_summary(s, &r.assembled.headline);
        output::print_effects(&r.assembled.effects);
        for w in &r.assembled.warnings {
            eprintln!("warning: {w}");
        }
        print_comparison(s, &r.assembled.comparison, self.all);
        if let Some(t) = &s.target_ci {
            print_adaptive(s, t, r.replications, r.target_values);
        }
        if r.threads == 0 {
            // A merge: nothing was simulated here.
            return;
        }
        crate::say!(
            "\n{} runs ({} member-steps) in {:.2} s on {} thread(s): {:.1} M member-steps/s",
            r.jobs_done,
            r.member_steps,
            r.wall_seconds,
            r.threads,
            r.member_steps as f64 / r.wall_seconds.max(1e-9) / 1e6
        );
    }
    fn charts_written(&mut self, files: usize, seconds: f64) {
        if !self.quiet {
            crate::say!("{files} chart files and report.html, report.md in {seconds:.2} s");
        }
    }
}

/// `orgsim run`: the arguments as a pipeline request, Ctrl-C wired to it,
/// and what it reports printed.
fn run(args: RunArgs) -> Result<(), String> {
    let s = load(&args.file, Some(&args))?;
    let threads = crate::limits::threads(args.threads)?;
    let source = Source {
        file: args.file.display().to_string(),
        text: String::from_utf8_lossy(&std::fs::read(&args.file).unwrap_or_default()).into_owned(),
        replications: args.replications,
        seed: args.seed,
        steps: args.steps,
        record_every: s.record_every,
        target_ci: args.target_ci.clone(),
        max_replications: args.max_replications,
    };
    let again = resume_command(&args);
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let (cancel, again) = (cancel.clone(), again.clone());
        // Ctrl-C or SIGTERM while simulating: every running job stops within
        // a step; finished jobs stay in the manifest for --resume. While the
        // results are written: stop at once. Every run is then in the
        // staging folder, and a stop at any point of writing is resumable
        // (as a kill is: tests/robust_integrity.rs), so there is nothing to
        // wait for.
        let _ = ctrlc::set_handler(move || {
            INTERRUPTED.store(true, Ordering::Relaxed);
            cancel.store(true, Ordering::Relaxed);
            if WRITING.load(Ordering::Relaxed) == WRITING_RESULTS {
                let staging = STAGING.get().map(|p| p.display().to_string());
                eprintln!(
                    "interrupted while writing the results: every run is finished and kept in {}; nothing was published\n  help: write the results with: {again}",
                    staging.unwrap_or_default()
                );
                std::process::exit(130);
            }
        });
    }
    let mut observer = CliObserver::new(&s.name, args.quiet, args.all);
    let request = pipeline::RunRequest {
        scenario: s,
        source,
        out: args.out.clone(),
        threads,
        time_limit: args.time_limit,
        force: args.force,
        resume: args.resume,
        any_build: args.any_build,
        shard: args.shard,
        charts: !args.no_charts,
    };
    let end = pipeline::run(request, &mut observer, &cancel);
    observer.bar.finish_and_clear();
    match end {
        Ok(pipeline::RunEnd::Published { out }) => {
            if !args.quiet {
                crate::say!("results: {}", out.display());
            }
            Ok(())
        }
        Ok(pipeline::RunEnd::Shard {
            out,
            shard,
            jobs,
            wall_seconds,
        }) => {
            if !args.quiet {
                crate::say!(
                    "shard {}/{}: {jobs} runs in {wall_seconds:.2} s; kept in {}\ncombine all shards with: orgsim merge DIR... --out DIR",
                    shard.index,
                    shard.count,
                    out.display()
                );
            }
            Ok(())
        }
        Err(
            e @ pipeline::RunError::Interrupted {
                planned: Some(_), ..
            },
        ) => Err(format!("{e}\n  help: continue with: {again}")),
        Err(e @ pipeline::RunError::Interrupted { .. }) => {
            Err(format!("{e}\n  help: write the results with: {again}"))
        }
        Err(e @ pipeline::RunError::ReplicationsFailed { .. }) => Err(format!(
            "{e}\n  help: retry the failed ones with: orgsim run {} --resume (and the same options)",
            args.file.display()
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn print_adaptive(
    s: &Scenario,
    t: &crate::adaptive::TargetCi,
    counts: &[u32],
    values: &[Vec<f64>],
) {
    crate::say!(
        "\nadaptive replications: until the 95% CI half-width of {} is at most {} (at most {} replications; all in adaptive.csv):",
        t.metric,
        fmt_num(t.half_width),
        t.max_replications
    );
    if s.variants.len() > 12 {
        let met = (0..s.variants.len())
            .filter(|&v| crate::adaptive::Progress::of(&values[v][..counts[v] as usize]).reached(t))
            .count();
        crate::say!(
            "  {met} of {} variants met the target; {} to {} replications",
            s.variants.len(),
            counts.iter().min().unwrap_or(&0),
            counts.iter().max().unwrap_or(&0)
        );
        return;
    }
    let width = s.variants.iter().map(|v| v.name.len()).max().unwrap_or(7);
    for (v, variant) in s.variants.iter().enumerate() {
        let p = crate::adaptive::Progress::of(&values[v][..counts[v] as usize]);
        crate::say!(
            "  {:width$} {:>5} replications, half-width {:.4}{}",
            variant.name,
            counts[v],
            p.half_width,
            if p.reached(t) {
                ""
            } else {
                "  (cap reached: target not met)"
            }
        );
    }
}

/// `orgsim merge`: combines shard folders into one results folder.
fn merge(args: MergeArgs) -> Result<(), String> {
    let mut observer = CliObserver::new("merge", args.quiet, args.all);
    let request = pipeline::MergeRequest {
        dirs: args.dirs.clone(),
        out: args.out.clone(),
        force: args.force,
        any_build: args.any_build,
        charts: !args.no_charts,
    };
    let merged = pipeline::merge(request, &mut observer).map_err(|e| e.to_string())?;
    if !args.quiet {
        crate::say!(
            "\nmerged {} shard folder(s), {} runs: {}",
            args.dirs.len(),
            merged.jobs,
            merged.out.display()
        );
    }
    merged
        .failures
        .map_or(Ok(()), |f| Err(format!("error: {f}")))
}

/// Renders charts and the report of a results folder.
fn plot(dir: &Path, quiet: bool) -> Result<(), String> {
    let (files, seconds) = pipeline::write_charts_and_report(dir)?;
    if !quiet {
        crate::say!("{files} chart files and report.html, report.md in {seconds:.2} s");
    }
    Ok(())
}

/// A short table of means ± 95% CI per variant for the key metrics.
fn print_summary(s: &Scenario, per_variant: &[Vec<OnlineStats>]) {
    let names = s.model.metric_names();
    let primary = names[s.model.primary_metric()];
    let wanted = [
        "decision_latency",
        "engagement",
        "mean_skill",
        "sharing",
        "turnover",
        "leadership_coverage",
    ];
    let cols: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| wanted.contains(n))
        .map(|(i, _)| i)
        .collect();
    let width = s
        .variants
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(7)
        .clamp(7, 40);
    crate::say_part!("\n{:width$}  {:>16}", "variant", format!("total {primary}"));
    for &c in &cols {
        crate::say_part!("  {:>16}", names[c]);
    }
    crate::say!();
    let fmt = |a: &OnlineStats| {
        let m = a.mean();
        let h = a.ci95_half_width();
        let digits = if m.abs() >= 100.0 {
            0
        } else if m.abs() >= 1.0 {
            2
        } else {
            3
        };
        if h.is_finite() {
            format!("{m:.digits$} ± {h:.digits$}")
        } else {
            format!("{m:.digits$}")
        }
    };
    for (v, acc) in s.variants.iter().zip(per_variant) {
        let name: String = v.name.chars().take(width).collect();
        crate::say_part!("{name:width$}  {:>16}", fmt(&acc[0]));
        for &c in &cols {
            crate::say_part!("  {:>16}", fmt(&acc[c + 1]));
        }
        crate::say!();
    }
    let window = match s.analysis.warmup {
        0 => "over the whole run".to_string(),
        w => format!("over weeks {w}-{}, after the warm-up", s.steps - 1),
    };
    crate::say!(
        "(mean over replications ± 95% confidence half-width; totals and per-step means {window})"
    );
}

/// Which variant is better on the headline measures, with significance.
fn print_comparison(s: &Scenario, rows: &[crate::stats::ComparisonRow], all: bool) {
    if s.variants.len() < 2 {
        return;
    }
    match output::pair_rule(s) {
        output::PairRule::All => {}
        output::PairRule::SamePoint => {
            crate::say!(
                "\n{} variants: comparison.csv compares the variants at each sweep point with each other on every measure (`orgsim map` names the winner at each point)",
                s.variants.len()
            );
            return;
        }
        output::PairRule::First => {
            crate::say!(
                "\n{} variants: comparison.csv compares each with the first (\"{}\") on every measure",
                s.variants.len(),
                s.variants[0].name
            );
            return;
        }
    }
    if s.variants.len() > 6 {
        crate::say!(
            "\n{} variants: every pairwise comparison is in comparison.csv",
            s.variants.len()
        );
        return;
    }
    // The headline: the primary total and the first event's effect on it;
    // `--all` prints every row of comparison.csv.
    let primary = s.model.metric_names()[s.model.primary_metric()];
    let headline = [
        format!("total_{primary}"),
        format!("event1_{primary}_effect"),
    ];
    let shown = |r: &&crate::stats::ComparisonRow| all || headline.contains(&r.metric);
    crate::say!(
        "\ncomparisons (difference of means a − b with its 95% CI; p: the row's test, unadjusted (Welch t, paired t with common random numbers, log-rank for recovery times); the verdict's Holm p adjusts it within the measure's comparisons):"
    );
    let p = |x: f64| {
        if x < 0.001 {
            "<0.001".to_string()
        } else {
            format!("{x:.3}")
        }
    };
    for r in rows.iter().filter(shown) {
        crate::say!(
            "  {:24} {} vs {}: {:+.3} [{:+.3}, {:+.3}], g = {:+.2}, {} p {}: {}",
            r.metric,
            r.variant_a,
            r.variant_b,
            r.diff,
            r.diff_ci_low,
            r.diff_ci_high,
            r.hedges_g,
            r.p_test,
            p(r.p_unadjusted),
            r.verdict
        );
    }
    let rest = rows.len() - rows.iter().filter(shown).count();
    if rest > 0 {
        crate::say!(
            "  ... and {rest} more rows (every measure) in comparison.csv; --all prints them here"
        );
    }
}

/// `orgsim chart`: validates an org chart, prints its shape, writes the drawing.
fn chart(args: &ChartArgs) -> Result<(), String> {
    let file = &args.file;
    let bytes =
        crate::org::chart::read_input(file, crate::org::chart::MAX_CHART_BYTES, "org chart")
            .map_err(|e| format!("error: {e}"))?;
    let start = Instant::now();
    let chart =
        crate::org::chart::parse(&file.display().to_string(), &bytes).map_err(|e| e.to_string())?;
    let took = start.elapsed().as_secs_f64();
    let s = chart.summary();
    crate::say!(
        "{}: ok: {} positions ({} vacant), {} managers, {} teams, {} levels; spans {:.1} on average (largest {}), teams of {:.1}; {} skill domain(s); read in {:.3} s",
        file.display(),
        s.people,
        s.vacancies,
        s.managers,
        s.teams,
        s.levels,
        s.mean_span,
        s.max_span,
        s.mean_team,
        chart.domains.len(),
        took
    );
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map_or("chart".into(), |s| s.to_string_lossy());
        let suffix = if args.peer { "-peer" } else { "" };
        PathBuf::from(format!("{stem}{suffix}.svg"))
    });
    let svg = crate::chart_svg::svg(&chart, args.show_names, args.peer);
    crate::files::write_whole(&out, svg.as_bytes()).map_err(|e| format!("error: {e}"))?;
    crate::say!("wrote {}", out.display());
    let png_path = out.with_extension("png");
    let png = crate::plot::svg_to_png(&svg, &png_path).map_err(|e| format!("error: {e}"))?;
    crate::files::write_whole(&png_path, &png).map_err(|e| format!("error: {e}"))?;
    crate::say!("wrote {}", png_path.display());
    Ok(())
}

fn init(name: &str, force: bool) -> Result<(), String> {
    let path = PathBuf::from(format!("{name}.toml"));
    if path.exists() && !force {
        return Err(format!(
            "error: {} already exists\n  help: pass --force to replace it",
            path.display()
        ));
    }
    let text = scenario::template(name);
    // The template must itself be valid: check before writing.
    scenario::parse(&path.display().to_string(), text.as_bytes())
        .map_err(|e| format!("error: {e}\n  help: use letters, digits, `-` and `_` in the name"))?;
    std::fs::write(&path, text)
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    crate::say!(
        "wrote {}; run it with: orgsim run {}",
        path.display(),
        path.display()
    );
    Ok(())
}

fn params(model: &str, markdown: bool, json: bool) -> Result<(), String> {
    let kind = crate::model::ModelKind::from_name(model)
        .ok_or_else(|| format!("error: unknown model `{model}`"))?;
    if json {
        crate::say!("{:#}", crate::describe::params(kind));
        return Ok(());
    }
    let bundles = kind.practices();
    if markdown {
        crate::say_part!("{}", crate::params::markdown_table(kind.specs()));
        if !bundles.is_empty() {
            crate::say_part!("\n{}", crate::params::practices_markdown(bundles));
        }
        return Ok(());
    }
    for p in kind.specs() {
        crate::say!(
            "{:22} {:10} {:>8}  [{}] plausible [{}] {}: {} (plausible: {})",
            p.name,
            p.group.name(),
            fmt_num(p.default),
            p.range_text(),
            p.plausible_text(),
            p.unit,
            p.doc.trim(),
            p.source
        );
    }
    if !bundles.is_empty() {
        crate::say!("\npractice bundles (a variant adds them with `practices = [...]`):");
        for b in bundles {
            crate::say!(
                "{:24} {}
{:24} sets {}",
                b.name,
                b.meaning,
                "",
                b.sets_text("")
            );
        }
    }
    Ok(())
}

fn sensitivity(args: SensitivityArgs) -> Result<(), String> {
    let mut s = load(&args.file, None)?;
    if let Some(r) = args.replications {
        crate::limits::check(
            "--replications",
            r.into(),
            1,
            crate::limits::MAX_REPLICATIONS.into(),
        )?;
        s.replications = r;
    }
    if args.levels < 2 || !args.levels.is_multiple_of(2) {
        return Err("error: --levels must be an even number of 2 or more".into());
    }
    if args.trajectories < 2 {
        return Err("error: --trajectories must be at least 2 (σ needs two effects)".into());
    }
    let factors = args
        .params
        .iter()
        .map(|p| crate::sensitivity::parse_factor(&s, p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("error: --params {e}"))?;
    let threads = crate::limits::threads(args.threads)?;
    let effects = crate::sensitivity::screen(
        &s,
        &factors,
        &args.outcome,
        args.trajectories,
        args.levels,
        threads,
    )
    .map_err(|e| format!("error: {e}"))?;
    let out = args
        .out
        .unwrap_or_else(|| Path::new("results").join(format!("{}-sensitivity", s.name)));
    std::fs::create_dir_all(&out)
        .map_err(|e| format!("error: cannot create {}: {e}", out.display()))?;
    let mut csv = String::from("parameter,min,max,mu_star,mu,sigma\n");
    for (e, f) in effects
        .iter()
        .filter_map(|e| factors.iter().find(|f| f.name == e.name).map(|f| (e, f)))
    {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            e.name,
            f.min,
            f.max,
            crate::output::cell(e.mu_star),
            crate::output::cell(e.mu),
            crate::output::cell(e.sigma)
        ));
    }
    let path = out.join("morris.csv");
    crate::files::write_whole(&path, csv.as_bytes()).map_err(|e| format!("error: {e}"))?;
    crate::say!(
        "Morris screening of {} ({} trajectories × {} points, {} replications each):",
        args.outcome,
        args.trajectories,
        factors.len() + 1,
        s.replications
    );
    crate::say!(
        "{:24} {:>12} {:>12} {:>12}",
        "parameter",
        "mu*",
        "mu",
        "sigma"
    );
    for e in &effects {
        crate::say!(
            "{:24} {:>12.4} {:>12.4} {:>12.4}",
            e.name,
            e.mu_star,
            e.mu,
            e.sigma
        );
    }
    crate::say!(
        "(effects of moving each parameter across its range, plausible unless given; mu* ranks importance, sigma flags interactions or non-linearity)"
    );
    crate::say!("written: {}", path.display());
    Ok(())
}
