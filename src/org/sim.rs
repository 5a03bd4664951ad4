//! The organization model's state and step.
//!
//! People sit in *seats*. Working members' seats are grouped by team; under a
//! hierarchy, full-time managers have seats of their own. Leadership *posts*
//! (positions holding decision rights) form a tree over the teams; each post
//! has a holder, designated backups and a FIFO queue of decisions waiting for
//! it. A peer structure differs only in its posts: one per domain per team,
//! held by working members part-time, plus coordinator roles above. Work and
//! decisions stay with the seat when its person leaves, so the replacement
//! picks them up.
//!
//! Everything is allocated in [`Organization::new`]; `step` allocates nothing.

use rand::{Rng, RngExt};
use std::hint::select_unpredictable;

/// Calls `$obj.$method::<D>(...)` with the number of domains `d` (1–8) as a
/// constant, so loops over a member's skills work on fixed-size arrays.
macro_rules! per_domains {
    ($d:expr, fn $f:ident ( $($arg:expr),* )) => {
        match $d {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            _ => $f::<8>($($arg),*),
        }
    };
    ($d:expr, $obj:ident . $method:ident ( $($arg:expr),* )) => {
        match $d {
            1 => $obj.$method::<1>($($arg),*),
            2 => $obj.$method::<2>($($arg),*),
            3 => $obj.$method::<3>($($arg),*),
            4 => $obj.$method::<4>($($arg),*),
            5 => $obj.$method::<5>($($arg),*),
            6 => $obj.$method::<6>($($arg),*),
            7 => $obj.$method::<7>($($arg),*),
            _ => $obj.$method::<8>($($arg),*),
        }
    };
}

use super::chart::{Chart, Plan};
use super::draw::{
    below_hazard, bernoulli, field, hazard_bound_bits, index32, prob_threshold, unit_f32,
};
use super::events::{Event, EventKind, Target};
use super::metrics::{self as m, N_METRICS};
use super::params::{OrgParams, Structure, shape};
use crate::model::Model;
use crate::rng::Stream;

mod block;
use block::{Block, BlockOut, MemberConsts, Part, Shared, View, populate_seat, run_blocks};

pub(crate) const NONE: u32 = u32::MAX;
const MAX_DOMAINS: usize = 8;
const MAX_BACKUPS: usize = 3;
/// Backups are re-designated this often (and whenever a post is filled).
const REDESIGNATE_WEEKS: f64 = 8.0;
/// A consensus's remaining time is counted in these fractions of a step.
const CONSENSUS_TICKS: u32 = 1 << 16;

/// Time `weeks` in consensus ticks (at least one: a consensus takes time).
fn consensus_ticks(weeks: f64) -> u32 {
    ((weeks * f64::from(CONSENSUS_TICKS)).round() as u32).max(1)
}

/// Bits of a member's step draw that decide whether they leave.
const QUIT_BITS: u32 = 22;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Task {
    Idle,
    /// Waiting in a post's decision queue.
    Waiting,
    /// Waiting for the team's consensus to conclude.
    Consensus,
    Working,
}

/// One seat and the person in it (if occupied). Exactly one cache line:
/// the member loop streams through all seats every step. A manager seat's
/// post is implied by its index ([`Organization::seat_post`]) and a task's
/// size is kept apart ([`Organization::task_size`]), as both are rarely read.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Seat {
    occupied: bool,
    task: Task,
    domain: u8,
    decision_bad: bool,
    team: u32,
    /// Tasks waiting to be started.
    backlog: u32,
    task_left: f32,
    engagement: f32,
    leadership: f32,
    competitive: f32,
    /// Moving average of the share of own decisions taken oneself.
    autonomy: f32,
    /// Moving average of time blocked.
    blocked: f32,
    /// Moving average of help given to others.
    shared: f32,
    /// Share of the next week owed to decisions taken (own work, peer
    /// roles) and coaching given, paid from that week's working time.
    time_owed: f32,
    /// `Waiting`: the step the decision was raised; `Consensus`: time left,
    /// in [`CONSENSUS_TICKS`] per step.
    wait: u32,
    next_in_queue: u32,
    hire_at: u32,
    /// First post held (roles of a working member; linked through `Post::next_role`).
    first_role: u32,
    /// Number of posts this person is a designated backup for.
    backup_load: u8,
    /// Prefers to be directed: own decisions weigh on engagement.
    prefers_direction: bool,
}

const _: () = assert!(std::mem::size_of::<Seat>() == 64);

impl Seat {
    fn vacant(team: u32) -> Self {
        Seat {
            occupied: false,
            task: Task::Idle,
            domain: 0,
            decision_bad: false,
            team,
            backlog: 0,
            task_left: 0.0,
            engagement: 0.0,
            leadership: 0.0,
            competitive: 0.0,
            autonomy: 0.5,
            blocked: 0.0,
            shared: 0.0,
            time_owed: 0.0,
            wait: 0,
            next_in_queue: NONE,
            hire_at: NONE,
            first_role: NONE,
            backup_load: 0,
            prefers_direction: false,
        }
    }
}

/// A leadership position.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Post {
    pub level: u32,
    /// Domain this role decides (peer team roles); `NONE`: all domains.
    pub domain: u32,
    pub team: u32,
    pub parent: u32,
    pub children: (u32, u32),
    pub holder: u32,
    /// Full-time seat (dedicated leaders), else `NONE`.
    pub seat: u32,
    backups: [u32; MAX_BACKUPS],
    /// Step at which a vacancy is filled; `NONE` when held.
    vacant_until: u32,
    /// Backup chosen to take over, if any.
    successor: u32,
    queue_head: u32,
    queue_tail: u32,
    queue_len: u32,
    credit: f32,
    next_role: u32,
}

impl Post {
    fn new(level: u32, domain: u32, team: u32, seat: u32) -> Self {
        Post {
            level,
            domain,
            team,
            parent: NONE,
            children: (0, 0),
            holder: NONE,
            seat,
            backups: [NONE; MAX_BACKUPS],
            vacant_until: NONE,
            successor: NONE,
            queue_head: NONE,
            queue_tail: NONE,
            queue_len: 0,
            credit: 0.0,
            next_role: NONE,
        }
    }
}

/// How many people an event removes, out of how many it picks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventSize {
    pub removed: usize,
    /// The people the event chooses among (leaders below the top, members, ...).
    pub of: usize,
    /// Who they are, in words: "leaders", "members", "top leader", ...
    pub among: &'static str,
}

impl EventSize {
    /// "2 of 3 leaders", "1 top leader".
    pub fn words(&self) -> String {
        if self.of == 1 || self.of == 0 {
            let who = if self.removed == 1 {
                "person"
            } else {
                "people"
            };
            match self.among {
                "top leader" | "post holder" if self.removed == 1 => format!("1 {}", self.among),
                _ => format!("{} {who}", self.removed),
            }
        } else {
            format!("{} of {} {}", self.removed, self.of, self.among)
        }
    }
}

/// One node of the starting organization, for drawing and export.
#[derive(Clone, Debug, PartialEq)]
pub enum OrgNode {
    Post {
        id: u32,
        parent: Option<u32>,
        level: u32,
        team: Option<u32>,
        domain: Option<u32>,
        dedicated: bool,
        holder: Option<u32>,
    },
    Member {
        id: u32,
        team: u32,
    },
}

/// Counters for the step being simulated.
#[derive(Default, Clone, Copy)]
struct StepCount {
    completed: u32,
    rework: u32,
    decisions: u32,
    latency_sum: f64,
    departures: u32,
    hires: u32,
    sharing: u32,
    hoarding: u32,
}

/// One replication of the organization model.
pub struct Organization {
    p: OrgParams,
    structure: Structure,
    rng: Stream,
    d: usize,
    seats: Vec<Seat>,
    /// Size of each seat's current task (read only when a task is redone).
    task_size: Vec<f32>,
    /// Skill per seat and domain, `seats × d`.
    skill: Vec<f32>,
    n_workers: usize,
    team_start: Vec<u32>,
    posts: Vec<Post>,
    children: Vec<u32>,
    /// Post deciding domain `d` for team `t`, at `t * d + d`.
    team_posts: Vec<u32>,
    top: u32,
    events: Vec<Event>,
    /// Each random event's chance per step (its `rate` is per week).
    event_chance: Vec<f64>,
    event_until: Vec<u32>,
    domain_cum: [f64; MAX_DOMAINS],
    domain_weight: [f64; MAX_DOMAINS],
    /// `f32` copies for the member loop (zero beyond `d`).
    domain_cum32: [f32; MAX_DOMAINS],
    domain_weight32: [f32; MAX_DOMAINS],
    /// Time lost this step and next to consensus meetings, per team.
    team_overhead: Vec<f32>,
    team_overhead_next: Vec<f32>,
    /// Share of each member's time spent coordinating, per team.
    team_coordination: Vec<f32>,
    /// Free riding per team (see `team_loafing`).
    team_loafing: Vec<f32>,
    /// Per team, what a promotion puts at stake for its working members,
    /// fixed by the structure: the prize's step (a full-time post 1, a
    /// part-time role `role_time`) × the share of members who hold no post
    /// of the team (rivals for the next one).
    team_stake: Vec<f32>,
    /// Per team, this step's tournament pressure (see `update_pressure`),
    /// and whether a succession contest its members can win is open.
    team_pressure: Vec<f32>,
    team_open: Vec<bool>,
    /// Per team, working members ready to lead (leadership ≥ `readiness`);
    /// reused by `coverage` each step.
    team_ready: Vec<u32>,
    team_latency: Vec<(f64, u32)>,
    /// Reused buffer for events that rank or sample people.
    scratch: Vec<(f32, u32)>,
    /// Leadership posts' holders for a `leaders` event (see `leader_holders`).
    scratch_holders: Vec<(u32, u32)>,
    step: u32,
    count: StepCount,
    demand: f64,
    outage: bool,
    headcount: u64,
    /// Decisions waiting in all queues, and the sum of the steps they were raised.
    pending: u64,
    pending_raised_sum: u64,
    /// The kind of every post (the structure decides it for all).
    post_kind: PostKind,
    /// Per team: its domain roles are its own posts (see [`team_roles`]).
    team_roles: Vec<bool>,
    totals: Totals,
    /// Chart person in each seat at the start (chart-built organizations only).
    seat_person: Vec<u32>,
    /// Seats named by chart targets (member, subtree), indexed by `Target::Seats`.
    event_seats: Vec<u32>,
    /// Blocks of teams stepped in parallel, and how many posts (the first)
    /// are team posts served inside them.
    blocks: Vec<Block>,
    team_post_count: u32,
    /// Key of the blocks' random streams (drawn from the replication's stream).
    block_key: u64,
    /// What the posts above the teams did this step.
    upper_out: BlockOut,
    /// The step's sums over members.
    sums: MemberSums,
    /// Vacant posts, and a buffer for those due to be filled.
    vacant: Vec<u32>,
    due: Vec<u32>,
}

