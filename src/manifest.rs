//! The manifest of a run (`manifest.json`) and its per-job fragments.
//!
//! While a run is in flight, every finished variant × replication job is
//! appended as a fragment to a log in the staging folder
//! (`jobs/log-<K>.bin`, one per run or resume: creating a file per job cost
//! more than small jobs themselves) and listed in the manifest with its
//! offset, length and a checksum of its bytes.
//! The result files are assembled from the fragments in canonical order at
//! the end, so a run can be interrupted, resumed, or split into shards and
//! merged, and still give byte-identical files. An entry whose fragment is
//! missing or does not match its checksum is simply run again.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::analysis::{Effect, EventImpact};
use crate::engine::{JobFailure, JobResult, RunSummary, Stopped};
use crate::files::{AtPath, FileError, FileOp, write_whole_synced};
use crate::scenario::Scenario;

/// What can go wrong reading or writing a run folder's manifest and its
/// result fragments.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{} is not an orgsim manifest: {source}", path.display())]
    NotManifest {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{} has manifest format {found}, this orgsim reads format {FORMAT}", path.display())]
    Format { path: PathBuf, found: u32 },
    #[error("cannot encode the manifest: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("{} is not a valid result fragment", path.display())]
    BadFragment { path: PathBuf },
    #[error("{} does not match its checksum in manifest.json (damaged or changed)", path.display())]
    Damaged { path: PathBuf },
    #[error("{} is too large", path.display())]
    TooLarge { path: PathBuf },
    /// A resume refused: the staging folder holds another run. The message
    /// says why and what to do.
    #[error("{0}")]
    OtherRun(String),
}

/// Version of the manifest and fragment formats (2: fragment logs, XXH3
/// checksums; 3: each log record carries its own checksum; 4: events'
/// effects against their twins; 5: the twins' series after each event).
pub const FORMAT: u32 = 6;
const MAGIC: &[u8; 8] = b"ORGSIMJ2";

/// XXH3 (64-bit) of some bytes, as 16 hex digits. Fast (several GB/s), so
/// checking every fragment and file costs little next to writing them.
pub fn checksum(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// [`checksum`] of a file, read in pieces (result files can be larger
/// than memory should hold).
pub fn checksum_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(format!("{:016x}", h.digest()));
        }
        h.update(&buf[..n]);
    }
}

/// Identifies a run's settings: the resolved scenario (every default, the
/// seed) and the time-series thinning.
pub fn scenario_checksum(s: &Scenario) -> String {
    let mut text = format!("{}\nrecord_every = {}\n", s.resolved_toml(), s.record_every);
    if let Some(t) = &s.target_ci {
        text.push_str(&format!(
            "target_ci = \"{}={}\"\nmax_replications = {}\n",
            t.metric, t.half_width, t.max_replications
        ));
    }
    checksum(text.as_bytes())
}

/// Where a scenario came from, so a merge can rebuild it exactly.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Source {
    /// File name as given on the command line (used in messages).
    pub file: String,
    /// The file's text.
    pub text: String,
    /// Command-line overrides.
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    pub steps: Option<u32>,
    /// `--record-every` (time series keep every K-th step).
    #[serde(default = "one")]
    pub record_every: u32,
    /// `--target-ci` and `--max-replications` (adaptive replications).
    #[serde(default)]
    pub target_ci: Option<String>,
    #[serde(default)]
    pub max_replications: Option<u32>,
}

fn one() -> u32 {
    1
}

/// One share of a run split across machines: shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(t: &str) -> Result<Self, String> {
        let bad = || format!("`{t}` is not a shard: write I/N with 1 <= I <= N, e.g. --shard 2/8");
        let (i, n) = t.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// A finished job as listed in the manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JobEntry {
    pub variant: usize,
    pub replication: u32,
    /// Fragment log, relative to the run folder (removed once assembled).
    pub file: String,
    /// Where the fragment's bytes lie in `file` (length 0: the whole file,
    /// as older versions wrote one file per job).
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub len: u64,
    /// [`checksum`] of the fragment's bytes (series and summary, exactly).
    pub checksum: String,
    pub member_steps: u64,
    /// This session's copy of the job's `timeseries.csv` rows, formatted on
    /// the worker that ran it. Never saved: another session (resume) or a
    /// merge formats them again from the exact fragment, into the same bytes.
    #[serde(skip)]
    pub text: Option<TextSpan>,
}

