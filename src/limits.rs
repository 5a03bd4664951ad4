//! The limits of a run's settings, one table for the scenario file and the
//! command line (so `--steps` cannot go where `steps =` may not).

/// Steps to simulate.
pub const MAX_STEPS: u32 = 1_000_000;
/// Replications per variant (also the cap of adaptive replications).
pub const MAX_REPLICATIONS: u32 = 1_000_000;
/// The random seed: a signed 64-bit number's range, as TOML (the resolved
/// scenario) and every CSV reader hold it.
pub const MAX_SEED: u64 = i64::MAX as u64;
/// Worker threads: far above any machine's cores; beyond it a typo
/// (`--threads 100000`) would start threads until the system refuses.
pub const MAX_THREADS: usize = 1024;

/// Checks a command-line value against its limit: `flag` names it.
pub fn check(flag: &str, value: u64, min: u64, max: u64) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "error: {flag} {value} is out of range: it takes {min} to {max} (the same limit as in a scenario file)"
        ))
    }
}

/// `--threads`: 0 (all cores) up to [`MAX_THREADS`], resolved to a count.
pub fn threads(asked: usize) -> Result<usize, String> {
    check("--threads", asked as u64, 0, MAX_THREADS as u64)?;
    Ok(if asked == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        asked
    })
}

/// `--time-limit`: a duration such as `90s`, `30m`, `12h` or `2d` (a bare
/// number is seconds), or `none`; returns seconds (infinite for `none`).
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("off") {
        return Ok(f64::INFINITY);
    }
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit {
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => {
            return Err(format!(
                "unknown unit '{unit}': use s, m, h or d (e.g. 12h), or none"
            ));
        }
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x * scale),
        _ => Err(format!(
            "'{text}' is not a duration: a positive number with s, m, h or d (e.g. 90m, 12h), or none"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(parse_duration("90"), Ok(90.0));
        assert_eq!(parse_duration("1.5m"), Ok(90.0));
        assert_eq!(parse_duration("12h"), Ok(43_200.0));
        assert_eq!(parse_duration("2d"), Ok(172_800.0));
        assert_eq!(parse_duration("none"), Ok(f64::INFINITY));
        for bad in ["", "h", "0h", "-1h", "3w", "nanh", "infh"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