/// Seats, teams and posts, before people are placed.
struct Layout {
    d: usize,
    seats: Vec<Seat>,
    n_workers: usize,
    team_start: Vec<u32>,
    posts: Vec<Post>,
    children: Vec<u32>,
    team_posts: Vec<u32>,
    top: u32,
}

/// The seats and post tree of a chart's plan (of a chart of `people`
/// rows), and the chart person of each seat (`NONE` for a manager's seat
/// nobody held).
fn chart_layout(plan: &Plan, people: usize, d: usize, dedicated: bool) -> (Layout, Vec<u32>) {
    let mut seats = Vec::with_capacity(people);
    let mut seat_person = Vec::with_capacity(people);
    let mut team_start = Vec::with_capacity(plan.teams.len() + 1);
    for (t, members) in plan.teams.iter().enumerate() {
        team_start.push(seats.len() as u32);
        for &person in members {
            seats.push(Seat::vacant(t as u32));
            seat_person.push(person);
        }
    }
    team_start.push(seats.len() as u32);
    let n_workers = seats.len();
    let mut posts: Vec<Post> = plan
        .posts
        .iter()
        .map(|pp| {
            let mut post = Post::new(
                pp.level,
                pp.domain.unwrap_or(NONE),
                pp.team.unwrap_or(NONE),
                NONE,
            );
            post.parent = pp.parent.unwrap_or(NONE);
            post
        })
        .collect();
    let children = link_children(&mut posts);
    if dedicated {
        for (i, post) in posts.iter_mut().enumerate() {
            post.seat = seats.len() as u32;
            debug_assert_eq!(seats.len(), n_workers + i);
            seats.push(Seat::vacant(post.team));
            seat_person.push(plan.posts[i].holder.unwrap_or(NONE));
        }
    }
    let layout = Layout {
        d,
        seats,
        n_workers,
        team_start,
        posts,
        children,
        team_posts: plan.team_posts.clone(),
        top: plan.top,
    };
    (layout, seat_person)
}

/// Children lists from the posts' parents, in post order: sets each post's
/// range and returns the list.
fn link_children(posts: &mut [Post]) -> Vec<u32> {
    let mut counts = vec![0u32; posts.len() + 1];
    for post in posts.iter() {
        if post.parent != NONE {
            counts[post.parent as usize + 1] += 1;
        }
    }
    for i in 0..posts.len() {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut children = vec![0u32; counts[posts.len()] as usize];
    for (i, post) in posts.iter().enumerate() {
        let parent = post.parent;
        if parent != NONE {
            children[fill[parent as usize] as usize] = i as u32;
            fill[parent as usize] += 1;
        }
    }
    for (i, post) in posts.iter_mut().enumerate() {
        post.children = (counts[i], counts[i + 1]);
    }
    children
}

/// Running totals, for accounting checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub initial: u64,
    pub departures: u64,
    pub hires: u64,
    /// Seats filled by promotion (not hiring): they move a person, not the headcount.
    pub promotions: u64,
}

impl Organization {
    /// Builds the starting organization. Parameters must have passed
    /// [`OrgParams::check`]; the scenario layer guarantees it.
    pub fn new(p: OrgParams, structure: Structure, events: &[Event], rng: Stream) -> Self {
        let p = p.per_step();
        let d = p.domains.clamp(1, MAX_DOMAINS);
        let (teams, n_workers) = shape(&p).unwrap_or((1, p.members.max(1)));
        let dedicated = p.dedicated_leaders == 1;

        let mut team_start = Vec::with_capacity(teams + 1);
        // Working members and full-time managers make up the headcount: one
        // allocation (growing a vector of 64-byte-aligned seats copies it).
        let mut seats = Vec::with_capacity(p.members.max(n_workers));
        for t in 0..teams {
            team_start.push(seats.len() as u32);
            let size = n_workers / teams + usize::from(t < n_workers % teams);
            seats.extend(std::iter::repeat_n(Seat::vacant(t as u32), size));
        }
        team_start.push(seats.len() as u32);

        // The post tree: team posts, then units of `span` upward to one top.
        let mut posts: Vec<Post> = Vec::new();
        let mut team_posts = vec![NONE; teams * d];
        let mut level_units: Vec<Vec<u32>> = Vec::new(); // per unit: its coordinating post
        let mut unit_posts: Vec<u32> = Vec::with_capacity(teams);
        for t in 0..teams {
            if dedicated {
                let id = posts.len() as u32;
                posts.push(Post::new(1, NONE, t as u32, NONE));
                team_posts[t * d..(t + 1) * d].fill(id);
                unit_posts.push(id);
            } else {
                for dom in 0..d {
                    team_posts[t * d + dom] = posts.len() as u32;
                    posts.push(Post::new(1, dom as u32, t as u32, NONE));
                }
                unit_posts.push(NONE);
            }
        }
        level_units.push(unit_posts);
        let mut child_lists: Vec<Vec<u32>> = vec![Vec::new(); posts.len()];
        let mut level = 1;
        // Peer: always one coordinating role above the teams, even for one team.
        while level_units.last().map_or(0, Vec::len) > 1 || (!dedicated && level == 1) {
            level += 1;
            let below = level_units.last().cloned().unwrap_or_default();
            let mut units = Vec::new();
            for (g, group) in below.chunks(p.span).enumerate() {
                let id = posts.len() as u32;
                posts.push(Post::new(level, NONE, NONE, NONE));
                let mut kids = Vec::new();
                for (i, &child) in group.iter().enumerate() {
                    if level == 2 && !dedicated {
                        // The team's domain roles report to the coordinator.
                        let t = g * p.span + i;
                        kids.extend_from_slice(&team_posts[t * d..(t + 1) * d]);
                    } else {
                        kids.push(child);
                    }
                }
                for &k in &kids {
                    posts[k as usize].parent = id;
                }
                child_lists.push(kids);
                units.push(id);
            }
            level_units.push(units);
        }
        let top = level_units
            .last()
            .and_then(|u| u.first().copied())
            .unwrap_or(0);
        let mut children = Vec::new();
        for (i, kids) in child_lists.iter().enumerate() {
            let start = children.len() as u32;
            children.extend_from_slice(kids);
            posts[i].children = (start, children.len() as u32);
        }
        if dedicated {
            for (i, post) in posts.iter_mut().enumerate() {
                post.seat = seats.len() as u32;
                debug_assert_eq!(seats.len(), n_workers + i);
                seats.push(Seat::vacant(post.team));
            }
        }

        let mut org = Self::assemble(
            p,
            structure,
            rng,
            events,
            Layout {
                d,
                seats,
                n_workers,
                team_start,
                posts,
                children,
                team_posts,
                top,
            },
        );
        let n_seats = org.seats.len();
        org.set_domain_mix(false);
        for s in 0..n_seats {
            org.populate(s, false);
        }
        // Initial role holders: the best suited member for each post, bottom up.
        for i in 0..org.posts.len() {
            if org.posts[i].seat == NONE {
                let winner = org.best_candidate(i as u32, false, NONE);
                org.assign_role(i as u32, winner);
            } else {
                org.posts[i].holder = org.posts[i].seat;
            }
        }
        org.finish_start();
        org
    }

    /// Builds the starting organization from an org chart (see
    /// [`Chart::plan`]): the chart's people in its teams and posts, with their
    /// skills where the chart gives them, and its open positions vacant.
    /// Chart targets in `events` (member, subtree) are resolved to seats here.
    pub fn from_chart(
        p: OrgParams,
        structure: Structure,
        chart: &Chart,
        events: &[Event],
        rng: Stream,
    ) -> Self {
        let p = p.per_step();
        let d = p.domains.clamp(1, MAX_DOMAINS);
        let dedicated = p.dedicated_leaders == 1;
        let plan = chart.plan(dedicated, d);
        let (layout, seat_person) = chart_layout(&plan, chart.len(), d, dedicated);
        let mut org = Self::assemble(p, structure, rng, events, layout);
        let mut person_seat = vec![NONE; chart.len()];
        for (s, &person) in seat_person.iter().enumerate() {
            if person != NONE {
                person_seat[person as usize] = s as u32;
            }
        }
        org.seat_person = seat_person;
        org.set_domain_mix(false);
        org.populate_from_chart(chart);
        org.appoint_chart_holders(&plan, &person_seat);
        org.resolve_chart_targets(chart, &person_seat);
        org.finish_start();
        org
    }

