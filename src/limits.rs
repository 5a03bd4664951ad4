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