/// Where a job's formatted time-series rows lie in a session's text log
/// (`file` relative to the run folder).
#[derive(Clone, Debug, PartialEq)]
pub struct TextSpan {
    pub file: String,
    pub offset: u64,
    pub len: u64,
    /// XXH3 of the rows, checked as they are copied.
    pub sum: u64,
}

/// A job that failed (panic or non-finite metric).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FailedEntry {
    pub variant: usize,
    pub variant_name: String,
    pub replication: u32,
    pub seed: u64,
    pub reason: String,
}

/// `manifest.json`: what this folder holds and how far the run got.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    pub orgsim_version: String,
    pub scenario: String,
    /// [`checksum`] of the resolved scenario (every default, seed included).
    pub scenario_checksum: String,
    pub seed: u64,
    pub variants: usize,
    pub replications: u32,
    /// The most replications a variant may get (above `replications` only
    /// with adaptive replications); job fragments are numbered below it.
    #[serde(default)]
    pub replication_slots: u32,
    /// Replications each variant got, once the run is complete.
    #[serde(default)]
    pub replications_per_variant: Vec<u32>,
    pub steps: u32,
    /// Time series keep only the last step (`record = "final"`).
    #[serde(default)]
    pub record_final: bool,
    /// Set when this folder is one shard of a split run.
    pub shard: Option<Shard>,
    /// True only when every job of the run (or shard) was attempted and the
    /// result files were written.
    pub complete: bool,
    pub source: Source,
    /// Finished jobs, sorted by variant then replication.
    pub jobs: Vec<JobEntry>,
    pub failed: Vec<FailedEntry>,
    /// Checksums of the result files, once written.
    pub files: std::collections::BTreeMap<String, String>,
    /// Other orgsim builds whose results this folder holds besides
    /// `orgsim_version`'s: only a resume or merge with `--any-build` mixes
    /// builds, and this says it did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub combined_builds: Vec<String>,
}

impl Manifest {
    pub fn new(s: &Scenario, source: Source, shard: Option<Shard>) -> Self {
        Manifest {
            format: FORMAT,
            orgsim_version: crate::VERSION.to_string(),
            scenario: s.name.clone(),
            scenario_checksum: scenario_checksum(s),
            seed: s.seed,
            variants: s.variants.len(),
            replications: s.replications,
            replication_slots: s.replication_slots(),
            replications_per_variant: Vec::new(),
            steps: s.steps,
            record_final: s.record_final,
            shard,
            complete: false,
            source,
            jobs: Vec::new(),
            failed: Vec::new(),
            files: Default::default(),
            combined_builds: Vec::new(),
        }
    }

    pub fn read(dir: &Path) -> Result<Manifest, StoreError> {
        let path = dir.join("manifest.json");
        let text = fs::read_to_string(&path).at(FileOp::Read, &path)?;
        let m: Manifest =
            serde_json::from_str(&text).map_err(|source| StoreError::NotManifest {
                path: path.clone(),
                source,
            })?;
        if m.format != FORMAT {
            return Err(StoreError::Format {
                path,
                found: m.format,
            });
        }
        Ok(m)
    }

    pub fn write(&self, dir: &Path) -> Result<(), StoreError> {
        let json = serde_json::to_string_pretty(self).map_err(StoreError::Encode)?;
        Ok(write_whole_synced(
            &dir.join("manifest.json"),
            json.as_bytes(),
        )?)
    }

    /// Makes `build` this folder's build, listing the one it had (and any
    /// it already combined) in `combined_builds` when it differs.
    pub fn take_build(&mut self, build: &str) {
        if self.orgsim_version != build {
            let old = std::mem::replace(&mut self.orgsim_version, build.to_string());
            self.add_combined(&old);
        }
    }

    /// Lists `build` among the builds combined here, once, unless it is
    /// this folder's own.
    pub fn add_combined(&mut self, build: &str) {
        if build != self.orgsim_version && !self.combined_builds.iter().any(|b| b == build) {
            self.combined_builds.push(build.to_string());
        }
    }

