//! The `orgsim` command line: parse arguments, call the library, report.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::engine;
use crate::output::{ResultsWriter, RunRecord};
use crate::params::fmt_num;
use crate::scenario::{self, Scenario};
use crate::stats::OnlineStats;

#[derive(Parser)]
#[command(
    name = "orgsim",
    version,
    about = "How do hierarchies and peer organizations behave when leaders leave and shocks hit?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file and write results/<name>/.
    Run(RunArgs),
    /// Check a scenario file without running it.
    Validate {
        /// The scenario file.
        file: PathBuf,
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
    /// Print every parameter of a model with its default, range and meaning.
    Params {
        /// Model name (organization, ...).
        #[arg(default_value = "organization")]
        model: String,
        /// Print a Markdown table (as in docs/model.md).
        #[arg(long)]
        markdown: bool,
    },
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
    /// Parameters to screen: NAME or NAME=MIN:MAX, comma-separated.
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
    /// The scenario file.
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
    /// Record every K-th step in the time series (summaries use every step).
    #[arg(long, value_name = "K", default_value_t = 1)]
    record_every: u32,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Replace existing results.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Skip the charts and the report (CSVs only).
    #[arg(long)]
    no_charts: bool,
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { file } => load(&file, None).map(|s| {
            println!(
                "{}: ok: {} variant(s) × {} replications × {} steps, {} event(s)",
                file.display(),
                s.variants.len(),
                s.replications,
                s.steps,
                s.events.len()
            );
        }),
        Command::Init { name, force } => init(&name, force),
        Command::Chart(args) => chart(&args),
        Command::Params { model, markdown } => params(&model, markdown),
        Command::Sensitivity(args) => sensitivity(args),
        Command::Plot { dir } => plot(&dir, false).map(|_| ()),
    };
    match result {
        Ok(()) => 0,
        Err(msg) => {
            eprintln!("{msg}");
            1
        }
    }
}

