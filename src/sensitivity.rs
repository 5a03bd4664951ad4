//! Morris elementary-effects screening: which parameters move an outcome,
//! before anyone spends a large sweep on them.

use std::sync::atomic::AtomicBool;

use crate::engine;
use crate::output::compared_metrics;
use crate::params::fmt_num;
use crate::scenario::{Scenario, Variant};
use crate::stats::design::{morris_design, morris_effects};

/// One screened parameter and its range.
#[derive(Clone, Debug)]
pub struct Factor {
    pub name: String,
    pub min: f64,
    pub max: f64,
}

/// μ*, μ and σ of one parameter's elementary effects (unit-cube scale).
#[derive(Clone, Debug)]
pub struct Effect {
    pub name: String,
    pub mu_star: f64,
    pub mu: f64,
    pub sigma: f64,
}

/// Reads `name` or `name=min:max` (default range: the parameter's
/// plausible range, so an extreme of the valid range, e.g. a hiring delay of
/// 100,000 weeks, does not dominate the screening).
pub fn parse_factor(s: &Scenario, text: &str) -> Result<Factor, String> {
    let (name, range) = text
        .split_once('=')
        .map_or((text, None), |(n, r)| (n, Some(r)));
    let spec = s
        .model
        .specs()
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("unknown parameter `{name}` (see `orgsim params`)"))?;
    let (min, max) = match range {
        None if spec.plausible.0 < spec.plausible.1 => spec.plausible,
        None => (spec.min, spec.max),
        Some(r) => {
            let (a, b) = r
                .split_once(':')
                .ok_or_else(|| format!("`{text}`: write a range as {name}=MIN:MAX"))?;
            let parse = |x: &str| {
                x.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("`{text}`: `{x}` is not a number"))
            };
            (parse(a)?, parse(b)?)
        }
    };
    spec.check(min)
        .and(spec.check(max))
        .map_err(|e| format!("`{text}`: {e}"))?;
    if min >= max {
        return Err(format!("`{text}`: the range needs MIN < MAX"));
    }
    Ok(Factor {
        name: name.to_string(),
        min,
        max,
    })
}

/// The scenario's first variant at every point of a Morris design
/// (`trajectories` × (factors + 1) variants); events and settings are kept.
pub fn design_scenario(
    base: &Scenario,
    factors: &[Factor],
    trajectories: usize,
    levels: usize,
) -> Scenario {
    let ranges: Vec<(f64, f64)> = factors.iter().map(|f| (f.min, f.max)).collect();
    // The design has its own stream, apart from every replication's.
    let mut rng = crate::rng::stream(base.seed, u64::MAX - 1, 0);
    let design = morris_design(factors.len(), trajectories, levels, &ranges, &mut rng);
    let specs = base.model.specs();
    let first = &base.variants[0];
    let mut s = base.clone();
    s.variants = design
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let mut values = first.values.clone();
            let mut name = format!("{} #{}", first.name, i + 1);
            for (f, x) in factors.iter().zip(point) {
                let idx = specs.iter().position(|p| p.name == f.name).unwrap_or(0);
                values[idx] = if specs[idx].integer { x.round() } else { *x };
                name.push_str(&format!(" {}={}", f.name, fmt_num(values[idx])));
            }
            Variant {
                name,
                structure: first.structure.clone(),
                practices: first.practices.clone(),
                values,
                sweep_point: point.clone(),
                chart: first.chart.clone(),
            }
        })
        .collect();
    s.sweep = factors
        .iter()
        .map(|f| (f.name.clone(), vec![f.min, f.max]))
        .collect();
    // Common random numbers: an effect is the parameter's, not chance's.
    s.common_streams = true;
    s
}

/// Runs the design and returns each factor's effects on `outcome` (a
/// summary measure such as `total_throughput` or `mean_engagement`), ranked
/// by μ*.
pub fn screen(
    base: &Scenario,
    factors: &[Factor],
    outcome: &str,
    trajectories: usize,
    levels: usize,
    threads: usize,
) -> Result<Vec<Effect>, String> {
    let s = design_scenario(base, factors, trajectories, levels);
    let measures = compared_metrics(&s);
    let Some((_, _, pick)) = measures.iter().find(|(n, _, _)| n == outcome) else {
        let names: Vec<&str> = measures.iter().map(|(n, _, _)| n.as_str()).collect();
        return Err(format!(
            "unknown outcome `{outcome}`; choose one of: {}",
            names.join(", ")
        ));
    };
    let mut sums = vec![(0.0, 0u32); s.variants.len()];
    engine::run::<()>(&s, threads, &AtomicBool::new(false), |r| {
        let x = pick(&r.summary);
        if x.is_finite() {
            sums[r.variant].0 += x;
            sums[r.variant].1 += 1;
        }
        Ok(())
    })
    .map_err(|_| "the run failed".to_string())?;
    let outputs: Vec<f64> = sums
        .iter()
        .map(|(x, n)| if *n > 0 { x / *n as f64 } else { f64::NAN })
        .collect();
    let design: Vec<Vec<f64>> = s.variants.iter().map(|v| v.sweep_point.clone()).collect();
    let ranges: Vec<(f64, f64)> = factors.iter().map(|f| (f.min, f.max)).collect();
    let mut effects: Vec<Effect> =
        morris_effects(&design, &outputs, &ranges, factors.len(), trajectories)
            .into_iter()
            .zip(factors)
            .map(|((mu_star, mu, sigma), f)| Effect {
                name: f.name.clone(),
                mu_star,
                mu,
                sigma,
            })
            .collect();
    effects.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star));
    Ok(effects)
}
