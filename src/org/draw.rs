//! Cheap random decisions for the step's inner loops.
//!
//! One 64-bit draw is split into several independent fields. A Bernoulli
//! decision made from a `k`-bit field is *exact at 2^-32 resolution*: the
//! field is the top `k` bits of a 32-bit uniform, and when they tie with the
//! threshold's top bits (chance 2^-k) the low bits are drawn fresh. So
//! `bernoulli(field, k, t, rng)` is true with chance `t / 2^32`, the same as
//! comparing a whole 32-bit draw with `t`.

use rand::Rng;

use crate::rng::Stream;

/// Threshold `t` such that a uniform 32-bit draw `x` has `x < t` with chance `p`.
pub(super) fn prob_threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).round() as u64
}

/// The low `k` bits of `x` (`k` < 64).
#[inline(always)]
pub(super) fn field(x: u64, shift: u32, k: u32) -> u64 {
    (x >> shift) & ((1u64 << k) - 1)
}

/// A Bernoulli draw with chance `thr / 2^32` from a uniform `k`-bit field
/// (`1 ≤ k ≤ 32`), refined with a fresh draw on a tie.
#[inline(always)]
pub(super) fn bernoulli(bits: u64, k: u32, thr: u64, rng: &mut Stream) -> bool {
    let hi = thr >> (32 - k);
    if bits != hi {
        bits < hi
    } else {
        tie(k, thr, rng)
    }
}

#[cold]
#[inline(never)]
fn tie(k: u32, thr: u64, rng: &mut Stream) -> bool {
    if k == 32 {
        return false;
    }
    let mask = (1u64 << (32 - k)) - 1;
    (u64::from(rng.next_u32()) & mask) < (thr & mask)
}

/// A uniform `f32` in [0, 1) from a 24-bit field (as `rand`'s `f32`).
#[inline(always)]
pub(super) fn unit_f32(bits24: u64) -> f32 {
    bits24 as f32 * (1.0 / 16_777_216.0)
}

/// A uniform index in `0..n` from 32 uniform bits (multiply-shift; bias at
/// most `n / 2^32`).
#[inline(always)]
pub(super) fn index32(bits32: u64, n: u32) -> u32 {
    (((bits32 & 0xFFFF_FFFF) * u64::from(n)) >> 32) as u32
}

/// Whether a uniform draw falls below a hazard `h` (`f32`), where `coarse`
/// is a uniform `k`-bit field (the top bits of the draw) and `bound` is
/// `ceil(h_max * 2^k)` for an upper bound `h_max ≥ h`. Almost always decided
/// by the coarse bits; otherwise the draw is completed with 32 fresh bits and
/// `hazard()` is evaluated.
#[inline(always)]
pub(super) fn below_hazard(
    coarse: u64,
    k: u32,
    bound: u64,
    rng: &mut Stream,
    hazard: impl FnOnce() -> f32,
) -> bool {
    if coarse >= bound {
        return false;
    }
    let u = ((coarse << 32) | u64::from(rng.next_u32())) as f64 * (0.5f64).powi(32 + k as i32);
    u < f64::from(hazard())
}

/// `ceil(h * 2^k)`: the coarse bound for [`below_hazard`].
pub(super) fn hazard_bound_bits(h: f32, k: u32) -> u64 {
    (f64::from(h) * (1u64 << k) as f64).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn bernoulli_matches_its_chance() {
        let mut rng = Stream::seed_from_u64(7);
        for &p in &[0.0, 1e-7, 0.1, 0.2473, 0.5, 0.999, 1.0] {
            let thr = prob_threshold(p);
            for &k in &[1u32, 8, 16, 21, 32] {
                let n = 200_000;
                let mut hits = 0u32;
                for _ in 0..n {
                    let x = rng.next_u64();
                    hits += u32::from(bernoulli(field(x, 5, k), k, thr, &mut rng));
                }
                let f = f64::from(hits) / f64::from(n);
                let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
                assert!((f - p).abs() <= 5.0 * sd + 1e-9, "p {p} k {k}: {f}");
            }
        }
    }

    #[test]
    fn a_tie_is_resolved_by_the_low_bits() {
        // thr = hi·2^(32-k) + lo: a tie is true with chance lo / 2^(32-k).
        let mut rng = Stream::seed_from_u64(3);
        let k = 20;
        let thr = (5u64 << 12) | 1024; // tie at 5, low chance 1024/4096
        let n = 100_000;
        let hits = (0..n).filter(|_| bernoulli(5, k, thr, &mut rng)).count();
        let f = hits as f64 / n as f64;
        assert!((f - 0.25).abs() < 0.01, "{f}");
        assert!(bernoulli(4, k, thr, &mut rng));
        assert!(!bernoulli(6, k, thr, &mut rng));
    }

    #[test]
    fn hazard_draw_matches_its_chance() {
        let mut rng = Stream::seed_from_u64(11);
        let (h, k) = (0.0123f32, 22);
        let bound = hazard_bound_bits(0.05, k);
        let n = 400_000;
        let hits = (0..n)
            .filter(|_| {
                let x = rng.next_u64();
                below_hazard(x >> (64 - k), k, bound, &mut rng, || h)
            })
            .count();
        let f = hits as f64 / n as f64;
        let sd = (0.0123f64 * 0.9877 / n as f64).sqrt();
        assert!((f - 0.0123).abs() < 5.0 * sd, "{f}");
    }

    #[test]
    fn index_and_unit_ranges() {
        assert_eq!(index32(0, 6), 0);
        assert_eq!(index32(0xFFFF_FFFF, 6), 5);
        assert_eq!(unit_f32(0), 0.0);
        assert!(unit_f32((1 << 24) - 1) < 1.0);
    }
}
