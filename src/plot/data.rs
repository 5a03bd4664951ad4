//! Loading a results directory written by `orgsim run`.
//!
//! Every file is read by header name, never by position, so extra columns
//! and reordered columns are fine. Empty cells mean "no value" and become
//! `NaN`. Nothing here panics on malformed input: every problem is a
//! [`PlotError`] naming the file, the line and the column.
//!
//! Memory stays bounded for big runs: per-step statistics come from
//! `aggregate.csv` (re-aggregated from `timeseries.csv` only when it is
//! missing), `timeseries.csv` is streamed and only the primary metric on
//! the steps around events is kept per replication (the recovery chart's
//! windows), as is the primary metric of each run and its twin on those
//! windows from `twins.csv`, and `organization.csv` is streamed keeping the leadership
//! posts and, of the members, only counts per team.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::stats::OnlineStats;

use super::PlotError;

/// Metrics that get their own time-series chart when present, in this order.
pub const KEY_METRICS: [&str; 6] = [
    "throughput",
    "backlog",
    "decision_latency",
    "engagement",
    "mean_skill",
    "leadership_coverage",
];

/// One scheduled event (`events.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub k: usize,
    pub label: String,
    pub kind: String,
    pub start: f64,
    pub duration: f64,
}

/// One variant (`variants.csv`).
#[derive(Clone, Debug, Default)]
pub struct VariantInfo {
    pub name: String,
    pub model: String,
    pub structure: String,
    /// Parameter name and resolved value, in file order.
    pub params: Vec<(String, String)>,
}

/// Statistics across replications of one metric at one step: what the
/// charts draw (mean and the half-width of its 95% t interval).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepStats {
    pub n: u64,
    mean: f64,
    half: f64,
}

impl StepStats {
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Mean; NaN when no replication has a value.
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Half-width of the 95% t interval of the mean; NaN when `n < 2`.
    pub fn ci95_half_width(&self) -> f64 {
        if self.n < 2 { f64::NAN } else { self.half }
    }
}

impl From<&OnlineStats> for StepStats {
    fn from(s: &OnlineStats) -> Self {
        StepStats {
            n: s.n(),
            mean: s.mean(),
            half: s.ci95_half_width(),
        }
    }
}

/// The primary metric per replication, on the steps that need it (the
/// recovery chart's windows around events), not on the whole run.
#[derive(Clone, Debug, Default)]
pub struct Replicates {
    /// Kept steps: sorted, disjoint ranges; range `k` starts at `offsets[k]`
    /// in a row.
    ranges: Vec<Range<usize>>,
    offsets: Vec<usize>,
    width: usize,
    /// `rows[variant][replication]`: the kept steps, NaN where absent.
    rows: Vec<Vec<Vec<f64>>>,
}

impl Replicates {
    /// Keeps the steps in `ranges` (any order, may overlap).
    pub fn new(mut ranges: Vec<Range<usize>>) -> Self {
        ranges.retain(|r| !r.is_empty());
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut offsets = Vec::with_capacity(merged.len());
        let mut width = 0;
        for r in &merged {
            offsets.push(width);
            width += r.len();
        }
        Replicates {
            ranges: merged,
            offsets,
            width,
            rows: Vec::new(),
        }
    }

    fn slot(&self, step: usize) -> Option<usize> {
        let k = self.ranges.partition_point(|r| r.end <= step);
        let r = self.ranges.get(k)?;
        r.contains(&step).then(|| self.offsets[k] + step - r.start)
    }

    fn set(&mut self, v: usize, rep: usize, step: usize, x: f64) {
        let Some(i) = self.slot(step) else { return };
        if self.rows.len() <= v {
            self.rows.resize(v + 1, Vec::new());
        }
        let reps = &mut self.rows[v];
        if reps.len() <= rep {
            reps.resize(rep + 1, vec![f64::NAN; self.width]);
        }
        reps[rep][i] = x;
    }

    /// Replications seen for variant `v`.
    pub fn replications(&self, v: usize) -> usize {
        self.rows.get(v).map_or(0, Vec::len)
    }

    /// Value at `step` of replication `rep` of variant `v`; NaN when absent
    /// or not kept.
    pub fn get(&self, v: usize, rep: usize, step: usize) -> f64 {
        match (self.slot(step), self.rows.get(v).and_then(|r| r.get(rep))) {
            (Some(i), Some(row)) => row[i],
            _ => f64::NAN,
        }
    }
}

/// Per replication, per week since an event: `(run, twin)`.
pub type RunAndTwin = Vec<Vec<(f64, f64)>>;

