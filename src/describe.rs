//! Machine-readable descriptions for scripts and front ends: a model's
//! parameters and practice bundles, and a scenario's validation (what
//! `orgsim params --json` and `orgsim validate --json` print).

use crate::model::ModelKind;
use crate::scenario::{Scenario, ScenarioErrors};
use serde_json::{Value, json};

/// Every parameter of `kind` (default, valid and plausible range, unit,
/// group, meaning, source) and its practice bundles.
pub fn params(kind: ModelKind) -> Value {
    let params: Vec<Value> = kind
        .specs()
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "group": p.group.name(),
                "default": p.default,
                "min": p.min,
                "max": p.max,
                "integer": p.integer,
                "plausible": [p.plausible.0, p.plausible.1],
                "unit": p.unit,
                "meaning": p.doc.trim(),
                "plausible_from": p.source,
            })
        })
        .collect();
    let bundles: Vec<Value> = kind
        .practices()
        .iter()
        .map(|b| {
            let sets: serde_json::Map<String, Value> = b
                .sets
                .iter()
                .map(|(k, v)| ((*k).to_string(), json!(v)))
                .collect();
            json!({ "name": b.name, "meaning": b.meaning, "sets": sets })
        })
        .collect();
    json!({ "model": kind.name(), "parameters": params, "practice_bundles": bundles })
}

/// A valid scenario: what it will run.
pub fn valid(file: &str, s: &Scenario) -> Value {
    let variants: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    let events: Vec<&str> = s.events.iter().map(|e| e.label.as_str()).collect();
    json!({
        "file": file,
        "ok": true,
        "name": s.name,
        "model": s.model.name(),
        "variants": variants,
        "replications": s.replications,
        "steps": s.steps,
        "seed": s.seed,
        "events": events,
        "event_sizes": s.event_size_lines(),
        "errors": [],
    })
}

/// An invalid scenario: every problem with its place and the fix.
pub fn invalid(file: &str, errors: &ScenarioErrors) -> Value {
    let errors: Vec<Value> = errors
        .0
        .iter()
        .map(|e| {
            json!({
                "file": e.file,
                "line": e.line,
                "column": e.column,
                "key": e.key,
                "message": e.message,
                "help": e.help,
            })
        })
        .collect();
    json!({ "file": file, "ok": false, "errors": errors })
}

/// A scenario that could not be read at all (missing, not a file, too big).
pub fn unreadable(file: &str, message: &str) -> Value {
    json!({
        "file": file,
        "ok": false,
        "errors": [{ "file": file, "line": 0, "column": 0, "key": "", "message": message, "help": null }],
    })
}
