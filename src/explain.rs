//! Why two variants differ: the difference in one summary measure between
//! variant a and variant b, attributed to the parameters in which they
//! differ (or to their groups: structure, practice, conditions, behaviour)
//! by Shapley values.
//!
//! A *mixed variant* takes the parameters of a coalition S of factors from a
//! and every other parameter from b, so v(∅) is b and v(all) is a. The
//! Shapley value of a factor is its marginal contribution v(S ∪ {i}) − v(S)
//! averaged over every order in which the factors could be switched from b
//! to a; the values always sum to v(all) − v(∅) = a − b (efficiency).
//!
//! Replication r of every mixed variant uses the same random stream (common
//! random numbers), so each replication gives a whole attribution of its
//! own; the reported value is their mean and the 95% interval is Student's t
//! over them. With k ≤ [`MAX_EXACT`] factors every one of the 2^k mixed
//! variants is run (exact); beyond, each replication samples its own
//! permutations in antithetic pairs (each order and its reverse), which are
//! still exactly efficient, and the interval then covers the sampling too.

pub mod command;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use rand::RngExt;

use crate::engine::{self, Outcome};
use crate::output::compared_metrics;
use crate::params::{ParamSpec, fmt_num};
use crate::scenario::{Scenario, Variant};
use crate::stats::{Better, OnlineStats};

/// Most factors explained exactly (2^10 = 1024 mixed variants).
pub const MAX_EXACT: usize = 10;

/// Attribute to each parameter, or to each group of parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Parameter,
    Group,
}

/// One player of the attribution: a parameter, or a group of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// The parameter's name, or the group's.
    pub name: String,
    /// The group the parameter(s) belong to.
    pub group: &'static str,
    /// Indices (into the model's spec table) of the parameters it switches.
    pub params: Vec<usize>,
}

/// A factor's share of the difference.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub factor: Factor,
    /// Mean Shapley value over the replications.
    pub value: f64,
    /// 95% interval (Student's t over the replications).
    pub low: f64,
    pub high: f64,
}

/// How the values were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Every coalition run.
    Exact,
    /// Sampled orders: this many per replication.
    Sampled { permutations: usize },
}

/// A whole explanation of a − b.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub measure: String,
    pub better: Better,
    pub a: String,
    pub b: String,
    /// Mean of a and b under common random numbers, with 95% half-widths.
    pub mean_a: (f64, f64),
    pub mean_b: (f64, f64),
    /// a − b, mean and 95% interval.
    pub total: (f64, f64, f64),
    /// Largest share first.
    pub parts: Vec<Part>,
    pub method: Method,
    /// Replications that gave every value the attribution needs.
    pub replications: u64,
    /// Distinct mixed variants run.
    pub mixed_variants: usize,
}

/// The group a parameter belongs to (structure, practice, conditions,
/// behaviour), as the parameter table labels it.
pub fn group_of(spec: &ParamSpec) -> &'static str {
    spec.group.name()
}

/// The factors in which `a` and `b` differ: one per differing parameter, or
/// one per group holding a differing parameter (in spec order).
pub fn factors(specs: &[ParamSpec], a: &[f64], b: &[f64], by: By) -> Vec<Factor> {
    let mut out: Vec<Factor> = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        if a[i] == b[i] {
            continue;
        }
        let group = group_of(spec);
        match by {
            By::Parameter => out.push(Factor {
                name: spec.name.to_string(),
                group,
                params: vec![i],
            }),
            By::Group => match out.iter_mut().find(|f| f.group == group) {
                Some(f) => f.params.push(i),
                None => out.push(Factor {
                    name: group.to_string(),
                    group,
                    params: vec![i],
                }),
            },
        }
    }
    out
}

/// The values of the mixed variant that takes the factors in `mask` (bit i:
/// factor i) from `a` and everything else from `b`.
pub fn mixed(a: &[f64], b: &[f64], factors: &[Factor], mask: u64) -> Vec<f64> {
    let mut v = b.to_vec();
    for (i, f) in factors.iter().enumerate() {
        if mask >> i & 1 == 1 {
            for &p in &f.params {
                v[p] = a[p];
            }
        }
    }
    v
}

