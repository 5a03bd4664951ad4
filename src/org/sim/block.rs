//! Blocks of whole teams, stepped in parallel.
//!
//! A block is a run of consecutive teams together with their team posts
//! (and, under dedicated leaders, those posts' manager seats). In a step
//! the block's team posts serve their queues and coach, its members work,
//! then its managers have their turn; all of it touches only the block's
//! own teams, so blocks can run on any thread. Each block draws from its own
//! stream, keyed on (replication, step, block). What crosses teams (a
//! decision sent above the team, a departure) is queued in the block and
//! applied after all blocks, in block order. The partition depends only on
//! the organization's layout, never on the number of threads, so a run is
//! identical on one thread or many.
//!
//! A block's state is a few hundred kilobytes, so its three passes stay in
//! cache: in a big organization, serving a team post no longer fetches the
//! queued members and coachees from memory a second time.

use rand::SeedableRng;

use super::*;
use crate::rng::mix64;

/// A block holds whole teams with at least this many working members' seats.
const BLOCK_SEATS: usize = 4096;

/// A run of consecutive teams stepped together.
pub(super) struct Block {
    /// Teams `[lo, hi)`.
    teams: (u32, u32),
    /// Working members' seats `[lo, hi)`.
    seats: (u32, u32),
    /// Team posts `[lo, hi)` served inside the block (empty without team posts).
    posts: (u32, u32),
    pub(super) out: BlockOut,
}

/// What a block's step produced, merged by the organization in block order.
#[derive(Default)]
pub(super) struct BlockOut {
    pub(super) count: StepCount,
    pub(super) sums: MemberSums,
    /// Change in decisions pending, and in the sum of the steps they were raised.
    pub(super) pending: i64,
    pub(super) pending_raised: i64,
    /// Decisions sent to posts outside the block: (post, seat), in order.
    pub(super) enqueue: Vec<(u32, u32)>,
    /// Members who leave, in order.
    pub(super) depart: Vec<u32>,
}

impl BlockOut {
    /// Room for the most a step can queue: one decision per working member,
    /// and every working member and team manager leaving.
    fn with_capacity(members: usize, managers: usize) -> Self {
        BlockOut {
            enqueue: Vec::with_capacity(members),
            depart: Vec::with_capacity(members + managers),
            ..BlockOut::default()
        }
    }

    pub(super) fn clear(&mut self) {
        self.count = StepCount::default();
        self.sums = MemberSums::default();
        self.pending = 0;
        self.pending_raised = 0;
        self.enqueue.clear();
        self.depart.clear();
    }
}

/// Splits the organization into blocks. Returns them with the number of team
/// posts (posts `0..n` belong to teams and are served inside the blocks; the
/// rest are served before). Team posts must be level-1 posts numbered team by
/// team with no posts below them, as the structures build them; an org chart
/// laid out otherwise gets `0` team posts and its posts are all served first,
/// which changes the order of service, not what a post does.
pub(super) fn plan(org: &Organization) -> (Vec<Block>, u32) {
    let teams = org.team_start.len() - 1;
    let n_team_posts = team_post_layout(org).unwrap_or(0);
    let post_start = |t: usize| -> u32 {
        if n_team_posts == 0 {
            0
        } else if org.p.dedicated_leaders == 1 {
            t as u32
        } else {
            (t * org.d) as u32
        }
    };
    let mut blocks = Vec::new();
    let mut t0 = 0;
    for t in 0..teams {
        let size = (org.team_start[t + 1] - org.team_start[t0]) as usize;
        if size >= BLOCK_SEATS || t + 1 == teams {
            let seats = (org.team_start[t0], org.team_start[t + 1]);
            let posts = (post_start(t0), post_start(t + 1));
            blocks.push(Block {
                teams: (t0 as u32, t as u32 + 1),
                seats,
                posts,
                out: BlockOut::with_capacity(
                    (seats.1 - seats.0) as usize,
                    (posts.1 - posts.0) as usize,
                ),
            });
            t0 = t + 1;
        }
    }
    if blocks.is_empty() {
        blocks.push(Block {
            teams: (0, 0),
            seats: (0, 0),
            posts: (0, 0),
            out: BlockOut::default(),
        });
    }
    (blocks, n_team_posts)
}

/// The number of team posts if they are laid out as blocks need, else `None`.
fn team_post_layout(org: &Organization) -> Option<u32> {
    let teams = org.team_start.len() - 1;
    let dedicated = org.p.dedicated_leaders == 1;
    if dedicated && org.seats.len() != org.n_workers + org.posts.len() {
        return None;
    }
    let mut next = 0u32;
    for t in 0..teams {
        let owned = &org.team_posts[t * org.d..(t + 1) * org.d];
        let owned = if dedicated { &owned[..1] } else { owned };
        for (k, &id) in owned.iter().enumerate() {
            let post = org.posts.get(id as usize)?;
            let ok = id == next
                && post.level == 1
                && post.team == t as u32
                && post.children.0 == post.children.1
                && (!dedicated
                    || org.team_posts[t * org.d..(t + 1) * org.d]
                        .iter()
                        .all(|&x| x == id))
                && (dedicated || post.domain == k as u32)
                && (post.holder == NONE
                    || (post.holder >= org.team_start[t] && post.holder < org.team_start[t + 1])
                    || (dedicated && post.holder == post.seat));
            if !ok {
                return None;
            }
            next += 1;
        }
    }
    Some(next)
}

