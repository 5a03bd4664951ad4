//! Two-sample comparisons of variants and the comparison table.
//!
//! The Welch t-test is the primary test (replication means are close to
//! normal for the replication counts we run, and variances differ between
//! organisation types, so the pooled-variance t-test would be wrong). The
//! Mann–Whitney p-value is reported beside it as a robustness check for
//! skewed metrics. Holm's step-down adjustment controls the family-wise error
//! within each *family*: the comparisons of the variants with each other on
//! one measure (at one point of a sweep whose structures are compared point
//! by point). A family is one question ("which variant has the higher
//! throughput?") asked of every pair; adjusting over the whole table instead
//! made a row's verdict depend on how many other measures happened to be
//! listed, and showed an adjusted p = 1 beside an interval that excludes 0
//! (see docs/validation.md, "Comparisons").
//!
//! # What the interval and each p compare
//! * `diff_ci_*` is the Welch 95% interval of `mean(a) − mean(b)`; `welch_p`
//!   is the test of the same difference, so the interval excludes 0 exactly
//!   when `welch_p < 0.05`. With common random numbers both come from the
//!   paired differences (`paired_p`), and agree the same way.
//! * The decisive p (`p_unadjusted`, and `p_holm` after Holm) is Welch's, the
//!   paired test's, or for a censored recovery time the log-rank test's. The
//!   log-rank test compares the whole time-to-recovery curves, never-recovered
//!   runs included; the interval covers only the runs that recovered, so the
//!   two can disagree and the log-rank p decides.
//! * `mann_whitney_p` is a rank test (does a value of a tend to exceed one of
//!   b?), not a test of the mean difference: it can disagree with the interval
//!   on skewed data, and is shown as a robustness check only.
//! * The interval is not adjusted for multiplicity: a row whose interval
//!   excludes 0 can still have `p_holm` ≥ 0.05 when its family has several
//!   comparisons. `p_unadjusted` is the p that matches the interval.
//!
//! # Degenerate input
//! Non-finite values are dropped first. Then:
//! * fewer than 2 values in either sample: Welch's t, df, p, the difference
//!   CI and (if `n_a + n_b < 3`) Hedges' g are NaN, because no variance can be
//!   estimated; Mann–Whitney needs only one value per sample.
//! * both samples with zero variance: identical constants give t = 0, p = 1,
//!   g = 0 and a zero-width CI; different constants give t = ±inf, p = 0,
//!   g = ±inf and a zero-width CI at the difference. The same p-values hold
//!   for Mann–Whitney when every pooled value is equal (p = 1).
//! * NaN p-values are left out of the Holm family (they stay NaN).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::gamma::ln_gamma;

pub use super::rank::mann_whitney_p;
use super::survival::{Time, km_median, logrank};
use super::{OnlineStats, t_quantile};

/// Significance level used for `better` and `verdict` (after Holm, within
/// the row's family).
pub const ALPHA: f64 = 0.05;

/// Mean, variance and count of the finite values of a sample.
#[derive(Clone, Copy, Debug)]
struct Moments {
    n: f64,
    mean: f64,
    /// Sample variance (n - 1); NaN when n < 2.
    var: f64,
}

impl Moments {
    fn of(x: &[f64]) -> Self {
        let mut acc = OnlineStats::new();
        for &v in x {
            acc.push(v);
        }
        let sd = acc.sd();
        Self {
            n: acc.n() as f64,
            mean: acc.mean(),
            var: sd * sd,
        }
    }
}

/// Welch's unequal-variance t-test: `(t, df, p_two_sided)` for the
/// difference `mean(a) - mean(b)`, with Welch–Satterthwaite degrees of
/// freedom. See the module docs for degenerate input.
pub fn welch_t_test(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let (ma, mb) = (Moments::of(a), Moments::of(b));
    if ma.n < 2.0 || mb.n < 2.0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let (va, vb) = (ma.var / ma.n, mb.var / mb.n);
    let se2 = va + vb;
    let diff = ma.mean - mb.mean;
    if se2 == 0.0 {
        // Both samples constant: the data decide with certainty.
        let df = ma.n + mb.n - 2.0;
        return if diff == 0.0 {
            (0.0, df, 1.0)
        } else {
            (diff.signum() * f64::INFINITY, df, 0.0)
        };
    }
    let t = diff / se2.sqrt();
    let df = welch_df(va, ma.n, vb, mb.n);
    let p = StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| (2.0 * d.sf(t.abs())).min(1.0));
    (t, df, p)
}