    /// Why `other` (another run folder) cannot be combined with or continue
    /// this one, if it cannot. `any_build`: another orgsim build is no
    /// reason (`--any-build`).
    pub fn mismatch(&self, other: &Manifest, any_build: bool) -> Option<String> {
        if self.orgsim_version != other.orgsim_version && !any_build {
            return Some(format!(
                "different orgsim builds ({} and {}; results of different builds are not combined: use the build that made them, as `orgsim --version` names it, or pass --any-build to combine them anyway)",
                self.orgsim_version, other.orgsim_version
            ));
        }
        if self.scenario != other.scenario {
            return Some(format!(
                "different scenarios (`{}` and `{}`)",
                self.scenario, other.scenario
            ));
        }
        if self.seed != other.seed {
            return Some(format!(
                "different seeds ({} and {})",
                self.seed, other.seed
            ));
        }
        if self.scenario_checksum != other.scenario_checksum {
            return Some(format!(
                "different settings of scenario `{}` (variants, replications, steps or parameters differ)",
                self.scenario
            ));
        }
        None
    }
}

/// Serializes one job's result exactly (f64 bits, little-endian).
pub fn encode(r: &JobResult) -> Vec<u8> {
    let mut b = Vec::with_capacity(64 + 8 * (r.series.len() + r.summary.means.len()));
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&(r.variant as u64).to_le_bytes());
    b.extend_from_slice(&r.replication.to_le_bytes());
    b.extend_from_slice(&r.member_steps.to_le_bytes());
    let f = |b: &mut Vec<u8>, x: f64| b.extend_from_slice(&x.to_le_bytes());
    let n = |b: &mut Vec<u8>, x: usize| b.extend_from_slice(&(x as u64).to_le_bytes());
    n(&mut b, r.series.len());
    for x in &r.series {
        f(&mut b, *x);
    }
    let sm = &r.summary;
    f(&mut b, sm.stability);
    f(&mut b, sm.total);
    n(&mut b, sm.means.len());
    for x in &sm.means {
        f(&mut b, *x);
    }
    n(&mut b, sm.events.len());
    for e in &sm.events {
        f(&mut b, e.baseline);
        f(&mut b, e.dip);
        b.extend_from_slice(&e.recovery.map_or(-1i64, i64::from).to_le_bytes());
        f(&mut b, e.resilience_loss);
    }
    // Effects against the twins: events, then metrics per event.
    n(&mut b, sm.effects.len());
    for per_event in &sm.effects {
        n(&mut b, per_event.len());
        for e in per_event {
            f(&mut b, e.total);
            f(&mut b, e.worst_gap);
            b.extend_from_slice(&e.recovery.map_or(-1i64, i64::from).to_le_bytes());
        }
    }
    // The twins' series after each event.
    n(&mut b, sm.twins.len());
    for per_event in &sm.twins {
        n(&mut b, per_event.len());
        for x in per_event {
            f(&mut b, *x);
        }
    }
    // How the run stopped (`[stop]`).
    n(&mut b, sm.stopped.step as usize);
    n(&mut b, usize::from(sm.stopped.code()));
    b
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn f64s(&mut self) -> Option<Vec<f64>> {
        let n = usize::try_from(self.u64()?).ok()?;
        let raw = self.take(n.checked_mul(8)?)?;
        Some(
            raw.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        )
    }
}

/// Reads back what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Option<JobResult> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(8)? != MAGIC {
        return None;
    }
    let variant = usize::try_from(r.u64()?).ok()?;
    let replication = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let member_steps = r.u64()?;
    let series = r.f64s()?;
    let stability = r.f64()?;
    let total = r.f64()?;
    let means = r.f64s()?;
    let n_events = r.u64()?;
    let mut events = Vec::new();
    for _ in 0..n_events {
        let baseline = r.f64()?;
        let dip = r.f64()?;
        let rec = r.u64()? as i64;
        let resilience_loss = r.f64()?;
        events.push(EventImpact {
            baseline,
            dip,
            recovery: u32::try_from(rec).ok(),
            resilience_loss,
        });
    }
    let n_effects = r.u64()?;
    let mut effects = Vec::new();
    for _ in 0..n_effects {
        let n = r.u64()?;
        let mut per_event = Vec::new();
        for _ in 0..n {
            let total = r.f64()?;
            let worst_gap = r.f64()?;
            let rec = r.u64()? as i64;
            per_event.push(Effect {
                total,
                worst_gap,
                recovery: u32::try_from(rec).ok(),
            });
        }
        effects.push(per_event);
    }
    let n_twins = r.u64()?;
    let mut twins = Vec::new();
    for _ in 0..n_twins {
        twins.push(r.f64s()?);
    }
    let stop_step = u32::try_from(r.u64()?).ok()?;
    let stop_code = u16::try_from(r.u64()?).ok()?;
    if r.at != bytes.len() {
        return None;
    }
    Some(JobResult {
        variant,
        replication,
        series,
        summary: RunSummary {
            stability,
            total,
            means,
            events,
            effects,
            twins,
            stopped: Stopped::from_code(stop_step, stop_code),
        },
        member_steps,
    })
}