/// Exact Shapley values of `k` players from the value of every coalition
/// (`v[mask]`, 2^k entries): Σ over S ∌ i of |S|!(k−|S|−1)!/k! ·
/// (v(S ∪ i) − v(S)).
pub fn shapley_exact(k: usize, v: &[f64]) -> Vec<f64> {
    assert_eq!(v.len(), 1 << k, "one value per coalition");
    // weight[s] = s!(k-s-1)!/k!, built as a ratio to stay exact-ish for k ≤ 20.
    let weight: Vec<f64> = (0..k)
        .map(|s| {
            let mut w = 1.0 / k as f64;
            // 1 / C(k-1, s)
            for j in 0..s {
                w *= (j + 1) as f64 / (k - 1 - j) as f64;
            }
            w
        })
        .collect();
    (0..k)
        .map(|i| {
            let bit = 1usize << i;
            (0..v.len())
                .filter(|m| m & bit == 0)
                .map(|m| weight[m.count_ones() as usize] * (v[m | bit] - v[m]))
                .sum()
        })
        .collect()
}

/// Shapley values estimated from orders: each order switches the players
/// one at a time and credits each with its marginal contribution. Every
/// order's contributions sum to v(all) − v(∅), so the estimate is efficient.
pub fn shapley_orders(k: usize, orders: &[Vec<usize>], v: impl Fn(u64) -> f64) -> Vec<f64> {
    let mut phi = vec![0.0; k];
    for order in orders {
        let mut mask = 0u64;
        let mut prev = v(0);
        for &i in order {
            mask |= 1 << i;
            let next = v(mask);
            phi[i] += next - prev;
            prev = next;
        }
    }
    let n = orders.len().max(1) as f64;
    phi.iter_mut().for_each(|x| *x /= n);
    phi
}

/// `pairs` random orders of `k` players and the reverse of each.
pub fn antithetic_orders(k: usize, pairs: usize, rng: &mut impl rand::Rng) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(2 * pairs);
    for _ in 0..pairs {
        let mut o: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let j = rng.random_range(0..=i);
            o.swap(i, j);
        }
        let rev: Vec<usize> = o.iter().rev().copied().collect();
        out.push(o);
        out.push(rev);
    }
    out
}

/// The coalitions an order visits (∅ and every prefix).
fn prefixes(order: &[usize]) -> impl Iterator<Item = u64> + '_ {
    std::iter::once(0).chain(order.iter().scan(0u64, |m, &i| {
        *m |= 1 << i;
        Some(*m)
    }))
}

/// Finds a variant by name (or by its 1-based position), with a clear error.
pub fn find_variant(s: &Scenario, name: &str) -> Result<usize, String> {
    if let Some(i) = s.variants.iter().position(|v| v.name == name) {
        return Ok(i);
    }
    if let Ok(n) = name.parse::<usize>()
        && (1..=s.variants.len()).contains(&n)
    {
        return Ok(n - 1);
    }
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    let hint = crate::params::did_you_mean(name, names.iter().copied())
        .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
    Err(format!(
        "no variant `{name}`{hint}; the scenario has: {}",
        names.join(", ")
    ))
}

/// What to explain.
pub struct Request<'a> {
    pub a: usize,
    pub b: usize,
    pub measure: &'a str,
    pub by: By,
    /// Orders per replication when sampling (rounded up to pairs).
    pub permutations: usize,
    pub threads: usize,
}