/// One-sample (paired) t-test of mean zero, for per-replication differences
/// such as a run minus its twin: `(t, p_two_sided, (ci95_low, ci95_high))`.
/// All-zero differences give t = 0, p = 1 and a zero-width interval (an
/// event that changed nothing); constant non-zero ones p = 0. NaN with
/// fewer than 2 finite values.
pub fn paired_t_test(d: &[f64]) -> (f64, f64, (f64, f64)) {
    let m = Moments::of(d);
    if m.n < 2.0 {
        return (f64::NAN, f64::NAN, (f64::NAN, f64::NAN));
    }
    let se = (m.var / m.n).sqrt();
    if se == 0.0 {
        let (t, p) = if m.mean == 0.0 {
            (0.0, 1.0)
        } else {
            (m.mean.signum() * f64::INFINITY, 0.0)
        };
        return (t, p, (m.mean, m.mean));
    }
    let df = m.n - 1.0;
    let t = m.mean / se;
    let p = StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| (2.0 * d.sf(t.abs())).min(1.0));
    let hw = t_quantile(0.975, df) * se;
    (t, p, (m.mean - hw, m.mean + hw))
}

/// Welch–Satterthwaite degrees of freedom from the squared standard errors
/// `va = s_a²/n_a`, `vb = s_b²/n_b`.
fn welch_df(va: f64, na: f64, vb: f64, nb: f64) -> f64 {
    (va + vb).powi(2) / (va * va / (na - 1.0) + vb * vb / (nb - 1.0))
}

/// 95% confidence interval `(low, high)` of `mean(a) - mean(b)` without
/// assuming equal variances (Welch). Zero-width at the difference when both
/// samples are constant; NaN when either has fewer than 2 values.
pub fn mean_diff_ci95(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (ma, mb) = (Moments::of(a), Moments::of(b));
    if ma.n < 2.0 || mb.n < 2.0 {
        return (f64::NAN, f64::NAN);
    }
    let diff = ma.mean - mb.mean;
    let (va, vb) = (ma.var / ma.n, mb.var / mb.n);
    if va + vb == 0.0 {
        return (diff, diff);
    }
    let hw = t_quantile(0.975, welch_df(va, ma.n, vb, mb.n)) * (va + vb).sqrt();
    (diff - hw, diff + hw)
}

/// Hedges' g: the standardised mean difference `(mean(a) - mean(b)) / s_p`
/// with pooled SD `s_p`, times the exact small-sample bias correction
/// `J(df) = Γ(df/2) / (√(df/2) Γ((df-1)/2))`, `df = n_a + n_b - 2`
/// (Hedges 1981; the familiar `1 - 3/(4 df - 1)` is its approximation).
///
/// NaN when `df < 2` (J is undefined); 0 or ±inf when both samples are
/// constant (equal or different constants).
pub fn hedges_g(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (Moments::of(a), Moments::of(b));
    let df = ma.n + mb.n - 2.0;
    if ma.n < 1.0 || mb.n < 1.0 || df < 2.0 {
        return f64::NAN;
    }
    // A single-value sample contributes no variance information.
    let ss = |m: &Moments| if m.n < 2.0 { 0.0 } else { (m.n - 1.0) * m.var };
    let sp = ((ss(&ma) + ss(&mb)) / df).sqrt();
    let diff = ma.mean - mb.mean;
    if sp == 0.0 {
        return if diff == 0.0 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        };
    }
    let j = (ln_gamma(df / 2.0) - ln_gamma((df - 1.0) / 2.0)).exp() / (df / 2.0).sqrt();
    j * diff / sp
}

/// Holm–Bonferroni step-down adjusted p-values, in input order.
///
/// Sorted ascending, `p_(i)` becomes `max_{j <= i} min(1, (m - j + 1) p_(j))`,
/// so the adjusted values are monotone in the raw ones and never exceed 1.
/// NaN entries are not counted in `m` and stay NaN.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Which direction of a metric is desirable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
    /// Neither direction is better (a descriptive metric).
    Neither,
}

