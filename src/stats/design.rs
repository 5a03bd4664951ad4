//! Experimental designs over parameter spaces: full grids, Latin hypercubes
//! for space-filling sweeps, and Morris elementary-effects screening to find
//! which parameters matter before spending replications on them.
//!
//! A design is a list of points; each point holds one value per parameter in
//! the order of `ranges`. Ranges are `(low, high)` in parameter units.

use rand::RngExt;

use super::OnlineStats;

/// Latin hypercube sample of `n_points` points: every dimension's range is cut
/// into `n_points` equal strata and each stratum holds exactly one point,
/// placed uniformly at random inside it; strata are paired across dimensions
/// by independent random permutations.
///
/// Why: with few runs it covers each parameter's whole range, which plain
/// random sampling does not guarantee.
pub fn latin_hypercube(
    n_points: usize,
    ranges: &[(f64, f64)],
    rng: &mut impl rand::Rng,
) -> Vec<Vec<f64>> {
    let mut points: Vec<Vec<f64>> = (0..n_points)
        .map(|_| Vec::with_capacity(ranges.len()))
        .collect();
    let mut strata: Vec<usize> = (0..n_points).collect();
    for &(lo, hi) in ranges {
        let edge = |j: usize| lo + (hi - lo) * j as f64 / n_points as f64;
        shuffle(&mut strata, rng);
        for (point, &s) in points.iter_mut().zip(&strata) {
            let (a, b) = (edge(s), edge(s + 1));
            let x = a + (b - a) * rng.random::<f64>();
            // Rounding could land exactly on the upper edge, i.e. in the
            // next stratum; fall back to the lower edge then.
            point.push(if x != b { x } else { a });
        }
    }
    points
}

