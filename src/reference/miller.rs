//! Miller, Zhao & Calantone (2006), "Adding interpersonal learning and tacit
//! knowledge to March's exploration-exploitation model", Academy of
//! Management Journal 49(4): 709-722.
//!
//! March's (1991) mutual learning (see [`super::march`]) plus:
//! - direct interpersonal learning: each period every member looks at one
//!   other member within `radius` seats on a ring (the paper's space; a radius
//!   of n/2 or more is "distant search", anyone) and, if that member
//!   performs better, moves toward the other's beliefs on each dimension with
//!   probability `p3`;
//! - tacit knowledge: a share `tacit` of the dimensions cannot be codified,
//!   so the code never learns them and members can learn them only from
//!   each other;
//! - turnover `p4` as in March.

use super::march::{self, Core, Rules, Trials, moved};
use crate::define_params;
use crate::metric::{Better, Metric, names};
use crate::model::Model;
use crate::rng::Stream;
use rand::RngExt;

define_params! {
    /// Parameters of Miller, Zhao & Calantone (2006).
    pub struct MillerParams {
        /// Dimensions of reality.
        m: usize = 30, [1, 1000], "dimensions",
            Conditions, [10, 100], "assumption: Miller et al. 2006 use 30";
        /// Members, seated on a ring.
        n: usize = 50, [2, 100000], "people",
            Conditions, [10, 200], "assumption: Miller et al. 2006 use 50";
        /// Socialization rate: learning from the code (March's p1).
        p1: f64 = 0.1, [0, 1], "probability",
            Behaviour, [0.1, 0.9], "March 1991 and Miller et al. 2006 vary it over 0.1-0.9";
        /// Code learning rate: learning by the code from superior members (March's p2).
        p2: f64 = 0.5, [0, 1], "probability",
            Behaviour, [0.1, 0.9], "March 1991 and Miller et al. 2006 vary it over 0.1-0.9";
        /// Interpersonal learning rate: chance per dimension that a member adopts the view of a better-performing peer it meets.
        p3: f64 = 0.1, [0, 1], "probability",
            Behaviour, [0, 0.9], "assumption: Miller et al. 2006 vary it from 0";
        /// Turnover: chance per period that a member is replaced by a newcomer with random beliefs.
        p4: f64 = 0.0, [0, 1], "probability/period",
            Conditions, [0, 0.1], "assumption, no source: up to a tenth of members replaced per period";
        /// Seats either side on the ring within which a member finds a peer (n/2 or more: anyone).
        radius: usize = 1, [1, 100000], "seats",
            Structure, [1, 25], "from neighbours only to anyone (n/2 at n = 50)";
        /// Share of dimensions that are tacit: not codifiable, learnable only from peers.
        tacit: f64 = 0.0, [0, 1], "share",
            Conditions, [0, 1], "no source: valid range";
        /// 1: March's text read literally for the March part of the model; 0: March's original program.
        literal: u32 = 0, [0, 1], "flag",
            Conditions, [0, 1], "reading of the paper, not a quantity: valid range";
    }
}

impl MillerParams {
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        Ok(())
    }
}

/// March's metrics, then members' mean knowledge on the tacit dimensions
/// (0 when no dimension is tacit).
pub const REGISTRY: [Metric; 7] = [
    march::REGISTRY[0],
    march::REGISTRY[1],
    march::REGISTRY[2],
    march::REGISTRY[3],
    march::REGISTRY[4],
    march::REGISTRY[5],
    Metric::new(
        "tacit_knowledge",
        "Tacit knowledge",
        "share of tacit dimensions right, 0–1",
        Better::Higher,
        "members' mean share right on the tacit dimensions (0 when none is tacit)",
    ),
];
pub const METRICS: &[&str] = &names(&REGISTRY);
pub const MEMBER_KNOWLEDGE: usize = march::MEMBER_KNOWLEDGE;
pub const TACIT_KNOWLEDGE: usize = 6;

pub struct Miller {
    core: Core,
    p3: f64,
    p4: f64,
    radius: usize,
    /// Beliefs at the start of the period (bit-packed as in [`Core`]):
    /// everyone learns from the same snapshot, so the order in which members
    /// are visited does not matter.
    before_pos: Vec<u64>,
    before_neg: Vec<u64>,
    /// Interpersonal learning trials (rate `p3`).
    peer: Trials,
    rng: Stream,
}

impl Miller {
    pub fn new(p: MillerParams, mut rng: Stream) -> Self {
        let rules = if p.literal == 1 {
            Rules::LITERAL
        } else {
            Rules::ORIGINAL
        };
        let mut core = Core::new(p.m, p.n, vec![p.p1; p.n], p.p2, rules, &mut rng);
        core.tacit = ((p.tacit * p.m as f64).round() as usize).min(p.m);
        Self {
            before_pos: vec![0; core.pos.len()],
            before_neg: vec![0; core.neg.len()],
            peer: Trials::new(p.p3),
            radius: p.radius.min(p.n / 2).max(1),
            p3: p.p3,
            p4: p.p4,
            core,
            rng,
        }
    }

