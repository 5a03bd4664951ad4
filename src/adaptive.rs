//! Adaptive replications: keep adding replications to a variant until one
//! summary measure's 95% confidence interval is narrow enough.
//!
//! The run proceeds in rounds. After each round every variant's interval is
//! computed from its finished replications *in replication order*, and the
//! variants still too wide get more replications in the next round. Each
//! decision depends only on results, never on timing, so the counts (and so
//! every output file) are the same on 1 or N threads and after a resume.
//!
//! Stopping when an interval first looks narrow slightly favours narrow
//! intervals (a known property of sequential sampling); the first round's
//! replications and the cap on growth per round (doubling) keep that small.

use crate::stats::OnlineStats;

/// `--target-ci METRIC=WIDTH`: the half-width wanted for one summary measure.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCi {
    /// A summary measure as named in `comparison.csv` (e.g. `total_throughput`).
    pub metric: String,
    /// Wanted 95% CI half-width, in the measure's own units.
    pub half_width: f64,
    /// No variant runs more replications than this.
    pub max_replications: u32,
}

impl TargetCi {
    /// Parses `METRIC=WIDTH` (the measure's name is checked by the caller,
    /// which knows the model's measures).
    pub fn parse(text: &str, max_replications: u32) -> Result<TargetCi, String> {
        let bad = || {
            format!(
                "`{text}` is not a target: write METRIC=WIDTH, e.g. --target-ci total_throughput=20 (the 95% CI half-width wanted, in the measure's units)"
            )
        };
        let (metric, width) = text.split_once('=').ok_or_else(bad)?;
        let half_width: f64 = width.trim().parse().map_err(|_| bad())?;
        if !(half_width.is_finite() && half_width > 0.0) {
            return Err(format!(
                "--target-ci {text}: the width must be a number above 0, got {}",
                width.trim()
            ));
        }
        Ok(TargetCi {
            metric: metric.trim().to_string(),
            half_width,
            max_replications,
        })
    }
}

/// Where one variant stands after a round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Replications scheduled so far (finished or failed).
    pub replications: u32,
    /// Finished replications with a finite value of the measure.
    pub n: u64,
    /// 95% CI half-width of the measure's mean (NaN below two values).
    pub half_width: f64,
}

impl Progress {
    /// Measures a variant's values (one per scheduled replication, in
    /// replication order; NaN for a failed replication or a missing value).
    pub fn of(values: &[f64]) -> Progress {
        let mut acc = OnlineStats::new();
        for &x in values {
            acc.push(x);
        }
        Progress {
            replications: values.len() as u32,
            n: acc.n(),
            half_width: acc.ci95_half_width(),
        }
    }

    /// Whether the target is met.
    pub fn reached(&self, t: &TargetCi) -> bool {
        self.n >= 2 && self.half_width <= t.half_width
    }

    /// How many replications the variant should have after the next round:
    /// the same number when it is finished (target met or cap reached).
    ///
    /// The half-width shrinks like 1/√n, so n·(h/W)² replications should
    /// meet the target; at least one more is added, and at most the count
    /// doubles, so a noisy early estimate cannot overshoot far.
    pub fn next_count(&self, t: &TargetCi) -> u32 {
        let n = self.replications;
        if self.reached(t) || n >= t.max_replications {
            return n;
        }
        let wanted = if self.n >= 2 && self.half_width.is_finite() {
            let ratio = self.half_width / t.half_width;
            (f64::from(n) * ratio * ratio)
                .ceil()
                .min(f64::from(u32::MAX)) as u32
        } else {
            // Fewer than two values (failures): no interval yet.
            n.saturating_mul(2)
        };
        wanted
            .clamp(n.saturating_add(1), n.saturating_mul(2).max(n + 1))
            .min(t.max_replications)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(w: f64, cap: u32) -> TargetCi {
        TargetCi {
            metric: "m".into(),
            half_width: w,
            max_replications: cap,
        }
    }

    #[test]
    fn parse_accepts_metric_equals_width_and_rejects_the_rest() {
        let t = TargetCi::parse("total_throughput=2.5", 100).unwrap();
        assert_eq!((t.metric.as_str(), t.half_width), ("total_throughput", 2.5));
        for bad in ["total_throughput", "x=", "x=abc", "x=0", "x=-1", "x=inf"] {
            assert!(TargetCi::parse(bad, 100).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_variant_stops_once_its_interval_is_narrow_enough() {
        // Values 0, 1, 0, 1, ...: sd ≈ 0.5, half-width ≈ 2.0·0.5/√n.
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 2)).collect();
        let t = target(0.1, 1000);
        let p = Progress::of(&values);
        assert!(p.reached(&t), "{p:?}");
        assert_eq!(p.next_count(&t), 100);
        let p = Progress::of(&values[..10]);
        assert!(!p.reached(&t));
        // Needs ≈ 100: projected from 10 values, capped at doubling.
        assert_eq!(p.next_count(&t), 20);
        let p = Progress::of(&values[..60]);
        let next = p.next_count(&t);
        assert!((61..=120).contains(&next), "{next}");
    }

    #[test]
    fn the_cap_is_never_exceeded_and_constant_values_stop_at_once() {
        let values: Vec<f64> = (0..50).map(|i| f64::from(i % 7)).collect();
        let t = target(1e-6, 50);
        assert_eq!(Progress::of(&values[..40]).next_count(&t), 50);
        assert_eq!(Progress::of(&values).next_count(&t), 50);
        let same = vec![3.0; 5];
        assert_eq!(Progress::of(&same).next_count(&t), 5);
    }

    #[test]
    fn failed_replications_do_not_count_as_values() {
        let values = [1.0, f64::NAN, f64::NAN];
        let p = Progress::of(&values);
        assert_eq!((p.replications, p.n), (3, 1));
        assert_eq!(p.next_count(&target(0.1, 100)), 6);
    }
}
