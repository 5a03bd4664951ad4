//! Scenario files: what to run. Parsing and validation turn TOML text into a
//! [`Scenario`] with every default filled in, or into errors that name the
//! file, line, column and key, say what was expected and how to fix it.

mod error;
mod parse;
mod resolved;
mod stop;
mod template;

pub use error::{ScenarioError, ScenarioErrors};
pub use parse::{parse, parse_in};
pub use stop::{Cmp, Condition, Stop};
pub use template::template;

use std::sync::Arc;

use crate::model::ModelKind;
use crate::org;

/// A validated scenario. Variants are fully resolved (structure preset,
/// shared defaults, own overrides, sweep point), in run order.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub question: String,
    pub description: String,
    pub model: ModelKind,
    pub steps: u32,
    pub replications: u32,
    pub seed: u64,
    pub analysis: Analysis,
    pub variants: Vec<Variant>,
    pub events: Vec<EventSpec>,
    /// Swept parameters and their values (empty when there is no sweep).
    pub sweep: Vec<(String, Vec<f64>)>,
    /// Every variant's replication r uses the same random stream (common
    /// random numbers): differences between variants are then due to their
    /// parameters, not to chance. Used by sensitivity screening, and by a
    /// scenario's `common_random_numbers = true`.
    pub common_streams: bool,
    /// Time series keep every `record_every`-th step (steps 0, K, 2K, ...);
    /// per-run summaries still use every step. Set by `--record-every`.
    pub record_every: u32,
    /// Time series keep only the last step (`record = "final"`; a
    /// `--record-every` on the command line replaces it).
    pub record_final: bool,
    /// When a replication stops before its last step (`[stop]`).
    pub stop: Stop,
    /// Adaptive replications (`--target-ci`): variants get more than
    /// `replications`, up to the target's cap, until the target is met.
    pub target_ci: Option<crate::adaptive::TargetCi>,
}

/// How events' dips and recoveries are measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Analysis {
    /// Steps at the start left out of per-run totals, means and stability
    /// (the organization starts with empty queues).
    pub warmup: u32,
    /// Steps before an event averaged as its pre-event level.
    pub baseline: u32,
    /// Steps in the trailing moving average the recovery is judged on.
    pub smoothing: u32,
    /// Share of the pre-event level that counts as recovered; against a
    /// twin, a run is back when within `1 - threshold` of the twin's level.
    pub threshold: f64,
    /// Each replication of a variant with scheduled events also runs, per
    /// event, its counterfactual twin without that event (same random
    /// streams), and the event's effect is the run minus the twin.
    pub twins: bool,
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis {
            warmup: 20,
            baseline: 20,
            smoothing: 8,
            threshold: 0.95,
            twins: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: String,
    pub structure: String,
    /// Practice bundles the variant adds (`practices = [...]`), in file order;
    /// their values are already in `values`.
    pub practices: Vec<String>,
    /// Every parameter, in the order of the model's spec table.
    pub values: Vec<f64>,
    /// Values of the swept parameters at this point (same order as `Scenario::sweep`).
    pub sweep_point: Vec<f64>,
    /// The org chart the organization is built from (`org_chart`), if any.
    pub chart: Option<ChartRef>,
}

/// An imported org chart and the path it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartRef {
    /// The file, as resolved (relative paths against the scenario's folder).
    pub path: std::path::PathBuf,
    /// The chart as the model reads it ([`org::Chart::model_copy`]: no
    /// names): a results folder keeps a copy of these bytes.
    pub bytes: Arc<[u8]>,
    pub chart: Arc<org::Chart>,
}

/// An event as the user wrote it (for labels and the resolved file) and as
/// the model runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSpec {
    pub label: String,
    pub event: org::Event,
    /// The variants the event happens in (`variants = [...]`, by name);
    /// empty: every variant.
    pub variants: Vec<String>,
}

impl EventSpec {
    /// Short kind name used in files.
    pub fn kind_name(&self) -> &'static str {
        match self.event.kind {
            org::EventKind::Departure(_) => "departure",
            org::EventKind::Layoff(_) => "layoff",
            org::EventKind::Demand { .. } => "demand",
            org::EventKind::Turbulence { .. } => "turbulence",
            org::EventKind::Outage => "outage",
        }
    }

    /// Scheduled events get a dip and recovery analysis; random ones do not.
    pub fn is_scheduled(&self) -> bool {
        self.event.rate == 0.0
    }

    /// Whether the event happens in the variant named `variant`.
    pub fn applies_to(&self, variant: &str) -> bool {
        self.variants.is_empty() || self.variants.iter().any(|v| v == variant)
    }
}

