//! The workshop report: `report.html` (one self-contained file: inline CSS,
//! charts inline as SVG, no network) and `report.md` (charts referenced as
//! relative PNG paths). Entry point: [`write_report`].

mod answer;

use std::fmt::{self, Write as _};
use std::path::Path;

use crate::plot::data::{Results, VariantInfo};
use crate::plot::{self, Chart, PlotError, fmt_num, fmt_pm};
use crate::stats::OnlineStats;

/// What went wrong while writing the report.
#[derive(Debug)]
pub enum ReportError {
    /// Reading the results or drawing the charts failed.
    Plot(PlotError),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Plot(e) => write!(f, "cannot write the report: {e}"),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Plot(e) => Some(e),
        }
    }
}

impl From<PlotError> for ReportError {
    fn from(e: PlotError) -> Self {
        ReportError::Plot(e)
    }
}

/// Writes `report.html` and `report.md` into `results_dir` (and the charts
/// under `charts/`, unless they are already up to date).
/// Draws the charts once, for the report and as files; returns the chart
/// files written.
pub fn write_report(results_dir: &Path) -> Result<Vec<std::path::PathBuf>, ReportError> {
    let r = plot::load(results_dir)?;
    let charts = plot::build_charts(&r)?;
    let files = plot::write_charts(results_dir, &charts)?;
    let mut doc = Doc::new(&r);
    doc.why = answer::Why::load(results_dir);
    doc.place = answer::Where::load(results_dir);
    doc.answer = answer::answer(&r, doc.why.as_ref(), doc.place.as_ref());
    doc.facts.extend(event_sizes(results_dir));
    plot::write_atomic(
        &results_dir.join("report.html"),
        html(&r, &doc, &charts).as_bytes(),
    )?;
    plot::write_atomic(
        &results_dir.join("report.md"),
        markdown(&r, &doc, &charts).as_bytes(),
    )?;
    Ok(files)
}

/// How many people each departure or layoff removes, from the folder's
/// resolved scenario (nothing when it cannot be read: the rest of the
/// report does not depend on it).
fn event_sizes(dir: &Path) -> Vec<String> {
    let file = dir.join("scenario.resolved.toml");
    let Ok(bytes) = std::fs::read(&file) else {
        return Vec::new();
    };
    crate::scenario::parse_in(&file.display().to_string(), &bytes, dir)
        .map(|s| s.event_size_lines())
        .unwrap_or_default()
}

/// A cell of a table: mean ± CI, or a note.
struct Row {
    label: String,
    cells: Vec<String>,
}

/// Content shared by both formats.
struct Doc {
    title: String,
    facts: Vec<String>,
    findings: Vec<String>,
    param_cols: Vec<String>,
    /// Summary table: header then rows.
    summary_head: Vec<String>,
    summary_rows: Vec<Row>,
    /// The answer in three sentences (filled in by `write_report`).
    answer: Vec<String>,
    why: Option<answer::Why>,
    place: Option<answer::Where>,
}

/// Statistics of a summary column for a variant; recovery steps of runs
/// that never recovered count as the weeks left (returned count > 0).
fn col_stats(r: &Results, v: usize, col: &str) -> Option<(OnlineStats, usize, usize)> {
    let c = r.summary.col(col)?;
    let mut st = r
        .summary
        .stats_scaled(v, c, crate::plot::data::Summary::display_scale(col));
    let (n, miss) = r.summary.count_missing(v, c);
    if miss > 0 && col.ends_with("_recovery_steps") {
        let k: Option<usize> = col
            .strip_prefix("event")
            .and_then(|s| s.split_once('_'))
            .and_then(|(k, _)| k.parse().ok());
        if let Some(e) = k.and_then(|k| r.events.iter().find(|e| e.k == k)) {
            let left = r.ts.steps as f64 - e.start;
            for _ in 0..miss {
                st.push(left);
            }
        }
    }
    Some((st, miss, n))
}

fn pm(st: &OnlineStats) -> String {
    fmt_pm(st.mean(), st.ci95_half_width())
}

fn event_name(r: &Results, k: usize) -> String {
    r.events
        .iter()
        .find(|e| e.k == k)
        .filter(|e| !e.label.is_empty())
        .map(|e| e.label.clone())
        .unwrap_or_else(|| format!("event {k}"))
}

/// Summary columns in reading order: headline first, then run averages.
fn ordered_columns(r: &Results) -> Vec<String> {
    let cols = &r.summary.columns;
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: &String| {
        // A sweep's parameter columns say which point a row is, not a result.
        if !out.contains(c) && !r.sweep_params.contains(c) {
            out.push(c.clone());
        }
    };
    cols.iter()
        .filter(|c| c.ends_with("_variability"))
        .for_each(&mut push);
    cols.iter()
        .filter(|c| c.starts_with("total_"))
        .for_each(&mut push);
    cols.iter()
        .filter(|c| c.starts_with("event"))
        .for_each(&mut push);
    cols.iter()
        .filter(|c| *c == "mean_turnover")
        .for_each(&mut push);
    cols.iter().for_each(&mut push);
    out
}