/// The member loop's constants for one step.
#[derive(Clone, Copy, Default)]
pub(super) struct MemberConsts {
    lam_whole: u32,
    arrival_thr: u64,
    share_thr: u64,
    productivity: f32,
    learning: f32,
    /// `career_weight` × (1 − the prize share of the next step up).
    career: f32,
    /// `role_strain`: engagement lost while holding a part-time role.
    role_strain: f32,
    /// Quality a decision taken without a view of the team's work loses:
    /// `interdependence × (1 − lateral)`.
    misfit: f32,
    backup_cost: f32,
    willing_base: f32,
    /// `hoarding`, less what credit for helping turns into a reason to share.
    hoarding: f32,
    help_credit: f32,
    share_strength: f32,
    mentoring: f32,
    lead_growth: f32,
    e_rate: f32,
    w_aut: f32,
    w_blk: f32,
    w_ovl: f32,
    rec_weight: f32,
    inv_overload_at: f32,
    overload_at: f32,
    quit_rate: f32,
    quit_sens: f32,
    quit_bound: u64,
    decision_thr: u64,
    difficulty: f32,
    effort_comp: f32,
    weight: [f32; MAX_DOMAINS],
    cum: [f32; MAX_DOMAINS],
    /// Share of the gap a step closes in the moving average of blocked
    /// time (0.1 a week).
    blocked_ema: f32,
    /// Share of help given still counted a step later (0.95 a week).
    shared_keep: f32,
}

impl MemberConsts {
    pub(super) fn new(org: &Organization) -> Self {
        let p = &org.p;
        // Demand belongs to the organization (per head of its headcount), shared
        // over whoever does the work, so equal-sized structures face equal demand.
        let lam = p.arrival_rate * org.demand * p.members as f64 / org.n_workers.max(1) as f64;
        let lam_whole = lam as u32;
        let (quit_rate, quit_sens) = (p.quit_rate as f32, p.quit_sensitivity as f32);
        MemberConsts {
            lam_whole,
            arrival_thr: prob_threshold(lam - lam_whole as f64),
            share_thr: if org.outage {
                0
            } else {
                prob_threshold(p.share_rate)
            },
            productivity: p.productivity as f32,
            learning: p.learning_rate as f32,
            career: (p.career_weight * (1.0 - next_step_share(p))) as f32,
            misfit: (p.interdependence * (1.0 - p.lateral)) as f32,
            role_strain: p.role_strain as f32,
            backup_cost: p.backup_cost as f32,
            willing_base: (0.5 + 0.5 * p.recognition) as f32,
            hoarding: p.hoarding as f32 * (1.0 - p.help_credit as f32),
            help_credit: p.help_credit as f32,
            share_strength: p.share_strength as f32,
            mentoring: p.mentoring as f32,
            lead_growth: p.leadership_growth as f32,
            e_rate: p.engagement_rate as f32,
            w_aut: p.autonomy_weight as f32,
            w_blk: p.blocked_weight as f32,
            w_ovl: p.overload_weight as f32,
            rec_weight: p.recognition_weight as f32 * p.recognition as f32,
            inv_overload_at: 1.0 / p.overload_threshold as f32,
            overload_at: p.overload_threshold as f32,
            quit_rate,
            quit_sens,
            quit_bound: hazard_bound_bits(hazard_bound(quit_rate, quit_sens), QUIT_BITS),
            decision_thr: prob_threshold(p.decision_rate),
            difficulty: p.difficulty as f32,
            effort_comp: p.effort_gain as f32,
            weight: org.domain_weight32,
            cum: org.domain_cum32,
            blocked_ema: weekly_share(0.1, p.step_weeks),
            shared_keep: weekly_keep(0.95, p.step_weeks),
        }
    }
}

/// What is left after a step of `w` weeks of a share `keep` kept per week.
fn weekly_keep(keep: f32, w: f64) -> f32 {
    if w == 1.0 {
        keep
    } else {
        f64::from(keep).powf(w) as f32
    }
}

/// The share a step of `w` weeks closes of what `share` closes in a week.
fn weekly_share(share: f32, w: f64) -> f32 {
    if w == 1.0 {
        share
    } else {
        1.0 - weekly_keep(1.0 - share, w)
    }
}

/// What every block reads and none writes during the step.
pub(super) struct Shared<'a> {
    pub(super) p: &'a OrgParams,
    pub(super) d: usize,
    pub(super) n_workers: u32,
    pub(super) step: u32,
    pub(super) outage: bool,
    pub(super) team_start: &'a [u32],
    pub(super) team_posts: &'a [u32],
    pub(super) children: &'a [u32],
    pub(super) team_overhead: &'a [f32],
    /// Share of each member's time spent coordinating, per team (see
    /// `team_coordination`).
    pub(super) team_coordination: &'a [f32],
    /// Free riding per team: `free_riding` × (1 − 1/members) where no
    /// full-time leader sees each one's work, else 0.
    pub(super) team_loafing: &'a [f32],
    /// Tournament pressure per team this step (see `Organization::update_pressure`).
    pub(super) team_pressure: &'a [f32],
    /// Posts from `upper0` on (above the teams), read-only while blocks run.
    pub(super) upper0: u32,
    pub(super) upper: &'a [Post],
    pub(super) member: MemberConsts,
    /// Key of this replication's block streams.
    pub(super) key: u64,
    /// Every post's share of `decision_capacity` if all are of one kind,
    /// else infinite (see [`View::serve_posts`]).
    pub(super) quiet_share: f32,
}

/// The state a block (or the whole organization, outside the blocks) may
/// change, with the global index of each slice's first element.
pub(super) struct Part<'a> {
    pub(super) w0: u32,
    pub(super) workers: &'a mut [Seat],
    pub(super) wskill: &'a mut [f32],
    pub(super) task_size: &'a mut [f32],
    pub(super) p0: u32,
    pub(super) posts: &'a mut [Post],
    /// Manager seats of `posts` (dedicated leaders; else empty).
    pub(super) managers: &'a mut [Seat],
    pub(super) mskill: &'a mut [f32],
    pub(super) t0: u32,
    pub(super) overhead_next: &'a mut [f32],
    pub(super) latency: &'a mut [(f64, u32)],
}

