//! Writes a run's results folder. Everything goes to a staging folder
//! (`results/.<name>.partial`), each file under a temporary name renamed
//! when complete; the finished folder replaces the old one only at the end,
//! so an interrupted run never leaves a complete-looking CSV behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::JobResult;
use crate::manifest::{JobEntry, Manifest, checksum, read_fragment};
use crate::model::ModelKind;
use crate::org::{OrgNode, OrgParams, Organization, Structure};
use crate::params::{ParamSet, fmt_num};
use crate::rng;
use crate::scenario::Scenario;
use crate::stats::{Better, ComparisonRow, StepAggregator, compare_variants};

/// An error with the path it concerns.
#[derive(Debug)]
pub struct OutputError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for OutputError {}

trait Ctx<T> {
    fn at(self, path: &Path) -> Result<T, OutputError>;
}

impl<T> Ctx<T> for io::Result<T> {
    fn at(self, path: &Path) -> Result<T, OutputError> {
        self.map_err(|source| OutputError {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A number as written in CSVs: shortest exact form, empty when not finite.
pub fn cell(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// A CSV file being written under `<name>.partial`.
struct CsvFile {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
}

impl CsvFile {
    fn create(dir: &Path, name: &str) -> Result<Self, OutputError> {
        let path = dir.join(name);
        let tmp = dir.join(format!("{name}.partial"));
        let out = BufWriter::new(File::create(&tmp).at(&tmp)?);
        Ok(CsvFile { path, tmp, out })
    }

    fn line(&mut self, fields: &[&str]) -> Result<(), OutputError> {
        let mut line = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&csv_field(f));
        }
        line.push('\n');
        self.out.write_all(line.as_bytes()).at(&self.tmp)
    }

    fn finish(mut self) -> Result<(), OutputError> {
        self.out.flush().at(&self.tmp)?;
        self.out.get_ref().sync_all().at(&self.tmp)?;
        fs::rename(&self.tmp, &self.path).at(&self.path)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let tmp = path.with_extension(format!(
        "{}.partial",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    fs::write(&tmp, bytes).at(&tmp)?;
    fs::rename(&tmp, path).at(path)
}

/// Streams a run's results into a staging folder.
pub struct ResultsWriter {
    final_dir: PathBuf,
    staging: PathBuf,
    timeseries: CsvFile,
    summary: CsvFile,
    aggregate: CsvFile,
    /// Per-step statistics of the variant being delivered; results arrive in
    /// variant order, so only one is alive at a time whatever the sweep size.
    current: Option<(usize, StepAggregator)>,
    /// Summary measures per variant, per compared metric, per replication.
    samples: Vec<Vec<Vec<f64>>>,
    metrics: &'static [&'static str],
}

/// The run's record, written last (`run.json`).
#[derive(Serialize)]
pub struct RunRecord {
    pub orgsim_version: &'static str,
    pub scenario: String,
    pub model: &'static str,
    pub seed: u64,
    pub steps: u32,
    /// Time series keep every `record_every`-th step.
    pub record_every: u32,
    pub replications: u32,
    pub variants: usize,
    pub threads: usize,
    pub wall_seconds: f64,
    pub member_steps: u64,
    pub member_steps_per_second: f64,
    pub complete: bool,
}

impl ResultsWriter {
    /// Prepares `out_dir` (refusing to replace existing results unless `force`).
    pub fn create(s: &Scenario, out_dir: &Path, force: bool) -> Result<Self, String> {
        if out_dir.exists() && !force {
            return Err(exists_message(out_dir));
        }
        let staging = staging_dir(out_dir)?;
        if staging.exists() {
            fs::remove_dir_all(&staging)
                .map_err(|e| format!("cannot clear {}: {e}", staging.display()))?;
        }
        fs::create_dir_all(&staging)
            .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
        Self::in_staging(s, &staging, out_dir)
    }

    /// Writes the result files into an existing staging folder, to be moved
    /// to `out_dir` by [`ResultsWriter::finish`].
    pub fn in_staging(s: &Scenario, staging: &Path, out_dir: &Path) -> Result<Self, String> {
        let staging = staging.to_path_buf();
        let metrics = s.model.metric_names();
        let mut timeseries =
            CsvFile::create(&staging, "timeseries.csv").map_err(|e| e.to_string())?;
        let mut header = vec!["variant", "replication", "step"];
        header.extend(metrics.iter().copied());
        timeseries.line(&header).map_err(|e| e.to_string())?;
        let mut summary = CsvFile::create(&staging, "summary.csv").map_err(|e| e.to_string())?;
        summary
            .line(
                &summary_header(s)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .map_err(|e| e.to_string())?;
        let mut aggregate =
            CsvFile::create(&staging, "aggregate.csv").map_err(|e| e.to_string())?;
        aggregate
            .line(&[
                "variant",
                "step",
                "metric",
                "n",
                "mean",
                "sd",
                "ci95_low",
                "ci95_high",
                "median",
                "q1",
                "q3",
            ])
            .map_err(|e| e.to_string())?;
        Ok(ResultsWriter {
            final_dir: out_dir.to_path_buf(),
            staging,
            timeseries,
            summary,
            aggregate,
            current: None,
            samples: vec![vec![Vec::new(); compared_metrics(s).len()]; s.variants.len()],
            metrics,
        })
    }

    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Appends one replication's rows.
    pub fn write(&mut self, s: &Scenario, r: &JobResult) -> Result<(), OutputError> {
        let name = &s.variants[r.variant].name;
        let quoted = csv_field(name);
        let k = self.metrics.len();
        let mut buf = String::with_capacity(r.series.len() * 8);
        for (step, row) in r.series.chunks_exact(k).enumerate() {
            buf.push_str(&quoted);
            buf.push(',');
            buf.push_str(&r.replication.to_string());
            buf.push(',');
            buf.push_str(&(step * s.record_every.max(1) as usize).to_string());
            for x in row {
                buf.push(',');
                buf.push_str(&cell(*x));
            }
            buf.push('\n');
        }
        self.timeseries
            .out
            .write_all(buf.as_bytes())
            .at(&self.timeseries.tmp)?;
        let sm = &r.summary;
        let mut fields = vec![
            name.clone(),
            r.replication.to_string(),
            cell(sm.stability),
            cell(sm.total),
        ];
        fields.extend(sm.means.iter().map(|x| cell(*x)));
        for e in &sm.events {
            fields.push(cell(e.dip));
            fields.push(e.recovery.map_or(String::new(), |x| x.to_string()));
            fields.push(cell(e.resilience_loss));
        }
        self.summary
            .line(&fields.iter().map(String::as_str).collect::<Vec<_>>())?;
        for (sample, (_, _, pick)) in self.samples[r.variant].iter_mut().zip(compared_metrics(s)) {
            sample.push(pick(sm));
        }
        if self.current.as_ref().is_some_and(|(v, _)| *v != r.variant) {
            self.flush_aggregate(s)?;
        }
        let agg = &mut self
            .current
            .get_or_insert_with(|| {
                (
                    r.variant,
                    StepAggregator::new(crate::engine::recorded_steps(s), k),
                )
            })
            .1;
        for (step, row) in r.series.chunks_exact(k).enumerate() {
            agg.push(step, row);
        }
        Ok(())
    }

    fn flush_aggregate(&mut self, s: &Scenario) -> Result<(), OutputError> {
        let Some((v, agg)) = self.current.take() else {
            return Ok(());
        };
        let name = csv_field(&s.variants[v].name);
        let mut buf = String::new();
        for step in 0..agg.n_steps() {
            for (m, metric) in self.metrics.iter().enumerate() {
                let (mean, h) = (agg.mean(step, m), agg.ci95_half_width(step, m));
                let cells = [
                    agg.n(step, m) as f64,
                    mean,
                    agg.sd(step, m),
                    mean - h,
                    mean + h,
                    agg.median(step, m),
                    agg.q1(step, m),
                    agg.q3(step, m),
                ];
                let at = step * s.record_every.max(1) as usize;
                buf.push_str(&format!("{name},{at},{metric}"));
                for c in cells {
                    buf.push(',');
                    buf.push_str(&cell(c));
                }
                buf.push('\n');
            }
        }
        self.aggregate
            .out
            .write_all(buf.as_bytes())
            .at(&self.aggregate.tmp)
    }

    /// Pairwise comparisons of the variants on the summary measures.
    pub fn comparison(&self, s: &Scenario) -> Vec<ComparisonRow> {
        let metrics: Vec<(String, Better)> = compared_metrics(s)
            .into_iter()
            .map(|(n, b, _)| (n, b))
            .collect();
        let samples: Vec<(String, Vec<Vec<f64>>)> = s
            .variants
            .iter()
            .zip(&self.samples)
            .map(|(v, x)| (v.name.clone(), x.clone()))
            .collect();
        compare_variants(&metrics, &samples)
    }

    /// Completes the run: closes the CSVs, writes the descriptive files and
    /// `run.json` last, then moves the folder into place.
    pub fn finish(
        self,
        s: &Scenario,
        record: &RunRecord,
    ) -> Result<(PathBuf, Vec<ComparisonRow>), OutputError> {
        let (staging, final_dir, comparison) = self.finish_files(s, record)?;
        publish(&staging, &final_dir)?;
        Ok((final_dir, comparison))
    }

    /// Closes the CSVs and writes the descriptive files and `run.json`, all
    /// still in the staging folder. Returns (staging, final folder, comparisons).
    pub fn finish_files(
        self,
        s: &Scenario,
        record: &RunRecord,
    ) -> Result<(PathBuf, PathBuf, Vec<ComparisonRow>), OutputError> {
        let mut this = self;
        this.flush_aggregate(s)?;
        let comparison = this.comparison(s);
        let dir = this.staging.clone();
        let ResultsWriter {
            final_dir,
            timeseries,
            summary,
            aggregate,
            ..
        } = this;
        timeseries.finish()?;
        summary.finish()?;
        aggregate.finish()?;
        write_comparison(&dir, &comparison)?;
        write_atomic(
            &dir.join("scenario.resolved.toml"),
            s.resolved_toml().as_bytes(),
        )?;
        write_variants(s, &dir)?;
        write_events(s, &dir)?;
        if s.model == ModelKind::Org {
            write_organization(s, &dir)?;
        }
        let json = serde_json::to_string_pretty(record).unwrap_or_default();
        write_atomic(&dir.join("run.json"), json.as_bytes())?;
        Ok((dir, final_dir, comparison))
    }
}

/// The message for results that are already there.
pub fn exists_message(out_dir: &Path) -> String {
    format!(
        "{} already exists; results are never overwritten silently.\n  help: pass --force to replace them, or --out DIR to write elsewhere",
        out_dir.display()
    )
}

/// The staging folder of a results folder: `<parent>/.<leaf>.partial`
/// (the parent is created).
pub fn staging_dir(out_dir: &Path) -> Result<PathBuf, String> {
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let leaf = out_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("results");
    Ok(parent.join(format!(".{leaf}.partial")))
}

/// Moves a finished staging folder into place, replacing `final_dir`.
pub fn publish(dir: &Path, final_dir: &Path) -> Result<(), OutputError> {
    if final_dir.exists() {
        let old = dir.with_file_name(format!(
            ".{}.old",
            final_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("results")
        ));
        let _ = fs::remove_dir_all(&old);
        fs::rename(final_dir, &old).at(final_dir)?;
        fs::rename(dir, final_dir).at(final_dir)?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(dir, final_dir).at(final_dir)?;
    }
    Ok(())
}

/// Builds the result files from job fragments, in canonical job order
/// (whatever order the jobs ran in), into `staging`, then records the
/// files' checksums in the manifest and moves the folder to `final_dir`.
/// `fragment_dir` says in which folder each job's fragment lies (the
/// staging folder for a run, the shard folders for a merge); fragments in
/// `staging` are removed once assembled. `on_result` sees every job.
pub fn assemble(
    s: &Scenario,
    staging: &Path,
    final_dir: &Path,
    manifest: &mut Manifest,
    fragment_dir: &dyn Fn(&JobEntry) -> PathBuf,
    record: &RunRecord,
    mut on_result: impl FnMut(&JobResult),
) -> Result<Vec<ComparisonRow>, String> {
    let mut writer = ResultsWriter::in_staging(s, staging, final_dir)?;
    for e in &manifest.jobs {
        let r = read_fragment(&fragment_dir(e), e)?;
        on_result(&r);
        writer.write(s, &r).map_err(|e| e.to_string())?;
    }
    let (dir, final_dir, comparison) = writer.finish_files(s, record).map_err(|e| e.to_string())?;
    let jobs = dir.join("jobs");
    if jobs.exists() {
        fs::remove_dir_all(&jobs).map_err(|e| format!("cannot remove {}: {e}", jobs.display()))?;
    }
    manifest.files.clear();
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "manifest.json" && !n.ends_with(".partial"))
        .collect();
    names.sort();
    for n in names {
        let bytes = fs::read(dir.join(&n)).map_err(|e| format!("cannot read {n}: {e}"))?;
        manifest.files.insert(n, checksum(&bytes));
    }
    manifest.complete = manifest.failed.is_empty()
        && manifest.jobs.len() == s.variants.len() * s.replications as usize;
    manifest.write(&dir)?;
    publish(&dir, &final_dir).map_err(|e| e.to_string())?;
    Ok(comparison)
}

/// Column names of `summary.csv`.
pub fn summary_header(s: &Scenario) -> Vec<String> {
    let metrics = s.model.metric_names();
    let primary = metrics[s.model.primary_metric()];
    let mut h = vec![
        "variant".to_string(),
        "replication".into(),
        "stability".into(),
        format!("total_{primary}"),
    ];
    h.extend(metrics.iter().map(|m| format!("mean_{m}")));
    for k in 1..=s.scheduled_events().count() {
        h.push(format!("event{k}_dip"));
        h.push(format!("event{k}_recovery_steps"));
        h.push(format!("event{k}_resilience_loss"));
    }
    h
}

fn write_variants(s: &Scenario, dir: &Path) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "variants.csv")?;
    let specs = s.model.specs();
    let mut header = vec!["variant", "model", "structure"];
    header.extend(specs.iter().map(|p| p.name));
    f.line(&header)?;
    for v in &s.variants {
        let mut row = vec![
            v.name.clone(),
            s.model.name().to_string(),
            v.structure.clone(),
        ];
        row.extend(v.values.iter().map(|x| fmt_num(*x)));
        f.line(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    f.finish()?;
    if !s.sweep.is_empty() {
        let mut f = CsvFile::create(dir, "sweep.csv")?;
        let mut header = vec!["variant"];
        header.extend(s.sweep.iter().map(|(p, _)| p.as_str()));
        f.line(&header)?;
        for v in &s.variants {
            let mut row = vec![v.name.clone()];
            row.extend(v.sweep_point.iter().map(|x| fmt_num(*x)));
            f.line(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        f.finish()?;
    }
    Ok(())
}

fn write_events(s: &Scenario, dir: &Path) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "events.csv")?;
    f.line(&["event", "label", "kind", "start", "duration"])?;
    for (k, e) in s.scheduled_events().enumerate() {
        f.line(&[
            &(k + 1).to_string(),
            &e.label,
            e.kind_name(),
            &e.event.start.to_string(),
            &e.event.duration.to_string(),
        ])?;
    }
    f.finish()
}

/// The starting organization of each variant (its replication 0).
fn write_organization(s: &Scenario, dir: &Path) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "organization.csv")?;
    f.line(&[
        "variant",
        "kind",
        "id",
        "parent",
        "team",
        "level",
        "domain",
        "dedicated",
        "holder",
    ])?;
    let opt = |x: Option<u32>, p: &str| x.map_or(String::new(), |v| format!("{p}{v}"));
    for (i, v) in s.variants.iter().enumerate() {
        let structure = Structure::from_name(&v.structure).unwrap_or(Structure::Hierarchy);
        let (params, stream) = (
            OrgParams::from_values(&v.values),
            rng::stream(s.seed, i as u64, 0),
        );
        let org = match &v.chart {
            Some(c) => Organization::from_chart(params, structure, &c.chart, &[], stream),
            None => Organization::new(params, structure, &[], stream),
        };
        for node in org.describe() {
            let row = match node {
                OrgNode::Post {
                    id,
                    parent,
                    level,
                    team,
                    domain,
                    dedicated,
                    holder,
                } => [
                    v.name.clone(),
                    "post".into(),
                    format!("p{id}"),
                    opt(parent, "p"),
                    opt(team, ""),
                    level.to_string(),
                    opt(domain, ""),
                    u8::from(dedicated).to_string(),
                    opt(holder, "m"),
                ],
                OrgNode::Member { id, team } => [
                    v.name.clone(),
                    "member".into(),
                    format!("m{id}"),
                    String::new(),
                    team.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            };
            f.line(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
    }
    f.finish()
}

/// Reads one summary measure from a run.
type Pick = Box<dyn Fn(&crate::engine::RunSummary) -> f64>;
/// A compared measure: name, which direction is better, how to read it.
pub type Compared = (String, Better, Pick);

/// The summary measures compared between variants, with which direction is
/// better and how to read each from a run's summary.
pub fn compared_metrics(s: &Scenario) -> Vec<Compared> {
    let names = s.model.metric_names();
    let primary = names[s.model.primary_metric()];
    let mut out: Vec<Compared> = vec![
        (
            format!("total_{primary}"),
            Better::Higher,
            Box::new(|r| r.total),
        ),
        ("stability".into(), Better::Lower, Box::new(|r| r.stability)),
    ];
    let direction = |m: &str| match m {
        "throughput" | "mean_skill" | "engagement" | "sharing" | "leadership_coverage" => {
            Better::Higher
        }
        "backlog" | "decision_latency" | "decisions_pending" | "rework" | "blocked"
        | "turnover" | "hoarding" | "coordination" => Better::Lower,
        _ => Better::Neither,
    };
    for (i, m) in names.iter().enumerate() {
        if i != s.model.primary_metric() {
            out.push((
                format!("mean_{m}"),
                direction(m),
                Box::new(move |r| r.means[i]),
            ));
        }
    }
    for k in 0..s.scheduled_events().count() {
        let n = k + 1;
        out.push((
            format!("event{n}_dip"),
            Better::Lower,
            Box::new(move |r| r.events[k].dip),
        ));
        out.push((
            format!("event{n}_recovery_steps"),
            Better::Lower,
            Box::new(move |r| r.events[k].recovery.map_or(f64::NAN, f64::from)),
        ));
        out.push((
            format!("event{n}_resilience_loss"),
            Better::Lower,
            Box::new(move |r| r.events[k].resilience_loss),
        ));
    }
    out
}

fn write_comparison(dir: &Path, rows: &[ComparisonRow]) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "comparison.csv")?;
    f.line(&[
        "metric",
        "variant_a",
        "variant_b",
        "n_a",
        "n_b",
        "mean_a",
        "mean_b",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "welch_p",
        "mann_whitney_p",
        "hedges_g",
        "p_holm",
        "better",
        "verdict",
    ])?;
    for r in rows {
        let cells = [
            r.metric.clone(),
            r.variant_a.clone(),
            r.variant_b.clone(),
            r.n_a.to_string(),
            r.n_b.to_string(),
            cell(r.mean_a),
            cell(r.mean_b),
            cell(r.diff),
            cell(r.diff_ci_low),
            cell(r.diff_ci_high),
            cell(r.welch_p),
            cell(r.mann_whitney_p),
            cell(r.hedges_g),
            cell(r.p_holm),
            r.better.clone().unwrap_or_default(),
            r.verdict.clone(),
        ];
        f.line(&cells.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    f.finish()
}
