//! Per-time-step aggregation across replications, streamed.
//!
//! A run produces, for every replication, a table of `n_steps × n_metrics`
//! values. Keeping all replications to compute medians would make memory grow
//! with the replication count, so each (step, metric) cell holds Welford
//! moments and three P² estimators instead: memory is fixed at construction
//! and `push` never allocates.

use super::OnlineStats;
use super::quantile::P2Quantile;

/// Running statistics of one (step, metric) cell.
#[derive(Clone, Copy, Debug)]
struct Cell {
    moments: OnlineStats,
    q1: P2Quantile,
    median: P2Quantile,
    q3: P2Quantile,
}

impl Cell {
    fn new() -> Self {
        Self {
            moments: OnlineStats::new(),
            q1: P2Quantile::new(0.25),
            median: P2Quantile::new(0.5),
            q3: P2Quantile::new(0.75),
        }
    }

    fn push(&mut self, x: f64) {
        self.moments.push(x);
        self.q1.push(x);
        self.median.push(x);
        self.q3.push(x);
    }
}

/// Streaming per-(step, metric) statistics over replications.
///
/// Each call to [`push`](Self::push) adds one replication's row of metric
/// values at one step. Non-finite values are skipped (the cell's `n` does not
/// count them), so a metric that is undefined at some step for some
/// replication is simply missing there. Quantiles are exact while a cell has
/// at most five values and P² estimates after that.
#[derive(Clone, Debug)]
pub struct StepAggregator {
    n_steps: usize,
    n_metrics: usize,
    cells: Vec<Cell>,
}

impl StepAggregator {
    pub fn new(n_steps: usize, n_metrics: usize) -> Self {
        Self {
            n_steps,
            n_metrics,
            cells: vec![Cell::new(); n_steps * n_metrics],
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
    /// If `step >= n_steps` or `row.len() != n_metrics`: a shape mismatch is
    /// a bug in the caller, and silently dropping data would hide it.
    pub fn push(&mut self, step: usize, row: &[f64]) {
        assert!(
            step < self.n_steps,
            "step {step} out of range (n_steps = {})",
            self.n_steps
        );
        assert_eq!(row.len(), self.n_metrics, "row length != n_metrics");
        let start = step * self.n_metrics;
        for (cell, &x) in self.cells[start..start + self.n_metrics]
            .iter_mut()
            .zip(row)
        {
            cell.push(x);
        }
    }

    fn cell(&self, step: usize, metric: usize) -> &Cell {
        assert!(
            step < self.n_steps && metric < self.n_metrics,
            "cell ({step}, {metric}) out of range"
        );
        &self.cells[step * self.n_metrics + metric]
    }

    /// Number of finite values seen in the cell.
    pub fn n(&self, step: usize, metric: usize) -> u64 {
        self.cell(step, metric).moments.n()
    }

    /// Mean; NaN when the cell is empty.
    pub fn mean(&self, step: usize, metric: usize) -> f64 {
        self.cell(step, metric).moments.mean()
    }

    /// Sample standard deviation; NaN when `n < 2`.
    pub fn sd(&self, step: usize, metric: usize) -> f64 {
        self.cell(step, metric).moments.sd()
    }

    /// Half-width of the 95% t interval of the mean; NaN when `n < 2`.
    pub fn ci95_half_width(&self, step: usize, metric: usize) -> f64 {
        self.cell(step, metric).moments.ci95_half_width()
    }

    /// Median (exact for `n <= 5`, P² estimate after); NaN when empty.
    pub fn median(&self, step: usize, metric: usize) -> f64 {
        self.cell(step, metric).median.estimate()
    }

    /// First quartile (exact for `n <= 5`, P² estimate after).
    pub fn q1(&self, step: usize, metric: usize) -> f64 {
        self.cell(step, metric).q1.estimate()
    }

    /// Third quartile (exact for `n <= 5`, P² estimate after).
    pub fn q3(&self, step: usize, metric: usize) -> f64 {
        self.cell(step, metric).q3.estimate()
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
        let mut agg = StepAggregator::new(3, 2);
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
                assert_eq!(agg.median(step, metric), s.median);
                assert_eq!(agg.q1(step, metric), s.q1);
                assert_eq!(agg.q3(step, metric), s.q3);
            }
        }
        assert_eq!(agg.n(2, 1), 3);
    }

    #[test]
    fn many_replications_are_close_to_exact() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut agg = StepAggregator::new(2, 1);
        let mut col = Vec::new();
        for _ in 0..2000 {
            let x: f64 = rng.random_range(0.0..100.0);
            col.push(x);
            agg.push(0, &[x]);
            agg.push(1, &[f64::NAN]);
        }
        let s = Summary::of(&col);
        assert!((agg.median(0, 0) - s.median).abs() < 2.0);
        assert!((agg.q1(0, 0) - s.q1).abs() < 2.0);
        assert!((agg.q3(0, 0) - s.q3).abs() < 2.0);
        assert_eq!(agg.n(1, 0), 0);
        assert!(agg.mean(1, 0).is_nan() && agg.median(1, 0).is_nan());
    }

    #[test]
    #[should_panic(expected = "row length")]
    fn wrong_row_length_panics() {
        StepAggregator::new(1, 2).push(0, &[1.0]);
    }
}
