//! Where each structure wins: the scenario's variants (its structures) run
//! at every point of a sweep over condition parameters, with common random
//! numbers (replication r of every variant at every point uses the same
//! stream), and compared point by point.
//!
//! For each headline measure and point: the winner (best mean in the
//! measure's better direction), the runner-up, the lead with its paired 95%
//! interval over the replications (paired because the streams are common),
//! and whether the lead is significant (the interval excludes 0; one test
//! per point, no correction across points). Then each structure's share of
//! the points, and rules in plain words from a shallow decision tree over
//! the swept parameters (see [`tree_rules`]).

pub mod command;

use std::sync::atomic::AtomicBool;

use crate::engine;
use crate::output::compared_metrics;
use crate::scenario::{Scenario, Variant};
use crate::stats::{Better, OnlineStats};

/// The sweep a map runs over.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Swept parameter names, in point order.
    pub params: Vec<String>,
    /// One value per parameter per point.
    pub points: Vec<Vec<f64>>,
    /// Whether the points form a full grid (a phase diagram can be drawn).
    pub grid: bool,
}

/// One point's comparison on one measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Mean of each structure, in the scenario's order.
    pub means: Vec<f64>,
    pub winner: usize,
    pub runner_up: usize,
    /// Winner minus runner-up in the better direction (≥ 0), with its
    /// paired 95% interval.
    pub lead: (f64, f64, f64),
    pub significant: bool,
}

/// A whole map.
#[derive(Clone, Debug)]
pub struct Map {
    pub design: Design,
    /// The structures compared (the scenario's variants).
    pub structures: Vec<String>,
    /// The headline measures and their better direction.
    pub measures: Vec<(String, Better)>,
    /// `verdicts[m][p]`: measure m at point p (None: no finite values).
    pub verdicts: Vec<Vec<Option<Verdict>>>,
    pub replications: u32,
}

/// The headline measures: the primary total, mean engagement where the
/// model has it, and each scheduled event's effect on the primary metric
/// against its twin (its resilience loss when twins are off).
pub fn headline_measures(s: &Scenario) -> Vec<String> {
    let primary = s.model.metric_names()[s.model.primary_metric()];
    let effect = format!("_{primary}_effect");
    compared_metrics(s)
        .iter()
        .map(|(n, _, _)| n.clone())
        .filter(|n| {
            n.starts_with("total_")
                || n == "mean_engagement"
                || n.ends_with(&effect)
                || n.ends_with("_resilience_loss")
        })
        .collect()
}

/// The map's scenario: every structure at every point (structure-major),
/// common random numbers, no sweep of its own.
pub fn design_scenario(s: &Scenario, structures: &[Variant], design: &Design) -> Scenario {
    let specs = s.model.specs();
    let idx: Vec<usize> = design
        .params
        .iter()
        .map(|p| specs.iter().position(|x| x.name == *p).unwrap_or(0))
        .collect();
    let idx = &idx;
    let mut d = s.clone();
    d.variants = structures
        .iter()
        .flat_map(|v| {
            design.points.iter().map(move |point| {
                let mut values = v.values.clone();
                for (&i, &x) in idx.iter().zip(point) {
                    values[i] = if specs[i].integer { x.round() } else { x };
                }
                Variant {
                    name: v.name.clone(),
                    structure: v.structure.clone(),
                    practices: v.practices.clone(),
                    values,
                    sweep_point: point.clone(),
                    chart: v.chart.clone(),
                }
            })
        })
        .collect();
    d.sweep = design
        .params
        .iter()
        .map(|p| (p.clone(), Vec::new()))
        .collect();
    d.common_streams = true;
    d.target_ci = None;
    d
}

/// Checks a design's points against the model (ranges and constraints
/// between parameters), naming the first bad point.
pub fn check(s: &Scenario, structures: &[Variant], design: &Design) -> Result<(), String> {
    let d = design_scenario(s, structures, design);
    let specs = s.model.specs();
    for v in &d.variants {
        for (p, x) in design.params.iter().zip(&v.sweep_point) {
            if let Some(spec) = specs.iter().find(|q| q.name == *p) {
                spec.check(*x).map_err(|e| format!("{p}: {e}"))?;
            }
        }
        s.model.check(&v.values, &v.structure).map_err(|(p, e)| {
            format!(
                "`{}` at {}: {p}: {e}",
                v.name,
                point_text(&design.params, &v.sweep_point)
            )
        })?;
    }
    Ok(())
}

