//! A table-driven registry of model parameters.
//!
//! Every model (the main organization model and the reference models) declares
//! its parameters once with [`define_params!`]. The one declaration yields the
//! typed struct the model reads, and a [`ParamSpec`] table that the scenario
//! parser validates against, that sweeps set by name, that the resolved
//! scenario is written from and that `docs/model.md` documents.

/// What a parameter describes, so that a result can be traced to the
/// organization's structure, to how it is managed, to the world it works in,
/// or to how people behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Who holds which decision rights and posts: levels, spans, full-time
    /// posts or part-time roles, delegation, escalation, lateral links, consensus.
    Structure,
    /// How people are managed, whatever the structure: coaching, mentoring,
    /// recognition, rewards, promotion criteria, succession planning.
    Practice,
    /// The world the organization works in: size, demand, tasks, labour market.
    Conditions,
    /// How people respond: learning, engagement, effort, competition, leaving.
    Behaviour,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Structure,
        Group::Practice,
        Group::Conditions,
        Group::Behaviour,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Structure => "structure",
            Group::Practice => "practice",
            Group::Conditions => "conditions",
            Group::Behaviour => "behaviour",
        }
    }
}

/// One parameter: its name, default, valid closed range and meaning, what it
/// describes, and the range of values real organizations plausibly have.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only (counts, sizes, steps).
    pub integer: bool,
    pub unit: &'static str,
    pub doc: &'static str,
    pub group: Group,
    /// Plausible closed range (inside the valid one): what sensitivity
    /// analyses and condition designs should span.
    pub plausible: (f64, f64),
    /// Where the plausible range comes from (or that nothing better than the
    /// valid range, or a stated assumption, is known).
    pub source: &'static str,
}

impl ParamSpec {
    /// Checks a value against the range; the error says what was expected.
    pub fn check(&self, v: f64) -> Result<(), String> {
        if !v.is_finite() {
            return Err(format!("expected a finite number in {}", self.range_text()));
        }
        if self.integer && v.fract() != 0.0 {
            return Err(format!("expected a whole number in {}", self.range_text()));
        }
        if v < self.min || v > self.max {
            return Err(format!(
                "{} is out of range: expected {}",
                fmt_num(v),
                self.range_text()
            ));
        }
        Ok(())
    }

    pub fn range_text(&self) -> String {
        format!("{} ..= {}", fmt_num(self.min), fmt_num(self.max))
    }

    pub fn plausible_text(&self) -> String {
        format!(
            "{} ..= {}",
            fmt_num(self.plausible.0),
            fmt_num(self.plausible.1)
        )
    }
}

/// The parameter table as Markdown (`orgsim params --markdown`, and the table
/// in docs/model.md).
pub fn markdown_table(specs: &[ParamSpec]) -> String {
    let mut s = String::from(
        "| parameter | group | default | range | plausible | unit | meaning | plausible range from |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for p in specs {
        s += &format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            p.name,
            p.group.name(),
            fmt_num(p.default),
            p.range_text(),
            p.plausible_text(),
            p.unit,
            p.doc.trim(),
            p.source
        );
    }
    s
}

/// A named bundle of practice values a variant adds with `practices = [...]`.
#[derive(Debug)]
pub struct PracticeBundle {
    pub name: &'static str,
    /// What the bundle stands for, in the user's words.
    pub meaning: &'static str,
    /// The practice parameters it sets.
    pub sets: &'static [(&'static str, f64)],
}

impl PracticeBundle {
    /// What it sets, as `key = value` pairs joined by commas, each pair
    /// wrapped in `quote` (for markdown, a backtick).
    pub fn sets_text(&self, quote: &str) -> String {
        let pairs: Vec<String> = self
            .sets
            .iter()
            .map(|(k, v)| format!("{quote}{k} = {}{quote}", fmt_num(*v)))
            .collect();
        pairs.join(", ")
    }
}