fn column_label(r: &Results, col: &str) -> String {
    if let Some(rest) = col.strip_prefix("event")
        && let Some((k, what)) = rest.split_once('_')
        && let Ok(k) = k.parse::<usize>()
    {
        let what = match what {
            "dip" => "dip (% below pre-event level)",
            "recovery_steps" => "recovery (weeks)",
            "resilience_loss" => "resilience loss",
            o => o,
        };
        // Twin measures: `<metric>_effect`, `<metric>_worst_gap`, `<metric>_recovery_steps`.
        let twin = [
            ("_effect", "effect vs twin"),
            ("_worst_gap", "largest gap behind twin"),
            ("_recovery_steps", "weeks until back beside twin"),
        ]
        .into_iter()
        .find_map(|(end, words)| {
            let metric = what.strip_suffix(end)?;
            let label = plot::metric_label(metric).0;
            (!label.is_empty()).then(|| format!("{label}: {words}"))
        });
        let what = twin.as_deref().unwrap_or(what);
        return format!("{}: {what}", event_name(r, k));
    }
    plot::metric_label(col).0
}

/// With adaptive replications (`adaptive.csv`): how many each variant got
/// and what for.
fn adaptive_fact(csv: &str) -> Option<String> {
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let first = rows.first().filter(|r| r.len() >= 9)?;
    let counts: Vec<u64> = rows.iter().filter_map(|r| r.get(4)?.parse().ok()).collect();
    let met = rows.iter().filter(|r| r.get(8) == Some(&"true")).count();
    Some(format!(
        "adaptive replications: {} to {} per variant, added until the 95% CI half-width of {} was at most {} (at most {}; met by {met} of {} variants)",
        counts.iter().min()?,
        counts.iter().max()?,
        first[1],
        first[2],
        first[3],
        rows.len()
    ))
}

/// With `[stop]` (`stop_step`, `stop_reason` in `summary.csv`): how many
/// runs collapsed or were absorbed, and what that means for the per-step
/// statistics and charts.
fn stop_facts(dir: &Path) -> Vec<String> {
    let Ok(mut f) = csv::Reader::from_path(dir.join("summary.csv")) else {
        return Vec::new();
    };
    let Ok(head) = f.headers().cloned() else {
        return Vec::new();
    };
    let (Some(cs), Some(cr)) = (
        head.iter().position(|h| h == "stop_step"),
        head.iter().position(|h| h == "stop_reason"),
    ) else {
        return Vec::new();
    };
    let (mut runs, mut absorbed) = (0usize, Vec::new());
    let mut collapsed: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for rec in f.records().flatten() {
        runs += 1;
        let step: u64 = rec.get(cs).and_then(|x| x.parse().ok()).unwrap_or(0);
        match rec.get(cr).unwrap_or("") {
            "absorbed" => absorbed.push(step),
            why => {
                if let Some(c) = why.strip_prefix("collapsed:") {
                    collapsed.entry(c.to_string()).or_default().push(step);
                }
            }
        }
    }
    let span = |v: &[u64]| {
        let (lo, hi) = (v.iter().min().unwrap_or(&0), v.iter().max().unwrap_or(&0));
        if lo == hi {
            format!("week {lo}")
        } else {
            format!("weeks {lo}–{hi}")
        }
    };
    let mut facts = Vec::new();
    if !absorbed.is_empty() {
        facts.push(format!(
            "{} of {runs} runs reached an absorbing state ({}) and hold that state to the last step: their rows after it repeat it",
            absorbed.len(),
            span(&absorbed)
        ));
    }
    let all: Vec<u64> = collapsed.values().flatten().copied().collect();
    if !all.is_empty() {
        let each: Vec<String> = collapsed
            .iter()
            .map(|(c, v)| format!("`{c}` {}", v.len()))
            .collect();
        facts.push(format!(
            "{} of {runs} runs collapsed ({}; {}) and ended there: per-step statistics and charts after a collapse are over the runs still alive (aggregate.csv `n`; `collapsed` counts the others), per-run measures over the weeks each run had",
            all.len(),
            each.join(", "),
            span(&all)
        ));
    }
    facts
}

