//! The `[stop]` section and the `record` key (a child of `parse`, so it
//! reads its document walker).

use toml::de::{DeTable, DeValue};

use super::{Cx, join};
use crate::model::ModelKind;
use crate::scenario::{Condition, EventSpec, Stop};

const STOP_KEYS: &[&str] = &["when", "collapse"];
const WHEN: &[&str] = &["absorbed"];
const RECORD: &[&str] = &["all", "final"];

impl Cx<'_> {
    /// `[stop]`: `when = "absorbed"` and `collapse = ["METRIC OP ...", ...]`.
    pub(super) fn stop(&mut self, doc: &DeTable, model: ModelKind, events: &[EventSpec]) -> Stop {
        let mut stop = Stop::default();
        let Some(t) = self.table(doc, "stop", "") else {
            return stop;
        };
        self.check_keys(t, STOP_KEYS, "stop", "in [stop]");
        if let Some((w, span)) = self.string(t, "when", "stop") {
            if !WHEN.contains(&w.as_str()) {
                self.error(
                    span,
                    "stop.when",
                    format!("unknown stop `{w}`"),
                    Some(format!("valid values: {}", WHEN.join(", "))),
                );
            } else if !model.can_absorb() {
                self.error(
                    span,
                    "stop.when",
                    format!(
                        "model `{}` never reports an absorbing state, so `when = \"absorbed\"` would never stop a run",
                        model.name()
                    ),
                    Some(
                        "remove the key; March (1991) without turnover or turbulence reports one"
                            .into(),
                    ),
                );
            } else {
                stop.absorbed = true;
            }
        }
        stop.collapse = self.collapse(t, model);
        let twins = self.analysis_twins(doc) && events.iter().any(|e| e.is_scheduled());
        if twins && let Some(v) = t.get("collapse").filter(|_| !stop.collapse.is_empty()) {
            self.error(
                v.span(),
                "stop.collapse",
                "collapse conditions cannot be combined with counterfactual twins yet: a run and its twin could end at different steps".into(),
                Some("set twins = false under [analysis] (events then get their dip and recovery), or remove the conditions".into()),
            );
        }
        stop
    }

    /// Whether `[analysis] twins` is on (its default) in the document.
    fn analysis_twins(&self, doc: &DeTable) -> bool {
        let twins = match doc.get("analysis").map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => t.get("twins").map(|v| v.get_ref().clone()),
            _ => None,
        };
        !matches!(twins, Some(DeValue::Boolean(false)))
    }

    /// `collapse = [...]`: each string a [`Condition`].
    fn collapse(&mut self, t: &DeTable, model: ModelKind) -> Vec<Condition> {
        let Some(v) = t.get("collapse") else {
            return Vec::new();
        };
        let key = join("stop", "collapse");
        let DeValue::Array(items) = v.get_ref() else {
            self.type_error(
                v.span(),
                &key,
                "a list of conditions such as [\"headcount < 0.5 * members\"]",
                v.get_ref(),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let DeValue::String(text) = item.get_ref() else {
                self.type_error(item.span(), &key, "a condition in quotes", item.get_ref());
                continue;
            };
            match Condition::parse(text, model.metric_names(), model.specs()) {
                Ok(c) => out.push(c),
                Err((message, help)) => self.error(item.span(), &key, message, Some(help)),
            }
        }
        if out.len() > u16::MAX as usize - 2 {
            self.error(
                v.span(),
                &key,
                format!("{} conditions: at most {}", out.len(), u16::MAX - 2),
                None,
            );
            out.clear();
        }
        out
    }

    /// `record = "all"` (the default) or `"final"`: true for a final-state
    /// record.
    pub(super) fn record(&mut self, doc: &DeTable) -> bool {
        let Some((r, span)) = self.string(doc, "record", "") else {
            return false;
        };
        if !RECORD.contains(&r.as_str()) {
            self.error(
                span,
                "record",
                format!("unknown record `{r}`"),
                Some(format!(
                    "valid values: {} (\"final\": the time series keeps only the last step; summaries still use every step)",
                    RECORD.join(", ")
                )),
            );
        }
        r == "final"
    }
}