/// The primary metric of each run and its twin without an event
/// (`twins.csv`), per event, variant and replication, on the weeks the
/// recovery chart draws after the event.
#[derive(Clone, Debug, Default)]
pub struct TwinSeries {
    /// The metric (the time series' primary metric).
    pub metric: String,
    /// `(event number k as in events.csv, variant)` → per replication, per
    /// week since the event: `(run, twin)`, NaN where absent.
    pub cells: HashMap<(usize, usize), RunAndTwin>,
}

impl TwinSeries {
    /// Replications of variant `v` with a twin for event `k` (the rows
    /// of the absent ones are NaN).
    pub fn replications(&self, k: usize, v: usize) -> &[Vec<(f64, f64)>] {
        self.cells.get(&(k, v)).map_or(&[], Vec::as_slice)
    }
}

/// Aggregated time series: for each variant, metric and step the statistics
/// across replications.
#[derive(Clone, Debug, Default)]
pub struct TimeSeries {
    pub metrics: Vec<String>,
    pub steps: usize,
    /// `stats[variant][metric][step]`.
    pub stats: Vec<Vec<Vec<StepStats>>>,
    /// Primary metric per replication, around events.
    pub primary: Replicates,
    /// Name of the metric stored in `primary`, if any.
    pub primary_metric: Option<String>,
}

/// `summary.csv`: one row per variant and replication.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Value columns (everything but `variant` and `replication`).
    pub columns: Vec<String>,
    /// `(variant index, replication, values in column order)`.
    pub rows: Vec<(usize, u64, Vec<f64>)>,
    /// Replications that collapsed (`stop_reason` `collapsed:...`): the
    /// per-step statistics after a collapse leave them out.
    pub collapsed: usize,
}

impl Summary {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Statistics of column `c` for variant `v` across replications.
    pub fn stats(&self, v: usize, c: usize) -> OnlineStats {
        self.stats_scaled(v, c, 1.0)
    }

    /// As [`Summary::stats`], of the values multiplied by `k` (e.g. 100
    /// for a share shown as a percentage).
    pub fn stats_scaled(&self, v: usize, c: usize, k: f64) -> OnlineStats {
        let mut s = OnlineStats::new();
        for (rv, _, vals) in &self.rows {
            if *rv == v {
                s.push(vals[c] * k);
            }
        }
        s
    }

    /// Display scale of a column: dips are shares, shown as percentages.
    pub fn display_scale(column: &str) -> f64 {
        if column.ends_with("_dip") { 100.0 } else { 1.0 }
    }

    /// Number of rows of variant `v`, and how many of them have an empty
    /// cell in column `c`.
    pub fn count_missing(&self, v: usize, c: usize) -> (usize, usize) {
        let mut n = 0;
        let mut miss = 0;
        for (rv, _, vals) in &self.rows {
            if *rv == v {
                n += 1;
                if !vals[c].is_finite() {
                    miss += 1;
                }
            }
        }
        (n, miss)
    }

    /// The primary metric named by the `total_<primary>` column.
    pub fn primary(&self) -> Option<String> {
        self.columns
            .iter()
            .find_map(|c| c.strip_prefix("total_").map(str::to_string))
    }
}

/// A leadership post (a `post` row of `organization.csv`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrgPost {
    pub id: String,
    pub parent: String,
    pub team: Option<i64>,
    pub level: Option<i64>,
    pub domain: Option<i64>,
    pub dedicated: bool,
    pub holder: String,
    /// The domain's name, for organizations built from a chart with skill columns.
    pub domain_name: String,
}

/// One variant's starting organization from `organization.csv`: its posts
/// row by row, its other rows (members) only as counts per team.
#[derive(Clone, Debug, Default)]
pub struct OrgVariant {
    pub variant: String,
    pub posts: Vec<OrgPost>,
    /// Members (rows that are not posts) per team; rows without a team are
    /// not counted.
    pub members: BTreeMap<i64, usize>,
    /// Rows that are not posts, and a digest of them in file order: two
    /// variants with equal posts, counts and digests have the same rows.
    pub other_rows: usize,
    pub other_digest: u64,
}

/// One row of `comparison.csv`; numeric cells are `NaN` when empty.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub metric: String,
    pub variant_a: String,
    pub variant_b: String,
    pub mean_a: f64,
    pub mean_b: f64,
    pub diff: f64,
    pub diff_ci_low: f64,
    pub diff_ci_high: f64,
    pub welch_p: f64,
    pub mann_whitney_p: f64,
    pub hedges_g: f64,
    /// The test the row is judged on (`welch`, `paired-t`, `log-rank`);
    /// empty in results written before it was recorded.
    pub p_test: String,
    /// Its p-value, unadjusted (NaN in older results).
    pub p_unadjusted: f64,
    /// Holm-adjusted within the row's family (one measure's comparisons).
    pub p_holm: f64,
    /// Comparisons in that family (0 in older results).
    pub holm_family_size: usize,
    pub better: String,
    pub verdict: String,
}