impl Doc {
    fn new(r: &Results) -> Doc {
        let names: Vec<&str> = r.variant_names();
        let title = if r.scenario.name.is_empty() {
            r.dir.file_name().map_or("orgsim results".into(), |n| {
                n.to_string_lossy().into_owned()
            })
        } else {
            r.scenario.name.clone()
        };
        let mut param_cols = r.differing_params();
        for p in &r.sweep_params {
            if !param_cols.contains(p) {
                param_cols.push(p.clone());
            }
        }
        let (summary_head, summary_rows) = summary_table(r, &names);
        Doc {
            title,
            facts: run_facts(r, &names),
            findings: findings(r),
            param_cols,
            summary_head,
            summary_rows,
            answer: Vec::new(),
            why: None,
            place: None,
        }
    }
}

/// The facts of the run: variants, steps, warm-up, replications, seed,
/// stop conditions and events.
fn run_facts(r: &Results, names: &[&str]) -> Vec<String> {
    let mut facts = Vec::new();
    facts.push(format!("{} variants: {}", names.len(), names.join(", ")));
    let steps = r.scenario.steps.map_or(r.ts.steps as i64, |s| s);
    facts.push(format!("{steps} steps (1 step = 1 week)"));
    if let Some(w) = r.scenario.warmup.filter(|&w| w > 0 && w < steps) {
        // Every per-run measure (totals, means, variability) leaves out
        // the warm-up: the organization starts with empty queues.
        facts.push(format!(
            "per-run measures over weeks {w}–{}: weeks 0–{} are a warm-up (`[analysis] warmup`), left out of totals, means and variability; event effects are summed from the event to the end",
            steps - 1,
            w - 1
        ));
    }
    match std::fs::read_to_string(r.dir.join("adaptive.csv"))
        .ok()
        .and_then(|t| adaptive_fact(&t))
    {
        Some(fact) => facts.push(fact),
        None => facts.push(format!(
            "{} replications per variant",
            r.scenario
                .replications
                .map_or(r.replications() as i64, |x| x)
        )),
    }
    if let Some(seed) = &r.scenario.seed {
        facts.push(format!("seed {seed}"));
    }
    facts.extend(stop_facts(&r.dir));
    for e in &r.events {
        facts.push(format!(
            "event {}: {} ({}) at week {}{}",
            e.k,
            if e.label.is_empty() {
                "unnamed"
            } else {
                &e.label
            },
            if e.kind.is_empty() { "event" } else { &e.kind },
            fmt_num(e.start),
            if e.duration > 0.0 {
                format!(", lasting {} weeks", fmt_num(e.duration))
            } else {
                String::new()
            }
        ));
    }
    facts
}

/// The summary table's header and rows: a row per measure and a column
/// per variant when there are few variants, else a row per variant with
/// the headline measures.
fn summary_table(r: &Results, names: &[&str]) -> (Vec<String>, Vec<Row>) {
    let cols = ordered_columns(r);
    if r.variants.len() <= 8 {
        let head = std::iter::once("Metric (mean ± 95% CI)".to_string())
            .chain(names.iter().map(|s| s.to_string()))
            .collect();
        let rows = cols
            .iter()
            .map(|c| Row {
                label: column_label(r, c),
                cells: (0..r.variants.len())
                    .map(|v| match col_stats(r, v, c) {
                        Some((st, miss, n)) if miss > 0 && c.ends_with("_recovery_steps") => {
                            format!("≥ {} ({miss}/{n} never)", pm(&st))
                        }
                        Some((st, _, _)) => pm(&st),
                        None => "–".into(),
                    })
                    .collect(),
            })
            .collect();
        return (head, rows);
    }
    let head_cols: Vec<String> = cols
        .iter()
        .filter(|c| {
            c.ends_with("_variability") || c.starts_with("total_") || c.ends_with("_recovery_steps")
        })
        .cloned()
        .collect();
    let head = std::iter::once("Variant".to_string())
        .chain(head_cols.iter().map(|c| column_label(r, c)))
        .collect();
    let rows = (0..r.variants.len())
        .map(|v| Row {
            label: r.variants[v].name.clone(),
            cells: head_cols
                .iter()
                .map(|c| col_stats(r, v, c).map_or("–".into(), |(st, _, _)| pm(&st)))
                .collect(),
        })
        .collect();
    (head, rows)
}