/// "team_size=6, coordination_cost=0.02".
pub fn point_text(params: &[String], point: &[f64]) -> String {
    params
        .iter()
        .zip(point)
        .map(|(p, x)| format!("{p}={}", crate::plot::fmt_num(*x)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs every structure at every point and compares them.
pub fn run(
    s: &Scenario,
    structures: &[Variant],
    design: &Design,
    measures: &[String],
    threads: usize,
) -> Result<Map, String> {
    let all = compared_metrics(s);
    let picks: Vec<usize> = measures
        .iter()
        .map(|m| {
            all.iter().position(|(n, _, _)| n == m).ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|(n, _, _)| n.as_str()).collect();
                format!("unknown measure `{m}`; choose from: {}", names.join(", "))
            })
        })
        .collect::<Result<_, _>>()?;
    let d = design_scenario(s, structures, design);
    let (np, nm, reps) = (design.points.len(), measures.len(), s.replications as usize);
    // values[(variant × reps + r) × nm + m]
    let mut values = vec![f64::NAN; d.variants.len() * reps * nm];
    engine::run::<()>(&d, threads, &AtomicBool::new(false), |r| {
        let at = (r.variant * reps + r.replication as usize) * nm;
        for (m, &k) in picks.iter().enumerate() {
            values[at + m] = (all[k].2)(&r.summary);
        }
        Ok(())
    })
    .map_err(|_| "the run failed".to_string())?;
    let get = |st: usize, p: usize, r: usize, m: usize| values[((st * np + p) * reps + r) * nm + m];
    let verdicts = (0..nm)
        .map(|m| {
            let better = all[picks[m]].1;
            (0..np)
                .map(|p| {
                    let series: Vec<Vec<f64>> = (0..structures.len())
                        .map(|st| (0..reps).map(|r| get(st, p, r, m)).collect())
                        .collect();
                    verdict(&series, better)
                })
                .collect()
        })
        .collect();
    Ok(Map {
        design: design.clone(),
        structures: structures.iter().map(|v| v.name.clone()).collect(),
        measures: picks
            .iter()
            .map(|&k| (all[k].0.clone(), all[k].1))
            .collect(),
        verdicts,
        replications: s.replications,
    })
}

/// The winner among structures from their per-replication values (paired
/// by replication): best mean, and a paired 95% interval of its lead over
/// the runner-up. Replications where any value is missing are left out.
pub fn verdict(series: &[Vec<f64>], better: Better) -> Option<Verdict> {
    let reps = series.first()?.len();
    let whole: Vec<usize> = (0..reps)
        .filter(|&r| series.iter().all(|x| x[r].is_finite()))
        .collect();
    if whole.is_empty() || series.len() < 2 {
        return None;
    }
    let sign = if better == Better::Lower { -1.0 } else { 1.0 };
    let means: Vec<f64> = series
        .iter()
        .map(|x| whole.iter().map(|&r| x[r]).sum::<f64>() / whole.len() as f64)
        .collect();
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by(|&a, &b| (sign * means[b]).total_cmp(&(sign * means[a])));
    let (winner, runner_up) = (order[0], order[1]);
    let mut lead = OnlineStats::new();
    for &r in &whole {
        lead.push(sign * (series[winner][r] - series[runner_up][r]));
    }
    let h = lead.ci95_half_width();
    let (mean, low, high) = (lead.mean(), lead.mean() - h, lead.mean() + h);
    Some(Verdict {
        means,
        winner,
        runner_up,
        lead: (mean, low, high),
        significant: low > 0.0,
    })
}

/// Each structure's share of the points it wins, and of those it wins
/// significantly, on one measure.
pub fn shares(map: &Map, m: usize) -> Vec<(f64, f64)> {
    let v = &map.verdicts[m];
    let n = v.iter().flatten().count().max(1) as f64;
    (0..map.structures.len())
        .map(|st| {
            let wins = v.iter().flatten().filter(|x| x.winner == st);
            let (w, sig) = wins.fold((0, 0), |(w, s), x| (w + 1, s + usize::from(x.significant)));
            (w as f64 / n, sig as f64 / n)
        })
        .collect()
}

/// A node of a shallow classification tree.
#[derive(Clone, Debug)]
enum Node {
    Leaf {
        class: usize,
        n: usize,
        correct: usize,
    },
    Split {
        dim: usize,
        at: f64,
        below: Box<Node>,
        above: Box<Node>,
    },
}

fn gini(counts: &[usize]) -> f64 {
    let n: usize = counts.iter().sum();
    if n == 0 {
        return 0.0;
    }
    1.0 - counts
        .iter()
        .map(|&c| (c as f64 / n as f64).powi(2))
        .sum::<f64>()
}

