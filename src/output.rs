//! Writes a run's results folder. Everything goes to a staging folder
//! (`results/.<name>.partial`), each file under a temporary name renamed
//! when complete; the finished folder replaces the old one only at the end,
//! so an interrupted run never leaves a complete-looking CSV behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::Serialize;

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::files::{AtPath, FileError, FileOp, sync_folder, write_whole};
use crate::manifest::{JobEntry, Manifest, checksum_file, read_fragment};
use crate::model::ModelKind;
use crate::org::{OrgNode, OrgParams, Organization, Structure};
use crate::params::{ParamSet, fmt_num};
use crate::rng;
use crate::scenario::Scenario;
use crate::stats::{Better, ComparisonRow, OnlineStats, StepAggregator, compare_pairs_grouped};

/// What can go wrong assembling, writing and publishing a run's files.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] crate::manifest::StoreError),
    /// The results folder is there and may not be replaced; the message
    /// says what to do.
    #[error("{0}")]
    Refused(String),
    /// A stored result does not match what the manifest says of it.
    #[error("{0}")]
    Damaged(String),
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// Writing a file (the operation most of this module does).
trait Writing<T> {
    fn writing(self, path: &Path) -> Result<T, FileError>;
}

impl<T> Writing<T> for io::Result<T> {
    fn writing(self, path: &Path) -> Result<T, FileError> {
        self.at(FileOp::Write, path)
    }
}

/// A number as written in CSVs: shortest exact form, empty when not finite.
pub fn cell(x: f64) -> String {
    let mut s = String::new();
    push_cell(&mut s, x);
    s
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
        let out = BufWriter::new(File::create(&tmp).writing(&tmp)?);
        Ok(CsvFile { path, tmp, out })
    }

    fn line(&mut self, fields: &[&str]) -> Result<(), OutputError> {
        Ok(self
            .out
            .write_all(csv_line(fields).as_bytes())
            .writing(&self.tmp)?)
    }

    /// Renames the complete file into place. It reaches the disk in
    /// [`sync_all`], before the folder's manifest is written and the
    /// folder is published: until then the folder is a staging folder, so
    /// a crash cannot leave a short file in a complete-looking result.
    fn finish(mut self) -> Result<(), OutputError> {
        self.out.flush().writing(&self.tmp)?;
        Ok(fs::rename(&self.tmp, &self.path).writing(&self.path)?)
    }
}

/// One CSV line, fields quoted where needed.
fn csv_line(fields: &[&str]) -> String {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&csv_field(f));
    }
    line.push('\n');
    line
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
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
    /// Replications per variant asked for (the first round when adaptive).
    pub replications: u32,
    /// Replications each variant got, in variant order.
    pub replications_per_variant: Vec<u32>,
    /// `--target-ci METRIC=WIDTH` and its cap, when replications were adaptive.
    pub target_ci: Option<String>,
    pub variants: usize,
    pub threads: usize,
    pub wall_seconds: f64,
    pub member_steps: u64,
    pub member_steps_per_second: f64,
    pub complete: bool,
    /// Weeks at the start left out of every per-run measure.
    pub warmup: u32,
}

/// What the end-of-run table needs of the assembled results.
pub struct Assembled {
    /// Pairwise comparisons of the variants on the summary measures.
    pub comparison: Vec<ComparisonRow>,
    /// Per variant: the primary metric's total, then every metric's mean,
    /// across replications.
    pub headline: Vec<Vec<OnlineStats>>,
    /// Each event's paired effects against the twins ([`effect_rows`]).
    pub effects: Vec<EffectRow>,
    /// Headline metrics still trending at the end of the warm-up.
    pub warnings: Vec<String>,
}

/// One variant's `summary.csv` rows and what the comparisons and the
/// end-of-run table need of it, built on a worker.
struct VariantSummary {
    summary: String,
    /// Its `twins.csv` rows (see [`twins_header`]); `None` without twins.
    twins: Option<Part>,
    /// Per compared measure, one value per finished replication.
    samples: Vec<Vec<f64>>,
    headline: Vec<OnlineStats>,
    /// Headline metrics still trending after the warm-up.
    trends: Vec<Trend>,
    /// How each replication stopped, in replication order (the aggregates
    /// leave a collapsed run out after its collapse).
    stops: Vec<crate::engine::Stopped>,
}

/// Rows built on a worker: in memory while small, spilled to a part file
/// in the staging folder once large (so memory stays bounded whatever the
/// run, and a large sweep does not create a file per variant).
enum Part {
    Text(String),
    File(PathBuf),
}

/// Collects rows into a [`Part`].
struct Spill {
    path: PathBuf,
    text: String,
    file: Option<BufWriter<File>>,
}

impl Spill {
    /// Largest part kept in memory.
    const LIMIT: usize = 2 << 20;

    fn new(path: PathBuf) -> Spill {
        Spill {
            path,
            text: String::new(),
            file: None,
        }
    }

    /// Takes the rows in `buf` (leaving it empty).
    fn take(&mut self, buf: &mut String) -> Result<(), OutputError> {
        if self.file.is_none() && self.text.len() + buf.len() > Self::LIMIT {
            let mut f =
                BufWriter::with_capacity(1 << 20, File::create(&self.path).writing(&self.path)?);
            f.write_all(self.text.as_bytes()).writing(&self.path)?;
            self.text = String::new();
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => f.write_all(buf.as_bytes()).writing(&self.path)?,
            None => self.text.push_str(buf),
        }
        buf.clear();
        Ok(())
    }

    fn finish(mut self, buf: &mut String) -> Result<Part, OutputError> {
        self.take(buf)?;
        match self.file.take() {
            Some(mut f) => {
                f.flush().at(FileOp::Write, &self.path)?;
                Ok(Part::File(self.path))
            }
            None => Ok(Part::Text(self.text)),
        }
    }
}

/// Reads fragments, keeping the logs open (a log holds many of them).
struct Fragments<'a> {
    dir_of: &'a (dyn Fn(&JobEntry) -> PathBuf + Sync),
    open: Vec<(PathBuf, File)>,
}

impl<'a> Fragments<'a> {
    fn new(dir_of: &'a (dyn Fn(&JobEntry) -> PathBuf + Sync)) -> Self {
        Fragments {
            dir_of,
            open: Vec::new(),
        }
    }

    fn read(&mut self, e: &JobEntry) -> Result<crate::engine::JobResult, OutputError> {
        let dir = (self.dir_of)(e);
        if e.len == 0 {
            return Ok(read_fragment(&dir, e)?);
        }
        let path = dir.join(&e.file);
        let at = self.open_log(&path)?;
        Ok(crate::manifest::read_fragment_from(
            &mut self.open[at].1,
            &path,
            e,
        )?)
    }

    /// Values `range` of a fragment's series of `len` values into `out`
    /// (unchecked: see [`crate::manifest::read_series_range`]).
    fn read_series(
        &mut self,
        e: &JobEntry,
        len: usize,
        range: std::ops::Range<usize>,
        out: &mut Vec<f64>,
    ) -> Result<(), OutputError> {
        let dir = (self.dir_of)(e);
        if e.len == 0 {
            let r = read_fragment(&dir, e)?;
            out.clear();
            out.extend_from_slice(r.series.get(range).unwrap_or(&[]));
            return Ok(());
        }
        let path = dir.join(&e.file);
        let at = self.open_log(&path)?;
        Ok(crate::manifest::read_series_range(
            &self.open[at].1,
            &path,
            e,
            len,
            range,
            out,
        )?)
    }

    fn open_log(&mut self, path: &Path) -> Result<usize, OutputError> {
        Ok(match self.open.iter().position(|(p, _)| p == path) {
            Some(i) => i,
            None => {
                let f = File::open(path).at(FileOp::Read, path)?;
                self.open.push((path.to_path_buf(), f));
                self.open.len() - 1
            }
        })
    }
}

/// Appends a number as written in CSVs (see [`cell`]) without allocating.
fn push_cell(buf: &mut String, x: f64) {
    if !x.is_finite() {
        return;
    }
    // Ryū finds shortest round-trip digits like `Display`, several times
    // faster. Its spelling differs ("1.0" for 1, exponents outside
    // 1e-5..1e16): those cases are written as `Display` writes them.
    if x == x.trunc() && x.abs() < 1e15 && !(x == 0.0 && x.is_sign_negative()) {
        // Counts (tasks, people, decisions) are most cells: integer formatting.
        let _ = write!(buf, "{}", x as i64);
        return;
    }
    let mut r = ryu::Buffer::new();
    let s = r.format_finite(x);
    if s.contains('e') {
        let _ = write!(buf, "{x}");
    } else {
        buf.push_str(s.strip_suffix(".0").unwrap_or(s));
    }
}

/// Appends one replication's `timeseries.csv` rows to `buf`. The worker
/// that ran the job calls it during the run (so formatting is spread over
/// the threads along with the simulation); assembly calls it for jobs
/// whose rows were not kept (resumed runs, merges): same bytes either way.
pub fn push_timeseries_rows(
    s: &Scenario,
    variant: usize,
    r: &crate::engine::JobResult,
    buf: &mut String,
) {
    let k = s.model.metric_names().len();
    let quoted = csv_field(&s.variants[variant].name);
    let replication = r.replication;
    for (i, row) in r.series.chunks_exact(k).enumerate() {
        let step = crate::engine::recorded_step(s, i);
        // A collapsed run has no rows after its collapse.
        if !r.summary.stopped.alive_at(step) {
            break;
        }
        buf.push_str(&quoted);
        let _ = write!(buf, ",{replication},{step}");
        for x in row {
            buf.push(',');
            push_cell(buf, *x);
        }
        buf.push('\n');
    }
}

/// A stretch of `timeseries.csv`, in order.
enum Piece {
    /// Rows formatted during assembly.
    Rows(Part),
    /// Rows the workers formatted during the run: `len` bytes at `offset`
    /// of a text log.
    Kept {
        path: PathBuf,
        offset: u64,
        len: u64,
        /// Each job's stretch, in order: its length and XXH3 (checked as
        /// it is copied).
        spans: Vec<(u64, u64)>,
    },
}

