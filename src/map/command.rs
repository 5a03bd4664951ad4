//! `orgsim map FILE`: where each structure wins over a sweep of conditions.

use std::path::{Path, PathBuf};

use super::{Design, Map};
use crate::params::ParamSpec;
use crate::plot::why_where::{Cell, phase_diagram, scatter_map};
use crate::scenario::{Scenario, Variant};

#[derive(clap::Args)]
pub struct MapArgs {
    /// The scenario: its variants are the structures compared; its
    /// `[sweep]` (grid or Latin hypercube) is the map's, unless --over is given.
    pub file: PathBuf,
    /// A condition to sweep: NAME=MIN:MAX, or NAME for its plausible range
    /// (repeat for more dimensions).
    #[arg(long, value_name = "NAME=MIN:MAX")]
    pub over: Vec<String>,
    /// With --over: points per axis of a grid (one or two parameters), or
    /// points of a Latin hypercube (three or more, or with --lhs).
    #[arg(long, default_value_t = 10)]
    pub points: usize,
    /// Sample the --over ranges with a Latin hypercube even in 1–2 dimensions.
    #[arg(long)]
    pub lhs: bool,
    /// Measures to map, comma-separated (default: the primary total, mean
    /// engagement, and each event's resilience loss).
    #[arg(long, value_delimiter = ',')]
    pub measures: Vec<String>,
    /// Replications per structure and point (overrides the file).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Levels of the decision tree the rules come from.
    #[arg(long, default_value_t = 2)]
    pub depth: usize,
    /// Where to write (default: results/<name>-map; a run's results folder
    /// puts the map into its report).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// The range a sweep takes by default: the parameter's plausible range
/// (see `orgsim params`), when it is a range.
pub fn default_range(spec: &ParamSpec) -> Option<(f64, f64)> {
    (spec.plausible.0 < spec.plausible.1).then_some(spec.plausible)
}

/// Reads NAME=MIN:MAX (or NAME, with its default range).
fn parse_over(s: &Scenario, text: &str) -> Result<(String, f64, f64), String> {
    let (name, range) = text
        .split_once('=')
        .map_or((text, None), |(n, r)| (n, Some(r)));
    let specs = s.model.specs();
    let spec = specs.iter().find(|p| p.name == name).ok_or_else(|| {
        let hint = crate::params::did_you_mean(name, specs.iter().map(|p| p.name))
            .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
        format!("--over: unknown parameter `{name}`{hint}")
    })?;
    let (lo, hi) = match range {
        Some(r) => {
            let (a, b) = r
                .split_once(':')
                .ok_or_else(|| format!("--over `{text}`: write {name}=MIN:MAX"))?;
            let num = |x: &str| {
                x.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("--over `{text}`: `{x}` is not a number"))
            };
            (num(a)?, num(b)?)
        }
        None => default_range(spec)
            .ok_or_else(|| format!("--over `{name}`: give its range as {name}=MIN:MAX"))?,
    };
    spec.check(lo)
        .and(spec.check(hi))
        .map_err(|e| format!("--over `{text}`: {e}"))?;
    if lo >= hi {
        return Err(format!("--over `{text}`: the range needs MIN < MAX"));
    }
    Ok((name.to_string(), lo, hi))
}

/// The design from --over: a grid of `points` per axis in 1–2 dimensions,
/// a Latin hypercube of `points` beyond (or when asked).
fn over_design(s: &Scenario, args: &MapArgs) -> Result<Design, String> {
    let axes = args
        .over
        .iter()
        .map(|o| parse_over(s, o))
        .collect::<Result<Vec<_>, _>>()?;
    let specs = s.model.specs();
    let is_int = |n: &str| specs.iter().any(|p| p.name == n && p.integer);
    if args.points < 2 {
        return Err("--points must be at least 2".into());
    }
    let lhs = args.lhs || axes.len() > 2;
    let points = if lhs {
        let ranges: Vec<(f64, f64)> = axes.iter().map(|a| (a.1, a.2)).collect();
        // The design has its own stream, apart from every replication's.
        let mut rng = crate::rng::stream(s.seed, u64::MAX - 3, 0);
        crate::stats::design::latin_hypercube(args.points, &ranges, &mut rng)
            .into_iter()
            .map(|p| {
                p.iter()
                    .zip(&axes)
                    .map(|(x, a)| if is_int(&a.0) { x.round() } else { *x })
                    .collect()
            })
            .collect()
    } else {
        let levels: Vec<Vec<f64>> = axes
            .iter()
            .map(|(n, lo, hi)| {
                let mut v: Vec<f64> = (0..args.points)
                    .map(|i| lo + (hi - lo) * i as f64 / (args.points - 1) as f64)
                    .map(|x| if is_int(n) { x.round() } else { x })
                    .collect();
                v.dedup();
                v
            })
            .collect();
        crate::stats::design::cartesian(&levels)
    };
    Ok(Design {
        params: axes.into_iter().map(|a| a.0).collect(),
        points,
        grid: !lhs,
    })
}

