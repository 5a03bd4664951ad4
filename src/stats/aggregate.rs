//! Per-time-step aggregation across replications.
//!
//! A run produces, for every replication, a table of `n_steps × n_metrics`
//! values. Each (step, metric) cell keeps Welford moments, updated in
//! replication order, and the cell's values, from which the median and
//! quartiles are exact (type 7, as numpy and R compute them), the same as a
//! user would get from `timeseries.csv`. Memory is fixed at construction
//! (`n_steps × n_metrics × replications` values) and `push` never
//! allocates; callers bound it by aggregating a block of steps at a time.

use super::OnlineStats;
use super::quantile::quantiles_select;

/// Bytes of values an aggregator of a block of steps should hold: callers
/// split the steps into blocks this size (at least one step each), one block
/// per thread at a time.
pub const BLOCK_BYTES: usize = 8 << 20;

/// Statistics per (step, metric) over replications.
///
/// Each call to [`push`](Self::push) adds one replication's row of metric
/// values at one step. Non-finite values are skipped (the cell's `n` does not
/// count them), so a metric that is undefined at some step for some
/// replication is simply missing there.
#[derive(Clone, Debug)]
pub struct StepAggregator {
    n_steps: usize,
    n_metrics: usize,
    /// Room for this many values per cell.
    replications: usize,
    moments: Vec<OnlineStats>,
    /// Cell `c`'s finite values are `values[c * replications..][..kept[c]]`.
    values: Vec<f64>,
    kept: Vec<u32>,
}

impl StepAggregator {
    /// Room for `replications` rows at each step.
    pub fn new(n_steps: usize, n_metrics: usize, replications: usize) -> Self {
        let cells = n_steps * n_metrics;
        Self {
            n_steps,
            n_metrics,
            replications,
            moments: vec![OnlineStats::new(); cells],
            values: vec![0.0; cells * replications],
            kept: vec![0; cells],
        }
    }

    pub fn n_steps(&self) -> usize {
        self.n_steps
    }

    pub fn n_metrics(&self) -> usize {
        self.n_metrics
    }

    /// Adds one replication's values of all metrics at `step`.
    ///
    /// # Panics
    /// If `step >= n_steps`, `row.len() != n_metrics`, or a step gets more
    /// rows than the replications it was made for: a shape mismatch is a
    /// bug in the caller, and silently dropping data would hide it.
    pub fn push(&mut self, step: usize, row: &[f64]) {
        assert!(
            step < self.n_steps,
            "step {step} out of range (n_steps = {})",
            self.n_steps
        );
        assert_eq!(row.len(), self.n_metrics, "row length != n_metrics");
        let start = step * self.n_metrics;
        for (c, &x) in (start..start + self.n_metrics).zip(row) {
            self.moments[c].push(x);
            if x.is_finite() {
                let k = self.kept[c] as usize;
                assert!(k < self.replications, "more rows than replications");
                self.values[c * self.replications + k] = x;
                self.kept[c] += 1;
            }
        }
    }

    fn cell(&self, step: usize, metric: usize) -> usize {
        assert!(
            step < self.n_steps && metric < self.n_metrics,
            "cell ({step}, {metric}) out of range"
        );
        step * self.n_metrics + metric
    }

    /// Number of finite values seen in the cell.
    pub fn n(&self, step: usize, metric: usize) -> u64 {
        self.moments[self.cell(step, metric)].n()
    }

    /// Mean; NaN when the cell is empty.
    pub fn mean(&self, step: usize, metric: usize) -> f64 {
        self.moments[self.cell(step, metric)].mean()
    }

    /// Sample standard deviation; NaN when `n < 2`.
    pub fn sd(&self, step: usize, metric: usize) -> f64 {
        self.moments[self.cell(step, metric)].sd()
    }

    /// Half-width of the 95% t interval of the mean; NaN when `n < 2`.
    pub fn ci95_half_width(&self, step: usize, metric: usize) -> f64 {
        self.moments[self.cell(step, metric)].ci95_half_width()
    }

    /// First quartile, median and third quartile, exact (type 7); NaN when
    /// the cell is empty. Reorders the cell's values (selection, not a sort:
    /// a third of the time on a sweep's cells).
    pub fn quartiles(&mut self, step: usize, metric: usize) -> [f64; 3] {
        let c = self.cell(step, metric);
        let v = &mut self.values[c * self.replications..][..self.kept[c] as usize];
        quantiles_select(v, [0.25, 0.5, 0.75])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Summary;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn small_counts_match_exact_summary() {
        // Three steps, two metrics, four replications: everything exact.
        let reps = [
            [[1.0, 10.0], [2.0, 20.0], [3.0, f64::NAN]],
            [[2.0, 11.0], [4.0, 19.0], [5.0, 30.0]],
            [[4.0, 13.0], [6.0, 21.0], [7.0, 31.0]],
            [[8.0, 12.0], [8.0, 18.0], [9.0, 32.0]],
        ];
        let mut agg = StepAggregator::new(3, 2, reps.len());
        for rep in &reps {
            for (step, row) in rep.iter().enumerate() {
                agg.push(step, row);
            }
        }
        for step in 0..3 {
            for metric in 0..2 {
                let col: Vec<f64> = reps.iter().map(|r| r[step][metric]).collect();
                let s = Summary::of(&col);
                assert_eq!(agg.n(step, metric), s.n as u64);
                assert!((agg.mean(step, metric) - s.mean).abs() < 1e-12);
                assert!((agg.sd(step, metric) - s.sd).abs() < 1e-12);
                assert!((agg.ci95_half_width(step, metric) - s.ci95_half_width).abs() < 1e-12);
                assert_eq!(agg.quartiles(step, metric), [s.q1, s.median, s.q3]);
            }
        }
        assert_eq!(agg.n(2, 1), 3);
    }

    #[test]
    fn many_replications_are_exact() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut agg = StepAggregator::new(2, 1, 2000);
        let mut col = Vec::new();
        for _ in 0..2000 {
            // Ties too: a quarter of the values are whole numbers.
            let x: f64 = rng.random_range(0.0..100.0);
            let x = if rng.random::<f64>() < 0.25 {
                x.floor()
            } else {
                x
            };
            col.push(x);
            agg.push(0, &[x]);
            agg.push(1, &[f64::NAN]);
        }
        let s = Summary::of(&col);
        assert_eq!(agg.quartiles(0, 0), [s.q1, s.median, s.q3]);
        // Asking again gives the same.
        assert_eq!(agg.quartiles(0, 0), [s.q1, s.median, s.q3]);
        assert_eq!(agg.n(1, 0), 0);
        assert!(agg.mean(1, 0).is_nan() && agg.quartiles(1, 0).iter().all(|q| q.is_nan()));
    }

    #[test]
    #[should_panic(expected = "more rows than replications")]
    fn too_many_rows_panics() {
        let mut agg = StepAggregator::new(1, 1, 1);
        agg.push(0, &[1.0]);
        agg.push(0, &[2.0]);
    }

    #[test]
    #[should_panic(expected = "row length")]
    fn wrong_row_length_panics() {
        StepAggregator::new(1, 2, 1).push(0, &[1.0]);
    }
}