    /// Each member meets one peer within the radius and learns from it if the
    /// peer did better this period (on the same merit the code uses).
    fn learn_from_peers(&mut self) {
        if self.p3 <= 0.0 {
            return;
        }
        let (wn, n, r) = (self.core.words, self.core.n, self.radius);
        self.before_pos.copy_from_slice(&self.core.pos);
        self.before_neg.copy_from_slice(&self.core.neg);
        let gradual = self.core.rules.gradual_socialization;
        for i in 0..n {
            // A seat at distance 1..=r on either side, uniformly.
            let offset = self.rng.random_range(1..=r);
            let j = if self.rng.random_bool(0.5) {
                (i + offset) % n
            } else {
                (i + n - offset % n) % n
            };
            if j == i || self.core.merit[j] <= self.core.merit[i] {
                continue;
            }
            for w in 0..wn {
                let k = i * wn + w;
                let (p, q) = (self.core.pos[k], self.core.neg[k]);
                let (vp, vn) = (self.before_pos[j * wn + w], self.before_neg[j * wn + w]);
                // Where the peer holds a view and the member another.
                let differ = (vp & !p) | (vn & !q);
                if differ == 0 {
                    continue;
                }
                let sel = self.peer.select(differ, &mut self.rng);
                if sel != 0 {
                    let new = moved(p, q, sel, vp, vn, gradual);
                    (self.core.pos[k], self.core.neg[k]) = new;
                    self.core.view_moved(i, w, (p, q), new);
                }
            }
        }
    }
}

impl Model for Miller {
    fn members(&self) -> usize {
        self.core.n
    }

    fn step(&mut self, out: &mut [f64]) {
        self.core.turnover(self.p4, &mut self.rng);
        // Judge first: peers and the code both learn from who did better at
        // the start of the period.
        self.core.judge(&mut self.rng);
        self.learn_from_peers();
        self.core.socialize(&mut self.rng);
        self.core.learn_code(&mut self.rng);
        self.core.measure(out);
        let (m, n, tacit) = (self.core.m, self.core.n, self.core.tacit);
        // The code is judged on what it can hold: the codifiable dimensions.
        out[march::CODE_KNOWLEDGE] = self.core.code_knowledge(0..m - tacit);
        // With no tacit dimension there is nothing tacit to know: 0, not the
        // NaN of an empty mean (which the engine rightly counts as a failure).
        out[TACIT_KNOWLEDGE] = if tacit == 0 {
            0.0
        } else {
            (0..n)
                .map(|i| self.core.member_knowledge(i, m - tacit..m))
                .sum::<f64>()
                / n as f64
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::march::{March, MarchParams};
    use crate::rng::stream;

    #[test]
    fn the_tally_follows_peer_learning_and_turnover_exactly() {
        // Members' statistics kept up to date as peers teach and members
        // turn over equal a recount from the beliefs, every period.
        let mp = MillerParams {
            p3: 0.5,
            tacit: 0.3,
            p1: 0.3,
            ..MillerParams::default()
        };
        let mut a = Miller::new(mp, stream(10, 0, 0));
        a.p4 = 0.05;
        let (mut out, mut fresh) = (vec![0.0; METRICS.len()], vec![0.0; METRICS.len()]);
        // The first period counts from scratch.
        a.step(&mut out);
        let mut followed = 0;
        for _ in 0..80 {
            a.step(&mut out);
            followed += usize::from(!a.core.changed);
            a.core.changed = true;
            a.core.measure(&mut fresh);
            // Members' metrics (Miller judges the code on its own terms).
            assert_eq!(out[1..5], fresh[1..5]);
        }
        assert_eq!(followed, 80, "the tally was recounted, not followed");
    }

    #[test]
    fn without_peers_or_tacit_knowledge_it_is_march() {
        // Same rules, same draws in the same order: the extension adds
        // nothing when switched off.
        let mp = MillerParams {
            p3: 0.0,
            tacit: 0.0,
            p1: 0.3,
            p2: 0.7,
            ..MillerParams::default()
        };
        let kp = MarchParams {
            p1: 0.3,
            p2: 0.7,
            ..MarchParams::default()
        };
        let mut a = Miller::new(mp, stream(9, 0, 0));
        let mut b = March::new(kp, stream(9, 0, 0));
        let (mut oa, mut ob) = (vec![0.0; METRICS.len()], vec![0.0; march::METRICS.len()]);
        for _ in 0..100 {
            a.step(&mut oa);
            b.step(&mut ob);
            assert_eq!(oa[..ob.len()], ob[..]);
        }
    }

    #[test]
    fn same_seed_same_history_and_tacit_dimensions_stay_uncoded() {
        let p = MillerParams {
            tacit: 0.3,
            p4: 0.02,
            radius: 3,
            ..MillerParams::default()
        };
        let mut a = Miller::new(p.clone(), stream(2, 0, 0));
        let mut b = Miller::new(p, stream(2, 0, 0));
        let (mut oa, mut ob) = (vec![0.0; METRICS.len()], vec![0.0; METRICS.len()]);
        for _ in 0..200 {
            a.step(&mut oa);
            b.step(&mut ob);
            assert_eq!(oa, ob);
            assert!(oa.iter().all(|v| (-1.0..=1.0).contains(v)));
        }
        let m = a.core.m;
        assert_eq!(a.core.tacit, 9);
        assert!((m - 9..m).all(|d| a.core.code_at(d) == 0));
        assert!(oa[TACIT_KNOWLEDGE] > 0.5, "peers teach tacit knowledge");
    }

    #[test]
    fn no_tacit_dimension_gives_finite_metrics() {
        // Miller's fast-local variant: tacit = 0 once gave a NaN
        // tacit_knowledge, and the engine failed every such replication.
        let p = MillerParams {
            p3: 0.9,
            tacit: 0.0,
            ..MillerParams::default()
        };
        let mut a = Miller::new(p, stream(3, 0, 0));
        let mut out = vec![0.0; METRICS.len()];
        for _ in 0..50 {
            a.step(&mut out);
            assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
            assert_eq!(out[TACIT_KNOWLEDGE], 0.0);
        }
    }

    #[test]
    fn radius_is_clamped_to_half_the_ring() {
        let p = MillerParams {
            n: 10,
            radius: 1000,
            ..MillerParams::default()
        };
        assert_eq!(Miller::new(p, stream(1, 0, 0)).radius, 5);
    }
}