/// The `timeseries.csv` pieces of some of a variant's replications
/// (`entries`, in replication order): where their kept rows lie, and rows
/// formatted from the fragments of the others; `path` is the prefix of the
/// files formatted rows spill to (`<path>.<piece>.part`).
fn timeseries_pieces(
    s: &Scenario,
    variant: usize,
    entries: &[JobEntry],
    fragment_dir: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
    path: &Path,
) -> Result<Vec<Piece>, OutputError> {
    let mut pieces = Vec::new();
    let mut fragments = Fragments::new(fragment_dir);
    let mut out: Option<Spill> = None;
    let mut buf = String::new();
    for e in entries {
        if let Some(t) = &e.text {
            if let Some(o) = out.take() {
                pieces.push(Piece::Rows(o.finish(&mut buf)?));
            }
            let log = fragment_dir(e).join(&t.file);
            match pieces.last_mut() {
                // Neighbours in the log are read as one.
                Some(Piece::Kept {
                    path,
                    offset,
                    len,
                    spans,
                }) if *path == log && *offset + *len == t.offset => {
                    *len += t.len;
                    spans.push((t.len, t.sum));
                }
                _ => pieces.push(Piece::Kept {
                    path: log,
                    offset: t.offset,
                    len: t.len,
                    spans: vec![(t.len, t.sum)],
                }),
            }
            continue;
        }
        let n = pieces.len();
        let o = out.get_or_insert_with(|| {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{n}.part"));
            Spill::new(name.into())
        });
        let r = fragments.read(e)?;
        push_timeseries_rows(s, variant, &r, &mut buf);
        if buf.len() > 1 << 15 {
            o.take(&mut buf)?;
        }
    }
    if let Some(o) = out.take() {
        pieces.push(Piece::Rows(o.finish(&mut buf)?));
    }
    Ok(pieces)
}

/// A variant's `timeseries.csv` pieces, in chunks of replications formatted
/// in parallel (`chunks`: so a run with few variants still uses every core).
fn timeseries_of_variant(
    s: &Scenario,
    variant: usize,
    entries: &[JobEntry],
    fragment_dir: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
    staging: &Path,
    chunks: usize,
) -> Result<Vec<Piece>, OutputError> {
    let chunk = entries.len().div_ceil(chunks.max(1)).max(1);
    let pieces = entries
        .par_chunks(chunk)
        .enumerate()
        .map(|(i, c)| {
            let path = staging.join(format!("timeseries.csv.v{variant}.{i}"));
            timeseries_pieces(s, variant, c, fragment_dir, &path)
        })
        .collect::<Result<Vec<Vec<Piece>>, OutputError>>()?;
    Ok(pieces.into_iter().flatten().collect())
}

/// Writes `timeseries.csv.partial` on its own thread from the variants'
/// pieces as they come, in order, syncing as it goes (its disk writes
/// overlap with the copying and with the building of the other files), and
/// freeing the copied parts of the text logs; gives its checksum, taken on
/// the way. The caller renames it once every other part succeeded.
fn write_timeseries(
    dir: &Path,
    header: &str,
    variants: mpsc::Receiver<Vec<Piece>>,
) -> Result<String, OutputError> {
    let mut out = SeriesFile::create(dir.join("timeseries.csv.partial"))?;
    out.put(header.as_bytes())?;
    let mut logs = KeptLogs::default();
    let mut buf = vec![0u8; 1 << 20];
    for piece in variants.iter().flatten() {
        match piece {
            Piece::Rows(Part::Text(text)) => out.put(text.as_bytes())?,
            Piece::Rows(Part::File(p)) => {
                let mut f = File::open(&p).at(FileOp::Read, &p)?;
                copy_bytes(&mut f, &p, None, &mut buf, &mut |b| out.put(b))?;
                fs::remove_file(&p).at(FileOp::Remove, &p)?;
            }
            Piece::Kept {
                path,
                offset,
                len,
                spans,
            } => logs.copy(&path, offset, len, &spans, &mut buf, &mut out)?,
        }
    }
    logs.close()?;
    out.finish()
}

/// `timeseries.csv` being written: checksummed on the way, and synced as
/// it grows. Write-back starts as the file grows: a second thread syncs
/// what has been written so far every [`SeriesFile::SYNC_EVERY`] bytes, so
/// the final sync waits for the last stretch only, not for the whole file
/// (67 MB: 85 ms less at the end of a sweep). The clone shares the open
/// file, so an error that thread sees would not be seen again by the final
/// sync: it is handed back.
struct SeriesFile {
    tmp: PathBuf,
    out: BufWriter<File>,
    hash: xxhash_rust::xxh3::Xxh3,
    unsynced: usize,
    nudge: mpsc::Sender<()>,
    syncer: std::thread::JoinHandle<io::Result<()>>,
}

impl SeriesFile {
    const SYNC_EVERY: usize = 16 << 20;

    fn create(tmp: PathBuf) -> Result<SeriesFile, OutputError> {
        let file = File::create(&tmp).writing(&tmp)?;
        let (nudge, nudged) = mpsc::channel::<()>();
        let syncer = {
            let file = file.try_clone().writing(&tmp)?;
            std::thread::spawn(move || -> io::Result<()> {
                while nudged.recv().is_ok() {
                    while nudged.try_recv().is_ok() {}
                    file.sync_data()?;
                }
                Ok(())
            })
        };
        Ok(SeriesFile {
            tmp,
            out: BufWriter::with_capacity(1 << 20, file),
            hash: xxhash_rust::xxh3::Xxh3::new(),
            unsynced: 0,
            nudge,
            syncer,
        })
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.hash.update(bytes);
        self.unsynced += bytes.len();
        if self.unsynced >= Self::SYNC_EVERY {
            self.unsynced = 0;
            let _ = self.nudge.send(());
        }
        Ok(self.out.write_all(bytes).writing(&self.tmp)?)
    }

    /// Flushes and syncs the file; gives its checksum.
    fn finish(self) -> Result<String, OutputError> {
        let f = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .writing(&self.tmp)?;
        drop(self.nudge);
        self.syncer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the sync thread failed")))
            .writing(&self.tmp)?;
        f.sync_all().writing(&self.tmp)?;
        Ok(format!("{:016x}", self.hash.digest()))
    }
}

/// The text logs whose kept rows are copied, open once each, with the
/// copied ranges not yet released: every [`KeptLogs::RELEASE_EVERY`]
/// bytes they are freed on disk.
#[derive(Default)]
struct KeptLogs {
    logs: Vec<(PathBuf, File)>,
    copied: Vec<Vec<(u64, u64)>>,
    unreleased: u64,
}

impl KeptLogs {
    const RELEASE_EVERY: u64 = 8 << 20;

    /// Copies `len` kept bytes at `offset` of log `path` into `out`, each
    /// job's span checked against its checksum.
    fn copy(
        &mut self,
        path: &Path,
        offset: u64,
        len: u64,
        spans: &[(u64, u64)],
        buf: &mut [u8],
        out: &mut SeriesFile,
    ) -> Result<(), OutputError> {
        let at = self.open(path)?;
        let f = &mut self.logs[at].1;
        f.seek(SeekFrom::Start(offset)).at(FileOp::Read, path)?;
        for &(span, sum) in spans {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            copy_bytes(f, path, Some(span), buf, &mut |b: &[u8]| {
                h.update(b);
                out.put(b)
            })?;
            if h.digest() != sum {
                return Err(OutputError::Damaged(format!(
                    "{} changed while the run was writing it (rows do not match their checksum); nothing was published\n  help: continue with --resume: it formats the rows again from the checked results",
                    path.display()
                )));
            }
        }
        self.copied[at].push((offset, len));
        self.unreleased += len;
        if self.unreleased >= Self::RELEASE_EVERY {
            self.unreleased = 0;
            for ((_, f), ranges) in self.logs.iter().zip(&mut self.copied) {
                release(f, ranges);
            }
        }
        Ok(())
    }

    /// The log's index, opened the first time (writable too: releasing a
    /// range writes to the file).
    fn open(&mut self, path: &Path) -> Result<usize, OutputError> {
        if let Some(i) = self.logs.iter().position(|(p, _)| p == path) {
            return Ok(i);
        }
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .at(FileOp::Read, path)?;
        self.logs.push((path.to_path_buf(), f));
        self.copied.push(Vec::new());
        Ok(self.logs.len() - 1)
    }

    /// The text logs are this session's and read once: closed and removed
    /// here, so freeing their cached pages stays off the main thread's path.
    fn close(self) -> Result<(), OutputError> {
        for (log, f) in self.logs {
            drop(f);
            fs::remove_file(&log).at(FileOp::Remove, &log)?;
        }
        Ok(())
    }
}