/// The structures and design of a scenario whose `[sweep]` already crosses
/// its variants (variant-major: every point of the first variant, then of
/// the second, ...).
pub fn sweep_design(s: &Scenario) -> (Vec<Variant>, Design) {
    let n = s.variants.len();
    let first = &s.variants[0].sweep_point;
    // Points per variant: up to where the first point comes round again.
    let per = 1 + s.variants[1..]
        .iter()
        .take_while(|v| v.sweep_point != *first)
        .count();
    let per = per.clamp(1, n);
    let points: Vec<Vec<f64>> = s.variants[..per]
        .iter()
        .map(|v| v.sweep_point.clone())
        .collect();
    let distinct: usize = s
        .sweep
        .iter()
        .map(|(_, v)| {
            let mut v = v.clone();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v.len()
        })
        .product();
    let marker = s
        .sweep
        .first()
        .map(|(p, _)| format!(" {p}="))
        .unwrap_or_default();
    let structures = s
        .variants
        .iter()
        .step_by(per)
        .map(|v| {
            let mut base = v.clone();
            let mut name = v.name.as_str();
            if let Some(i) = name.find(&marker) {
                name = &name[..i];
            }
            if let Some(i) = name.rfind(" #") {
                name = &name[..i];
            }
            base.name = name.to_string();
            base
        })
        .collect();
    (
        structures,
        Design {
            params: s.sweep.iter().map(|(p, _)| p.clone()).collect(),
            grid: distinct == points.len(),
            points,
        },
    )
}

pub fn run(args: MapArgs) -> Result<(), String> {
    let err = |e: String| format!("error: {e}");
    let (mut s, _) = crate::explain::command::load_scenario(&args.file)?;
    if let Some(r) = args.replications {
        s.replications = r;
    }
    if s.replications < 2 {
        return Err(err(
            "a map needs at least 2 replications for its intervals (use --replications)".into(),
        ));
    }
    let (structures, design) = if args.over.is_empty() {
        if s.sweep.is_empty() {
            return Err(err(format!(
                "{} has no [sweep]: give the conditions to map with --over NAME=MIN:MAX",
                args.file.display()
            )));
        }
        sweep_design(&s)
    } else {
        let structures = if s.sweep.is_empty() {
            s.variants.clone()
        } else {
            // The file's own sweep is replaced: its variants are the structures.
            sweep_design(&s).0
        };
        (structures, over_design(&s, &args).map_err(err)?)
    };
    if structures.len() < 2 {
        return Err(err(
            "a map compares at least two variants (structures); the scenario lists one".into(),
        ));
    }
    super::check(&s, &structures, &design).map_err(err)?;
    let measures = if args.measures.is_empty() {
        super::headline_measures(&s)
    } else {
        args.measures.clone()
    };
    let start = std::time::Instant::now();
    let map = super::run(&s, &structures, &design, &measures, args.threads).map_err(err)?;
    let secs = start.elapsed().as_secs_f64();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-map", s.name)));
    let _lock = crate::lock::FolderLock::take(&out, &crate::lock::command_line())
        .map_err(|e| e.to_string())?;
    let text = write(&out, &map, args.depth)?;
    crate::say_part!("{text}");
    crate::say!(
        "{} points × {} structures × {} replications in {secs:.1} s (with charts: {:.1} s); written: {}",
        design.points.len(),
        structures.len(),
        s.replications,
        start.elapsed().as_secs_f64(),
        out.join("map.csv").display()
    );
    crate::explain::command::refresh_report(&out)
}