/// Bytes before a fragment's series: magic, variant, replication, member-steps
/// and the series' length (see [`encode`]).
const SERIES_AT: u64 = 8 + 8 + 4 + 8 + 8;

/// Reads values `range` of a fragment's series (of `len` values in all) from
/// an open log at `path` into `out`, without reading, checking or decoding
/// the rest. Only for a pass that runs beside one that reads and checks
/// every fragment whole (assembly's summaries): the header is checked here,
/// the checksum there.
pub fn read_series_range(
    f: &File,
    path: &Path,
    e: &JobEntry,
    len: usize,
    range: std::ops::Range<usize>,
    out: &mut Vec<f64>,
) -> Result<(), StoreError> {
    use std::os::unix::fs::FileExt;
    let invalid = || StoreError::BadFragment {
        path: path.to_path_buf(),
    };
    let mut head = [0u8; SERIES_AT as usize];
    f.read_exact_at(&mut head, e.offset)
        .at(FileOp::Read, path)?;
    let u64_at = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().expect("8 bytes"));
    let replication = u32::from_le_bytes(head[16..20].try_into().expect("4 bytes"));
    if head[..8] != MAGIC[..]
        || u64_at(8) != e.variant as u64
        || replication != e.replication
        || u64_at(28) != len as u64
        || range.end > len
        || e.len < SERIES_AT + 8 * len as u64
    {
        return Err(invalid());
    }
    let mut bytes = vec![0u8; 8 * range.len()];
    f.read_exact_at(&mut bytes, e.offset + SERIES_AT + 8 * range.start as u64)
        .at(FileOp::Read, path)?;
    out.clear();
    out.extend(
        bytes
            .as_chunks::<8>()
            .0
            .iter()
            .map(|b| f64::from_le_bytes(*b)),
    );
    Ok(())
}

/// Reads a fragment from an open log at `path` and checks it.
pub fn read_fragment_from(
    f: &mut File,
    path: &Path,
    e: &JobEntry,
) -> Result<JobResult, StoreError> {
    f.seek(SeekFrom::Start(e.offset)).at(FileOp::Read, path)?;
    let len = usize::try_from(e.len).map_err(|_| StoreError::TooLarge {
        path: path.to_path_buf(),
    })?;
    let mut bytes = vec![0; len];
    f.read_exact(&mut bytes).at(FileOp::Read, path)?;
    check_fragment(&bytes, path, e)
}

fn check_fragment(bytes: &[u8], path: &Path, e: &JobEntry) -> Result<JobResult, StoreError> {
    if checksum(bytes) != e.checksum {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
        });
    }
    match decode(bytes) {
        Some(r) if r.variant == e.variant && r.replication == e.replication => Ok(r),
        _ => Err(StoreError::BadFragment {
            path: path.to_path_buf(),
        }),
    }
}

/// Reads a fragment and checks it against its manifest entry.
pub fn read_fragment(dir: &Path, e: &JobEntry) -> Result<JobResult, StoreError> {
    let path = dir.join(&e.file);
    if e.len == 0 {
        let bytes = fs::read(&path).at(FileOp::Read, &path)?;
        return check_fragment(&bytes, &path, e);
    }
    let mut f = File::open(&path).at(FileOp::Read, &path)?;
    read_fragment_from(&mut f, &path, e)
}

/// The fragment log of one run (or resume) session: `jobs/log-<K>.bin`
/// in the run folder, K the first unused number, so a resumed run never
/// appends after a record a kill may have cut short. A record is the
/// fragment's length (u64, little-endian) then its bytes, written in one
/// piece; workers encode in parallel and append under a lock.
///
/// With [`FragmentLog::with_text`], each job's time-series rows, formatted
/// on its worker, also go to `jobs/log-<K>.txt`, so assembling the results
/// only copies them. Only this session reads that log (the spans are not
/// saved in the manifest), so it needs no checksum or sync.
pub struct FragmentLog {
    file: String,
    out: Mutex<(File, u64)>,
    text: Option<(String, Mutex<(File, u64)>)>,
}

impl FragmentLog {
    /// Also keeps the jobs' formatted time-series rows (see above).
    pub fn with_text(mut self, dir: &Path) -> Result<FragmentLog, StoreError> {
        let file = self.file.replace(".bin", ".txt");
        let path = dir.join(&file);
        let f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .at(FileOp::Create, &path)?;
        self.text = Some((file, Mutex::new((f, 0))));
        Ok(self)
    }