/// Copies a file's bytes from where it stands, `len` of them (all: None),
/// through `buf` to `put`.
fn copy_bytes(
    f: &mut File,
    from: &Path,
    len: Option<u64>,
    buf: &mut [u8],
    put: &mut dyn FnMut(&[u8]) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let mut left = len.unwrap_or(u64::MAX);
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = f.read(&mut buf[..want]).at(FileOp::Read, from)?;
        if n == 0 {
            return match len {
                None => Ok(()),
                Some(_) => Err(OutputError::Damaged(format!(
                    "cannot read {}: it is shorter than expected",
                    from.display()
                ))),
            };
        }
        put(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// Frees the disk blocks of `ranges` (offset, length) of a text log whose
/// bytes have been copied (a hole punched in the file, which keeps its
/// size), merging neighbours first; clears `ranges`. Best effort: a file
/// system that cannot punch holes keeps the bytes until the log is removed.
fn release(f: &File, ranges: &mut Vec<(u64, u64)>) {
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for &(offset, len) in ranges.iter() {
        match merged.last_mut() {
            Some((o, l)) if *o + *l >= offset => *l = (*l).max(offset + len - *o),
            _ => merged.push((offset, len)),
        }
    }
    ranges.clear();
    #[cfg(target_os = "linux")]
    for (offset, len) in merged {
        use rustix::fs::{FallocateFlags, fallocate};
        let _ = fallocate(
            f,
            FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
            offset,
            len,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (f, merged);
}

/// One variant's `aggregate.csv` rows. Per-step statistics are independent
/// from step to step: at least `blocks` blocks of steps (more when the
/// values would not fit [`crate::stats::aggregate::BLOCK_BYTES`]: the exact
/// quartiles need every replication's value of each cell) are aggregated in
/// parallel, each over every replication in order.
fn aggregate_of_variant(
    s: &Scenario,
    variant: usize,
    (entries, stops): (&[JobEntry], &[crate::engine::Stopped]),
    fragment_dir: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
    staging: &Path,
    blocks: usize,
) -> Result<Vec<Part>, OutputError> {
    let steps = crate::engine::recorded_steps(s);
    let step_bytes = entries.len().max(1) * s.model.metric_names().len() * 8;
    let fit = (crate::stats::aggregate::BLOCK_BYTES / step_bytes).max(1);
    let per_block = steps.div_ceil(blocks.clamp(1, steps.max(1))).clamp(1, fit);
    (0..steps.div_ceil(per_block))
        .into_par_iter()
        .map(|b| {
            let range = b * per_block..((b + 1) * per_block).min(steps);
            let path = staging.join(format!("aggregate.csv.v{variant}.{b}.part"));
            aggregate_part(s, variant, (entries, stops), fragment_dir, range, path)
        })
        .collect()
}

/// The `aggregate.csv` rows of recorded steps `steps` of a variant, from
/// its replications in order.
fn aggregate_part(
    s: &Scenario,
    variant: usize,
    (entries, stops): (&[JobEntry], &[crate::engine::Stopped]),
    fragment_dir: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
    steps: std::ops::Range<usize>,
    path: PathBuf,
) -> Result<Part, OutputError> {
    let metrics = s.model.metric_names();
    let k = metrics.len();
    let quoted = csv_field(&s.variants[variant].name);
    let mut agg = StepAggregator::new(steps.len(), k, entries.len());
    let collapse = !s.stop.collapse.is_empty();
    let mut fragments = Fragments::new(fragment_dir);
    // Only this block's rows are read; the summaries, built just before
    // from the same fragments, checked each one whole.
    let len = crate::engine::recorded_steps(s) * k;
    let mut rows = Vec::with_capacity(steps.len() * k);
    for (e, stop) in entries.iter().zip(stops) {
        fragments.read_series(e, len, steps.start * k..steps.end * k, &mut rows)?;
        for (i, row) in rows.chunks_exact(k).enumerate() {
            // A collapsed run is not averaged as if alive after its collapse.
            if stop.alive_at(crate::engine::recorded_step(s, steps.start + i)) {
                agg.push(i, row);
            }
        }
    }
    let mut out = Spill::new(path);
    let mut buf = String::with_capacity(1 << 16);
    if !entries.is_empty() {
        for (i, row) in steps.enumerate() {
            let step = crate::engine::recorded_step(s, row);
            let collapsed = stops.iter().filter(|x| !x.alive_at(step)).count();
            for (m, metric) in metrics.iter().enumerate() {
                let (mean, h) = (agg.mean(i, m), agg.ci95_half_width(i, m));
                let [q1, median, q3] = agg.quartiles(i, m);
                let _ = write!(buf, "{quoted},{step},{metric}");
                for c in [
                    agg.n(i, m) as f64,
                    mean,
                    agg.sd(i, m),
                    mean - h,
                    mean + h,
                    median,
                    q1,
                    q3,
                ] {
                    buf.push(',');
                    push_cell(&mut buf, c);
                }
                if collapse {
                    let _ = write!(buf, ",{collapsed}");
                }
                buf.push('\n');
            }
            if buf.len() > 1 << 15 {
                out.take(&mut buf)?;
            }
        }
    }
    out.finish(&mut buf)
}

/// A variant's summary rows, samples and headline statistics, from its
/// replications in order.
fn summarize_variant(
    s: &Scenario,
    variant: usize,
    entries: &[JobEntry],
    fragment_dir: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
    staging: &Path,
) -> Result<VariantSummary, OutputError> {
    let metrics = s.model.metric_names();
    let k = metrics.len();
    let quoted = csv_field(&s.variants[variant].name);
    let compared = compared_metrics(s);
    let mut summary = String::new();
    let mut samples = vec![Vec::with_capacity(entries.len()); compared.len()];
    let mut headline = vec![OnlineStats::new(); k + 1];
    let mut fragments = Fragments::new(fragment_dir);
    let checked = warmup_checked(s);
    let mut drift = vec![Vec::with_capacity(entries.len()); checked.len()];
    let mut twins = (effect_events(s) > 0)
        .then(|| Spill::new(staging.join(format!("twins.csv.v{variant}.part"))));
    let mut twin_rows = String::new();
    let mut stops = Vec::with_capacity(entries.len());
    for e in entries {
        let r = fragments.read(e)?;
        stops.push(r.summary.stopped);
        if let Some(out) = &mut twins {
            push_twin_rows(&mut twin_rows, s, &quoted, &r);
            if twin_rows.len() > 1 << 15 {
                out.take(&mut twin_rows)?;
            }
        }
        for (d, &m) in drift.iter_mut().zip(&checked) {
            d.push(warmup_drift(s, &r.series, m));
        }
        let sm = &r.summary;
        summary.push_str(&quoted);
        let _ = write!(summary, ",{}", r.replication);
        for x in &s.variants[variant].sweep_point {
            summary.push(',');
            summary.push_str(&fmt_num(*x));
        }
        for x in [sm.stability, sm.total].iter().chain(&sm.means) {
            summary.push(',');
            push_cell(&mut summary, *x);
        }
        // The pre-event measures only without twins: against a twin they
        // are noise beside the paired effect (see `pre_event_measures`).
        for ev in sm.events.iter().filter(|_| pre_event_measures(s)) {
            summary.push(',');
            push_cell(&mut summary, ev.dip);
            summary.push(',');
            if let Some(x) = ev.recovery {
                let _ = write!(summary, "{x}");
            }
            summary.push(',');
            push_cell(&mut summary, ev.resilience_loss);
        }
        push_effects(&mut summary, s, sm);
        if s.stop.is_set() {
            let _ = write!(summary, ",{},", sm.stopped.step);
            summary.push_str(&csv_field(&sm.stopped.reason_text(s)));
        }
        summary.push('\n');
        for (sample, (_, _, pick)) in samples.iter_mut().zip(&compared) {
            sample.push(pick(sm));
        }
        headline[0].push(sm.total);
        for (a, x) in headline[1..].iter_mut().zip(&sm.means) {
            a.push(*x);
        }
    }
    let trends = checked
        .iter()
        .zip(&drift)
        .filter_map(|(&m, d)| trend_found(s, variant, m, d))
        .collect();
    let twins = match twins {
        Some(out) => Some(out.finish(&mut twin_rows)?),
        None => None,
    };
    Ok(VariantSummary {
        summary,
        twins,
        samples,
        headline,
        trends,
        stops,
    })
}

/// The metrics checked for a trend left at the end of the warm-up: the
/// primary metric and the ones events' effects are measured on.
fn warmup_checked(s: &Scenario) -> Vec<usize> {
    let mut m = vec![s.model.primary_metric()];
    m.extend(s.model.effect_metrics().iter().map(|&(i, _)| i));
    m.dedup();
    m
}

/// The windows the warm-up check compares: two equal windows right after
/// the warm-up, each as long as the warm-up and both before the first
/// scheduled event (an event moves the series by design, so it must not
/// read as drift); `None` when there is no room for two windows of at
/// least 2 steps.
fn warmup_windows(s: &Scenario) -> Option<(usize, usize)> {
    let w = s.analysis.warmup as usize;
    let first_event = s
        .scheduled_events()
        .map(|e| e.event.start as usize)
        .min()
        .unwrap_or(usize::MAX);
    let end = (s.steps as usize).min(first_event);
    let len = w.min(end.saturating_sub(w) / 2);
    (len >= 2).then_some((w, len))
}

/// One run's change of metric `m` between the two windows after the
/// warm-up: `(later mean - first mean, first mean)`, NaN when not checked.
/// Rows are the recorded steps.
fn warmup_drift(s: &Scenario, series: &[f64], m: usize) -> (f64, f64) {
    let Some((start, len)) = warmup_windows(s) else {
        return (f64::NAN, f64::NAN);
    };
    let k = s.model.metric_names().len();
    let mean = |from: usize| {
        let rows: Vec<f64> = (from..from + len)
            .filter_map(|t| crate::engine::recorded_row(s, t))
            .filter_map(|i| series.get(i * k + m).copied())
            .collect();
        rows.iter().sum::<f64>() / rows.len().max(1) as f64
    };
    let first = mean(start);
    (mean(start + len) - first, first)
}

/// A metric of a variant still moving after the warm-up (see
/// [`trend_found`]).
#[derive(Clone, Debug)]
struct Trend {
    variant: usize,
    metric: usize,
    /// Mean over the first window, across replications.
    level: f64,
    /// Mean change to the second window, across replications.
    change: f64,
    p: f64,
}

impl Trend {
    fn share(&self) -> f64 {
        self.change / self.level.abs()
    }
}

/// Metric `m` of a variant is still moving after the warm-up when the
/// change between the two windows is significant across replications
/// (paired t-test, p < 0.01) and more than 2% of its level.
fn trend_found(s: &Scenario, variant: usize, m: usize, drift: &[(f64, f64)]) -> Option<Trend> {
    warmup_windows(s)?;
    let changes: Vec<f64> = drift.iter().map(|d| d.0).collect();
    let level = drift.iter().map(|d| d.1).sum::<f64>() / drift.len().max(1) as f64;
    let (_, p, _) = crate::stats::compare::paired_t_test(&changes);
    let change = changes.iter().sum::<f64>() / changes.len().max(1) as f64;
    let t = Trend {
        variant,
        metric: m,
        level,
        change,
        p,
    };
    (p < 0.01 && t.share().abs() > 0.02).then_some(t)
}

/// The warnings for metrics still moving after the warm-up: one line per
/// variant and metric, or, when more than two variants of a metric move
/// (a sweep), one line for the metric with how many and by how much.
fn trend_warnings(s: &Scenario, trends: &[Trend]) -> Vec<String> {
    let Some((start, len)) = warmup_windows(s) else {
        return Vec::new();
    };
    let windows = format!(
        "weeks {start}-{} against {}-{}",
        start + len - 1,
        start + len,
        start + 2 * len - 1
    );
    let advice = "totals and means include that settling (effects against twins do not); a longer [analysis] warmup, with events after it, measures the settled levels";
    let mut out = Vec::new();
    let mut metrics: Vec<usize> = trends.iter().map(|t| t.metric).collect();
    metrics.sort_unstable();
    metrics.dedup();
    for m in metrics {
        let name = s.model.metric_names()[m];
        let found: Vec<&Trend> = trends.iter().filter(|t| t.metric == m).collect();
        if found.len() <= 2 {
            for t in found {
                out.push(format!(
                    "`{name}` of variant \"{}\" is still {} after the warm-up: {windows}, average {:.3} then {:.3} ({:+.1}%, p {}); {advice}",
                    s.variants[t.variant].name,
                    if t.change > 0.0 { "rising" } else { "falling" },
                    t.level,
                    t.level + t.change,
                    t.share() * 100.0,
                    if t.p < 0.001 { "< 0.001".to_string() } else { format!("{:.3}", t.p) }
                ));
            }
            continue;
        }
        let rising = found.iter().filter(|t| t.change > 0.0).count();
        let direction = match (rising, found.len() - rising) {
            (_, 0) => "rising".to_string(),
            (0, _) => "falling".to_string(),
            (r, f) => format!("moving (rising in {r}, falling in {f})"),
        };
        let (lo, hi) = found.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), t| {
            let x = t.share().abs() * 100.0;
            (lo.min(x), hi.max(x))
        });
        out.push(format!(
            "`{name}` is still {direction} after the warm-up in {} of {} variants ({windows}: by {lo:.1}% to {hi:.1}%, each p < 0.01); {advice}",
            found.len(),
            s.variants.len(),
        ));
    }
    out
}

/// The effect columns of a summary row (see [`effect_columns`]): empty
/// cells where the event does not happen in the variant or a run never
/// got back.
fn push_effects(row: &mut String, s: &Scenario, sm: &crate::engine::RunSummary) {
    let measured = s.model.effect_metrics().len();
    for k in 0..effect_events(s) {
        for m in 0..measured {
            let e = sm.effects.get(k).and_then(|e| e.get(m));
            let e = e.copied().unwrap_or(crate::analysis::Effect::NONE);
            row.push(',');
            push_cell(row, e.total);
            row.push(',');
            push_cell(row, e.worst_gap);
            row.push(',');
            if let (true, Some(x)) = (e.measured(), e.recovery) {
                let _ = write!(row, "{x}");
            }
        }
    }
}

/// Column names of `twins.csv`: one row per variant × replication ×
/// scheduled event × recorded step from the event's start to the end of the
/// run (`week` = step − start), where the event happens in the variant; per
/// effect metric the twin's value (`<metric>_twin`: the same replication
/// without that event) and the run minus it (`<metric>_diff`). Written only
/// with twins.
pub fn twins_header(s: &Scenario) -> Vec<String> {
    let names = s.model.metric_names();
    let mut h: Vec<String> = ["variant", "replication", "event", "step", "week"]
        .map(String::from)
        .into();
    for &(m, _) in s.model.effect_metrics() {
        h.push(format!("{}_twin", names[m]));
        h.push(format!("{}_diff", names[m]));
    }
    h
}

/// One replication's `twins.csv` rows (see [`twins_header`]).
fn push_twin_rows(buf: &mut String, s: &Scenario, quoted: &str, r: &crate::engine::JobResult) {
    let k = s.model.metric_names().len();
    let measured = s.model.effect_metrics();
    for (e, (spec, twin)) in s.scheduled_events().zip(&r.summary.twins).enumerate() {
        if twin.is_empty() {
            continue;
        }
        let start = spec.event.start as usize;
        let rows = twin.chunks_exact(measured.len().max(1));
        for (t, row) in crate::engine::twin_steps(s, start).zip(rows) {
            let _ = write!(
                buf,
                "{quoted},{},{},{t},{}",
                r.replication,
                e + 1,
                t - start
            );
            for (&(m, _), tw) in measured.iter().zip(row) {
                let run = crate::engine::recorded_row(s, t)
                    .and_then(|i| r.series.get(i * k + m))
                    .copied()
                    .unwrap_or(f64::NAN);
                buf.push(',');
                push_cell(buf, *tw);
                buf.push(',');
                push_cell(buf, run - tw);
            }
            buf.push('\n');
        }
    }
}

/// How many scheduled events have effects against twins (0 when twins are off).
fn effect_events(s: &Scenario) -> usize {
    if s.analysis.twins {
        s.scheduled_events().count()
    } else {
        0
    }
}

/// Names of the effect columns, per event with twins and effect metric:
/// `event<k>_<metric>_effect` (run minus twin summed from the event to the
/// end), `event<k>_<metric>_worst_gap` (largest smoothed shortfall against
/// the twin) and `event<k>_<metric>_recovery_steps` (steps until back
/// within `1 - threshold` of the twin; empty: never).
pub fn effect_columns(s: &Scenario) -> Vec<String> {
    let names = s.model.metric_names();
    let mut out = Vec::new();
    for k in 1..=effect_events(s) {
        for &(m, _) in s.model.effect_metrics() {
            for what in ["effect", "worst_gap", "recovery_steps"] {
                out.push(format!("event{k}_{}_{what}", names[m]));
            }
        }
    }
    out
}

/// Appends a part file to a CSV being written, then removes the part.
fn append_part(to: &mut CsvFile, part: &Part) -> Result<(), OutputError> {
    let part = match part {
        Part::Text(text) => {
            return Ok(to.out.write_all(text.as_bytes()).writing(&to.tmp)?);
        }
        Part::File(path) => path,
    };
    to.out.flush().writing(&to.tmp)?;
    let mut from = File::open(part).at(FileOp::Read, part)?;
    io::copy(&mut from, to.out.get_mut()).writing(&to.tmp)?;
    Ok(fs::remove_file(part).at(FileOp::Remove, part)?)
}

/// Whether results may be written to `out`: nothing there, or `force`
/// and a folder orgsim wrote (it holds an orgsim manifest). Anything else
/// (a user's own folder, a file) is never replaced.
pub fn check_replace(out: &Path, force: bool) -> Result<(), OutputError> {
    if fs::symlink_metadata(out).is_err() {
        return Ok(());
    }
    if !force {
        return Err(OutputError::Refused(exists_message(out)));
    }
    if is_orgsim_folder(out) {
        return Ok(());
    }
    Err(OutputError::Refused(format!(
        "{} is not a results folder orgsim wrote (it has no orgsim manifest.json); --force replaces only those, so nothing was changed\n  help: write elsewhere with --out DIR, or move it away yourself",
        out.display()
    )))
}

/// A real folder (not a link) whose `manifest.json` is an orgsim manifest
/// (of any format version).
pub fn is_orgsim_folder(dir: &Path) -> bool {
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    let Ok(text) = fs::read(dir.join("manifest.json")) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&text)
        .is_ok_and(|v| v.get("orgsim_version").is_some() && v.get("scenario_checksum").is_some())
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
pub fn staging_dir(out_dir: &Path) -> Result<PathBuf, OutputError> {
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).at(FileOp::Create, parent)?;
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
        fs::rename(final_dir, &old).writing(final_dir)?;
        fs::rename(dir, final_dir).writing(final_dir)?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(dir, final_dir).writing(final_dir)?;
    }
    Ok(())
}