/// The plain-words summary: per measure, each structure's share of points
/// and the rules.
pub fn summary(map: &Map, depth: usize) -> String {
    let mut t = String::new();
    for (m, (name, _)) in map.measures.iter().enumerate() {
        let shares = super::shares(map, m);
        let parts: Vec<String> = map
            .structures
            .iter()
            .zip(&shares)
            .map(|(st, (w, sig))| format!("{st} {} ({} significantly)", pct(*w), pct(*sig)))
            .collect();
        t.push_str(&format!("{name}: points led: {}\n", parts.join(", ")));
        for r in super::map_rules(map, m, depth)
            .iter()
            .filter(|r| r.correct > 0 && r.precision() > 0.5)
        {
            t.push_str(&format!(
                "  {}\n",
                super::rule_text(r, &map.design.params, &map.structures, "leads")
            ));
        }
    }
    t
}

fn chart(map: &Map, m: usize) -> String {
    let (name, _) = &map.measures[m];
    let (label, _) = crate::plot::metric_label(name);
    let label = if label.is_empty() {
        name.clone()
    } else {
        label
    };
    let shares = super::shares(map, m);
    let legend: Vec<String> = map
        .structures
        .iter()
        .zip(&shares)
        .map(|(st, (w, _))| format!("{st}: leads at {}", pct(*w)))
        .collect();
    let title = format!("Where each structure leads: {label}");
    let sub = format!(
        "colour: best mean at each point; {} replications with common random numbers; paired 95% interval of the lead",
        map.replications
    );
    let cells: Vec<Cell> = map
        .design
        .points
        .iter()
        .zip(&map.verdicts[m])
        .filter_map(|(p, v)| {
            v.as_ref().map(|v| Cell {
                x: p[0],
                y: p.get(1).copied().unwrap_or(0.0),
                winner: v.winner,
                significant: v.significant,
            })
        })
        .collect();
    let px = &map.design.params;
    let yname = px.get(1).map_or("", String::as_str);
    if map.design.grid {
        let axis = |d: usize| {
            let mut v: Vec<f64> = map
                .design
                .points
                .iter()
                .map(|p| p.get(d).copied().unwrap_or(0.0))
                .collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        };
        phase_diagram(
            &title,
            &sub,
            (&px[0], yname),
            &axis(0),
            &axis(1),
            &cells,
            &legend,
        )
    } else {
        scatter_map(&title, &sub, (&px[0], yname), &cells, &legend)
    }
}

/// Writes map.csv, map.txt and one chart per measure; returns the summary.
pub fn write(out: &Path, map: &Map, depth: usize) -> Result<String, String> {
    use rayon::prelude::*;
    let err = |e: String| format!("error: {e}");
    std::fs::create_dir_all(out.join("charts"))
        .map_err(|x| err(format!("cannot create {}: {x}", out.display())))?;
    crate::files::write_whole(&out.join("map.csv"), super::csv(map).as_bytes())
        .map_err(|x| err(x.to_string()))?;
    let text = summary(map, depth);
    crate::files::write_whole(&out.join("map.txt"), text.as_bytes())
        .map_err(|x| err(x.to_string()))?;
    let charts: Vec<(String, String)> = (0..map.measures.len())
        .map(|m| (format!("map_{}", map.measures[m].0), chart(map, m)))
        .collect();
    charts
        .par_iter()
        .map(|(name, svg)| {
            let svg_path = out.join("charts").join(format!("{name}.svg"));
            let png = crate::plot::svg_to_png(svg, &svg_path).map_err(|x| x.to_string())?;
            crate::plot::write_atomic(&svg_path, svg.as_bytes()).map_err(|x| x.to_string())?;
            crate::plot::write_atomic(&out.join("charts").join(format!("{name}.png")), &png)
                .map_err(|x| x.to_string())
        })
        .collect::<Result<Vec<()>, String>>()
        .map_err(err)?;
    // The files reach the disk before the command says they are written.
    for folder in [out.join("charts"), out.to_path_buf()] {
        crate::files::sync_folder(&folder).map_err(|x| err(x.to_string()))?;
    }
    Ok(text)
}

/// A share as a whole percentage; a share too small to round to 1% but not
/// zero reads "< 1%", so one point won never shows as 0%.
fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.005 {
        "< 1%".into()
    } else {
        format!("{:.0}%", 100.0 * x)
    }
}
