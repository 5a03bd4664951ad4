//! Quantiles: exact (type 7) on a sorted sample, and streaming (P²).
//!
//! The streaming estimator exists so that per-time-step medians and quartiles
//! across replications can be reported without keeping every replication's
//! row in memory: each estimator is five markers, whatever the number of
//! observations.

/// Exact quantile of an ascending-sorted, NaN-free slice, using linear
/// interpolation between order statistics (Hyndman & Fan type 7, the default
/// of numpy's `quantile` and R's `quantile`).
///
/// Returns NaN for an empty slice; `p` is clamped to `[0, 1]`.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || p.is_nan() {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = h - lo as f64;
    if frac == 0.0 {
        // Avoids 0 * inf = NaN when a neighbour is infinite.
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

/// Streaming estimate of one quantile by the P² algorithm of Jain & Chlamtac
/// (1985, CACM 28(10)), in constant memory and O(1) time per observation.
///
/// The first five observations are kept verbatim, so for `n <= 5` the result
/// is the exact type-7 quantile (same as [`quantile_sorted`]). After that it
/// is an estimate whose error shrinks as `n` grows; for smooth distributions
/// it is typically within a fraction of a percent of the true quantile after
/// a few hundred observations.
///
/// Non-finite observations are ignored, like [`super::OnlineStats`] does, so
/// an empty cell (NaN) does not corrupt the markers.
#[derive(Clone, Copy, Debug)]
pub struct P2Quantile {
    p: f64,
    count: u64,
    /// Marker heights; while `count < 5` the first `count` entries are the
    /// sorted observations.
    q: [f64; 5],
    /// Actual marker positions (1-based ranks).
    pos: [f64; 5],
    /// Desired marker positions.
    want: [f64; 5],
    /// Increment of the desired positions per observation.
    dwant: [f64; 5],
}

impl P2Quantile {
    /// An estimator of the `p`-quantile, `p` in `[0, 1]`.
    ///
    /// # Panics
    /// If `p` is outside `[0, 1]` or NaN: that is a programming error, not a
    /// data condition.
    pub fn new(p: f64) -> Self {
        assert!((0.0..=1.0).contains(&p), "quantile p must be in [0, 1]");
        Self {
            p,
            count: 0,
            q: [0.0; 5],
            pos: [1.0, 2.0, 3.0, 4.0, 5.0],
            want: [1.0, 1.0 + 2.0 * p, 1.0 + 4.0 * p, 3.0 + 2.0 * p, 5.0],
            dwant: [0.0, p / 2.0, p, (1.0 + p) / 2.0, 1.0],
        }
    }

    /// The quantile level this estimator tracks.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Number of (finite) observations seen.
    pub fn n(&self) -> u64 {
        self.count
    }

    /// Adds one observation; non-finite values are ignored.
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.count < 5 {
            // Insertion into the sorted prefix.
            let mut i = self.count as usize;
            while i > 0 && self.q[i - 1] > x {
                self.q[i] = self.q[i - 1];
                i -= 1;
            }
            self.q[i] = x;
            self.count += 1;
            return;
        }
        self.count += 1;

        // Cell k such that q[k] <= x < q[k+1]; extremes extend the range.
        // Worked out without branches: which cell an observation falls in is
        // data, and mispredicted jumps were most of the cost of a push. The
        // result is the same as the plain search, bit for bit.
        let (lo, hi) = (x < self.q[0], x >= self.q[4]);
        let k1 = usize::from(x >= self.q[1]);
        let k2 = k1 & usize::from(x >= self.q[2]);
        let k3 = k2 & usize::from(x >= self.q[3]);
        let k = if lo {
            0
        } else if hi {
            3
        } else {
            k1 + k2 + k3
        };
        self.q[0] = if lo { x } else { self.q[0] };
        self.q[4] = if hi && !lo { x } else { self.q[4] };
        // Markers above the cell move up one rank (adding 0.0 to the others
        // leaves them exactly as they were).
        for (j, pos) in self.pos.iter_mut().enumerate().skip(1) {
            *pos += f64::from(u8::from(j > k));
        }
        for (w, dw) in self.want.iter_mut().zip(self.dwant) {
            *w += dw;
        }

        // Move the middle markers towards their desired positions, one rank
        // at a time, keeping heights monotone.
        for i in 1..4 {
            let d = self.want[i] - self.pos[i];
            let room_up = self.pos[i + 1] - self.pos[i] > 1.0;
            let room_down = self.pos[i - 1] - self.pos[i] < -1.0;
            if (d >= 1.0 && room_up) || (d <= -1.0 && room_down) {
                let s = d.signum();
                let candidate = self.parabolic(i, s);
                self.q[i] = if self.q[i - 1] < candidate && candidate < self.q[i + 1] {
                    candidate
                } else {
                    self.linear(i, s)
                };
                self.pos[i] += s;
            }
        }
    }

    /// Piecewise-parabolic (P²) prediction of marker `i` moved by `s` (±1).
    fn parabolic(&self, i: usize, s: f64) -> f64 {
        let (q, n) = (&self.q, &self.pos);
        q[i] + s / (n[i + 1] - n[i - 1])
            * ((n[i] - n[i - 1] + s) * (q[i + 1] - q[i]) / (n[i + 1] - n[i])
                + (n[i + 1] - n[i] - s) * (q[i] - q[i - 1]) / (n[i] - n[i - 1]))
    }

    /// Linear fallback when the parabola would break monotonicity.
    fn linear(&self, i: usize, s: f64) -> f64 {
        let j = if s > 0.0 { i + 1 } else { i - 1 };
        self.q[i] + s * (self.q[j] - self.q[i]) / (self.pos[j] - self.pos[i])
    }

    /// Current estimate; exact for `n <= 5`, NaN when empty.
    pub fn estimate(&self) -> f64 {
        if self.count <= 5 {
            quantile_sorted(&self.q[..self.count as usize], self.p)
        } else {
            self.q[2]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn type7_matches_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) -> 1.75, 2.5, 3.25
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.25), 1.75);
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.75), 3.25);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_sorted(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn p2_is_exact_up_to_five() {
        let data = [5.0, -1.0, 3.5, 2.0, 10.0];
        for &p in &[0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0] {
            let mut est = P2Quantile::new(p);
            assert!(est.estimate().is_nan());
            for n in 1..=data.len() {
                est.push(data[n - 1]);
                let mut sorted = data[..n].to_vec();
                sorted.sort_by(f64::total_cmp);
                assert_eq!(est.estimate(), quantile_sorted(&sorted, p), "p={p} n={n}");
            }
        }
    }

    #[test]
    fn p2_ignores_non_finite() {
        let mut est = P2Quantile::new(0.5);
        est.push(f64::NAN);
        est.push(1.0);
        est.push(f64::INFINITY);
        est.push(3.0);
        assert_eq!(est.n(), 2);
        assert_eq!(est.estimate(), 2.0);
    }

    #[test]
    fn p2_uniform_median_and_quartiles() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        let mut med = P2Quantile::new(0.5);
        let mut q1 = P2Quantile::new(0.25);
        let mut q3 = P2Quantile::new(0.75);
        for _ in 0..10_000 {
            let x: f64 = rng.random();
            med.push(x);
            q1.push(x);
            q3.push(x);
        }
        assert!((med.estimate() - 0.5).abs() < 0.01, "{}", med.estimate());
        assert!((q1.estimate() - 0.25).abs() < 0.01, "{}", q1.estimate());
        assert!((q3.estimate() - 0.75).abs() < 0.01, "{}", q3.estimate());
    }

    #[test]
    fn p2_tracks_skewed_distribution() {
        // Exponential(1): median ln 2, 90th percentile ln 10.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut med = P2Quantile::new(0.5);
        let mut p90 = P2Quantile::new(0.9);
        for _ in 0..20_000 {
            let u: f64 = rng.random();
            let x = -(1.0 - u).ln();
            med.push(x);
            p90.push(x);
        }
        assert!((med.estimate() - 2f64.ln()).abs() < 0.03);
        assert!((p90.estimate() - 10f64.ln()).abs() < 0.06);
    }

    type Draw = dyn Fn(&mut Xoshiro256PlusPlus, usize) -> f64;

    /// The textbook push (a search for the cell, then moving the markers
    /// above it): the branch-free one must agree with it bit for bit.
    fn push_by_search(e: &mut P2Quantile, x: f64) {
        if !x.is_finite() || e.count < 5 {
            return e.push(x);
        }
        e.count += 1;
        let k = if x < e.q[0] {
            e.q[0] = x;
            0
        } else if x >= e.q[4] {
            e.q[4] = x;
            3
        } else {
            let mut k = 0;
            while k < 3 && x >= e.q[k + 1] {
                k += 1;
            }
            k
        };
        for pos in &mut e.pos[k + 1..] {
            *pos += 1.0;
        }
        for (w, dw) in e.want.iter_mut().zip(e.dwant) {
            *w += dw;
        }
        for i in 1..4 {
            let d = e.want[i] - e.pos[i];
            if (d >= 1.0 && e.pos[i + 1] - e.pos[i] > 1.0)
                || (d <= -1.0 && e.pos[i - 1] - e.pos[i] < -1.0)
            {
                let s = d.signum();
                let c = e.parabolic(i, s);
                e.q[i] = if e.q[i - 1] < c && c < e.q[i + 1] {
                    c
                } else {
                    e.linear(i, s)
                };
                e.pos[i] += s;
            }
        }
    }

    #[test]
    fn p2_push_matches_the_search_bit_for_bit() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        // Continuous values, few distinct values (ties with the markers),
        // signed zeros, a trend and outliers.
        let draws: [&Draw; 5] = [
            &|r, _| r.random::<f64>(),
            &|r, _| f64::from(r.random_range(0..4u8)),
            &|r, _| if r.random::<bool>() { 0.0 } else { -0.0 },
            &|r, i| i as f64 * 0.01 + r.random::<f64>(),
            &|r, _| {
                let u = r.random::<f64>();
                if u < 0.05 { 1e9 * (u - 0.025) } else { u }
            },
        ];
        for draw in draws {
            for p in [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0] {
                let (mut a, mut b) = (P2Quantile::new(p), P2Quantile::new(p));
                for i in 0..3000 {
                    let x = draw(&mut rng, i);
                    a.push(x);
                    push_by_search(&mut b, x);
                    let bits =
                        |e: &P2Quantile| (e.count, e.q.map(f64::to_bits), e.pos.map(f64::to_bits));
                    assert_eq!(bits(&a), bits(&b), "p={p}, observation {i}");
                }
            }
        }
    }

    #[test]
    fn p2_handles_sorted_and_constant_input() {
        let mut asc = P2Quantile::new(0.5);
        let mut cst = P2Quantile::new(0.5);
        for i in 0..1001 {
            asc.push(i as f64);
            cst.push(4.0);
        }
        assert!((asc.estimate() - 500.0).abs() < 5.0, "{}", asc.estimate());
        assert_eq!(cst.estimate(), 4.0);
    }
}

#[cfg(test)]
mod paper_example {
    use super::P2Quantile;

    /// The worked example of Jain & Chlamtac (1985), Table I: 20
    /// observations, p = 0.5. The paper's final marker heights are
    /// 0.02, 0.49, 4.44, 17.20, 38.62 at positions 1, 6, 10, 16, 20; other
    /// implementations print the median as 4.4406343532603376.
    #[test]
    fn jain_chlamtac_table_1() {
        let data = [
            0.02, 0.15, 0.74, 3.39, 0.83, 22.37, 10.15, 15.43, 38.62, 15.92, 34.60, 10.28, 1.47,
            0.40, 0.05, 11.39, 0.27, 0.42, 0.09, 11.37,
        ];
        let mut est = P2Quantile::new(0.5);
        for x in data {
            est.push(x);
        }
        let want = [0.02, 0.49, 4.44, 17.20, 38.62];
        for (q, w) in est.q.iter().zip(want) {
            assert!((q - w).abs() < 0.006, "{:?}", est.q);
        }
        assert_eq!(est.pos, [1.0, 6.0, 10.0, 16.0, 20.0]);
        assert!((est.estimate() - 4.440_634_353_260_338).abs() < 1e-12);
    }
}
