//! Per-run measures computed from one replication's time series: stability,
//! for each scheduled event the largest dip, the time to recover and the
//! resilience loss against the run's own pre-event level, and the event's
//! effect against the run's counterfactual twin (the same replication
//! without the event). Pure functions on slices.

use crate::scenario::Analysis;
use crate::stats::Better;

/// What one event did to one metric of one run, measured against the run's
/// twin: the same replication, on the same random streams, without the
/// event. Both are identical up to the event, so every difference after it
/// is the event's consequence (no pre-event noise in the baseline).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effect {
    /// Sum of run minus twin from the event to the end of the run (metric
    /// units × steps; for throughput, minus the work lost). NaN: the event
    /// does not happen in this variant.
    pub total: f64,
    /// Largest gap between the smoothed run and the smoothed twin in the
    /// harmful direction (metric units; 0 if never worse).
    pub worst_gap: f64,
    /// Steps from the event until the smoothed run is back within
    /// `1 - threshold` of the smoothed twin (0: never left that band in the
    /// first smoothing window); `None`: not back by the end of the run.
    pub recovery: Option<u32>,
}

impl Effect {
    /// The effect of an event that does not happen in a variant.
    pub const NONE: Effect = Effect {
        total: f64::NAN,
        worst_gap: f64::NAN,
        recovery: None,
    };

    /// Whether the event happened in the run (the effect was measured).
    pub fn measured(&self) -> bool {
        !self.total.is_nan()
    }
}

/// The effect of an event at `start` on metric `metric` of row-major series
/// with `k` metrics a row: `run` with the event, `twin` without it. `better`
/// says which way is harm (`Neither`: either way).
pub fn event_effect(
    run: &[f64],
    twin: &[f64],
    k: usize,
    metric: usize,
    start: usize,
    better: Better,
    a: &Analysis,
) -> Effect {
    let steps = (run.len() / k).min(twin.len() / k);
    let at = |s: &[f64], t: usize| s[t * k + metric];
    let w = a.smoothing.max(1) as usize;
    let band = 1.0 - a.threshold;
    let (mut total, mut worst, mut fell) = (0.0, 0.0f64, false);
    let mut recovery = None;
    let (mut sum_run, mut sum_twin) = (0.0, 0.0);
    for t in start..steps {
        let (r, tw) = (at(run, t), at(twin, t));
        total += r - tw;
        // Trailing means over the steps since the event, at most `w` of them.
        sum_run += r;
        sum_twin += tw;
        if t >= start + w {
            sum_run -= at(run, t - w);
            sum_twin -= at(twin, t - w);
        }
        let n = (t + 1 - start).min(w) as f64;
        let (sr, st) = (sum_run / n, sum_twin / n);
        let gap = match better {
            Better::Higher => st - sr,
            Better::Lower => sr - st,
            Better::Neither => (sr - st).abs(),
        };
        worst = worst.max(gap);
        if recovery.is_none() {
            if gap > band * st.abs() {
                fell = true;
            } else if fell || t + 1 - start >= w {
                recovery = Some(if fell { (t - start) as u32 } else { 0 });
            }
        }
    }
    if recovery.is_none() && !fell {
        // The run ended within the first smoothing window, never worse.
        recovery = Some(0);
    }
    Effect {
        total,
        worst_gap: worst,
        recovery,
    }
}

/// What one event did to one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventImpact {
    /// Pre-event level of the metric (mean over the baseline window).
    pub baseline: f64,
    /// Largest fall below the baseline, as a share of it (0: no fall).
    pub dip: f64,
    /// Steps from the event until the smoothed metric is back at the
    /// threshold; 0 if it never fell below; `None` if it never recovered.
    pub recovery: Option<u32>,
    /// Area between the baseline and the smoothed curve from the event until
    /// recovery (or the end of the window), in metric units × steps.
    pub resilience_loss: f64,
}

/// Coefficient of variation (sd / mean) of a series; NaN if the mean is 0.
pub fn stability(series: &[f64]) -> f64 {
    let n = series.len() as f64;
    if series.len() < 2 {
        return f64::NAN;
    }
    let mean = series.iter().sum::<f64>() / n;
    let var = series.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    if mean == 0.0 {
        f64::NAN
    } else {
        var.sqrt() / mean.abs()
    }
}