impl<'a> Part<'a> {
    /// Splits at the start of block `b`.
    fn split(self, b: &Block, d: usize) -> (Part<'a>, Part<'a>) {
        let w = (b.seats.0 - self.w0) as usize;
        let p = (b.posts.0 - self.p0) as usize;
        let m = if self.managers.is_empty() { 0 } else { p };
        let t = (b.teams.0 - self.t0) as usize;
        let (wl, wr) = self.workers.split_at_mut(w);
        let (wsl, wsr) = self.wskill.split_at_mut(w * d);
        let (tsl, tsr) = self.task_size.split_at_mut(w);
        let (pl, pr) = self.posts.split_at_mut(p);
        let (ml, mr) = self.managers.split_at_mut(m);
        let (msl, msr) = self.mskill.split_at_mut(m * d);
        let (ol, or) = self.overhead_next.split_at_mut(t);
        let (ll, lr) = self.latency.split_at_mut(t);
        (
            Part {
                w0: self.w0,
                workers: wl,
                wskill: wsl,
                task_size: tsl,
                p0: self.p0,
                posts: pl,
                managers: ml,
                mskill: msl,
                t0: self.t0,
                overhead_next: ol,
                latency: ll,
            },
            Part {
                w0: b.seats.0,
                workers: wr,
                wskill: wsr,
                task_size: tsr,
                p0: b.posts.0,
                posts: pr,
                managers: mr,
                mskill: msr,
                t0: b.teams.0,
                overhead_next: or,
                latency: lr,
            },
        )
    }
}

/// Steps every block, in parallel when there are several.
pub(super) fn run_blocks<const D: usize>(sh: &Shared, blocks: &mut [Block], part: Part) {
    run_range::<D>(sh, blocks, 0, part);
}

fn run_range<const D: usize>(sh: &Shared, blocks: &mut [Block], first: usize, part: Part) {
    if blocks.len() == 1 {
        let b = &mut blocks[0];
        b.out.clear();
        let rng = Stream::seed_from_u64(mix64(
            sh.key ^ mix64((u64::from(sh.step) << 32) | first as u64),
        ));
        let (teams, posts) = (b.teams, b.posts);
        let mut view = View::new(sh, part, rng, &mut b.out);
        view.step_teams::<D>(teams, posts);
        return;
    }
    let mid = blocks.len() / 2;
    let (left, right) = blocks.split_at_mut(mid);
    let (lp, rp) = part.split(&right[0], sh.d);
    rayon::join(
        || run_range::<D>(sh, left, first, lp),
        || run_range::<D>(sh, right, first + mid, rp),
    );
}

/// One thread's window on the organization: a block, or (outside the
/// blocks) everything.
pub(super) struct View<'s, 'a> {
    sh: &'s Shared<'a>,
    part: Part<'a>,
    pub(super) rng: Stream,
    out: &'s mut BlockOut,
    /// Coaching's fractional sessions: 16 bits each from a shared 64-bit word.
    pool: CoachPool,
}

impl<'s, 'a> View<'s, 'a> {
    pub(super) fn new(
        sh: &'s Shared<'a>,
        part: Part<'a>,
        rng: Stream,
        out: &'s mut BlockOut,
    ) -> Self {
        View {
            sh,
            part,
            rng,
            out,
            pool: CoachPool { pool: 0, left: 0 },
        }
    }

    #[inline(always)]
    fn seat(&mut self, s: u32) -> &mut Seat {
        if s < self.sh.n_workers {
            &mut self.part.workers[(s - self.part.w0) as usize]
        } else {
            &mut self.part.managers[(s - self.sh.n_workers - self.part.p0) as usize]
        }
    }

    #[inline(always)]
    fn skill(&mut self, s: u32, dom: usize) -> &mut f32 {
        let d = self.sh.d;
        if s < self.sh.n_workers {
            &mut self.part.wskill[(s - self.part.w0) as usize * d + dom]
        } else {
            &mut self.part.mskill[(s - self.sh.n_workers - self.part.p0) as usize * d + dom]
        }
    }

    /// A working member's seat (those who raise and wait for decisions).
    #[inline(always)]
    fn worker(&mut self, s: u32) -> &mut Seat {
        &mut self.part.workers[(s - self.part.w0) as usize]
    }

    #[inline(always)]
    fn worker_skill(&mut self, s: u32, dom: usize) -> &mut f32 {
        &mut self.part.wskill[(s - self.part.w0) as usize * self.sh.d + dom]
    }

    #[inline(always)]
    fn post(&self, i: u32) -> &Post {
        if i >= self.sh.upper0 {
            &self.sh.upper[(i - self.sh.upper0) as usize]
        } else {
            &self.part.posts[(i - self.part.p0) as usize]
        }
    }

    #[inline(always)]
    fn post_mut(&mut self, i: u32) -> &mut Post {
        &mut self.part.posts[(i - self.part.p0) as usize]
    }

    fn is_local_post(&self, i: u32) -> bool {
        i >= self.part.p0 && ((i - self.part.p0) as usize) < self.part.posts.len()
    }

    // ----- posts -------------------------------------------------------------