/// Plain-language findings quoting numbers.
fn findings(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let nv = r.variants.len();
    if nv == 0 || r.summary.rows.is_empty() {
        return out;
    }
    let f = Rankings { r };
    if let Some(total) = r
        .summary
        .columns
        .iter()
        .find(|c| c.starts_with("total_"))
        .cloned()
    {
        let rk = f.ranked(&total, true);
        if !rk.is_empty() {
            let label = plot::metric_label(&total).0;
            out.push(format!(
                "{label} over the run, highest first: {}.",
                f.list(&rk, "")
            ));
        }
    }
    let mut ks: Vec<usize> = r.events.iter().map(|e| e.k).collect();
    ks.dedup();
    for k in ks {
        out.extend(f.event_findings(k));
    }
    let variability = r
        .summary
        .columns
        .iter()
        .find(|c| c.ends_with("_variability"))
        .cloned()
        .unwrap_or_default();
    let stab = f.ranked(&variability, false);
    if stab.len() >= 2 {
        out.push(format!(
            "Week-to-week variability of output (coefficient of variation, lower is steadier): steadiest {} ({}), most variable {} ({}).",
            f.name(stab[0].0),
            pm(&stab[0].1),
            f.name(stab[stab.len() - 1].0),
            pm(&stab[stab.len() - 1].1)
        ));
    }
    out.extend(significance_findings(r));
    out
}

/// Significance from comparison.csv: how many pairwise differences are
/// significant at 5% (Holm), and the first ten of them.
fn significance_findings(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let sig: Vec<_> = r
        .comparisons
        .iter()
        .filter(|c| c.p_holm.is_finite() && c.p_holm < 0.05)
        .collect();
    if r.comparisons.is_empty() {
        return out;
    }
    out.push(format!(
        "Pairwise tests ({} comparisons; each row's test, the Welch t-test or the log-rank test for recovery times, or the paired t-test with common random numbers, Holm-adjusted within the comparisons of the same measure): {} significant at 5%.",
        r.comparisons.len(),
        sig.len()
    ));
    for c in sig.iter().take(10) {
        let label = plot::metric_label(&c.metric).0;
        let better = if c.better.is_empty() {
            String::new()
        } else {
            format!("; better: {}", c.better)
        };
        out.push(format!(
            "{label}: {} {} vs {} {} — difference {} (95% CI {} to {}), {}Holm p = {}, Hedges' g = {}{better}.",
            c.variant_a,
            fmt_num(c.mean_a),
            c.variant_b,
            fmt_num(c.mean_b),
            fmt_num(c.diff),
            fmt_num(c.diff_ci_low),
            fmt_num(c.diff_ci_high),
            unadjusted(c),
            fmt_p(c.p_holm),
            fmt_num(c.hedges_g)
        ));
    }
    if sig.len() > 10 {
        out.push(format!(
            "… and {} more significant differences (see the comparison table).",
            sig.len() - 10
        ));
    }
    out
}

/// Rows of [`findings`]' rankings: variant, the column's statistics, runs
/// that never recovered, runs.
type Ranked = Vec<(usize, OnlineStats, usize, usize)>;

/// The findings' rankings of variants by a summary column, and how they
/// are listed in a sentence.
struct Rankings<'a> {
    r: &'a Results,
}