/// The impact of an event at `start` on `series`, judged until `end`
/// (the next event, or the end of the run).
pub fn event_impact(series: &[f64], start: usize, end: usize, a: &Analysis) -> EventImpact {
    let end = end.min(series.len());
    let b0 = start.saturating_sub(a.baseline as usize);
    if start == 0 || start >= end || b0 >= start {
        return EventImpact {
            baseline: f64::NAN,
            dip: f64::NAN,
            recovery: None,
            resilience_loss: f64::NAN,
        };
    }
    let baseline = series[b0..start].iter().sum::<f64>() / (start - b0) as f64;
    let target = a.threshold * baseline;
    let w = a.smoothing.max(1) as usize;
    let mut dip: f64 = 0.0;
    let mut fell = false;
    let mut recovery = None;
    let mut loss = 0.0;
    let mut sum = 0.0;
    for t in start..end {
        // Trailing mean over the steps since the event, at most `w` of them.
        sum += series[t];
        if t >= start + w {
            sum -= series[t - w];
        }
        let smooth = sum / (t + 1 - start).min(w) as f64;
        if baseline > 0.0 {
            dip = dip.max((baseline - smooth) / baseline);
        }
        if smooth < target {
            fell = true;
        } else if fell || t + 1 - start >= w {
            // Recovered: back at the threshold after falling, or never fell
            // within the first full smoothing window.
            recovery = Some(if fell { (t - start) as u32 } else { 0 });
            break;
        }
        loss += (baseline - smooth).max(0.0);
    }
    if recovery.is_none() && !fell && end - start < w {
        recovery = Some(0);
    }
    EventImpact {
        baseline,
        dip,
        recovery,
        resilience_loss: loss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(smoothing: u32) -> Analysis {
        Analysis {
            warmup: 0,
            baseline: 5,
            smoothing,
            threshold: 0.95,
            twins: true,
        }
    }

    #[test]
    fn identical_twin_gives_exactly_no_effect() {
        let run: Vec<f64> = (0..120).map(|i| (i as f64 * 0.7).sin() + 3.0).collect();
        for better in [Better::Higher, Better::Lower, Better::Neither] {
            let e = event_effect(&run, &run, 2, 1, 20, better, &a(4));
            assert_eq!(e.total, 0.0);
            assert_eq!(e.worst_gap, 0.0);
            assert_eq!(e.recovery, Some(0));
        }
    }

    #[test]
    fn effect_against_the_twin_is_measured() {
        // One metric: the twin stays at 10, the run drops to 5 for 10 steps.
        let twin = vec![10.0; 60];
        let mut run = twin.clone();
        for x in &mut run[20..30] {
            *x = 5.0;
        }
        let e = event_effect(&run, &twin, 1, 0, 20, Better::Higher, &a(1));
        assert_eq!(e.total, -50.0);
        assert_eq!(e.worst_gap, 5.0);
        assert_eq!(e.recovery, Some(10));
        // Where lower is better the same fall is no harm.
        let e = event_effect(&run, &twin, 1, 0, 20, Better::Lower, &a(1));
        assert_eq!((e.worst_gap, e.recovery), (0.0, Some(0)));
        // Never back: censored.
        let mut never = twin.clone();
        for x in &mut never[20..] {
            *x = 9.0;
        }
        let e = event_effect(&never, &twin, 1, 0, 20, Better::Higher, &a(3));
        assert_eq!(e.recovery, None);
        assert_eq!(e.total, -40.0);
        // Within the band (5% of 10) counts as back.
        let e = event_effect(&vec![9.6; 60], &twin, 1, 0, 20, Better::Higher, &a(3));
        assert_eq!(e.recovery, Some(0));
    }

    #[test]
    fn flat_series_has_no_dip_and_recovers_at_once() {
        let s = vec![10.0; 50];
        let e = event_impact(&s, 20, 50, &a(4));
        assert_eq!(e.baseline, 10.0);
        assert_eq!(e.dip, 0.0);
        assert_eq!(e.recovery, Some(0));
        assert_eq!(e.resilience_loss, 0.0);
    }

    #[test]
    fn step_down_then_back_is_measured() {
        let mut s = vec![10.0; 60];
        for x in &mut s[20..30] {
            *x = 5.0;
        }
        let e = event_impact(&s, 20, 60, &a(1));
        assert_eq!(e.dip, 0.5);
        assert_eq!(e.recovery, Some(10));
        assert_eq!(e.resilience_loss, 50.0);
    }

    #[test]
    fn never_recovering_gives_none() {
        let mut s = vec![10.0; 40];
        for x in &mut s[20..] {
            *x = 2.0;
        }
        let e = event_impact(&s, 20, 40, &a(3));
        assert_eq!(e.recovery, None);
        assert!((e.dip - 0.8).abs() < 1e-12);
    }

    #[test]
    fn stability_is_cv() {
        assert!((stability(&[9.0, 11.0]) - (2f64).sqrt() / 10.0).abs() < 1e-12);
        assert!(stability(&[0.0, 0.0]).is_nan());
    }
}