/// Top-level facts of `scenario.resolved.toml`.
#[derive(Clone, Debug, Default)]
pub struct ScenarioInfo {
    pub name: String,
    pub question: String,
    pub description: String,
    pub steps: Option<i64>,
    pub replications: Option<i64>,
    pub seed: Option<String>,
    /// `[analysis]`: steps averaged for the pre-event level.
    pub baseline: Option<i64>,
    /// `[analysis]`: width of the trailing mean used to judge recovery.
    pub smoothing: Option<i64>,
    /// `[analysis]`: weeks left out of every per-run measure at the start.
    pub warmup: Option<i64>,
    /// `[analysis]`: share of the pre-event level that counts as recovered.
    pub threshold: Option<f64>,
}

/// Everything the charts and the report need.
#[derive(Clone, Debug, Default)]
pub struct Results {
    pub dir: PathBuf,
    pub variants: Vec<VariantInfo>,
    pub ts: TimeSeries,
    pub summary: Summary,
    pub events: Vec<Event>,
    /// Swept parameter names (from `sweep.csv`), empty when not a sweep.
    pub sweep_params: Vec<String>,
    pub org: Vec<OrgVariant>,
    pub comparisons: Vec<Comparison>,
    pub scenario: ScenarioInfo,
    /// The runs against their twins around each event (`twins.csv`);
    /// `None` when the run had no twins (`[analysis] twins = false`) or
    /// the primary metric is not among the twins' metrics.
    pub twins: Option<TwinSeries>,
}

impl Results {
    pub fn variant_names(&self) -> Vec<&str> {
        self.variants.iter().map(|v| v.name.as_str()).collect()
    }

    /// Number of replications seen (the largest per variant).
    pub fn replications(&self) -> usize {
        (0..self.ts.stats.len().max(self.variants.len()))
            .map(|v| self.ts.primary.replications(v))
            .max()
            .unwrap_or(0)
            .max(
                self.ts
                    .stats
                    .iter()
                    .flat_map(|m| m.iter().flat_map(|s| s.iter().map(|x| x.n() as usize)))
                    .max()
                    .unwrap_or(0),
            )
    }

    /// Replications per variant as chart subtitles say it: "30", or "6–48"
    /// when variants got different numbers (adaptive replications).
    pub fn replications_text(&self) -> String {
        let per_variant: Vec<usize> = (0..self.ts.stats.len().max(self.variants.len()))
            .map(|v| {
                let from_stats = self
                    .ts
                    .stats
                    .get(v)
                    .into_iter()
                    .flat_map(|m| m.iter().flat_map(|s| s.iter().map(|x| x.n() as usize)))
                    .max()
                    .unwrap_or(0);
                from_stats.max(self.ts.primary.replications(v))
            })
            .filter(|&n| n > 0)
            .collect();
        match (per_variant.iter().min(), per_variant.iter().max()) {
            (Some(lo), Some(hi)) if lo != hi => format!("{lo}–{hi}"),
            _ => self.replications().to_string(),
        }
    }

    /// Value of a parameter for a variant, from `variants.csv`.
    pub fn param(&self, v: usize, name: &str) -> Option<&str> {
        self.variants[v]
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, val)| val.as_str())
    }

    /// Parameters whose value differs across variants, in file order.
    pub fn differing_params(&self) -> Vec<String> {
        let Some(first) = self.variants.first() else {
            return Vec::new();
        };
        first
            .params
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| {
                let vals: Vec<Option<&str>> =
                    (0..self.variants.len()).map(|v| self.param(v, k)).collect();
                vals.iter().any(|x| *x != vals[0])
            })
            .collect()
    }
}

/// A CSV file read into memory with its header.
struct Table {
    path: PathBuf,
    headers: Vec<String>,
    index: HashMap<String, usize>,
    /// `(line number, cells)`.
    rows: Vec<(u64, Vec<String>)>,
}

/// A CSV reader with its trimmed header and the column of each name.
type OpenCsv = (
    csv::Reader<std::fs::File>,
    Vec<String>,
    HashMap<String, usize>,
);

/// Opens `path` as CSV (a fixed number of fields per row) and reads its header.
fn open_csv(path: &Path) -> Result<OpenCsv, PlotError> {
    let mut rdr = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| csv_err(path, e))?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let index = header_index(path, &headers)?;
    Ok((rdr, headers, index))
}

