//! March (1991), "Exploration and exploitation in organizational learning",
//! Organization Science 2(1): 71-87. The mutual-learning model.
//!
//! Reality has `m` dimensions, each +1 or -1. Each of `n` members holds a
//! belief in {-1, 0, +1} on every dimension; the organizational code holds
//! one too, starting all 0. Members learn from the code (socialization, rate
//! `p1`); the code learns from the "superior group", the members who do
//! better than the code (rate `p2`). Open-system extensions: turnover `p3`,
//! environmental turbulence `p4`, and a share of fast learners.
//!
//! The paper's text leaves several rules open, and a literal reading of it
//! does not reproduce Figure 1. [`Rules::ORIGINAL`] follows what the
//! replications that obtained March's own program report (Rodan 2005;
//! Christensen 2015, as implemented by Workiewicz 2019; Watts 2014 from the
//! BASIC listing); [`Rules::LITERAL`] is the text read word by word. Each
//! rule, its source and its measured effect are in `docs/validation.md`.

use crate::define_params;
use crate::metric::{Better, Metric, names};
use crate::model::Model;
use crate::rng::Stream;
use rand::{Rng, RngExt};

define_params! {
    /// Parameters of March's (1991) model, with the paper's names.
    pub struct MarchParams {
        /// Dimensions of reality (March: 30).
        m: usize = 30, [1, 1000], "dimensions",
            Conditions, [10, 100], "assumption: March 1991 uses 30";
        /// Members of the organization (March: 50).
        n: usize = 50, [1, 100000], "people",
            Conditions, [10, 200], "assumption: March 1991 uses 50";
        /// Socialization rate: chance per period and dimension that a member's belief moves toward a non-zero code.
        p1: f64 = 0.1, [0, 1], "probability",
            Behaviour, [0.1, 0.9], "March 1991 varies p1 over 0.1-0.9";
        /// Code learning rate: chance per superior member in the majority margin that the code adopts the superior group's majority view.
        p2: f64 = 0.5, [0, 1], "probability",
            Behaviour, [0.1, 0.9], "March 1991 varies p2 over 0.1-0.9";
        /// Turnover: chance per period that a member is replaced by a newcomer with random beliefs.
        p3: f64 = 0.0, [0, 1], "probability/period",
            Conditions, [0, 0.1], "assumption, no source: up to a tenth of members replaced per period";
        /// Environmental turbulence: chance per period that a dimension of reality flips.
        p4: f64 = 0.0, [0, 1], "probability/period",
            Conditions, [0, 0.05], "assumption, no source: up to one dimension in twenty flips per period";
        /// Share of members who socialize at the fast rate `p1_fast` instead of `p1` (March's mixed learners).
        fast_share: f64 = 0.0, [0, 1], "share",
            Behaviour, [0, 1], "no source: valid range";
        /// Socialization rate of the fast learners.
        p1_fast: f64 = 0.9, [0, 1], "probability",
            Behaviour, [0.5, 0.9], "March 1991's fast learners: 0.9";
        /// 1: the paper's text read literally (does not reproduce Figure 1); 0: the rules of March's original program.
        literal: u32 = 0, [0, 1], "flag",
            Conditions, [0, 1], "reading of the paper, not a quantity: valid range";
    }
}

impl MarchParams {
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        Ok(())
    }

    pub fn rules(&self) -> Rules {
        if self.literal == 1 {
            Rules::LITERAL
        } else {
            Rules::ORIGINAL
        }
    }
}

/// Metrics written by [`March::step`], in order.
pub const REGISTRY: [Metric; 6] = [
    Metric::new(
        "code_knowledge",
        "Code knowledge",
        "share of dimensions right, 0–1",
        Better::Higher,
        "share of reality's dimensions the organizational code has right",
    ),
    Metric::new(
        "member_knowledge",
        "Member knowledge",
        "share of dimensions right, 0–1",
        Better::Higher,
        "members' mean share of dimensions right",
    ),
    Metric::new(
        "knowledge_variance",
        "Knowledge variance",
        "variance of members' knowledge",
        Better::Neither,
        "variance of members' knowledge across members",
    ),
    Metric::new(
        "belief_diversity",
        "Belief diversity",
        "chance two members disagree, 0–1",
        Better::Neither,
        "chance that two members drawn at random hold different beliefs on a dimension, averaged over dimensions (Gini–Simpson)",
    ),
    Metric::new(
        "superior_share",
        "Superior share",
        "share of members, 0–1",
        Better::Neither,
        "share of members who know more than the code (the superior group)",
    ),
    Metric::new(
        "code_score",
        "Code score",
        "right minus wrong, share of dimensions",
        Better::Higher,
        "code's right minus wrong dimensions, as a share of all",
    ),
];
pub const METRICS: &[&str] = &names(&REGISTRY);
pub const CODE_KNOWLEDGE: usize = 0;
pub const MEMBER_KNOWLEDGE: usize = 1;
pub const KNOWLEDGE_VARIANCE: usize = 2;
pub const BELIEF_DIVERSITY: usize = 3;
pub const SUPERIOR_SHARE: usize = 4;
pub const CODE_SCORE: usize = 5;

/// The rules the paper's text leaves open. Each is a switch so that tests can
/// show which ones matter for Figure 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// A member with belief 0 acts at random (+1 or -1) each period; the
    /// superior group is judged on, and the code learns from, these actions
    /// (Christensen 2015). Off: a 0 belief is held and shown as 0.
    pub zeros_act_randomly: bool,
    /// Superior means score (right minus wrong) above the code's score
    /// (March's BASIC, per Watts 2014 and Christensen 2015). Off: knowledge
    /// (number right) above the code's knowledge, as the text says.
    pub superior_by_score: bool,
    /// Socialization moves a belief one step: opposite to 0, 0 to the code
    /// (Christensen 2015; Watts 2014). Off: the belief jumps to the code.
    pub gradual_socialization: bool,
    /// k in 1-(1-p2)^k is the majority margin (majority minus minority)
    /// within the superior group (Christensen 2015). Off: members who differ
    /// from the code minus those who agree, zeros counting as differing
    /// (footnote 1 read literally).
    pub k_is_majority_margin: bool,
    /// The code learns from beliefs after this period's socialization. Off:
    /// both learning steps use the state at the start of the period ("at the
    /// same time", and March's BASIC per Watts 2014).
    pub sequential: bool,
}

