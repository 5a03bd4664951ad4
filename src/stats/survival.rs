//! Times to an event when some runs never reach it (right-censored): the
//! Kaplan–Meier median and the two-sample log-rank test.
//!
//! Recovery times are such data: a run that has not recovered by the end of
//! its window is not a missing value but a time longer than the window.
//! Dropping those runs (as a t-test on the recovered ones does) compares the
//! quick recoverers of one variant with those of the other and hides the
//! variant that often never recovers.

use super::rank::normal_sf;

/// One observed time: `observed` is false when the run ended (was censored)
/// at `time` without the event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Time {
    pub time: f64,
    pub observed: bool,
}

/// The distinct times, in order, with `(time, events, censored)` counts.
fn tally(x: &[Time]) -> Vec<(f64, f64, f64)> {
    let mut sorted: Vec<Time> = x.iter().copied().filter(|t| t.time.is_finite()).collect();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time));
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    for t in sorted {
        let (d, c) = if t.observed { (1.0, 0.0) } else { (0.0, 1.0) };
        match out.last_mut() {
            Some(last) if last.0 == t.time => {
                last.1 += d;
                last.2 += c;
            }
            _ => out.push((t.time, d, c)),
        }
    }
    out
}

/// The Kaplan–Meier median: the first time at which the estimated share
/// still without the event falls to one half or below (lifelines'
/// `median_survival_time_`). Infinite when it never does (more than half
/// censored before), NaN for an empty sample.
pub fn km_median(x: &[Time]) -> f64 {
    let times = tally(x);
    let mut at_risk: f64 = times.iter().map(|t| t.1 + t.2).sum();
    if at_risk == 0.0 {
        return f64::NAN;
    }
    let mut surviving = 1.0;
    for (time, d, c) in times {
        surviving *= 1.0 - d / at_risk;
        // A tolerance for products such as (1 - 1/4)(1 - 1/3) = 0.5.
        if surviving <= 0.5 + 1e-12 {
            return time;
        }
        at_risk -= d + c;
    }
    f64::INFINITY
}

