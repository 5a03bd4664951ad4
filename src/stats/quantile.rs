//! Exact quantiles (type 7) of a sample: of a sorted one, or of an
//! unsorted one by selection.

/// Exact quantile of an ascending-sorted, NaN-free slice, using linear
/// interpolation between order statistics (Hyndman & Fan type 7, the default
/// of numpy's `quantile` and R's `quantile`).
///
/// Returns NaN for an empty slice; `p` is clamped to `[0, 1]`.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || p.is_nan() {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = h - lo as f64;
    if frac == 0.0 {
        // Avoids 0 * inf = NaN when a neighbour is infinite.
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

/// Type-7 quantiles at the ascending probabilities `ps` of an unsorted,
/// NaN-free slice, by selection instead of a sort (reorders `v`): bit for
/// bit what [`quantile_sorted`] gives on the sorted slice (order statistics
/// under `total_cmp` are the same values whichever way they are found), in
/// a few linear passes instead of `n log n`.
///
/// Returns NaN for an empty slice.
///
/// # Panics
/// If `ps` is not ascending.
pub fn quantiles_select<const K: usize>(v: &mut [f64], ps: [f64; K]) -> [f64; K] {
    let n = v.len();
    if n == 0 {
        return [f64::NAN; K];
    }
    // `v[from..]` holds the order statistics `from..n` (in some order).
    let mut from = 0;
    ps.map(|p| {
        if p.is_nan() {
            return f64::NAN;
        }
        let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
        let lo = h.floor() as usize;
        let frac = h - lo as f64;
        assert!(lo >= from, "quantiles_select: probabilities must ascend");
        let (_, x, above) = v[from..].select_nth_unstable_by(lo - from, f64::total_cmp);
        let x = *x;
        from = lo;
        if frac == 0.0 {
            // Avoids 0 * inf = NaN when a neighbour is infinite.
            x
        } else {
            // `frac > 0` means `lo < n - 1`: the next order statistic is
            // the least of those above.
            let next = above.iter().copied().min_by(f64::total_cmp).unwrap_or(x);
            x + frac * (next - x)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_equals_sorting_bit_for_bit() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let ps = [0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0];
        for n in 1..120 {
            for ties in [false, true] {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        let x: f64 = rng.random::<f64>() * 10.0 - 5.0;
                        if ties { x.round() } else { x }
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort_unstable_by(f64::total_cmp);
                let mut w = v.clone();
                let got = quantiles_select(&mut w, ps);
                for (p, g) in ps.iter().zip(got) {
                    let want = quantile_sorted(&sorted, *p);
                    assert_eq!(g.to_bits(), want.to_bits(), "n {n} p {p}: {g} vs {want}");
                }
            }
        }
        assert!(quantiles_select(&mut [], [0.5])[0].is_nan());
        let mut inf = [1.0, f64::INFINITY, 2.0];
        assert_eq!(quantiles_select(&mut inf, [0.5, 1.0]), [2.0, f64::INFINITY]);
    }

    #[test]
    fn type7_matches_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) -> 1.75, 2.5, 3.25
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.25), 1.75);
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.75), 3.25);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_sorted(&[7.0], 0.3), 7.0);
    }
}