    pub fn open(dir: &Path) -> Result<FragmentLog, StoreError> {
        let jobs = dir.join("jobs");
        fs::create_dir_all(&jobs).at(FileOp::Create, &jobs)?;
        let k = (0..)
            .find(|k| !jobs.join(format!("log-{k}.bin")).exists())
            .unwrap_or(0);
        let file = format!("jobs/log-{k}.bin");
        let path = dir.join(&file);
        let f = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .at(FileOp::Create, &path)?;
        Ok(FragmentLog {
            file,
            out: Mutex::new((f, 0)),
            text: None,
        })
    }

    /// Whether [`FragmentLog::append`] wants the job's formatted rows.
    pub fn keeps_text(&self) -> bool {
        self.text.is_some()
    }

    /// Appends one finished job and gives its manifest entry; `text`, its
    /// formatted time-series rows, goes to the text log when there is one.
    pub fn append(&self, r: &JobResult, text: &str) -> Result<JobEntry, StoreError> {
        let text = match &self.text {
            Some((file, out)) if !text.is_empty() => {
                let mut g = out.lock().unwrap_or_else(|p| p.into_inner());
                let at = g.1;
                g.0.write_all(text.as_bytes())
                    .at(FileOp::Write, Path::new(file))?;
                g.1 += text.len() as u64;
                Some(TextSpan {
                    file: file.clone(),
                    offset: at,
                    len: text.len() as u64,
                    sum: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
                })
            }
            _ => None,
        };
        let bytes = encode(r);
        let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
        let sum = format!("{hash:016x}");
        // Length, fragment, its checksum: a record found in a log but not
        // in the manifest (written after its last save) is checked too.
        let mut record = Vec::with_capacity(16 + bytes.len());
        record.extend_from_slice(&(bytes.len() as u64 + 8).to_le_bytes());
        record.extend_from_slice(&bytes);
        record.extend_from_slice(&hash.to_le_bytes());
        let mut g = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let at = g.1;
        g.0.write_all(&record)
            .at(FileOp::Write, Path::new(&self.file))?;
        g.1 += record.len() as u64;
        Ok(JobEntry {
            variant: r.variant,
            replication: r.replication,
            file: self.file.clone(),
            offset: at + 8,
            len: bytes.len() as u64,
            checksum: sum,
            member_steps: r.member_steps,
            text,
        })
    }
}

/// The complete records of a fragment log, in order (a record cut short by
/// a kill ends the list): each fragment's offset, its bytes, and whether
/// they match the checksum the record carries.
fn log_records(bytes: &[u8]) -> Vec<(u64, &[u8], bool)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(len) = bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .and_then(|l| usize::try_from(l).ok())
        .filter(|&l| l >= 8)
    {
        let Some(rec) = at
            .checked_add(8 + len)
            .and_then(|end| bytes.get(at + 8..end))
        else {
            break;
        };
        let (fragment, sum) = rec.split_at(len - 8);
        let ok = sum == xxhash_rust::xxh3::xxh3_64(fragment).to_le_bytes();
        out.push(((at + 8) as u64, fragment, ok));
        at += 8 + len;
    }
    out
}

/// A job whose stored result was not used (damaged, listed twice, outside
/// the run): it runs again.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    pub variant: usize,
    pub replication: u32,
    pub why: String,
}

/// One warning line per rejected job, naming it as a failure is named
/// (variant, its name, replication, seed).
pub fn rejected_list(s: &Scenario, rejected: &[Rejected]) -> String {
    let mut out = String::new();
    for r in rejected {
        let name = s.variants.get(r.variant).map_or("?", |v| v.name.as_str());
        out.push_str(&format!(
            "warning: variant {} (\"{name}\"), replication {}, seed {}: {}; it runs again\n",
            r.variant, r.replication, s.seed, r.why
        ));
    }
    out
}

