//! The two-sided Mann–Whitney U test, as scipy computes it
//! (`scipy.stats.mannwhitneyu`, default arguments).
//!
//! Our own rather than statrs's: statrs 0.19.1's exact path returns the
//! wrong tail (e.g. 1 instead of 0.0022 for six values against six larger
//! ones), which is every case of 8 or fewer replications per variant.
//!
//! * Exact when there are no ties and either sample has at most 8 values
//!   (scipy's choice), from the distribution of U counted with a recurrence;
//!   when that count would take too long (a sample of 8 against tens of
//!   thousands), the normal approximation is used instead.
//! * Otherwise the normal approximation with scipy's tie correction and
//!   continuity correction.

use statrs::function::erf::erfc;

/// Most work (≈ n_small² · n_large² / 4 additions) for the exact
/// distribution; above it, the normal approximation.
const EXACT_WORK_LIMIT: f64 = 2.0e8;

/// Two-sided Mann–Whitney U p-value of the finite values of `a` and `b`.
/// NaN when either sample is empty; 1 when every pooled value is equal.
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let a: Vec<f64> = a.iter().copied().filter(|x| x.is_finite()).collect();
    let b: Vec<f64> = b.iter().copied().filter(|x| x.is_finite()).collect();
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let (n1, n2) = (a.len(), b.len());
    let (u1, tie_term) = u_statistic(&a, &b);
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let n = n1f + n2f;
    // The larger of U1 and U2 = n1 n2 - U1, as scipy's two-sided test uses.
    let u = u1.max(n1f * n2f - u1);
    let small = n1.min(n2) as f64;
    let large = n1.max(n2) as f64;
    let exact_wanted = (n1 <= 8 || n2 <= 8) && tie_term == 0.0;
    let p = if exact_wanted && small * small * large * large / 4.0 <= EXACT_WORK_LIMIT {
        2.0 * exact_sf(n1.min(n2), n1.max(n2), u)
    } else {
        let sd = (n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        if sd == 0.0 {
            // Every pooled value equal: no evidence either way.
            return 1.0;
        }
        let z = (u - n1f * n2f / 2.0 - 0.5) / sd;
        2.0 * normal_sf(z)
    };
    p.clamp(0.0, 1.0)
}

/// `U1` (pairs with a value of `a` above one of `b`, ties counting ½) from
/// the mid-ranks of the pooled sample, and the tie term `Σ (t³ - t)` over
/// groups of `t` equal values.
fn u_statistic(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut pooled: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut rank_sum, mut tie_term) = (0.0, 0.0);
    let mut i = 0;
    while i < pooled.len() {
        let mut j = i + 1;
        while j < pooled.len() && pooled[j].0 == pooled[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean.
        let mid = (i + 1 + j) as f64 / 2.0;
        let in_a = pooled[i..j].iter().filter(|x| x.1).count() as f64;
        rank_sum += mid * in_a;
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        i = j;
    }
    let n1 = a.len() as f64;
    (rank_sum - n1 * (n1 + 1.0) / 2.0, tie_term)
}

/// `P(U ≥ u)` under the null for samples of `m ≤ n` values without ties.
///
/// With `P_{m,n}(k)` the chance that `U = k`, the largest pooled value is
/// from the first sample with chance `m/(m+n)` (it is above all `n` of the
/// second: `k - n` left for the rest) or from the second (adds nothing):
/// `P_{m,n}(k) = m/(m+n) P_{m-1,n}(k-n) + n/(m+n) P_{m,n-1}(k)`. Every term
/// is positive, so the sums lose no precision.
fn exact_sf(m: usize, n: usize, u: f64) -> f64 {
    // prev[i] = P_{i, j-1}, cur[i] = P_{i, j}, over i = 0..=m; with no
    // second sample (j = 0) U is 0 for certain.
    let mut prev: Vec<Vec<f64>> = vec![vec![1.0]; m + 1];
    for j in 1..=n {
        let mut cur: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
        cur.push(vec![1.0]);
        for i in 1..=m {
            let total = (i + j) as f64;
            let mut dist = vec![0.0; i * j + 1];
            let from_a = &cur[i - 1];
            for (k, x) in from_a.iter().enumerate() {
                dist[k + j] += i as f64 / total * x;
            }
            for (k, x) in prev[i].iter().enumerate() {
                dist[k] += j as f64 / total * x;
            }
            cur.push(dist);
        }
        prev = cur;
    }
    let dist = &prev[m];
    let from = u.ceil().max(0.0) as usize;
    dist.iter().skip(from).sum()
}