    /// Fills every seat with its chart person: drawn like a founder, then
    /// given the chart's skills and, from their tenure, leadership; open
    /// positions are left empty (a working member's to be hired).
    fn populate_from_chart(&mut self, chart: &Chart) {
        let d = self.d;
        for s in 0..self.seats.len() {
            let person = &chart.people[self.seat_person[s] as usize];
            let was_manager = chart.is_manager(self.seat_person[s]);
            self.populate_as(s, false, was_manager);
            for (k, &x) in person.skills.iter().enumerate().take(d) {
                if !x.is_nan() {
                    self.skill[s * d + k] = x;
                }
            }
            if let Some(years) = person.tenure {
                let premium = if was_manager {
                    self.p.manager_premium
                } else {
                    0.0
                };
                let lead = 0.1 + 0.3 * (years / 10.0).min(1.0) + premium;
                self.seats[s].leadership = lead.clamp(0.0, 1.0) as f32;
            }
            if person.vacant {
                let manager = self.seat_post(s as u32) != NONE;
                let seat = &mut self.seats[s];
                seat.occupied = false;
                seat.hire_at = if !manager {
                    self.p.hiring_delay.max(1)
                } else {
                    NONE
                };
            }
        }
    }

    /// Initial holders: managers in their posts or coordinator roles, the
    /// best suited member in each domain role; open positions go vacant.
    fn appoint_chart_holders(&mut self, plan: &Plan, person_seat: &[u32]) {
        for i in 0..self.posts.len() {
            let seat = self.posts[i].seat;
            let holder = if seat != NONE {
                seat
            } else if let Some(person) = plan.posts[i].holder {
                person_seat[person as usize]
            } else {
                self.best_candidate(i as u32, false, NONE)
            };
            if holder == NONE || !self.seats[holder as usize].occupied {
                self.vacate_post(i as u32);
            } else if seat != NONE {
                self.posts[i].holder = seat;
            } else {
                self.assign_role(i as u32, holder);
            }
        }
    }

    /// Chart targets (a member, a subtree) of departures and layoffs become
    /// seat lists.
    fn resolve_chart_targets(&mut self, chart: &Chart, person_seat: &[u32]) {
        for ev in self.events.iter_mut() {
            if let EventKind::Departure(t) | EventKind::Layoff(t) = &mut ev.kind {
                let people = match t {
                    Target::Member(id) => chart.find(id).map(|x| vec![x]),
                    Target::Subtree(id) => chart.find(id).map(|x| chart.subtree(x)),
                    _ => continue,
                }
                .unwrap_or_default();
                let start = self.event_seats.len() as u32;
                self.event_seats
                    .extend(people.iter().map(|&x| person_seat[x as usize]));
                *t = Target::Seats {
                    start,
                    len: people.len() as u32,
                };
            }
        }
    }

    /// What every starting organization ends with: backups designated, the
    /// headcount counted, the teams' stakes set and the blocks planned.
    fn finish_start(&mut self) {
        self.redesignate_backups();
        self.headcount = self.seats.iter().filter(|s| s.occupied).count() as u64;
        self.totals.initial = self.headcount;
        self.set_team_stakes();
        self.plan_blocks();
    }

    /// Chart-built organizations: the chart person whose position seat `s` is.
    pub fn seat_person(&self, s: u32) -> Option<u32> {
        self.seat_person
            .get(s as usize)
            .copied()
            .filter(|&x| x != NONE)
    }

    /// Number of seats (working members' and full-time managers').
    pub fn seats(&self) -> usize {
        self.seats.len()
    }

    /// Whether someone sits in seat `s`.
    pub fn seat_occupied(&self, s: u32) -> bool {
        self.seats[s as usize].occupied
    }

    /// The team of a working member's seat (`None` for a manager's seat).
    pub fn seat_team(&self, s: u32) -> Option<u32> {
        ((s as usize) < self.n_workers).then(|| self.seats[s as usize].team)
    }

    /// With full-time managers: the seat of the manager seat `s` reports to
    /// (a working member's team post, a manager's parent post). `None` for
    /// the top and in peer structures.
    pub fn reports_to(&self, s: u32) -> Option<u32> {
        let seat = &self.seats[s as usize];
        let own = self.seat_post(s);
        let post = if own != NONE {
            self.posts[own as usize].parent
        } else {
            self.team_posts[seat.team as usize * self.d]
        };
        (post != NONE)
            .then(|| self.posts[post as usize].seat)
            .filter(|&x| x != NONE)
    }

    /// The organization around a built layout, with every buffer allocated.
    fn assemble(
        p: OrgParams,
        structure: Structure,
        rng: Stream,
        events: &[Event],
        l: Layout,
    ) -> Self {
        let n_seats = l.seats.len();
        let n_posts = l.posts.len();
        let teams = l.team_start.len() - 1;
        let team_roles = team_roles(&l);
        let team_coordination = team_coordination(&p, &l.team_start);
        let team_loafing = team_loafing(&p, &l.team_start);
        let post_kind = match (
            l.posts.iter().all(|p| p.seat == NONE),
            l.posts.iter().all(|p| p.seat != NONE),
        ) {
            (true, _) => PostKind::Roles,
            (_, true) => PostKind::Dedicated,
            _ => PostKind::Mixed,
        };
        // An event's `rate` is its chance per week.
        let event_chance = events
            .iter()
            .map(|e| {
                if p.step_weeks == 1.0 {
                    e.rate
                } else {
                    1.0 - (1.0 - e.rate.min(1.0)).powf(p.step_weeks)
                }
            })
            .collect();
        Organization {
            skill: vec![0.0; n_seats * l.d],
            task_size: vec![0.0; n_seats],
            seats: l.seats,
            d: l.d,
            n_workers: l.n_workers,
            team_start: l.team_start,
            posts: l.posts,
            children: l.children,
            team_posts: l.team_posts,
            top: l.top,
            events: events.to_vec(),
            event_chance,
            event_until: vec![0; events.len()],
            domain_cum: [0.0; MAX_DOMAINS],
            domain_weight: [0.0; MAX_DOMAINS],
            domain_cum32: [0.0; MAX_DOMAINS],
            domain_weight32: [0.0; MAX_DOMAINS],
            team_overhead: vec![0.0; teams],
            team_overhead_next: vec![0.0; teams],
            team_coordination,
            team_loafing,
            team_stake: vec![0.0; teams],
            team_pressure: vec![0.0; teams],
            team_open: vec![false; teams],
            team_ready: vec![0; teams],
            team_latency: vec![(0.0, 0); teams],
            scratch: Vec::with_capacity(n_seats),
            scratch_holders: Vec::with_capacity(n_posts),
            step: 0,
            count: StepCount::default(),
            demand: 1.0,
            outage: false,
            headcount: 0,
            pending: 0,
            pending_raised_sum: 0,
            post_kind,
            team_roles,
            totals: Totals::default(),
            seat_person: Vec::new(),
            event_seats: Vec::new(),
            blocks: Vec::new(),
            team_post_count: 0,
            block_key: 0,
            upper_out: BlockOut::default(),
            sums: MemberSums::default(),
            vacant: Vec::with_capacity(n_posts),
            due: Vec::with_capacity(n_posts),
            structure,
            rng,
            p,
        }
    }

    /// Each team's stake in a promotion (see `team_stake`), from the layout.
    fn set_team_stakes(&mut self) {
        let d = self.d;
        for t in 0..self.team_stake.len() {
            let posts = &self.team_posts[t * d..(t + 1) * d];
            // Distinct posts deciding for the team (one manager, or a role per domain).
            let roles = (0..d).filter(|&k| !posts[..k].contains(&posts[k])).count();
            let dedicated = self.posts[posts[0] as usize].seat != NONE;
            let workers = (self.team_start[t + 1] - self.team_start[t]) as usize;
            // Roles held by the team's own members leave fewer rivals.
            let holders = if dedicated { 0 } else { roles };
            let rivals = 1.0 - holders as f32 / workers.max(1) as f32;
            let step = if dedicated {
                1.0
            } else {
                self.p.role_time as f32
            };
            self.team_stake[t] = step * rivals.max(0.0);
        }
    }

    /// This step's tournament pressure per team: relative rewards, plus the
    /// promotion's stake, felt in full while a contest its members can win
    /// is open (a vacancy with no ready successor) and `contest_in_view` of
    /// it otherwise. Emergent: zero when neither practice offers a prize.
    fn update_pressure(&mut self) {
        let mut open = std::mem::take(&mut self.team_open);
        open.fill(false);
        let readiness = self.p.readiness as f32;
        for &post in &self.vacant {
            let s = self.posts[post as usize].successor;
            if s != NONE
                && self.seats[s as usize].occupied
                && self.seats[s as usize].leadership >= readiness
            {
                continue;
            }
            self.for_each_candidate(post, |c| {
                if (c as usize) < self.n_workers {
                    open[self.seats[c as usize].team as usize] = true;
                }
            });
        }
        self.team_open = open;
        let (prize, rel, view) = (
            self.p.promotion_prize as f32,
            self.p.relative_rewards as f32,
            self.p.contest_in_view as f32,
        );
        for t in 0..self.team_pressure.len() {
            let felt = if self.team_open[t] { 1.0 } else { view };
            self.team_pressure[t] = (rel + prize * self.team_stake[t] * felt).min(1.0);
        }
    }

    /// Splits the teams into blocks and keys their random streams.
    fn plan_blocks(&mut self) {
        let (blocks, team_posts) = block::plan(self);
        self.blocks = blocks;
        self.team_post_count = team_posts;
        self.block_key = self.rng.next_u64();
    }

    /// The post of a full-time manager's seat (manager seats follow the
    /// working members' in post order); `NONE` for a working member's seat.
    #[inline]
    fn seat_post(&self, s: u32) -> u32 {
        if (s as usize) < self.n_workers {
            NONE
        } else {
            s - self.n_workers as u32
        }
    }

    /// Number of blocks of teams a step runs in parallel (see `block.rs`);
    /// fixed by the layout, never by the number of threads.
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Which structure this organization was built as.
    pub fn structure(&self) -> Structure {
        self.structure
    }

    /// Number of teams.
    pub fn teams(&self) -> usize {
        self.team_start.len() - 1
    }

    /// Number of leadership posts.
    pub fn posts(&self) -> usize {
        self.posts.len()
    }

    /// Level of a post (1 = team level) and the team it leads, if a team post.
    pub fn post_info(&self, post: u32) -> (u32, Option<u32>) {
        let p = &self.posts[post as usize];
        (p.level, (p.team != NONE).then_some(p.team))
    }

