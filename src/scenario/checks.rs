//! Settings that would be accepted and then ignored, or would name nothing:
//! each becomes an error with its key, line and the fix. Run after the
//! scenario is built (a child of `parse`, so it reads its document walker).

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{Cx, VariantDraft, join};
use crate::org::{EventKind, OrgNode, OrgParams, Organization, Structure, Target};
use crate::params::{ParamSet, ParamSpec, fmt_num};
use crate::scenario::{Analysis, EventSpec, Variant};

/// Parameters an org chart fixes (`domains` only when it has skill columns).
const CHART_FIXED: [&str; 4] = ["members", "team_size", "span", "domains"];

/// Sweep values closer than this (relative) are one point written twice.
const SAME_POINT: f64 = 1e-9;

/// The span of `key`'s name in a table.
fn key_span(t: &DeTable, key: &str) -> Option<Range<usize>> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(k, _)| k.span())
}

fn str_of<'t>(t: &'t DeTable, key: &str) -> Option<&'t str> {
    match t.get(key)?.get_ref() {
        DeValue::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// The tables of an array of tables (`[[event]]`, `[[variant]]`), in order.
fn tables<'t>(doc: &'t DeTable<'t>, key: &str) -> Vec<&'t DeTable<'t>> {
    match doc.get(key).map(|v| v.get_ref()) {
        Some(DeValue::Array(items)) => items
            .iter()
            .filter_map(|i| match i.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn table<'t>(doc: &'t DeTable<'t>, key: &str) -> Option<&'t DeTable<'t>> {
    match doc.get(key)?.get_ref() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

/// What a variant's organization offers events to target: its number of
/// posts and the levels of its posts below the top.
struct Shape {
    posts: usize,
    levels: Vec<u32>,
}

impl Cx<'_> {
    /// Every check of this module; `specs` the model's parameters.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_ignored(
        &mut self,
        doc: &DeTable,
        specs: &[ParamSpec],
        drafts: &[VariantDraft],
        sweep: &[(&str, Vec<f64>)],
        lhs: bool,
        variants: &[Variant],
        events: &[EventSpec],
        steps: u32,
        analysis: &Analysis,
    ) {
        self.check_chart_fixed(doc, specs, drafts, sweep);
        self.check_sweep_values(doc, sweep, lhs);
        self.check_event_tables(doc);
        self.check_warmup(doc, steps, analysis);
        // Targets are checked against the organizations only when the
        // rest is sound (the events then match their tables one to one).
        if self.errors.is_empty() {
            self.check_event_targets(doc, specs, variants, events);
        }
    }

    /// `members`, `team_size`, `span` (and `domains` with skill columns)
    /// come from an org chart: set or swept beside one, they would be ignored.
    fn check_chart_fixed(
        &mut self,
        doc: &DeTable,
        specs: &[ParamSpec],
        drafts: &[VariantDraft],
        sweep: &[(&str, Vec<f64>)],
    ) {
        let fixed = |d: &VariantDraft, key: &str| {
            d.chart
                .as_ref()
                .is_some_and(|c| key != "domains" || !c.chart.domains.is_empty())
        };
        // The value a chart gives a parameter: writing that same value (as
        // the resolved scenario does) ignores nothing.
        let given = |d: &VariantDraft, key: &str| -> Option<f64> {
            let c = d.chart.as_ref()?;
            let i = specs.iter().position(|s| s.name == key)?;
            let mut values: Vec<f64> = specs.iter().map(|s| s.default).collect();
            super::chart_values(&c.chart, specs, &mut values).ok()?;
            Some(values[i])
        };
        let written = |t: &DeTable, key: &str| -> Option<f64> {
            match t.get(key)?.get_ref() {
                DeValue::Integer(i) => i.as_str().replace('_', "").parse().ok(),
                DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
                _ => None,
            }
        };
        let ignored = |t: &DeTable, d: &VariantDraft, key: &str| {
            fixed(d, key) && written(t, key) != given(d, key)
        };
        let help = |key: &str| {
            Some(format!(
                "remove `{key}`: an org chart fixes members, team_size and span (and domains when it has skill columns); to compare sizes, use variants without org_chart"
            ))
        };
        if let Some(t) = table(doc, "defaults") {
            for key in CHART_FIXED {
                if let Some(span) = key_span(t, key)
                    && !drafts.is_empty()
                    && drafts.iter().all(|d| ignored(t, d, key))
                {
                    self.error(
                        span,
                        &join("defaults", key),
                        format!("`{key}` is set by the org chart of every variant, so this value would be ignored"),
                        help(key),
                    );
                }
            }
        }
        for t in tables(doc, "variant") {
            let Some(d) = str_of(t, "name").and_then(|n| drafts.iter().find(|d| d.name == n))
            else {
                continue;
            };
            for key in CHART_FIXED {
                if let Some(span) = key_span(t, key)
                    && ignored(t, d, key)
                {
                    self.error(
                        span,
                        &format!("variant `{}`.{key}", d.name),
                        format!("`{key}` is set by this variant's org chart, so this value would be ignored"),
                        help(key),
                    );
                }
            }
        }
        let Some(t) = table(doc, "sweep") else { return };
        for (key, _) in sweep {
            if let Some(d) = drafts.iter().find(|d| fixed(d, key))
                && let Some(span) = key_span(t, key)
            {
                self.error(
                    span,
                    &join("sweep", key),
                    format!(
                        "variant `{}` is built from an org chart, which fixes `{key}`: every point of this sweep would simulate the same organization",
                        d.name
                    ),
                    help(key),
                );
            }
        }
    }

    /// A Latin hypercube needs parameters; grid values must be distinct
    /// points, not one value written twice with rounding noise.
    fn check_sweep_values(&mut self, doc: &DeTable, sweep: &[(&str, Vec<f64>)], lhs: bool) {
        let Some(t) = table(doc, "sweep") else { return };
        if lhs && sweep.is_empty() && self.errors.is_empty() {
            let span = key_span(t, "method").unwrap_or(0..0);
            self.error(
                span,
                "sweep",
                "a Latin hypercube sweep with no parameters samples nothing".into(),
                Some(
                    "add each parameter to sample as [min, max], e.g. delegation = [0.1, 0.9]"
                        .into(),
                ),
            );
        }
        if lhs {
            return;
        }
        for (key, values) in sweep {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let close = sorted.windows(2).find(|w| {
                w[1] != w[0] && (w[1] - w[0]).abs() <= SAME_POINT * w[0].abs().max(w[1].abs())
            });
            if let Some(w) = close {
                let span = t.get(*key).map_or(0..0, |v| v.span());
                self.error(
                    span,
                    &join("sweep", key),
                    format!(
                        "{} and {} differ by less than one part in a billion: they are one point, and comparing them would measure only noise",
                        w[0], w[1]
                    ),
                    Some(format!("keep one of them (e.g. {})", fmt_num(w[0]))),
                );
            }
        }
    }

    /// Keys an event would ignore, and shares left to a default that
    /// removes everyone.
    fn check_event_tables(&mut self, doc: &DeTable) {
        for (i, t) in tables(doc, "event").into_iter().enumerate() {
            let path = format!("event[{}]", i + 1);
            let kind = str_of(t, "kind").unwrap_or("");
            // `duration = 0` (as the resolved scenario writes it) says what is.
            let lasting = t.get("duration").is_some_and(|v| match v.get_ref() {
                DeValue::Integer(i) => !i.as_str().trim_start_matches(['0', '_']).is_empty(),
                DeValue::Float(f) => f.as_str().parse::<f64>().is_ok_and(|x| x != 0.0),
                _ => true,
            });
            if matches!(kind, "departure" | "turbulence")
                && lasting
                && let Some(span) = key_span(t, "duration")
            {
                self.error(
                    span,
                    &join(&path, "duration"),
                    format!("a {kind} happens at one step: `duration` would be ignored"),
                    Some(if kind == "departure" {
                        "remove `duration`; for seats that stay empty for a while use kind = \"layoff\" with a duration, for repeated departures use `rate`".into()
                    } else {
                        "remove `duration`; for repeated shifts use `rate`".into()
                    }),
                );
            }
            let target = str_of(t, "target").unwrap_or("");
            if matches!(kind, "departure" | "layoff")
                && matches!(target, "leaders" | "most-skilled" | "random")
                && !t.contains_key("share")
            {
                let span = key_span(t, "target").unwrap_or(0..0);
                let who = if target == "leaders" {
                    "leader"
                } else {
                    "member"
                };
                self.error(
                    span,
                    &join(&path, "share"),
                    format!("target \"{target}\" needs `share`: without it every {who} would leave"),
                    Some(format!("add e.g. share = 0.3 (a third), or share = 1.0 if every {who} is meant to leave")),
                );
            }
        }
    }

    /// An explicit warm-up must leave steps to measure.
    fn check_warmup(&mut self, doc: &DeTable, steps: u32, analysis: &Analysis) {
        let Some(t) = table(doc, "analysis") else {
            return;
        };
        let Some(span) = t.get("warmup").map(|v| v.span()) else {
            return;
        };
        if analysis.warmup >= steps {
            self.error(
                span,
                "analysis.warmup",
                format!(
                    "a warm-up of {} steps leaves none of the run's {steps} steps to measure",
                    analysis.warmup
                ),
                Some(format!("use a warm-up below {steps}, or raise `steps`")),
            );
        }
    }

    /// A post or a level of leaders that an organization does not have
    /// would make its event a no-op: named with the variant and what exists.
    fn check_event_targets(
        &mut self,
        doc: &DeTable,
        specs: &[ParamSpec],
        variants: &[Variant],
        events: &[EventSpec],
    ) {
        let wanted: Vec<(usize, &Target)> = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.event.kind {
                EventKind::Departure(t) | EventKind::Layoff(t)
                    if matches!(t, Target::Post(_) | Target::Leaders { level: Some(_), .. }) =>
                {
                    Some((i, t))
                }
                _ => None,
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let tables = tables(doc, "event");
        // Organizations that differ only in behaviour have the same posts:
        // each distinct shape is built once.
        let shaping: Vec<usize> = specs
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                CHART_FIXED.contains(&s.name) || s.group == crate::params::Group::Structure
            })
            .map(|(i, _)| i)
            .collect();
        let mut shapes: HashMap<Vec<u64>, Shape> = HashMap::new();
        let mut reported = vec![false; events.len()];
        for v in variants {
            let mut key: Vec<u64> = shaping.iter().map(|&i| v.values[i].to_bits()).collect();
            key.push(v.structure.len() as u64);
            key.extend(v.structure.bytes().map(u64::from));
            key.push(
                v.chart
                    .as_ref()
                    .map_or(0, |c| std::sync::Arc::as_ptr(&c.chart) as u64),
            );
            let shape = shapes.entry(key).or_insert_with(|| shape_of(v));
            for &(i, target) in &wanted {
                // An event for some variants only is checked against those.
                let only = &events[i].variants;
                if reported[i] || (!only.is_empty() && !only.contains(&v.name)) {
                    continue;
                }
                let path = format!("event[{}]", i + 1);
                let t = tables.get(i);
                let (key, message, help) = match *target {
                    Target::Post(p) if p as usize >= shape.posts => (
                        "post",
                        format!(
                            "post {p} does not exist: variant `{}` has {} posts, numbered 0 to {}",
                            v.name,
                            shape.posts,
                            shape.posts.saturating_sub(1)
                        ),
                        "organization.csv of a run lists every post with its number",
                    ),
                    Target::Leaders { level: Some(l), .. } if !shape.levels.contains(&l) => (
                        "level",
                        format!(
                            "no leaders at level {l}: variant `{}` has leaders at level{} {} (the top is target = \"top\")",
                            v.name,
                            if shape.levels.len() == 1 { "" } else { "s" },
                            shape
                                .levels
                                .iter()
                                .map(u32::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "level 1 is the team leads; choose one of the levels listed",
                    ),
                    _ => continue,
                };
                let span = t.and_then(|t| t.get(key)).map_or(0..0, |x| x.span());
                self.error(span, &join(&path, key), message, Some(help.into()));
                reported[i] = true;
            }
        }
    }
}

/// Builds a variant's starting organization to read its posts and levels.
fn shape_of(v: &Variant) -> Shape {
    let params = OrgParams::from_values(&v.values);
    let structure = Structure::from_name(&v.structure).unwrap_or(Structure::Hierarchy);
    let stream = crate::rng::stream(0, 0, 0);
    let org = match &v.chart {
        Some(c) => Organization::from_chart(params, structure, &c.chart, &[], stream),
        None => Organization::new(params, structure, &[], stream),
    };
    let mut posts = 0;
    let mut levels = Vec::new();
    for node in org.describe() {
        if let OrgNode::Post { parent, level, .. } = node {
            posts += 1;
            if parent.is_some() && !levels.contains(&level) {
                levels.push(level);
            }
        }
    }
    levels.sort_unstable();
    Shape { posts, levels }
}