impl Table {
    fn read(path: &Path) -> Result<Table, PlotError> {
        let (mut rdr, headers, index) = open_csv(path)?;
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_err(path, e))?;
            let line = rec.position().map_or(0, |p| p.line());
            rows.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            index,
            rows,
        })
    }

    fn require(&self, col: &str) -> Result<usize, PlotError> {
        column(&self.path, &self.index, col)
    }

    fn num(&self, line: u64, row: &[String], c: usize) -> Result<f64, PlotError> {
        parse_num(&self.path, line, &self.headers[c], &row[c])
    }
}

/// The position of a required column, or an error naming the file.
fn column(path: &Path, index: &HashMap<String, usize>, col: &str) -> Result<usize, PlotError> {
    index
        .get(col)
        .copied()
        .ok_or_else(|| PlotError::MissingColumn {
            path: path.to_path_buf(),
            column: col.to_string(),
        })
}

fn header_index(path: &Path, headers: &[String]) -> Result<HashMap<String, usize>, PlotError> {
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if index.insert(h.clone(), i).is_some() {
            return Err(PlotError::Malformed {
                path: path.to_path_buf(),
                line: Some(1),
                message: format!("column '{h}' appears twice in the header"),
            });
        }
    }
    Ok(index)
}

fn csv_err(path: &Path, e: csv::Error) -> PlotError {
    if let csv::ErrorKind::Io(_) = e.kind() {
        let csv::ErrorKind::Io(io) = e.into_kind() else {
            unreachable!()
        };
        return PlotError::Io {
            path: path.to_path_buf(),
            source: io,
        };
    }
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "text is not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    PlotError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Parses a numeric cell; empty (or `NA`/`NaN`) means "no value".
fn parse_num(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64, PlotError> {
    let s = cell.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("na") || s.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    s.parse::<f64>().map_err(|_| PlotError::BadValue {
        path: path.to_path_buf(),
        line,
        column: column.to_string(),
        value: cell.to_string(),
    })
}

fn parse_index(path: &Path, line: u64, column: &str, cell: &str) -> Result<u64, PlotError> {
    cell.trim().parse::<u64>().map_err(|_| PlotError::BadValue {
        path: path.to_path_buf(),
        line,
        column: column.to_string(),
        value: cell.to_string(),
    })
}

fn variant_index(names: &mut Vec<String>, name: &str) -> usize {
    match names.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            names.push(name.to_string());
            names.len() - 1
        }
    }
}

/// Largest step index accepted, to keep a corrupt file from allocating
/// unbounded memory.
const MAX_STEPS: u64 = 10_000_000;

/// A CSV file opened for streaming, with its header.
struct Stream {
    path: PathBuf,
    rdr: csv::Reader<std::fs::File>,
    headers: Vec<String>,
    index: HashMap<String, usize>,
}

impl Stream {
    fn open(path: &Path) -> Result<Stream, PlotError> {
        let (rdr, headers, index) = open_csv(path)?;
        Ok(Stream {
            path: path.to_path_buf(),
            rdr,
            headers,
            index,
        })
    }

    fn require(&self, col: &str) -> Result<usize, PlotError> {
        column(&self.path, &self.index, col)
    }

    /// Reads the next record into `rec`; false at the end.
    fn next(&mut self, rec: &mut csv::StringRecord) -> Result<bool, PlotError> {
        self.rdr
            .read_record(rec)
            .map_err(|e| csv_err(&self.path, e))
    }

    fn index_cell(&self, line: u64, rec: &csv::StringRecord, c: usize) -> Result<usize, PlotError> {
        let x = parse_index(&self.path, line, &self.headers[c], &rec[c])?;
        if x >= MAX_STEPS {
            return Err(PlotError::Malformed {
                path: self.path.clone(),
                line: Some(line),
                message: format!("{} {x} is implausibly large", self.headers[c]),
            });
        }
        Ok(x as usize)
    }
}

/// The metric whose per-replication series the recovery chart uses.
fn primary_of(metrics: &[String]) -> Option<String> {
    if metrics.iter().any(|m| m == "throughput") {
        Some("throughput".to_string())
    } else {
        metrics.first().cloned()
    }
}

fn cell_of<T: Default + Clone>(
    grid: &mut Vec<Vec<Vec<T>>>,
    v: usize,
    m: usize,
    metrics: usize,
    s: usize,
) -> &mut T {
    while grid.len() <= v {
        grid.push(vec![Vec::new(); metrics]);
    }
    let series = &mut grid[v][m];
    if series.len() <= s {
        series.resize(s + 1, T::default());
    }
    &mut series[s]
}