impl Scenario {
    /// How many people each scheduled or random departure and layoff
    /// removes, in words, one line per such event: "removes 2 people in
    /// every variant" or per variant when they differ (read on each
    /// variant's fully staffed organization at the start, by the event's
    /// own rules; the first 50 variants). Empty for models without events.
    pub fn event_size_lines(&self) -> Vec<String> {
        if self.model != ModelKind::Org || self.events.is_empty() {
            return Vec::new();
        }
        // Every event, so index k is the scenario's event k; a variant an
        // event does not apply to is left out of its line.
        let events: Vec<org::Event> = self.events.iter().map(|e| e.event.clone()).collect();
        let sizes: Vec<(&str, Vec<Option<org::EventSize>>)> = self
            .variants
            .iter()
            .take(50)
            .map(|v| {
                let p = <org::OrgParams as crate::params::ParamSet>::from_values(&v.values);
                let st =
                    org::Structure::from_name(&v.structure).unwrap_or(org::Structure::Hierarchy);
                let rng = crate::rng::stream(self.seed, 0, 0);
                let o = match &v.chart {
                    Some(c) => org::Organization::from_chart(p, st, &c.chart, &events, rng),
                    None => org::Organization::new(p, st, &events, rng),
                };
                (v.name.as_str(), o.event_sizes())
            })
            .collect();
        let mut out = Vec::new();
        for (k, e) in self.events.iter().enumerate() {
            let per: Vec<(&str, org::EventSize)> = sizes
                .iter()
                .filter(|(n, _)| e.applies_to(n))
                .filter_map(|(n, s)| s.get(k).copied().flatten().map(|x| (*n, x)))
                .collect();
            let Some(&(_, first)) = per.first() else {
                continue;
            };
            let what = if per.iter().all(|&(_, x)| x == first) {
                format!("removes {} in every variant", first.words())
            } else {
                let each: Vec<String> = per
                    .iter()
                    .map(|(n, x)| format!("{n} {}", x.words()))
                    .collect();
                format!("removes (per variant): {}", each.join(", "))
            };
            let name = if e.label.is_empty() {
                e.kind_name().to_string()
            } else {
                format!("“{}”", e.label)
            };
            out.push(format!(
                "event {} {name} ({}): {what}",
                k + 1,
                e.kind_name()
            ));
        }
        out
    }

    /// Scheduled events, in file order: the ones the summary analyses.
    pub fn scheduled_events(&self) -> impl Iterator<Item = &EventSpec> {
        self.events.iter().filter(|e| e.is_scheduled())
    }

    /// The model's runtime events in `variant`; `without`: leave out that
    /// scheduled event (its index among [`Scenario::scheduled_events`]),
    /// for the event's counterfactual twin.
    pub fn model_events(&self, variant: usize, without: Option<usize>) -> Vec<org::Event> {
        let name = &self.variants[variant].name;
        let mut scheduled = 0;
        let mut out = Vec::new();
        for e in &self.events {
            let skip = e.is_scheduled() && {
                scheduled += 1;
                without == Some(scheduled - 1)
            };
            if !skip && e.applies_to(name) {
                out.push(e.event.clone());
            }
        }
        out
    }

    /// For each scheduled event, whether it happens in `variant`.
    pub fn scheduled_in(&self, variant: usize) -> Vec<bool> {
        let name = &self.variants[variant].name;
        self.scheduled_events()
            .map(|e| e.applies_to(name))
            .collect()
    }

    /// Most jobs the run can have (every variant at its cap when adaptive),
    /// for estimates.
    pub fn total_jobs(&self) -> u64 {
        self.variants.len() as u64 * u64::from(self.replication_slots())
    }

    /// The most replications any variant can have: `replications`, or the
    /// adaptive cap. Job indices are `variant × replication_slots + replication`.
    pub fn replication_slots(&self) -> u32 {
        self.target_ci.as_ref().map_or(self.replications, |t| {
            t.max_replications.max(self.replications)
        })
    }

    /// The scenario with every default filled in, as TOML. Org charts are
    /// named by their copies in the results folder (see
    /// [`Scenario::chart_copies`]), so the text does not depend on where the
    /// scenario was run from, and the resolved file runs again from the
    /// folder, wherever it is moved.
    pub fn resolved_toml(&self) -> String {
        resolved::write(self)
    }

    /// The org charts the variants are built from, each once, with the name
    /// of its copy in a results folder: `org_chart-<file stem>.csv`
    /// (`-2`, `-3`, ... when two charts have the same stem; a stem that
    /// already starts with `org_chart-`, a copy, keeps it), in the order the
    /// variants first use them.
    pub fn chart_copies(&self) -> Vec<(String, &ChartRef)> {
        let mut copies: Vec<(String, &ChartRef)> = Vec::new();
        for c in self.variants.iter().filter_map(|v| v.chart.as_ref()) {
            if copies.iter().any(|(_, x)| x.path == c.path) {
                continue;
            }
            let stem = c
                .path
                .file_stem()
                .map_or_else(|| "chart".into(), |s| s.to_string_lossy());
            let stem: String = stem
                .chars()
                .map(|ch| {
                    if ch.is_alphanumeric() || ch == '-' || ch == '_' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect();
            // A copy run again keeps its name: resolving is idempotent.
            let stem = stem.strip_prefix("org_chart-").unwrap_or(&stem);
            let mut name = format!("org_chart-{stem}.csv");
            let mut k = 2;
            while copies.iter().any(|(n, _)| *n == name) {
                name = format!("org_chart-{stem}-{k}.csv");
                k += 1;
            }
            copies.push((name, c));
        }
        copies
    }
}