/// One metric compared between two variants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparisonRow {
    pub metric: String,
    pub variant_a: String,
    pub variant_b: String,
    /// Finite values used from each sample.
    pub n_a: usize,
    pub n_b: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    /// `mean_a - mean_b`.
    pub diff: f64,
    /// Welch 95% CI of `diff`.
    pub diff_ci_low: f64,
    pub diff_ci_high: f64,
    pub welch_p: f64,
    pub mann_whitney_p: f64,
    /// Hedges' g of a relative to b (positive when a is higher).
    pub hedges_g: f64,
    /// The test the row is judged on: `welch`, `paired-t` (common random
    /// numbers) or `log-rank` (a censored time).
    pub p_test: &'static str,
    /// That test's p-value, unadjusted.
    pub p_unadjusted: f64,
    /// `p_unadjusted` after Holm adjustment within the row's family: the
    /// comparisons on the same measure (and the same sweep point when a
    /// sweep compares its structures point by point).
    pub p_holm: f64,
    /// Comparisons in that family with a p-value (Holm's m).
    pub holm_family_size: usize,
    /// Name of the better variant; None when not significant at
    /// [`ALPHA`] after Holm, or when the metric has no better direction.
    pub better: Option<String>,
    /// Plain-words reading, e.g. "peer higher (Holm p=0.003)".
    pub verdict: String,
    /// For a time that some runs never reach (a recovery): the runs that
    /// never did and the censoring-aware comparison. `None` for other measures.
    pub censored: Option<CensoredComparison>,
    /// With common random numbers (replication r of both variants on the
    /// same stream): the paired t-test's p on the per-replication
    /// differences, which then also give `diff_ci_*` and decide the
    /// verdict. NaN for independent replications.
    pub paired_p: f64,
}

/// A time measure compared with the runs that never reached it counted as
/// censored (at `+∞` in the samples), not dropped. The means, Welch and
/// Mann–Whitney columns of the row cover the runs that did; the log-rank p
/// decides the row's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CensoredComparison {
    pub never_a: usize,
    pub never_b: usize,
    /// Kaplan–Meier medians (`inf`: more than half never reach it).
    pub km_median_a: f64,
    pub km_median_b: f64,
    /// Two-sided log-rank p-value.
    pub logrank_p: f64,
    /// Log-rank z of `a`: negative when `a` reaches it later.
    pub logrank_z: f64,
}

impl CensoredComparison {
    fn of(a: &[f64], b: &[f64]) -> Self {
        let (ta, tb) = (censored_times(a), censored_times(b));
        let (logrank_z, logrank_p) = logrank(&ta, &tb);
        let never = |x: &[Time]| x.iter().filter(|t| !t.observed).count();
        CensoredComparison {
            never_a: never(&ta),
            never_b: never(&tb),
            km_median_a: km_median(&ta),
            km_median_b: km_median(&tb),
            logrank_p,
            logrank_z,
        }
    }
}

/// A sample of times with `+∞` for "never" (and NaN for "not measured",
/// left out) as censored times: censored after every observed time.
pub fn censored_times(x: &[f64]) -> Vec<Time> {
    x.iter()
        .filter(|x| !x.is_nan())
        .map(|&x| Time {
            time: if x.is_finite() { x } else { f64::MAX },
            observed: x.is_finite(),
        })
        .collect()
}

/// Compares every pair of variants on every metric.
///
/// `samples[v] = (variant name, values)` with `values[m]` the per-replication
/// values of `metrics[m]`; a missing metric counts as an empty sample. Rows
/// come metric by metric, pairs `(i, j)` with `i < j` in input order. Holm
/// adjustment runs over the Welch p-values of the whole table. Never panics
/// on degenerate data (see the module docs); such rows get NaN statistics and
/// a verdict saying there is not enough data.
pub fn compare_variants(
    metrics: &[(String, Better)],
    samples: &[(String, Vec<Vec<f64>>)],
) -> Vec<ComparisonRow> {
    let n = samples.len();
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    compare_pairs(metrics, samples, &pairs)
}

/// Like [`compare_variants`], for the given pairs of variants only (e.g.
/// each point of a large sweep against the first, where every pair would
/// make the table grow with the square of the points). Holm adjustment runs
/// over the rows produced.
pub fn compare_pairs(
    metrics: &[(String, Better)],
    samples: &[(String, Vec<Vec<f64>>)],
    pairs: &[(usize, usize)],
) -> Vec<ComparisonRow> {
    compare_pairs_censored(metrics, &vec![false; metrics.len()], samples, pairs, false)
}

/// Like [`compare_pairs`]; the metrics marked in `censored` are times that
/// some runs never reach (`+∞` in the samples): their rows carry a
/// [`CensoredComparison`] and their verdict and Holm adjustment use its
/// log-rank p instead of Welch's. `paired`: value i of every variant's
/// sample comes from the same random stream (common random numbers, no
/// failed replication), so the other measures are compared pairwise. Each
/// measure's pairs are one Holm family.
pub fn compare_pairs_censored(
    metrics: &[(String, Better)],
    censored: &[bool],
    samples: &[(String, Vec<Vec<f64>>)],
    pairs: &[(usize, usize)],
    paired: bool,
) -> Vec<ComparisonRow> {
    let groups = vec![0; pairs.len()];
    compare_pairs_grouped(metrics, censored, samples, pairs, &groups, paired)
}