/// Per-step statistics from `aggregate.csv` (columns variant, step, metric,
/// n, mean, ci95_low, ci95_high; others are ignored).
fn read_aggregate(path: &Path, names: &mut Vec<String>) -> Result<TimeSeries, PlotError> {
    let mut f = Stream::open(path)?;
    let (cv, cs, cm) = (
        f.require("variant")?,
        f.require("step")?,
        f.require("metric")?,
    );
    let (cn, cmean) = (f.require("n")?, f.require("mean")?);
    let (clo, chi) = (f.require("ci95_low")?, f.require("ci95_high")?);
    let mut ts = TimeSeries::default();
    let mut rec = csv::StringRecord::new();
    while f.next(&mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let v = variant_index(names, rec[cv].trim());
        let s = f.index_cell(line, &rec, cs)?;
        let metric = rec[cm].trim();
        let m = match ts.metrics.iter().position(|x| x == metric) {
            Some(m) => m,
            None => {
                ts.metrics.push(metric.to_string());
                for per_variant in &mut ts.stats {
                    per_variant.push(Vec::new());
                }
                ts.metrics.len() - 1
            }
        };
        let num = |c: usize| parse_num(&f.path, line, &f.headers[c], &rec[c]);
        let n = num(cn)?;
        let (mean, lo, hi) = (num(cmean)?, num(clo)?, num(chi)?);
        ts.steps = ts.steps.max(s + 1);
        let k = ts.metrics.len();
        *cell_of(&mut ts.stats, v, m, k, s) = StepStats {
            n: if n.is_finite() && n > 0.0 {
                n as u64
            } else {
                0
            },
            mean,
            half: (hi - lo) / 2.0,
        };
    }
    ts.primary_metric = primary_of(&ts.metrics);
    Ok(ts)
}

/// Per-step statistics aggregated from `timeseries.csv` (streaming), for
/// results without `aggregate.csv`.
fn read_timeseries_stats(path: &Path, names: &mut Vec<String>) -> Result<TimeSeries, PlotError> {
    let mut f = Stream::open(path)?;
    let (cv, cr, cs) = (
        f.require("variant")?,
        f.require("replication")?,
        f.require("step")?,
    );
    let metric_cols: Vec<usize> = (0..f.headers.len())
        .filter(|&i| i != cv && i != cr && i != cs)
        .collect();
    let metrics: Vec<String> = metric_cols.iter().map(|&i| f.headers[i].clone()).collect();
    let k = metrics.len();
    let mut stats: Vec<Vec<Vec<OnlineStats>>> = Vec::new();
    let mut steps = 0;
    let mut rec = csv::StringRecord::new();
    while f.next(&mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let v = variant_index(names, rec[cv].trim());
        f.index_cell(line, &rec, cr)?;
        let s = f.index_cell(line, &rec, cs)?;
        steps = steps.max(s + 1);
        for (m, &c) in metric_cols.iter().enumerate() {
            let x = parse_num(&f.path, line, &f.headers[c], &rec[c])?;
            cell_of(&mut stats, v, m, k, s).push(x);
        }
    }
    Ok(TimeSeries {
        primary_metric: primary_of(&metrics),
        metrics,
        steps,
        stats: stats
            .iter()
            .map(|per_v| {
                per_v
                    .iter()
                    .map(|series| series.iter().map(StepStats::from).collect())
                    .collect()
            })
            .collect(),
        primary: Replicates::default(),
    })
}

/// Streams `timeseries.csv` and keeps `metric` per replication on the steps
/// `keep` holds. Every row's variant, replication, step and `metric` cell are
/// checked.
fn read_primary(
    path: &Path,
    names: &mut Vec<String>,
    metric: &str,
    mut keep: Replicates,
) -> Result<Replicates, PlotError> {
    let mut f = Stream::open(path)?;
    let (cv, cr, cs) = (
        f.require("variant")?,
        f.require("replication")?,
        f.require("step")?,
    );
    let cm = f.require(metric)?;
    let mut rec = csv::StringRecord::new();
    while f.next(&mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let v = variant_index(names, rec[cv].trim());
        let r = f.index_cell(line, &rec, cr)?;
        let s = f.index_cell(line, &rec, cs)?;
        let x = parse_num(&f.path, line, &f.headers[cm], &rec[cm])?;
        keep.set(v, r, s, x);
    }
    Ok(keep)
}