    /// Whether a post has a holder.
    pub fn post_filled(&self, post: u32) -> bool {
        self.posts[post as usize].holder != NONE
    }

    /// Mean latency of decisions taken this step for members of `team`.
    pub fn team_latency(&self, team: u32) -> Option<f64> {
        let (sum, n) = self.team_latency[team as usize];
        (n > 0).then(|| sum / n as f64)
    }

    /// Running totals of departures, hires and promotions.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// People in seats now.
    pub fn headcount(&self) -> u64 {
        self.headcount
    }

    /// Checks the state's invariants; returns a description of the first broken one.
    pub fn check_invariants(&self) -> Result<(), String> {
        let occupied = self.seats.iter().filter(|s| s.occupied).count() as u64;
        if occupied != self.headcount {
            return Err(format!(
                "headcount {} but {occupied} seats occupied",
                self.headcount
            ));
        }
        let t = self.totals;
        if t.initial + t.hires != occupied + t.departures {
            return Err(format!("accounting: {t:?} but {occupied} occupied"));
        }
        for (i, s) in self.seats.iter().enumerate() {
            for &x in &self.skill[i * self.d..(i + 1) * self.d] {
                if !(0.0..=1.0).contains(&x) {
                    return Err(format!("seat {i} skill {x} out of range"));
                }
            }
            for x in [s.engagement, s.leadership, s.competitive] {
                if !(0.0..=1.0).contains(&x) {
                    return Err(format!("seat {i} attribute {x} out of range"));
                }
            }
        }
        // The member loop takes a working member's team from their seat.
        for t in 0..self.team_start.len() - 1 {
            let (lo, hi) = (self.team_start[t] as usize, self.team_start[t + 1] as usize);
            if let Some(i) = (lo..hi).find(|&i| self.seats[i].team != t as u32) {
                return Err(format!(
                    "seat {i} is in team {t}'s range but says team {}",
                    self.seats[i].team
                ));
            }
        }
        for (i, p) in self.posts.iter().enumerate() {
            let mut n = 0;
            let mut cur = p.queue_head;
            while cur != NONE {
                n += 1;
                if self.seats[cur as usize].task != Task::Waiting {
                    return Err(format!("post {i} queues seat {cur} that is not waiting"));
                }
                cur = self.seats[cur as usize].next_in_queue;
            }
            if n != p.queue_len {
                return Err(format!(
                    "post {i} queue length {} but {n} linked",
                    p.queue_len
                ));
            }
        }
        let waiting = self
            .seats
            .iter()
            .filter(|s| s.task == Task::Waiting)
            .count() as u32;
        let queued: u32 = self.posts.iter().map(|p| p.queue_len).sum();
        if waiting != queued {
            return Err(format!("{waiting} seats waiting but {queued} queued"));
        }
        if u64::from(queued) != self.pending {
            return Err(format!("{queued} queued but {} counted", self.pending));
        }
        let raised: u64 = self
            .seats
            .iter()
            .filter(|s| s.task == Task::Waiting)
            .map(|s| u64::from(s.wait))
            .sum();
        if raised != self.pending_raised_sum {
            return Err(format!(
                "queued decisions raised at steps summing to {raised}, counted {}",
                self.pending_raised_sum
            ));
        }
        Ok(())
    }

    /// The starting organization's posts and members, for drawing.
    pub fn describe(&self) -> Vec<OrgNode> {
        let mut out = Vec::with_capacity(self.posts.len() + self.n_workers);
        for (i, p) in self.posts.iter().enumerate() {
            out.push(OrgNode::Post {
                id: i as u32,
                parent: (p.parent != NONE).then_some(p.parent),
                level: p.level,
                team: (p.team != NONE).then_some(p.team),
                domain: (p.domain != NONE).then_some(p.domain),
                dedicated: p.seat != NONE,
                holder: (p.holder != NONE).then_some(p.holder),
            });
        }
        for (s, seat) in self.seats[..self.n_workers].iter().enumerate() {
            out.push(OrgNode::Member {
                id: s as u32,
                team: seat.team,
            });
        }
        out
    }

    // ----- set-up helpers -----------------------------------------------

    fn set_domain_mix(&mut self, redraw: bool) {
        let mut total = 0.0;
        for k in 0..self.d {
            let w = if redraw {
                0.2 + self.rng.random::<f64>()
            } else {
                1.0
            };
            self.domain_weight[k] = w;
            total += w;
        }
        let mut acc = 0.0;
        for k in 0..self.d {
            self.domain_weight[k] /= total;
            acc += self.domain_weight[k];
            self.domain_cum[k] = acc;
        }
        self.domain_cum[self.d - 1] = 1.0;
        for k in 0..self.d {
            self.domain_cum32[k] = self.domain_cum[k] as f32;
            self.domain_weight32[k] = self.domain_weight[k] as f32;
        }
        // A draw below 1 always lands in some domain.
        self.domain_cum32[self.d - 1] = f32::INFINITY;
    }

    /// Puts a person in seat `s`: a starting member, or a new hire.
    fn populate(&mut self, s: usize, new_hire: bool) {
        let manager = self.seat_post(s as u32) != NONE;
        self.populate_as(s, new_hire, manager);
    }

    /// As [`Self::populate`]; `manager` gives the manager premium.
    fn populate_as(&mut self, s: usize, new_hire: bool, manager: bool) {
        let d = self.d;
        populate_seat(
            &self.p,
            &mut self.seats[s],
            &mut self.skill[s * d..(s + 1) * d],
            &mut self.rng,
            new_hire,
            manager,
        );
    }

    // ----- leadership posts -------------------------------------------------

    /// Score of a candidate for a post: skill in the post's domain(s) and
    /// leadership capacity.
    /// `dom` is the post's domain (`NONE`: all domains).
    #[inline(always)]
    fn candidate_score(&self, dom: u32, s: u32) -> f32 {
        let skills = &self.skill[s as usize * self.d..(s as usize + 1) * self.d];
        let skill = if dom == NONE {
            skills.iter().sum::<f32>() / self.d as f32
        } else {
            skills[dom as usize]
        };
        // Promotion criteria: with credit for helping, help given counts.
        let seat = &self.seats[s as usize];
        skill + seat.leadership + self.p.help_credit as f32 * seat.shared
    }

    /// Candidates for a post: the members of its team (team posts) or the
    /// holders of the posts below it. Calls `f` for each occupied one.
    #[inline(always)]
    fn for_each_candidate(&self, post: u32, mut f: impl FnMut(u32)) {
        let p = &self.posts[post as usize];
        if p.level == 1 {
            let t = p.team as usize;
            for s in self.team_start[t]..self.team_start[t + 1] {
                if self.seats[s as usize].occupied {
                    f(s);
                }
            }
        } else {
            for &c in &self.children[p.children.0 as usize..p.children.1 as usize] {
                let h = self.posts[c as usize].holder;
                if h != NONE && self.seats[h as usize].occupied {
                    f(h);
                }
            }
        }
    }

    /// The best candidate, with tournament noise when `noisy`; skips `exclude`.
    fn best_candidate(&mut self, post: u32, noisy: bool, exclude: u32) -> u32 {
        let noise = if noisy {
            self.p.tournament_noise as f32
        } else {
            0.0
        };
        let mut best = (f32::NEG_INFINITY, NONE);
        let mut cands = std::mem::take(&mut self.scratch);
        cands.clear();
        self.for_each_candidate(post, |s| cands.push((0.0, s)));
        let dom = self.posts[post as usize].domain;
        for c in cands.iter_mut() {
            let u: f32 = if noise > 0.0 { self.rng.random() } else { 0.5 };
            c.0 = self.candidate_score(dom, c.1) + noise * (2.0 * u - 1.0);
            if c.1 != exclude && c.0 > best.0 {
                best = *c;
            }
        }
        self.scratch = cands;
        best.1
    }

    fn assign_role(&mut self, post: u32, s: u32) {
        self.posts[post as usize].holder = s;
        if s != NONE {
            self.posts[post as usize].next_role = self.seats[s as usize].first_role;
            self.seats[s as usize].first_role = post;
        }
    }

    #[inline(never)]
    fn redesignate_backups(&mut self) {
        for s in self.seats.iter_mut() {
            s.backup_load = 0;
        }
        per_domains!(self.d, self.redesignate_backups_d())
    }

    /// [`Self::redesignate_backups`] with `D` domains. A team whose `D`
    /// domain roles are posts of its own (peer teams) is done in one pass
    /// over its members, each scored once per domain instead of once per
    /// post; the choice is the same as [`Self::designate_backups`]'.
    fn redesignate_backups_d<const D: usize>(&mut self) {
        let k = self.p.backups.min(MAX_BACKUPS);
        if k > 0 {
            for t in 0..self.team_roles.len() {
                if self.team_roles[t] {
                    match k {
                        1 => self.designate_team_roles::<D, 1>(t),
                        2 => self.designate_team_roles::<D, 2>(t),
                        _ => self.designate_team_roles::<D, 3>(t),
                    }
                }
            }
        }
        for i in 0..self.posts.len() {
            let p = &self.posts[i];
            let done = k > 0
                && p.level == 1
                && p.domain != NONE
                && p.team != NONE
                && self.team_roles[p.team as usize];
            if !done {
                self.designate_backups(i as u32, k);
            }
        }
    }

