//! The interface between the engine and any simulation model, and the
//! registry of model kinds a scenario can name (`model = "..."`).

use crate::metric::Metric;
use crate::org;
use crate::params::{ParamSet, ParamSpec};
use crate::reference::{carley, march, miller};
use crate::rng::Stream;
use crate::stats::Better;

/// A simulation the engine can step. Implementations own all their state and
/// their random stream; `step` must not allocate.
pub trait Model: Send {
    /// Number of members simulated (for member-steps per second).
    fn members(&self) -> usize;
    /// Advances one step and writes one value per metric (in the order of
    /// [`ModelKind::metric_names`]) into `out`.
    fn step(&mut self, out: &mut [f64]);
    /// The model has reached an absorbing state: nothing can change any
    /// more, and from the next step on every step writes the same metrics.
    /// The engine then steps once more and holds that row to the last step,
    /// so the series is the one a full run gives. `false` (the default)
    /// when the model cannot tell.
    fn absorbed(&self) -> bool {
        false
    }
}

/// What a scenario's `model` key selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// The main organization model (hierarchy, leader-leader, peer).
    Org,
    /// Reference model: March (1991), exploration and exploitation.
    March1991,
    /// Reference model: Miller, Zhao & Calantone (2006), interpersonal learning.
    Miller2006,
    /// Reference model: Carley (1992), organizational learning and turnover.
    Carley1992,
}