    /// Posts `[lo, hi)` (all in this view) serve in turn.
    ///
    /// Most peer roles are *quiet*: held, nothing queued, their credit banked
    /// at one decision. Such a post's state does not change in a step (its
    /// credit stays at 1, its spare time is its capacity) and all it does is
    /// coach with chance `p = cap × coaching`, at most `q = share × coaching`
    /// (leadership ≤ 1). Quiet posts take a short path: a geometric gap picks
    /// the quiet posts that get a trial with chance `q`, and only on a trial
    /// is the holder's leadership read and the post coaches with chance `p / q`
    /// (thinning: each quiet post coaches with chance `p`, independently;
    /// exact up to the 2^-53 resolution of the draws and the rounding of `ln`).
    pub(super) fn serve_posts(&mut self, lo: u32, hi: u32) {
        let p = self.sh.p;
        let share = self.sh.quiet_share;
        let coaching32 = p.coaching as f32;
        let cap_full32 = p.decision_capacity as f32;
        let quiet = Quiet::new(share, coaching32, p.coaching > 0.0, p.acting_cost as f32);
        // Quiet posts left before the next trial.
        let mut gap = quiet.gap(&mut self.rng);
        let (n_workers, w0, p0) = (self.sh.n_workers, self.part.w0, self.part.p0);
        let mut i = lo;
        while i < hi {
            // A run of quiet posts, up to one that coaches or is not quiet.
            let mut coach = NONE;
            if quiet.steady {
                let (posts, workers, managers) =
                    (&self.part.posts, &self.part.workers, &self.part.managers);
                while i < hi {
                    let post = &posts[(i - p0) as usize];
                    // A post with posts below may have to save time to act
                    // for a vacant one: not quiet.
                    if post.holder == NONE
                        || post.queue_len != 0
                        || post.credit != 1.0
                        || post.children.0 != post.children.1
                    {
                        break;
                    }
                    let h = post.holder;
                    let chance = || {
                        let seat = if h < n_workers {
                            &workers[(h - w0) as usize]
                        } else {
                            &managers[(h - n_workers - p0) as usize]
                        };
                        // Spare time is the capacity.
                        f64::from(share * (0.5 + 0.5 * seat.leadership) * coaching32)
                    };
                    if quiet.coaches(&mut gap, &mut self.rng, chance) {
                        coach = h;
                        break;
                    }
                    i += 1;
                }
            }
            if i == hi {
                break;
            }
            if coach != NONE {
                self.coach(i, coach);
                if self.post(i).seat == NONE {
                    self.seat(coach).time_owed += 1.0 / cap_full32;
                }
            } else {
                self.serve_post(i);
            }
            i += 1;
        }
    }

    /// Post `i` (local) takes the decisions waiting for it, then its holder
    /// coaches with the time left.
    fn serve_post(&mut self, i: u32) {
        let p = self.sh.p;
        let post = self.post_mut(i);
        let (holder, seat, credit0, queue_len, level) = (
            post.holder,
            post.seat,
            post.credit,
            post.queue_len,
            post.level,
        );
        if holder == NONE {
            return;
        }
        let cap_full = p.decision_capacity;
        let acting_cost = p.acting_cost as f32;
        let dedicated = seat != NONE;
        let share = if dedicated {
            cap_full as f32
        } else {
            (cap_full * p.role_time) as f32
        };
        let cap = share * (0.5 + 0.5 * self.seat(holder).leadership);
        let mut credit = credit0 + cap;
        let (mut served, mut acted) = (0u32, 0u32);
        if queue_len > 0 || credit >= acting_cost {
            let distance = if dedicated { level } else { level - 1 } as f32;
            (credit, served, acted) = self.serve_queues(i, holder, credit, distance, acting_cost);
        }
        if served > 0 {
            let growth = p.leadership_growth as f32;
            let l = &mut self.seat(holder).leadership;
            *l += growth * (1.0 - *l);
        }
        // Credit does not bank beyond one decision (idle time is lost),
        // except to act for a vacant post below whose decisions wait: a
        // part-time role saves its time over several steps for one acting
        // decision (it costs `acting_cost`, more than a role's week holds).
        let saving = self.post(i).queue_len == 0 && self.vacancy_waits_below(i);
        let post = self.post_mut(i);
        let spare = if post.queue_len == 0 && !saving {
            credit.min(cap)
        } else {
            0.0
        };
        let bank = if saving {
            acting_cost.max(cap)
        } else {
            1.0f32.max(cap)
        };
        post.credit = credit.min(bank);
        // An acting decision takes `acting_cost` decisions' time.
        let mut time_used = served as f32 + acted as f32 * (acting_cost - 1.0);
        let coaching = p.coaching as f32;
        if coaching > 0.0 && spare > 0.0 {
            let sessions_f = spare * coaching;
            // `spare` is positive: truncation is the floor (and much
            // cheaper than `floor` on baseline x86-64).
            let whole = sessions_f as u32;
            // The fractional session is a Bernoulli draw from 16 bits of a
            // 64-bit word shared by four posts (exact at 2^-32, see `draw`).
            let extra = self.pool.session(sessions_f - whole as f32, &mut self.rng);
            let sessions = whole + u32::from(extra);
            for _ in 0..sessions {
                self.coach(i, holder);
            }
            time_used += sessions as f32;
        }
        if !dedicated && time_used > 0.0 {
            self.seat(holder).time_owed += time_used / cap_full as f32;
        }
    }

    /// Whether a post directly below `i` is vacant with decisions waiting.
    fn vacancy_waits_below(&self, i: u32) -> bool {
        let (lo, hi) = self.post(i).children;
        (lo..hi).any(|c| {
            let child = self.post(self.sh.children[c as usize]);
            child.holder == NONE && child.queue_len > 0
        })
    }

    /// The holder `h` of post `i` takes the decisions queued there with
    /// `credit`, then acts for vacant posts just below. Returns the credit
    /// left, the number of decisions taken and how many of them were acting
    /// decisions.
    #[inline(never)]
    fn serve_queues(
        &mut self,
        i: u32,
        h: u32,
        mut credit: f32,
        distance: f32,
        acting_cost: f32,
    ) -> (f32, u32, u32) {
        let (mut served, mut acted) = (0u32, 0u32);
        while credit >= 1.0 && self.post_mut(i).queue_len > 0 {
            credit -= 1.0;
            self.serve_one(i, h, distance);
            served += 1;
        }
        // Acting cover: time left goes to vacant posts just below.
        if self.post_mut(i).queue_len == 0 && credit >= acting_cost {
            let (lo, hi) = self.post_mut(i).children;
            for c in lo..hi {
                let child = self.sh.children[c as usize];
                if self.post(child).holder != NONE {
                    continue;
                }
                while credit >= acting_cost && self.post(child).queue_len > 0 {
                    credit -= acting_cost;
                    self.serve_one(child, h, distance + 1.0);
                    served += 1;
                    acted += 1;
                }
            }
        }
        (credit, served, acted)
    }

