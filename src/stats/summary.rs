//! Descriptive summary of one plain sample (e.g. one metric's final values
//! over all replications of one variant), computed exactly.

use super::OnlineStats;
use super::quantile::quantile_sorted;

/// Exact summary of a sample. Non-finite values (NaN, ±inf) are dropped
/// first, matching [`OnlineStats`], so an empty cell never poisons a table.
///
/// Fields that need more data than there is are NaN: `mean`, `median`, `q1`,
/// `q3` need `n >= 1`; `sd` and `ci95_half_width` need `n >= 2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (denominator n - 1).
    pub sd: f64,
    /// Half-width of the 95% Student-t confidence interval of the mean.
    pub ci95_half_width: f64,
    pub median: f64,
    /// First quartile, type 7 (numpy's default).
    pub q1: f64,
    /// Third quartile, type 7 (numpy's default).
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarises `sample`, ignoring non-finite values.
    pub fn of(sample: &[f64]) -> Self {
        let mut sorted: Vec<f64> = sample.iter().copied().filter(|x| x.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let mut acc = OnlineStats::new();
        for &x in &sorted {
            acc.push(x);
        }
        Self {
            n: sorted.len(),
            mean: acc.mean(),
            sd: acc.sd(),
            ci95_half_width: acc.ci95_half_width(),
            median: quantile_sorted(&sorted, 0.5),
            q1: quantile_sorted(&sorted, 0.25),
            q3: quantile_sorted(&sorted, 0.75),
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// The 95% confidence interval of the mean as `(low, high)`.
    pub fn ci95(&self) -> (f64, f64) {
        (
            self.mean - self.ci95_half_width,
            self.mean + self.ci95_half_width,
        )
    }

    /// Interquartile range `q3 - q1`.
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn known_sample() {
        // x = 2, 4, 4, 4, 5, 5, 7, 9 (+ a NaN that must be ignored).
        // mean 5, sample variance 32/7, sd 2.138089935299395.
        // t_{0.975, 7} = 2.364624251592784 (scipy.stats.t.ppf),
        // half-width = t * sd / sqrt(8) = 1.78748791823621
        // numpy.quantile(x, [.25, .5, .75]) = 4.0, 4.5, 5.5
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, f64::NAN]);
        assert_eq!(s.n, 8);
        assert!(close(s.mean, 5.0, 1e-12));
        assert!(close(s.sd, (32.0f64 / 7.0).sqrt(), 1e-12));
        let hw = 1.787_487_918_236_21;
        assert!(close(s.ci95_half_width, hw, 1e-9));
        assert_eq!((s.q1, s.median, s.q3), (4.0, 4.5, 5.5));
        assert_eq!((s.min, s.max), (2.0, 9.0));
        assert_eq!(s.iqr(), 1.5);
    }

    #[test]
    fn degenerate_samples() {
        let e = Summary::of(&[]);
        assert_eq!(e.n, 0);
        assert!(e.mean.is_nan() && e.median.is_nan() && e.sd.is_nan());
        let one = Summary::of(&[3.0, f64::NAN]);
        assert_eq!((one.n, one.mean, one.median), (1, 3.0, 3.0));
        assert!(one.sd.is_nan() && one.ci95_half_width.is_nan());
        let cst = Summary::of(&[2.0; 6]);
        assert_eq!((cst.sd, cst.ci95_half_width), (0.0, 0.0));
    }

    /// The t interval must cover the true mean about 95% of the time.
    #[test]
    fn ci95_coverage_normal_n10() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
        let (mu, sigma) = (3.0, 2.0);
        let trials = 2000;
        let mut covered = 0;
        let mut sample = [0.0; 10];
        for _ in 0..trials {
            for x in &mut sample {
                // Box–Muller; 1 - u keeps the log argument in (0, 1].
                let u1: f64 = rng.random();
                let u2: f64 = rng.random();
                let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                *x = mu + sigma * z;
            }
            let (lo, hi) = Summary::of(&sample).ci95();
            if lo <= mu && mu <= hi {
                covered += 1;
            }
        }
        let rate = covered as f64 / trials as f64;
        assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
    }
}