/// Two-sided log-rank test of equal hazards: `(z, p)` with `z` the
/// standardized excess of events in `a` over what equal hazards expect
/// (negative: `a` has its events later, i.e. recovers more slowly),
/// as `scipy.stats.logrank`. NaN when either sample is empty or no event
/// was observed.
pub fn logrank(a: &[Time], b: &[Time]) -> (f64, f64) {
    let (ta, tb) = (tally(a), tally(b));
    let mut at_a: f64 = ta.iter().map(|t| t.1 + t.2).sum();
    let mut at_b: f64 = tb.iter().map(|t| t.1 + t.2).sum();
    if at_a == 0.0 || at_b == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let (mut i, mut j) = (0, 0);
    let (mut excess, mut var) = (0.0, 0.0);
    while i < ta.len() || j < tb.len() {
        let time = match (ta.get(i), tb.get(j)) {
            (Some(x), Some(y)) => x.0.min(y.0),
            (Some(x), None) => x.0,
            (None, Some(y)) => y.0,
            (None, None) => break,
        };
        let take = |v: &[(f64, f64, f64)], k: &mut usize| match v.get(*k) {
            Some(&(t, d, c)) if t == time => {
                *k += 1;
                (d, c)
            }
            _ => (0.0, 0.0),
        };
        let (da, ca) = take(&ta, &mut i);
        let (db, cb) = take(&tb, &mut j);
        let (n, d) = (at_a + at_b, da + db);
        if d > 0.0 {
            excess += da - d * at_a / n;
            if n > 1.0 {
                var += d * (at_a / n) * (at_b / n) * (n - d) / (n - 1.0);
            }
        }
        at_a -= da + ca;
        at_b -= db + cb;
    }
    if var <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let z = excess / var.sqrt();
    (z, (2.0 * normal_sf(z.abs())).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(t: &[f64], observed: &[bool]) -> Vec<Time> {
        t.iter()
            .zip(observed)
            .map(|(&time, &observed)| Time { time, observed })
            .collect()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs()
    }

    /// Gehan's (1965) leukaemia remission data (6-MP against placebo), the
    /// classic log-rank example. Reference: `scipy.stats.logrank(x, y)`
    /// with `x, y` as `scipy.stats.CensoredData`, scipy 1.17.1:
    /// statistic -4.097919104767264, pvalue 4.168809109334529e-05
    /// (lifelines' `logrank_test` gives the same p); lifelines'
    /// `KaplanMeierFitter().median_survival_time_`: 23 and 8.
    #[test]
    fn gehan_leukaemia_matches_scipy() {
        let mp = times(
            &[
                6., 6., 6., 7., 10., 13., 16., 22., 23., 6., 9., 10., 11., 17., 19., 20., 25., 32.,
                32., 34., 35.,
            ],
            &[[true; 9].as_slice(), &[false; 12]].concat(),
        );
        let placebo = times(
            &[
                1., 1., 2., 2., 3., 4., 4., 5., 5., 8., 8., 8., 8., 11., 11., 12., 12., 15., 17.,
                22., 23.,
            ],
            &[true; 21],
        );
        let (z, p) = logrank(&mp, &placebo);
        assert!(close(z, -4.097919104767264, 1e-10), "{z}");
        assert!(close(p, 4.168809109334529e-05, 1e-8), "{p}");
        let (z2, p2) = logrank(&placebo, &mp);
        assert!(close(z2, -z, 1e-12) && close(p2, p, 1e-12));
        assert_eq!(km_median(&mp), 23.0);
        assert_eq!(km_median(&placebo), 8.0);
    }

    /// Recovery-like data: many immediate recoveries (0), runs that never
    /// recovered censored at the window's end (100). scipy.stats.logrank:
    /// statistic -1.8784048120371954, pvalue 0.0603258077405051;
    /// lifelines medians 12 and 2.
    #[test]
    fn recovery_times_with_censoring_match_scipy() {
        let slow = times(
            &[0., 0., 3., 5., 5., 8., 12., 12., 20., 31., 100., 100., 100.],
            &[[true; 10].as_slice(), &[false; 3]].concat(),
        );
        let quick = times(
            &[0., 0., 0., 1., 2., 2., 4., 6., 7., 9., 100.],
            &[[true; 10].as_slice(), &[false]].concat(),
        );
        let (z, p) = logrank(&slow, &quick);
        assert!(close(z, -1.8784048120371954, 1e-10), "{z}");
        assert!(close(p, 0.0603258077405051, 1e-9), "{p}");
        assert_eq!(km_median(&slow), 12.0);
        assert_eq!(km_median(&quick), 2.0);
    }

    /// Small samples (5 vs 4) with an event time shared by both groups (3)
    /// and a censoring at the same time as an event (8: censored runs are
    /// still at risk then). `scipy.stats.logrank(x, y)`, scipy 1.17.1, with
    /// x = CensoredData(uncensored=[2, 3, 3, 7], right=[9]) and
    /// y = CensoredData(uncensored=[3, 5, 8], right=[8]):
    /// statistic 0.5816190783144702, pvalue 0.5608232892984377.
    #[test]
    fn small_samples_with_tied_times_match_scipy() {
        let x = times(&[2., 3., 3., 7., 9.], &[true, true, true, true, false]);
        let y = times(&[3., 5., 8., 8.], &[true, true, true, false]);
        let (z, p) = logrank(&x, &y);
        assert!(close(z, 0.5816190783144702, 1e-10), "{z}");
        assert!(close(p, 0.5608232892984377, 1e-9), "{p}");
    }

    #[test]
    fn km_median_edge_cases() {
        // lifelines: median not reached -> inf; S falls to exactly 0.5 at 2 -> 2.
        let nr = times(
            &[2., 4., 100., 100., 100.],
            &[true, true, false, false, false],
        );
        assert_eq!(km_median(&nr), f64::INFINITY);
        let half = times(&[1., 2., 3., 4.], &[true; 4]);
        assert_eq!(km_median(&half), 2.0);
        assert!(km_median(&[]).is_nan());
        assert!(logrank(&[], &half).1.is_nan());
        // Nobody ever recovers in either: no events, no test.
        let never = times(&[50., 50.], &[false, false]);
        assert!(logrank(&never, &never).1.is_nan());
    }
}