    /// `holder` takes the first decision waiting at `post`.
    fn serve_one(&mut self, post: u32, holder: u32, distance: f32) {
        let s = self.dequeue(post);
        let latency = (self.sh.step - self.worker(s).wait) as f64;
        let integrated = self.post(post).seat != NONE;
        self.decide_for(s, holder, distance, integrated, latency);
    }

    /// `holder` decides member `s`'s task from `distance` levels away (a
    /// full-time leader's view `integrated` the team's work), learns from
    /// it, and `s` starts working; the decision took `latency` steps.
    fn decide_for(&mut self, s: u32, holder: u32, distance: f32, integrated: bool, latency: f64) {
        let dom = self.worker(s).domain as usize;
        let q = *self.skill(holder, dom)
            - self.sh.p.distance_penalty as f32 * distance
            - self.misfit(integrated);
        let bad = self.rework_draw(q);
        self.learn_by_deciding(holder, dom);
        self.start_work(s, bad);
        let team = self.worker(s).team;
        self.record_decision(team, latency);
    }

    /// One coaching session: someone under the post moves toward the coach's
    /// skill in a domain and grows as a leader.
    #[inline(never)]
    fn coach(&mut self, post: u32, coach: u32) {
        let p = self.post_mut(post);
        let (level, team, children, domain) = (p.level, p.team, p.children, p.domain);
        // One draw: the coachee (low 32 bits) and the domain (high 32 bits).
        let x = self.rng.next_u64();
        let dom = if domain != NONE {
            domain as usize
        } else {
            index32(x >> 32, self.sh.d as u32) as usize
        };
        let strength = self.sh.p.coaching_strength as f32;
        let growth = 2.0 * self.sh.p.leadership_growth as f32;
        let from = *self.skill(coach, dom);
        if level == 1 {
            // A team post coaches a team member: a working member's seat.
            let t = team as usize;
            let (lo, hi) = (self.sh.team_start[t], self.sh.team_start[t + 1]);
            if lo == hi {
                return; // a team with no seats (possible in an org chart)
            }
            let c = lo + index32(x, hi - lo);
            let i = (c - self.part.w0) as usize;
            let seat = &mut self.part.workers[i];
            if c == coach || !seat.occupied {
                return;
            }
            let skill = &mut self.part.wskill[i * self.sh.d + dom];
            let gap = from - *skill;
            if gap > 0.0 {
                *skill += strength * gap;
            }
            seat.leadership += growth * (1.0 - seat.leadership);
        } else {
            // A post above coaches the holder of a post below.
            let (lo, hi) = children;
            let c = self.sh.children[(lo + index32(x, hi - lo)) as usize];
            let c = self.post(c).holder;
            if c == NONE || c == coach || !self.seat(c).occupied {
                return;
            }
            let skill = self.skill(c, dom);
            let gap = from - *skill;
            if gap > 0.0 {
                *skill += strength * gap;
            }
            let seat = self.seat(c);
            seat.leadership += growth * (1.0 - seat.leadership);
        }
    }

    // ----- decisions ---------------------------------------------------------

    /// Queues seat `s` at `post`: at once if the post is in this view, else
    /// after the blocks.
    fn enqueue(&mut self, post: u32, s: u32) {
        let step = self.sh.step;
        let seat = self.worker(s);
        seat.task = Task::Waiting;
        seat.wait = step;
        seat.next_in_queue = NONE;
        if !self.is_local_post(post) {
            self.out.enqueue.push((post, s));
            return;
        }
        let tail = self.post(post).queue_tail;
        if tail == NONE {
            self.post_mut(post).queue_head = s;
        } else {
            self.worker(tail).next_in_queue = s;
        }
        let p = self.post_mut(post);
        p.queue_tail = s;
        p.queue_len += 1;
        self.out.pending += 1;
        self.out.pending_raised += i64::from(step);
    }

    fn dequeue(&mut self, post: u32) -> u32 {
        let s = self.post_mut(post).queue_head;
        if s != NONE {
            let next = self.worker(s).next_in_queue;
            let p = self.post_mut(post);
            p.queue_head = next;
            if next == NONE {
                p.queue_tail = NONE;
            }
            p.queue_len -= 1;
            let seat = self.worker(s);
            seat.next_in_queue = NONE;
            let wait = seat.wait;
            self.out.pending -= 1;
            self.out.pending_raised -= i64::from(wait);
        }
        s
    }

    /// Quality lost for not fitting team-mates' work: none for a full-time
    /// leader (`integrated`), who sees the team's work; a member or a
    /// part-time role holder sees the `lateral` share they coordinate with.
    fn misfit(&self, integrated: bool) -> f32 {
        if integrated {
            0.0
        } else {
            self.sh.member.misfit
        }
    }

    /// Chance of rework from a decision of quality `q`.
    fn rework_draw(&mut self, q: f32) -> bool {
        let p_bad = self.sh.p.rework_scale as f32 * (1.0 - q.clamp(0.0, 1.0));
        self.rng.random::<f32>() < p_bad
    }

    /// Whoever takes a decision learns from it, in its domain (managers
    /// and role holders, not only those doing the work, learn by doing).
    fn learn_by_deciding(&mut self, decider: u32, dom: usize) {
        let rate = self.sh.p.decision_learning as f32;
        let x = self.skill(decider, dom);
        *x += rate * (1.0 - *x);
    }

    fn start_work(&mut self, s: u32, bad: bool) {
        let seat = self.worker(s);
        seat.task = Task::Working;
        seat.decision_bad = bad;
    }