    /// Backups for team `t`'s `D` domain roles: the `K` best-scoring
    /// occupied members other than each role's holder.
    fn designate_team_roles<const D: usize, const K: usize>(&mut self, t: usize) {
        let ids: [u32; D] = std::array::from_fn(|dom| self.team_posts[t * D + dom]);
        let holders = ids.map(|id| self.posts[id as usize].holder);
        // Per domain, the best `k` so far, best first; ties keep the earlier candidate.
        let mut best = [[(f32::NEG_INFINITY, NONE); K]; D];
        let (lo, hi) = (self.team_start[t] as usize, self.team_start[t + 1] as usize);
        let skills = &self.skill.as_chunks::<D>().0[lo..hi];
        for (i, (seat, sk)) in self.seats[lo..hi].iter().zip(skills).enumerate() {
            if !seat.occupied {
                continue;
            }
            let s = (lo + i) as u32;
            for dom in 0..D {
                // A role's holder scores -inf: never offered a place.
                let score = select_unpredictable(
                    s == holders[dom],
                    f32::NEG_INFINITY,
                    sk[dom] + seat.leadership,
                );
                offer_shift(&mut best[dom], score, s);
            }
        }
        for dom in 0..D {
            let mut chosen = [NONE; MAX_BACKUPS];
            for (c, b) in chosen.iter_mut().zip(best[dom].iter()) {
                *c = b.1;
                if b.1 != NONE {
                    let load = &mut self.seats[b.1 as usize].backup_load;
                    *load = load.saturating_add(1);
                }
            }
            self.posts[ids[dom] as usize].backups = chosen;
        }
    }

    /// Picks the `k` best candidates (other than the holder) as backups.
    fn designate_backups(&mut self, post: u32, k: usize) {
        let mut chosen = [NONE; MAX_BACKUPS];
        let p = &self.posts[post as usize];
        let holder = p.holder;
        if k > 0 {
            // The best `k` so far, best first; ties keep the earlier candidate.
            let mut best = [(f32::NEG_INFINITY, NONE); MAX_BACKUPS];
            let dom = p.domain;
            let d = self.d;
            if p.level == 1 {
                let t = p.team as usize;
                let (lo, hi) = (self.team_start[t] as usize, self.team_start[t + 1] as usize);
                if dom != NONE {
                    // A domain role: one skill per candidate.
                    let skill = &self.skill[lo * d..hi * d];
                    let dom = dom as usize;
                    for (i, seat) in self.seats[lo..hi].iter().enumerate() {
                        let s = (lo + i) as u32;
                        if seat.occupied && s != holder {
                            offer(&mut best[..k], skill[i * d + dom] + seat.leadership, s);
                        }
                    }
                } else {
                    let seats = self.seats[lo..hi].iter();
                    let skills = self.skill[lo * d..hi * d].chunks_exact(d);
                    for (i, (seat, sk)) in seats.zip(skills).enumerate() {
                        let s = (lo + i) as u32;
                        if seat.occupied && s != holder {
                            let skill = sk.iter().sum::<f32>() / d as f32;
                            offer(&mut best[..k], skill + seat.leadership, s);
                        }
                    }
                }
            } else {
                for &c in &self.children[p.children.0 as usize..p.children.1 as usize] {
                    let s = self.posts[c as usize].holder;
                    if s != NONE && s != holder && self.seats[s as usize].occupied {
                        offer(&mut best[..k], self.candidate_score(dom, s), s);
                    }
                }
            }
            for (c, b) in chosen.iter_mut().zip(best.iter()).take(k) {
                *c = b.1;
                if b.1 != NONE {
                    let load = &mut self.seats[b.1 as usize].backup_load;
                    *load = load.saturating_add(1);
                }
            }
        }
        self.posts[post as usize].backups = chosen;
    }

    /// The holder of `post` is gone: start the vacancy. A ready backup takes
    /// over after one step, an unready one after half the promotion delay,
    /// otherwise a tournament concludes after the full delay.
    fn vacate_post(&mut self, post: u32) {
        let readiness = self.p.readiness as f32;
        let mut successor = NONE;
        let mut ready = false;
        for &b in &self.posts[post as usize].backups {
            if b != NONE && self.seats[b as usize].occupied && b != self.posts[post as usize].holder
            {
                let r = self.seats[b as usize].leadership >= readiness;
                if successor == NONE || (r && !ready) {
                    successor = b;
                    ready = r;
                }
            }
        }
        let mut delay = match (successor != NONE, ready) {
            (true, true) => self.p.steps_in(1.0),
            (true, false) => self.p.promotion_delay.div_ceil(2).max(1),
            _ => self.p.promotion_delay.max(1),
        };
        if successor == NONE {
            // No designated successor, but a candidate may be ready anyway:
            // people who hold or share roles learn to lead by deciding. The
            // organization still has to find them (half the delay, as for
            // an unready designated backup); without succession planning
            // that is the structure's own redundancy.
            let holder = self.posts[post as usize].holder;
            let dom = self.posts[post as usize].domain;
            // The best candidate without noise (no scratch buffer: events
            // call this while they hold it).
            let mut best = (f32::NEG_INFINITY, NONE);
            self.for_each_candidate(post, |s| {
                let score = self.candidate_score(dom, s);
                if s != holder && score > best.0 {
                    best = (score, s);
                }
            });
            let best = best.1;
            if best != NONE && self.seats[best as usize].leadership >= readiness {
                successor = best;
                delay = self.p.promotion_delay.div_ceil(2).max(1);
            }
        }
        let p = &mut self.posts[post as usize];
        if p.vacant_until == NONE {
            self.vacant.push(post);
        }
        p.holder = NONE;
        p.successor = successor;
        p.vacant_until = self.step + delay;
    }

    /// A vacancy's time is up: the successor or the tournament's winner takes the post.
    #[inline(never)]
    fn fill_post(&mut self, post: u32) {
        let successor = self.posts[post as usize].successor;
        let tournament = successor == NONE || !self.seats[successor as usize].occupied;
        let winner = if tournament {
            self.best_candidate(post, true, NONE)
        } else {
            successor
        };
        if winner == NONE {
            // Nobody left to promote yet (the whole unit is vacant): try again next step.
            self.posts[post as usize].vacant_until = self.step + 1;
            return;
        }
        if tournament {
            // Losing costs what the promotion was worth: a full-time post's
            // prize, or a part-time role's `role_time` of it.
            let step = if self.posts[post as usize].seat != NONE {
                1.0
            } else {
                self.p.role_time
            };
            let penalty = (self.p.loss_penalty * self.p.promotion_prize * step) as f32;
            let mut cands = std::mem::take(&mut self.scratch);
            cands.clear();
            self.for_each_candidate(post, |s| cands.push((0.0, s)));
            for &(_, s) in cands.iter() {
                if s != winner {
                    let e = &mut self.seats[s as usize].engagement;
                    *e = (*e - penalty).max(0.0);
                }
            }
            self.scratch = cands;
        }
        let dedicated_seat = self.posts[post as usize].seat;
        self.posts[post as usize].vacant_until = NONE;
        self.posts[post as usize].successor = NONE;
        if dedicated_seat != NONE {
            self.promote_into(winner, dedicated_seat);
            self.posts[post as usize].holder = dedicated_seat;
        } else {
            self.assign_role(post, winner);
        }
        let k = self.p.backups.min(MAX_BACKUPS);
        self.designate_backups(post, k);
    }

    /// Moves the person in `from` into the manager seat `to`; `from` becomes vacant.
    fn promote_into(&mut self, from: u32, to: u32) {
        let (f, t) = (from as usize, to as usize);
        let d = self.d;
        self.skill.copy_within(f * d..(f + 1) * d, t * d);
        let person = self.seats[f];
        let seat = &mut self.seats[t];
        seat.occupied = true;
        seat.engagement = person.engagement;
        seat.leadership = person.leadership;
        seat.competitive = person.competitive;
        seat.autonomy = person.autonomy;
        seat.shared = person.shared;
        seat.blocked = 0.0;
        seat.hire_at = NONE;
        // Winning a promotion is a new job: its honeymoon restores engagement.
        seat.engagement = seat.engagement.max(self.p.hire_engagement as f32);
        // A promotion moves a person: headcount is unchanged, the old seat empties.
        self.totals.promotions += 1;
        self.vacate_seat(from, true);
    }

    /// Empties seat `s`: its roles pass on, a worker seat waits for a hire
    /// (`refill`), a manager seat's post goes vacant.
    fn vacate_seat(&mut self, s: u32, refill: bool) {
        let own_post = self.seat_post(s);
        let seat = &mut self.seats[s as usize];
        seat.occupied = false;
        seat.hire_at = if !refill {
            NONE
        } else if own_post == NONE {
            self.step + self.p.hiring_delay.max(1)
        } else {
            NONE // filled by promotion when the post's vacancy ends
        };
        let mut role = std::mem::replace(&mut seat.first_role, NONE);
        while role != NONE {
            let next = self.posts[role as usize].next_role;
            self.posts[role as usize].next_role = NONE;
            if self.posts[role as usize].holder == s {
                self.vacate_post(role);
            }
            role = next;
        }
        if own_post != NONE && self.posts[own_post as usize].holder == s {
            self.vacate_post(own_post);
        }
    }

    /// A person leaves the organization.
    fn depart(&mut self, s: u32, refill: bool) {
        if !self.seats[s as usize].occupied {
            return;
        }
        self.headcount -= 1;
        self.totals.departures += 1;
        self.count.departures += 1;
        self.vacate_seat(s, refill);
    }

    /// The holder of post `post` leaves (used by events and tests).
    pub fn depart_post(&mut self, post: u32) {
        let h = self.posts[post as usize].holder;
        if h != NONE {
            self.depart(h, true);
        }
    }

    // ----- decisions ---------------------------------------------------------

    /// Appends seat `s` to the queue of `post` (a decision sent there from a
    /// block; the seat is already marked waiting).
    fn link(&mut self, post: u32, s: u32) {
        let p = &mut self.posts[post as usize];
        if p.queue_tail == NONE {
            p.queue_head = s;
        } else {
            self.seats[p.queue_tail as usize].next_in_queue = s;
        }
        p.queue_tail = s;
        p.queue_len += 1;
        self.pending += 1;
        self.pending_raised_sum += u64::from(self.seats[s as usize].wait);
    }

    // ----- events ------------------------------------------------------------