fn counts(rows: &[usize], y: &[usize], classes: usize) -> Vec<usize> {
    let mut c = vec![0; classes];
    for &i in rows {
        c[y[i]] += 1;
    }
    c
}

/// The split (dimension, threshold) of `rows` with the lowest weighted Gini
/// impurity, leaving at least `min_leaf` rows on each side.
fn best_split(
    x: &[Vec<f64>],
    y: &[usize],
    rows: &[usize],
    classes: usize,
    min_leaf: usize,
) -> Option<(usize, f64)> {
    let parent = gini(&counts(rows, y, classes));
    let mut best: Option<(f64, usize, f64)> = None;
    let dims = x.first().map_or(0, Vec::len);
    // `dim` indexes each point's coordinates, not `x`'s rows.
    #[allow(clippy::needless_range_loop)]
    for dim in 0..dims {
        let mut sorted = rows.to_vec();
        sorted.sort_by(|&a, &b| x[a][dim].total_cmp(&x[b][dim]));
        let mut left = vec![0; classes];
        let mut right = counts(rows, y, classes);
        for (k, pair) in sorted.windows(2).enumerate() {
            let i = pair[0];
            left[y[i]] += 1;
            right[y[i]] -= 1;
            let (a, b) = (x[i][dim], x[pair[1]][dim]);
            if a == b || k + 1 < min_leaf || sorted.len() - k - 1 < min_leaf {
                continue;
            }
            let nl = (k + 1) as f64;
            let nr = (sorted.len() - k - 1) as f64;
            let score = (nl * gini(&left) + nr * gini(&right)) / (nl + nr);
            if score < parent - 1e-12 && best.is_none_or(|(s, _, _)| score < s - 1e-12) {
                best = Some((score, dim, (a + b) / 2.0));
            }
        }
    }
    best.map(|(_, d, t)| (d, t))
}

fn grow(
    x: &[Vec<f64>],
    y: &[usize],
    rows: &[usize],
    classes: usize,
    depth: usize,
    min_leaf: usize,
) -> Node {
    let c = counts(rows, y, classes);
    let class = (0..classes)
        .max_by_key(|&k| (c[k], usize::MAX - k))
        .unwrap_or(0);
    let leaf = Node::Leaf {
        class,
        n: rows.len(),
        correct: c[class],
    };
    if depth == 0 || c[class] == rows.len() {
        return leaf;
    }
    let Some((dim, at)) = best_split(x, y, rows, classes, min_leaf) else {
        return leaf;
    };
    let (below, above): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&i| x[i][dim] < at);
    Node::Split {
        dim,
        at,
        below: Box::new(grow(x, y, &below, classes, depth - 1, min_leaf)),
        above: Box::new(grow(x, y, &above, classes, depth - 1, min_leaf)),
    }
}

/// A rule: the class it predicts, its conditions, and how well it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub class: usize,
    /// Per dimension: (lower bound, upper bound) the rule requires (lower
    /// inclusive, upper exclusive); None where the rule says nothing.
    pub bounds: Vec<(Option<f64>, Option<f64>)>,
    /// Points the rule covers, and of those, points of its class.
    pub n: usize,
    pub correct: usize,
    /// Share of all points of its class that the rule covers.
    pub coverage: f64,
}

impl Rule {
    /// Precision: the share of the points it covers that are its class.
    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.n.max(1) as f64
    }

    /// Whether a point satisfies the rule.
    pub fn holds(&self, point: &[f64]) -> bool {
        self.bounds
            .iter()
            .zip(point)
            .all(|((lo, hi), x)| lo.is_none_or(|l| *x >= l) && hi.is_none_or(|h| *x < h))
    }
}

fn leaves(node: &Node, bounds: &mut Vec<(Option<f64>, Option<f64>)>, out: &mut Vec<Rule>) {
    match node {
        Node::Leaf { class, n, correct } => out.push(Rule {
            class: *class,
            bounds: bounds.clone(),
            n: *n,
            correct: *correct,
            coverage: 0.0,
        }),
        Node::Split {
            dim,
            at,
            below,
            above,
        } => {
            let saved = bounds[*dim];
            bounds[*dim].1 = Some(saved.1.map_or(*at, |h| h.min(*at)));
            leaves(below, bounds, out);
            bounds[*dim] = saved;
            bounds[*dim].0 = Some(saved.0.map_or(*at, |l| l.max(*at)));
            leaves(above, bounds, out);
            bounds[*dim] = saved;
        }
    }
}