impl Rules {
    pub const ORIGINAL: Rules = Rules {
        zeros_act_randomly: true,
        superior_by_score: true,
        gradual_socialization: true,
        k_is_majority_margin: true,
        sequential: false,
    };
    pub const LITERAL: Rules = Rules {
        zeros_act_randomly: false,
        superior_by_score: false,
        gradual_socialization: false,
        k_is_majority_margin: false,
        sequential: false,
    };
}

/// Dimensions per bit word.
const WORD: usize = 64;

/// Bernoulli(p) trials assigned, one per set bit, to the candidate masks
/// passed to [`Trials::select`] in turn. Instead of one random number per
/// trial it draws the gap to the next rarer outcome (a success when
/// p <= 1/2, a failure otherwise) from the geometric distribution,
/// floor(ln U / ln(1 - q)) with q the rarer outcome's probability and U
/// uniform on (0, 1] in steps of 2^-53, and carries the gap from one mask to
/// the next. The trials are independent Bernoulli(p) up to that resolution
/// and the rounding of `ln` (P(gap >= k) = (1 - q)^k), so a trial costs a
/// random number only when its outcome is the rare one.
#[derive(Clone, Debug)]
pub(crate) struct Trials {
    p: f64,
    /// The rarer outcome is a success (p <= 1/2) or a failure.
    rare_success: bool,
    /// ln(1 - q); 0 when q = 0 (the rarer outcome never happens).
    ln_common: f64,
    /// 1 / ln(1 - q): a gap is a multiplication, not a division.
    inv_ln_common: f64,
    /// Trials left before the next rare outcome.
    gap: u64,
    drawn: bool,
    /// `p` in 0.64 fixed point (exact for the `p` this path takes), when
    /// neither outcome is rare (see [`Trials::select`]).
    fixed: Option<u64>,
}

impl Trials {
    pub fn new(p: f64) -> Self {
        let rare_success = p <= 0.5;
        let q = if rare_success { p } else { 1.0 - p };
        Self {
            p,
            rare_success,
            ln_common: (-q).ln_1p(),
            inv_ln_common: 1.0 / (-q).ln_1p(),
            gap: 0,
            drawn: false,
            // 1/8 <= p <= 7/8: p = m 2^e with e >= -3 and a 53-bit m, so
            // p 2^64 is a whole number.
            fixed: (q >= 0.125).then(|| (p * 2f64.powi(64)) as u64),
        }
    }

    fn draw_gap(&mut self, rng: &mut Stream) {
        self.gap = if self.ln_common == 0.0 {
            u64::MAX
        } else {
            let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
            // `as` saturates: a gap beyond u64::MAX is never reached anyway.
            (u.ln() * self.inv_ln_common) as u64
        };
    }

    /// The subset of `candidates` whose trials succeed (lowest bit first).
    /// A rare outcome (chance below 1/8) is found by skipping ahead a
    /// geometric number of trials; otherwise each candidate compares a
    /// uniform number with `p` bit by bit, 64 candidates a word
    /// (`select_bitwise`), where skipping would cost a logarithm every few
    /// trials.
    #[inline]
    pub fn select(&mut self, candidates: u64, rng: &mut Stream) -> u64 {
        if let Some(p) = self.fixed {
            return select_bitwise(candidates, p, rng);
        }
        if !self.drawn {
            self.draw_gap(rng);
            self.drawn = true;
        }
        let mut rare = 0;
        let mut left = candidates;
        loop {
            let c = u64::from(left.count_ones());
            if self.gap >= c {
                self.gap -= c;
                break;
            }
            for _ in 0..self.gap {
                left &= left - 1;
            }
            let bit = left & left.wrapping_neg();
            rare |= bit;
            left ^= bit;
            self.draw_gap(rng);
        }
        if self.rare_success {
            rare
        } else {
            candidates & !rare
        }
    }
}

/// Each bit of `candidates` succeeds with chance `p` (0.64 fixed point),
/// exactly: bit j of every random word is the next binary digit of its
/// candidate's uniform number U, and U < p is decided at the first digit
/// where U and p differ (a U that matches p's digits to the last 1 is not
/// below p). Each word halves the undecided candidates: about log2 of
/// their count plus two words.
#[inline]
fn select_bitwise(candidates: u64, p: u64, rng: &mut Stream) -> u64 {
    let (mut undecided, mut success, mut rest) = (candidates, 0u64, p);
    while undecided != 0 && rest != 0 {
        let r = rng.next_u64();
        if rest >> 63 == 1 {
            // p's digit is 1: U's 0 decides U < p.
            success |= undecided & !r;
            undecided &= r;
        } else {
            // p's digit is 0: U's 1 decides U > p.
            undecided &= !r;
        }
        rest <<= 1;
    }
    success
}

/// Counts per dimension (up to a maximum) held as bit planes: plane `j` of
/// a word holds bit `j` of the counts of its 64 dimensions, so adding a
/// member's mask costs a few word operations for 64 dimensions at once.
pub(crate) struct Counts {
    planes_per_word: usize,
    planes: Vec<u64>,
}

impl Counts {
    fn new(words: usize, max: usize) -> Self {
        let k = (usize::BITS - max.leading_zeros()).max(1) as usize;
        Self {
            planes_per_word: k,
            planes: vec![0; words * k],
        }
    }

    fn clear(&mut self) {
        self.planes.fill(0);
    }

    fn word(&self, w: usize) -> &[u64] {
        &self.planes[w * self.planes_per_word..(w + 1) * self.planes_per_word]
    }

    /// Adds 1 to the count of every dimension set in `x` (word `w`).
    #[inline]
    fn add(&mut self, w: usize, x: u64) {
        let k = self.planes_per_word;
        let mut carry = x;
        for p in &mut self.planes[w * k..(w + 1) * k] {
            if carry == 0 {
                break;
            }
            let c = *p & carry;
            *p ^= carry;
            carry = c;
        }
    }

    /// The count of dimension `d`.
    fn get(&self, d: usize) -> u32 {
        let b = d % WORD;
        self.word(d / WORD)
            .iter()
            .enumerate()
            .map(|(j, p)| (((p >> b) & 1) as u32) << j)
            .sum()
    }

    /// Dimensions of word `w` where this count is above / below `other`'s.
    fn compare(&self, other: &Counts, w: usize) -> (u64, u64) {
        let (mut above, mut below, mut equal) = (0, 0, !0u64);
        for (a, b) in self.word(w).iter().zip(other.word(w)).rev() {
            above |= equal & a & !b;
            below |= equal & !a & b;
            equal &= !(a ^ b);
        }
        (above, below)
    }
}

