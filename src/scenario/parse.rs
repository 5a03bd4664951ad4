//! TOML text → validated [`Scenario`]. Walks the parsed document with its
//! spans so every error can point at the line, column and key.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::error::{LineIndex, ScenarioError, ScenarioErrors};
use super::{Analysis, ChartRef, EventSpec, Scenario, Variant};
use crate::model::ModelKind;
use crate::org::{Event, EventKind, Target};
use crate::params::PracticeBundle;
use crate::params::{ParamSpec, did_you_mean, fmt_num};

#[path = "checks.rs"]
mod checks;
#[path = "parse_stop.rs"]
mod parse_stop;

type Spanned<T> = toml::Spanned<T>;
/// A string value with where it stands in the file.
type Located = Option<(String, Range<usize>)>;

const TOP_KEYS: &[&str] = &[
    "name",
    "question",
    "description",
    "model",
    "steps",
    "replications",
    "seed",
    "analysis",
    "defaults",
    "variant",
    "event",
    "sweep",
    "org_chart",
    "common_random_numbers",
    "stop",
    "record",
];
const ANALYSIS_KEYS: &[&str] = &["warmup", "baseline", "smoothing", "threshold", "twins"];
const EVENT_KINDS: &[&str] = &["departure", "layoff", "demand", "turbulence", "outage"];

/// An event's `kind` as the file names it: every kind is matched where it
/// matters, so a new one cannot slip through as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventKindName {
    Departure,
    Layoff,
    Demand,
    Turbulence,
    Outage,
}

impl EventKindName {
    const ALL: [EventKindName; 5] = [
        EventKindName::Departure,
        EventKindName::Layoff,
        EventKindName::Demand,
        EventKindName::Turbulence,
        EventKindName::Outage,
    ];

    fn name(self) -> &'static str {
        match self {
            EventKindName::Departure => "departure",
            EventKindName::Layoff => "layoff",
            EventKindName::Demand => "demand",
            EventKindName::Turbulence => "turbulence",
            EventKindName::Outage => "outage",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == text)
    }

    /// The keys this kind takes beside every event's.
    fn keys(self) -> &'static [&'static str] {
        match self {
            EventKindName::Departure | EventKindName::Layoff => {
                &["target", "share", "level", "post", "id"]
            }
            EventKindName::Demand => &["factor"],
            EventKindName::Turbulence => &["magnitude"],
            EventKindName::Outage => &[],
        }
    }
}
const TARGETS: &[&str] = &[
    "top",
    "leaders",
    "most-skilled",
    "random",
    "post",
    "member",
    "subtree",
];
/// Largest number of variants a sweep may expand to.
const MAX_VARIANTS: usize = 100_000;

/// Parses and validates a scenario. `file` is the name used in messages;
/// org charts named by relative paths are read from the current directory.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Scenario, ScenarioErrors> {
    parse_in(file, bytes, Path::new(""))
}

/// As [`parse`], reading org charts named by relative paths from `base`
/// (the scenario file's folder).
pub fn parse_in(file: &str, bytes: &[u8], base: &Path) -> Result<Scenario, ScenarioErrors> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let (line, column) = LineIndex::new(valid).position(valid.len());
            return Err(ScenarioErrors(vec![ScenarioError {
                file: file.to_string(),
                line,
                column,
                key: String::new(),
                message: "the file is not valid UTF-8 text".into(),
                help: Some("save the file as UTF-8 (plain text) in your editor".into()),
            }]));
        }
    };
    if text.trim().is_empty() {
        return Err(ScenarioErrors(vec![ScenarioError {
            file: file.to_string(),
            line: 1,
            column: 1,
            key: String::new(),
            message: "the file is empty".into(),
            help: Some(
                "`orgsim init NAME` writes NAME.toml, a commented scenario to start from".into(),
            ),
        }]));
    }
    let mut cx = Cx {
        file,
        lines: LineIndex::new(text),
        errors: Vec::new(),
        base,
        charts: HashMap::new(),
        chart_targets: Vec::new(),
        event_variants: Vec::new(),
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim();
            match duplicate_key(text, message, &span) {
                Some((key, first)) => {
                    let earlier = match first {
                        Some(line) => format!(" (first on line {line})"),
                        None => String::new(),
                    };
                    let (message, help) = if key.starts_with('[') {
                        (
                            format!("the section `{key}` appears twice{earlier}"),
                            format!("merge the two `{key}` sections into one"),
                        )
                    } else {
                        (
                            format!("`{key}` is set twice in the same table{earlier}"),
                            format!(
                                "keep one `{key}` line; a second organization needs its own [[variant]] section"
                            ),
                        )
                    };
                    cx.error(span, &key, message, Some(help));
                }
                None => cx.error(span, "", format!("this is not valid TOML: {message}"), None),
            }
            return Err(ScenarioErrors(cx.errors));
        }
    };
    let scenario = cx.scenario(doc.get_ref(), doc.span());
    match scenario {
        Some(s) if cx.errors.is_empty() => Ok(s),
        _ => Err(ScenarioErrors(cx.errors)),
    }
}

struct Cx<'a> {
    file: &'a str,
    lines: LineIndex<'a>,
    errors: Vec<ScenarioError>,
    /// Folder relative org chart paths are read from.
    base: &'a Path,
    /// Charts read so far, by resolved path (`None`: could not be used).
    charts: HashMap<PathBuf, Option<ChartRef>>,
    /// Events naming chart ids: (id, where, key path), checked against every variant's chart.
    chart_targets: Vec<(String, Range<usize>, String)>,
    /// Variant names listed by events (`variants = [...]`): (name, where,
    /// key path), checked against the `[[variant]]` names.
    event_variants: Vec<(String, Range<usize>, String)>,
}

/// What a variant table said, before defaults and sweeps are applied.
struct VariantDraft {
    name: String,
    structure: String,
    practices: Vec<String>,
    overrides: Vec<(usize, f64)>,
    chart: Option<ChartRef>,
    chart_span: Option<Range<usize>>,
}

/// The sweep as `[sweep]` gave it, with `[defaults]`: what turns each
/// variant draft into variants.
struct Grid<'a> {
    sweep: &'a [(&'static str, Vec<f64>)],
    /// A Latin hypercube: its points in order, not every combination.
    lhs: bool,
    defaults: &'a [(usize, f64)],
}

impl Grid<'_> {
    fn points(&self) -> Vec<Vec<f64>> {
        if self.lhs {
            let n = self.sweep.first().map_or(0, |(_, v)| v.len());
            (0..n)
                .map(|i| self.sweep.iter().map(|(_, v)| v[i]).collect())
                .collect()
        } else {
            cartesian(self.sweep)
        }
    }
}