/// Checks listed jobs before any is used: an entry listed more than once,
/// outside the run (`variants` × `slots`), or whose fragment (in the folder
/// `dir_of` gives) is missing or does not match its checksum is dropped and
/// reported, so its job runs again instead of being adopted. The kept
/// entries come back sorted by variant then replication.
pub fn verify_entries(
    jobs: Vec<JobEntry>,
    variants: usize,
    slots: u32,
    dir_of: &(dyn Fn(&JobEntry) -> PathBuf + Sync),
) -> (Vec<JobEntry>, Vec<Rejected>) {
    use rayon::prelude::*;
    let mut jobs = jobs;
    jobs.sort_by_key(|e| (e.variant, e.replication));
    let mut rejected = Vec::new();
    let mut kept: Vec<JobEntry> = Vec::with_capacity(jobs.len());
    for group in jobs.chunk_by(|a, b| (a.variant, a.replication) == (b.variant, b.replication)) {
        let e = &group[0];
        let why = if e.variant >= variants || e.replication >= slots {
            Some(format!(
                "manifest.json lists it but the run has {variants} variant(s) of {slots} replication(s)"
            ))
        } else if group.len() > 1 {
            Some(format!("manifest.json lists it {} times", group.len()))
        } else {
            None
        };
        match why {
            Some(why) => rejected.push(Rejected {
                variant: e.variant,
                replication: e.replication,
                why,
            }),
            None => kept.push(e.clone()),
        }
    }
    // Every fragment read whole and checked (in parallel: XXH3 is faster
    // than the disk).
    let damaged: Vec<Option<String>> = kept
        .par_iter()
        .map(|e| {
            read_fragment(&dir_of(e), e)
                .err()
                .map(|why| why.to_string())
        })
        .collect();
    let mut out = Vec::with_capacity(kept.len());
    for (e, bad) in kept.into_iter().zip(damaged) {
        match bad {
            Some(why) => rejected.push(Rejected {
                variant: e.variant,
                replication: e.replication,
                why,
            }),
            None => out.push(e),
        }
    }
    rejected.sort_by_key(|r| (r.variant, r.replication));
    (out, rejected)
}

/// The jobs of shard folders `dirs` (their manifests `ms`), each checked
/// as [`verify_entries`] checks a resumed run's: per job, which shard's
/// entry to use. A job two shards hold with different results is used from
/// neither. Rejected jobs run again in the merge.
pub fn verify_shards(
    ms: &[Manifest],
    dirs: &[PathBuf],
    variants: usize,
    replications: u32,
) -> (Vec<(usize, JobEntry)>, Vec<Rejected>) {
    let mut rejected = Vec::new();
    let mut from: std::collections::BTreeMap<(usize, u32), (usize, JobEntry)> = Default::default();
    let mut conflicted = std::collections::BTreeSet::new();
    for (i, m) in ms.iter().enumerate() {
        let dir = dirs[i].clone();
        let (kept, rej) = verify_entries(m.jobs.clone(), variants, replications, &|_| dir.clone());
        rejected.extend(rej.into_iter().map(|r| Rejected {
            why: format!("in {}: {}", dirs[i].display(), r.why),
            ..r
        }));
        for e in kept {
            let key = (e.variant, e.replication);
            match from.get(&key) {
                Some((k, prev)) if prev.checksum != e.checksum => {
                    rejected.push(Rejected {
                        variant: e.variant,
                        replication: e.replication,
                        why: format!(
                            "{} and {} hold different results for it",
                            dirs[*k].display(),
                            dirs[i].display()
                        ),
                    });
                    conflicted.insert(key);
                }
                Some(_) => {}
                None => {
                    from.insert(key, (i, e));
                }
            }
        }
    }
    // Rejected anywhere: run again, not taken from another shard.
    for r in &rejected {
        conflicted.insert((r.variant, r.replication));
    }
    rejected.sort_by_key(|r| (r.variant, r.replication));
    rejected.dedup_by_key(|r| (r.variant, r.replication));
    let kept = from
        .into_iter()
        .filter(|(key, _)| !conflicted.contains(key))
        .map(|(_, v)| v)
        .collect();
    (kept, rejected)
}

/// A run folder being filled: the staging folder with its manifest.
pub struct RunDir {
    pub dir: PathBuf,
    /// Its jobs are in arrival order until [`RunDir::save`] sorts them.
    pub manifest: Manifest,
    /// The jobs listed, for lookups while the list is unsorted.
    done: std::collections::HashSet<(usize, u32)>,
    last_save: Instant,
    /// Jobs whose stored results a resume did not use (see [`verify_entries`]).
    pub rejected: Vec<Rejected>,
}