/// Runs the mixed variants of `s`'s variants a and b and attributes a − b in
/// `measure` (a summary measure as named in comparison.csv).
pub fn explain(s: &Scenario, req: &Request) -> Result<Explanation, String> {
    let (va, vb) = (&s.variants[req.a], &s.variants[req.b]);
    if va.chart.as_ref().map(|c| &c.path) != vb.chart.as_ref().map(|c| &c.path) {
        return Err(format!(
            "`{}` and `{}` are built from different org charts; only parameters can be mixed",
            va.name, vb.name
        ));
    }
    let specs = s.model.specs();
    let factors = factors(specs, &va.values, &vb.values, req.by);
    if factors.is_empty() {
        return Err(format!(
            "`{}` and `{}` have the same value of every parameter: there is no difference to explain",
            va.name, vb.name
        ));
    }
    let measures = compared_metrics(s);
    let Some(m) = measures.iter().position(|(n, _, _)| n == req.measure) else {
        let names: Vec<&str> = measures.iter().map(|(n, _, _)| n.as_str()).collect();
        return Err(format!(
            "unknown measure `{}`; choose one of: {}",
            req.measure,
            names.join(", ")
        ));
    };
    let plan = Coalitions::plan(s, factors.len(), req.permutations);
    let design = mixed_scenario(s, va, vb, &factors, &plan.masks);
    let values = plan.run(&design, &*measures[m].2, req.threads)?;
    let tally = plan.attribute(&values);
    if tally.used == 0 {
        return Err(format!(
            "no replication gave a finite `{}` for every mixed variant (is the measure censored, e.g. an event never recovered?)",
            req.measure
        ));
    }
    let interval = |x: &OnlineStats| {
        let h = x.ci95_half_width();
        (x.mean(), x.mean() - h, x.mean() + h)
    };
    let mut parts: Vec<Part> = factors
        .into_iter()
        .zip(&tally.per_factor)
        .map(|(factor, x)| {
            let (value, low, high) = interval(x);
            Part {
                factor,
                value,
                low,
                high,
            }
        })
        .collect();
    parts.sort_by(|x, y| y.value.abs().total_cmp(&x.value.abs()));
    Ok(Explanation {
        measure: req.measure.to_string(),
        better: measures[m].1,
        a: va.name.clone(),
        b: vb.name.clone(),
        mean_a: (tally.a.mean(), tally.a.ci95_half_width()),
        mean_b: (tally.b.mean(), tally.b.ci95_half_width()),
        total: interval(&tally.total),
        parts,
        method: plan.method,
        replications: tally.used,
        mixed_variants: plan.masks.len(),
    })
}

/// Which coalitions of the `k` factors each replication runs: all of
/// them (exact), or the prefixes of its sampled orders.
struct Coalitions {
    k: usize,
    method: Method,
    /// Each replication's sampled orders (empty when exact).
    orders: Vec<Vec<Vec<usize>>>,
    /// Each replication's coalitions.
    needed: Vec<Vec<u64>>,
    /// Every coalition any replication needs, in order: the mixed variants.
    masks: Vec<u64>,
}

impl Coalitions {
    fn plan(s: &Scenario, k: usize, permutations: usize) -> Coalitions {
        let reps = s.replications as usize;
        let (method, orders): (Method, Vec<Vec<Vec<usize>>>) = if k <= MAX_EXACT {
            (Method::Exact, Vec::new())
        } else {
            let pairs = permutations.div_ceil(2).max(1);
            let orders = (0..reps)
                .map(|r| {
                    // The orders have their own stream, apart from every replication's.
                    let mut rng = crate::rng::stream(s.seed, u64::MAX - 2, r as u64);
                    antithetic_orders(k, pairs, &mut rng)
                })
                .collect();
            (
                Method::Sampled {
                    permutations: 2 * pairs,
                },
                orders,
            )
        };
        let needed: Vec<Vec<u64>> = (0..reps)
            .map(|r| match method {
                Method::Exact => (0..1u64 << k).collect(),
                Method::Sampled { .. } => {
                    let mut m: Vec<u64> = orders[r].iter().flat_map(|o| prefixes(o)).collect();
                    m.sort_unstable();
                    m.dedup();
                    m
                }
            })
            .collect();
        let mut masks: Vec<u64> = needed.iter().flatten().copied().collect();
        masks.sort_unstable();
        masks.dedup();
        Coalitions {
            k,
            method,
            orders,
            needed,
            masks,
        }
    }

    /// Runs each replication's coalitions (the variants of `design`, one
    /// per mask) and returns the measure `pick` of each, by (mask, replication).
    fn run(
        &self,
        design: &Scenario,
        pick: &dyn Fn(&engine::RunSummary) -> f64,
        threads: usize,
    ) -> Result<HashMap<(u64, usize), f64>, String> {
        let masks = &self.masks;
        let index: HashMap<u64, usize> = masks.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let slots = design.replication_slots() as usize;
        let schedule: Vec<usize> = (0..self.needed.len())
            .flat_map(|r| self.needed[r].iter().map(move |m| (m, r)))
            .map(|(m, r)| index[m] * slots + r)
            .collect();
        let mut values: HashMap<(u64, usize), f64> = HashMap::with_capacity(schedule.len());
        engine::execute::<(), _>(
            design,
            &schedule,
            threads,
            &AtomicBool::new(false),
            |o| match o {
                Outcome::Done(r) => Some((r.variant, r.replication, r.summary)),
                Outcome::Failed(_) => None,
            },
            |done| {
                if let Some((v, r, summary)) = done {
                    values.insert((masks[v], r as usize), pick(&summary));
                }
                Ok(())
            },
        )
        .map_err(|_| "the run failed".to_string())?;
        Ok(values)
    }