/// Rules from a classification tree of at most `depth` levels over points
/// `x` with classes `y` (each leaf at least 5% of the points): one rule per
/// leaf, best precision first, with each rule's coverage of its class.
pub fn tree_rules(x: &[Vec<f64>], y: &[usize], classes: usize, depth: usize) -> Vec<Rule> {
    let rows: Vec<usize> = (0..x.len()).collect();
    let min_leaf = (x.len() / 20).max(1);
    let tree = grow(x, y, &rows, classes, depth, min_leaf);
    let dims = x.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    leaves(&tree, &mut vec![(None, None); dims], &mut out);
    let total = counts(&rows, y, classes);
    for r in &mut out {
        r.coverage = r.correct as f64 / total[r.class].max(1) as f64;
    }
    // Leaves predicting the same class are kept apart: each is one region.
    out.sort_by(|a, b| b.precision().total_cmp(&a.precision()).then(b.n.cmp(&a.n)));
    out
}

/// A rule in words: "hierarchy wins when team_size ≥ 14 and
/// coordination_cost < 0.04 (85% of its wins there, 90% precision)".
pub fn rule_text(rule: &Rule, params: &[String], classes: &[String], verb: &str) -> String {
    let f = crate::plot::fmt_num;
    let conds: Vec<String> = rule
        .bounds
        .iter()
        .zip(params)
        .filter_map(|(b, p)| match b {
            (Some(l), Some(h)) => Some(format!("{} ≤ {p} < {}", f(*l), f(*h))),
            (Some(l), None) => Some(format!("{p} ≥ {}", f(*l))),
            (None, Some(h)) => Some(format!("{p} < {}", f(*h))),
            (None, None) => None,
        })
        .collect();
    let when = if conds.is_empty() {
        "everywhere in the swept range".to_string()
    } else {
        format!("when {}", conds.join(" and "))
    };
    format!(
        "{} {verb} {when}: {} of {} points there ({:.0}% precision), {:.0}% of all its wins",
        classes[rule.class],
        rule.correct,
        rule.n,
        100.0 * rule.precision(),
        100.0 * rule.coverage
    )
}

/// Plain-words rules for one measure of a map (winner classes; points
/// without a verdict left out).
pub fn map_rules(map: &Map, m: usize, depth: usize) -> Vec<Rule> {
    let (x, y): (Vec<Vec<f64>>, Vec<usize>) = map
        .design
        .points
        .iter()
        .zip(&map.verdicts[m])
        .filter_map(|(p, v)| v.as_ref().map(|v| (p.clone(), v.winner)))
        .unzip();
    tree_rules(&x, &y, map.structures.len(), depth)
}

/// Writes `map.csv`: one row per point and measure.
pub fn csv(map: &Map) -> String {
    use crate::output::cell;
    let q = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("point");
    for p in &map.design.params {
        out.push(',');
        out.push_str(&q(p));
    }
    out.push_str(",measure,winner,runner_up,lead,lead_ci_low,lead_ci_high,significant");
    for st in &map.structures {
        out.push(',');
        out.push_str(&q(&format!("mean {st}")));
    }
    out.push('\n');
    for (m, (name, _)) in map.measures.iter().enumerate() {
        for (p, point) in map.design.points.iter().enumerate() {
            out.push_str(&(p + 1).to_string());
            for x in point {
                out.push(',');
                out.push_str(&cell(*x));
            }
            out.push(',');
            out.push_str(name);
            match &map.verdicts[m][p] {
                Some(v) => {
                    out.push_str(&format!(
                        ",{},{},{},{},{},{}",
                        q(&map.structures[v.winner]),
                        q(&map.structures[v.runner_up]),
                        cell(v.lead.0),
                        cell(v.lead.1),
                        cell(v.lead.2),
                        v.significant
                    ));
                    for x in &v.means {
                        out.push(',');
                        out.push_str(&cell(*x));
                    }
                }
                None => {
                    out.push_str(",,,,,,");
                    for _ in &map.structures {
                        out.push(',');
                    }
                }
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_winner_follows_the_better_direction() {
        let a = vec![10.0, 11.0, 12.0];
        let b = vec![20.0, 21.0, 22.5];
        let v = verdict(&[a.clone(), b.clone()], Better::Higher).unwrap();
        assert_eq!((v.winner, v.runner_up), (1, 0));
        assert!(v.significant);
        let v = verdict(&[a, b], Better::Lower).unwrap();
        assert_eq!(v.winner, 0);
        assert!((v.lead.0 - 10.1666).abs() < 1e-3);
    }

    #[test]
    fn a_noisy_tie_is_not_significant() {
        let a = vec![10.0, 12.0, 9.0, 11.0];
        let b = vec![11.0, 10.0, 10.0, 11.5];
        let v = verdict(&[a, b], Better::Higher).unwrap();
        assert!(!v.significant, "{v:?}");
    }
}