    #[inline(never)]
    fn apply_events(&mut self) {
        self.demand = 1.0;
        self.outage = false;
        for i in 0..self.events.len() {
            let ev = &self.events[i];
            let fires = if ev.rate > 0.0 {
                self.step >= ev.start && self.rng.random::<f64>() < self.event_chance[i]
            } else {
                self.step == ev.start
            };
            if fires {
                self.event_until[i] = self.step + self.events[i].duration;
                let kind = self.events[i].kind.clone();
                self.fire(&kind, self.events[i].duration);
            }
            if self.step < self.event_until[i] {
                match self.events[i].kind {
                    EventKind::Demand { factor } => self.demand *= factor,
                    EventKind::Outage => self.outage = true,
                    _ => {}
                }
            }
        }
    }

    fn fire(&mut self, kind: &EventKind, duration: u32) {
        match kind {
            EventKind::Departure(target) => self.remove(target, true, 0),
            EventKind::Layoff(target) => self.remove(target, false, duration),
            EventKind::Turbulence { magnitude } => {
                let keep = (1.0 - magnitude) as f32;
                for x in self.skill.iter_mut() {
                    *x *= keep;
                }
                self.set_domain_mix(true);
            }
            EventKind::Demand { .. } | EventKind::Outage => {}
        }
    }

    /// How many people each event (in scenario order) removes from the
    /// organization as it stands, by the same rules as the event itself
    /// (None: an event that removes nobody by design, e.g. demand). Read on
    /// the fully staffed organization, so `orgsim validate` and the report
    /// can state event sizes before a run.
    pub fn event_sizes(&self) -> Vec<Option<EventSize>> {
        self.events
            .iter()
            .map(|ev| match &ev.kind {
                EventKind::Departure(t) | EventKind::Layoff(t) => Some(self.removed_by(t)),
                _ => None,
            })
            .collect()
    }

    fn removed_by(&self, target: &Target) -> EventSize {
        let occupied = |s: u32| s != NONE && self.seats[s as usize].occupied;
        let size =
            |removed: usize, of: usize, among: &'static str| EventSize { removed, of, among };
        match *target {
            Target::Top => size(
                usize::from(occupied(self.posts[self.top as usize].holder)),
                1,
                "top leader",
            ),
            Target::Seats { start, len } => size(
                (start..start + len)
                    .filter(|&k| occupied(self.event_seats[k as usize]))
                    .count(),
                len as usize,
                "people named",
            ),
            Target::Member(_) | Target::Subtree(_) => size(0, 0, "people named"),
            Target::Post(i) => size(
                usize::from(
                    self.posts
                        .get(i as usize)
                        .is_some_and(|p| occupied(p.holder)),
                ),
                1,
                "post holder",
            ),
            Target::Leaders { share, level } => {
                let mut holders = Vec::new();
                let units = self.leader_holders(level, &mut holders);
                let n = ((share * units as f64).round() as usize).min(holders.len());
                size(n, holders.len(), "leaders")
            }
            Target::MostSkilled { share } | Target::Random { share } => {
                let n = self.seats.iter().filter(|s| s.occupied).count();
                size((share * n as f64).round() as usize, n, "members")
            }
        }
    }

    /// The holders of leadership posts below the top (at `level`, if given),
    /// each once, as `(holder, first post)` in post order; returns the number
    /// of leadership *units* (a team's domain roles count once), so "a third
    /// of leaders" removes the same number of people whatever the structure.
    /// Sorting rather than searching the holders seen so far keeps this
    /// O(posts log posts) (a peer member may hold several roles).
    fn leader_holders(&self, level: Option<u32>, holders: &mut Vec<(u32, u32)>) -> usize {
        holders.clear();
        let mut units = 0usize;
        for (i, p) in self.posts.iter().enumerate() {
            if i as u32 == self.top || level.is_some_and(|l| p.level != l) {
                continue;
            }
            if p.domain == NONE || p.domain == 0 {
                units += 1;
            }
            if p.holder != NONE {
                holders.push((p.holder, i as u32));
            }
        }
        holders.sort_unstable();
        holders.dedup_by_key(|x| x.0);
        holders.sort_unstable_by_key(|x| x.1);
        units
    }

    /// Removes the people a target names. Laid-off seats reopen after
    /// `reopen_after` steps (0: never).
    fn remove(&mut self, target: &Target, refill: bool, reopen_after: u32) {
        let mut picked = std::mem::take(&mut self.scratch);
        picked.clear();
        match *target {
            Target::Top => {
                let h = self.posts[self.top as usize].holder;
                if h != NONE {
                    picked.push((0.0, h));
                }
            }
            Target::Seats { start, len } => {
                for k in start..start + len {
                    let s = self.event_seats[k as usize];
                    if s != NONE && self.seats[s as usize].occupied {
                        picked.push((0.0, s));
                    }
                }
            }
            // Chart targets are resolved by `from_chart`; without a chart they name nobody.
            Target::Member(_) | Target::Subtree(_) => {}
            Target::Post(i) => {
                if let Some(p) = self.posts.get(i as usize)
                    && p.holder != NONE
                {
                    picked.push((0.0, p.holder));
                }
            }
            Target::Leaders { share, level } => {
                let mut holders = std::mem::take(&mut self.scratch_holders);
                let units = self.leader_holders(level, &mut holders);
                // One draw per holder, in the order of their first post.
                for &(h, _) in &holders {
                    let key: f32 = self.rng.random();
                    picked.push((key, h));
                }
                self.scratch_holders = holders;
                picked.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                picked.truncate(((share * units as f64).round() as usize).min(picked.len()));
            }
            Target::MostSkilled { share } | Target::Random { share } => {
                let by_skill = matches!(target, Target::MostSkilled { .. });
                for s in 0..self.seats.len() {
                    if self.seats[s].occupied {
                        let key = if by_skill {
                            -self.skill[s * self.d..(s + 1) * self.d].iter().sum::<f32>()
                        } else {
                            self.rng.random()
                        };
                        picked.push((key, s as u32));
                    }
                }
                let n = (share * picked.len() as f64).round() as usize;
                if n < picked.len() {
                    picked.select_nth_unstable_by(n, |a, b| a.0.total_cmp(&b.0));
                }
                picked.truncate(n);
            }
        }
        for &(_, s) in picked.iter() {
            self.depart(s, refill);
            if !refill && reopen_after > 0 && self.seat_post(s) == NONE {
                self.seats[s as usize].hire_at = self.step + reopen_after;
            }
        }
        self.scratch = picked;
    }

    // ----- the step -------------------------------------------------------------

    /// Posts whose vacancy has run its time are filled, in post order.
    #[inline(never)]
    fn fill_vacancies(&mut self) {
        let step = self.step;
        let mut due = std::mem::take(&mut self.due);
        due.clear();
        let posts = &self.posts;
        due.extend(
            self.vacant
                .iter()
                .copied()
                .filter(|&i| step >= posts[i as usize].vacant_until),
        );
        due.sort_unstable();
        for &i in &due {
            if self.posts[i as usize].vacant_until != NONE {
                self.fill_post(i);
            }
        }
        self.due = due;
        if !self.due.is_empty() {
            let posts = &self.posts;
            self.vacant
                .retain(|&i| posts[i as usize].vacant_until != NONE);
        }
    }

    /// The organization split for a step's views: `Shared` (read-only)
    /// with the posts from `upper0` on, `Part` (mutable) with the posts
    /// before them, their manager seats and every working member; `upper0`
    /// = all posts leaves every post mutable. `members`: the members will
    /// work (the member loop's constants are needed). `f` also gets the
    /// replication's stream and the upper posts' counts.
    fn with_parts<R>(
        &mut self,
        upper0: u32,
        members: bool,
        f: impl FnOnce(&Shared, Part, &mut Stream, &mut BlockOut) -> R,
    ) -> R {
        let member = if members {
            MemberConsts::new(self)
        } else {
            MemberConsts::default()
        };
        let quiet_share = self.quiet_share();
        let (d, n_workers) = (self.d, self.n_workers);
        // Manager seats follow the working members' in post order.
        let m = if self.p.dedicated_leaders == 1 {
            upper0 as usize
        } else {
            0
        };
        let (posts, upper) = self.posts.split_at_mut(upper0 as usize);
        let (workers, managers) = self.seats.split_at_mut(n_workers);
        let (wskill, mskill) = self.skill.split_at_mut(n_workers * d);
        let sh = Shared {
            p: &self.p,
            d,
            n_workers: n_workers as u32,
            step: self.step,
            outage: self.outage,
            team_start: &self.team_start,
            team_posts: &self.team_posts,
            children: &self.children,
            team_overhead: &self.team_overhead,
            team_coordination: &self.team_coordination,
            team_loafing: &self.team_loafing,
            team_pressure: &self.team_pressure,
            upper0,
            upper,
            member,
            key: self.block_key,
            quiet_share,
        };
        let part = Part {
            w0: 0,
            workers,
            wskill,
            task_size: &mut self.task_size[..n_workers],
            p0: 0,
            posts,
            managers: &mut managers[..m],
            mskill: &mut mskill[..m * d],
            t0: 0,
            overhead_next: &mut self.team_overhead_next,
            latency: &mut self.team_latency,
        };
        f(&sh, part, &mut self.rng, &mut self.upper_out)
    }

    /// Posts above the teams' own (all posts when the blocks have none) serve
    /// their queues and coach, on this replication's own stream.
    #[inline(never)]
    fn serve_upper_posts(&mut self) {
        let (from, n) = (self.team_post_count, self.posts.len() as u32);
        if self.outage || from == n {
            return;
        }
        self.with_parts(n, false, |sh, part, rng, out| {
            let mut view = View::new(sh, part, rng.clone(), out);
            view.serve_posts(from, n);
            *rng = view.rng;
        });
    }

    /// A post's share of `decision_capacity` when every post is of one kind
    /// (quiet posts take a short path, see `View::serve_posts`), else infinite.
    fn quiet_share(&self) -> f32 {
        let cap = self.p.decision_capacity;
        match self.post_kind {
            PostKind::Roles => (cap * self.p.role_time) as f32,
            PostKind::Dedicated => cap as f32,
            PostKind::Mixed => f32::INFINITY,
        }
    }