/// Fisher–Yates shuffle through `random_range`, so the permutation depends
/// only on the generator's stream.
fn shuffle<T>(v: &mut [T], rng: &mut impl rand::Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// Full factorial grid: every combination of the given levels, the last
/// parameter varying fastest. No parameters gives one empty point; any
/// parameter with no levels gives no points.
pub fn cartesian(levels: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut points: Vec<Vec<f64>> = vec![Vec::with_capacity(levels.len())];
    for values in levels {
        points = points
            .iter()
            .flat_map(|prefix| {
                values.iter().map(move |&v| {
                    let mut p = prefix.clone();
                    p.push(v);
                    p
                })
            })
            .collect();
    }
    points
}

/// Morris (1991) one-at-a-time design: `r` trajectories of `k + 1` points
/// each (`r * (k + 1)` rows, trajectory `t` in rows `t*(k+1) ..= t*(k+1)+k`).
///
/// On the unit grid `{0, 1/(p-1), ..., 1}` each trajectory starts at a random
/// grid point and then moves each parameter once, in random order, by
/// `delta = p / (2 (p - 1))`: up when the start level is in the lower half of
/// the grid and down otherwise, so every step stays on the grid and both
/// directions occur equally often. Points are then scaled to `ranges`.
///
/// # Panics
/// If `p` is odd or below 2 (delta would fall off the grid), or
/// `ranges.len() != k`.
pub fn morris_design(
    k: usize,
    r: usize,
    p: usize,
    ranges: &[(f64, f64)],
    rng: &mut impl rand::Rng,
) -> Vec<Vec<f64>> {
    assert!(
        p >= 2 && p.is_multiple_of(2),
        "Morris levels p must be even and >= 2"
    );
    assert_eq!(ranges.len(), k, "one range per parameter");
    let step = 1.0 / (p - 1) as f64;
    let delta = p as f64 / (2.0 * (p - 1) as f64);
    let scale = |x: &[f64]| -> Vec<f64> {
        x.iter()
            .zip(ranges)
            .map(|(&u, &(lo, hi))| lo + u * (hi - lo))
            .collect()
    };
    let mut design = Vec::with_capacity(r * (k + 1));
    let mut order: Vec<usize> = (0..k).collect();
    for _ in 0..r {
        let start: Vec<usize> = (0..k).map(|_| rng.random_range(0..p)).collect();
        let mut x: Vec<f64> = start.iter().map(|&j| j as f64 * step).collect();
        design.push(scale(&x));
        shuffle(&mut order, rng);
        for &i in &order {
            if start[i] < p / 2 {
                x[i] += delta;
            } else {
                x[i] -= delta;
            }
            design.push(scale(&x));
        }
    }
    design
}

/// Morris screening measures per parameter: `(mu_star, mu, sigma)`, the mean
/// absolute, mean and standard deviation (n - 1) of the elementary effects
/// `(y(x') - y(x)) / (u'_i - u_i)`, where `u` is the point rescaled to the unit
/// cube so effects are comparable across parameters with different units.
///
/// `mu_star` ranks importance (Campolongo et al. 2007); a large `sigma` says
/// the parameter acts non-linearly or through interactions. The changed
/// parameter of each step is detected from the design (the one that moved
/// most), so any one-at-a-time trajectory design of this layout works, not
/// only [`morris_design`]'s. Only complete trajectories present in both
/// `design` and `outputs` are used; non-finite outputs are skipped.
/// Parameters without effects get NaN (`sigma` needs two).
pub fn morris_effects(
    design: &[Vec<f64>],
    outputs: &[f64],
    ranges: &[(f64, f64)],
    k: usize,
    r: usize,
) -> Vec<(f64, f64, f64)> {
    let mut signed = vec![OnlineStats::new(); k];
    let mut absolute = vec![OnlineStats::new(); k];
    let width = |i: usize| {
        let (lo, hi) = ranges.get(i).copied().unwrap_or((0.0, 1.0));
        if hi != lo { hi - lo } else { 1.0 }
    };
    let complete = r.min(design.len() / (k + 1)).min(outputs.len() / (k + 1));
    for t in 0..complete {
        let base = t * (k + 1);
        for s in base..base + k {
            let (x0, x1) = (&design[s], &design[s + 1]);
            let moved = (0..k.min(x0.len()).min(x1.len()))
                .map(|i| (i, (x1[i] - x0[i]) / width(i)))
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
            let Some((i, du)) = moved else { continue };
            if du == 0.0 || !du.is_finite() {
                continue;
            }
            let ee = (outputs[s + 1] - outputs[s]) / du;
            signed[i].push(ee);
            absolute[i].push(ee.abs());
        }
    }
    signed
        .iter()
        .zip(&absolute)
        .map(|(sg, ab)| (ab.mean(), sg.mean(), sg.sd()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn lhs_one_point_per_stratum() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let ranges = [(0.0, 1.0), (-5.0, 5.0), (100.0, 101.0)];
        let n = 37;
        let pts = latin_hypercube(n, &ranges, &mut rng);
        assert_eq!(pts.len(), n);
        for (d, &(lo, hi)) in ranges.iter().enumerate() {
            let mut seen = vec![0; n];
            for p in &pts {
                assert_eq!(p.len(), ranges.len());
                assert!(p[d] >= lo && p[d] < hi);
                let s = ((p[d] - lo) / (hi - lo) * n as f64).floor() as usize;
                seen[s] += 1;
            }
            assert!(seen.iter().all(|&c| c == 1), "dim {d}: {seen:?}");
        }
        assert!(latin_hypercube(0, &ranges, &mut rng).is_empty());
    }

    #[test]
    fn cartesian_product_order() {
        let g = cartesian(&[vec![1.0, 2.0], vec![10.0, 20.0, 30.0]]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![1.0, 10.0]);
        assert_eq!(g[1], vec![1.0, 20.0]);
        assert_eq!(g[5], vec![2.0, 30.0]);
        assert_eq!(cartesian(&[]), vec![Vec::<f64>::new()]);
        assert!(cartesian(&[vec![1.0], vec![]]).is_empty());
    }

    #[test]
    fn morris_trajectories_are_one_at_a_time() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let ranges = [(0.0, 1.0), (-1.0, 1.0), (0.0, 2.0), (0.0, 10.0)];
        let (k, r, p) = (4, 12, 4);
        let delta = p as f64 / (2.0 * (p - 1) as f64);
        let d = morris_design(k, r, p, &ranges, &mut rng);
        assert_eq!(d.len(), r * (k + 1));
        for t in 0..r {
            let mut changed = vec![0; k];
            for s in t * (k + 1)..t * (k + 1) + k {
                let moved: Vec<usize> = (0..k).filter(|&i| d[s][i] != d[s + 1][i]).collect();
                assert_eq!(moved.len(), 1);
                let i = moved[0];
                let (lo, hi) = ranges[i];
                let du = (d[s + 1][i] - d[s][i]) / (hi - lo);
                assert!((du.abs() - delta).abs() < 1e-12);
                changed[i] += 1;
            }
            assert!(changed.iter().all(|&c| c == 1));
        }
        for x in &d {
            for (i, &(lo, hi)) in ranges.iter().enumerate() {
                let u = (x[i] - lo) / (hi - lo);
                assert!((-1e-12..=1.0 + 1e-12).contains(&u));
                let level = u * (p - 1) as f64;
                assert!((level - level.round()).abs() < 1e-9, "off grid: {u}");
            }
        }
    }

    #[test]
    fn morris_ranks_dead_parameter_last() {
        // y = 2 a + 10 b^2 + 5 b c, with d dead. In unit coordinates a's
        // effect is exactly 2 * width(a) = 2 everywhere: linear, sigma = 0.
        let f = |x: &[f64]| 2.0 * x[0] + 10.0 * x[1] * x[1] + 5.0 * x[1] * x[2];
        let ranges = [(0.0, 1.0), (-1.0, 1.0), (0.0, 2.0), (0.0, 10.0)];
        let (k, r) = (4, 20);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
        let design = morris_design(k, r, 4, &ranges, &mut rng);
        let y: Vec<f64> = design.iter().map(|x| f(x)).collect();
        let eff = morris_effects(&design, &y, &ranges, k, r);
        assert_eq!(eff.len(), k);
        let (mu_star_a, mu_a, sigma_a) = eff[0];
        assert!((mu_star_a - 2.0).abs() < 1e-9 && (mu_a - 2.0).abs() < 1e-9);
        assert!(sigma_a < 1e-9, "linear sigma {sigma_a}");
        assert!(eff[3].0.abs() < 1e-12, "dead mu* {}", eff[3].0);
        for i in 0..3 {
            assert!(eff[i].0 > eff[3].0 + 0.5, "param {i}: {:?}", eff[i]);
        }
        // b is nonlinear and interacts: large spread.
        assert!(eff[1].2 > 1.0);
    }

    #[test]
    fn morris_effects_tolerates_short_inputs() {
        let eff = morris_effects(&[vec![0.0, 0.0]], &[], &[(0.0, 1.0), (0.0, 1.0)], 2, 3);
        assert_eq!(eff.len(), 2);
        assert!(eff.iter().all(|e| e.0.is_nan() && e.2.is_nan()));
    }
}