impl RunDir {
    /// Starts a fresh staging folder `dir` (clearing what was there).
    pub fn fresh(dir: &Path, manifest: Manifest) -> Result<RunDir, StoreError> {
        if dir.exists() {
            fs::remove_dir_all(dir).at(FileOp::Clear, dir)?;
        }
        fs::create_dir_all(dir.join("jobs")).at(FileOp::Create, dir)?;
        manifest.write(dir)?;
        Ok(RunDir {
            dir: dir.to_path_buf(),
            done: manifest
                .jobs
                .iter()
                .map(|e| (e.variant, e.replication))
                .collect(),
            manifest,
            last_save: Instant::now(),
            rejected: Vec::new(),
        })
    }

    /// Reopens an interrupted staging folder whose manifest must describe
    /// the same run as `expected`. Entries whose fragments are missing or
    /// damaged are dropped (those jobs run again), as are failures (retried).
    pub fn resume(dir: &Path, expected: Manifest, any_build: bool) -> Result<RunDir, StoreError> {
        let mut m = Manifest::read(dir)?;
        if let Some(why) = expected.mismatch(&m, any_build) {
            return Err(StoreError::OtherRun(format!(
                "cannot resume: the interrupted run in {} and this one come from {why}\n  help: pass the same scenario file and --replications/--seed/--steps as the interrupted run, or drop --resume to start afresh",
                dir.display(),
            )));
        }
        if m.shard != expected.shard {
            return Err(StoreError::OtherRun(format!(
                "cannot resume: the interrupted run in {} was {}, not {}\n  help: pass the same --shard as the interrupted run",
                dir.display(),
                shard_words(m.shard),
                shard_words(expected.shard)
            )));
        }
        m.take_build(&expected.orgsim_version);
        fs::create_dir_all(dir.join("jobs")).at(FileOp::Create, dir)?;
        let slots = m.replication_slots.max(m.replications);
        let here = dir.to_path_buf();
        let (jobs, mut rejected) =
            verify_entries(std::mem::take(&mut m.jobs), m.variants, slots, &|_| {
                here.clone()
            });
        m.jobs = jobs;
        // Fragments finished after the manifest was last saved (a hard
        // kill): complete records in the logs that the manifest lacks,
        // each checked against the checksum its record carries. A job the
        // manifest listed but whose result was rejected is not taken from
        // a log either: it runs again.
        let mut known: std::collections::HashSet<(usize, u32)> = m
            .jobs
            .iter()
            .map(|e| (e.variant, e.replication))
            .chain(rejected.iter().map(|r| (r.variant, r.replication)))
            .collect();
        let mut logs: Vec<String> = fs::read_dir(dir.join("jobs"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("log-") && n.ends_with(".bin"))
                    .collect()
            })
            .unwrap_or_default();
        logs.sort();
        let rows = if m.record_final {
            1
        } else {
            (m.steps as usize).div_ceil(m.source.record_every.max(1) as usize)
        };
        for name in logs {
            let file = format!("jobs/{name}");
            let Ok(bytes) = fs::read(dir.join(&file)) else {
                continue;
            };
            for (offset, rec, intact) in log_records(&bytes) {
                let Some(r) = decode(rec) else { continue };
                if !intact {
                    // Named when its header still reads; either way it
                    // is not done, so it runs again.
                    if r.variant < m.variants && known.insert((r.variant, r.replication)) {
                        rejected.push(Rejected {
                            variant: r.variant,
                            replication: r.replication,
                            why: format!(
                                "its result in {file} (byte {offset}) does not match the checksum its record carries (damaged)"
                            ),
                        });
                    }
                    continue;
                }
                if r.variant < m.variants
                    && r.replication < slots
                    && r.series.len() == rows * r.summary.means.len()
                    && known.insert((r.variant, r.replication))
                {
                    m.jobs.push(JobEntry {
                        variant: r.variant,
                        replication: r.replication,
                        file: file.clone(),
                        offset,
                        len: rec.len() as u64,
                        checksum: checksum(rec),
                        member_steps: r.member_steps,
                        text: None,
                    });
                }
            }
        }
        rejected.sort_by_key(|r| (r.variant, r.replication));
        m.jobs.sort_by_key(|e| (e.variant, e.replication));
        m.failed.clear();
        m.replications_per_variant.clear();
        m.complete = false;
        m.files.clear();
        m.source = expected.source;
        let rd = RunDir {
            dir: dir.to_path_buf(),
            done: m.jobs.iter().map(|e| (e.variant, e.replication)).collect(),
            manifest: m,
            last_save: Instant::now(),
            rejected,
        };
        rd.manifest.write(dir)?;
        Ok(rd)
    }

    /// Whether a job is already done.
    pub fn is_done(&self, variant: usize, replication: u32) -> bool {
        self.done.contains(&(variant, replication))
    }

    /// Lists a job whose fragment [`FragmentLog::append`] wrote (the manifest is
    /// rewritten at most twice a second, and always by [`RunDir::save`]).
    pub fn add(&mut self, e: JobEntry) -> Result<(), StoreError> {
        // Appended: inserting in order would cost a shift per job, which
        // grows with the square of a large sweep's jobs.
        if self.done.insert((e.variant, e.replication)) {
            self.manifest.jobs.push(e);
            if self.done.len() == 3 {
                crate::output::phase("simulating");
            }
        } else if let Some(x) = self
            .manifest
            .jobs
            .iter_mut()
            .find(|x| (x.variant, x.replication) == (e.variant, e.replication))
        {
            *x = e;
        }
        if self.last_save.elapsed().as_millis() >= 500 {
            self.save()?;
        }
        Ok(())
    }

    pub fn record_failure(&mut self, s: &Scenario, f: &JobFailure) -> Result<(), StoreError> {
        self.manifest.failed.push(FailedEntry {
            variant: f.variant,
            variant_name: s.variants[f.variant].name.clone(),
            replication: f.replication,
            seed: f.seed,
            reason: f.reason.clone(),
        });
        self.manifest
            .failed
            .sort_by_key(|x| (x.variant, x.replication));
        self.save()
    }

    /// Writes the manifest, its jobs sorted by variant then replication.
    pub fn save(&mut self) -> Result<(), StoreError> {
        self.manifest
            .jobs
            .sort_by_key(|e| (e.variant, e.replication));
        self.last_save = Instant::now();
        self.manifest.write(&self.dir)
    }
}

