//! The metric registry: every per-step metric a model writes, declared once
//! with its label, unit, which direction is better and what it means. The
//! CSV writers (which variant is better in `comparison.csv`), the printed
//! table, the charts and the report read it, so a new metric or model has
//! its winner named without a `match` to edit.

use crate::model::ModelKind;
pub use crate::stats::Better;

/// One per-step metric of a model.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Column name in `timeseries.csv` (`mean_<name>` in `summary.csv`).
    pub name: &'static str,
    /// Human name for charts and the report.
    pub label: &'static str,
    /// Unit, as an axis says it.
    pub unit: &'static str,
    /// Which direction is desirable; `Neither` for descriptive metrics.
    pub better: Better,
    /// What it measures, in one sentence.
    pub meaning: &'static str,
}

impl Metric {
    pub const fn new(
        name: &'static str,
        label: &'static str,
        unit: &'static str,
        better: Better,
        meaning: &'static str,
    ) -> Self {
        Metric {
            name,
            label,
            unit,
            better,
            meaning,
        }
    }
}

/// The metrics' names in order, for a model's column list.
pub const fn names<const N: usize>(metrics: &[Metric; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = metrics[i].name;
        i += 1;
    }
    out
}

/// The metric of that name in any model (names mean the same in every
/// model that has them).
pub fn find(name: &str) -> Option<&'static Metric> {
    ModelKind::ALL
        .iter()
        .flat_map(|m| m.metrics())
        .find(|m| m.name == name)
}

/// Whether some model leads its event effects with this metric
/// ([`ModelKind::headline_effects`]); the report and charts read results
/// from files, so they ask by name.
pub fn is_headline_effect(name: &str) -> bool {
    ModelKind::ALL.iter().any(|&m| {
        m.headline_effects()
            .iter()
            .any(|&i| m.metrics()[i].name == name)
    })
}

/// The metrics as a Markdown table (name, label, unit, better, meaning),
/// as the docs show them.
pub fn markdown_table(metrics: &[Metric]) -> String {
    let mut out =
        String::from("| metric | label | unit | better | meaning |\n|---|---|---|---|---|\n");
    for m in metrics {
        let better = match m.better {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neither => "neither",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {better} | {} |\n",
            m.name, m.label, m.unit, m.meaning
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_declares_each_column_once_with_a_label() {
        for kind in ModelKind::ALL {
            let ms = kind.metrics();
            assert_eq!(ms.len(), kind.metric_names().len(), "{}", kind.name());
            for (m, &n) in ms.iter().zip(kind.metric_names()) {
                assert_eq!(m.name, n);
                assert!(!m.label.is_empty() && !m.unit.is_empty() && !m.meaning.is_empty());
            }
            for (i, m) in ms.iter().enumerate() {
                assert!(ms[..i].iter().all(|o| o.name != m.name), "{} twice", m.name);
            }
        }
    }

    #[test]
    fn a_name_means_the_same_in_every_model() {
        for a in ModelKind::ALL.iter().flat_map(|k| k.metrics()) {
            let b = find(a.name).unwrap();
            assert_eq!((a.label, a.better), (b.label, b.better), "{}", a.name);
        }
    }
}