    fn record_decision(&mut self, team: u32, latency: f64) {
        self.out.count.decisions += 1;
        self.out.count.latency_sum += latency;
        let t = &mut self.part.latency[(team - self.part.t0) as usize];
        t.0 += latency;
        t.1 += 1;
    }

    /// Moves member `s`'s autonomy toward the say they had in a decision on
    /// their work: 1 deciding alone, `voice` in a team consensus, 0 when
    /// someone else decides.
    fn say_in_decision(&mut self, s: u32, say: f32) {
        let seat = self.worker(s);
        seat.autonomy += 0.1 * (say - seat.autonomy);
    }

    /// A member's new task needs a decision: take it, call a consensus, or
    /// send it to whoever holds the authority.
    fn raise_decision(&mut self, s: u32) {
        let p = self.sh.p;
        let d = self.sh.d;
        let dom = self.worker(s).domain as usize;
        let team = self.worker(s).team;
        let own_skill = *self.worker_skill(s, dom);
        let delegated = own_skill >= p.competence as f32 && self.rng.random::<f64>() < p.delegation;
        if delegated {
            self.say_in_decision(s, 1.0);
            let growth = p.leadership_growth as f32;
            let own_time = (p.own_decision_time / p.decision_capacity) as f32;
            let seat = self.worker(s);
            seat.leadership += growth * (1.0 - seat.leadership);
            // Deciding is work: it costs the member the time it costs a leader.
            seat.time_owed += own_time;
            let bad = self.rework_draw(own_skill - self.misfit(false));
            self.learn_by_deciding(s, dom);
            self.start_work(s, bad);
            self.record_decision(team, 0.0);
            return;
        }
        if !self.sh.outage && p.consensus > 0.0 && self.rng.random::<f64>() < p.consensus {
            self.say_in_decision(s, p.voice as f32);
            let (lo, hi) = (
                self.sh.team_start[team as usize],
                self.sh.team_start[team as usize + 1],
            );
            let (mut sum, mut best, mut n) = (0.0f32, 0.0f32, 0u32);
            for t in lo..hi {
                if self.worker(t).occupied {
                    let x = *self.worker_skill(t, dom);
                    sum += x;
                    best = best.max(x);
                    n += 1;
                }
            }
            let mean = sum / n.max(1) as f32;
            let q = mean + p.consensus_bonus as f32 * (best - mean);
            let bad = self.rework_draw(q);
            let cost = p.consensus_cost;
            // The consensus takes `cost` of each member's time and `cost`
            // per member until it concludes: the raiser waits that long,
            // in fractions of a step (not rounded up to whole steps).
            let weeks = cost * n as f64;
            self.part.overhead_next[(team - self.part.t0) as usize] += cost as f32;
            let seat = self.worker(s);
            seat.task = Task::Consensus;
            seat.decision_bad = bad;
            seat.wait = consensus_ticks(weeks);
            self.record_decision(team, weeks);
            return;
        }
        self.say_in_decision(s, 0.0);
        let mut post = self.sh.team_posts[team as usize * d + dom];
        while self.post(post).parent != NONE && self.rng.random::<f64>() < p.escalation {
            post = self.post(post).parent;
        }
        // A vacant post's decisions wait in its queue; the leader above works
        // through them with time left after their own queue (acting cover).
        if self.post(post).holder == s {
            // A role holder decides their own work in their role.
            let bad = self.rework_draw(own_skill - self.misfit(false));
            self.learn_by_deciding(s, dom);
            self.start_work(s, bad);
            self.record_decision(team, 0.0);
            return;
        }
        if self.decide_now(post, s) {
            return;
        }
        self.enqueue(post, s);
    }

    /// A leader of this block with decision time left this step and no one
    /// waiting takes member `s`'s decision in the step it is raised (no
    /// whole-step wait that a shorter step would shorten). Posts outside the
    /// block, further up, answer from the next step on.
    fn decide_now(&mut self, post: u32, s: u32) -> bool {
        if self.sh.outage || !self.is_local_post(post) {
            return false;
        }
        let p = self.post_mut(post);
        let (holder, dedicated, level) = (p.holder, p.seat != NONE, p.level);
        if holder == NONE || p.queue_len > 0 || p.credit < 1.0 {
            return false;
        }
        p.credit -= 1.0;
        let distance = if dedicated { level } else { level - 1 } as f32;
        self.decide_for(s, holder, distance, dedicated, 0.0);
        let growth = self.sh.p.leadership_growth as f32;
        let cap_full = self.sh.p.decision_capacity as f32;
        let leader = self.seat(holder);
        leader.leadership += growth * (1.0 - leader.leadership);
        if !dedicated {
            leader.time_owed += 1.0 / cap_full;
        }
        true
    }

    // ----- the teams' step ---------------------------------------------------

    /// The full-time manager of team post `post`: engagement follows the
    /// load of the post's queue; they may leave.
    fn manage_manager<const D: usize>(&mut self, post: u32) {
        let c = &self.sh.member;
        let p = self.sh.p;
        let queue_full = super::queue_full(p);
        let overload = (self.post(post).queue_len as f32 / queue_full).min(1.0);
        let target = manager_target(p, self.post(post).parent != NONE) - c.w_ovl * overload;
        let m = (post - self.part.p0) as usize;
        let seat = &mut self.part.managers[m];
        if !seat.occupied {
            return;
        }
        seat.engagement = (seat.engagement + c.e_rate * (target - seat.engagement)).clamp(0.0, 1.0);
        let engagement = seat.engagement;
        let skills = &self.part.mskill.as_chunks::<D>().0[m];
        let sums = &mut self.out.sums;
        sums.engagement += engagement as f64;
        sums.add_skill(weighted_skill(skills, &c.weight) as f64);
        sums.members += 1;
        let coarse = self.rng.next_u64() >> (64 - QUIT_BITS);
        if below_hazard(coarse, QUIT_BITS, c.quit_bound, &mut self.rng, || {
            c.quit_rate * (c.quit_sens * (0.5 - engagement)).exp()
        }) {
            self.out.depart.push(self.sh.n_workers + post);
        }
    }