fn shard_words(s: Option<Shard>) -> String {
    s.map_or("a whole run".into(), |s| {
        format!("shard {}/{}", s.index, s.count)
    })
}

/// One line per failed job, for the terminal.
pub fn failure_list(failed: &[FailedEntry]) -> String {
    let mut out = format!("{} replication(s) failed:", failed.len());
    for f in failed {
        out.push_str(&format!(
            "\n  variant {} (\"{}\"), replication {}, seed {}: {}",
            f.variant, f.variant_name, f.replication, f.seed, f.reason
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(variant: usize, replication: u32) -> JobResult {
        JobResult {
            variant,
            replication,
            series: (0..12).map(|i| f64::from(i) * 0.5).collect(),
            summary: RunSummary {
                stability: 0.1,
                total: 42.0,
                means: vec![1.0, 2.0, 3.0],
                events: vec![],
                effects: vec![vec![
                    Effect {
                        total: -3.5,
                        worst_gap: 0.25,
                        recovery: Some(7),
                    },
                    Effect {
                        total: 0.0,
                        worst_gap: 0.0,
                        recovery: None,
                    },
                    Effect::NONE,
                ]],
                twins: vec![vec![1.5, -2.0, 0.25], Vec::new()],
                stopped: crate::engine::Stopped::from_code(3, 2),
            },
            member_steps: 99,
        }
    }

    #[test]
    fn a_log_cut_short_by_a_kill_keeps_its_complete_records() {
        let dir = std::env::temp_dir().join(format!("orgsim-log-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let log = FragmentLog::open(&dir).unwrap();
        let entries: Vec<JobEntry> = (0..3)
            .map(|r| log.append(&job(1, r), "").unwrap())
            .collect();
        for e in &entries {
            let back = read_fragment(&dir, e).unwrap();
            assert_eq!((back.variant, back.replication), (e.variant, e.replication));
            assert_eq!(back.series, job(1, 0).series);
        }
        // A kill in the middle of the third record.
        let path = dir.join(&entries[0].file);
        let bytes = fs::read(&path).unwrap();
        let cut = entries[2].offset as usize + 5;
        fs::write(&path, &bytes[..cut]).unwrap();
        let recs = log_records(&fs::read(&path).unwrap()[..]).len();
        assert_eq!(recs, 2);
        assert!(read_fragment(&dir, &entries[2]).is_err());
        // A second session writes to a new log, never after the cut.
        let again = FragmentLog::open(&dir).unwrap();
        let e = again.append(&job(0, 7), "").unwrap();
        assert_ne!(e.file, entries[0].file);
        assert_eq!(e.offset, 8);
        let _ = fs::remove_dir_all(&dir);
    }
}