/// Bits of word `w` that fall in `dims`.
fn range_mask(dims: &std::ops::Range<usize>, w: usize) -> u64 {
    let lo = dims.start.saturating_sub(w * WORD).min(WORD);
    let hi = dims.end.saturating_sub(w * WORD).min(WORD);
    if hi <= lo {
        return 0;
    }
    let upto = |k: usize| if k == WORD { !0 } else { (1u64 << k) - 1 };
    upto(hi) & !upto(lo)
}

/// One step of learning on the dimensions in `sel`, toward a source view
/// (`to_pos`, `to_neg`) that differs from the belief (`pos`, `neg`) there:
/// gradually (an opposite belief becomes 0, a 0 becomes the source's view)
/// or straight to the source's view.
#[inline]
pub(crate) fn moved(
    pos: u64,
    neg: u64,
    sel: u64,
    to_pos: u64,
    to_neg: u64,
    gradual: bool,
) -> (u64, u64) {
    if gradual {
        let opposite = sel & (pos | neg);
        let zero = sel & !opposite;
        (
            (pos & !opposite) | (zero & to_pos),
            (neg & !opposite) | (zero & to_neg),
        )
    } else {
        ((pos & !sel) | (sel & to_pos), (neg & !sel) | (sel & to_neg))
    }
}

/// Views in (`pos`, `neg`) that match reality (`real_pos`, its +1
/// dimensions). A view holds no bits beyond the m dimensions, so the
/// complement of `real_pos` serves as reality's -1 dimensions.
#[inline]
fn right(pos: u64, neg: u64, real_pos: u64) -> u32 {
    ((pos & real_pos) | (neg & !real_pos)).count_ones()
}

/// Views in (`pos`, `neg`) opposite to reality.
#[inline]
fn wrong(pos: u64, neg: u64, real_pos: u64) -> u32 {
    ((pos & !real_pos) | (neg & real_pos)).count_ones()
}

/// The state shared by March's model and its extensions (Miller et al. 2006):
/// reality, beliefs, code and the per-period scratch buffers.
///
/// Views are bit-packed, 64 dimensions a word: a view is a pair of masks,
/// `pos` (dimensions held at +1) and `neg` (-1); a dimension in neither is 0.
/// Reality is one mask of its +1 dimensions (the rest are -1).
pub(crate) struct Core {
    pub m: usize,
    pub n: usize,
    /// Words per view.
    pub words: usize,
    pub rules: Rules,
    pub p2: f64,
    /// Dimensions `m - tacit .. m` cannot be codified (Miller et al. 2006).
    pub tacit: usize,
    /// The dimensions that exist, per word (the last word may be partial).
    mask: Vec<u64>,
    /// Reality's +1 dimensions.
    pub reality: Vec<u64>,
    /// Members' beliefs: member `i`, word `w` at `i * words + w`.
    pub pos: Vec<u64>,
    pub neg: Vec<u64>,
    pub code_pos: Vec<u64>,
    pub code_neg: Vec<u64>,
    /// Socialization trials per distinct rate, and each member's rate.
    social: Vec<Trials>,
    rate: Vec<usize>,
    flips: Trials,
    leaves: Trials,
    /// Each member's score or knowledge this period, on what it showed.
    pub merit: Vec<i32>,
    /// What one member shows this period (scratch).
    shown_pos: Vec<u64>,
    shown_neg: Vec<u64>,
    /// Counts among the superior group per dimension: +1 and -1 shown.
    superior_plus: Counts,
    superior_minus: Counts,
    superiors: usize,
    /// Members' statistics, kept up to date as socialization moves beliefs
    /// (see [`Tally`]).
    tally: Tally,
    /// Beliefs or reality changed in a way the tally did not follow
    /// (turbulence, or a change not reported through `view_moved`):
    /// recount them at the next `measure`.
    pub changed: bool,
}

/// Members' statistics as exact integers, updated bit by bit as beliefs
/// move, so a period's metrics cost what changed, not n × m.
#[derive(Default)]
struct Tally {
    /// Per dimension: members holding 0, +1 and -1 (index 3 unused: a
    /// view is never both, and four entries index without a bounds check).
    counts: Vec<[u32; 4]>,
    /// Per member: dimensions held right.
    right: Vec<u32>,
    /// Σ right, Σ right², and Σ over dimensions of zeros² + plus² + minus².
    s1: u64,
    s2: u64,
    same: u64,
}

impl Tally {
    /// A member's view of dimension `d` moves from `from` to `to` (0: zero,
    /// 1: +1, 2: -1). Branch-free: the views moved are unpredictable.
    #[inline]
    fn moved(&mut self, d: usize, from: u8, to: u8) {
        let c = &mut self.counts[d];
        let (from, to) = (usize::from(from & 3), usize::from(to & 3));
        // (a - 1)² - a² + (b + 1)² - b².
        self.same = self.same + 2 + 2 * u64::from(c[to]) - 2 * u64::from(c[from]);
        c[from] -= 1;
        c[to] += 1;
    }

    /// Member `i`'s right count becomes `r`.
    #[inline]
    fn set_right(&mut self, i: usize, r: u32) {
        let old = u64::from(self.right[i]);
        let r64 = u64::from(r);
        self.s1 = self.s1 + r64 - old;
        self.s2 = self.s2 + r64 * r64 - old * old;
        self.right[i] = r;
    }
}

impl Core {
    pub fn new(m: usize, n: usize, p1: Vec<f64>, p2: f64, rules: Rules, rng: &mut Stream) -> Self {
        let words = m.div_ceil(WORD);
        let mask: Vec<u64> = (0..words).map(|w| range_mask(&(0..m), w)).collect();
        let mut reality = vec![0; words];
        for d in 0..m {
            if rng.random_bool(0.5) {
                reality[d / WORD] |= 1 << (d % WORD);
            }
        }
        let mut social: Vec<Trials> = Vec::new();
        let rate = p1
            .iter()
            .map(|&p| match social.iter().position(|t| t.p == p) {
                Some(k) => k,
                None => {
                    social.push(Trials::new(p));
                    social.len() - 1
                }
            })
            .collect();
        let mut core = Self {
            m,
            n,
            words,
            rules,
            p2,
            tacit: 0,
            mask,
            reality,
            pos: vec![0; n * words],
            neg: vec![0; n * words],
            code_pos: vec![0; words],
            code_neg: vec![0; words],
            social,
            rate,
            flips: Trials::new(0.0),
            leaves: Trials::new(0.0),
            merit: vec![0; n],
            shown_pos: vec![0; words],
            shown_neg: vec![0; words],
            superior_plus: Counts::new(words, n),
            superior_minus: Counts::new(words, n),
            superiors: 0,
            tally: Tally::default(),
            changed: true,
        };
        for i in 0..n {
            core.random_beliefs(i, rng);
        }
        core
    }