    /// The block's step: its team posts (`posts`) serve and coach, the
    /// members of its teams work, learn, share, decide and maybe leave, then
    /// its full-time managers have their turn. (Each pass stays within the
    /// block's few hundred kilobytes, which stay in cache between passes.)
    fn step_teams<const D: usize>(&mut self, teams: (u32, u32), posts: (u32, u32)) {
        if posts.0 < posts.1 && !self.sh.outage {
            self.serve_posts(posts.0, posts.1);
        }
        self.work_members::<D>(teams);
        if posts.0 < posts.1 && !self.part.managers.is_empty() {
            for i in posts.0..posts.1 {
                self.manage_manager::<D>(i);
            }
        }
    }

    /// The members of teams `[teams.0, teams.1)` work, learn, share, decide
    /// and maybe leave.
    fn work_members<const D: usize>(&mut self, teams: (u32, u32)) {
        let sh = self.sh;
        // The constants in locals: loads through `self.sh` could not be
        // kept across the calls below.
        let c = sh.member;
        let d = D;
        let d32 = d as u32;
        let step = sh.step;
        let w0 = self.part.w0 as usize;
        // The generator and sums live in registers for the loop; the
        // generator is handed back to `self` around the (rare) calls that
        // draw themselves.
        let mut rng = self.rng.clone();
        let mut sum = MemberSums::default();
        let (mut backlog, mut blocked_n, mut members) = (0u64, 0.0f32, 0u32);
        let mut seats = &mut self.part.workers[..];
        let mut skill = self.part.wskill.as_chunks_mut::<D>().0;
        // One flat loop over the block's seats (a seat's team is fixed):
        // a loop per team would end, mispredicted, every few members.
        let first = sh.team_start[teams.0 as usize] as usize - w0;
        let end = sh.team_start[teams.1 as usize] as usize - w0;
        for s in first..end {
            let team = seats[s].team as usize;
            let pressure = sh.team_pressure[team];
            if !seats[s].occupied {
                if step >= seats[s].hire_at {
                    populate_seat(sh.p, &mut seats[s], &mut skill[s], &mut rng, true, false);
                    self.out.count.hires += 1;
                } else {
                    backlog += u64::from(seats[s].backlog);
                    continue;
                }
            }
            let r = rng.next_u64();
            let mut seat = &mut seats[s];
            seat.backlog +=
                c.lam_whole + u32::from(bernoulli(field(r, 0, 21), 21, c.arrival_thr, &mut rng));

            let overhead = sh.team_coordination[team]
                + sh.team_overhead[team]
                + seat.time_owed
                + c.backup_cost * f32::from(seat.backup_load);
            let time = (1.0 - overhead).max(0.0);
            // What does not fit in this step is owed from the next (a
            // decision can take longer than a short step).
            seat.time_owed = (overhead - 1.0).clamp(0.0, seat.time_owed);
            sum.coordination += overhead.min(1.0) as f64;

            // Idle time is lost, not banked (branch-free: idle with nothing
            // waiting is a coin flip the predictor cannot learn).
            let idle_empty = seat.task == Task::Idle && seat.backlog == 0;
            seat.task_left = if idle_empty { 0.0 } else { seat.task_left };
            if seat.task == Task::Idle && seat.backlog > 0 {
                // Domain (24 bits), size (24 bits), decision (16 bits).
                let t = rng.next_u64();
                let u = unit_f32(t >> 40);
                // The first domain whose cumulative share exceeds `u`, counted
                // without a search loop (its exit is hard to predict); `cum`
                // rises and ends at infinity, so the count is below `D`.
                let dom = c.cum[..D]
                    .iter()
                    .map(|&x| usize::from(x <= u))
                    .sum::<usize>();
                let size = c.difficulty * (0.5 + unit_f32(field(t, 16, 24)));
                seat.backlog -= 1;
                seat.domain = dom as u8;
                self.part.task_size[s] = size;
                // Work done past the end of the last task carries into
                // this one: a task does not end where a step does.
                seat.task_left = size + seat.task_left.min(0.0);
                seat.decision_bad = false;
                if bernoulli(field(t, 0, 16), 16, c.decision_thr, &mut rng) {
                    self.rng = rng;
                    self.raise_decision((s + w0) as u32);
                    rng = self.rng.clone();
                    (seats, skill) = (
                        &mut self.part.workers[..],
                        self.part.wskill.as_chunks_mut::<D>().0,
                    );
                    seat = &mut seats[s];
                } else {
                    seat.task = Task::Working;
                }
            }
            // Share of this step spent blocked: all of it waiting on a
            // leader; while a consensus runs, the part of the step it lasts
            // (the member works the rest, in the step it concludes).
            let mut time = time;
            let blocked = match seat.task {
                Task::Waiting => 1.0,
                Task::Consensus => {
                    let used = seat.wait.min(CONSENSUS_TICKS);
                    seat.wait -= used;
                    if seat.wait == 0 {
                        seat.task = Task::Working;
                    }
                    let share = used as f32 * (1.0 / CONSENSUS_TICKS as f32);
                    time *= 1.0 - share;
                    share
                }
                _ => 0.0,
            };
            let my_skill = &mut skill[s];
            if seat.task == Task::Working {
                let sk = &mut my_skill[seat.domain as usize];
                let effort = c.productivity
                    * time
                    * (0.4 + 0.6 * *sk)
                    * (0.5 + 0.5 * seat.engagement)
                    * (1.0 + c.effort_comp * pressure * seat.competitive)
                    * (1.0 - sh.team_loafing[team] * (1.0 - seat.engagement));
                *sk += c.learning * time * (1.0 - *sk);
                seat.task_left -= effort;
                if seat.task_left <= 0.0 {
                    if seat.decision_bad {
                        // A bad decision sends the task back: half of it is redone.
                        seat.decision_bad = false;
                        seat.task_left += 0.5 * self.part.task_size[s];
                        self.out.count.rework += 1;
                    } else {
                        seat.task = Task::Idle;
                        self.out.count.completed += 1;
                    }
                }
            }

            // Knowledge sharing with a team-mate; the more skilled one decides.
            if bernoulli(field(r, 21, 21), 21, c.share_thr, &mut rng) {
                let (lo, hi) = (
                    sh.team_start[team] as usize - w0,
                    sh.team_start[team + 1] as usize - w0,
                );
                let x = rng.next_u64();
                let j = lo + index32(x, (hi - lo) as u32) as usize;
                let dom = index32(x >> 32, d32) as usize;
                if j != s && seats[j].occupied {
                    let (a, b) = (skill[s][dom], skill[j][dom]);
                    let (teacher, learner, gap) =
                        if a >= b { (s, j, a - b) } else { (j, s, b - a) };
                    if gap > 0.0 {
                        // Under pressure a competitive teacher hoards; with
                        // credit for helping in promotions, sharing is how
                        // they compete.
                        let drive = pressure * seats[teacher].competitive;
                        let base = c.willing_base * (1.0 - c.hoarding * drive);
                        let willing = base + c.help_credit * drive * (1.0 - base);
                        if unit_f32(rng.next_u64() >> 40) < willing {
                            skill[learner][dom] += c.share_strength * gap;
                            let t = &mut skill[teacher][dom];
                            *t += c.mentoring * c.share_strength * gap * (1.0 - *t);
                            let ts = &mut seats[teacher];
                            ts.shared += 0.1;
                            ts.leadership += c.lead_growth * c.mentoring * (1.0 - ts.leadership);
                            self.out.count.sharing += 1;
                        } else {
                            self.out.count.hoarding += 1;
                        }
                    }
                }
            }

            let seat = &mut seats[s];
            seat.blocked += c.blocked_ema * (blocked - seat.blocked);
            seat.shared = (seat.shared * c.shared_keep).min(1.0);
            let overload =
                ((seat.backlog as f32 - c.overload_at) * c.inv_overload_at).clamp(0.0, 1.0);
            // A member who prefers direction feels their own decisions as a burden.
            let w_aut = if seat.prefers_direction {
                -c.w_aut
            } else {
                c.w_aut
            };
            let target =
                0.5 + w_aut * (seat.autonomy - 0.5) - c.w_blk * seat.blocked - c.w_ovl * overload
                    + c.rec_weight * (seat.shared * 2.0).min(1.0)
                    - c.career * seat.competitive
                    - c.role_strain * f32::from(u8::from(seat.first_role != NONE));
            seat.engagement =
                (seat.engagement + c.e_rate * (target - seat.engagement)).clamp(0.0, 1.0);
            let engagement = seat.engagement;
            sum.engagement += engagement as f64;
            blocked_n += blocked;
            backlog += u64::from(seat.backlog + u32::from(seat.task != Task::Idle));
            sum.pressure += (pressure * seat.competitive) as f64;
            sum.add_skill(weighted_skill(&skill[s], &c.weight) as f64);
            members += 1;

            // The hazard is at most its value at engagement 0: most draws
            // are above that bound and need no `exp`.
            if below_hazard(
                r >> (64 - QUIT_BITS),
                QUIT_BITS,
                c.quit_bound,
                &mut rng,
                || c.quit_rate * (c.quit_sens * (0.5 - engagement)).exp(),
            ) {
                // Leaving reaches beyond the team (posts, promotions): after the blocks.
                self.out.depart.push((s + w0) as u32);
            }
        }
        self.rng = rng;
        (sum.backlog, sum.blocked, sum.members) = (backlog as f64, f64::from(blocked_n), members);

        self.out.sums.merge(&sum);
    }
}