/// Streams `twins.csv` and keeps `metric` of each run and its twin, for
/// event `k` the first `weeks[k]` weeks after it (events not in `weeks` are
/// skipped). `None` when the file has no columns for `metric`.
fn read_twins(
    path: &Path,
    names: &mut Vec<String>,
    metric: &str,
    weeks: &HashMap<usize, usize>,
) -> Result<Option<TwinSeries>, PlotError> {
    let mut f = Stream::open(path)?;
    let (cv, cr, ce, cw) = (
        f.require("variant")?,
        f.require("replication")?,
        f.require("event")?,
        f.require("week")?,
    );
    let (Some(&ct), Some(&cd)) = (
        f.index.get(&format!("{metric}_twin")),
        f.index.get(&format!("{metric}_diff")),
    ) else {
        return Ok(None);
    };
    let mut out = TwinSeries {
        metric: metric.to_string(),
        cells: HashMap::new(),
    };
    let mut rec = csv::StringRecord::new();
    while f.next(&mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let v = variant_index(names, rec[cv].trim());
        let r = f.index_cell(line, &rec, cr)?;
        let k = f.index_cell(line, &rec, ce)?;
        let w = f.index_cell(line, &rec, cw)?;
        let twin = parse_num(&f.path, line, &f.headers[ct], &rec[ct])?;
        let diff = parse_num(&f.path, line, &f.headers[cd], &rec[cd])?;
        let Some(&len) = weeks.get(&k).filter(|&&n| w < n) else {
            continue;
        };
        let reps = out.cells.entry((k, v)).or_default();
        if reps.len() <= r {
            reps.resize(r + 1, vec![(f64::NAN, f64::NAN); len]);
        }
        reps[r][w] = (twin + diff, twin);
    }
    Ok(Some(out))
}

fn read_summary(path: &Path, names: &mut Vec<String>) -> Result<Summary, PlotError> {
    let t = Table::read(path)?;
    let cv = t.require("variant")?;
    let cr = t.require("replication")?;
    // How each run stopped (`[stop]`) is not a measure: the report reads it
    // on its own.
    let cols: Vec<usize> = (0..t.headers.len())
        .filter(|&i| i != cv && i != cr)
        .filter(|&i| !matches!(t.headers[i].as_str(), "stop_step" | "stop_reason"))
        .collect();
    let mut s = Summary {
        columns: cols.iter().map(|&i| t.headers[i].clone()).collect(),
        rows: Vec::with_capacity(t.rows.len()),
        collapsed: 0,
    };
    let reason = t.index.get("stop_reason").copied();
    for (line, row) in &t.rows {
        let v = variant_index(names, &row[cv]);
        let r = parse_index(&t.path, *line, "replication", &row[cr])?;
        let vals = cols
            .iter()
            .map(|&c| t.num(*line, row, c))
            .collect::<Result<Vec<f64>, _>>()?;
        s.rows.push((v, r, vals));
        if reason.is_some_and(|c| row[c].starts_with("collapsed")) {
            s.collapsed += 1;
        }
    }
    Ok(s)
}

fn read_events(path: &Path) -> Result<Vec<Event>, PlotError> {
    let t = Table::read(path)?;
    let (ce, cl, cs) = (
        t.require("event")?,
        t.require("label")?,
        t.require("start")?,
    );
    let ck = t.index.get("kind").copied();
    let cd = t.index.get("duration").copied();
    let mut out = Vec::new();
    for (line, row) in &t.rows {
        let k = parse_index(&t.path, *line, "event", &row[ce])? as usize;
        let start = t.num(*line, row, cs)?;
        if !start.is_finite() {
            return Err(PlotError::BadValue {
                path: t.path.clone(),
                line: *line,
                column: "start".into(),
                value: row[cs].clone(),
            });
        }
        let duration = match cd {
            Some(c) => {
                let d = t.num(*line, row, c)?;
                if d.is_finite() { d.max(0.0) } else { 0.0 }
            }
            None => 0.0,
        };
        out.push(Event {
            k,
            label: row[cl].clone(),
            kind: ck.map(|c| row[c].clone()).unwrap_or_default(),
            start,
            duration,
        });
    }
    out.sort_by_key(|e| e.k);
    Ok(out)
}

fn read_variants(path: &Path) -> Result<Vec<VariantInfo>, PlotError> {
    let t = Table::read(path)?;
    let cv = t.require("variant")?;
    let cm = t.index.get("model").copied();
    let cs = t.index.get("structure").copied();
    let mut out: Vec<VariantInfo> = Vec::new();
    for (line, row) in &t.rows {
        if out.iter().any(|v| v.name == row[cv]) {
            return Err(PlotError::Malformed {
                path: t.path.clone(),
                line: Some(*line),
                message: format!("variant '{}' is listed twice", row[cv]),
            });
        }
        let params = (0..t.headers.len())
            .filter(|&i| i != cv && Some(i) != cm && Some(i) != cs)
            .map(|i| (t.headers[i].clone(), row[i].clone()))
            .collect();
        out.push(VariantInfo {
            name: row[cv].clone(),
            model: cm.map(|c| row[c].clone()).unwrap_or_default(),
            structure: cs.map(|c| row[c].clone()).unwrap_or_default(),
            params,
        });
    }
    Ok(out)
}

