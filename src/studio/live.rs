//! One live run of the studio: every variant × replication of a scenario,
//! stepped together, with per-step statistics across replications.
//!
//! A live run is always a plain run of a [`Scenario`] from week 0: the
//! models are built by [`engine::build_model`], so each replication has the
//! random stream `orgsim run` gives it, and the statistics are Welford's over
//! replications in replication order, as in `aggregate.csv`. A slider moved
//! or an event fired "now" changes the scenario (a parameter of a variant,
//! an event at the current week) and the changed variants are built again
//! and replayed up to the current week. So what the page shows is always
//! what `orgsim run` gives for the scenario the studio saves.

use crate::engine;
use crate::model::Model;
use crate::org::{Event, EventKind, Target};
use crate::params::{ParamSpec, fmt_num};
use crate::scenario::{EventSpec, Scenario};
use crate::stats::OnlineStats;

/// Most members × replications × variants a live run may simulate at once:
/// about 1 GiB of organization state, and a step of it takes about a tenth
/// of a second on two cores.
pub const MEMBER_BUDGET: f64 = 4_000_000.0;
/// Most replications per variant.
pub const MAX_REPLICATIONS: u32 = 200;
/// Most weeks a live run may be taken to.
pub const MAX_HORIZON: u32 = 100_000;

/// Per-step statistics of one variant: mean and half-width of the 95%
/// interval of the mean (NaN with one replication), `steps × metrics`.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub mean: Vec<f64>,
    pub half: Vec<f64>,
}

/// A variant's replications and how far they have been stepped.
struct Runs {
    models: Vec<Box<dyn Model>>,
    done: u32,
    history: History,
    /// One replication's rows for the steps of one advance (reused).
    rows: Vec<Vec<f64>>,
}

/// An event the page can fire at the current week.
#[derive(Clone, Debug, PartialEq)]
pub enum Fire {
    TopLeaves,
    LeadersLeave { share: f64 },
    Demand { factor: f64, duration: u32 },
    Turbulence { magnitude: f64 },
    Outage { duration: u32 },
}

impl Fire {
    /// The scenario event this fires at week `at` (its label as a scenario
    /// file would give it).
    pub fn event(&self, at: u32) -> EventSpec {
        let (kind, duration, label) = match *self {
            Fire::TopLeaves => (
                EventKind::Departure(Target::Top),
                0,
                "top leader leaves".to_string(),
            ),
            Fire::LeadersLeave { share } => (
                EventKind::Departure(Target::Leaders { share, level: None }),
                0,
                format!("{}% of leaders leave", fmt_num((share * 100.0).round())),
            ),
            Fire::Demand { factor, duration } => (
                EventKind::Demand { factor },
                duration,
                format!("demand ×{}", fmt_num(factor)),
            ),
            Fire::Turbulence { magnitude } => (
                EventKind::Turbulence { magnitude },
                0,
                format!(
                    "market shift ({}% of skills obsolete)",
                    fmt_num((magnitude * 100.0).round())
                ),
            ),
            Fire::Outage { duration } => (EventKind::Outage, duration, "outage".to_string()),
        };
        EventSpec {
            label: format!("{label} (studio, week {at})"),
            event: Event {
                kind,
                start: at,
                duration,
                rate: 0.0,
            },
            variants: Vec::new(),
        }
    }
}

/// The live run.
pub struct Live {
    /// The scenario as loaded: `reset` goes back to its events.
    loaded_events: Vec<EventSpec>,
    /// The scenario as it stands: edited values, fired events, replications.
    pub scenario: Scenario,
    runs: Vec<Runs>,
    /// Weeks shown: every variant is stepped this far once caught up.
    week: u32,
}

impl Live {
    /// A live run of `scenario` with `replications` per variant, at week 0.
    pub fn new(mut scenario: Scenario, replications: u32) -> Self {
        scenario.replications = replications;
        scenario.record_every = 1;
        scenario.target_ci = None;
        let runs = (0..scenario.variants.len())
            .map(|_| Runs {
                models: Vec::new(),
                done: 0,
                history: History::default(),
                rows: Vec::new(),
            })
            .collect();
        let mut live = Live {
            loaded_events: scenario.events.clone(),
            scenario,
            runs,
            week: 0,
        };
        for v in 0..live.runs.len() {
            live.rebuild(v);
        }
        live
    }

    pub fn week(&self) -> u32 {
        self.week
    }

    pub fn metrics(&self) -> usize {
        self.scenario.model.metric_names().len()
    }

    pub fn history(&self, variant: usize) -> &History {
        &self.runs[variant].history
    }

    /// Builds a variant's replications afresh at week 0; [`Live::catch_up`]
    /// then replays them to the current week.
    fn rebuild(&mut self, v: usize) {
        let s = &self.scenario;
        let events = s.model_events(v, None);
        let r = &mut self.runs[v];
        r.models = (0..s.replications)
            .map(|rep| engine::build_model(s, v, rep, &events))
            .collect();
        r.done = 0;
        r.history = History::default();
    }