/// Puts a person in `seat`: a new hire, or (at the start) an existing
/// member, with the manager premium for a manager. Rare in a step: kept
/// out of the member loop's code.
#[inline(never)]
pub(super) fn populate_seat(
    p: &OrgParams,
    seat: &mut Seat,
    skill: &mut [f32],
    rng: &mut Stream,
    new_hire: bool,
    manager: bool,
) {
    let premium = if manager { p.manager_premium } else { 0.0 };
    let base = if new_hire {
        p.new_hire_skill
    } else {
        p.initial_skill + premium
    };
    let spread = if new_hire {
        p.skill_spread * 0.5
    } else {
        p.skill_spread
    };
    for x in skill.iter_mut() {
        let u: f64 = rng.random();
        *x = (base + spread * (2.0 * u - 1.0)).clamp(0.0, 1.0) as f32;
    }
    let cs = p.competitive_share;
    let width = cs.min(1.0 - cs);
    let u: f64 = rng.random();
    let lead_u: f64 = rng.random();
    let leadership = if new_hire {
        0.1
    } else {
        0.1 + 0.3 * lead_u + premium
    };
    seat.occupied = true;
    seat.engagement = if new_hire {
        p.hire_engagement
    } else {
        p.initial_engagement
    } as f32;
    seat.leadership = leadership.clamp(0.0, 1.0) as f32;
    seat.competitive = (cs + width * (2.0 * u - 1.0)).clamp(0.0, 1.0) as f32;
    seat.autonomy = 0.5;
    // Drawn only where some prefer direction, so a workforce where nobody
    // does keeps the random stream it had before the preference existed.
    let q = p.direction_preference;
    seat.prefers_direction = q > 0.0 && rng.random::<f64>() < q;
    seat.blocked = 0.0;
    seat.shared = 0.0;
    seat.hire_at = NONE;
    seat.first_role = NONE;
    seat.backup_load = 0;
}