/// Swept parameter names, and per variant its values of them.
type Sweep = (Vec<String>, Vec<(String, Vec<String>)>);

fn read_sweep(path: &Path) -> Result<Sweep, PlotError> {
    let t = Table::read(path)?;
    let cv = t.require("variant")?;
    let cols: Vec<usize> = (0..t.headers.len()).filter(|&i| i != cv).collect();
    let names = cols.iter().map(|&i| t.headers[i].clone()).collect();
    let rows = t
        .rows
        .iter()
        .map(|(_, r)| (r[cv].clone(), cols.iter().map(|&i| r[i].clone()).collect()))
        .collect();
    Ok((names, rows))
}

/// Streams `organization.csv`: posts are kept per variant, other rows
/// (members, one per person: a million in a million-member organization)
/// only counted per team and digested. Every row's numeric cells are checked.
fn read_org(path: &Path) -> Result<Vec<OrgVariant>, PlotError> {
    let mut f = Stream::open(path)?;
    let cv = f.require("variant")?;
    let ck = f.require("kind")?;
    let ci = f.require("id")?;
    let opt = |c: &str| f.index.get(c).copied();
    let (cp, ct, cl, cd, cded, ch) = (
        opt("parent"),
        opt("team"),
        opt("level"),
        opt("domain"),
        opt("dedicated"),
        opt("holder"),
    );
    let cdn = opt("domain_name");
    let mut out: Vec<OrgVariant> = Vec::new();
    let mut digests: Vec<std::collections::hash_map::DefaultHasher> = Vec::new();
    let mut rec = csv::StringRecord::new();
    while f.next(&mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let text = |c: Option<usize>| c.map_or("", |c| rec[c].trim());
        let int = |c: Option<usize>| -> Result<Option<i64>, PlotError> {
            let Some(c) = c else { return Ok(None) };
            let v = parse_num(&f.path, line, &f.headers[c], &rec[c])?;
            Ok(if v.is_finite() { Some(v as i64) } else { None })
        };
        let (team, level, domain) = (int(ct)?, int(cl)?, int(cd)?);
        let dedicated = matches!(text(cded), "1" | "true" | "yes");
        let variant = rec[cv].trim();
        let k = match out.iter().rposition(|o| o.variant == variant) {
            Some(k) => k,
            None => {
                out.push(OrgVariant {
                    variant: variant.to_string(),
                    ..Default::default()
                });
                digests.push(Default::default());
                out.len() - 1
            }
        };
        let o = &mut out[k];
        if rec[ck].trim() == "post" {
            o.posts.push(OrgPost {
                id: rec[ci].trim().to_string(),
                parent: text(cp).to_string(),
                team,
                level,
                domain,
                dedicated,
                holder: text(ch).to_string(),
                domain_name: text(cdn).to_string(),
            });
        } else {
            if let Some(t) = team {
                *o.members.entry(t).or_default() += 1;
            }
            o.other_rows += 1;
            let h = &mut digests[k];
            (rec[ck].trim(), rec[ci].trim(), text(cp), text(ch)).hash(h);
            (team, level, domain, dedicated).hash(h);
        }
    }
    for (o, h) in out.iter_mut().zip(&digests) {
        o.other_digest = h.finish();
    }
    Ok(out)
}

fn read_comparison(path: &Path) -> Result<Vec<Comparison>, PlotError> {
    let t = Table::read(path)?;
    let s =
        |row: &Vec<String>, c: &str| t.index.get(c).map(|&i| row[i].clone()).unwrap_or_default();
    let n = |line: u64, row: &Vec<String>, c: &str| -> Result<f64, PlotError> {
        match t.index.get(c) {
            Some(&i) => t.num(line, row, i),
            None => Ok(f64::NAN),
        }
    };
    t.require("metric")?;
    t.require("variant_a")?;
    t.require("variant_b")?;
    let mut out = Vec::new();
    for (line, row) in &t.rows {
        let line = *line;
        out.push(Comparison {
            metric: s(row, "metric"),
            variant_a: s(row, "variant_a"),
            variant_b: s(row, "variant_b"),
            mean_a: n(line, row, "mean_a")?,
            mean_b: n(line, row, "mean_b")?,
            diff: n(line, row, "diff")?,
            diff_ci_low: n(line, row, "diff_ci_low")?,
            diff_ci_high: n(line, row, "diff_ci_high")?,
            welch_p: n(line, row, "welch_p")?,
            mann_whitney_p: n(line, row, "mann_whitney_p")?,
            hedges_g: n(line, row, "hedges_g")?,
            p_test: s(row, "p_test"),
            p_unadjusted: n(line, row, "p_unadjusted")?,
            p_holm: n(line, row, "p_holm")?,
            holm_family_size: s(row, "holm_family_size").parse().unwrap_or(0),
            better: s(row, "better"),
            verdict: s(row, "verdict"),
        });
    }
    Ok(out)
}