/// Writes `scenario.resolved.toml` and a copy of each org chart it names,
/// so the folder reruns its scenario wherever it is moved.
pub fn write_scenario(s: &Scenario, dir: &Path) -> Result<(), OutputError> {
    for (name, c) in s.chart_copies() {
        write_whole(&dir.join(name), &c.bytes)?;
    }
    Ok(write_whole(
        &dir.join("scenario.resolved.toml"),
        s.resolved_toml().as_bytes(),
    )?)
}

/// Builds the result files from job fragments, in canonical job order
/// (whatever order the jobs ran in), into `staging` (published by
/// [`publish_run`] once the charts are there too).
/// `fragment_dir` says in which folder each job's fragment lies (the
/// staging folder for a run, the shard folders for a merge); fragments in
/// `staging` are removed once assembled. `planned` is how many replications
/// each variant was to get. Variants are built on `threads` threads (0: all
/// cores); the files do not depend on it.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    s: &Scenario,
    staging: &Path,
    manifest: &mut Manifest,
    fragment_dir: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
    record: &RunRecord,
    planned: &[u32],
    threads: usize,
) -> Result<Assembled, OutputError> {
    phase("assembling");
    let mut csvs = Csvs::open(s, staging)?;
    let mut acc = Gathered::default();
    // Sorted by variant, then replication: one slice per variant.
    manifest.jobs.sort_by_key(|e| (e.variant, e.replication));
    let build = Build::new(s, staging, &manifest.jobs, fragment_dir, threads)?;
    let rest = Rest {
        planned,
        record,
        gapless: build.gapless(),
    };
    let ts_header = {
        let mut header = vec!["variant", "replication", "step"];
        header.extend(s.model.metric_names().iter().copied());
        csv_line(&header)
    };
    // The time series is most of the bytes: a thread writes it as the
    // windows of variants are built, then syncs it while the rest is written.
    let (tx, rx) = mpsc::sync_channel::<Vec<Piece>>(build.window);
    let (built, ts_sum) = std::thread::scope(|scope| {
        let ts = scope.spawn(|| write_timeseries(staging, &ts_header, rx));
        let built = build.windows(&mut csvs, &mut acc, &rest, tx);
        let ts = ts
            .join()
            .unwrap_or_else(|_| Err(OutputError::Damaged("writing timeseries.csv failed".into())));
        (built, ts)
    });
    drop(build);
    let ts_sum = ts_sum?;
    let comparison = built?;
    csvs.finish()?;
    let ts = staging.join("timeseries.csv");
    fs::rename(staging.join("timeseries.csv.partial"), &ts).at(FileOp::Write, &ts)?;

    manifest.files.clear();
    manifest.files.insert("timeseries.csv".into(), ts_sum);
    manifest.replications_per_variant = planned.to_vec();
    manifest.complete = manifest.failed.is_empty()
        && manifest.jobs.len() as u64 == planned.iter().map(|&n| u64::from(n)).sum::<u64>();
    Ok(Assembled {
        comparison,
        headline: acc.headline,
        effects: effect_rows(s, &acc.samples),
        warnings: trend_warnings(s, &acc.trends),
    })
}

/// The CSVs assembled window by window: `summary.csv`, `aggregate.csv`
/// and, with twins, `twins.csv`.
struct Csvs {
    summary: CsvFile,
    aggregate: CsvFile,
    twins: Option<CsvFile>,
}

impl Csvs {
    fn open(s: &Scenario, dir: &Path) -> Result<Csvs, OutputError> {
        let mut summary = CsvFile::create(dir, "summary.csv")?;
        let head = summary_header(s);
        summary.line(&head.iter().map(String::as_str).collect::<Vec<_>>())?;
        let mut aggregate = CsvFile::create(dir, "aggregate.csv")?;
        aggregate.line(&aggregate_header(s))?;
        let twins = match effect_events(s) {
            0 => None,
            _ => {
                let mut f = CsvFile::create(dir, "twins.csv")?;
                let head = twins_header(s);
                f.line(&head.iter().map(String::as_str).collect::<Vec<_>>())?;
                Some(f)
            }
        };
        Ok(Csvs {
            summary,
            aggregate,
            twins,
        })
    }

    fn finish(self) -> Result<(), OutputError> {
        self.summary.finish()?;
        self.aggregate.finish()?;
        if let Some(f) = self.twins {
            f.finish()?;
        }
        Ok(())
    }
}

/// What the variants' summaries gave, in variant order.
#[derive(Default)]
struct Gathered {
    samples: Vec<(String, Vec<Vec<f64>>)>,
    headline: Vec<Vec<OnlineStats>>,
    trends: Vec<Trend>,
}