/// The standard normal's upper tail, `P(Z > z)`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    /// Reference values: `scipy.stats.mannwhitneyu(x, y).pvalue`, scipy
    /// 1.17.1, default arguments (two-sided, continuity correction, method
    /// 'auto': exact without ties when a sample has at most 8 values).
    #[test]
    fn matches_scipy_small_samples() {
        let cases: [(&[f64], &[f64], f64); 8] = [
            // 8 vs 8, no ties: exact.
            (
                &[1.1, 2.3, 3.5, 4.2, 5.9, 6.1, 7.7, 8.4],
                &[4.5, 5.2, 6.6, 7.3, 8.8, 9.1, 10.2, 11.5],
                0.037917637917637914,
            ),
            // 8 vs 8, completely separated: exact, 2/C(16,8).
            (
                &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                &[9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0],
                0.0001554001554001554,
            ),
            // 8 vs 8 with ties: asymptotic, tie-corrected.
            (
                &[1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0],
                &[3.0, 4.0, 4.0, 6.0, 7.0, 8.0, 8.0, 9.0],
                0.03924602517844302,
            ),
            // 5 vs 4, no ties (scipy's documentation example): exact.
            (
                &[19.0, 22.0, 16.0, 29.0, 24.0],
                &[20.0, 11.0, 17.0, 12.0],
                0.1111111111111111,
            ),
            // 5 vs 4 with ties: asymptotic.
            (
                &[3.0, 5.0, 5.0, 7.0, 9.0],
                &[1.0, 3.0, 4.0, 5.0],
                0.13327700744249354,
            ),
            // 6 vs 6 separated: statrs 0.19.1 says 1 here.
            (
                &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
                0.0021645021645021645,
            ),
            // 3 vs 8.
            (
                &[0.5, 3.3, 7.1],
                &[1.2, 2.2, 4.4, 5.5, 6.6, 8.8, 9.9, 10.1],
                0.3757575757575758,
            ),
            // Swapped 8 vs 8: the same two-sided p.
            (
                &[4.5, 5.2, 6.6, 7.3, 8.8, 9.1, 10.2, 11.5],
                &[1.1, 2.3, 3.5, 4.2, 5.9, 6.1, 7.7, 8.4],
                0.037917637917637914,
            ),
        ];
        for (a, b, want) in cases {
            let p = mann_whitney_p(a, b);
            assert!(close(p, want, 1e-10), "{a:?} vs {b:?}: {p} != {want}");
        }
    }

    /// Both samples above 8 values and no ties: scipy's 'auto' takes the
    /// normal approximation (continuity-corrected, no tie term).
    /// `scipy.stats.mannwhitneyu(a, b).pvalue` (and with
    /// `method='asymptotic'`), scipy 1.17.1: 0.02090618563467879.
    #[test]
    fn asymptotic_without_ties_matches_scipy() {
        let a = [0.3, 1.7, 2.9, 3.4, 4.8, 5.1, 6.6, 7.2, 9.5];
        let b = [
            2.2, 3.9, 5.5, 6.1, 7.8, 8.3, 8.9, 9.9, 10.4, 11.6, 12.7, 13.1,
        ];
        let p = mann_whitney_p(&a, &b);
        assert!(close(p, 0.02090618563467879, 1e-10), "{p}");
        assert!(close(mann_whitney_p(&b, &a), 0.02090618563467879, 1e-10));
    }

    #[test]
    fn exact_for_a_small_sample_against_a_larger_one() {
        // scipy.stats.mannwhitneyu(np.arange(8)*1.3+0.05, np.arange(40)*0.37)
        //   .pvalue = 0.1264000454709043 (exact: 8 values, no ties)
        let a: Vec<f64> = (0..8).map(|i| i as f64 * 1.3 + 0.05).collect();
        let b: Vec<f64> = (0..40).map(|i| i as f64 * 0.37).collect();
        let p = mann_whitney_p(&a, &b);
        assert!(close(p, 0.1264000454709043, 1e-10), "{p}");
    }

    #[test]
    fn exact_distribution_sums_to_one_and_is_symmetric() {
        for (m, n) in [(1, 1), (3, 5), (8, 8), (4, 11)] {
            assert!(close(exact_sf(m, n, 0.0), 1.0, 1e-12));
            // P(U >= mn/2 + x) = P(U <= mn/2 - x).
            let top = (m * n) as f64;
            let upper = exact_sf(m, n, top);
            assert!(close(upper, 1.0 / binomial(m + n, m), 1e-12), "{m} {n}");
        }
    }

    fn binomial(n: usize, k: usize) -> f64 {
        (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
    }
}
