//! `orgsim explain`: reads a scenario (or a results folder's resolved
//! scenario), explains a − b and writes `explain.csv`, `explain.txt` and the
//! waterfall chart.

use std::path::{Path, PathBuf};

use super::{By, Explanation, Method, Request};
use crate::plot::why_where::{Step, waterfall};
use crate::scenario::Scenario;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A results folder (its scenario.resolved.toml is used and the files
    /// are written into it) or a scenario file.
    pub path: PathBuf,
    /// The variant whose difference from B is explained (name or 1-based
    /// position; default: the scenario's second variant).
    #[arg(long)]
    pub a: Option<String>,
    /// The variant the difference is measured from (default: the first).
    #[arg(long)]
    pub b: Option<String>,
    /// Summary measure (as in comparison.csv, e.g. total_throughput, mean_engagement).
    #[arg(long, default_value = "total_throughput")]
    pub measure: String,
    /// Attribute to each `group` of parameters (structure, practice,
    /// conditions, behaviour) or to each `parameter`.
    #[arg(long, default_value = "group", value_parser = ["group", "parameter"])]
    pub by: String,
    /// Sampled orders per replication when more than 10 factors differ.
    #[arg(long, default_value_t = 16)]
    pub permutations: usize,
    /// Replications (overrides the file).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Where to write (default: the results folder, or results/<name>-explain).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Reads a scenario file, or a results folder's resolved scenario.
pub fn load_scenario(path: &Path) -> Result<(Scenario, bool), String> {
    let (file, is_dir) = if path.is_dir() {
        (path.join("scenario.resolved.toml"), true)
    } else {
        (path.to_path_buf(), false)
    };
    let bytes = std::fs::read(&file).map_err(|e| {
        format!(
            "error: cannot read {}: {e}{}",
            file.display(),
            if is_dir {
                " (is this an orgsim results folder?)"
            } else {
                ""
            }
        )
    })?;
    let base = file.parent().unwrap_or(Path::new(""));
    let s = crate::scenario::parse_in(&file.display().to_string(), &bytes, base)
        .map_err(|e| e.to_string())?;
    Ok((s, is_dir))
}

pub fn run(args: ExplainArgs) -> Result<(), String> {
    let (mut s, is_dir) = load_scenario(&args.path)?;
    if let Some(r) = args.replications {
        s.replications = r.max(2);
    }
    if s.replications < 2 {
        return Err(
            "error: explain needs at least 2 replications for its intervals (use --replications)"
                .into(),
        );
    }
    if s.variants.len() < 2 {
        return Err("error: explain needs a scenario with at least two variants".into());
    }
    let pick = |x: &Option<String>, default: usize| match x {
        Some(n) => super::find_variant(&s, n).map_err(|e| format!("error: {e}")),
        None => Ok(default),
    };
    let (a, b) = (pick(&args.a, 1)?, pick(&args.b, 0)?);
    if a == b {
        return Err("error: --a and --b name the same variant".into());
    }
    let by = if args.by == "parameter" {
        By::Parameter
    } else {
        By::Group
    };
    let req = Request {
        a,
        b,
        measure: &args.measure,
        by,
        permutations: args.permutations.max(2),
        threads: args.threads,
    };
    let start = std::time::Instant::now();
    let e = super::explain(&s, &req).map_err(|e| format!("error: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    let out = match (args.out, is_dir) {
        (Some(o), _) => o,
        (None, true) => args.path.clone(),
        (None, false) => Path::new("results").join(format!("{}-explain", s.name)),
    };
    let _lock = crate::lock::FolderLock::take(&out, &crate::lock::command_line())
        .map_err(|e| e.to_string())?;
    write(&out, &s, &e, a, b)?;
    crate::say!("{}", super::paragraph(&e));
    crate::say!(
        "{} mixed variants × {} replications in {secs:.1} s; written: {}",
        e.mixed_variants,
        s.replications,
        out.join("explain.csv").display()
    );
    refresh_report(&out)
}

/// Re-renders the report of a results folder that has one (so it shows
/// the new files) and records the charts' new checksums in its manifest.
pub fn refresh_report(out: &Path) -> Result<(), String> {
    if out.join("report.html").is_file() {
        crate::report::write_report(out).map_err(|e| format!("error: report: {e}"))?;
        crate::output::refresh_chart_checksums(out).map_err(|e| format!("error: {e}"))?;
        crate::say!("report updated: {}", out.join("report.html").display());
    }
    Ok(())
}

/// The waterfall chart's SVG.
pub fn chart(e: &Explanation) -> String {
    let steps: Vec<Step> = e
        .parts
        .iter()
        .map(|p| Step {
            label: p.factor.name.clone(),
            value: p.value,
            low: p.low,
            high: p.high,
        })
        .collect();
    let (label, _) = crate::plot::metric_label(&e.measure);
    let label = if label.is_empty() {
        e.measure.clone()
    } else {
        label
    };
    let method = match e.method {
        Method::Exact => "exact Shapley values".to_string(),
        Method::Sampled { permutations } => {
            format!("Shapley values, {permutations} sampled orders per replication")
        }
    };
    waterfall(
        &format!("Why {} differs from {}: {label}", e.a, e.b),
        &format!(
            "from {}'s mean to {}'s; {method}; whiskers: 95% intervals over {} replications",
            e.b, e.a, e.replications
        ),
        (&e.b, e.mean_b.0),
        &steps,
        (&e.a, e.mean_a.0),
        &label,
    )
}

fn write(out: &Path, s: &Scenario, e: &Explanation, a: usize, b: usize) -> Result<(), String> {
    let err = |e: String| format!("error: {e}");
    std::fs::create_dir_all(out.join("charts"))
        .map_err(|x| err(format!("cannot create {}: {x}", out.display())))?;
    let specs = s.model.specs();
    let csv = super::csv(e, specs, &s.variants[a].values, &s.variants[b].values);
    crate::files::write_whole(&out.join("explain.csv"), csv.as_bytes())
        .map_err(|x| err(x.to_string()))?;
    let text = super::paragraph(e) + "\n";
    crate::files::write_whole(&out.join("explain.txt"), text.as_bytes())
        .map_err(|x| err(x.to_string()))?;
    let svg = chart(e);
    let svg_path = out.join("charts").join("explain_waterfall.svg");
    let png = crate::plot::svg_to_png(&svg, &svg_path).map_err(|x| err(x.to_string()))?;
    crate::plot::write_atomic(&svg_path, svg.as_bytes()).map_err(|x| err(x.to_string()))?;
    crate::plot::write_atomic(&out.join("charts").join("explain_waterfall.png"), &png)
        .map_err(|x| err(x.to_string()))?;
    // The files reach the disk before the command says they are written.
    for folder in [out.join("charts"), out.to_path_buf()] {
        crate::files::sync_folder(&folder).map_err(|x| err(x.to_string()))?;
    }
    Ok(())
}