impl ModelKind {
    pub const ALL: &'static [ModelKind] = &[
        ModelKind::Org,
        ModelKind::March1991,
        ModelKind::Miller2006,
        ModelKind::Carley1992,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Org => "organization",
            ModelKind::March1991 => "march1991",
            ModelKind::Miller2006 => "miller2006",
            ModelKind::Carley1992 => "carley1992",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == s)
    }

    pub fn specs(self) -> &'static [ParamSpec] {
        match self {
            ModelKind::Org => org::OrgParams::SPECS,
            ModelKind::March1991 => march::MarchParams::SPECS,
            ModelKind::Miller2006 => miller::MillerParams::SPECS,
            ModelKind::Carley1992 => carley::CarleyParams::SPECS,
        }
    }

    /// Values the `structure` key may take (empty: the key is not used).
    pub fn structures(self) -> &'static [&'static str] {
        match self {
            ModelKind::Org => org::Structure::NAMES,
            ModelKind::March1991 | ModelKind::Miller2006 => &[],
            ModelKind::Carley1992 => carley::STRUCTURES,
        }
    }

    /// Parameter values a structure sets before the variant's own overrides.
    pub fn preset(self, structure: &str) -> &'static [(&'static str, f64)] {
        match self {
            ModelKind::Org => org::Structure::from_name(structure).map_or(&[], |s| s.preset()),
            ModelKind::March1991 | ModelKind::Miller2006 => &[],
            ModelKind::Carley1992 => carley::preset(structure),
        }
    }

    /// Named practice bundles a variant can add (`practices = [...]`).
    pub fn practices(self) -> &'static [crate::params::PracticeBundle] {
        match self {
            ModelKind::Org => org::PRACTICES,
            _ => &[],
        }
    }

    pub fn metric_names(self) -> &'static [&'static str] {
        match self {
            ModelKind::Org => &org::METRICS,
            ModelKind::March1991 => march::METRICS,
            ModelKind::Miller2006 => miller::METRICS,
            ModelKind::Carley1992 => carley::METRICS,
        }
    }

    /// The registry of the metrics this model writes, in column order.
    pub fn metrics(self) -> &'static [Metric] {
        match self {
            ModelKind::Org => &org::metrics::REGISTRY,
            ModelKind::March1991 => &march::REGISTRY,
            ModelKind::Miller2006 => &miller::REGISTRY,
            ModelKind::Carley1992 => &carley::REGISTRY,
        }
    }

    /// The metric that events' dips and recoveries are measured on.
    pub fn primary_metric(self) -> usize {
        match self {
            ModelKind::Org => org::THROUGHPUT,
            ModelKind::March1991 => march::CODE_KNOWLEDGE,
            ModelKind::Miller2006 => miller::MEMBER_KNOWLEDGE,
            ModelKind::Carley1992 => carley::ACCURACY,
        }
    }

    /// The metrics an event's effect is measured on against its twin, with
    /// which direction is better (the other way is harm).
    pub fn effect_metrics(self) -> &'static [(usize, Better)] {
        match self {
            ModelKind::Org => {
                use org::metrics::{
                    BACKLOG, ENGAGEMENT, MEAN_SKILL, REGISTRY, THROUGHPUT, TURNOVER,
                };
                &[
                    (THROUGHPUT, REGISTRY[THROUGHPUT].better),
                    (BACKLOG, REGISTRY[BACKLOG].better),
                    (ENGAGEMENT, REGISTRY[ENGAGEMENT].better),
                    (TURNOVER, REGISTRY[TURNOVER].better),
                    (MEAN_SKILL, REGISTRY[MEAN_SKILL].better),
                ]
            }
            ModelKind::March1991 => &[(
                march::CODE_KNOWLEDGE,
                march::REGISTRY[march::CODE_KNOWLEDGE].better,
            )],
            ModelKind::Miller2006 => &[(
                miller::MEMBER_KNOWLEDGE,
                miller::REGISTRY[miller::MEMBER_KNOWLEDGE].better,
            )],
            ModelKind::Carley1992 => {
                &[(carley::ACCURACY, carley::REGISTRY[carley::ACCURACY].better)]
            }
        }
    }

    /// The effect metrics the printed table, the report and the charts
    /// lead with: the model's output and, for organizations, the work left
    /// waiting. With slack an organization catches up on its output after
    /// a departure, so the departure's cost shows as waiting (backlog ×
    /// weeks), not as lost output.
    pub fn headline_effects(self) -> &'static [usize] {
        match self {
            ModelKind::Org => &[org::metrics::THROUGHPUT, org::metrics::BACKLOG],
            ModelKind::March1991 => &[march::CODE_KNOWLEDGE],
            ModelKind::Miller2006 => &[miller::MEMBER_KNOWLEDGE],
            ModelKind::Carley1992 => &[carley::ACCURACY],
        }
    }

    /// Whether this model can report an absorbing state
    /// ([`Model::absorbed`]), so `[stop] when = "absorbed"` can stop it.
    pub fn can_absorb(self) -> bool {
        matches!(self, ModelKind::March1991)
    }

    /// Whether this model accepts `[[event]]` entries.
    pub fn takes_events(self) -> bool {
        matches!(self, ModelKind::Org)
    }

    /// Checks constraints between parameters; the error names the parameter.
    pub fn check(self, values: &[f64], _structure: &str) -> Result<(), (&'static str, String)> {
        match self {
            ModelKind::Org => org::OrgParams::from_values(values).check(),
            ModelKind::March1991 => march::MarchParams::from_values(values).check(),
            ModelKind::Miller2006 => miller::MillerParams::from_values(values).check(),
            ModelKind::Carley1992 => carley::CarleyParams::from_values(values).check(),
        }
    }

    /// Builds one replication (from an org chart, when the variant has one).
    pub fn build(
        self,
        values: &[f64],
        structure: &str,
        chart: Option<&org::Chart>,
        events: &[org::Event],
        rng: Stream,
    ) -> Box<dyn Model> {
        match self {
            ModelKind::Org => {
                let p = org::OrgParams::from_values(values);
                let s = org::Structure::from_name(structure).unwrap_or(org::Structure::Hierarchy);
                Box::new(match chart {
                    Some(c) => org::Organization::from_chart(p, s, c, events, rng),
                    None => org::Organization::new(p, s, events, rng),
                })
            }
            ModelKind::March1991 => Box::new(march::March::new(
                march::MarchParams::from_values(values),
                rng,
            )),
            ModelKind::Miller2006 => Box::new(miller::Miller::new(
                miller::MillerParams::from_values(values),
                rng,
            )),
            ModelKind::Carley1992 => Box::new(carley::Carley::new(
                carley::CarleyParams::from_values(values),
                rng,
            )),
        }
    }
}