    /// Whether every variant has been stepped to the current week.
    pub fn caught_up(&self) -> bool {
        self.runs.iter().all(|r| r.done == self.week)
    }

    /// Steps the variants that are behind by up to `chunk` weeks each (a
    /// replay after a change); returns whether all are now caught up.
    pub fn catch_up(&mut self, pool: &rayon::ThreadPool, chunk: u32) -> bool {
        let week = self.week;
        let k = self.metrics();
        let behind: Vec<(usize, u32)> = self
            .runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.done < week)
            .map(|(v, r)| (v, chunk.min(week - r.done)))
            .collect();
        step_variants(pool, &mut self.runs, &behind, k);
        self.caught_up()
    }

    /// Steps every variant `n` weeks further (all must be caught up).
    /// Returns the first week stepped.
    pub fn advance(&mut self, pool: &rayon::ThreadPool, n: u32) -> u32 {
        debug_assert!(self.caught_up());
        let from = self.week;
        let k = self.metrics();
        let all: Vec<(usize, u32)> = (0..self.runs.len()).map(|v| (v, n)).collect();
        step_variants(pool, &mut self.runs, &all, k);
        self.week += n;
        from
    }

    /// Sets a parameter of one variant (or of all with `None`), checked
    /// against its range and the model's constraints; the variants it
    /// changes are replayed from week 0. Returns how many changed.
    pub fn set(&mut self, name: &str, value: f64, variant: Option<usize>) -> Result<usize, String> {
        let s = &self.scenario;
        let specs = s.model.specs();
        let Some(i) = specs.iter().position(|p| p.name == name) else {
            let hint = crate::params::did_you_mean(name, specs.iter().map(|p| p.name))
                .map_or(String::new(), |m| format!(" (did you mean `{m}`?)"));
            return Err(format!(
                "unknown parameter `{name}`{hint}: a parameter of the {} model is expected",
                s.model.name()
            ));
        };
        let spec = &specs[i];
        spec.check(value)
            .map_err(|e| format!("parameter `{name}` ({}): {e}", spec.unit))?;
        let targets: Vec<usize> = match variant {
            Some(v) if v < s.variants.len() => vec![v],
            Some(v) => {
                return Err(format!(
                    "variant {v} does not exist: expected 0 ..= {}",
                    s.variants.len() - 1
                ));
            }
            None => (0..s.variants.len()).collect(),
        };
        // Check every target first, so a refusal changes nothing.
        for &v in &targets {
            let mut values = s.variants[v].values.clone();
            values[i] = value;
            s.model
                .check(&values, &s.variants[v].structure)
                .map_err(|(p, e)| {
                    format!("parameter `{p}` in variant \"{}\": {e}", s.variants[v].name)
                })?;
            let members = member_load(s, &values, v);
            if members > MEMBER_BUDGET {
                return Err(budget_message(name, value, members));
            }
        }
        let mut changed = 0;
        for v in targets {
            if self.scenario.variants[v].values[i] != value {
                self.scenario.variants[v].values[i] = value;
                self.rebuild(v);
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// Fires an event at the current week, in one variant or in all
    /// (`None`): the variants it happens in are replayed with it.
    pub fn fire(&mut self, what: &Fire, variant: Option<usize>) -> Result<(), String> {
        let needs_before = !matches!(what, Fire::Demand { .. } | Fire::Outage { .. });
        if self.week == 0 && needs_before {
            return Err(
                "an event at week 0 leaves no weeks before it to compare with: step or play first"
                    .into(),
            );
        }
        let mut event = what.event(self.week);
        let targets: Vec<usize> = match variant {
            None => (0..self.runs.len()).collect(),
            Some(v) => {
                let Some(x) = self.scenario.variants.get(v) else {
                    return Err(format!(
                        "variant {v} does not exist: expected 0 ..= {}",
                        self.runs.len() - 1
                    ));
                };
                event.variants = vec![x.name.clone()];
                event.label =
                    event
                        .label
                        .replacen(" (studio", &format!(" in {} (studio", x.name), 1);
                vec![v]
            }
        };
        self.scenario.events.push(event);
        for v in targets {
            self.rebuild(v);
        }
        Ok(())
    }

    /// Back to week 0 with the current values and the scenario's own events.
    pub fn reset(&mut self) {
        self.scenario.events = self.loaded_events.clone();
        self.week = 0;
        for v in 0..self.runs.len() {
            self.rebuild(v);
        }
    }

    /// Sets the replications per variant; every variant is replayed.
    pub fn set_replications(&mut self, n: u32) -> Result<(), String> {
        if !(1..=MAX_REPLICATIONS).contains(&n) {
            return Err(format!(
                "replications: {n} is out of range: expected 1 ..= {MAX_REPLICATIONS}"
            ));
        }
        let old = self.scenario.replications;
        self.scenario.replications = n;
        let worst = (0..self.scenario.variants.len())
            .map(|v| member_load(&self.scenario, &self.scenario.variants[v].values, v))
            .fold(0.0, f64::max);
        if worst > MEMBER_BUDGET {
            self.scenario.replications = old;
            return Err(budget_message("replications", f64::from(n), worst));
        }
        for v in 0..self.runs.len() {
            self.rebuild(v);
        }
        Ok(())
    }

    /// The scenario as a file that `orgsim run` turns into the numbers
    /// shown: the current values, events and replications, the weeks shown
    /// (at least to the last event).
    pub fn scenario_toml(&self) -> String {
        format!(
            "# Saved by orgsim studio at week {}: `orgsim run` on this file gives the\n\
             # numbers the studio showed (same seed, same events at the same weeks).\n{}",
            self.week,
            self.resolved_to(self.week)
        )
    }

    /// The scenario "Run in full" runs: the current values, events and
    /// replications, to week `horizon` (at least to the last event).
    pub fn scenario_toml_to(&self, horizon: u32) -> String {
        format!(
            "# Run in full by orgsim studio: the page's settings and events, to week {}.\n{}",
            horizon,
            self.resolved_to(horizon)
        )
    }

    /// The resolved scenario, `weeks` long (at least to the last event).
    fn resolved_to(&self, weeks: u32) -> String {
        let mut s = self.scenario.clone();
        let last_event = s
            .events
            .iter()
            .map(|e| e.event.start + 1)
            .max()
            .unwrap_or(1);
        s.steps = weeks.max(last_event).max(1);
        let mut text = s.resolved_toml();
        // The resolved file names org charts by their copy in a results
        // folder; a saved scenario stands alone, so it names the files read.
        for (copy, c) in s.chart_copies() {
            let path = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
            let quoted = |x: &str| toml::Value::String(x.to_string()).to_string();
            text = text.replace(
                &format!("org_chart = {}", quoted(&copy)),
                &format!("org_chart = {}", quoted(&path.display().to_string())),
            );
        }
        text
    }
}

/// Members simulated at once if variant `v` had `values` (every variant's
/// members × replications).
fn member_load(s: &Scenario, values: &[f64], v: usize) -> f64 {
    let Some(m) = s.model.specs().iter().position(|p| p.name == "members") else {
        return 0.0;
    };
    let reps = f64::from(s.replications);
    s.variants
        .iter()
        .enumerate()
        .map(|(i, x)| if i == v { values[m] } else { x.values[m] } * reps)
        .sum()
}

fn budget_message(name: &str, value: f64, load: f64) -> String {
    format!(
        "{name} = {}: the live run would simulate {} members at once (members × replications × variants), \
         more than the studio's {} : lower members or replications, or use `orgsim run`",
        fmt_num(value),
        fmt_num(load),
        fmt_num(MEMBER_BUDGET)
    )
}

/// Steps the listed variants (variant, weeks) in parallel on `pool`, one
/// task per replication, and appends their statistics.
fn step_variants(pool: &rayon::ThreadPool, runs: &mut [Runs], which: &[(usize, u32)], k: usize) {
    use rayon::prelude::*;
    let mut tasks: Vec<(&mut Box<dyn Model>, &mut Vec<f64>, u32)> = Vec::new();
    for (v, r) in runs.iter_mut().enumerate() {
        let Some(&(_, n)) = which.iter().find(|(w, _)| *w == v) else {
            continue;
        };
        r.rows.resize_with(r.models.len(), Vec::new);
        for (m, rows) in r.models.iter_mut().zip(r.rows.iter_mut()) {
            rows.clear();
            rows.resize(n as usize * k, 0.0);
            tasks.push((m, rows, n));
        }
    }
    pool.install(|| {
        tasks.par_iter_mut().for_each(|(m, rows, _)| {
            for row in rows.chunks_exact_mut(k) {
                m.step(row);
            }
        });
    });
    drop(tasks);
    for &(v, n) in which {
        let r = &mut runs[v];
        append_stats(&mut r.history, &r.rows, n as usize, k);
        r.done += n;
    }
}

/// Appends `n` steps' statistics across replications (in replication
/// order, as `aggregate.csv` computes them).
fn append_stats(h: &mut History, rows: &[Vec<f64>], n: usize, k: usize) {
    for i in 0..n * k {
        let mut st = OnlineStats::new();
        for rep in rows {
            st.push(rep[i]);
        }
        h.mean.push(st.mean());
        h.half.push(st.ci95_half_width());
    }
}

/// Slider bounds of a parameter: its plausible range from the parameter
/// table (the page widens a slider to a value set outside it; the server
/// accepts the whole valid range).
pub fn slider_range(spec: &ParamSpec) -> (f64, f64) {
    spec.plausible
}