    /// Member `i` gets beliefs drawn from {-1, 0, 1} with equal
    /// probabilities (March 1991: 74, 78): two random bits per dimension,
    /// `00` 0, `01` +1, `10` -1, and `11` drawn again (exactly a third
    /// each; 32 pairs from one 64-bit draw).
    fn random_beliefs(&mut self, i: usize, rng: &mut Stream) {
        let row = i * self.words..(i + 1) * self.words;
        self.pos[row.clone()].fill(0);
        self.neg[row].fill(0);
        let (mut bits, mut left) = (0u64, 0u32);
        let mut d = 0;
        // Branch-free: a random pair would mispredict a branch half the time.
        while d < self.m {
            if left == 0 {
                bits = rng.next_u64();
                left = 32;
            }
            let pair = bits & 3;
            bits >>= 2;
            left -= 1;
            let (w, b) = (i * self.words + d / WORD, d % WORD);
            self.pos[w] |= u64::from(pair == 1) << b;
            self.neg[w] |= u64::from(pair == 2) << b;
            d += usize::from(pair != 3);
        }
    }

    /// Each dimension of reality flips with probability `p4`.
    pub fn turbulence(&mut self, p4: f64, rng: &mut Stream) {
        if p4 <= 0.0 {
            return;
        }
        if self.flips.p != p4 {
            self.flips = Trials::new(p4);
        }
        for w in 0..self.words {
            let flip = self.flips.select(self.mask[w], rng);
            self.reality[w] ^= flip;
            self.changed |= flip != 0;
        }
    }

    /// Each member leaves with probability `p3`; the newcomer (same seat, same
    /// socialization rate) has random beliefs.
    pub fn turnover(&mut self, p3: f64, rng: &mut Stream) {
        if p3 <= 0.0 {
            return;
        }
        if self.leaves.p != p3 {
            self.leaves = Trials::new(p3);
        }
        for start in (0..self.n).step_by(WORD) {
            let seats = range_mask(&(0..self.n - start), 0);
            let mut leave = self.leaves.select(seats, rng);
            while leave != 0 {
                let i = start + leave.trailing_zeros() as usize;
                leave &= leave - 1;
                // The newcomer's views replace the leaver's in the tally
                // (`shown_*` is free scratch until `judge`).
                let row = i * self.words..(i + 1) * self.words;
                self.shown_pos.copy_from_slice(&self.pos[row.clone()]);
                self.shown_neg.copy_from_slice(&self.neg[row]);
                self.random_beliefs(i, rng);
                for w in 0..self.words {
                    let k = i * self.words + w;
                    let old = (self.shown_pos[w], self.shown_neg[w]);
                    self.view_moved(i, w, old, (self.pos[k], self.neg[k]));
                }
            }
        }
    }

    /// Members show their beliefs (acting at random where they hold 0, if the
    /// rule says so), each is scored, and the superior group's views are
    /// counted per dimension.
    pub fn judge(&mut self, rng: &mut Stream) {
        let wn = self.words;
        let code_merit = self.merit_of(&self.code_pos, &self.code_neg);
        self.superior_plus.clear();
        self.superior_minus.clear();
        self.superiors = 0;
        // Every dimension is shown as +1 or -1: wrong = m - right.
        let complete = self.rules.zeros_act_randomly;
        let count_wrong = self.rules.superior_by_score && !complete;
        for i in 0..self.n {
            let (mut r, mut x) = (0, 0);
            for w in 0..wn {
                let (mut p, mut q) = (self.pos[i * wn + w], self.neg[i * wn + w]);
                if self.rules.zeros_act_randomly {
                    let zero = self.mask[w] & !(p | q);
                    if zero != 0 {
                        // One fair coin per dimension: the bits of one word.
                        let r = rng.next_u64();
                        p |= zero & r;
                        q |= zero & !r;
                    }
                }
                r += right(p, q, self.reality[w]);
                if count_wrong {
                    x += wrong(p, q, self.reality[w]);
                }
                self.shown_pos[w] = p;
                self.shown_neg[w] = q;
            }
            if complete {
                x = self.m as u32 - r;
            }
            let merit = self.merit_from(r, x);
            self.merit[i] = merit;
            if merit > code_merit {
                self.superiors += 1;
                for w in 0..wn {
                    self.superior_plus.add(w, self.shown_pos[w]);
                    self.superior_minus.add(w, self.shown_neg[w]);
                }
            }
        }
    }

    fn merit_from(&self, right: u32, wrong: u32) -> i32 {
        if self.rules.superior_by_score {
            right as i32 - wrong as i32
        } else {
            right as i32
        }
    }

    /// Score (right minus wrong) or knowledge (right) of a view, per the rules.
    fn merit_of(&self, pos: &[u64], neg: &[u64]) -> i32 {
        let (mut r, mut x) = (0, 0);
        for w in 0..self.words {
            r += right(pos[w], neg[w], self.reality[w]);
            x += wrong(pos[w], neg[w], self.reality[w]);
        }
        self.merit_from(r, x)
    }

    /// Members learn from the code where it is not 0.
    pub fn socialize(&mut self, rng: &mut Stream) {
        let wn = self.words;
        let gradual = self.rules.gradual_socialization;
        for i in 0..self.n {
            let trials = &mut self.social[self.rate[i]];
            for w in 0..wn {
                let k = i * wn + w;
                let (p, q) = (self.pos[k], self.neg[k]);
                let (cp, cn) = (self.code_pos[w], self.code_neg[w]);
                let differ = (cp & !p) | (cn & !q);
                if differ == 0 {
                    continue;
                }
                let sel = trials.select(differ, rng);
                if sel != 0 {
                    let (p2, q2) = moved(p, q, sel, cp, cn, gradual);
                    (self.pos[k], self.neg[k]) = (p2, q2);
                    if !self.changed {
                        track(&mut self.tally, (i, w), self.reality[w], (p, q), (p2, q2));
                    }
                }
            }
        }
    }

