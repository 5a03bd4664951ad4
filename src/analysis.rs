//! Per-run measures computed from one replication's time series: stability,
//! and for each scheduled event the largest dip, the time to recover and the
//! resilience loss. Pure functions on slices.

use crate::scenario::Analysis;

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
            baseline: 5,
            smoothing,
            threshold: 0.95,
        }
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