    /// Every block of teams: team posts serve, members work (in parallel
    /// when there are several blocks); then what they sent beyond their
    /// teams is applied in block order.
    #[inline(never)]
    fn step_blocks(&mut self) {
        let d = self.d;
        let mut blocks = std::mem::take(&mut self.blocks);
        self.with_parts(
            self.team_post_count,
            true,
            |sh, part, _, _| per_domains!(d, fn run_blocks(sh, &mut blocks, part)),
        );
        for b in &blocks {
            self.merge_out(&b.out);
            for &(post, s) in &b.out.enqueue {
                self.link(post, s);
            }
        }
        for b in &blocks {
            for &s in &b.out.depart {
                self.depart(s, true);
            }
        }
        self.blocks = blocks;
    }

    /// Adds a block's (or the upper posts') counts to the step's.
    fn merge_out(&mut self, o: &BlockOut) {
        let c = &mut self.count;
        c.completed += o.count.completed;
        c.rework += o.count.rework;
        c.decisions += o.count.decisions;
        c.latency_sum += o.count.latency_sum;
        c.hires += o.count.hires;
        c.sharing += o.count.sharing;
        c.hoarding += o.count.hoarding;
        self.headcount += u64::from(o.count.hires);
        self.totals.hires += u64::from(o.count.hires);
        self.pending = (self.pending as i64 + o.pending) as u64;
        self.pending_raised_sum = (self.pending_raised_sum as i64 + o.pending_raised) as u64;
        self.sums.merge(&o.sums);
    }

    #[inline(never)]
    fn manage_managers(&mut self, acc: &mut MemberSums) {
        per_domains!(self.d, self.manage_managers_d(acc))
    }

    fn manage_managers_d<const D: usize>(&mut self, acc: &mut MemberSums) {
        let (quit_rate, quit_sens) = (self.p.quit_rate as f32, self.p.quit_sensitivity as f32);
        let e_rate = self.p.engagement_rate as f32;
        let quit_bound = hazard_bound_bits(hazard_bound(quit_rate, quit_sens), QUIT_BITS);
        let weight = self.domain_weight32;
        let queue_full = queue_full(&self.p);
        let overload_weight = self.p.overload_weight as f32;
        let mut rng = self.rng.clone();
        let mut sum = MemberSums::default();
        // Two managers' leaving draws (22 bits each) per 64-bit word.
        let (mut pool, mut pool_left) = (0u64, 0u32);
        // Team posts' managers are managed in their blocks.
        let first = if self.p.dedicated_leaders == 1 {
            self.n_workers + self.team_post_count as usize
        } else {
            self.n_workers
        };
        for s in first..self.seats.len() {
            if !self.seats[s].occupied {
                continue;
            }
            // Managers' engagement follows the load of their queue.
            let post = s - self.n_workers;
            let overload = (self.posts[post].queue_len as f32 / queue_full).min(1.0);
            let seat = &mut self.seats[s];
            let base = manager_target(&self.p, self.posts[post].parent != NONE);
            let target = base - overload_weight * overload;
            seat.engagement =
                (seat.engagement + e_rate * (target - seat.engagement)).clamp(0.0, 1.0);
            sum.engagement += seat.engagement as f64;
            let engagement = seat.engagement;
            let skills = &self.skill.as_chunks::<D>().0[s];
            sum.add_skill(weighted_skill(skills, &weight) as f64);
            sum.members += 1;
            if pool_left == 0 {
                pool = rng.next_u64();
                pool_left = 2;
            }
            pool_left -= 1;
            let coarse = pool >> (64 - QUIT_BITS);
            pool <<= 32;
            if below_hazard(coarse, QUIT_BITS, quit_bound, &mut rng, || {
                quit_rate * (quit_sens * (0.5 - engagement)).exp()
            }) {
                self.rng = rng;
                self.depart(s as u32, true);
                rng = self.rng.clone();
            }
        }
        self.rng = rng;
        acc.members += sum.members;
        acc.engagement += sum.engagement;
        acc.skill += sum.skill;
        acc.skill_sq += sum.skill_sq;
    }

    /// Share of posts someone ready could take over: a ready designated
    /// successor, or, without succession planning, a ready candidate (the
    /// redundancy a structure builds by letting people lead).
    #[inline(never)]
    fn coverage(&mut self) -> f64 {
        if self.p.backups == 0 {
            return self.emergent_coverage();
        }
        // Backups fill the first `k` slots (the rest stay `NONE`).
        let chunk = |posts: &[Post]| match self.p.backups.min(MAX_BACKUPS) {
            0 => 0,
            1 => self.covered_posts::<1>(posts),
            2 => self.covered_posts::<2>(posts),
            _ => self.covered_posts::<3>(posts),
        };
        // A count: the same whichever thread counts which chunk.
        const CHUNK: usize = 4096;
        let covered: usize = if self.posts.len() > 2 * CHUNK {
            use rayon::prelude::*;
            self.posts.par_chunks(CHUNK).map(chunk).sum()
        } else {
            chunk(&self.posts)
        };
        covered as f64 / self.posts.len().max(1) as f64
    }

    /// Share of posts with a candidate other than the holder whose
    /// leadership is at least `readiness`.
    fn emergent_coverage(&mut self) -> f64 {
        let readiness = self.p.readiness as f32;
        let ready = |seat: &Seat| seat.occupied && seat.leadership >= readiness;
        let mut per_team = std::mem::take(&mut self.team_ready);
        for (t, n) in per_team.iter_mut().enumerate() {
            let (a, b) = (self.team_start[t] as usize, self.team_start[t + 1] as usize);
            *n = self.seats[a..b].iter().filter(|s| ready(s)).count() as u32;
        }
        let mut covered = 0usize;
        for p in &self.posts {
            let any = if p.level == 1 {
                let holder_ready = p.holder != NONE
                    && self.seats[p.holder as usize].team == p.team
                    && (p.holder as usize) < self.n_workers
                    && ready(&self.seats[p.holder as usize]);
                per_team[p.team as usize] > u32::from(holder_ready)
            } else {
                self.children[p.children.0 as usize..p.children.1 as usize]
                    .iter()
                    .any(|&c| {
                        let h = self.posts[c as usize].holder;
                        h != NONE && h != p.holder && ready(&self.seats[h as usize])
                    })
            };
            covered += usize::from(any);
        }
        self.team_ready = per_team;
        covered as f64 / self.posts.len().max(1) as f64
    }

    /// Posts with a designated backup among the first `K` slots who is not
    /// the holder, is in their seat and is ready. Every slot is looked at
    /// (no early exit): fewer branches, and `K` is at most 3.
    fn covered_posts<const K: usize>(&self, posts: &[Post]) -> usize {
        let readiness = self.p.readiness as f32;
        let seats = &self.seats[..];
        let mut covered = 0;
        for p in posts {
            let mut any = false;
            for &b in &p.backups[..K] {
                // `NONE` is beyond any seat.
                if let Some(seat) = seats.get(b as usize) {
                    any |= b != p.holder && seat.occupied && seat.leadership >= readiness;
                }
            }
            covered += usize::from(any);
        }
        covered
    }
}

/// The kind of every post: roles held part-time, or full-time seats.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PostKind {
    Roles,
    Dedicated,
    Mixed,
}

/// How quiet posts are served; see `View::serve_posts` (`sim/block.rs`).
struct Quiet {
    /// A quiet post stays quiet: capacity at most 1 (its credit stays at 1),
    /// too little credit to act for a vacant post below, and less than one
    /// coaching session.
    steady: bool,
    /// 1 / q, the largest chance of a session (at leadership 1; rounding is
    /// monotone, so no post's `cap × coaching` exceeds it).
    inv_q: f64,
    /// 1 / ln(1 - q); 0 when there are no trials.
    inv_ln_miss: f64,
}

impl Quiet {
    fn new(share: f32, coaching32: f32, coaching_on: bool, acting_cost: f32) -> Self {
        let q = share * coaching32;
        let trials = coaching_on && share > 0.0 && q < 1.0;
        let q = f64::from(q);
        Quiet {
            steady: share <= 1.0 && 1.0 + share < acting_cost && q < 1.0,
            inv_q: if trials { 1.0 / q } else { 0.0 },
            inv_ln_miss: if trials { 1.0 / (-q).ln_1p() } else { 0.0 },
        }
    }

    /// Whether the next quiet post coaches, given `gap` (quiet posts left
    /// before the next trial) and its chance `p` (≤ q), evaluated only on a
    /// trial.
    #[inline(always)]
    fn coaches(&self, gap: &mut u64, rng: &mut Stream, p: impl FnOnce() -> f64) -> bool {
        if *gap > 0 {
            *gap -= 1;
            return false;
        }
        *gap = self.gap(rng);
        unit53(rng.next_u64()) < p() * self.inv_q
    }

    /// Geometric gap: floor(ln U / ln(1 - q)) posts without a trial before
    /// the next, U uniform on (0, 1] in steps of 2^-53 (P(gap ≥ n) = (1 - q)^n);
    /// without trials, never reached.
    fn gap(&self, rng: &mut Stream) -> u64 {
        if self.inv_ln_miss == 0.0 {
            return u64::MAX;
        }
        let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        // `as` saturates: a gap beyond u64::MAX is never reached anyway.
        (u.ln() * self.inv_ln_miss) as u64
    }
}