    /// The code moves to the superior group's majority view on each
    /// codifiable dimension with probability 1 - (1 - p2)^k.
    pub fn learn_code(&mut self, rng: &mut Stream) {
        if self.superiors == 0 {
            return;
        }
        let codifiable = 0..self.m - self.tacit;
        for w in 0..self.words {
            // A tie is no majority.
            let (more_plus, more_minus) = self.superior_plus.compare(&self.superior_minus, w);
            let mut todo = ((more_plus & !self.code_pos[w]) | (more_minus & !self.code_neg[w]))
                & range_mask(&codifiable, w);
            while todo != 0 {
                let b = todo.trailing_zeros() as usize;
                let bit = 1u64 << b;
                todo &= todo - 1;
                let d = w * WORD + b;
                let plus = self.superior_plus.get(d) as i32;
                let minus = self.superior_minus.get(d) as i32;
                let k = if self.rules.k_is_majority_margin {
                    (plus - minus).abs()
                } else {
                    let agree = if self.code_pos[w] & bit != 0 {
                        plus
                    } else if self.code_neg[w] & bit != 0 {
                        minus
                    } else {
                        self.superiors as i32 - plus - minus
                    };
                    self.superiors as i32 - 2 * agree
                };
                if k > 0 && rng.random_bool(1.0 - (1.0 - self.p2).powi(k)) {
                    if more_plus & bit != 0 {
                        self.code_pos[w] |= bit;
                        self.code_neg[w] &= !bit;
                    } else {
                        self.code_neg[w] |= bit;
                        self.code_pos[w] &= !bit;
                    }
                }
            }
        }
    }

    /// One period of March's process (after turbulence and turnover).
    pub fn learn(&mut self, rng: &mut Stream) {
        if self.rules.sequential {
            self.socialize(rng);
            self.judge(rng);
        } else {
            self.judge(rng);
            self.socialize(rng);
        }
        self.learn_code(rng);
    }

    /// Neither learning step can change anything any more (a sufficient
    /// condition, checked from the state): every member holds the code's
    /// view wherever the code is not 0 (or nobody socializes), and every
    /// member who could ever beat the code (its best possible merit, its
    /// zeros shown right, above the code's) already shows exactly the code
    /// on the codifiable dimensions (or the code does not learn). Then no
    /// member is ever superior again, so the metrics stay fixed from the
    /// next period on. Stops at the first member that can still change.
    pub fn settled(&self) -> bool {
        let wn = self.words;
        let code_merit = self.merit_of(&self.code_pos, &self.code_neg);
        let socializes = self.social.iter().any(|t| t.p > 0.0);
        let random_zeros = self.rules.zeros_act_randomly;
        let codifiable = 0..self.m - self.tacit;
        for i in 0..self.n {
            let (mut r, mut x, mut z) = (0, 0, 0);
            for w in 0..wn {
                let (p, q) = (self.pos[i * wn + w], self.neg[i * wn + w]);
                let (cp, cn) = (self.code_pos[w], self.code_neg[w]);
                if socializes && ((cp & !p) | (cn & !q)) != 0 {
                    return false;
                }
                r += right(p, q, self.reality[w]);
                x += wrong(p, q, self.reality[w]);
                z += (self.mask[w] & !(p | q)).count_ones();
            }
            let best = if random_zeros {
                self.merit_from(r + z, x)
            } else {
                self.merit_from(r, x)
            };
            if self.p2 <= 0.0 || best <= code_merit {
                continue;
            }
            for w in 0..wn {
                let (p, q) = (self.pos[i * wn + w], self.neg[i * wn + w]);
                let c = range_mask(&codifiable, w);
                let differs = (p ^ self.code_pos[w]) | (q ^ self.code_neg[w]);
                let shown_at_random = if random_zeros { !(p | q) } else { 0 };
                if (differs | shown_at_random) & c != 0 {
                    return false;
                }
            }
        }
        true
    }

    /// Share of dimensions in `dims` where a view matches reality.
    fn knowledge_of(&self, pos: &[u64], neg: &[u64], dims: std::ops::Range<usize>) -> f64 {
        if dims.is_empty() {
            return f64::NAN;
        }
        let mut r = 0;
        for w in 0..self.words {
            let d = range_mask(&dims, w);
            r += right(pos[w] & d, neg[w] & d, self.reality[w]);
        }
        f64::from(r) / dims.len() as f64
    }

    /// The code's knowledge on the dimensions in `dims`.
    pub fn code_knowledge(&self, dims: std::ops::Range<usize>) -> f64 {
        self.knowledge_of(&self.code_pos, &self.code_neg, dims)
    }

    /// Member `i`'s knowledge on the dimensions in `dims`.
    pub fn member_knowledge(&self, i: usize, dims: std::ops::Range<usize>) -> f64 {
        let row = i * self.words..(i + 1) * self.words;
        self.knowledge_of(&self.pos[row.clone()], &self.neg[row], dims)
    }

    /// Writes the metrics of [`METRICS`] into `out[..6]`. Members'
    /// statistics are recounted only when something the tally does not
    /// follow changed (see [`Tally`]).
    pub fn measure(&mut self, out: &mut [f64]) {
        if self.changed {
            self.recount();
            self.changed = false;
        }
        let (m, n, wn) = (self.m, self.n, self.words);
        let (mut r, mut x) = (0i64, 0i64);
        for w in 0..wn {
            let (cp, cn, real) = (self.code_pos[w], self.code_neg[w], self.reality[w]);
            r += i64::from(right(cp, cn, real));
            x += i64::from(wrong(cp, cn, real));
        }
        out[CODE_KNOWLEDGE] = r as f64 / m as f64;
        out[CODE_SCORE] = (r - x) as f64 / m as f64;
        let t = &self.tally;
        let (s1, s2) = (u128::from(t.s1), u128::from(t.s2));
        let (nf, mf) = (n as f64, m as f64);
        out[MEMBER_KNOWLEDGE] = s1 as f64 / (nf * mf);
        // Population variance of knowledge: (n s2 - s1^2) / (n m)^2, >= 0.
        out[KNOWLEDGE_VARIANCE] = (n as u128 * s2 - s1 * s1) as f64 / (nf * mf).powi(2);
        // Mean over dimensions of the Gini-Simpson index of members'
        // beliefs: the chance that two members drawn at random disagree,
        // 1 - (plus² + minus² + zeros²) / n² per dimension, summed exactly.
        let n2 = (n * n) as u64;
        out[BELIEF_DIVERSITY] = (m as u64 * n2 - t.same) as f64 / (n2 as f64 * mf);
        out[SUPERIOR_SHARE] = self.superiors as f64 / self.n as f64;
    }