/// What `write_rest` needs beside the samples.
struct Rest<'a> {
    planned: &'a [u32],
    record: &'a RunRecord,
    gapless: bool,
}

/// How the variants are built: in windows of `window` variants (bounding
/// the part files on disk and the aggregators in memory) on a pool.
struct Build<'a> {
    s: &'a Scenario,
    dir: &'a Path,
    /// Each variant's jobs, by replication.
    by_variant: Vec<&'a [JobEntry]>,
    fragment_dir: &'a (dyn Fn(&JobEntry) -> PathBuf + Sync),
    pool: rayon::ThreadPool,
    threads: usize,
    window: usize,
    /// Pieces each variant's time series is split into (several when few
    /// variants would leave threads idle).
    chunks: usize,
}

impl<'a> Build<'a> {
    fn new(
        s: &'a Scenario,
        dir: &'a Path,
        jobs: &'a [JobEntry],
        fragment_dir: &'a (dyn Fn(&JobEntry) -> PathBuf + Sync),
        threads: usize,
    ) -> Result<Build<'a>, OutputError> {
        let mut by_variant: Vec<&[JobEntry]> = Vec::with_capacity(s.variants.len());
        let mut rest = jobs;
        for v in 0..s.variants.len() {
            let n = rest.iter().take_while(|e| e.variant == v).count();
            let (mine, tail) = rest.split_at(n);
            by_variant.push(mine);
            rest = tail;
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let threads = pool.current_num_threads().max(1);
        Ok(Build {
            s,
            dir,
            by_variant,
            fragment_dir,
            pool,
            threads,
            window: 4 * threads,
            chunks: if s.variants.len() >= 2 * threads {
                1
            } else {
                2 * threads
            },
        })
    }

    /// Whether every variant's replications are 0, 1, 2, ... with none
    /// missing, so that sample i is replication i in every variant.
    fn gapless(&self) -> bool {
        self.by_variant.iter().all(|jobs| {
            jobs.iter()
                .enumerate()
                .all(|(i, e)| e.replication as usize == i)
        })
    }

    /// Builds every window; the comparisons and the small files are
    /// written beside the last window's aggregates.
    fn windows(
        &self,
        csvs: &mut Csvs,
        acc: &mut Gathered,
        rest: &Rest,
        tx: mpsc::SyncSender<Vec<Piece>>,
    ) -> Result<Vec<ComparisonRow>, OutputError> {
        let n = self.s.variants.len();
        let mut tx = Some(tx);
        let mut written = None;
        for first in (0..n).step_by(self.window) {
            let last = (first + self.window).min(n);
            let stops = self.send_window(csvs, acc, first..last, &mut tx)?;
            let tail = self.aggregate_window(csvs, acc, first..last, &stops, rest)?;
            written = written.or(tail);
        }
        match written {
            Some(rest) => rest,
            None => self.pool.install(|| self.write_rest(acc, rest)),
        }
    }

    /// Sends a window's time-series pieces to the writer and gathers its
    /// summaries; gives how each replication stopped, per variant. In a
    /// run the workers formatted the time-series rows, so the pieces only
    /// say where they lie; summaries are one light pass over the fragments.
    fn send_window(
        &self,
        csvs: &mut Csvs,
        acc: &mut Gathered,
        window: std::ops::Range<usize>,
        tx: &mut Option<mpsc::SyncSender<Vec<Piece>>>,
    ) -> Result<Vec<Vec<crate::engine::Stopped>>, OutputError> {
        let (s, dir, fragments) = (self.s, self.dir, self.fragment_dir);
        let (pieces, summaries) = self.pool.install(|| {
            rayon::join(
                || {
                    per_variant(&window, |v| {
                        let jobs = self.by_variant[v];
                        timeseries_of_variant(s, v, jobs, fragments, dir, self.chunks)
                    })
                },
                || {
                    per_variant(&window, |v| {
                        summarize_variant(s, v, self.by_variant[v], fragments, dir)
                    })
                },
            )
        });
        for p in pieces {
            let p = p?;
            if tx.as_ref().is_none_or(|to| to.send(p).is_err()) {
                // The writer stopped: its error is reported first.
                return Err(OutputError::Damaged(
                    "writing timeseries.csv stopped".into(),
                ));
            }
        }
        if window.end == s.variants.len() {
            // All sent: the writer finishes and syncs the file while the
            // last aggregates are built.
            *tx = None;
        }
        let mut stops = Vec::with_capacity(window.len());
        for (v, part) in window.zip(summaries) {
            let part = part?;
            stops.push(part.stops);
            csvs.summary
                .out
                .write_all(part.summary.as_bytes())
                .writing(&csvs.summary.tmp)?;
            if let (Some(f), Some(rows)) = (&mut csvs.twins, &part.twins) {
                append_part(f, rows)?;
            }
            acc.samples.push((s.variants[v].name.clone(), part.samples));
            acc.headline.push(part.headline);
            acc.trends.extend(part.trends);
        }
        Ok(stops)
    }

    /// Builds a window's per-step aggregates into `aggregate.csv`; beside
    /// the last window's, the comparisons and the small files, which need
    /// every sample (their result, when written here).
    #[allow(clippy::type_complexity)]
    fn aggregate_window(
        &self,
        csvs: &mut Csvs,
        acc: &Gathered,
        window: std::ops::Range<usize>,
        stops: &[Vec<crate::engine::Stopped>],
        rest: &Rest,
    ) -> Result<Option<Result<Vec<ComparisonRow>, OutputError>>, OutputError> {
        let (s, dir, fragments) = (self.s, self.dir, self.fragment_dir);
        // Enough blocks of steps that every thread stays busy (whole
        // variants when a window has plenty of them).
        let blocks = if self.threads > 1 {
            (3 * self.threads).div_ceil(window.len())
        } else {
            1
        };
        let (aggregates, tail) = self.pool.install(|| {
            rayon::join(
                || {
                    per_variant(&window, |v| {
                        let jobs = (self.by_variant[v], &stops[v - window.start][..]);
                        aggregate_of_variant(s, v, jobs, fragments, dir, blocks)
                    })
                },
                || (window.end == s.variants.len()).then(|| self.write_rest(acc, rest)),
            )
        });
        for parts in aggregates {
            for p in &parts? {
                append_part(&mut csvs.aggregate, p)?;
            }
        }
        Ok(tail)
    }

    fn write_rest(&self, acc: &Gathered, rest: &Rest) -> Result<Vec<ComparisonRow>, OutputError> {
        write_rest(
            self.s,
            self.dir,
            &acc.samples,
            rest.planned,
            rest.record,
            rest.gapless,
        )
    }
}

/// `f` of each variant of a window, on the current pool, in variant order.
fn per_variant<T: Send>(
    window: &std::ops::Range<usize>,
    f: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    window.clone().into_par_iter().map(f).collect()
}

/// Test-only hook: `ORGSIM_TEST_ABORT_AT=<phase>` ends the process at once
/// (no clean-up, as a kill would) when a run reaches that phase:
/// `simulating` (three jobs done), `assembling`, `charts`, `report`,
/// `publish`.
pub fn phase(name: &str) {
    if std::env::var_os("ORGSIM_TEST_ABORT_AT").is_some_and(|p| p == name) {
        std::process::exit(137);
    }
}

/// The files of a results folder that its manifest lists: every regular
/// file but the manifest, in `charts/` too, sorted.
fn result_files(dir: &Path) -> Result<Vec<String>, OutputError> {
    let mut names = Vec::new();
    for sub in ["", "charts"] {
        let d = dir.join(sub);
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.at(FileOp::Read, &d)?;
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_file()) && name != "manifest.json" {
                names.push(if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                });
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Names beside a results folder `out`: `.<leaf>.<what>`.
fn beside(out: &Path, what: &str) -> PathBuf {
    let leaf = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("results");
    out.with_file_name(format!(".{leaf}.{what}"))
}

/// Publishes a staging folder whose files are all written (CSVs, and the
/// charts and report when asked for): checksums every file not yet in the
/// manifest, syncs them, writes the manifest (synced; from then on a resume
/// publishes the folder as it is), moves the fragment logs out, and renames
/// the folder into place, replacing `final_dir`. A kill at any point leaves
/// either the previous results or a staging folder `--resume` finishes.
pub fn publish_run(
    staging: &Path,
    final_dir: &Path,
    manifest: &mut Manifest,
) -> Result<(), OutputError> {
    let fresh: Vec<String> = result_files(staging)?
        .into_iter()
        .filter(|n| !manifest.files.contains_key(n))
        .collect();
    let sums = fresh
        .par_iter()
        .map(|n| {
            let path = staging.join(n);
            let sum = checksum_file(&path).at(FileOp::Read, &path)?;
            File::open(&path)
                .and_then(|f| f.sync_all())
                .at(FileOp::Write, &path)?;
            Ok((n.clone(), sum))
        })
        .collect::<Result<Vec<_>, OutputError>>()?;
    manifest.files.extend(sums);
    for d in [staging.join("charts"), staging.to_path_buf()] {
        if d.is_dir() {
            sync_folder(&d)?;
        }
    }
    manifest.write(staging)?;
    phase("publish");
    publish_ready(staging, final_dir)
}

/// After publishing a run with failed replications: a staging folder
/// again, with the fragment logs and a manifest listing the finished jobs,
/// so `--resume` retries the failed ones and publishes the whole run.
fn keep_for_retry(
    staging: &Path,
    final_dir: &Path,
    manifest: &Manifest,
) -> Result<(), OutputError> {
    let trash = beside(final_dir, "jobs.old");
    fs::create_dir_all(staging).at(FileOp::Create, staging)?;
    if trash.exists() {
        fs::rename(&trash, staging.join("jobs")).at(FileOp::Keep, &trash)?;
    }
    let mut m = manifest.clone();
    m.files.clear();
    m.complete = false;
    Ok(m.write(staging)?)
}

/// Renames a staging folder whose manifest lists its finished files into
/// place (see [`publish_run`]), the fragment logs moved out first and
/// removed beside the rename.
pub fn publish_ready(staging: &Path, final_dir: &Path) -> Result<(), OutputError> {
    let jobs = staging.join("jobs");
    let trash = beside(final_dir, "jobs.old");
    let _ = fs::remove_dir_all(&trash);
    // Kept when replications failed, for a retry (see `keep_for_retry`).
    let keep = Manifest::read(staging)
        .ok()
        .filter(|m| !m.failed.is_empty() && m.shard.is_none());
    // Freeing the logs' cached pages takes a while: on a thread.
    let removing = if keep.is_some() {
        fs::rename(&jobs, &trash).at(FileOp::Keep, &jobs)?;
        None
    } else if jobs.exists() {
        fs::rename(&jobs, &trash).at(FileOp::Remove, &jobs)?;
        Some(std::thread::spawn(move || {
            fs::remove_dir_all(&trash)
                .at(FileOp::Remove, &trash)
                .map_err(OutputError::from)
        }))
    } else {
        None
    };
    publish(staging, final_dir)?;
    if let Some(parent) = final_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_folder(parent)?;
    }
    if let Some(removing) = removing {
        removing.join().unwrap_or_else(|_| {
            Err(OutputError::Damaged(
                "removing the fragment logs failed".into(),
            ))
        })?;
    }
    match keep {
        Some(m) => keep_for_retry(staging, final_dir, &m),
        None => Ok(()),
    }
}