fn read_scenario(path: &Path) -> Result<ScenarioInfo, PlotError> {
    let text = std::fs::read_to_string(path).map_err(|e| PlotError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| PlotError::Malformed {
            path: path.to_path_buf(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1),
            message: e.message().to_string(),
        })?;
    let str_of = |k: &str| {
        table
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let analysis = table.get("analysis").and_then(|v| v.as_table());
    Ok(ScenarioInfo {
        name: str_of("name"),
        question: str_of("question"),
        description: str_of("description"),
        steps: table.get("steps").and_then(|v| v.as_integer()),
        replications: table.get("replications").and_then(|v| v.as_integer()),
        seed: table.get("seed").map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        baseline: analysis
            .and_then(|a| a.get("baseline"))
            .and_then(|v| v.as_integer()),
        smoothing: analysis
            .and_then(|a| a.get("smoothing"))
            .and_then(|v| v.as_integer()),
        warmup: analysis
            .and_then(|a| a.get("warmup"))
            .and_then(|v| v.as_integer()),
        threshold: analysis
            .and_then(|a| a.get("threshold"))
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64))),
    })
}

/// Loads a results directory. `timeseries.csv` and `summary.csv` are
/// required; every other file is optional.
pub fn load(dir: &Path) -> Result<Results, PlotError> {
    if !dir.is_dir() {
        return Err(PlotError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        });
    }
    let p = |f: &str| dir.join(f);
    let mut variants = if p("variants.csv").is_file() {
        read_variants(&p("variants.csv"))?
    } else {
        Vec::new()
    };
    let mut names: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
    let events = if p("events.csv").is_file() {
        read_events(&p("events.csv"))?
    } else {
        Vec::new()
    };
    let scenario = if p("scenario.resolved.toml").is_file() {
        read_scenario(&p("scenario.resolved.toml"))?
    } else {
        ScenarioInfo::default()
    };
    let ts_path = p("timeseries.csv");
    if !ts_path.is_file() {
        return Err(PlotError::MissingFile { path: ts_path });
    }
    let mut ts = if p("aggregate.csv").is_file() {
        read_aggregate(&p("aggregate.csv"), &mut names)?
    } else {
        read_timeseries_stats(&ts_path, &mut names)?
    };
    // Per-replication series only where the recovery chart looks: against
    // the twins when the run has them, else the levels around each event.
    let recovery = super::charts::recovery_windows(&events, ts.steps, &scenario);
    let mut twins = None;
    if let (Some(metric), true) = (&ts.primary_metric, p("twins.csv").is_file()) {
        let weeks = recovery
            .iter()
            .map(|w| (events[w.event].k, w.post))
            .collect();
        twins = read_twins(&p("twins.csv"), &mut names, metric, &weeks)?;
    }
    let windows: Vec<Range<usize>> = recovery.iter().map(|w| w.steps()).collect();
    if let (Some(metric), false) = (ts.primary_metric.clone(), windows.is_empty()) {
        ts.primary = read_primary(&ts_path, &mut names, &metric, Replicates::new(windows))?;
    }
    let sum_path = p("summary.csv");
    if !sum_path.is_file() {
        return Err(PlotError::MissingFile { path: sum_path });
    }
    let summary = read_summary(&sum_path, &mut names)?;
    for n in names.iter().skip(variants.len()) {
        variants.push(VariantInfo {
            name: n.clone(),
            ..Default::default()
        });
    }
    // Variants present in variants.csv but absent from the time series.
    while ts.stats.len() < variants.len() {
        ts.stats.push(vec![Vec::new(); ts.metrics.len()]);
    }
    let mut sweep_params = Vec::new();
    if p("sweep.csv").is_file() {
        let (names, rows) = read_sweep(&p("sweep.csv"))?;
        for (variant, vals) in rows {
            if let Some(v) = variants.iter_mut().find(|v| v.name == variant) {
                for (k, val) in names.iter().zip(vals) {
                    if !v.params.iter().any(|(pk, _)| pk == k) {
                        v.params.push((k.clone(), val));
                    }
                }
            }
        }
        sweep_params = names;
    }
    let org = if p("organization.csv").is_file() {
        read_org(&p("organization.csv"))?
    } else {
        Vec::new()
    };
    let comparisons = if p("comparison.csv").is_file() {
        read_comparison(&p("comparison.csv"))?
    } else {
        Vec::new()
    };
    Ok(Results {
        dir: dir.to_path_buf(),
        variants,
        ts,
        summary,
        events,
        sweep_params,
        org,
        comparisons,
        scenario,
        twins,
    })
}