    /// Member `i`'s view on word `w` has moved from `old` to `new` (the
    /// caller wrote it): the tally follows, unless a recount is due anyway.
    #[inline]
    pub fn view_moved(&mut self, i: usize, w: usize, old: (u64, u64), new: (u64, u64)) {
        if !self.changed {
            track(&mut self.tally, (i, w), self.reality[w], old, new);
        }
    }

    /// Counts members' statistics afresh from their beliefs.
    fn recount(&mut self) {
        let (m, n, wn) = (self.m, self.n, self.words);
        let t = &mut self.tally;
        t.counts.clear();
        t.counts.resize(m, [n as u32, 0, 0, 0]);
        t.right.clear();
        t.right.resize(n, 0);
        (t.s1, t.s2) = (0, 0);
        for i in 0..n {
            let mut r = 0u32;
            for w in 0..wn {
                let (p, q) = (self.pos[i * wn + w], self.neg[i * wn + w]);
                r += right(p, q, self.reality[w]);
                for (bits, k) in [(p, 1), (q, 2)] {
                    let mut b = bits;
                    while b != 0 {
                        let c = &mut t.counts[w * WORD + b.trailing_zeros() as usize];
                        c[0] -= 1;
                        c[k] += 1;
                        b &= b - 1;
                    }
                }
            }
            t.right[i] = r;
            t.s1 += u64::from(r);
            t.s2 += u64::from(r) * u64::from(r);
        }
        t.same = t
            .counts
            .iter()
            .map(|c| {
                c[..3]
                    .iter()
                    .map(|&x| u64::from(x) * u64::from(x))
                    .sum::<u64>()
            })
            .sum();
    }
}

/// Follows one member's move on word `w` from (`p`, `q`) to (`p2`, `q2`)
/// in the tally: each dimension that changed, and the member's right count.
#[inline]
fn track(
    t: &mut Tally,
    (i, w): (usize, usize),
    real: u64,
    (p, q): (u64, u64),
    (p2, q2): (u64, u64),
) {
    let state = |p: u64, q: u64, b: u32| ((p >> b) & 1) as u8 | ((((q >> b) & 1) as u8) << 1);
    let mut diff = (p ^ p2) | (q ^ q2);
    while diff != 0 {
        let b = diff.trailing_zeros();
        diff &= diff - 1;
        t.moved(w * WORD + b as usize, state(p, q, b), state(p2, q2, b));
    }
    let r = t.right[i] + right(p2, q2, real) - right(p, q, real);
    t.set_right(i, r);
}

/// Views one dimension at a time (tests).
#[cfg(test)]
impl Core {
    /// Belief of member `i` on dimension `d`.
    pub fn belief(&self, i: usize, d: usize) -> i8 {
        view_at(&self.pos, &self.neg, i * self.words + d / WORD, d % WORD)
    }

    /// The code's view on dimension `d`.
    pub fn code_at(&self, d: usize) -> i8 {
        view_at(&self.code_pos, &self.code_neg, d / WORD, d % WORD)
    }

    /// Reality on dimension `d`.
    pub fn reality_at(&self, d: usize) -> i8 {
        if self.reality[d / WORD] >> (d % WORD) & 1 == 1 {
            1
        } else {
            -1
        }
    }
}

#[cfg(test)]
fn view_at(pos: &[u64], neg: &[u64], w: usize, b: usize) -> i8 {
    (pos[w] >> b & 1) as i8 - (neg[w] >> b & 1) as i8
}

/// Socialization rates per member: the first `round(fast_share * n)` are fast.
pub(crate) fn socialization_rates(n: usize, p1: f64, fast_share: f64, p1_fast: f64) -> Vec<f64> {
    let fast = (fast_share * n as f64).round() as usize;
    (0..n)
        .map(|i| if i < fast { p1_fast } else { p1 })
        .collect()
}

/// March's model as an engine [`Model`].
pub struct March {
    core: Core,
    p3: f64,
    p4: f64,
    rng: Stream,
}

impl March {
    pub fn new(p: MarchParams, rng: Stream) -> Self {
        Self::with_rules(p.clone(), p.rules(), rng)
    }

    /// A model with any combination of rules (for sensitivity tests).
    pub fn with_rules(p: MarchParams, rules: Rules, mut rng: Stream) -> Self {
        let p1 = socialization_rates(p.n, p.p1, p.fast_share, p.p1_fast);
        let core = Core::new(p.m, p.n, p1, p.p2, rules, &mut rng);
        Self {
            core,
            p3: p.p3,
            p4: p.p4,
            rng,
        }
    }
}

impl Model for March {
    fn members(&self) -> usize {
        self.core.n
    }

    fn step(&mut self, out: &mut [f64]) {
        // March's order (BASIC listing, per Watts 2014): turbulence, turnover,
        // then the two learning steps.
        self.core.turbulence(self.p4, &mut self.rng);
        self.core.turnover(self.p3, &mut self.rng);
        self.core.learn(&mut self.rng);
        self.core.measure(out);
    }