impl Rankings<'_> {
    fn name(&self, v: usize) -> &str {
        self.r.variants[v].name.as_str()
    }

    /// Ranks variants by the mean of a column (descending or ascending).
    fn ranked(&self, col: &str, descending: bool) -> Ranked {
        let r = self.r;
        let mut v: Ranked = (0..r.variants.len())
            .filter_map(|v| col_stats(r, v, col).map(|(s, m, n)| (v, s, m, n)))
            .filter(|x| x.1.n() > 0)
            .collect();
        v.sort_by(|a, b| {
            let o = a.1.mean().total_cmp(&b.1.mean());
            if descending { o.reverse() } else { o }
        });
        v
    }

    /// The first eight of a ranking, each with its mean ± CI in `unit`.
    fn list(&self, items: &[(usize, OnlineStats, usize, usize)], unit: &str) -> String {
        let shown: Vec<String> = items
            .iter()
            .take(8)
            .map(|(v, s, miss, n)| {
                let never = if *miss > 0 {
                    format!(" ({miss} of {n} runs never recovered; counted as the weeks left, so this is a lower bound)")
                } else {
                    String::new()
                };
                format!("{} {}{unit}{never}", self.name(*v), pm(s))
            })
            .collect();
        let more = if items.len() > 8 {
            format!(" (and {} more variants)", items.len() - 8)
        } else {
            String::new()
        };
        format!("{}{more}", shown.join("; "))
    }

    /// The findings on event `k`: its effects against the twins when the
    /// run has them, else recovery, dip and resilience loss against the
    /// pre-event level.
    fn event_findings(&self, k: usize) -> Vec<String> {
        let r = self.r;
        let mut out = Vec::new();
        let ev = event_name(r, k);
        let week = r
            .events
            .iter()
            .find(|e| e.k == k)
            .map(|e| fmt_num(e.start))
            .unwrap_or_default();
        // With twins, the event's effect is read against them: the
        // pre-event level's noise no longer sets the floor.
        if let Some(p) = r.summary.primary()
            && r.summary.col(&format!("event{k}_{p}_effect")).is_some()
        {
            for m in headline_effects(r, &p, k) {
                out.extend(self.twin_effect_findings(&m, k, &ev, &week));
            }
            return out;
        }
        let rec = self.ranked(&format!("event{k}_recovery_steps"), false);
        if !rec.is_empty() {
            out.push(format!(
                "After “{ev}” (week {week}), time to get back to {}% of the pre-event level, fastest first: {}.",
                fmt_num(r.scenario.threshold.unwrap_or(0.95) * 100.0),
                self.list(&rec, " weeks")
            ));
        }
        let dip = self.ranked(&format!("event{k}_dip"), false);
        if dip.len() >= 2 {
            let (a, b) = (&dip[0], &dip[dip.len() - 1]);
            out.push(format!(
                "Dip after “{ev}” (largest fall below the pre-event level, %): shallowest in {} ({}), deepest in {} ({}).",
                self.name(a.0),
                pm(&a.1),
                self.name(b.0),
                pm(&b.1)
            ));
        }
        let loss = self.ranked(&format!("event{k}_resilience_loss"), false);
        if loss.len() >= 2 {
            let (a, b) = (&loss[0], &loss[loss.len() - 1]);
            out.push(format!(
                "Resilience loss after “{ev}”: smallest in {} ({}), largest in {} ({}).",
                self.name(a.0),
                pm(&a.1),
                self.name(b.0),
                pm(&b.1)
            ));
        }
        out
    }

    /// The findings on event `k`'s effect on metric `m` against the twins: the
    /// effects, least harm first, each said to be a loss or a gain (or none
    /// distinguishable), and the weeks until back beside the twin.
    fn twin_effect_findings(&self, m: &str, k: usize, ev: &str, week: &str) -> Vec<String> {
        let r = self.r;
        let (label, unit) = plot::metric_label(m);
        let label = label.to_lowercase();
        let lower_better =
            crate::metric::find(m).is_some_and(|x| x.better == crate::metric::Better::Lower);
        let (worse, better) = if lower_better {
            ("an increase", "a decrease")
        } else {
            ("a loss", "a gain")
        };
        // A weekly rate summed over weeks is a count; a level, level × weeks.
        let summed = match unit.strip_suffix(" per week") {
            Some(count) => count.to_string(),
            None => format!("{unit} × weeks"),
        };
        let mut out = Vec::new();
        let eff = self.ranked(&format!("event{k}_{m}_effect"), !lower_better);
        if !eff.is_empty() {
            let shown: Vec<String> = eff
                .iter()
                .map(|(v, st, _, _)| {
                    let (mean, h) = (st.mean(), st.ci95_half_width());
                    let clear = if !h.is_finite() || (mean - h <= 0.0 && 0.0 <= mean + h) {
                        "not distinguishable from none"
                    } else if (mean < 0.0) != lower_better {
                        worse
                    } else {
                        better
                    };
                    format!("{} {} ({clear})", self.name(*v), pm(st))
                })
                .collect();
            out.push(format!(
                "Effect of “{ev}” (week {week}) on {label} ({summed}), each run minus its twin (the same replication without the event), summed to the end of the run, least harm first: {}.",
                shown.join("; ")
            ));
        }
        let rec = self.ranked(&format!("event{k}_{m}_recovery_steps"), false);
        if !rec.is_empty() {
            out.push(format!(
                "After “{ev}”, weeks until {label} is back within {}% of its twin, fastest first: {}.",
                fmt_num(((1.0 - r.scenario.threshold.unwrap_or(0.95)) * 1000.0).round() / 10.0),
                self.list(&rec, " weeks")
            ));
        }
        out
    }
}

/// The metrics whose effect against the twins the report states for event
/// `k`: the primary metric, then the other headline effects
/// ([`crate::model::ModelKind::headline_effects`]) the results have.
fn headline_effects(r: &Results, primary: &str, k: usize) -> Vec<String> {
    let mut out = vec![primary.to_string()];
    for c in &r.summary.columns {
        let Some(m) = c
            .strip_prefix(&format!("event{k}_"))
            .and_then(|c| c.strip_suffix("_effect"))
        else {
            continue;
        };
        if m != primary && crate::metric::is_headline_effect(m) {
            out.push(m.to_string());
        }
    }
    out
}

/// "`<test>` p = x (unadjusted), " for a comparison row, or nothing for
/// results written before the unadjusted p was recorded.
fn unadjusted(c: &plot::data::Comparison) -> String {
    if c.p_unadjusted.is_finite() && !c.p_test.is_empty() {
        format!("{} p = {} (unadjusted), ", c.p_test, fmt_p(c.p_unadjusted))
    } else {
        String::new()
    }
}