/// After `orgsim plot` re-rendered a published folder's charts and report:
/// their checksums in its manifest, so it keeps describing the folder.
pub fn refresh_chart_checksums(dir: &Path) -> Result<(), OutputError> {
    let Ok(mut m) = Manifest::read(dir) else {
        return Ok(());
    };
    for n in result_files(dir)? {
        if n.starts_with("charts/") || n.starts_with("report.") {
            let path = dir.join(&n);
            let sum = checksum_file(&path).at(FileOp::Read, &path)?;
            m.files.insert(n, sum);
        }
    }
    Ok(m.write(dir)?)
}

/// Whether a staging folder holds a finished, unpublished run (killed
/// while publishing): its manifest lists its files and every one matches.
pub fn staging_ready(staging: &Path) -> bool {
    let Ok(m) = Manifest::read(staging) else {
        return false;
    };
    !m.files.is_empty()
        && m.files
            .par_iter()
            .all(|(n, sum)| checksum_file(&staging.join(n)).is_ok_and(|s| s == *sum))
}

/// Removes everything but the manifest and the fragment logs from a
/// staging folder: the files of an assembly a kill or an error cut short
/// (temporary names, parts), built again from the fragments.
pub fn clean_staging(staging: &Path) -> Result<(), OutputError> {
    let Ok(entries) = fs::read_dir(staging) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name();
        if name == "manifest.json" || name == "jobs" {
            continue;
        }
        let path = e.path();
        let gone = if e.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        gone.at(FileOp::Remove, &path)?;
    }
    Ok(())
}

/// The files written from the samples and the scenario alone: the
/// comparisons (rank tests over every pair) beside the small files.
fn write_rest(
    s: &Scenario,
    dir: &Path,
    samples: &[(String, Vec<Vec<f64>>)],
    planned: &[u32],
    record: &RunRecord,
    gapless: bool,
) -> Result<Vec<ComparisonRow>, OutputError> {
    let compared: Vec<(String, Better)> = compared_metrics(s)
        .into_iter()
        .map(|(n, b, _)| (n, b))
        .collect();
    let (comparison, files) = rayon::join(
        || -> Result<Vec<ComparisonRow>, OutputError> {
            let pairs = compared_pairs(s);
            let censored: Vec<bool> = compared.iter().map(|(n, _)| is_censored_time(n)).collect();
            // Common random numbers pair replication r of every variant; a
            // missing replication would shift the samples, so only without.
            let paired = s.common_streams && gapless;
            // Holm's families: each measure, and in a sweep whose
            // structures are compared point by point, each point.
            let groups = holm_groups(s, &pairs);
            let comparison =
                compare_pairs_grouped(&compared, &censored, samples, &pairs, &groups, paired);
            write_comparison(dir, &comparison)?;
            Ok(comparison)
        },
        || -> Result<(), OutputError> {
            write_summary_stats(dir, &compared, samples)?;
            write_effects(s, dir, &effect_rows(s, samples))?;
            if let Some(target) = &s.target_ci {
                let at = compared.iter().position(|(n, _)| *n == target.metric);
                write_adaptive(s, dir, target, planned, samples, at)?;
            }
            write_scenario(s, dir)?;
            write_variants(s, dir)?;
            write_events(s, dir)?;
            if s.model == ModelKind::Org {
                write_organization(s, dir)?;
            }
            let json = serde_json::to_string_pretty(record).unwrap_or_default();
            Ok(write_whole(&dir.join("run.json"), json.as_bytes())?)
        },
    );
    files?;
    comparison
}

/// The statistics across replications that `aggregate.csv` (per step)
/// and `summary_stats.csv` (per run measure) give, in column order.
/// Column names of `aggregate.csv`: with collapse conditions, `collapsed`
/// counts the replications that had collapsed by the step (the statistics
/// are over the others: `n` runs still alive).
fn aggregate_header(s: &Scenario) -> Vec<&'static str> {
    let mut h = [&["variant", "step", "metric"][..], &STAT_COLUMNS].concat();
    if !s.stop.collapse.is_empty() {
        h.push("collapsed");
    }
    h
}

const STAT_COLUMNS: [&str; 8] = [
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "median",
    "q1",
    "q3",
];

/// Up to this many variants, `comparison.csv` compares every pair; above
/// it (a large sweep), see [`compared_pairs`], so the table grows with the
/// number of points rather than its square.
pub const ALL_PAIRS_UP_TO: usize = 12;

/// How a large sweep's variants are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairRule {
    /// Every pair (up to [`ALL_PAIRS_UP_TO`] variants).
    All,
    /// The variants at the same sweep point against each other (as
    /// `orgsim map` does): structures compared where they meet.
    SamePoint,
    /// Each variant against the first (one variant per point).
    First,
}

/// Which rule [`compared_pairs`] applies to this scenario.
pub fn pair_rule(s: &Scenario) -> PairRule {
    let n = s.variants.len();
    if n <= ALL_PAIRS_UP_TO {
        PairRule::All
    } else if !s.sweep.is_empty()
        && s.variants.iter().enumerate().any(|(i, v)| {
            s.variants[..i]
                .iter()
                .any(|w| w.sweep_point == v.sweep_point)
        })
    {
        PairRule::SamePoint
    } else {
        PairRule::First
    }
}

/// The pairs of variants `comparison.csv` compares (see [`PairRule`]).
pub fn compared_pairs(s: &Scenario) -> Vec<(usize, usize)> {
    let n = s.variants.len();
    match pair_rule(s) {
        PairRule::All => (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect(),
        PairRule::SamePoint => {
            let point = |i: usize| &s.variants[i].sweep_point;
            (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .filter(|&(i, j)| point(i) == point(j))
                .collect()
        }
        PairRule::First => (1..n).map(|j| (0, j)).collect(),
    }
}

/// The group of each compared pair whose comparisons on one measure form a
/// Holm family: the pair's sweep point when a sweep's structures are
/// compared point by point ([`PairRule::SamePoint`]), else one group (every
/// pair compared on the measure).
pub fn holm_groups(s: &Scenario, pairs: &[(usize, usize)]) -> Vec<usize> {
    if pair_rule(s) != PairRule::SamePoint {
        return vec![0; pairs.len()];
    }
    let mut points: Vec<&Vec<f64>> = Vec::new();
    pairs
        .iter()
        .map(|&(i, _)| {
            let p = &s.variants[i].sweep_point;
            points.iter().position(|q| *q == p).unwrap_or_else(|| {
                points.push(p);
                points.len() - 1
            })
        })
        .collect()
}

/// `summary_stats.csv`: every summary measure of every variant across its
/// replications (exact: the samples are at hand for the comparisons).
fn write_summary_stats(
    dir: &Path,
    compared: &[(String, Better)],
    samples: &[(String, Vec<Vec<f64>>)],
) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "summary_stats.csv")?;
    f.line(
        &[
            &["variant", "measure"][..],
            &STAT_COLUMNS,
            &["min", "max", "never_recovered", "km_median"],
        ]
        .concat(),
    )?;
    for (variant, per_measure) in samples {
        for ((measure, _), x) in compared.iter().zip(per_measure) {
            let s = crate::stats::Summary::of(x);
            let (lo, hi) = s.ci95();
            let mut row = vec![variant.clone(), measure.clone(), s.n.to_string()];
            row.extend(
                [s.mean, s.sd, lo, hi, s.median, s.q1, s.q3, s.min, s.max]
                    .iter()
                    .map(|x| cell(*x)),
            );
            // A recovery time: the statistics above cover the runs that
            // recovered; these count the others and give the median with them.
            if is_censored_time(measure) {
                let times = crate::stats::compare::censored_times(x);
                let never = times.iter().filter(|t| !t.observed).count();
                row.push(never.to_string());
                row.push(cell(crate::stats::survival::km_median(&times)));
            } else {
                row.extend([String::new(), String::new()]);
            }
            f.line(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
    }
    f.finish()
}

/// One event's paired effect in one variant on one metric, across
/// replications (a row of `effects.csv`).
#[derive(Clone, Debug)]
pub struct EffectRow {
    pub variant: String,
    /// 1-based, among the scheduled events.
    pub event: usize,
    pub label: String,
    pub metric: &'static str,
    /// Mean over replications of the run minus its twin (summed from the
    /// event to the end), its 95% interval and paired t-test p.
    pub effect: crate::stats::Summary,
    pub effect_ci: (f64, f64),
    pub effect_p: f64,
    /// The largest smoothed gap against the twin, across replications.
    pub worst_gap: crate::stats::Summary,
    /// Recovery against the twin: the recovered runs' times, how many never
    /// recovered, and the Kaplan–Meier median with them.
    pub recovery: crate::stats::Summary,
    pub never_recovered: usize,
    pub recovery_km_median: f64,
}

/// Each scheduled event's paired effects in each variant it happens in,
/// per effect metric, from the per-replication samples of
/// [`compared_metrics`]. Empty without twins.
pub fn effect_rows(s: &Scenario, samples: &[(String, Vec<Vec<f64>>)]) -> Vec<EffectRow> {
    if effect_events(s) == 0 {
        return Vec::new();
    }
    let at: std::collections::HashMap<String, usize> = compared_metrics(s)
        .into_iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n, i))
        .collect();
    let names = s.model.metric_names();
    let mut rows = Vec::new();
    for (v, (variant, per_measure)) in samples.iter().enumerate() {
        let applies = s.scheduled_in(v);
        for (k, e) in s.scheduled_events().enumerate() {
            if !applies[k] {
                continue;
            }
            for &(m, _) in s.model.effect_metrics() {
                let col = |what: &str| {
                    at.get(&format!("event{}_{}_{what}", k + 1, names[m]))
                        .and_then(|&i| per_measure.get(i))
                        .map_or(&[][..], Vec::as_slice)
                };
                let (_, effect_p, effect_ci) = crate::stats::compare::paired_t_test(col("effect"));
                let times = crate::stats::compare::censored_times(col("recovery_steps"));
                rows.push(EffectRow {
                    variant: variant.clone(),
                    event: k + 1,
                    label: e.label.clone(),
                    metric: names[m],
                    effect: crate::stats::Summary::of(col("effect")),
                    effect_ci,
                    effect_p,
                    worst_gap: crate::stats::Summary::of(col("worst_gap")),
                    recovery: crate::stats::Summary::of(col("recovery_steps")),
                    never_recovered: times.iter().filter(|t| !t.observed).count(),
                    recovery_km_median: crate::stats::survival::km_median(&times),
                });
            }
        }
    }
    rows
}

