//! Statistics across replications.
//!
//! * [`OnlineStats`] (Welford) and [`StepAggregator`]: per-step mean, sd,
//!   CI, and exact median and quartiles ([`quantile`]), over a block of
//!   steps at a time.
//! * [`Summary`]: exact summary of one plain sample.
//! * [`compare`]: Welch / Mann–Whitney tests, Hedges' g, Holm, and the
//!   variant comparison table; [`rank`]: the Mann–Whitney test itself.
//! * [`survival`]: censored times (runs that never recover): Kaplan–Meier
//!   median and the log-rank test.
//! * [`design`]: grids, Latin hypercubes and Morris screening.
//!
//! Everything here is pure computation: no I/O, no printing.

pub mod aggregate;
pub mod compare;
pub mod design;
pub mod quantile;
pub mod rank;
pub mod summary;
pub mod survival;

pub use aggregate::StepAggregator;
pub use compare::{
    Better, CensoredComparison, ComparisonRow, compare_pairs, compare_pairs_censored,
    compare_pairs_grouped, compare_variants,
};
pub use summary::Summary;

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Welford's online mean and variance.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnlineStats {
    n: u64,
    mean: f64,
    m2: f64,
}

impl OnlineStats {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation; non-finite values are ignored (an empty cell).
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn n(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Sample standard deviation (n - 1).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt()
        }
    }

    /// Half-width of the 95% Student-t confidence interval of the mean.
    pub fn ci95_half_width(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        t975(self.n - 1) * self.sd() / (self.n as f64).sqrt()
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom, from a
/// table computed once for small `df` (a large sweep asks for it millions
/// of times, once per step × metric × variant).
pub fn t975(df: u64) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| (0..=1024).map(|d| t_quantile(0.975, d as f64)).collect());
    match table.get(df as usize) {
        Some(&t) => t,
        None => t_quantile(0.975, df as f64),
    }
}

/// Quantile of Student's t distribution with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}
