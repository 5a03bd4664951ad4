//! Stop conditions (`[stop]`): when a replication ends before its last
//! step. The scenario's `steps` stays the step limit: a replication nothing
//! stops runs to it ("completed").

use crate::params::{ParamSpec, fmt_num};

/// When a replication stops before its last step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stop {
    /// Stop once the model reports an absorbing state (`when =
    /// "absorbed"`): the run's last row is held to the last step.
    pub absorbed: bool,
    /// Collapse conditions (`collapse = [...]`), in file order: the
    /// replication ends at the first step one of them holds.
    pub collapse: Vec<Condition>,
}

impl Stop {
    /// A `[stop]` section says anything.
    pub fn is_set(&self) -> bool {
        self.absorbed || !self.collapse.is_empty()
    }
}

/// How a condition compares a metric with its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Less,
    LessEq,
    Greater,
    GreaterEq,
}

impl Cmp {
    const ALL: [(&'static str, Cmp); 4] = [
        ("<=", Cmp::LessEq),
        (">=", Cmp::GreaterEq),
        ("<", Cmp::Less),
        (">", Cmp::Greater),
    ];

    pub fn holds(self, x: f64, threshold: f64) -> bool {
        match self {
            Cmp::Less => x < threshold,
            Cmp::LessEq => x <= threshold,
            Cmp::Greater => x > threshold,
            Cmp::GreaterEq => x >= threshold,
        }
    }
}

/// `METRIC OP NUMBER`, `METRIC OP NUMBER * PARAMETER` or `METRIC OP
/// PARAMETER`, e.g. `headcount < 0.5 * members`, `backlog > 500`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// As written (trimmed), for files and messages.
    pub text: String,
    /// Index of the metric in the model's metrics.
    pub metric: usize,
    pub cmp: Cmp,
    pub number: f64,
    /// A model parameter the number multiplies (index in its spec table):
    /// the threshold is then per variant.
    pub times: Option<usize>,
}

impl Condition {
    /// Reads a condition; the error says what is wrong and how to write it.
    pub fn parse(
        text: &str,
        metrics: &[&str],
        specs: &[ParamSpec],
    ) -> Result<Condition, (String, String)> {
        let shape = "write METRIC OP NUMBER, METRIC OP NUMBER * PARAMETER or METRIC OP PARAMETER (OP one of <, <=, >, >=), e.g. \"headcount < 0.5 * members\"";
        let text = text.trim();
        let Some((at, op, cmp)) = Cmp::ALL
            .iter()
            .filter_map(|&(op, cmp)| text.find(op).map(|at| (at, op, cmp)))
            .min_by_key(|&(at, op, _)| (at, std::cmp::Reverse(op.len())))
        else {
            return Err((format!("`{text}` has no comparison"), shape.into()));
        };
        let name = text[..at].trim();
        let rhs = text[at + op.len()..].trim();
        let Some(metric) = metrics.iter().position(|m| *m == name) else {
            let help = crate::params::did_you_mean(name, metrics.iter().copied()).map_or_else(
                || format!("the model's metrics: {}", metrics.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            return Err((format!("`{name}` is not a metric of this model"), help));
        };
        let param = |p: &str| specs.iter().position(|s| s.name == p);
        let (number, times) = match rhs.split_once('*') {
            Some((n, p)) => (n.trim().parse::<f64>().ok(), Some(p.trim())),
            None => match rhs.parse::<f64>() {
                Ok(n) => (Some(n), None),
                Err(_) => (Some(1.0), Some(rhs)),
            },
        };
        let Some(number) = number.filter(|n| n.is_finite()) else {
            return Err((
                format!("`{rhs}` is not a number or a number times a parameter"),
                shape.into(),
            ));
        };
        let times = match times {
            None => None,
            Some(p) => match param(p) {
                Some(i) => Some(i),
                None => {
                    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                    let help = crate::params::did_you_mean(p, names.iter().copied())
                        .map_or_else(|| shape.to_string(), |s| format!("did you mean `{s}`?"));
                    return Err((
                        format!("`{p}` is neither a number nor a parameter of this model"),
                        help,
                    ));
                }
            },
        };
        Ok(Condition {
            text: format!(
                "{name} {op} {}",
                match times {
                    Some(i) if number == 1.0 => specs[i].name.to_string(),
                    Some(i) => format!("{} * {}", fmt_num(number), specs[i].name),
                    None => fmt_num(number),
                }
            ),
            metric,
            cmp,
            number,
            times,
        })
    }

    /// The threshold for a variant with parameter values `values`.
    pub fn threshold(&self, values: &[f64]) -> f64 {
        self.number * self.times.map_or(1.0, |i| values[i])
    }
}