/// What the comparison tables' p columns are, for the text beside them.
const COMPARISON_NOTE: &str = "Difference of means a − b with its 95% interval (Welch; paired with common random numbers). \"p\" is the row's test, unadjusted: Welch t (it agrees with the interval: p < 0.05 exactly when the interval excludes 0), the paired t-test with common random numbers (likewise), or the log-rank test for recovery times, which counts the runs that never recovered while the interval covers only those that did. \"Holm p\" adjusts it within the comparisons of the same measure (the family: every pair of variants compared on it, and one sweep point when a sweep compares its structures point by point) and decides the verdict, so a row can have an interval that excludes 0 and a Holm p above 0.05. Mann–Whitney is a rank test, a robustness check that compares ranks, not means.";

fn fmt_p(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn md_esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn param_value(v: &VariantInfo, p: &str) -> String {
    match v.params.iter().find(|(k, _)| k == p) {
        // A variant without bundles is managed with the default practices.
        Some((k, x)) if k == "practices" && x.is_empty() => "defaults".into(),
        Some((_, x)) => x.clone(),
        None => "–".into(),
    }
}

/// Inline SVG sized by CSS.
fn inline_svg(svg: &str) -> String {
    let body = svg.trim_start_matches(|c| c != '<');
    let body = if body.starts_with("<?xml") {
        body.split_once("?>").map_or(body, |(_, b)| b.trim_start())
    } else {
        body
    };
    body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            &format!("width=\"{}\" height=\"{}\"", plot::WIDTH, plot::HEIGHT),
            "class=\"chart\" role=\"img\"",
            1,
        )
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}\
h1{font-size:2em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:2em}\
.question{font-size:1.3em;font-style:italic;color:#0072B2}\
table{border-collapse:collapse;margin:1em 0;font-size:.95em}th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}\
th{background:#eef4f9}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\
.scroll{overflow-x:auto}svg.chart{width:100%;height:auto;display:block;border:1px solid #ddd}\
figure{margin:1.5em 0}figcaption{color:#555;font-size:.95em;margin-top:.4em}\
ul.findings li{margin:.4em 0}.facts{color:#555}\
.answer{font-size:1.15em;background:#eef4f9;border-left:6px solid #0072B2;padding:.8em 1.2em .8em 2.4em}.answer li{margin:.35em 0}\
details{margin:1.2em 0}details>summary{font-size:1.4em;font-weight:bold;cursor:pointer;border-bottom:2px solid #0072B2;padding-bottom:.2em}\
details>summary .n{font-size:.7em;font-weight:normal;color:#555}ul.rules li{margin:.3em 0}";

fn html(r: &Results, d: &Doc, charts: &[Chart]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&d.title),
        esc(&d.title)
    );
    if !r.scenario.question.is_empty() {
        let _ = writeln!(h, "<p class=\"question\">{}</p>", esc(&r.scenario.question));
    }
    html_answer(&mut h, d);
    html_about(&mut h, r, d);
    let _ = writeln!(
        h,
        "<h2>Summary (mean ± 95% confidence interval over replications)</h2>\n<div class=\"scroll\"><table>\n<tr>"
    );
    for c in &d.summary_head {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    let _ = writeln!(h, "</tr>");
    for row in &d.summary_rows {
        let _ = write!(h, "<tr><td>{}</td>", esc(&row.label));
        for c in &row.cells {
            let _ = write!(h, "<td class=\"num\">{}</td>", esc(c));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table></div>");

    // Chart sections folded (the first open), so the report opens on the answer.
    let mut section = "";
    for (i, c) in charts.iter().enumerate() {
        if c.section != section {
            if !section.is_empty() {
                let _ = writeln!(h, "</details>");
            }
            section = c.section;
            let n = charts[i..]
                .iter()
                .take_while(|x| x.section == section)
                .count();
            let _ = writeln!(
                h,
                "<details{}><summary>{} <span class=\"n\">({n} chart{})</span></summary>",
                if i == 0 { " open" } else { "" },
                esc(section),
                if n == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption><strong>{}.</strong> {}</figcaption>\n</figure>",
            esc(&c.name),
            inline_svg(&c.svg),
            esc(&c.title),
            esc(&c.caption)
        );
    }
    if !section.is_empty() {
        let _ = writeln!(h, "</details>");
    }

    if !r.comparisons.is_empty() {
        let _ = writeln!(
            h,
            "<details><summary>Pairwise comparisons <span class=\"n\">({} rows)</span></summary>\n<p>{}</p>\n<div class=\"scroll\"><table>\n<tr><th>Metric</th><th>A</th><th>B</th><th>mean A</th><th>mean B</th><th>difference (95% CI)</th><th>test</th><th>p (unadjusted)</th><th>Holm p (within measure)</th><th>Welch p</th><th>Mann–Whitney p</th><th>Hedges' g</th><th>better</th><th>verdict</th></tr>",
            r.comparisons.len(),
            esc(COMPARISON_NOTE)
        );
        for c in &r.comparisons {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({} to {})</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.metric),
                esc(&c.variant_a),
                esc(&c.variant_b),
                fmt_num(c.mean_a),
                fmt_num(c.mean_b),
                fmt_num(c.diff),
                fmt_num(c.diff_ci_low),
                fmt_num(c.diff_ci_high),
                esc(&c.p_test),
                fmt_p(c.p_unadjusted),
                fmt_p(c.p_holm),
                fmt_p(c.welch_p),
                fmt_p(c.mann_whitney_p),
                fmt_num(c.hedges_g),
                esc(&c.better),
                esc(&c.verdict)
            );
        }
        let _ = writeln!(h, "</table></div></details>");
    }
    let _ = writeln!(
        h,
        "<p class=\"facts\">Generated by orgsim from the CSV files in this directory. Colours follow the Okabe–Ito colour-blind-safe palette and are the same for each variant in every chart.</p>\n</body>\n</html>"
    );
    h
}

/// The answer, then "Why" and "Where" when they were run into the folder.
fn html_answer(h: &mut String, d: &Doc) {
    if !d.answer.is_empty() {
        let _ = writeln!(h, "<h2>Answer</h2>\n<ol class=\"answer\">");
        for a in &d.answer {
            let _ = writeln!(h, "<li>{}</li>", esc(a));
        }
        let _ = writeln!(h, "</ol>");
    }
    if let Some(w) = &d.why {
        let _ = writeln!(h, "<h2>Why</h2>");
        if let Some(svg) = &w.svg {
            let _ = writeln!(
                h,
                "<figure id=\"explain_waterfall\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                inline_svg(svg),
                esc(&w.paragraph)
            );
        } else {
            let _ = writeln!(h, "<p>{}</p>", esc(&w.paragraph));
        }
    }
    if let Some(p) = &d.place {
        let _ = writeln!(h, "<h2>Where</h2>\n<ul class=\"rules\">");
        for line in p.text.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(h, "<li>{}</li>", esc(line.trim()));
        }
        let _ = writeln!(h, "</ul>");
        for (stem, svg) in &p.charts {
            let _ = writeln!(
                h,
                "<figure id=\"map_{}\">\n{}\n<figcaption>Colour: the structure with the best mean at each point of the sweep; hatched or ringed where its lead over the runner-up is not significant (paired 95% interval; one test per point, so about 1 in 20 points of no real difference shows as significant by chance).</figcaption>\n</figure>",
                esc(stem),
                inline_svg(svg)
            );
        }
    }
}

/// The description, the run's settings and the variants, folded.
fn html_about(h: &mut String, r: &Results, d: &Doc) {
    let _ = writeln!(
        h,
        "<details><summary>About this run <span class=\"n\">(settings and {} variants)</span></summary>",
        r.variants.len()
    );
    for para in r
        .scenario
        .description
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
    {
        let _ = writeln!(h, "<p>{}</p>", esc(para.trim()));
    }
    let _ = writeln!(h, "<ul class=\"facts\">");
    for f in &d.facts {
        let _ = writeln!(h, "<li>{}</li>", esc(f));
    }
    let _ = writeln!(h, "</ul>");
    let _ = writeln!(
        h,
        "<div class=\"scroll\"><table>\n<tr><th>Variant</th><th>Structure</th>"
    );
    for p in &d.param_cols {
        let _ = write!(h, "<th>{}</th>", esc(p));
    }
    let _ = writeln!(h, "</tr>");
    for v in &r.variants {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            esc(&v.name),
            esc(&v.structure)
        );
        for p in &d.param_cols {
            let _ = write!(h, "<td class=\"num\">{}</td>", esc(&param_value(v, p)));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table></div>");
    let _ = writeln!(
        h,
        "<p>{}</p>\n</details>",
        if d.param_cols.is_empty() {
            "All variants share the same parameter values apart from their structure: every variant is managed with the same practices."
        } else {
            "Only parameters that differ across variants are listed."
        }
    );
    if !d.findings.is_empty() {
        let _ = writeln!(
            h,
            "<details><summary>Findings <span class=\"n\">({})</span></summary>\n<ul class=\"findings\">",
            d.findings.len()
        );
        for f in &d.findings {
            let _ = writeln!(h, "<li>{}</li>", esc(f));
        }
        let _ = writeln!(h, "</ul></details>");
    }
}

fn markdown(r: &Results, d: &Doc, charts: &[Chart]) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", d.title);
    md_answer(&mut m, r, d);
    if !r.scenario.description.is_empty() {
        let _ = writeln!(m, "{}\n", r.scenario.description.trim());
    }
    for f in &d.facts {
        let _ = writeln!(m, "- {f}");
    }
    if !d.findings.is_empty() {
        let _ = writeln!(m, "\n## Findings\n");
        for f in &d.findings {
            let _ = writeln!(m, "- {f}");
        }
    }
    md_variants(&mut m, r, d);
    md_summary(&mut m, d);
    let mut section = "";
    for c in charts {
        if c.section != section {
            section = c.section;
            let _ = writeln!(m, "\n## {section}\n");
        }
        let _ = writeln!(
            m,
            "![{}](charts/{}.png)\n\n*{}.* {}\n",
            md_esc(&c.title),
            c.name,
            c.title,
            c.caption
        );
    }
    md_comparisons(&mut m, r);
    m
}

/// The question and, when there is one, the answer, why and where.
fn md_answer(m: &mut String, r: &Results, d: &Doc) {
    if !r.scenario.question.is_empty() {
        let _ = writeln!(m, "**Question:** {}\n", r.scenario.question.trim());
    }
    if !d.answer.is_empty() {
        let _ = writeln!(m, "## Answer\n");
        for (i, a) in d.answer.iter().enumerate() {
            let _ = writeln!(m, "{}. {a}", i + 1);
        }
        let _ = writeln!(m);
    }
    if let Some(w) = &d.why {
        let _ = writeln!(
            m,
            "## Why\n\n![Why](charts/explain_waterfall.png)\n\n{}\n",
            w.paragraph
        );
    }
    if let Some(p) = &d.place {
        let _ = writeln!(m, "## Where\n");
        for line in p.text.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(m, "- {}", line.trim());
        }
        for (stem, _) in &p.charts {
            let _ = writeln!(m, "\n![Where: {stem}](charts/map_{stem}.png)");
        }
        let _ = writeln!(m);
    }
}

/// The variants' table: structure and each parameter that differs.
fn md_variants(m: &mut String, r: &Results, d: &Doc) {
    let _ = writeln!(m, "\n## Variants\n");
    let _ = write!(m, "| Variant | Structure |");
    for p in &d.param_cols {
        let _ = write!(m, " {} |", md_esc(p));
    }
    let _ = write!(m, "\n|---|---|");
    for _ in &d.param_cols {
        let _ = write!(m, "---:|");
    }
    let _ = writeln!(m);
    for v in &r.variants {
        let _ = write!(m, "| {} | {} |", md_esc(&v.name), md_esc(&v.structure));
        for p in &d.param_cols {
            let _ = write!(m, " {} |", md_esc(&param_value(v, p)));
        }
        let _ = writeln!(m);
    }
}

/// The summary table.
fn md_summary(m: &mut String, d: &Doc) {
    let _ = writeln!(
        m,
        "\n## Summary (mean ± 95% confidence interval over replications)\n"
    );
    let _ = writeln!(
        m,
        "| {} |",
        d.summary_head
            .iter()
            .map(|s| md_esc(s))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        m,
        "|---|{}",
        "---:|".repeat(d.summary_head.len().saturating_sub(1))
    );
    for row in &d.summary_rows {
        let _ = writeln!(
            m,
            "| {} | {} |",
            md_esc(&row.label),
            row.cells
                .iter()
                .map(|s| md_esc(s))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
}

/// The pairwise comparisons' table (nothing when there are none).
fn md_comparisons(m: &mut String, r: &Results) {
    if r.comparisons.is_empty() {
        return;
    }
    let _ = writeln!(m, "\n## Pairwise comparisons\n");
    let _ = writeln!(m, "{COMPARISON_NOTE}\n");
    let _ = writeln!(
        m,
        "| Metric | A | B | mean A | mean B | difference (95% CI) | test | p (unadjusted) | Holm p (within measure) | Hedges' g | verdict |"
    );
    let _ = writeln!(m, "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|");
    for c in &r.comparisons {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} | {} ({} to {}) | {} | {} | {} | {} | {} |",
            md_esc(&c.metric),
            md_esc(&c.variant_a),
            md_esc(&c.variant_b),
            fmt_num(c.mean_a),
            fmt_num(c.mean_b),
            fmt_num(c.diff),
            fmt_num(c.diff_ci_low),
            fmt_num(c.diff_ci_high),
            md_esc(&c.p_test),
            fmt_p(c.p_unadjusted),
            fmt_p(c.p_holm),
            fmt_num(c.hedges_g),
            md_esc(&c.verdict)
        );
    }
}