/// Like [`compare_pairs_censored`], with the pairs split into groups
/// (`groups[i]` for `pairs[i]`, e.g. the sweep point whose structures the
/// pair compares): a Holm family is one measure's pairs in one group.
pub fn compare_pairs_grouped(
    metrics: &[(String, Better)],
    censored: &[bool],
    samples: &[(String, Vec<Vec<f64>>)],
    pairs: &[(usize, usize)],
    groups: &[usize],
    paired: bool,
) -> Vec<ComparisonRow> {
    let column = |v: usize, m: usize| samples[v].1.get(m).map_or(&[][..], Vec::as_slice);
    let mut rows = Vec::new();
    let mut directions = Vec::new();
    let mut families = Vec::new();
    for (m, (metric, direction)) in metrics.iter().enumerate() {
        {
            for (pi, &(i, j)) in pairs.iter().enumerate() {
                let (a, b) = (column(i, m), column(j, m));
                let (ma, mb) = (Moments::of(a), Moments::of(b));
                let (_, _, welch_p) = welch_t_test(a, b);
                let is_time = censored.get(m).copied().unwrap_or(false);
                let (mut diff_ci_low, mut diff_ci_high) = mean_diff_ci95(a, b);
                let mut paired_p = f64::NAN;
                if paired && !is_time {
                    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
                    let (_, p, (lo, hi)) = paired_t_test(&d);
                    (paired_p, diff_ci_low, diff_ci_high) = (p, lo, hi);
                }
                rows.push(ComparisonRow {
                    metric: metric.clone(),
                    variant_a: samples[i].0.clone(),
                    variant_b: samples[j].0.clone(),
                    n_a: ma.n as usize,
                    n_b: mb.n as usize,
                    mean_a: ma.mean,
                    mean_b: mb.mean,
                    diff: ma.mean - mb.mean,
                    diff_ci_low,
                    diff_ci_high,
                    welch_p,
                    mann_whitney_p: mann_whitney_p(a, b),
                    hedges_g: hedges_g(a, b),
                    p_test: "",
                    p_unadjusted: f64::NAN,
                    p_holm: f64::NAN,
                    holm_family_size: 0,
                    better: None,
                    verdict: String::new(),
                    censored: is_time.then(|| CensoredComparison::of(a, b)),
                    paired_p,
                });
                directions.push(*direction);
                families.push((m, groups.get(pi).copied().unwrap_or(0)));
            }
        }
    }
    for row in rows.iter_mut() {
        (row.p_test, row.p_unadjusted) = decisive_p(row);
    }
    // Holm within each family (rows of one measure and group).
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| families[i]);
    for members in order.chunk_by(|&i, &j| families[i] == families[j]) {
        let raw: Vec<f64> = members.iter().map(|&i| rows[i].p_unadjusted).collect();
        let m = raw.iter().filter(|p| !p.is_nan()).count();
        for (&i, p) in members.iter().zip(holm(&raw)) {
            rows[i].p_holm = p;
            rows[i].holm_family_size = m;
        }
    }
    for (row, direction) in rows.iter_mut().zip(directions) {
        judge(row, direction);
    }
    rows
}

/// The test a row is judged on and its p-value: log-rank for a censored
/// time, the paired t-test with common random numbers, else Welch.
fn decisive_p(row: &ComparisonRow) -> (&'static str, f64) {
    match row.censored {
        Some(c) => ("log-rank", c.logrank_p),
        None if !row.paired_p.is_nan() => ("paired-t", row.paired_p),
        None => ("welch", row.welch_p),
    }
}

/// Fills `better` and `verdict` from the Holm-adjusted p-value.
fn judge(row: &mut ComparisonRow, direction: Better) {
    if row.p_holm.is_nan() {
        row.verdict = format!("not enough data (n={} vs {})", row.n_a, row.n_b);
        return;
    }
    let p = format!("Holm {}", format_p(row.p_holm));
    // Which way the difference goes: a censored time's log-rank z is
    // negative when `a` reaches it later (is higher).
    let sign = row.censored.map_or(row.diff, |c| -c.logrank_z);
    if row.p_holm >= ALPHA || sign == 0.0 {
        row.verdict = format!("no significant difference ({p})");
        return;
    }
    let (high, low) = if sign > 0.0 {
        (&row.variant_a, &row.variant_b)
    } else {
        (&row.variant_b, &row.variant_a)
    };
    // Name the winner in the words of the direction that matters.
    let (winner, word) = match direction {
        Better::Higher => (Some(high), "higher"),
        Better::Lower => (Some(low), "lower"),
        Better::Neither => (None, "higher"),
    };
    let named = winner.unwrap_or(high);
    row.verdict = format!("{named} {word} ({p})");
    row.better = winner.cloned();
}

fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".to_string()
    } else {
        format!("p={p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Welch's (1947)-style example used on Wikipedia's "Welch's t-test" page
    // (sample pair A1/A2). Reference values from
    // scipy.stats.ttest_ind(a, b, equal_var=False), scipy 1.17.1:
    //   t = -2.455356398286006, df = 24.988529290231416,
    //   p = 0.021378001462866992, CI95 = (-3.984096267140929, -0.3492370661924069)
    const A: [f64; 15] = [
        27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4,
    ];
    const B: [f64; 15] = [
        27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4,
    ];

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn welch_matches_scipy() {
        let (t, df, p) = welch_t_test(&A, &B);
        assert!(close(t, -2.455356398286006, 1e-10), "{t}");
        assert!(close(df, 24.988529290231416, 1e-9), "{df}");
        assert!(close(p, 0.021378001462866992, 1e-9), "{p}");
        let (lo, hi) = mean_diff_ci95(&A, &B);
        assert!(close(lo, -3.984096267140929, 1e-8), "{lo}");
        assert!(close(hi, -0.3492370661924069, 1e-8), "{hi}");
        // Symmetry.
        let (t2, df2, p2) = welch_t_test(&B, &A);
        assert!(close(t2, -t, 1e-12) && close(df2, df, 1e-12) && close(p2, p, 1e-12));
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        // scipy.stats.mannwhitneyu docs example: exact, U = 17, p = 14/126.
        let males = [19.0, 22.0, 16.0, 29.0, 24.0];
        let females = [20.0, 11.0, 17.0, 12.0];
        assert!(close(mann_whitney_p(&males, &females), 1.0 / 9.0, 1e-12));
        // With ties (asymptotic, tie + continuity corrected):
        // scipy.stats.mannwhitneyu(x, y).pvalue = 0.046344020139931066
        let x = [
            1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0,
        ];
        let y = [
            3.0, 4.0, 4.0, 6.0, 7.0, 8.0, 8.0, 9.0, 11.0, 12.0, 12.0, 13.0,
        ];
        assert!(close(mann_whitney_p(&x, &y), 0.046344020139931066, 1e-10));
        // scipy.stats.mannwhitneyu(A, B).pvalue = 0.015201303821215302
        assert!(close(mann_whitney_p(&A, &B), 0.015201303821215302, 1e-10));
    }

    #[test]
    fn paired_t_matches_scipy() {
        // scipy.stats.ttest_1samp(x, 0): statistic -3.4643108081389333,
        // pvalue 0.007112282359226816, confidence_interval()
        // (-2.2976548353866413, -0.4823451646133591).
        let x = [-3.1, -0.4, -2.2, 0.5, -1.7, -2.9, -0.8, -1.1, -2.4, 0.2];
        let (t, p, (lo, hi)) = paired_t_test(&x);
        assert!(close(t, -3.4643108081389333, 1e-10), "{t}");
        assert!(close(p, 0.007112282359226816, 1e-10), "{p}");
        assert!(close(lo, -2.2976548353866413, 1e-9) && close(hi, -0.4823451646133591, 1e-9));
        // A placebo: every difference exactly 0.
        assert_eq!(paired_t_test(&[0.0; 40]), (0.0, 1.0, (0.0, 0.0)));
        assert!(paired_t_test(&[1.0]).1.is_nan());
    }

    #[test]
    fn censored_recovery_is_compared_with_log_rank() {
        // The case: one variant never recovers in 8 of 20 runs, the
        // other in 1 of 20. Welch on the recovered runs sees nothing; the
        // log-rank test, which counts the never-recovered, does.
        let mut slow: Vec<f64> = (0..12).map(|i| 4.0 + i as f64).collect();
        slow.extend([f64::INFINITY; 8]);
        let mut quick: Vec<f64> = (0..19).map(|i| 5.0 + i as f64 * 0.6).collect();
        quick.push(f64::INFINITY);
        let metrics = vec![("recovery_steps".to_string(), Better::Lower)];
        let samples = vec![
            ("hierarchy".to_string(), vec![slow.clone()]),
            ("peer".to_string(), vec![quick.clone()]),
        ];
        let plain = compare_pairs(&metrics, &samples, &[(0, 1)]);
        assert!(plain[0].p_holm > 0.05, "{:?}", plain[0]);
        let rows = compare_pairs_censored(&metrics, &[true], &samples, &[(0, 1)], false);
        let c = rows[0].censored.unwrap();
        assert_eq!((c.never_a, c.never_b), (8, 1));
        assert_eq!((rows[0].n_a, rows[0].n_b), (12, 19));
        assert!(c.km_median_a > c.km_median_b, "{c:?}");
        // scipy.stats.logrank on the same data (never = censored after
        // every observed time): statistic -2.13944923468671,
        // pvalue 0.032399303141256414.
        assert!(close(c.logrank_z, -2.13944923468671, 1e-9), "{c:?}");
        assert!(close(c.logrank_p, 0.032399303141256414, 1e-9), "{c:?}");
        assert_eq!(rows[0].better.as_deref(), Some("peer"));
        assert!(
            rows[0].verdict.starts_with("peer lower"),
            "{}",
            rows[0].verdict
        );
    }

    #[test]
    fn mann_whitney_large_unbalanced_finishes() {
        let a = [0.5, 1.5, 2.5];
        let b: Vec<f64> = (0..5000).map(|i| i as f64 * 0.001 + 0.7).collect();
        let p = mann_whitney_p(&a, &b);
        assert!((0.0..=1.0).contains(&p), "{p}");
    }

    #[test]
    fn hedges_g_known_values() {
        // a = 1..5, b = 3..8: means 3 and 5.5, variances 2.5 and 3.5,
        // s_p^2 = (4*2.5 + 5*3.5)/9 = 27.5/9, d = -2.5 / sqrt(27.5/9)
        //   = -1.4301938838683885;
        // J(9) = Γ(4.5) / (sqrt(4.5) Γ(4)) = 0.9138748917925524,
        // g = -1.3070182808625939 (approximate J 1 - 3/35 would give -1.30761).
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        assert!(close(hedges_g(&a, &b), -1.3070182808625939, 1e-12));
        assert!(close(hedges_g(&b, &a), 1.3070182808625939, 1e-12));
        // Welch example samples: d = -0.8965693907039232, J(28) = 0.9729321150560404.
        assert!(close(hedges_g(&A, &B), -0.8723011535920734, 1e-12));
    }

    #[test]
    fn holm_textbook_example() {
        // m = 4, p = (0.01, 0.04, 0.03, 0.005). Sorted: 0.005, 0.01, 0.03, 0.04
        // -> 4*0.005 = 0.02, 3*0.01 = 0.03, 2*0.03 = 0.06, max(1*0.04, 0.06) = 0.06
        let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, w) in adj.iter().zip(want) {
            assert!(close(*a, w, 1e-15), "{adj:?}");
        }
        // Capped at 1, NaN kept out of the family.
        let adj = holm(&[0.4, f64::NAN, 0.6]);
        assert!(close(adj[0], 0.8, 1e-15) && adj[1].is_nan() && adj[2] == 0.8);
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let c1 = [2.0; 5];
        let c2 = [3.0; 4];
        assert_eq!(welch_t_test(&c1, &c1).2, 1.0);
        assert_eq!(welch_t_test(&c1, &c2).2, 0.0);
        assert_eq!(mean_diff_ci95(&c1, &c2), (-1.0, -1.0));
        assert_eq!(mann_whitney_p(&c1, &c1), 1.0);
        assert_eq!(hedges_g(&c1, &c1), 0.0);
        assert_eq!(hedges_g(&c1, &c2), f64::NEG_INFINITY);
        // One sample constant, the other not: Welch df = n - 1 of the other.
        // scipy: t = -0.3779644730092274, df = 2, p = 0.7418011102528388.
        let (t, df, p) = welch_t_test(&c1, &[1.0, 2.0, 4.0]);
        assert!(close(t, -0.3779644730092274, 1e-12) && close(df, 2.0, 1e-12));
        assert!(close(p, 0.7418011102528388, 1e-10));
        // Too little data.
        assert!(welch_t_test(&[1.0], &[1.0, 2.0]).2.is_nan());
        assert!(mean_diff_ci95(&[], &[1.0, 2.0]).0.is_nan());
        assert!(mann_whitney_p(&[], &[1.0]).is_nan());
        assert!(hedges_g(&[1.0], &[2.0]).is_nan());
        assert!(welch_t_test(&[f64::NAN, 1.0], &[1.0, 2.0]).2.is_nan());
    }

    type Metrics = Vec<(String, Better)>;
    type Samples = Vec<(String, Vec<Vec<f64>>)>;

    fn table_input() -> (Metrics, Samples) {
        let metrics = vec![
            ("output".to_string(), Better::Higher),
            ("turnover".to_string(), Better::Lower),
            ("size".to_string(), Better::Neither),
            ("noise".to_string(), Better::Higher),
        ];
        let noise_a = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let noise_b = vec![2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
        let samples = vec![
            (
                "hierarchy".to_string(),
                vec![A.to_vec(), B.to_vec(), vec![10.0; 6], noise_a],
            ),
            (
                "peer".to_string(),
                vec![B.to_vec(), A.to_vec(), vec![20.0; 6], noise_b],
            ),
            // Missing every metric but the first, with one replication.
            ("lonely".to_string(), vec![vec![1.0]]),
        ];
        (metrics, samples)
    }

    #[test]
    fn comparison_table() {
        let (metrics, samples) = table_input();
        let rows = compare_variants(&metrics, &samples);
        assert_eq!(rows.len(), 4 * 3);
        let find = |m: &str, a: &str, b: &str| {
            rows.iter()
                .find(|r| r.metric == m && r.variant_a == a && r.variant_b == b)
                .unwrap()
        };
        // Each measure is its own Holm family; in each, only hierarchy vs
        // peer has a p (the 'lonely' rows are NaN), so m = 1 and the
        // adjusted p is the Welch p.
        let out = find("output", "hierarchy", "peer");
        assert!(close(out.welch_p, 0.021378001462866992, 1e-9));
        assert_eq!((out.p_test, out.p_unadjusted), ("welch", out.welch_p));
        assert_eq!((out.p_holm, out.holm_family_size), (out.welch_p, 1));
        assert!(out.diff < 0.0 && out.diff_ci_high < 0.0);
        assert_eq!(out.better.as_deref(), Some("peer"));
        assert_eq!(out.verdict, "peer higher (Holm p=0.021)");

        // Different constants: p = 0, significant after Holm; Neither => no winner.
        let size = find("size", "hierarchy", "peer");
        assert_eq!((size.welch_p, size.p_holm), (0.0, 0.0));
        assert_eq!(size.better, None);
        assert_eq!(size.verdict, "peer higher (Holm p<0.001)");

        // Turnover (the output data swapped, lower is better).
        let turn = find("turnover", "hierarchy", "peer");
        assert!(close(turn.p_holm, out.p_holm, 1e-12));
        assert_eq!(turn.better.as_deref(), Some("peer"));

        let noise = find("noise", "hierarchy", "peer");
        assert_eq!(noise.better, None);
        assert!(
            noise
                .verdict
                .starts_with("no significant difference (Holm p=")
        );

        let lonely = find("turnover", "hierarchy", "lonely");
        assert!(lonely.p_holm.is_nan() && lonely.better.is_none());
        assert_eq!(lonely.verdict, "not enough data (n=15 vs 0)");
    }

    #[test]
    fn table_names_the_better_variant() {
        // Two variants only, one strongly separated metric each way.
        let hi: Vec<f64> = (0..20).map(|i| 10.0 + (i % 5) as f64 * 0.1).collect();
        let lo: Vec<f64> = (0..20).map(|i| 5.0 + (i % 4) as f64 * 0.1).collect();
        let metrics = vec![
            ("output".to_string(), Better::Higher),
            ("turnover".to_string(), Better::Lower),
        ];
        let samples = vec![
            ("hierarchy".to_string(), vec![lo.clone(), hi.clone()]),
            ("peer".to_string(), vec![hi, lo]),
        ];
        let rows = compare_variants(&metrics, &samples);
        assert_eq!(rows[0].better.as_deref(), Some("peer"));
        assert_eq!(rows[0].verdict, "peer higher (Holm p<0.001)");
        assert_eq!(rows[1].better.as_deref(), Some("peer"));
        assert_eq!(rows[1].verdict, "peer lower (Holm p<0.001)");
        assert!(rows[0].hedges_g < 0.0);
    }

    /// Holm's family is one measure's comparisons, not the whole table: a
    /// difference whose interval excludes 0 is not declared "no difference"
    /// (adjusted p = 1) because nine other measures were listed beside it.
    /// Over the whole table (the old family) this row's adjusted p would be
    /// 10 × 0.0214 = 0.214.
    #[test]
    fn holm_adjusts_within_each_measure_not_across_the_table() {
        let mut metrics = vec![("output".to_string(), Better::Higher)];
        let mut a = vec![A.to_vec()];
        let mut b = vec![B.to_vec()];
        for k in 0..9 {
            metrics.push((format!("noise{k}"), Better::Higher));
            let shift = k as f64 * 0.01;
            a.push(B.iter().map(|x| x + shift).collect());
            b.push(B.iter().rev().map(|x| x - shift).collect());
        }
        let samples = vec![("hierarchy".to_string(), a), ("peer".to_string(), b)];
        let rows = compare_variants(&metrics, &samples);
        assert_eq!(rows.len(), 10);
        let out = &rows[0];
        assert!(close(out.p_unadjusted, 0.021378001462866992, 1e-9));
        assert!(out.diff_ci_high < 0.0, "the interval excludes 0");
        assert_eq!(out.holm_family_size, 1);
        assert_eq!(out.p_holm, out.p_unadjusted);
        assert_eq!(out.better.as_deref(), Some("peer"));
        // The old family, every row of the table, gives the contradiction.
        let table_wide = holm(&rows.iter().map(|r| r.p_unadjusted).collect::<Vec<_>>());
        assert!(table_wide[0] > 0.2, "{table_wide:?}");

        // Three variants: the family is the measure's three pairs, and
        // each row's adjusted p is Holm over those three only.
        let metrics = vec![
            ("output".to_string(), Better::Higher),
            ("other".to_string(), Better::Higher),
        ];
        let c: Vec<f64> = A.iter().map(|x| x - 1.5).collect();
        let samples = vec![
            ("hierarchy".to_string(), vec![A.to_vec(), A.to_vec()]),
            ("peer".to_string(), vec![B.to_vec(), A.to_vec()]),
            ("leader-leader".to_string(), vec![c, B.to_vec()]),
        ];
        let rows = compare_variants(&metrics, &samples);
        for m in ["output", "other"] {
            let fam: Vec<&ComparisonRow> = rows.iter().filter(|r| r.metric == m).collect();
            let raw: Vec<f64> = fam.iter().map(|r| r.welch_p).collect();
            for (r, want) in fam.iter().zip(holm(&raw)) {
                assert_eq!((r.p_holm, r.holm_family_size), (want, 3), "{m}");
            }
        }
        // Grouped pairs (a sweep's points): a family per measure and group.
        let groups = [0, 0, 1];
        let pairs = [(0, 1), (0, 2), (1, 2)];
        let rows =
            compare_pairs_grouped(&metrics, &[false, false], &samples, &pairs, &groups, false);
        let sizes: Vec<usize> = rows.iter().map(|r| r.holm_family_size).collect();
        assert_eq!(sizes, [2, 2, 1, 2, 2, 1]);
        assert_eq!(rows[2].p_holm, rows[2].welch_p);
    }

    /// The interval and the decisive test compare the same thing: the Welch
    /// interval of the difference of means excludes 0 exactly when the
    /// unadjusted Welch p is below 0.05 (the same with common random
    /// numbers, for the paired interval and test).
    #[test]
    fn the_interval_excludes_zero_exactly_when_the_unadjusted_p_is_below_alpha() {
        let metrics = vec![("output".to_string(), Better::Higher)];
        for shift in [0.0, 0.5, 1.0, 1.5, 1.7, 1.9, 2.1, 2.5, 3.0] {
            let b: Vec<f64> = B.iter().map(|x| x - shift).collect();
            let samples = vec![
                ("hierarchy".to_string(), vec![A.to_vec()]),
                ("peer".to_string(), vec![b]),
            ];
            for paired in [false, true] {
                let r = &compare_pairs_censored(&metrics, &[false], &samples, &[(0, 1)], paired)[0];
                assert_eq!(r.p_test, if paired { "paired-t" } else { "welch" });
                let excludes = r.diff_ci_low > 0.0 || r.diff_ci_high < 0.0;
                assert_eq!(excludes, r.p_unadjusted < ALPHA, "shift {shift}: {r:?}");
            }
        }
    }

    #[test]
    fn empty_table_inputs() {
        assert!(compare_variants(&[], &[]).is_empty());
        let metrics = vec![("x".to_string(), Better::Higher)];
        assert!(compare_variants(&metrics, &[("only".into(), vec![vec![1.0]])]).is_empty());
    }
}