/// A uniform `f64` in [0, 1) from the top 53 bits of `x`.
#[inline(always)]
fn unit53(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A 64-bit word whose 16-bit fields decide coaching's fractional sessions.
struct CoachPool {
    pool: u64,
    left: u32,
}

impl CoachPool {
    /// A Bernoulli draw with chance `frac` (in [0, 1)).
    #[inline(always)]
    fn session(&mut self, frac: f32, rng: &mut Stream) -> bool {
        self.draw((frac * 4_294_967_296.0) as i64 as u64, rng)
    }

    /// A Bernoulli draw with chance `thr / 2^32`.
    #[inline(always)]
    fn draw(&mut self, thr: u64, rng: &mut Stream) -> bool {
        if self.left == 0 {
            self.pool = rng.next_u64();
            self.left = 4;
        }
        self.left -= 1;
        let extra = bernoulli(self.pool & 0xFFFF, 16, thr, rng);
        self.pool >>= 16;
        extra
    }
}

/// Largest leaving hazard (at engagement 0), with a margin for rounding.
fn hazard_bound(quit_rate: f32, quit_sens: f32) -> f32 {
    quit_rate * (quit_sens * 0.5).exp() * 1.001 + f32::MIN_POSITIVE
}

/// Offers candidate `s` with `score` to `best`, the best so far (best
/// first; ties keep the earlier candidate).
#[inline(always)]
fn offer(best: &mut [(f32, u32)], score: f32, s: u32) {
    let k = best.len();
    if score > best[k - 1].0 {
        let mut i = k - 1;
        while i > 0 && score > best[i - 1].0 {
            best[i] = best[i - 1];
            i -= 1;
        }
        best[i] = (score, s);
    }
}

/// [`offer`] without branches on the scores (which candidate ranks where is
/// a coin toss to the branch predictor): from the first place `score` beats,
/// every place takes the one carried down from above.
#[inline(always)]
fn offer_shift<const K: usize>(best: &mut [(f32, u32); K], score: f32, s: u32) {
    let mut carry = (score, s);
    let mut moving = false;
    for b in best.iter_mut() {
        moving |= carry.0 > b.0;
        let kept = *b;
        *b = select_unpredictable(moving, carry, kept);
        carry = select_unpredictable(moving, kept, carry);
    }
}

/// Share of each member's time spent coordinating, per team: one link to a
/// full-time leader, and one to each of `lateral` of the team-mates the team
/// actually has. (Not the `team_size` parameter: teams differ in size when
/// the headcount does not divide evenly, and in an imported org chart.)
fn team_coordination(p: &OrgParams, team_start: &[u32]) -> Vec<f32> {
    let leader = f32::from(u8::from(p.dedicated_leaders == 1));
    per_team_size(team_start, |n| {
        let mates = (n - 1.0).max(0.0);
        (p.coordination_cost as f32 * (leader + p.lateral as f32 * mates)).min(0.9)
    })
}

/// `f` of each team's number of seats.
fn per_team_size(team_start: &[u32], f: impl Fn(f32) -> f32) -> Vec<f32> {
    team_start
        .windows(2)
        .map(|w| f((w[1] - w[0]) as f32))
        .collect()
}

/// Free riding per team: `free_riding × (1 − 1/n)` for a team of *n* seats
/// with no full-time leader to see each one's contribution (Karau & Williams
/// 1993: loafing grows with group size and vanishes when contributions are
/// identifiable), else 0. The member loop scales it by disengagement.
fn team_loafing(p: &OrgParams, team_start: &[u32]) -> Vec<f32> {
    let unseen = f32::from(u8::from(p.dedicated_leaders == 0));
    per_team_size(team_start, |n| {
        unseen * p.free_riding as f32 * (1.0 - 1.0 / n.max(1.0))
    })
}

/// A leader's queue counts as full at four weeks of decision capacity
/// (`p` per step: see [`OrgParams::per_step`]).
pub(super) fn queue_full(p: &OrgParams) -> f32 {
    (p.decision_capacity * 4.0 / p.step_weeks) as f32
}

/// A full-time manager's engagement target before overload: the members'
/// `0.5 + autonomy_weight × (autonomy − 0.5)`, a manager's autonomy being
/// the share of the decisions reaching them that they keep (`1 −
/// escalation`; all of them at the top). No blocked time, role strain or
/// missing rung: they hold a full-time post.
pub(super) fn manager_target(p: &OrgParams, has_parent: bool) -> f32 {
    let autonomy = if has_parent { 1.0 - p.escalation } else { 1.0 };
    (0.5 + p.autonomy_weight * (autonomy - 0.5)) as f32
}

/// The prize share of the next step up the ladder: a full-time post (1), or
/// where leadership posts are part-time roles, `role_time` of it.
pub(super) fn next_step_share(p: &OrgParams) -> f64 {
    if p.dedicated_leaders == 1 {
        1.0
    } else {
        p.role_time
    }
}

/// Per team: whether its posts for the `d` domains are `d` team-level roles
/// of its own, one per domain (peer teams), so their backups can be
/// designated together.
fn team_roles(l: &Layout) -> Vec<bool> {
    let teams = l.team_start.len() - 1;
    (0..teams)
        .map(|t| {
            let ids = &l.team_posts[t * l.d..(t + 1) * l.d];
            ids.iter().enumerate().all(|(dom, &id)| {
                l.posts
                    .get(id as usize)
                    .is_some_and(|p| p.level == 1 && p.domain == dom as u32 && p.team == t as u32)
            })
        })
        .collect()
}

/// Skill weighted by the domain mix (`weight` is zero beyond the domains).
#[inline]
fn weighted_skill(skill: &[f32], weight: &[f32; MAX_DOMAINS]) -> f32 {
    skill.iter().zip(weight).map(|(x, w)| x * w).sum()
}

/// Sums over members for one step's metrics.
#[derive(Default)]
struct MemberSums {
    members: u32,
    engagement: f64,
    skill: f64,
    skill_sq: f64,
    /// Member-steps blocked (a consensus blocks part of a step).
    blocked: f64,
    backlog: f64,
    pressure: f64,
    coordination: f64,
}

impl MemberSums {
    fn add_skill(&mut self, x: f64) {
        self.skill += x;
        self.skill_sq += x * x;
    }

    fn merge(&mut self, o: &MemberSums) {
        self.members += o.members;
        self.engagement += o.engagement;
        self.skill += o.skill;
        self.skill_sq += o.skill_sq;
        self.blocked += o.blocked;
        self.backlog += o.backlog;
        self.pressure += o.pressure;
        self.coordination += o.coordination;
    }
}

impl Model for Organization {
    fn members(&self) -> usize {
        self.seats.len()
    }

    fn step(&mut self, out: &mut [f64]) {
        self.count = StepCount::default();
        for t in self.team_latency.iter_mut() {
            *t = (0.0, 0);
        }
        std::mem::swap(&mut self.team_overhead, &mut self.team_overhead_next);
        self.team_overhead_next.fill(0.0);
        if self.step > 0 && self.step.is_multiple_of(self.p.steps_in(REDESIGNATE_WEEKS)) {
            self.redesignate_backups();
        }
        self.apply_events();
        self.fill_vacancies();
        self.update_pressure();
        self.sums = MemberSums::default();
        self.upper_out.clear();
        self.serve_upper_posts();
        let upper = std::mem::take(&mut self.upper_out);
        self.merge_out(&upper);
        self.upper_out = upper;
        self.step_blocks();
        let mut acc = std::mem::take(&mut self.sums);
        self.manage_managers(&mut acc);

        let (pending, raised) = (self.pending, self.pending_raised_sum);
        let c = self.count;
        let latency = if c.decisions > 0 {
            c.latency_sum / c.decisions as f64
        } else if pending > 0 {
            // Nothing decided this step: report how long the waiting ones have waited.
            (pending * self.step as u64 - raised) as f64 / pending as f64
        } else {
            0.0
        };
        let n = acc.members.max(1) as f64;
        let workers = (acc.members as f64 - (self.seats.len() - self.n_workers) as f64).max(1.0);
        let mean_skill = acc.skill / n;
        let mut row = [0.0; N_METRICS];
        row[m::THROUGHPUT] = c.completed as f64;
        row[m::BACKLOG] = acc.backlog;
        row[m::DECISION_LATENCY] = latency;
        row[m::DECISIONS_PENDING] = pending as f64;
        row[m::REWORK] = c.rework as f64;
        row[m::BLOCKED] = acc.blocked;
        row[m::MEAN_SKILL] = mean_skill;
        row[m::SKILL_SPREAD] = (acc.skill_sq / n - mean_skill * mean_skill).max(0.0).sqrt();
        row[m::ENGAGEMENT] = acc.engagement / n;
        row[m::TURNOVER] = c.departures as f64;
        row[m::HIRES] = c.hires as f64;
        row[m::SHARING] = c.sharing as f64;
        row[m::HOARDING] = c.hoarding as f64;
        row[m::TOURNAMENT_PRESSURE] = acc.pressure / workers;
        row[m::LEADERSHIP_COVERAGE] = self.coverage();
        row[m::HEADCOUNT] = self.headcount as f64;
        row[m::COORDINATION] = acc.coordination / workers;
        let k = out.len().min(N_METRICS);
        out[..k].copy_from_slice(&row[..k]);
        self.step += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn quiet_posts_coach_with_their_own_chance() {
        // Peer defaults: role share 0.9, coaching 0.2 (q = 0.18). Posts
        // alternate between three chances at or below q.
        let quiet = Quiet::new(0.9, 0.2, true, 2.0);
        assert!(quiet.steady);
        let q = f64::from(0.9f32 * 0.2f32);
        let chances = [q, 0.1, 0.01];
        let mut rng = Stream::seed_from_u64(5);
        let mut gap = quiet.gap(&mut rng);
        let n = 300_000;
        let mut hits = [0u32; 3];
        for i in 0..3 * n {
            let p = chances[i % 3];
            hits[i % 3] += u32::from(quiet.coaches(&mut gap, &mut rng, || p));
        }
        for (h, p) in hits.iter().zip(chances) {
            let f = f64::from(*h) / n as f64;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((f - p).abs() < 5.0 * sd, "chance {p}: {f}");
        }
    }

    #[test]
    fn no_trials_without_coaching() {
        let quiet = Quiet::new(0.9, 0.0, false, 2.0);
        let mut rng = Stream::seed_from_u64(1);
        let mut gap = quiet.gap(&mut rng);
        assert!((0..1000).all(|_| !quiet.coaches(&mut gap, &mut rng, || 0.5)));
    }
}