    /// Each whole replication's Shapley values, and a, b and a − b.
    fn attribute(&self, values: &HashMap<(u64, usize), f64>) -> Tally {
        let k = self.k;
        let full = (1u64 << k) - 1;
        let mut t = Tally {
            per_factor: vec![OnlineStats::new(); k],
            a: OnlineStats::new(),
            b: OnlineStats::new(),
            total: OnlineStats::new(),
            used: 0,
        };
        for r in 0..self.needed.len() {
            let got = |mask: u64| values.get(&(mask, r)).copied().unwrap_or(f64::NAN);
            // A replication counts only whole: every value it needs is finite.
            if self.needed[r].iter().any(|&mask| !got(mask).is_finite()) {
                continue;
            }
            t.used += 1;
            let phi = match self.method {
                Method::Exact => {
                    let v: Vec<f64> = (0..1u64 << k).map(got).collect();
                    shapley_exact(k, &v)
                }
                Method::Sampled { .. } => shapley_orders(k, &self.orders[r], got),
            };
            for (st, x) in t.per_factor.iter_mut().zip(&phi) {
                st.push(*x);
            }
            t.a.push(got(full));
            t.b.push(got(0));
            t.total.push(got(full) - got(0));
        }
        t
    }
}

/// The attributions summed over the replications that count.
struct Tally {
    /// Each factor's Shapley values.
    per_factor: Vec<OnlineStats>,
    /// The measure in a, in b, and a − b.
    a: OnlineStats,
    b: OnlineStats,
    total: OnlineStats,
    /// Replications with every value they need finite.
    used: u64,
}

/// The scenario whose variants are the mixed variants of `masks`, with
/// common random numbers; events, steps and analysis are kept.
fn mixed_scenario(
    s: &Scenario,
    a: &Variant,
    b: &Variant,
    factors: &[Factor],
    masks: &[u64],
) -> Scenario {
    let mut d = s.clone();
    d.variants = masks
        .iter()
        .map(|&mask| Variant {
            name: format!("mixed {mask:b}"),
            structure: if mask == 0 {
                b.structure.clone()
            } else {
                a.structure.clone()
            },
            // The mixed variants' practices are in their values, parameter by parameter.
            practices: Vec::new(),
            values: mixed(&a.values, &b.values, factors, mask),
            sweep_point: Vec::new(),
            chart: a.chart.clone(),
        })
        .collect();
    d.sweep = Vec::new();
    d.common_streams = true;
    d.target_ci = None;
    d
}

/// Formats a number for prose: few decimals, sign kept.
fn num(x: f64) -> String {
    crate::plot::fmt_num(x)
}

/// A factor's name and what it switches, e.g. "practice (delegation 0.1 → 0.8, ...)".
pub fn factor_label(f: &Factor, specs: &[ParamSpec], a: &[f64], b: &[f64]) -> String {
    let moves: Vec<String> = f
        .params
        .iter()
        .map(|&p| format!("{} {} → {}", specs[p].name, fmt_num(b[p]), fmt_num(a[p])))
        .collect();
    if f.params.len() == 1 && f.name == specs[f.params[0]].name {
        moves[0].clone()
    } else {
        format!("{} ({})", f.name, moves.join(", "))
    }
}