/// The end-of-run table of events' paired effects: per event, variant and
/// headline metric ([`crate::model::ModelKind::headline_effects`]), the
/// mean effect with its 95% interval and p, and the recovery against the
/// twin with the never-recovered count.
pub fn print_effects(rows: &[EffectRow]) {
    let width = rows
        .iter()
        .map(|r| r.variant.len())
        .max()
        .unwrap_or(7)
        .clamp(7, 40);
    // One block per event and metric (the rows come variant by variant).
    let mut blocks: Vec<(usize, &str)> = Vec::new();
    for r in rows {
        if crate::metric::is_headline_effect(r.metric) && !blocks.contains(&(r.event, r.metric)) {
            blocks.push((r.event, r.metric));
        }
    }
    blocks.sort_by_key(|&(e, _)| e);
    for (e, metric) in blocks {
        let block: Vec<&EffectRow> = rows
            .iter()
            .filter(|r| r.event == e && r.metric == metric)
            .collect();
        crate::say!(
            "\n\"{}\": effect on {} (run minus its twin without the event, summed to the end; mean [95% CI], paired t-test p), recovery to within the band of the twin:",
            block[0].label,
            metric
        );
        for r in block {
            print_effect_row(r, width);
        }
    }
}

/// One variant's line of [`print_effects`].
fn print_effect_row(r: &EffectRow, width: usize) {
    let digits = if r.effect.mean.abs() >= 100.0 { 0 } else { 2 };
    let km = r.recovery_km_median;
    let median = if km.is_finite() {
        format!("median {km} weeks")
    } else {
        "median not reached".into()
    };
    crate::say!(
        "  {:width$}  {:+.digits$} [{:+.digits$}, {:+.digits$}], p {}; {median}, {}/{} never back",
        r.variant,
        r.effect.mean,
        r.effect_ci.0,
        r.effect_ci.1,
        if r.effect_p < 0.001 {
            "< 0.001".to_string()
        } else {
            format!("{:.3}", r.effect_p)
        },
        r.never_recovered,
        r.recovery.n + r.never_recovered,
    );
}

/// `effects.csv` (see [`EffectRow`]); not written without twins.
fn write_effects(s: &Scenario, dir: &Path, rows: &[EffectRow]) -> Result<(), OutputError> {
    if effect_events(s) == 0 {
        return Ok(());
    }
    let mut f = CsvFile::create(dir, "effects.csv")?;
    f.line(&[
        "variant",
        "event",
        "label",
        "metric",
        "n",
        "effect_mean",
        "effect_ci95_low",
        "effect_ci95_high",
        "effect_p",
        "worst_gap_mean",
        "worst_gap_ci95_low",
        "worst_gap_ci95_high",
        "recovered",
        "never_recovered",
        "recovery_mean",
        "recovery_km_median",
    ])?;
    for r in rows {
        let (gap_lo, gap_hi) = r.worst_gap.ci95();
        f.line(&[
            &r.variant,
            &r.event.to_string(),
            &r.label,
            r.metric,
            &r.effect.n.to_string(),
            &cell(r.effect.mean),
            &cell(r.effect_ci.0),
            &cell(r.effect_ci.1),
            &cell(r.effect_p),
            &cell(r.worst_gap.mean),
            &cell(gap_lo),
            &cell(gap_hi),
            &r.recovery.n.to_string(),
            &r.never_recovered.to_string(),
            &cell(r.recovery.mean),
            &cell(r.recovery_km_median),
        ])?;
    }
    f.finish()
}

/// `adaptive.csv`: how many replications each variant needed for the
/// target, and the half-width it reached.
fn write_adaptive(
    s: &Scenario,
    dir: &Path,
    target: &crate::adaptive::TargetCi,
    planned: &[u32],
    samples: &[(String, Vec<Vec<f64>>)],
    at: Option<usize>,
) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "adaptive.csv")?;
    f.line(&[
        "variant",
        "metric",
        "target_half_width",
        "max_replications",
        "replications",
        "n",
        "mean",
        "half_width",
        "reached",
    ])?;
    for ((v, (_, x)), &planned) in s.variants.iter().zip(samples).zip(planned) {
        let values = at.map_or(&[][..], |i| &x[i][..]);
        let p = crate::adaptive::Progress::of(values);
        let mut acc = OnlineStats::new();
        values.iter().for_each(|&x| acc.push(x));
        f.line(&[
            &v.name,
            &target.metric,
            &fmt_num(target.half_width),
            &target.max_replications.to_string(),
            &planned.to_string(),
            &p.n.to_string(),
            &cell(acc.mean()),
            &cell(p.half_width),
            if p.reached(target) { "true" } else { "false" },
        ])?;
    }
    f.finish()
}

/// Whether runs are measured against their pre-event level (dip, recovery,
/// resilience loss): only when the scenario turns the twins off. With twins
/// the effect is run minus twin, and the pre-event measures, whose noise
/// floor a do-nothing event already reaches, are not written.
pub fn pre_event_measures(s: &Scenario) -> bool {
    !s.analysis.twins
}

/// Column names of `summary.csv`.
pub fn summary_header(s: &Scenario) -> Vec<String> {
    let metrics = s.model.metric_names();
    let primary = metrics[s.model.primary_metric()];
    let mut h = vec!["variant".to_string(), "replication".into()];
    // A sweep's parameters, so each row says its point (tidy data).
    h.extend(s.sweep.iter().map(|(p, _)| p.clone()));
    // The coefficient of variation, named for what it measures: lower is steadier.
    h.extend([format!("{primary}_variability"), format!("total_{primary}")]);
    h.extend(metrics.iter().map(|m| format!("mean_{m}")));
    for k in (1..=s.scheduled_events().count()).filter(|_| pre_event_measures(s)) {
        h.push(format!("event{k}_dip"));
        h.push(format!("event{k}_recovery_steps"));
        h.push(format!("event{k}_resilience_loss"));
    }
    h.extend(effect_columns(s));
    if s.stop.is_set() {
        h.extend(["stop_step".into(), "stop_reason".into()]);
    }
    h
}