/// The practice bundles as a markdown table (`orgsim params --markdown`
/// prints it after the parameters; docs/model.md carries it verbatim).
pub fn practices_markdown(bundles: &[PracticeBundle]) -> String {
    let mut s = String::from("| bundle | what it stands for | sets |\n|---|---|---|\n");
    for b in bundles {
        s += &format!(
            "| `{}` | {} | {} |
",
            b.name,
            b.meaning,
            b.sets_text("`")
        );
    }
    s
}

/// Formats a number the way a user would type it (no trailing `.0` on integers).
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.is_finite() && (v.abs() < 1e-5 || v.abs() >= 1e15) {
        // Plain notation would run to hundreds of digits (and make sweep
        // variant names unusable); this is still valid TOML and exact.
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Types a parameter may have.
pub trait ParamValue: Copy {
    const INTEGER: bool;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl ParamValue for f64 {
    const INTEGER: bool = false;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl ParamValue for u32 {
    const INTEGER: bool = true;
    fn from_f64(v: f64) -> Self {
        v as u32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl ParamValue for usize {
    const INTEGER: bool = true;
    fn from_f64(v: f64) -> Self {
        v as usize
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// A parameter set: typed struct plus its spec table. Implemented by
/// [`define_params!`].
pub trait ParamSet: Clone + Default + Send + Sync {
    const SPECS: &'static [ParamSpec];
    fn get(&self, name: &str) -> Option<f64>;
    /// Sets a parameter by name; `false` if no such name.
    fn set(&mut self, name: &str, v: f64) -> bool;

    /// All values in the order of [`ParamSet::SPECS`].
    fn values(&self) -> Vec<f64> {
        Self::SPECS
            .iter()
            .map(|s| self.get(s.name).unwrap_or(s.default))
            .collect()
    }

    /// Builds from values in the order of [`ParamSet::SPECS`].
    fn from_values(values: &[f64]) -> Self {
        let mut p = Self::default();
        for (s, v) in Self::SPECS.iter().zip(values) {
            p.set(s.name, *v);
        }
        p
    }
}

/// Declares a parameter struct and its spec table.
///
/// ```ignore
/// define_params! {
///     pub struct MyParams {
///         /// Number of members.
///         members: usize = 60, [1, 1_000_000], "people",
///             Conditions, [20, 500], "where the plausible range comes from";
///     }
/// }
/// ```
///
/// Each parameter gives its default, valid range, unit, [`Group`] and a
/// plausible range with its source.
#[macro_export]
macro_rules! define_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $default:expr, [$min:expr, $max:expr], $unit:literal,
                    $group:ident, [$plo:expr, $phi:expr], $source:literal;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $( $(#[doc = $doc])+ pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: <$ty as $crate::params::ParamValue>::from_f64($default as f64), )* }
            }
        }

        impl $crate::params::ParamSet for $name {
            const SPECS: &'static [$crate::params::ParamSpec] = &[
                $( $crate::params::ParamSpec {
                    name: stringify!($field),
                    default: $default as f64,
                    min: $min as f64,
                    max: $max as f64,
                    integer: <$ty as $crate::params::ParamValue>::INTEGER,
                    unit: $unit,
                    doc: concat!($($doc),+),
                    group: $crate::params::Group::$group,
                    plausible: ($plo as f64, $phi as f64),
                    source: $source,
                }, )*
            ];

            fn get(&self, name: &str) -> Option<f64> {
                match name {
                    $( stringify!($field) => Some($crate::params::ParamValue::to_f64(self.$field)), )*
                    _ => None,
                }
            }

            fn set(&mut self, name: &str, v: f64) -> bool {
                match name {
                    $( stringify!($field) => {
                        self.$field = <$ty as $crate::params::ParamValue>::from_f64(v);
                        true
                    } )*
                    _ => false,
                }
            }
        }
    };
}

/// Edit distance for did-you-mean suggestions.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
