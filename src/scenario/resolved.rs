//! Writes a scenario back as TOML with every default filled in, so a run can
//! be repeated exactly from its results folder.

use std::fmt::Write;

use super::Scenario;
use crate::org::{EventKind, Target};
use crate::params::fmt_num;

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn value(v: f64, integer: bool) -> String {
    if integer || v.fract() != 0.0 {
        fmt_num(v)
    } else {
        format!("{v:.1}")
    }
}

pub fn write(s: &Scenario) -> String {
    let mut o = String::new();
    write_top(&mut o, s);
    let charts = s.chart_copies();
    for (name, c) in &charts {
        // The content identifies the run, not where the chart was read from.
        let _ = writeln!(
            o,
            "# {name}: a copy of the org chart read, xxh3 {:016x}",
            xxhash_rust::xxh3::xxh3_64(&c.bytes)
        );
    }
    for v in &s.variants {
        write_variant(&mut o, s, v, &charts);
    }
    for e in &s.events {
        write_event(&mut o, e);
    }
    o
}

/// The top-level keys, `[analysis]` and `[stop]`.
fn write_top(o: &mut String, s: &Scenario) {
    let _ = writeln!(
        o,
        "# Resolved by orgsim {}: every default filled in.",
        crate::VERSION
    );
    if !s.sweep.is_empty() {
        let swept: Vec<&str> = s.sweep.iter().map(|(p, _)| p.as_str()).collect();
        let _ = writeln!(
            o,
            "# The sweep over {} is expanded into the variants below.",
            swept.join(", ")
        );
    }
    let _ = writeln!(o, "name = {}", quote(&s.name));
    let _ = writeln!(o, "question = {}", quote(&s.question));
    let _ = writeln!(o, "description = {}", quote(&s.description));
    let _ = writeln!(o, "model = {}", quote(s.model.name()));
    let _ = writeln!(o, "steps = {}", s.steps);
    let _ = writeln!(o, "replications = {}", s.replications);
    let _ = writeln!(o, "seed = {}", s.seed);
    if s.common_streams {
        o.push_str("common_random_numbers = true\n");
    }
    if s.record_final {
        o.push_str("record = \"final\"\n");
    }
    let a = s.analysis;
    let _ = writeln!(
        o,
        "\n[analysis]\nwarmup = {}\nbaseline = {}\nsmoothing = {}\nthreshold = {}\ntwins = {}",
        a.warmup,
        a.baseline,
        a.smoothing,
        value(a.threshold, false),
        a.twins
    );
    if s.stop.is_set() {
        o.push_str("\n[stop]\n");
        if s.stop.absorbed {
            o.push_str("when = \"absorbed\"\n");
        }
        if !s.stop.collapse.is_empty() {
            let c: Vec<String> = s.stop.collapse.iter().map(|c| quote(&c.text)).collect();
            let _ = writeln!(o, "collapse = [{}]", c.join(", "));
        }
    }
}

/// One `[[variant]]` with every parameter's value.
fn write_variant(
    o: &mut String,
    s: &Scenario,
    v: &super::Variant,
    charts: &[(String, &super::ChartRef)],
) {
    let _ = writeln!(o, "\n[[variant]]\nname = {}", quote(&v.name));
    if !v.structure.is_empty() {
        let _ = writeln!(o, "structure = {}", quote(&v.structure));
    }
    if !v.practices.is_empty() {
        // Informational: the values below already include them.
        let names: Vec<String> = v.practices.iter().map(|p| quote(p)).collect();
        let _ = writeln!(o, "practices = [{}]", names.join(", "));
    }
    if let Some(c) = &v.chart {
        // Every variant's chart has a copy (`chart_copies`).
        if let Some((name, _)) = charts.iter().find(|(_, x)| x.path == c.path) {
            let _ = writeln!(o, "org_chart = {}", quote(name));
        }
    }
    for (spec, x) in s.model.specs().iter().zip(&v.values) {
        let _ = writeln!(o, "{} = {}", spec.name, value(*x, spec.integer));
    }
}

/// One `[[event]]` with its target or size.
fn write_event(o: &mut String, e: &super::EventSpec) {
    let ev = &e.event;
    let _ = writeln!(
        o,
        "\n[[event]]\nkind = {}\nlabel = {}\nat = {}\nduration = {}\nrate = {}",
        quote(e.kind_name()),
        quote(&e.label),
        ev.start,
        ev.duration,
        value(ev.rate, false)
    );
    if !e.variants.is_empty() {
        let names: Vec<String> = e.variants.iter().map(|v| quote(v)).collect();
        let _ = writeln!(o, "variants = [{}]", names.join(", "));
    }
    write_event_kind(o, &ev.kind);
}

/// The keys of an event's kind: its target, factor or magnitude.
fn write_event_kind(o: &mut String, kind: &EventKind) {
    match kind {
        EventKind::Departure(t) | EventKind::Layoff(t) => match t {
            Target::Top => o.push_str("target = \"top\"\n"),
            Target::Leaders { share, level } => {
                let _ = writeln!(o, "target = \"leaders\"\nshare = {}", value(*share, false));
                if let Some(l) = level {
                    let _ = writeln!(o, "level = {l}");
                }
            }
            Target::MostSkilled { share } => {
                let _ = writeln!(
                    o,
                    "target = \"most-skilled\"\nshare = {}",
                    value(*share, false)
                );
            }
            Target::Random { share } => {
                let _ = writeln!(o, "target = \"random\"\nshare = {}", value(*share, false));
            }
            Target::Post(p) => {
                let _ = writeln!(o, "target = \"post\"\npost = {p}");
            }
            Target::Member(id) => {
                let _ = writeln!(o, "target = \"member\"\nid = {}", quote(id));
            }
            Target::Subtree(id) => {
                let _ = writeln!(o, "target = \"subtree\"\nid = {}", quote(id));
            }
            Target::Seats { .. } => {}
        },
        EventKind::Demand { factor } => {
            let _ = writeln!(o, "factor = {}", value(*factor, false));
        }
        EventKind::Turbulence { magnitude } => {
            let _ = writeln!(o, "magnitude = {}", value(*magnitude, false));
        }
        EventKind::Outage => {}
    }
}
