//! Writes a run's results folder. Everything goes to a staging folder
//! (`results/.<name>.partial`), each file under a temporary name renamed
//! when complete; the finished folder replaces the old one only at the end,
//! so an interrupted run never leaves a complete-looking CSV behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::JobResult;
use crate::model::ModelKind;
use crate::org::{OrgNode, OrgParams, Organization, Structure};
use crate::params::{ParamSet, fmt_num};
use crate::rng;
use crate::scenario::Scenario;

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
            return Err(format!(
                "{} already exists; results are never overwritten silently.\n  help: pass --force to replace them, or --out DIR to write elsewhere",
                out_dir.display()
            ));
        }
        let parent = out_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let leaf = out_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("results");
        let staging = parent.join(format!(".{leaf}.partial"));
        if staging.exists() {
            fs::remove_dir_all(&staging)
                .map_err(|e| format!("cannot clear {}: {e}", staging.display()))?;
        }
        fs::create_dir_all(&staging)
            .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
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
        Ok(ResultsWriter {
            final_dir: out_dir.to_path_buf(),
            staging,
            timeseries,
            summary,
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
            buf.push_str(&step.to_string());
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
        Ok(())
    }

    /// Completes the run: closes the CSVs, writes the descriptive files and
    /// `run.json` last, then moves the folder into place.
    pub fn finish(self, s: &Scenario, record: &RunRecord) -> Result<PathBuf, OutputError> {
        let dir = self.staging.clone();
        self.timeseries.finish()?;
        self.summary.finish()?;
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
        if self.final_dir.exists() {
            let old = dir.with_file_name(format!(
                ".{}.old",
                self.final_dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("results")
            ));
            let _ = fs::remove_dir_all(&old);
            fs::rename(&self.final_dir, &old).at(&self.final_dir)?;
            fs::rename(&dir, &self.final_dir).at(&self.final_dir)?;
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&dir, &self.final_dir).at(&self.final_dir)?;
        }
        Ok(self.final_dir)
    }
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
        let org = Organization::new(
            OrgParams::from_values(&v.values),
            structure,
            &[],
            rng::stream(s.seed, i as u64, 0),
        );
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