impl Cx<'_> {
    fn error(&mut self, span: Range<usize>, key: &str, message: String, help: Option<String>) {
        let (line, column) = self.lines.position(span.start);
        self.errors.push(ScenarioError {
            file: self.file.to_string(),
            line,
            column,
            key: key.to_string(),
            message,
            help,
        });
    }

    /// Reports keys not in `allowed`, with a suggestion for likely typos.
    /// A model parameter at the top of the file is the common slip of a
    /// first scenario: say where parameters go.
    fn check_keys(&mut self, table: &DeTable, allowed: &[&str], path: &str, what: &str) {
        for (k, _) in table.iter() {
            let key = k.get_ref().as_ref();
            if !allowed.contains(&key) {
                let is_param = path.is_empty()
                    && ModelKind::ALL
                        .iter()
                        .any(|m| m.specs().iter().any(|s| s.name == key));
                let help = if is_param {
                    format!(
                        "`{key}` is a model parameter: set it under [defaults] (every variant) or inside a [[variant]] section"
                    )
                } else {
                    match did_you_mean(key, allowed.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("valid keys {what}: {}", allowed.join(", ")),
                    }
                };
                self.error(
                    k.span(),
                    &join(path, key),
                    format!("unknown key `{key}`"),
                    Some(help),
                );
            }
        }
    }

    fn string(&mut self, table: &DeTable, key: &str, path: &str) -> Option<(String, Range<usize>)> {
        let v = table.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            other => {
                self.type_error(v.span(), &join(path, key), "a string in quotes", other);
                None
            }
        }
    }

    fn type_error(&mut self, span: Range<usize>, key: &str, expected: &str, got: &DeValue) {
        self.error(
            span,
            key,
            format!("expected {expected}, found {}", describe(got)),
            None,
        );
    }

    /// A number (integer or float), checked against `spec`.
    fn number(&mut self, v: &Spanned<DeValue>, key: &str, spec: &ParamSpec) -> Option<f64> {
        let x = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|x| x as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                let expected = if spec.integer {
                    "a whole number"
                } else {
                    "a number"
                };
                self.error(
                    v.span(),
                    key,
                    format!(
                        "expected {expected} in {}, found {}",
                        spec.range_text(),
                        describe(other)
                    ),
                    Some(spec_help(spec)),
                );
                return None;
            }
        };
        let Some(x) = x else {
            self.error(
                v.span(),
                key,
                "this number is too large".into(),
                Some(format!("valid range: {}", spec.range_text())),
            );
            return None;
        };
        if let Err(msg) = spec.check(x) {
            self.error(v.span(), key, msg, Some(spec_help(spec)));
            return None;
        }
        Some(x)
    }

    /// An optional setting with a range; `None` keeps the default.
    fn setting(&mut self, table: &DeTable, key: &str, path: &str, spec: ParamSpec) -> Option<f64> {
        let v = table.get(key)?;
        self.number(v, &join(path, key), &spec)
    }

    fn scenario(&mut self, doc: &DeTable, doc_span: Range<usize>) -> Option<Scenario> {
        self.check_keys(doc, TOP_KEYS, "", "at the top of a scenario");
        let name = self.scenario_name(doc, &doc_span);
        let text = |cx: &mut Self, key| cx.string(doc, key, "").map(|s| s.0).unwrap_or_default();
        let question = text(self, "question");
        let description = text(self, "description");
        let model = self.model_kind(doc)?;
        let (steps, replications) = self.run_size(doc);
        let seed = self.seed(doc);
        let analysis = self.analysis_for(doc, steps);
        let common_streams = self.common_streams(doc);

        let specs = model.specs();
        let mut defaults: Vec<(usize, f64)> = Vec::new();
        if let Some(t) = self.table(doc, "defaults", "") {
            defaults = self.params(t, "defaults", specs, false).0;
        }
        let top_chart = self.chart_key(doc, "");
        let mut drafts = self.variants(doc, model, doc_span.clone());
        for d in drafts.iter_mut() {
            if d.chart.is_none() && d.chart_span.is_none() {
                d.chart = top_chart.0.clone();
                d.chart_span = top_chart.1.clone();
            }
        }
        let (sweep, lhs) = self.sweep(doc, specs, seed);
        let mut events = self.events(doc, model, steps);
        let stop = self.stop(doc, model, &events);
        let record_final = self.record(doc);
        self.check_event_variants(&drafts);
        let grid = Grid {
            sweep: &sweep,
            lhs,
            defaults: &defaults,
        };
        let (variants, draft_of) = self.expand(doc, &doc_span, model, &drafts, &grid)?;
        self.check_chart_targets(&drafts);
        // Variant names an event lists become the names of their sweep points.
        for e in events.iter_mut().filter(|e| !e.variants.is_empty()) {
            e.variants = variants
                .iter()
                .zip(&draft_of)
                .filter(|(_, d)| e.variants.iter().any(|n| n == *d))
                .map(|(v, _)| v.name.clone())
                .collect();
        }
        self.check_ignored(
            doc, specs, &drafts, &sweep, lhs, &variants, &events, steps, &analysis,
        );
        Some(Scenario {
            name,
            question,
            description,
            model,
            steps,
            replications,
            seed,
            analysis,
            variants,
            events,
            sweep: sweep.into_iter().map(|(p, v)| (p.to_string(), v)).collect(),
            common_streams,
            record_every: 1,
            record_final,
            stop,
            target_ci: None,
        })
    }

    /// `name`, checked to be usable as a results folder's name.
    fn scenario_name(&mut self, doc: &DeTable, doc_span: &Range<usize>) -> String {
        match self.string(doc, "name", "") {
            Some((n, span)) => {
                if n.is_empty()
                    || n.len() > 100
                    || n.starts_with('.')
                    || !n
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                {
                    self.error(
                        span,
                        "name",
                        format!("`{n}` cannot be used as a results folder name"),
                        Some("use letters, digits, `-`, `_` or `.` (up to 100), e.g. name = \"ceo-departure\"".into()),
                    );
                }
                n
            }
            None => {
                if !doc.contains_key("name") {
                    self.error(
                        doc_span.start..doc_span.start,
                        "name",
                        "missing `name`: the scenario needs a name (its results go to results/<name>/)".into(),
                        Some("add a line such as: name = \"ceo-departure\"".into()),
                    );
                }
                String::new()
            }
        }
    }

    /// `model` (the organization model when absent); `None` when unknown.
    fn model_kind(&mut self, doc: &DeTable) -> Option<ModelKind> {
        Some(match self.string(doc, "model", "") {
            None => ModelKind::Org,
            Some((m, span)) => match ModelKind::from_name(&m) {
                Some(k) => k,
                None => {
                    let names: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
                    let help = did_you_mean(&m, names.iter().copied()).map_or_else(
                        || format!("valid models: {}", names.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
                    self.error(span, "model", format!("unknown model `{m}`"), Some(help));
                    return None;
                }
            },
        })
    }

    /// `steps` and `replications`, each in its valid range.
    fn run_size(&mut self, doc: &DeTable) -> (u32, u32) {
        let steps = self.setting(
            doc,
            "steps",
            "",
            spec(
                "steps",
                100.0,
                1.0,
                f64::from(crate::limits::MAX_STEPS),
                "number of steps (weeks) to simulate",
            ),
        );
        let replications = self.setting(
            doc,
            "replications",
            "",
            spec(
                "replications",
                30.0,
                1.0,
                f64::from(crate::limits::MAX_REPLICATIONS),
                "runs per variant, each with its own random stream",
            ),
        );
        (
            steps.unwrap_or(100.0) as u32,
            replications.unwrap_or(30.0) as u32,
        )
    }

    /// `seed` (1 when absent), a whole number in TOML's signed range.
    fn seed(&mut self, doc: &DeTable) -> u64 {
        match doc.get("seed") {
            None => 1,
            Some(v) => match v.get_ref() {
                DeValue::Integer(i) => {
                    match u64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                        Ok(s) if s <= crate::limits::MAX_SEED => s,
                        _ => {
                            self.error(
                                v.span(),
                                "seed",
                                format!(
                                    "expected a whole number from 0 to {}",
                                    crate::limits::MAX_SEED
                                ),
                                Some("a seed is a signed 64-bit number, as TOML holds it; any value in range is as good, e.g. seed = 42".into()),
                            );
                            1
                        }
                    }
                }
                other => {
                    self.type_error(v.span(), "seed", "a whole number 0 or more", other);
                    1
                }
            },
        }
    }

    /// `[analysis]`, its default warm-up shortened to leave a short run
    /// whole (as the engine would; an explicit one is checked against the
    /// run).
    fn analysis_for(&mut self, doc: &DeTable, steps: u32) -> Analysis {
        let mut analysis = self.analysis(doc);
        let explicit_warmup = self
            .table(doc, "analysis", "")
            .is_some_and(|t| t.contains_key("warmup"));
        if analysis.warmup >= steps && !explicit_warmup {
            analysis.warmup = 0;
        }
        analysis
    }

    /// `common_random_numbers` (false when absent).
    fn common_streams(&mut self, doc: &DeTable) -> bool {
        match doc.get("common_random_numbers") {
            None => false,
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => *b,
                other => {
                    self.type_error(v.span(), "common_random_numbers", "true or false", other);
                    false
                }
            },
        }
    }

    /// Every variant: each draft at each sweep point (a Latin hypercube's
    /// points in order, or the grid's), its values from the parameter
    /// defaults, the structure's preset, `[defaults]`, its own settings,
    /// the point and its org chart, checked. Also gives, per variant, the
    /// name of the draft it came from. `None` when there would be too many.
    fn expand<'d>(
        &mut self,
        doc: &DeTable,
        doc_span: &Range<usize>,
        model: ModelKind,
        drafts: &'d [VariantDraft],
        grid: &Grid,
    ) -> Option<(Vec<Variant>, Vec<&'d str>)> {
        let points = grid.points();
        if drafts.len() * points.len() > MAX_VARIANTS {
            let span = doc
                .get("sweep")
                .map_or(doc_span.start..doc_span.start, |v| v.span());
            self.error(
                span,
                "sweep",
                format!(
                    "{} variants × {} sweep points is more than {MAX_VARIANTS} variants",
                    drafts.len(),
                    grid.sweep
                        .iter()
                        .fold(1usize, |n, (_, v)| n.saturating_mul(v.len()))
                ),
                Some("sweep fewer values, or split the sweep across several files".into()),
            );
            return None;
        }
        let mut variants = Vec::new();
        let mut draft_of = Vec::new();
        for d in drafts {
            for point in &points {
                let number = variants.len() % points.len().max(1) + 1;
                if let Some(v) = self.variant_at(doc, doc_span, model, d, grid, point, number) {
                    draft_of.push(d.name.as_str());
                    variants.push(v);
                }
            }
        }
        Some((variants, draft_of))
    }

    /// Draft `d` at sweep point `point` (the `number`-th of a Latin
    /// hypercube's), its values checked; `None` (and an error) when they
    /// do not hold together.
    #[allow(clippy::too_many_arguments)]
    fn variant_at(
        &mut self,
        doc: &DeTable,
        doc_span: &Range<usize>,
        model: ModelKind,
        d: &VariantDraft,
        grid: &Grid,
        point: &[f64],
        number: usize,
    ) -> Option<Variant> {
        let specs = model.specs();
        let mut values: Vec<f64> = specs.iter().map(|s| s.default).collect();
        for (k, v) in model.preset(&d.structure) {
            if let Some(i) = specs.iter().position(|s| s.name == *k) {
                values[i] = *v;
            }
        }
        for &(i, v) in grid.defaults.iter().chain(&d.overrides) {
            values[i] = v;
        }
        let mut name = d.name.clone();
        if grid.lhs {
            name.push_str(&format!(" #{number}"));
        }
        for ((p, _), v) in grid.sweep.iter().zip(point) {
            let i = specs.iter().position(|s| s.name == *p).unwrap_or(0);
            values[i] = *v;
            let shown = if grid.lhs && v.fract() != 0.0 {
                format!("{v:.4}")
            } else {
                fmt_num(*v)
            };
            name.push_str(&format!(" {p}={shown}"));
        }
        let checked = match &d.chart {
            Some(c) => {
                chart_values(&c.chart, specs, &mut values).map_err(|e| (e, d.chart_span.clone()))
            }
            None => model
                .check(&values, &d.structure)
                .map_err(|e| (e, self.variant_span(doc, &d.name))),
        };
        if let Err(((param, msg), span)) = checked {
            let span = span.unwrap_or(doc_span.start..doc_span.start);
            self.error(span, &format!("variant `{}`.{param}", d.name), msg, None);
            return None;
        }
        Some(Variant {
            name,
            structure: d.structure.clone(),
            practices: d.practices.clone(),
            values,
            sweep_point: point.to_vec(),
            chart: d.chart.clone(),
        })
    }

    /// Events that name a person by chart id: the id must be in the chart
    /// of every variant, and every variant must have a chart.
    fn check_chart_targets(&mut self, drafts: &[VariantDraft]) {
        for (id, span, path) in std::mem::take(&mut self.chart_targets) {
            for d in drafts {
                match &d.chart {
                    Some(c) if c.chart.find(&id).is_none() => self.error(
                        span.clone(),
                        &join(&path, "id"),
                        format!(
                            "no row of the org chart {} of variant `{}` has id `{id}`",
                            c.path.display(),
                            d.name
                        ),
                        None,
                    ),
                    None if d.chart_span.is_none() => self.error(
                        span.clone(),
                        &join(&path, "target"),
                        format!(
                            "this target names a person by chart id, but variant `{}` has no org chart",
                            d.name
                        ),
                        Some("add org_chart = \"<file.csv>\" at the top or in the variant".into()),
                    ),
                    _ => {}
                }
            }
        }
    }

    /// The `org_chart` key of a table: the chart, read and validated (once
    /// per file), and where the key stands. Problems become errors at the key.
    fn chart_key(&mut self, t: &DeTable, path: &str) -> (Option<ChartRef>, Option<Range<usize>>) {
        let Some((file, span)) = self.string(t, "org_chart", path) else {
            return (None, t.get("org_chart").map(|v| v.span()));
        };
        let resolved = self.base.join(&file);
        if let Some(c) = self.charts.get(&resolved) {
            return (c.clone(), Some(span));
        }
        let key = join(path, "org_chart");
        let read = crate::org::chart::read_input(
            &resolved,
            crate::org::chart::MAX_CHART_BYTES,
            "org chart",
        );
        let loaded = match read {
            Err(e) => {
                self.error(
                    span.clone(),
                    &key,
                    e,
                    Some("the path is relative to the scenario file's folder".into()),
                );
                None
            }
            Ok(bytes) => match crate::org::chart::parse(&file, &bytes) {
                // Only what the model reads is kept (and copied into
                // results): names stay in the original file.
                Ok(chart) => Some(ChartRef {
                    path: resolved.clone(),
                    bytes: chart.model_copy().into(),
                    chart: Arc::new(chart),
                }),
                Err(e) => {
                    for p in &e.problems {
                        self.error(span.clone(), &key, format!("org chart {file}: {p}"), None);
                    }
                    None
                }
            },
        };
        self.charts.insert(resolved, loaded.clone());
        (loaded, Some(span))
    }

    fn table<'t>(
        &mut self,
        doc: &'t DeTable<'t>,
        key: &str,
        path: &str,
    ) -> Option<&'t DeTable<'t>> {
        let v = doc.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.type_error(
                    v.span(),
                    &join(path, key),
                    &format!("a table (a [{key}] section)"),
                    other,
                );
                None
            }
        }
    }

    fn analysis(&mut self, doc: &DeTable) -> Analysis {
        let mut a = Analysis::default();
        if let Some(t) = self.table(doc, "analysis", "") {
            self.check_keys(t, ANALYSIS_KEYS, "analysis", "in [analysis]");
            if let Some(x) = self.setting(
                t,
                "warmup",
                "analysis",
                spec(
                    "warmup",
                    20.0,
                    0.0,
                    f64::from(crate::limits::MAX_STEPS),
                    "first steps left out of totals, means and stability",
                ),
            ) {
                a.warmup = x as u32;
            }
            if let Some(x) = self.setting(
                t,
                "baseline",
                "analysis",
                spec(
                    "baseline",
                    20.0,
                    1.0,
                    100_000.0,
                    "steps before an event averaged as the pre-event level",
                ),
            ) {
                a.baseline = x as u32;
            }
            if let Some(x) = self.setting(
                t,
                "smoothing",
                "analysis",
                spec(
                    "smoothing",
                    8.0,
                    1.0,
                    100_000.0,
                    "steps in the moving average recovery is judged on",
                ),
            ) {
                a.smoothing = x as u32;
            }
            if let Some(x) = self.setting(
                t,
                "threshold",
                "analysis",
                fspec(
                    "threshold",
                    0.95,
                    0.0,
                    1.0,
                    "share of the pre-event level that counts as recovered",
                ),
            ) {
                a.threshold = x;
            }
            if let Some(v) = t.get("twins") {
                match v.get_ref() {
                    DeValue::Boolean(b) => a.twins = *b,
                    other => self.type_error(v.span(), "analysis.twins", "true or false", other),
                }
            }
        }
        a
    }

    /// An event's `variants = ["name", ...]`: the names (checked later
    /// against the variants), or empty when the key is absent.
    fn event_variants(&mut self, t: &DeTable, path: &str) -> Vec<String> {
        let Some(v) = t.get("variants") else {
            return Vec::new();
        };
        let key = join(path, "variants");
        let DeValue::Array(items) = v.get_ref() else {
            self.type_error(v.span(), &key, "a list of variant names", v.get_ref());
            return Vec::new();
        };
        if items.is_empty() {
            self.error(
                v.span(),
                &key,
                "an empty list: the event would happen in no variant".into(),
                Some("name at least one variant, or remove the key for every variant".into()),
            );
        }
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(name) => {
                    self.event_variants
                        .push((name.to_string(), item.span(), key.clone()));
                    out.push(name.to_string());
                }
                other => self.type_error(item.span(), &key, "a variant name in quotes", other),
            }
        }
        out
    }

    /// Checks the names events list in `variants = [...]` against the
    /// `[[variant]]` names.
    fn check_event_variants(&mut self, drafts: &[VariantDraft]) {
        for (name, span, key) in std::mem::take(&mut self.event_variants) {
            if drafts.iter().any(|d| d.name == name) {
                continue;
            }
            let names: Vec<&str> = drafts.iter().map(|d| d.name.as_str()).collect();
            let help = did_you_mean(&name, names.iter().copied()).map_or_else(
                || format!("variants: {}", names.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            self.error(
                span,
                &key,
                format!("no variant is named `{name}`"),
                Some(help),
            );
        }
    }

    /// Parameter keys of a table. Returns (index, value) pairs and the
    /// `structure` value if `allow_structure`.
    fn params(
        &mut self,
        t: &DeTable,
        path: &str,
        specs: &[ParamSpec],
        allow_structure: bool,
    ) -> (Vec<(usize, f64)>, Located) {
        let mut out = Vec::new();
        let mut structure = None;
        for (k, v) in t.iter() {
            let key = k.get_ref().as_ref();
            if allow_structure
                && (key == "name" || key == "structure" || key == "org_chart" || key == "practices")
            {
                if key == "structure" {
                    structure = self.string(t, "structure", path);
                }
                continue;
            }
            match specs.iter().position(|s| s.name == key) {
                Some(i) => {
                    if let Some(x) = self.number(v, &join(path, key), &specs[i]) {
                        out.push((i, x));
                    }
                }
                None => {
                    let mut names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                    if allow_structure {
                        names.extend(["name", "structure", "org_chart", "practices"]);
                    }
                    let renamed = (key == "tournament").then(|| {
                        "`tournament` was split in two practices: `promotion_prize` (the pay and status step of a promotion) and `relative_rewards` (ranking against team-mates); tournament pressure is now an outcome of the structure".to_string()
                    });
                    let help = renamed
                        .or_else(|| {
                            did_you_mean(key, names.iter().copied())
                                .map(|s| format!("did you mean `{s}`?"))
                        })
                        .unwrap_or_else(|| {
                            "see docs/model.md for every parameter, or run `orgsim init` for a commented template".to_string()
                        });
                    self.error(
                        k.span(),
                        &join(path, key),
                        format!("unknown parameter `{key}`"),
                        Some(help),
                    );
                }
            }
        }
        (out, structure)
    }

    fn variants(
        &mut self,
        doc: &DeTable,
        model: ModelKind,
        doc_span: Range<usize>,
    ) -> Vec<VariantDraft> {
        let mut out: Vec<VariantDraft> = Vec::new();
        let Some(v) = doc.get("variant") else {
            self.error(
                doc_span.start..doc_span.start,
                "variant",
                "no organization variants: add at least one [[variant]] section".into(),
                Some("for example:\n    [[variant]]\n    name = \"hierarchy\"\n    structure = \"hierarchy\"".into()),
            );
            return out;
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.type_error(
                v.span(),
                "variant",
                "a list of [[variant]] sections",
                v.get_ref(),
            );
            return out;
        };
        if items.is_empty() {
            self.error(
                v.span(),
                "variant",
                "the list of variants is empty".into(),
                Some("add at least one [[variant]] section".into()),
            );
        }
        for (i, item) in items.iter().enumerate() {
            let path = format!("variant[{}]", i + 1);
            let DeValue::Table(t) = item.get_ref() else {
                self.type_error(item.span(), &path, "a [[variant]] section", item.get_ref());
                continue;
            };
            let draft = self.variant(t, item.span(), &path, i, model, &out);
            out.push(draft);
        }
        out
    }

    /// The `i`-th `[[variant]]` table as drafted; `taken`: the variants
    /// before it (names must differ).
    fn variant(
        &mut self,
        t: &DeTable,
        item_span: Range<usize>,
        path: &str,
        i: usize,
        model: ModelKind,
        taken: &[VariantDraft],
    ) -> VariantDraft {
        let name = self.variant_name(t, &item_span, path, i, taken);
        let path = format!("variant `{name}`");
        let (mut overrides, structure) = self.params(t, &path, model.specs(), true);
        let (practices, bundled) = self.practices(t, &path, model);
        // A variant's own keys override its bundles.
        let own: Vec<usize> = overrides.iter().map(|&(i, _)| i).collect();
        overrides.splice(0..0, bundled.into_iter().filter(|(i, _)| !own.contains(i)));
        let (chart, chart_span) = self.chart_key(t, &path);
        let structure = self.variant_structure(structure, item_span, &path, model);
        VariantDraft {
            name,
            structure,
            practices,
            overrides,
            chart,
            chart_span,
        }
    }

    /// A variant's `name` (`variant <i>` when missing), checked to be
    /// usable and its own.
    fn variant_name(
        &mut self,
        t: &DeTable,
        item_span: &Range<usize>,
        path: &str,
        i: usize,
        taken: &[VariantDraft],
    ) -> String {
        match self.string(t, "name", path) {
            Some((n, span)) => {
                if n.trim().is_empty() || n.len() > 80 || n.contains(['\n', '\r', '"', ',']) {
                    self.error(
                        span.clone(),
                        &join(path, "name"),
                        format!("`{n}` is not a usable variant name"),
                        Some("use 1 to 80 characters without quotes, commas or line breaks".into()),
                    );
                }
                if taken.iter().any(|d| d.name == n) {
                    self.error(
                        span,
                        &join(path, "name"),
                        format!("two variants are named `{n}`"),
                        Some("give each variant its own name".into()),
                    );
                }
                n
            }
            None => {
                if !t.contains_key("name") {
                    self.error(
                        item_span.clone(),
                        path,
                        "this variant has no `name`".into(),
                        Some("add: name = \"...\"".into()),
                    );
                }
                format!("variant {}", i + 1)
            }
        }
    }

    /// A variant's `structure`, one the model has (none for a model
    /// without structures).
    fn variant_structure(
        &mut self,
        structure: Option<(String, Range<usize>)>,
        item_span: Range<usize>,
        path: &str,
        model: ModelKind,
    ) -> String {
        let allowed = model.structures();
        match structure {
            Some((s, span)) => {
                if !allowed.is_empty() && !allowed.contains(&s.as_str()) {
                    let help = did_you_mean(&s, allowed.iter().copied()).map_or_else(
                        || format!("valid structures: {}", allowed.join(", ")),
                        |x| format!("did you mean `{x}`?"),
                    );
                    self.error(
                        span,
                        &join(path, "structure"),
                        format!("unknown structure `{s}`"),
                        Some(help),
                    );
                } else if allowed.is_empty() {
                    self.error(
                        span,
                        &join(path, "structure"),
                        format!("the {} model has no structures", model.name()),
                        Some("remove the `structure` line".into()),
                    );
                }
                s
            }
            None if allowed.is_empty() => String::new(),
            None => {
                self.error(
                    item_span,
                    &join(path, "structure"),
                    "missing `structure`".into(),
                    Some(format!(
                        "add: structure = \"{}\" (one of {})",
                        allowed[0],
                        allowed.join(", ")
                    )),
                );
                String::new()
            }
        }
    }

    /// A variant's `practices = [...]`: the bundles' names and the values
    /// they set, checked (known names, none repeated, no two setting one
    /// parameter differently).
    fn practices(
        &mut self,
        t: &DeTable,
        path: &str,
        model: ModelKind,
    ) -> (Vec<String>, Vec<(usize, f64)>) {
        let (mut names, mut values) = (Vec::new(), Vec::<(usize, f64)>::new());
        let Some(v) = t.get("practices") else {
            return (names, values);
        };
        let key = join(path, "practices");
        let known = model.practices();
        let list: Vec<&str> = known.iter().map(|b| b.name).collect();
        let DeValue::Array(items) = v.get_ref() else {
            self.type_error(
                v.span(),
                &key,
                "a list of practice names in brackets, e.g. [\"coaching\"]",
                v.get_ref(),
            );
            return (names, values);
        };
        if known.is_empty() && !items.is_empty() {
            self.error(
                v.span(),
                &key,
                format!("the {} model has no practice bundles", model.name()),
                Some("remove the `practices` line".into()),
            );
            return (names, values);
        }
        let specs = model.specs();
        for item in items.iter() {
            let DeValue::String(name) = item.get_ref() else {
                self.type_error(
                    item.span(),
                    &key,
                    "a practice name in quotes",
                    item.get_ref(),
                );
                continue;
            };
            let name = name.to_string();
            let Some(PracticeBundle { sets, .. }) = known.iter().find(|b| b.name == name) else {
                let help = did_you_mean(&name, list.iter().copied()).map_or_else(
                    || {
                        format!(
                            "valid practices: {} (see `orgsim params` and docs/model.md)",
                            list.join(", ")
                        )
                    },
                    |s| format!("did you mean `{s}`?"),
                );
                self.error(
                    item.span(),
                    &key,
                    format!("unknown practice `{name}`"),
                    Some(help),
                );
                continue;
            };
            if names.contains(&name) {
                self.error(
                    item.span(),
                    &key,
                    format!("practice `{name}` is listed twice"),
                    Some("list each practice once".into()),
                );
                continue;
            }
            for &(param, x) in sets.iter() {
                let Some(i) = specs.iter().position(|s| s.name == param) else {
                    continue;
                };
                match values.iter().find(|&&(j, _)| j == i) {
                    Some(&(_, y)) if y != x => self.error(
                        item.span(),
                        &key,
                        format!(
                            "practice `{name}` sets `{param}` = {} but an earlier practice in the list sets it to {}",
                            fmt_num(x),
                            fmt_num(y)
                        ),
                        Some(format!(
                            "keep one of the two, or set `{param}` in the variant itself"
                        )),
                    ),
                    Some(_) => {}
                    None => values.push((i, x)),
                }
            }
            names.push(name);
        }
        (names, values)
    }

    fn variant_span(&self, doc: &DeTable, name: &str) -> Option<Range<usize>> {
        let DeValue::Array(items) = doc.get("variant")?.get_ref() else {
            return None;
        };
        items.iter().find_map(|it| match it.get_ref() {
            DeValue::Table(t) if t.get("name").and_then(|n| n.get_ref().as_str()) == Some(name) => {
                Some(it.span())
            }
            _ => None,
        })
    }

    /// The `[sweep]` table: a grid of listed values (the default), or with
    /// `method = "latin-hypercube"` and `points = N`, N points sampled from
    /// each parameter's `[min, max]`. Returns the swept parameters with their
    /// values (for a Latin hypercube, one column of N sampled values each) and
    /// whether the points are to be zipped rather than combined.
    fn sweep<'s>(
        &mut self,
        doc: &'s DeTable<'s>,
        specs: &'static [ParamSpec],
        seed: u64,
    ) -> (Vec<(&'static str, Vec<f64>)>, bool) {
        let mut out = Vec::new();
        let Some(t) = self.table(doc, "sweep", "") else {
            return (out, false);
        };
        let Some(lhs) = self.sweep_method(t) else {
            return (out, false);
        };
        let points = self.sweep_points(doc, t, lhs);
        for (k, v) in t.iter() {
            let key = k.get_ref().as_ref();
            if key == "method" || key == "points" {
                continue;
            }
            if let Some(values) = self.swept(k, v, specs, lhs) {
                out.push(values);
            }
        }
        if lhs && let Some(n) = points {
            latin_hypercube_values(&mut out, n as usize, specs, seed);
        }
        (out, lhs)
    }

    /// `[sweep] method`: whether it is a Latin hypercube (`None`: unknown).
    fn sweep_method(&mut self, t: &DeTable) -> Option<bool> {
        Some(match self.string(t, "method", "sweep") {
            None => false,
            Some((m, _)) if m == "grid" => false,
            Some((m, _)) if m == "latin-hypercube" => true,
            Some((m, span)) => {
                self.error(
                    span,
                    "sweep.method",
                    format!("unknown sweep method `{m}`"),
                    Some("use \"grid\" (every combination of the listed values) or \"latin-hypercube\" (with `points`)".into()),
                );
                return None;
            }
        })
    }

    /// `[sweep] points`: required by a Latin hypercube, refused by a grid.
    fn sweep_points(&mut self, doc: &DeTable, t: &DeTable, lhs: bool) -> Option<f64> {
        let points = self.setting(
            t,
            "points",
            "sweep",
            spec(
                "points",
                10.0,
                1.0,
                MAX_VARIANTS as f64,
                "points sampled by a Latin hypercube",
            ),
        );
        if lhs && points.is_none() && !t.contains_key("points") {
            let span = doc.get("sweep").map_or(0..0, |v| v.span());
            self.error(
                span,
                "sweep.points",
                "a Latin hypercube sweep needs `points`".into(),
                Some("add e.g. points = 50".into()),
            );
        }
        if !lhs && let Some(v) = t.get("points") {
            self.error(
                v.span(),
                "sweep.points",
                "`points` only applies to method = \"latin-hypercube\"".into(),
                Some("remove `points`, or add method = \"latin-hypercube\"".into()),
            );
        }
        points
    }

    /// One swept parameter's values, checked: known, a list, in range, a
    /// Latin hypercube's [min, max], a grid's without repeats.
    fn swept(
        &mut self,
        k: &toml::Spanned<std::borrow::Cow<'_, str>>,
        v: &toml::Spanned<DeValue<'_>>,
        specs: &'static [ParamSpec],
        lhs: bool,
    ) -> Option<(&'static str, Vec<f64>)> {
        let key = k.get_ref().as_ref();
        let path = join("sweep", key);
        let Some(spec) = specs.iter().find(|s| s.name == key) else {
            let help = did_you_mean(key, specs.iter().map(|s| s.name)).map_or_else(
                || "a sweep varies model parameters; see docs/model.md".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            self.error(
                k.span(),
                &path,
                format!("unknown parameter `{key}`"),
                Some(help),
            );
            return None;
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.type_error(
                v.span(),
                &path,
                "a list of values, e.g. [0.1, 0.5, 0.9]",
                v.get_ref(),
            );
            return None;
        };
        if items.is_empty() {
            self.error(
                v.span(),
                &path,
                "a sweep needs at least one value".into(),
                Some(format!(
                    "e.g. {key} = [{}, {}]",
                    fmt_num(spec.min),
                    fmt_num(spec.max)
                )),
            );
            return None;
        }
        let values: Vec<f64> = items
            .iter()
            .filter_map(|x| self.number(x, &path, spec))
            .collect();
        if values.len() != items.len() {
            return None;
        }
        if lhs && (values.len() != 2 || values[0] >= values[1]) {
            self.error(
                v.span(),
                &path,
                "a Latin hypercube needs each parameter as [min, max] with min < max".into(),
                Some(format!(
                    "e.g. {key} = [{}, {}]",
                    fmt_num(spec.min),
                    fmt_num(spec.max)
                )),
            );
            return None;
        }
        // Each grid value once: a repeat would make two variants with
        // one name (and -0 equals 0).
        if !lhs
            && let Some(dup) = values
                .iter()
                .enumerate()
                .find(|&(i, x)| values[..i].contains(x))
                .map(|(_, x)| *x)
        {
            self.error(
                v.span(),
                &path,
                format!("the value {} is listed twice", fmt_num(dup)),
                Some("list each value once".into()),
            );
            return None;
        }
        Some((spec.name, values))
    }

    fn events(&mut self, doc: &DeTable, model: ModelKind, steps: u32) -> Vec<EventSpec> {
        let mut out = Vec::new();
        let Some(v) = doc.get("event") else {
            return out;
        };
        if !model.takes_events() {
            self.error(
                v.span(),
                "event",
                format!("the {} model does not take events", model.name()),
                Some("remove the [[event]] sections".into()),
            );
            return out;
        }
        let DeValue::Array(items) = v.get_ref() else {
            self.type_error(
                v.span(),
                "event",
                "a list of [[event]] sections",
                v.get_ref(),
            );
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("event[{}]", i + 1);
            let DeValue::Table(t) = item.get_ref() else {
                self.type_error(item.span(), &path, "an [[event]] section", item.get_ref());
                continue;
            };
            if let Some(e) = self.event(t, item.span(), &path, steps) {
                out.push(e);
            }
        }
        out
    }

    fn event(
        &mut self,
        t: &DeTable,
        span: Range<usize>,
        path: &str,
        steps: u32,
    ) -> Option<EventSpec> {
        let kind = self.event_kind_name(t, &span, path)?;
        let mut allowed = vec!["kind", "at", "label", "duration", "rate", "variants"];
        allowed.extend(kind.keys());
        self.check_keys(t, &allowed, path, &format!("in a {} event", kind.name()));
        let at = self.event_at(t, &span, path, steps)?;
        let (duration, rate) = self.event_timing(t, path);
        if rate == 0.0
            && at == 0
            && !matches!(kind, EventKindName::Demand | EventKindName::Outage)
            && let Some(at_v) = t.get("at")
        {
            self.error(
                at_v.span(),
                &join(path, "at"),
                "a scheduled event at step 0 leaves no steps before it to compare with".into(),
                Some("use at = 1 or later".into()),
            );
        }
        let (ev_kind, label) = self.event_kind(kind, t, &span, path, duration)?;
        let label = self.string(t, "label", path).map_or(label, |l| l.0);
        let variants = self.event_variants(t, path);
        Some(EventSpec {
            label,
            variants,
            event: Event {
                kind: ev_kind,
                start: at,
                duration,
                rate,
            },
        })
    }

    /// An event's `kind`, reported when missing or unknown.
    fn event_kind_name(
        &mut self,
        t: &DeTable,
        span: &Range<usize>,
        path: &str,
    ) -> Option<EventKindName> {
        let Some((kind, kind_span)) = self.string(t, "kind", path) else {
            if !t.contains_key("kind") {
                self.error(
                    span.clone(),
                    &join(path, "kind"),
                    "this event has no `kind`".into(),
                    Some(format!(
                        "add: kind = \"...\" (one of {})",
                        EVENT_KINDS.join(", ")
                    )),
                );
            }
            return None;
        };
        let found = EventKindName::parse(&kind);
        if found.is_none() {
            let help = did_you_mean(&kind, EVENT_KINDS.iter().copied()).map_or_else(
                || format!("valid kinds: {}", EVENT_KINDS.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            self.error(
                kind_span,
                &join(path, "kind"),
                format!("unknown event kind `{kind}`"),
                Some(help),
            );
        }
        found
    }

    /// The step an event happens (`at`), before the run's last step.
    fn event_at(
        &mut self,
        t: &DeTable,
        span: &Range<usize>,
        path: &str,
        steps: u32,
    ) -> Option<u32> {
        let last = steps.saturating_sub(1) as f64;
        let Some(at_v) = t.get("at") else {
            self.error(
                span.clone(),
                &join(path, "at"),
                "this event has no `at` (the step it happens)".into(),
                Some(format!("add: at = <a step from 1 to {}>", fmt_num(last))),
            );
            return None;
        };
        let at = self.number(
            at_v,
            &join(path, "at"),
            &spec(
                "at",
                1.0,
                0.0,
                1_000_000.0,
                "step at which the event happens",
            ),
        );
        match at {
            Some(a) if a > last => {
                self.error(
                    at_v.span(),
                    &join(path, "at"),
                    format!(
                        "step {} is past the last step ({}): this event would never happen",
                        fmt_num(a),
                        fmt_num(last)
                    ),
                    Some(format!(
                        "use a step from 1 to {}, or raise `steps`",
                        fmt_num(last)
                    )),
                );
                None
            }
            Some(a) => Some(a as u32),
            None => None,
        }
    }

    /// An event's `duration` (0: a moment) and `rate` (0: scheduled once).
    fn event_timing(&mut self, t: &DeTable, path: &str) -> (u32, f64) {
        let duration = self
            .setting(
                t,
                "duration",
                path,
                spec("duration", 0.0, 0.0, 1_000_000.0, "steps the event lasts"),
            )
            .map_or(0, |d| d as u32);
        let rate = self
            .setting(
                t,
                "rate",
                path,
                fspec(
                    "rate",
                    0.0,
                    0.0,
                    1.0,
                    "chance per week of a random event (0: scheduled once at `at`)",
                ),
            )
            .unwrap_or(0.0);
        (duration, rate)
    }

    /// What an event of `kind` does, and its default label.
    fn event_kind(
        &mut self,
        kind: EventKindName,
        t: &DeTable,
        span: &Range<usize>,
        path: &str,
        duration: u32,
    ) -> Option<(EventKind, String)> {
        let share = || fspec("share", 1.0, 0.0, 1.0, "share of the targeted people");
        Some(match kind {
            EventKindName::Departure | EventKindName::Layoff => {
                let target = self.target(t, span.clone(), path, share())?;
                let what = target_words(&target);
                if kind == EventKindName::Departure {
                    let one = matches!(
                        target,
                        Target::Top
                            | Target::Post(_)
                            | Target::Member(_)
                            | Target::Seats { len: 1, .. }
                    );
                    let verb = if one { "leaves" } else { "leave" };
                    (EventKind::Departure(target), format!("{what} {verb}"))
                } else {
                    (EventKind::Layoff(target), format!("layoff: {what}"))
                }
            }
            EventKindName::Demand => {
                let factor = self.required(
                    t,
                    span.clone(),
                    path,
                    fspec("factor", 2.0, 0.0, 1000.0, "multiplier on task arrivals"),
                )?;
                if duration == 0 {
                    self.error(
                        span.clone(),
                        &join(path, "duration"),
                        "a demand event needs a duration of at least 1 step".into(),
                        Some("add e.g. duration = 10".into()),
                    );
                }
                (
                    EventKind::Demand { factor },
                    format!("demand ×{}", fmt_num(factor)),
                )
            }
            EventKindName::Turbulence => {
                let magnitude = self.required(
                    t,
                    span.clone(),
                    path,
                    fspec(
                        "magnitude",
                        0.3,
                        0.0,
                        1.0,
                        "share of every skill's value lost",
                    ),
                )?;
                (
                    EventKind::Turbulence { magnitude },
                    format!(
                        "market shift ({}% of skills obsolete)",
                        fmt_num((magnitude * 100.0).round())
                    ),
                )
            }
            EventKindName::Outage => {
                if duration == 0 {
                    self.error(
                        span.clone(),
                        &join(path, "duration"),
                        "an outage needs a duration of at least 1 step".into(),
                        Some("add e.g. duration = 4".into()),
                    );
                }
                (EventKind::Outage, "communication outage".to_string())
            }
        })
    }

    fn required(
        &mut self,
        t: &DeTable,
        span: Range<usize>,
        path: &str,
        spec: ParamSpec,
    ) -> Option<f64> {
        if !t.contains_key(spec.name) {
            self.error(
                span,
                &join(path, spec.name),
                format!("missing `{}`", spec.name),
                Some(format!(
                    "add: {} = <{}> ({})",
                    spec.name,
                    spec.range_text(),
                    spec.doc
                )),
            );
            return None;
        }
        self.setting(t, spec.name, path, spec)
    }

    fn target(
        &mut self,
        t: &DeTable,
        span: Range<usize>,
        path: &str,
        share_spec: ParamSpec,
    ) -> Option<Target> {
        let Some((target, tspan)) = self.string(t, "target", path) else {
            if !t.contains_key("target") {
                self.error(
                    span,
                    &join(path, "target"),
                    "missing `target` (who leaves)".into(),
                    Some(format!(
                        "add: target = \"...\" (one of {})",
                        TARGETS.join(", ")
                    )),
                );
            }
            return None;
        };
        let share = self.setting(t, "share", path, share_spec).unwrap_or(1.0);
        Some(match target.as_str() {
            "top" => Target::Top,
            "leaders" => {
                let level = self
                    .setting(
                        t,
                        "level",
                        path,
                        spec(
                            "level",
                            1.0,
                            1.0,
                            1000.0,
                            "level of the posts (1 = team leads)",
                        ),
                    )
                    .map(|l| l as u32);
                Target::Leaders { share, level }
            }
            "most-skilled" => Target::MostSkilled { share },
            "random" => Target::Random { share },
            "member" | "subtree" => {
                let Some((id, id_span)) = self.string(t, "id", path) else {
                    if !t.contains_key("id") {
                        self.error(
                            span,
                            &join(path, "id"),
                            format!("missing `id`: target \"{target}\" names a person by their org chart id"),
                            Some("add: id = \"<id as in the chart's id column>\"".into()),
                        );
                    }
                    return None;
                };
                if let Some(v) = t.get("share") {
                    self.error(
                        v.span(),
                        &join(path, "share"),
                        format!("`share` does not apply to target \"{target}\""),
                        Some("remove `share`".into()),
                    );
                }
                self.chart_targets
                    .push((id.clone(), id_span, path.to_string()));
                if target == "member" {
                    Target::Member(id)
                } else {
                    Target::Subtree(id)
                }
            }
            "post" => Target::Post(self.required(
                t,
                span,
                path,
                spec(
                    "post",
                    0.0,
                    0.0,
                    u32::MAX as f64 - 1.0,
                    "post index as in organization.csv",
                ),
            )? as u32),
            _ => {
                let help = did_you_mean(&target, TARGETS.iter().copied()).map_or_else(
                    || format!("valid targets: {}", TARGETS.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                self.error(
                    tspan,
                    &join(path, "target"),
                    format!("unknown target `{target}`"),
                    Some(help),
                );
                return None;
            }
        })
    }
}

fn target_words(t: &Target) -> String {
    let pct = |s: f64| format!("{}%", fmt_num((s * 100.0).round()));
    match t {
        Target::Top => "top leader".into(),
        Target::Leaders { share, level: None } => format!("{} of leaders", pct(*share)),
        Target::Leaders {
            share,
            level: Some(l),
        } => format!("{} of level-{l} leaders", pct(*share)),
        Target::MostSkilled { share } => format!("most skilled {}", pct(*share)),
        Target::Random { share } => format!("{} of members", pct(*share)),
        Target::Post(p) => format!("holder of post {p}"),
        Target::Member(id) => format!("person {id}"),
        Target::Subtree(id) => format!("{id} and everyone under them"),
        Target::Seats { len: 1, .. } => "1 person".into(),
        Target::Seats { len, .. } => format!("{len} people"),
    }
}

/// What a setting means, for a help line (the unit only when it has one).
fn spec_help(spec: &ParamSpec) -> String {
    if spec.unit.is_empty() {
        format!("{}: {}", spec.name, spec.doc.trim())
    } else {
        format!("{}: {} ({})", spec.name, spec.doc.trim(), spec.unit)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn describe(v: &DeValue) -> String {
    match v {
        DeValue::String(s) => format!("the text \"{s}\""),
        DeValue::Integer(i) => format!("the whole number {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("`{b}`"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

fn spec(name: &'static str, default: f64, min: f64, max: f64, doc: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        default,
        min,
        max,
        integer: true,
        unit: "",
        doc,
        // Run and event settings, not model quantities.
        group: crate::params::Group::Conditions,
        plausible: (min, max),
        source: "a setting of the run: valid range",
    }
}

fn fspec(name: &'static str, default: f64, min: f64, max: f64, doc: &'static str) -> ParamSpec {
    ParamSpec {
        integer: false,
        ..spec(name, default, min, max, doc)
    }
}

/// All combinations of the swept values, first parameter varying slowest.
/// No sweep gives one empty point.
/// A Latin hypercube of `n` points over the swept [min, max] ranges, in
/// place of them (integer parameters rounded). The design has its own
/// stream, apart from every replication's.
fn latin_hypercube_values(
    swept: &mut [(&'static str, Vec<f64>)],
    n: usize,
    specs: &[ParamSpec],
    seed: u64,
) {
    let mut rng = crate::rng::stream(seed, u64::MAX, 0);
    let ranges: Vec<(f64, f64)> = swept.iter().map(|(_, v)| (v[0], v[1])).collect();
    let design = crate::stats::design::latin_hypercube(n, &ranges, &mut rng);
    for (j, (name, values)) in swept.iter_mut().enumerate() {
        let integer = specs.iter().any(|s| s.name == *name && s.integer);
        *values = design
            .iter()
            .map(|p| if integer { p[j].round() } else { p[j] })
            .collect();
    }
}

fn cartesian(sweep: &[(&str, Vec<f64>)]) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::new()];
    for (_, values) in sweep {
        if points.len().saturating_mul(values.len()) > MAX_VARIANTS {
            return vec![Vec::new(); MAX_VARIANTS + 1];
        }
        points = points
            .iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    points
}

/// Parameters an org chart fixes: the headcount, the mean team size and
/// span (used for coordination links and reported), and the number of domains
/// when the chart has skill columns.
fn chart_values(
    chart: &crate::org::Chart,
    specs: &[ParamSpec],
    values: &mut [f64],
) -> Result<(), (&'static str, String)> {
    let sum = chart.summary();
    let mut set = |name: &str, x: f64| {
        if let Some(i) = specs.iter().position(|s| s.name == name) {
            values[i] = x.clamp(specs[i].min, specs[i].max);
        }
    };
    set("members", sum.people as f64);
    set("team_size", sum.mean_team.round());
    set("span", sum.mean_span.round());
    if !chart.domains.is_empty() {
        set("domains", chart.domains.len() as f64);
    }
    Ok(())
}

/// For the TOML parser's "duplicate key" error, the key's name and the line
/// where the same table set it first (the parser names neither).
fn duplicate_key(
    text: &str,
    message: &str,
    span: &Range<usize>,
) -> Option<(String, Option<usize>)> {
    if !message.contains("duplicate key") {
        return None;
    }
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let key_of = |line: &str| -> Option<String> {
        let (k, _) = line.split_once('=')?;
        let k = k.trim().trim_matches('"');
        (!k.is_empty() && !k.starts_with('#') && !k.starts_with('[')).then(|| k.to_string())
    };
    let this = text[line_start..].lines().next().unwrap_or("").trim();
    if this.starts_with('[') && !this.starts_with("[[") {
        // A table header repeated: `[defaults]` twice.
        let first = text[..line_start]
            .lines()
            .position(|l| l.trim() == this)
            .map(|i| i + 1);
        return Some((this.to_string(), first));
    }
    let key = key_of(this)?;
    // Walk back to the table header: an earlier line setting the same key.
    let before: Vec<&str> = text[..line_start].lines().collect();
    let first = before
        .iter()
        .enumerate()
        .rev()
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find(|(_, l)| key_of(l).as_deref() == Some(key.as_str()))
        .map(|(i, _)| i + 1);
    Some((key, first))
}