/// The explanation in plain words, e.g. "peer gives 246 more total
/// throughput than hierarchy ...; 170 [140, 200] of it comes from practice".
pub fn paragraph(e: &Explanation) -> String {
    let (d, lo, hi) = e.total;
    let dir = if d >= 0.0 { "more" } else { "less" };
    let good = match (e.better, d >= 0.0) {
        (Better::Neither, _) => "",
        (Better::Higher, true) | (Better::Lower, false) => " (better)",
        _ => " (worse)",
    };
    let mut text = format!(
        "{} has {} {dir} {} than {}{good}: {} against {} (95% interval of the difference [{}, {}]).",
        e.a,
        num(d.abs()),
        e.measure,
        e.b,
        num(e.mean_a.0),
        num(e.mean_b.0),
        num(lo),
        num(hi)
    );
    let clear: Vec<&Part> = e
        .parts
        .iter()
        .filter(|p| p.low > 0.0 || p.high < 0.0)
        .collect();
    let shares: Vec<String> = e
        .parts
        .iter()
        .take(4)
        .map(|p| {
            format!(
                "{} [{}, {}] from {}",
                num(p.value),
                num(p.low),
                num(p.high),
                p.factor.name
            )
        })
        .collect();
    text.push_str(&format!(" Of this difference, {}", shares.join("; ")));
    if e.parts.len() > 4 {
        let rest: f64 = e.parts[4..].iter().map(|p| p.value).sum();
        text.push_str(&format!(
            "; {} from the other {} factors",
            num(rest),
            e.parts.len() - 4
        ));
    }
    text.push('.');
    if clear.is_empty() {
        text.push_str(
            " No single factor's share is clearly away from zero at this number of replications.",
        );
    } else if clear.len() < e.parts.len() {
        let names: Vec<&str> = clear.iter().map(|p| p.factor.name.as_str()).collect();
        text.push_str(&format!(
            " Only {} {} clearly away from zero.",
            names.join(", "),
            if names.len() == 1 { "is" } else { "are" }
        ));
    }
    let how = match e.method {
        Method::Exact => format!(
            "exact Shapley values over all {} mixed variants",
            e.mixed_variants
        ),
        Method::Sampled { permutations } => format!(
            "Shapley values from {permutations} sampled orders per replication ({} mixed variants)",
            e.mixed_variants
        ),
    };
    text.push_str(&format!(
        " ({how}, {} replications with common random numbers; a mixed variant takes a factor's values from {} and the rest from {}.)",
        e.replications, e.a, e.b
    ));
    text
}

/// `explain.csv`: b's mean, one row per factor, a's mean and the total.
pub fn csv(e: &Explanation, specs: &[ParamSpec], a: &[f64], b: &[f64]) -> String {
    use crate::output::cell;
    let q = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from(
        "row,factor,group,switches,value,ci_low,ci_high,measure,method,replications\n",
    );
    let method = match e.method {
        Method::Exact => "exact".to_string(),
        Method::Sampled { permutations } => format!("sampled-{permutations}"),
    };
    let tail = format!("{},{},{}", q(&e.measure), method, e.replications);
    let (ma, ha) = e.mean_a;
    let (mb, hb) = e.mean_b;
    out.push_str(&format!(
        "b,{},,,{},{},{},{tail}\n",
        q(&e.b),
        cell(mb),
        cell(mb - hb),
        cell(mb + hb)
    ));
    for p in &e.parts {
        out.push_str(&format!(
            "factor,{},{},{},{},{},{},{tail}\n",
            q(&p.factor.name),
            p.factor.group,
            q(&factor_label(&p.factor, specs, a, b)),
            cell(p.value),
            cell(p.low),
            cell(p.high)
        ));
    }
    out.push_str(&format!(
        "a,{},,,{},{},{},{tail}\n",
        q(&e.a),
        cell(ma),
        cell(ma - ha),
        cell(ma + ha)
    ));
    let (d, lo, hi) = e.total;
    out.push_str(&format!(
        "total,a - b,,,{},{},{},{tail}\n",
        cell(d),
        cell(lo),
        cell(hi)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_of_a_known_game() {
        // v(S) = 3·[0∈S] + 5·[1∈S] + 4·[0∈S ∧ 1∈S]: the interaction is split.
        let v = [0.0, 3.0, 5.0, 12.0];
        let phi = shapley_exact(2, &v);
        assert!((phi[0] - 5.0).abs() < 1e-12 && (phi[1] - 7.0).abs() < 1e-12);
    }

    #[test]
    fn orders_and_exact_agree_when_every_order_is_used() {
        let k = 3;
        let v: Vec<f64> = (0..8u64).map(|m| (m * m) as f64 + (m & 1) as f64).collect();
        let mut orders = Vec::new();
        for a in 0..3 {
            for b in 0..3 {
                for c in 0..3 {
                    if a != b && b != c && a != c {
                        orders.push(vec![a, b, c]);
                    }
                }
            }
        }
        let exact = shapley_exact(k, &v);
        let sampled = shapley_orders(k, &orders, |m| v[m as usize]);
        for (x, y) in exact.iter().zip(&sampled) {
            assert!((x - y).abs() < 1e-9, "{x} vs {y}");
        }
    }
}
