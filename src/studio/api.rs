//! The page's requests: JSON commands, checked before they reach a session.
//! A refusal names the field and its valid range; nothing here panics.

use serde_json::Value;

use super::live::{Fire, MAX_HORIZON, MAX_REPLICATIONS};
use super::session::Command;
use crate::params::{ParamSpec, fmt_num};
use crate::scenario::Scenario;

/// Commands the page may send, for the message that lists them.
const COMMANDS: &[&str] = &[
    "play",
    "pause",
    "step",
    "reset",
    "speed",
    "set",
    "fire",
    "replications",
    "horizon",
];

/// Events the page may fire, for the message that lists them.
const EVENTS: &[&str] = &["top", "leaders", "demand", "turbulence", "outage"];

/// Parses one command, e.g. `{"cmd": "set", "param": "delegation",
/// "value": 0.5, "variant": 0}`.
pub fn parse_command(body: &[u8], s: &Scenario) -> Result<Command, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        format!("the request is not JSON ({e}): expected e.g. {{\"cmd\": \"play\"}}")
    })?;
    let Some(cmd) = v.get("cmd").and_then(Value::as_str) else {
        return Err(format!(
            "the request has no `cmd`: expected one of {}",
            COMMANDS.join(", ")
        ));
    };
    Ok(match cmd {
        "play" => Command::Play,
        "pause" => Command::Pause,
        "reset" => Command::Reset,
        "step" => Command::Step(number(&v, "weeks", Some(1.0), 1.0, 1000.0, true)? as u32),
        "speed" => Command::Speed(number(&v, "value", None, 0.0, 1000.0, false)?),
        "replications" => {
            Command::Replications(
                number(&v, "value", None, 1.0, f64::from(MAX_REPLICATIONS), true)? as u32,
            )
        }
        "horizon" => {
            Command::Horizon(number(&v, "value", None, 1.0, f64::from(MAX_HORIZON), true)? as u32)
        }
        "set" => set(&v, s)?,
        "fire" => Command::Fire {
            what: fire(&v)?,
            variant: variant(&v, s)?,
        },
        other => {
            let hint = crate::params::did_you_mean(other, COMMANDS.iter().copied())
                .map_or(String::new(), |m| format!(" (did you mean `{m}`?)"));
            return Err(format!(
                "unknown cmd `{other}`{hint}: expected one of {}",
                COMMANDS.join(", ")
            ));
        }
    })
}

/// A number field in `lo ..= hi` (whole when `integer`); `default` when absent.
fn number(
    v: &Value,
    key: &str,
    default: Option<f64>,
    lo: f64,
    hi: f64,
    integer: bool,
) -> Result<f64, String> {
    let range = format!("{} ..= {}", fmt_num(lo), fmt_num(hi));
    let x = match (v.get(key), default) {
        (None | Some(Value::Null), Some(d)) => return Ok(d),
        (None | Some(Value::Null), None) => {
            return Err(format!("`{key}` is missing: expected a number in {range}"));
        }
        (Some(x), _) => x,
    };
    let Some(x) = x.as_f64() else {
        return Err(format!("`{key}` is {x}: expected a number in {range}"));
    };
    if integer && x.fract() != 0.0 {
        return Err(format!(
            "`{key}` is {}: expected a whole number in {range}",
            fmt_num(x)
        ));
    }
    if !(lo..=hi).contains(&x) {
        return Err(format!(
            "`{key}` = {} is out of range: expected {range}",
            fmt_num(x)
        ));
    }
    Ok(x)
}

/// The `variant` field: a variant's index, or all variants when absent or null.
fn variant(v: &Value, s: &Scenario) -> Result<Option<usize>, String> {
    match v.get("variant") {
        None | Some(Value::Null) => Ok(None),
        Some(_) => Ok(Some(number(
            v,
            "variant",
            None,
            0.0,
            s.variants.len().saturating_sub(1) as f64,
            true,
        )? as usize)),
    }
}

fn set(v: &Value, s: &Scenario) -> Result<Command, String> {
    let Some(param) = v.get("param").and_then(Value::as_str) else {
        return Err("`param` is missing: expected a parameter name, e.g. \"delegation\"".into());
    };
    let variant = variant(v, s)?;
    let value = match v.get("value").and_then(Value::as_f64) {
        Some(x) => x,
        None => {
            let range = s
                .model
                .specs()
                .iter()
                .find(|p| p.name == param)
                .map_or_else(|| "its range".to_string(), ParamSpec::range_text);
            return Err(format!(
                "parameter `{param}`: `value` is missing or not a number: expected a number in {range}"
            ));
        }
    };
    Ok(Command::Set {
        param: param.to_string(),
        value,
        variant,
    })
}

fn fire(v: &Value) -> Result<Fire, String> {
    let Some(kind) = v.get("event").and_then(Value::as_str) else {
        return Err(format!(
            "`event` is missing: expected one of {}",
            EVENTS.join(", ")
        ));
    };
    Ok(match kind {
        "top" => Fire::TopLeaves,
        "leaders" => Fire::LeadersLeave {
            share: number(v, "share", Some(0.25), 0.01, 1.0, false)?,
        },
        "demand" => Fire::Demand {
            factor: number(v, "factor", Some(2.0), 0.0, 1000.0, false)?,
            duration: number(v, "duration", Some(10.0), 1.0, 1000.0, true)? as u32,
        },
        "turbulence" => Fire::Turbulence {
            magnitude: number(v, "magnitude", Some(0.3), 0.0, 1.0, false)?,
        },
        "outage" => Fire::Outage {
            duration: number(v, "duration", Some(4.0), 1.0, 1000.0, true)? as u32,
        },
        other => {
            return Err(format!(
                "unknown event `{other}`: expected one of {}",
                EVENTS.join(", ")
            ));
        }
    })
}

/// Which slider group a parameter belongs in: the parameter table's
/// structure, practice, conditions or behaviour (the last shown folded).
pub fn group(p: &ParamSpec) -> &'static str {
    p.group.name()
}