/// Reads and validates a scenario, applying command-line overrides.
fn load(file: &Path, args: Option<&RunArgs>) -> Result<Scenario, String> {
    let bytes =
        std::fs::read(file).map_err(|e| format!("error: cannot read {}: {e}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new(""));
    let mut s =
        scenario::parse_in(&file.display().to_string(), &bytes, base).map_err(|e| e.to_string())?;
    if let Some(a) = args {
        if let Some(r) = a.replications {
            if r == 0 {
                return Err("error: --replications must be at least 1".into());
            }
            s.replications = r;
        }
        if let Some(seed) = a.seed {
            s.seed = seed;
        }
        if let Some(steps) = a.steps {
            if steps == 0 {
                return Err("error: --steps must be at least 1".into());
            }
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
        if a.record_every == 0 {
            return Err("error: --record-every must be at least 1".into());
        }
        s.record_every = a.record_every;
    }
    Ok(s)
}

fn run(args: RunArgs) -> Result<(), String> {
    let s = load(&args.file, Some(&args))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&s.name));
    let threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        args.threads
    };
    let mut writer =
        ResultsWriter::create(&s, &out, args.force).map_err(|e| format!("error: {e}"))?;

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // A second Ctrl-C while shutting down is ignored; stopping takes at most one replication.
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    let show_progress =
        !args.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let bar = if show_progress {
        let b = indicatif::ProgressBar::new(s.total_jobs());
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {pos}/{len} runs, {elapsed} elapsed, ~{eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b.set_message(s.name.clone());
        b
    } else {
        indicatif::ProgressBar::hidden()
    };

    let start = Instant::now();
    let k = s.model.metric_names().len();
    let mut per_variant: Vec<Vec<OnlineStats>> =
        vec![vec![OnlineStats::new(); k + 1]; s.variants.len()];
    let stats = engine::run(&s, threads, &cancel, |r| {
        let acc = &mut per_variant[r.variant];
        acc[0].push(r.summary.total);
        for (a, x) in acc[1..].iter_mut().zip(&r.summary.means) {
            a.push(*x);
        }
        bar.inc(1);
        writer.write(&s, &r)
    })
    .map_err(|e| format!("error: {e}"))?;
    bar.finish_and_clear();
    let wall = start.elapsed().as_secs_f64();
    if stats.cancelled {
        return Err(format!(
            "interrupted after {} of {} runs; nothing was written to {} (partial files are in {})",
            stats.jobs_done,
            s.total_jobs(),
            out.display(),
            writer.staging_dir().display()
        ));
    }
    let record = RunRecord {
        orgsim_version: env!("CARGO_PKG_VERSION"),
        scenario: s.name.clone(),
        model: s.model.name(),
        seed: s.seed,
        steps: s.steps,
        record_every: s.record_every,
        replications: s.replications,
        variants: s.variants.len(),
        threads,
        wall_seconds: wall,
        member_steps: stats.member_steps,
        member_steps_per_second: stats.member_steps as f64 / wall.max(1e-9),
        complete: true,
    };
    let (dir, comparison) = writer
        .finish(&s, &record)
        .map_err(|e| format!("error: {e}"))?;
    if !args.quiet {
        print_summary(&s, &per_variant);
        print_comparison(&s, &comparison);
        println!(
            "\n{} runs ({} member-steps) in {:.2} s on {threads} thread(s): {:.1} M member-steps/s",
            stats.jobs_done,
            stats.member_steps,
            wall,
            record.member_steps_per_second / 1e6
        );
    }
    if !args.no_charts {
        plot(&dir, args.quiet)?;
    }
    if !args.quiet {
        println!("results: {}", dir.display());
    }
    Ok(())
}

/// Renders charts and the report of a results folder.
fn plot(dir: &Path, quiet: bool) -> Result<(), String> {
    let start = Instant::now();
    let files = crate::plot::render_all(dir).map_err(|e| format!("error: charts: {e}"))?;
    crate::report::write_report(dir).map_err(|e| format!("error: report: {e}"))?;
    if !quiet {
        println!(
            "{} chart files and report.html, report.md in {:.2} s",
            files.len(),
            start.elapsed().as_secs_f64()
        );
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
    print!("\n{:width$}  {:>16}", "variant", format!("total {primary}"));
    for &c in &cols {
        print!("  {:>16}", names[c]);
    }
    println!();
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
        print!("{name:width$}  {:>16}", fmt(&acc[0]));
        for &c in &cols {
            print!("  {:>16}", fmt(&acc[c + 1]));
        }
        println!();
    }
    println!("(mean over replications ± 95% confidence half-width; per-step means over the run)");
}

/// Which variant is better on the headline measures, with significance.
fn print_comparison(s: &Scenario, rows: &[crate::stats::ComparisonRow]) {
    if s.variants.len() < 2 {
        return;
    }
    if s.variants.len() > 6 {
        println!(
            "\n{} variants: every pairwise comparison is in comparison.csv",
            s.variants.len()
        );
        return;
    }
    let primary = s.model.metric_names()[s.model.primary_metric()];
    let headline = [
        format!("total_{primary}"),
        "stability".to_string(),
        "mean_decision_latency".into(),
        "mean_engagement".into(),
        "mean_sharing".into(),
        "event1_dip".into(),
        "event1_recovery_steps".into(),
        "event1_resilience_loss".into(),
    ];
    println!(
        "\ncomparisons (difference of means a − b with 95% CI; Welch p adjusted by Holm; all in comparison.csv):"
    );
    for r in rows.iter().filter(|r| headline.contains(&r.metric)) {
        println!(
            "  {:24} {} vs {}: {:+.3} [{:+.3}, {:+.3}], g = {:+.2}: {}",
            r.metric,
            r.variant_a,
            r.variant_b,
            r.diff,
            r.diff_ci_low,
            r.diff_ci_high,
            r.hedges_g,
            r.verdict
        );
    }
}

/// `orgsim chart`: validates an org chart, prints its shape, writes the drawing.
fn chart(args: &ChartArgs) -> Result<(), String> {
    let file = &args.file;
    let bytes =
        std::fs::read(file).map_err(|e| format!("error: cannot read {}: {e}", file.display()))?;
    let start = Instant::now();
    let chart =
        crate::org::chart::parse(&file.display().to_string(), &bytes).map_err(|e| e.to_string())?;
    let took = start.elapsed().as_secs_f64();
    let s = chart.summary();
    println!(
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
    crate::output::write_atomic(&out, svg.as_bytes()).map_err(|e| format!("error: {e}"))?;
    println!("wrote {}", out.display());
    let png_path = out.with_extension("png");
    let png = crate::plot::svg_to_png(&svg, &png_path).map_err(|e| format!("error: {e}"))?;
    crate::output::write_atomic(&png_path, &png).map_err(|e| format!("error: {e}"))?;
    println!("wrote {}", png_path.display());
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
    println!(
        "wrote {}; run it with: orgsim run {}",
        path.display(),
        path.display()
    );
    Ok(())
}

fn params(model: &str, markdown: bool) -> Result<(), String> {
    let kind = crate::model::ModelKind::from_name(model)
        .ok_or_else(|| format!("error: unknown model `{model}`"))?;
    if markdown {
        println!("| parameter | default | range | unit | meaning |\n|---|---|---|---|---|");
    }
    for p in kind.specs() {
        if markdown {
            println!(
                "| `{}` | {} | {} | {} | {} |",
                p.name,
                fmt_num(p.default),
                p.range_text(),
                p.unit,
                p.doc.trim()
            );
        } else {
            println!(
                "{:22} {:>8}  [{}] {}: {}",
                p.name,
                fmt_num(p.default),
                p.range_text(),
                p.unit,
                p.doc.trim()
            );
        }
    }
    Ok(())
}

fn sensitivity(args: SensitivityArgs) -> Result<(), String> {
    let mut s = load(&args.file, None)?;
    if let Some(r) = args.replications {
        s.replications = r.max(1);
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
    let threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        args.threads
    };
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
    crate::output::write_atomic(&path, csv.as_bytes()).map_err(|e| format!("error: {e}"))?;
    println!(
        "Morris screening of {} ({} trajectories × {} points, {} replications each):",
        args.outcome,
        args.trajectories,
        factors.len() + 1,
        s.replications
    );
    println!(
        "{:24} {:>12} {:>12} {:>12}",
        "parameter", "mu*", "mu", "sigma"
    );
    for e in &effects {
        println!(
            "{:24} {:>12.4} {:>12.4} {:>12.4}",
            e.name, e.mu_star, e.mu, e.sigma
        );
    }
    println!(
        "(effects of moving each parameter across its whole range; mu* ranks importance, sigma flags interactions or non-linearity)"
    );
    println!("written: {}", path.display());
    Ok(())
}