fn write_variants(s: &Scenario, dir: &Path) -> Result<(), OutputError> {
    let mut f = CsvFile::create(dir, "variants.csv")?;
    let specs = s.model.specs();
    let mut header = vec!["variant", "model", "structure", "practices"];
    header.extend(specs.iter().map(|p| p.name));
    f.line(&header)?;
    for v in &s.variants {
        let mut row = vec![
            v.name.clone(),
            s.model.name().to_string(),
            v.structure.clone(),
            v.practices.join(" + "),
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
        "domain_name",
    ])?;
    let opt = |x: Option<u32>, p: &str| x.map_or(String::new(), |v| format!("{p}{v}"));
    for (i, v) in s.variants.iter().enumerate() {
        let structure = Structure::from_name(&v.structure).unwrap_or(Structure::Hierarchy);
        let (params, stream) = (
            OrgParams::from_values(&v.values),
            // With common random numbers every variant starts from stream 0.
            rng::stream(s.seed, if s.common_streams { 0 } else { i as u64 }, 0),
        );
        let org = match &v.chart {
            Some(c) => Organization::from_chart(params, structure, &c.chart, &[], stream),
            None => Organization::new(params, structure, &[], stream),
        };
        // A chart's people keep their chart ids, and its domains their names
        // (the ids are the client's own; names never leave the chart).
        let person = |seat: Option<u32>| -> String {
            match (seat, &v.chart) {
                (Some(s), Some(c)) => org.seat_person(s).map_or_else(
                    || format!("m{s}"),
                    |p| c.chart.people[p as usize].id.clone(),
                ),
                (Some(s), None) => format!("m{s}"),
                (None, _) => String::new(),
            }
        };
        let domain_name = |d: Option<u32>| -> String {
            match (d, &v.chart) {
                (Some(d), Some(c)) => c.chart.domains.get(d as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            }
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
                    person(holder),
                    domain_name(domain),
                ],
                OrgNode::Member { id, team } => [
                    v.name.clone(),
                    "member".into(),
                    person(Some(id)),
                    String::new(),
                    team.to_string(),
                    String::new(),
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
pub type Pick = Box<dyn Fn(&crate::engine::RunSummary) -> f64>;
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
            s.model.metrics()[s.model.primary_metric()].better,
            Box::new(|r| r.total),
        ),
        (
            format!("{primary}_variability"),
            Better::Lower,
            Box::new(|r| r.stability),
        ),
    ];
    for (i, m) in s.model.metrics().iter().enumerate() {
        if i != s.model.primary_metric() {
            out.push((
                format!("mean_{}", m.name),
                m.better,
                Box::new(move |r| r.means[i]),
            ));
        }
    }
    for k in (0..s.scheduled_events().count()).filter(|_| pre_event_measures(s)) {
        let n = k + 1;
        out.push((
            format!("event{n}_dip"),
            Better::Lower,
            Box::new(move |r| r.events[k].dip),
        ));
        out.push((
            format!("event{n}_recovery_steps"),
            Better::Lower,
            // Never recovered: +∞, a censored time (NaN: not measured).
            Box::new(move |r| {
                let e = &r.events[k];
                match e.recovery {
                    Some(x) => f64::from(x),
                    None if e.baseline.is_nan() => f64::NAN,
                    None => f64::INFINITY,
                }
            }),
        ));
        out.push((
            format!("event{n}_resilience_loss"),
            Better::Lower,
            Box::new(move |r| r.events[k].resilience_loss),
        ));
    }
    let names = s.model.metric_names();
    for k in 0..effect_events(s) {
        for (i, &(m, better)) in s.model.effect_metrics().iter().enumerate() {
            let effect = move |r: &crate::engine::RunSummary| {
                r.effects
                    .get(k)
                    .and_then(|e| e.get(i))
                    .copied()
                    .unwrap_or(crate::analysis::Effect::NONE)
            };
            let name = |what: &str| format!("event{}_{}_{what}", k + 1, names[m]);
            out.push((name("effect"), better, Box::new(move |r| effect(r).total)));
            out.push((
                name("worst_gap"),
                Better::Lower,
                Box::new(move |r| effect(r).worst_gap),
            ));
            out.push((
                name("recovery_steps"),
                Better::Lower,
                Box::new(move |r| {
                    let e = effect(r);
                    match e.recovery {
                        _ if !e.measured() => f64::NAN,
                        Some(x) => f64::from(x),
                        None => f64::INFINITY,
                    }
                }),
            ));
        }
    }
    out
}

/// Whether a compared measure is a time some runs never reach (a
/// recovery): `+∞` in its samples is a censored run, not a value.
pub fn is_censored_time(measure: &str) -> bool {
    measure.ends_with("_recovery_steps")
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
        "p_test",
        "p_unadjusted",
        "p_holm",
        "holm_family_size",
        "better",
        "verdict",
        "never_recovered_a",
        "never_recovered_b",
        "km_median_a",
        "km_median_b",
        "logrank_p",
        "paired_p",
    ])?;
    for r in rows {
        let c = r.censored;
        let count = |x: Option<usize>| x.map_or(String::new(), |n| n.to_string());
        let num = |x: Option<f64>| x.map_or(String::new(), cell);
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
            r.p_test.to_string(),
            cell(r.p_unadjusted),
            cell(r.p_holm),
            r.holm_family_size.to_string(),
            r.better.clone().unwrap_or_default(),
            r.verdict.clone(),
            count(c.map(|c| c.never_a)),
            count(c.map(|c| c.never_b)),
            num(c.map(|c| c.km_median_a)),
            num(c.map(|c| c.km_median_b)),
            num(c.map(|c| c.logrank_p)),
            if r.paired_p.is_nan() {
                String::new()
            } else {
                cell(r.paired_p)
            },
        ];
        f.line(&cells.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_still_moving_after_the_warm_up_is_warned_about() {
        let s = crate::scenario::parse(
            "t.toml",
            b"name = \"t\"\nsteps = 100\n[analysis]\nwarmup = 20\n[[variant]]\nname = \"a\"\nstructure = \"peer\"\n",
        )
        .unwrap();
        // Rising by 5% between the windows in every run: warned.
        let rising: Vec<(f64, f64)> = (0..10).map(|i| (0.5 + 0.01 * f64::from(i), 10.0)).collect();
        let t = trend_found(&s, 0, 0, &rising).expect("a trend");
        let w = trend_warnings(&s, &[t]);
        assert!(
            w.len() == 1 && w[0].contains("still rising") && w[0].contains("weeks 20-39"),
            "{w:?}"
        );
        // Noise around no change, or a significant but tiny change: none.
        let flat: Vec<(f64, f64)> = (0..10).map(|i| (f64::from(i % 3) - 1.0, 10.0)).collect();
        assert!(trend_found(&s, 0, 0, &flat).is_none());
        let tiny: Vec<(f64, f64)> = (0..10)
            .map(|i| (0.01 + 0.001 * f64::from(i), 10.0))
            .collect();
        assert!(trend_found(&s, 0, 0, &tiny).is_none());
    }

    #[test]
    fn many_variants_still_moving_are_one_line_per_metric() {
        let mut text = String::from("name = \"t\"\nsteps = 100\n[analysis]\nwarmup = 20\n");
        for v in 0..5 {
            text.push_str(&format!(
                "[[variant]]\nname = \"v{v}\"\nstructure = \"peer\"\n"
            ));
        }
        let s = crate::scenario::parse("t.toml", text.as_bytes()).unwrap();
        let trend = |variant, change| Trend {
            variant,
            metric: 0,
            level: 10.0,
            change,
            p: 0.001,
        };
        let w = trend_warnings(&s, &[trend(0, 0.5), trend(1, 0.3), trend(3, -0.4)]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("in 3 of 5 variants")
                && w[0].contains("rising in 2, falling in 1")
                && w[0].contains("by 3.0% to 5.0%"),
            "{}",
            w[0]
        );
        // Two variants: a line each.
        assert_eq!(trend_warnings(&s, &[trend(0, 0.5), trend(1, 0.3)]).len(), 2);
    }

    #[test]
    fn the_warm_up_check_stops_before_the_first_event() {
        let parse = |at: u32| {
            crate::scenario::parse(
                "t.toml",
                format!(
                    "name = \"t\"\nsteps = 200\n[analysis]\nwarmup = 60\n[[variant]]\nname = \"a\"\nstructure = \"peer\"\n\
                     [[event]]\nkind = \"departure\"\ntarget = \"top\"\nat = {at}\n"
                )
                .as_bytes(),
            )
            .unwrap()
        };
        // Windows of the warm-up's length would reach week 179; they end
        // before the event instead.
        assert_eq!(warmup_windows(&parse(100)), Some((60, 20)));
        assert_eq!(warmup_windows(&parse(190)), Some((60, 60)));
        assert_eq!(warmup_windows(&parse(62)), None);
    }
    use rand::{Rng, SeedableRng};

    #[test]
    fn cells_are_shortest_and_read_back_exactly() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.1,
            1e-5,
            9.99e-6,
            1e15,
            1e16,
            123456789.0,
            999999999999999.0,
            -999999999999999.0,
        ];
        values.extend((0..1000).map(|i| f64::from(i) - 500.0));
        for _ in 0..200_000 {
            // Random bit patterns cover every exponent; scaled ones the usual range.
            values.push(f64::from_bits(rng.next_u64()));
            values.push((rng.next_u64() >> 11) as f64 / (1u64 << 40) as f64);
        }
        let mut buf = String::new();
        for x in values.into_iter().filter(|x| x.is_finite()) {
            buf.clear();
            push_cell(&mut buf, x);
            assert_eq!(buf.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{x:e}");
            // As short as `Display` (which can break a tie the other way).
            let display = format!("{x}");
            assert_eq!(buf.len(), display.len(), "{x:e}: {buf} vs {display}");
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod release_tests {
    use super::*;

    #[test]
    fn released_ranges_read_as_zeros_and_free_their_blocks() {
        use std::os::unix::fs::MetadataExt;
        let dir = std::env::temp_dir().join(format!("orgsim-release-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log.txt");
        let mb = 1u64 << 20;
        fs::write(&path, vec![b'x'; 8 * mb as usize]).unwrap();
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        f.sync_all().unwrap();
        let before = fs::metadata(&path).unwrap().blocks();
        // Two neighbouring ranges and one apart, out of order.
        let mut ranges = vec![(4 * mb, 2 * mb), (mb, mb), (2 * mb, mb)];
        release(&f, &mut ranges);
        assert!(ranges.is_empty());
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, 8 * mb, "the size is kept");
        assert!(bytes[..mb as usize].iter().all(|&b| b == b'x'));
        assert!(bytes[mb as usize..3 * mb as usize].iter().all(|&b| b == 0));
        assert!(
            bytes[3 * mb as usize..4 * mb as usize]
                .iter()
                .all(|&b| b == b'x')
        );
        assert!(
            bytes[4 * mb as usize..6 * mb as usize]
                .iter()
                .all(|&b| b == 0)
        );
        let after = fs::metadata(&path).unwrap().blocks();
        eprintln!("blocks {before} -> {after}");
        assert!(after < before, "blocks {before} -> {after}");
        let _ = fs::remove_dir_all(&dir);
    }

    /// A large sweep crossed with structures compares the structures at each
    /// point (as the map does), not every point against the first.
    #[test]
    fn a_large_sweep_compares_structures_point_by_point() {
        let text = b"name = \"t\"\nsteps = 50\n[[variant]]\nname = \"h\"\nstructure = \"hierarchy\"\n[[variant]]\nname = \"p\"\nstructure = \"peer\"\n[sweep]\nmethod = \"latin-hypercube\"\npoints = 10\ndelegation = [0.0, 1.0]\ncoaching = [0.0, 1.0]\n";
        let s = crate::scenario::parse("t.toml", text).unwrap();
        assert_eq!(s.variants.len(), 20);
        assert_eq!(pair_rule(&s), PairRule::SamePoint);
        let pairs = compared_pairs(&s);
        assert_eq!(pairs.len(), 10);
        for (i, j) in pairs {
            assert_eq!(s.variants[i].sweep_point, s.variants[j].sweep_point);
            assert_ne!(s.variants[i].structure, s.variants[j].structure);
        }
        // One structure: each point against the first.
        let one = String::from_utf8_lossy(text)
            .replace("[[variant]]\nname = \"p\"\nstructure = \"peer\"\n", "")
            .replace("points = 10", "points = 20");
        let s = crate::scenario::parse("t.toml", one.as_bytes()).unwrap();
        assert_eq!(pair_rule(&s), PairRule::First);
        assert_eq!(compared_pairs(&s).len(), 19);
    }
}

/// Set by `-q`: [`crate::say!`] prints nothing (errors still go to
/// standard error).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, standard output stays silent (`-q`).
pub fn quiet() {
    QUIET.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Writes to standard output, dropping the text if the pipe has closed (see
/// [`crate::say!`]) or `-q` was given.
pub fn say_fmt(args: std::fmt::Arguments) {
    use std::io::Write;
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = std::io::stdout().lock().write_fmt(args);
    }
}

/// Off a terminal (a cluster job's log, `nohup`), a run says now and then
/// that it is alive: one line on standard error every minute or so
/// (`ORGSIM_PROGRESS_SECONDS` sets the interval), never under CI or `-q`.
pub struct LogProgress {
    on: bool,
    name: String,
    every: std::time::Duration,
    start: std::time::Instant,
    last: std::time::Instant,
    done: u64,
    total: u64,
}

impl LogProgress {
    pub fn new(on: bool, name: &str) -> Self {
        let seconds = std::env::var("ORGSIM_PROGRESS_SECONDS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(60);
        let now = std::time::Instant::now();
        LogProgress {
            on,
            name: name.to_string(),
            every: std::time::Duration::from_secs(seconds),
            start: now,
            last: now,
            done: 0,
            total: 0,
        }
    }

    /// A round of `runs` planned, `already` of them finished before.
    pub fn plan(&mut self, runs: u64, already: u64) {
        self.total += runs;
        self.done += already;
    }

    /// After a run finished: a line if the interval has passed.
    pub fn tick(&mut self) {
        self.done += 1;
        let (done, total) = (self.done, self.total);
        if !self.on || self.last.elapsed() < self.every {
            return;
        }
        self.last = std::time::Instant::now();
        let elapsed = self.start.elapsed().as_secs_f64();
        let left = if done > 0 && total > done {
            format!(
                ", about {:.0} s left",
                elapsed * (total - done) as f64 / done as f64
            )
        } else {
            String::new()
        };
        eprintln!(
            "orgsim {}: {done} of {total} runs finished, {elapsed:.0} s elapsed{left}",
            self.name
        );
    }
}