    /// A closed system (no turnover, no turbulence) whose members and code
    /// can no longer change (see [`Core::settled`]).
    fn absorbed(&self) -> bool {
        self.p3 <= 0.0 && self.p4 <= 0.0 && self.core.tacit == 0 && self.core.settled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Beliefs row-major (member `i`, dimension `d` at `i * m + d`).
    pub(crate) fn beliefs(c: &Core) -> Vec<i8> {
        (0..c.n)
            .flat_map(|i| (0..c.m).map(move |d| c.belief(i, d)))
            .collect()
    }

    pub(crate) fn code(c: &Core) -> Vec<i8> {
        (0..c.m).map(|d| c.code_at(d)).collect()
    }

    fn reality(c: &Core) -> Vec<i8> {
        (0..c.m).map(|d| c.reality_at(d)).collect()
    }

    fn run(p: &MarchParams, seed: u64, steps: usize) -> (March, Vec<f64>) {
        let mut model = March::new(p.clone(), stream(seed, 0, 0));
        let mut out = vec![0.0; METRICS.len()];
        for _ in 0..steps {
            model.step(&mut out);
        }
        (model, out)
    }

    #[test]
    fn same_seed_same_history() {
        let p = MarchParams {
            p3: 0.05,
            p4: 0.01,
            fast_share: 0.3,
            ..MarchParams::default()
        };
        let (a, oa) = run(&p, 7, 120);
        let (b, ob) = run(&p, 7, 120);
        assert_eq!(oa, ob);
        assert_eq!(beliefs(&a.core), beliefs(&b.core));
        assert_eq!(code(&a.core), code(&b.core));
        let (c, _) = run(&p, 8, 120);
        assert_ne!(beliefs(&a.core), beliefs(&c.core));
    }

    #[test]
    fn states_and_metrics_stay_in_range() {
        for literal in [0, 1] {
            let p = MarchParams {
                p3: 0.1,
                p4: 0.05,
                literal,
                ..MarchParams::default()
            };
            let mut model = March::new(p, stream(1, 0, 0));
            let mut out = vec![0.0; METRICS.len()];
            for _ in 0..200 {
                model.step(&mut out);
                let c = &model.core;
                // A dimension is never both +1 and -1, and no bit lies
                // beyond the m dimensions.
                for (k, (p, q)) in c.pos.iter().zip(&c.neg).enumerate() {
                    assert_eq!(p & q, 0);
                    assert_eq!((p | q) & !c.mask[k % c.words], 0);
                }
                for w in 0..c.words {
                    assert_eq!(c.code_pos[w] & c.code_neg[w], 0);
                    assert_eq!((c.code_pos[w] | c.code_neg[w]) & !c.mask[w], 0);
                    assert_eq!(c.reality[w] & !c.mask[w], 0);
                }
                for (k, v) in out.iter().enumerate() {
                    let lo = if k == CODE_SCORE { -1.0 } else { 0.0 };
                    assert!((lo..=1.0).contains(v), "{} = {v}", METRICS[k]);
                }
            }
        }
    }

    #[test]
    fn code_that_cannot_learn_stays_neutral() {
        let p = MarchParams {
            p2: 0.0,
            ..MarchParams::default()
        };
        let (model, out) = run(&p, 3, 100);
        assert!(code(&model.core).iter().all(|&c| c == 0));
        assert_eq!(out[CODE_KNOWLEDGE], 0.0);
    }

    #[test]
    fn members_who_cannot_be_socialized_keep_their_beliefs() {
        let p = MarchParams {
            p1: 0.0,
            ..MarchParams::default()
        };
        let start = beliefs(&March::new(p.clone(), stream(4, 0, 0)).core);
        let (model, _) = run(&p, 4, 100);
        assert_eq!(beliefs(&model.core), start);
    }

    #[test]
    fn closed_system_converges_to_a_shared_belief() {
        // March (1991: 75): "An equilibrium is reached at which all
        // individuals and the code share the same ... belief."
        let p = MarchParams {
            p1: 0.5,
            p2: 0.5,
            ..MarchParams::default()
        };
        let (model, out) = run(&p, 5, 1000);
        assert!(
            out[BELIEF_DIVERSITY] < 0.02,
            "diversity {}",
            out[BELIEF_DIVERSITY]
        );
        assert!((out[MEMBER_KNOWLEDGE] - out[CODE_KNOWLEDGE]).abs() < 0.02);
        let (m, all, code) = (model.core.m, beliefs(&model.core), code(&model.core));
        let agree = (0..model.core.n)
            .filter(|i| all[i * m..(i + 1) * m] == code[..])
            .count();
        assert!(agree > model.core.n * 9 / 10);
    }

    #[test]
    fn full_turbulence_flips_every_dimension() {
        let p = MarchParams {
            p4: 1.0,
            ..MarchParams::default()
        };
        let mut model = March::new(p, stream(6, 0, 0));
        let before = reality(&model.core);
        model.step(&mut [0.0; 6]);
        assert!(
            reality(&model.core)
                .iter()
                .zip(&before)
                .all(|(a, b)| *a == -*b)
        );
    }

    #[test]
    fn fast_learners_are_counted_from_the_share() {
        let rates = socialization_rates(50, 0.1, 0.2, 0.9);
        assert_eq!(rates.iter().filter(|&&r| r == 0.9).count(), 10);
        assert_eq!(rates.iter().filter(|&&r| r == 0.1).count(), 40);
    }

    #[test]
    fn literal_flag_selects_the_literal_rules() {
        assert_eq!(MarchParams::default().rules(), Rules::ORIGINAL);
        let p = MarchParams {
            literal: 1,
            ..MarchParams::default()
        };
        assert_eq!(p.rules(), Rules::LITERAL);
    }

    #[test]
    fn trials_succeed_at_rate_p_independently_of_position() {
        let mut rng = stream(11, 0, 0);
        for p in [0.0, 0.003, 0.1, 0.125, 0.3, 0.5, 0.77, 0.875, 0.9, 1.0] {
            let mut t = Trials::new(p);
            let (mut trials, mut hits, mut pairs, mut both) = (0u64, 0u64, 0u64, 0u64);
            for k in 0..40_000u64 {
                // Candidate masks of varying density, some empty.
                let cand = (rng.next_u64() & rng.next_u64()) | ((k % 3 == 0) as u64 * (1 << 63));
                let sel = t.select(cand, &mut rng);
                assert_eq!(sel & !cand, 0, "selects only candidates");
                trials += u64::from(cand.count_ones());
                hits += u64::from(sel.count_ones());
                // Neighbouring candidate pairs: success of both ~ p^2.
                let adj = cand & (cand >> 1);
                pairs += u64::from(adj.count_ones());
                both += u64::from((sel & (sel >> 1) & adj).count_ones());
            }
            let rate = hits as f64 / trials as f64;
            let se = (p * (1.0 - p) / trials as f64).sqrt();
            assert!((rate - p).abs() <= 5.0 * se + 1e-12, "p={p}: rate {rate}");
            let pair_rate = both as f64 / pairs as f64;
            let pse = (p * p * (1.0 - p * p) / pairs as f64).sqrt();
            assert!(
                (pair_rate - p * p).abs() <= 5.0 * pse + 1e-12,
                "p={p}: pairs {pair_rate}"
            );
            if p == 0.0 {
                assert_eq!(hits, 0);
            }
            if p == 1.0 {
                assert_eq!(hits, trials);
            }
        }
    }

    #[test]
    fn trials_gap_carries_over_masks() {
        // p = 0.1 (skipped ahead), one candidate per mask: the successes
        // are a Bernoulli sequence, so runs of failures are geometric
        // (mean (1-p)/p = 9, standard error about 0.07 here).
        let mut rng = stream(12, 0, 0);
        let mut t = Trials::new(0.1);
        let (mut runs, mut failures, mut current) = (0u64, 0u64, 0u64);
        for _ in 0..200_000 {
            if t.select(1 << 5, &mut rng) != 0 {
                runs += 1;
                failures += current;
                current = 0;
            } else {
                current += 1;
            }
        }
        let mean = failures as f64 / runs as f64;
        assert!((mean - 9.0).abs() < 0.3, "mean failure run {mean}");
    }

    #[test]
    fn bit_counts_match_direct_counts() {
        let mut rng = stream(13, 0, 0);
        let (words, n) = (2, 300);
        let (mut a, mut b) = (Counts::new(words, n), Counts::new(words, n));
        let mut direct = vec![[0u32; 2]; words * WORD];
        for _ in 0..n {
            for w in 0..words {
                let (x, y) = (rng.next_u64(), rng.next_u64() & rng.next_u64());
                a.add(w, x);
                b.add(w, y);
                for bit in 0..WORD {
                    direct[w * WORD + bit][0] += (x >> bit & 1) as u32;
                    direct[w * WORD + bit][1] += (y >> bit & 1) as u32;
                }
            }
        }
        for (d, [x, y]) in direct.iter().enumerate() {
            assert_eq!((a.get(d), b.get(d)), (*x, *y));
            let (above, below) = a.compare(&b, d / WORD);
            let bit = 1 << (d % WORD);
            assert_eq!(above & bit != 0, x > y);
            assert_eq!(below & bit != 0, x < y);
        }
        assert_eq!(range_mask(&(3..70), 0), !0 << 3);
        assert_eq!(range_mask(&(3..70), 1), 0b11_1111);
        assert_eq!(range_mask(&(3..70), 2), 0);
    }

    /// The metrics and merits, computed directly from the views.
    fn direct_metrics(c: &Core) -> Vec<f64> {
        let (m, n) = (c.m, c.n);
        let (b, code, real) = (beliefs(c), code(c), reality(c));
        let knows =
            |v: &[i8]| v.iter().zip(&real).filter(|(x, r)| x == r).count() as f64 / m as f64;
        let k: Vec<f64> = (0..n).map(|i| knows(&b[i * m..(i + 1) * m])).collect();
        let mean = k.iter().sum::<f64>() / n as f64;
        let var = k.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let diversity = (0..m)
            .map(|d| {
                let mut counts = [0usize; 3];
                for i in 0..n {
                    counts[(b[i * m + d] + 1) as usize] += 1;
                }
                1.0 - counts
                    .iter()
                    .map(|&x| (x as f64 / n as f64).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / m as f64;
        let score: i32 = code.iter().zip(&real).map(|(x, r)| i32::from(x * r)).sum();
        vec![knows(&code), mean, var, diversity, score as f64 / m as f64]
    }

    #[test]
    fn once_absorbed_the_metrics_never_change() {
        // Both rule sets, fast and slow learning, several seeds: after the
        // first absorbed period, the next period's metrics repeat forever
        // (what lets the engine hold them instead of stepping on).
        let mut absorbed_runs = 0;
        for (p1, p2, literal, seed) in [
            (0.9, 0.9, 0, 1),
            (0.1, 0.5, 0, 2),
            (0.5, 0.1, 0, 3),
            (0.9, 0.9, 1, 4),
            (0.3, 0.5, 1, 5),
        ] {
            let p = MarchParams {
                p1,
                p2,
                literal,
                ..MarchParams::default()
            };
            let mut model = March::new(p, stream(seed, 0, 0));
            let mut out = vec![0.0; METRICS.len()];
            let mut t = 0;
            while t < 2000 && !model.absorbed() {
                model.step(&mut out);
                t += 1;
            }
            if !model.absorbed() {
                continue;
            }
            absorbed_runs += 1;
            model.step(&mut out);
            let held = out.clone();
            for _ in 0..300 {
                model.step(&mut out);
                assert_eq!(out, held, "p1={p1} p2={p2} literal={literal}");
                assert!(model.absorbed());
            }
        }
        assert!(absorbed_runs >= 4, "only {absorbed_runs} runs absorbed");
        // An open system never counts as absorbed.
        let p = MarchParams {
            p3: 0.01,
            ..MarchParams::default()
        };
        let mut model = March::new(p, stream(1, 0, 0));
        let mut out = vec![0.0; METRICS.len()];
        for _ in 0..500 {
            model.step(&mut out);
            assert!(!model.absorbed());
        }
    }

    #[test]
    fn bit_packed_metrics_and_merits_match_the_views() {
        // Several words per member, more than 64 members, every rule set.
        // Without turbulence the members' tally is followed, not recounted.
        let cases = [
            (30, 50, 0, 0.02),
            (100, 70, 1, 0.02),
            (130, 9, 0, 0.02),
            (30, 50, 0, 0.0),
            (100, 70, 1, 0.0),
        ];
        for (m, n, literal, p4) in cases {
            let p = MarchParams {
                m,
                n,
                p1: 0.3,
                p3: 0.05,
                p4,
                literal,
                ..MarchParams::default()
            };
            let mut model = March::new(p, stream(14, 0, 0));
            let mut out = vec![0.0; METRICS.len()];
            for t in 0..60 {
                model.step(&mut out);
                let want = direct_metrics(&model.core);
                let got = [
                    out[CODE_KNOWLEDGE],
                    out[MEMBER_KNOWLEDGE],
                    out[KNOWLEDGE_VARIANCE],
                    out[BELIEF_DIVERSITY],
                    out[CODE_SCORE],
                ];
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() < 1e-12,
                        "m={m} n={n} period {t}: {got:?} vs {want:?}"
                    );
                }
                // Merits on the current beliefs: knowledge (literal, zeros
                // shown as 0) or score (original; members without zeros).
                model.core.judge(&mut model.rng);
                let b = beliefs(&model.core);
                for i in 0..n {
                    let row = &b[i * m..(i + 1) * m];
                    let right = (0..m)
                        .filter(|&d| row[d] == model.core.reality_at(d))
                        .count() as i32;
                    if literal == 1 {
                        assert_eq!(model.core.merit[i], right);
                    } else if !row.contains(&0) {
                        assert_eq!(model.core.merit[i], 2 * right - m as i32);
                    }
                }
            }
        }
    }
}
