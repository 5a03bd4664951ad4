//! Parameters of the organization model, with the structure presets.
//!
//! Rates, capacities and delays are per week (a step is `step_weeks`
//! weeks, one by default; [`OrgParams::per_step`] converts); shares are 0..1.

use crate::define_params;
use crate::params::PracticeBundle;

define_params! {
    /// Everything that shapes one organization variant.
    pub struct OrgParams {
        // --- shape -----------------------------------------------------
        /// Total headcount, managers included: structures are compared at equal payroll.
        members: usize = 60, [2, 2_000_000], "people",
            Conditions, [20, 500], "assumption: departments and small firms, the size the model is meant for";
        /// Working members per team.
        team_size: usize = 6, [2, 100], "people",
            Structure, [3, 10], "Hackman 2002 and the Scrum Guide: working teams of about 3-10";
        /// Units grouped under one leader at each level above the teams (span of control).
        span: usize = 4, [2, 100], "units",
            Structure, [3, 10], "Urwick 1956: 5-6; Rajan & Wulf 2006: CEO spans of about 4-7";
        /// Length of one step in weeks: the model's time resolution. Rates, capacities and delays are given per week and converted; `steps`, event times and the warm-up count steps.
        step_weeks: f64 = 1.0, [0.05, 4], "weeks",
            Conditions, [0.2, 1], "model resolution, not a property of the organization: results should not depend on it (tests/artefacts.rs compares a week with a fifth of one)";
        /// Number of work domains (skills).
        domains: usize = 4, [1, 8], "domains",
            Conditions, [1, 8], "no source: valid range";
        /// 1: leadership posts are full-time manager seats (hierarchy, leader-leader); 0: roles held by working members who keep doing tasks (peer).
        dedicated_leaders: u32 = 1, [0, 1], "flag",
            Structure, [0, 1], "the two structural choices";
        // --- decisions -------------------------------------------------
        /// Chance that a task needs a decision before work can proceed.
        decision_rate: f64 = 0.5, [0, 1], "per task",
            Conditions, [0.25, 1], "assumption, no source: about half to double the default";
        /// Share of decisions a competent member is allowed to take on their own work.
        delegation: f64 = 0.1, [0, 1], "share",
            Structure, [0, 1], "structural choice: valid range";
        /// Skill a member needs in the task's domain to take a delegated decision.
        competence: f64 = 0.45, [0, 1], "skill",
            Conditions, [0.3, 0.6], "assumption, no source: around the mean starting skill";
        /// Chance that a decision sent to a leader must go one level further up (repeated per level).
        escalation: f64 = 0.3, [0, 0.95], "per level",
            Structure, [0, 0.5], "structural choice; above 0.5 most decisions reach the top (assumption)";
        /// Decisions a full-time leader takes per week (role holders get `role_time` of it).
        decision_capacity: f64 = 3, [0.1, 10000], "decisions/week",
            Behaviour, [1.5, 6], "assumption, no source: about half to double the default";
        /// Time a member deciding on their own work spends on the decision, as a share of a leader's time per decision (`1/decision_capacity` of a week); it comes out of their next week.
        own_decision_time: f64 = 1.0, [0, 1], "share",
            Behaviour, [0.5, 1], "a decision is work whoever takes it: Vroom & Yetton 1973 count the time a decision takes as the cost of moving it down or sharing it; below 1, a member close to the work needs less context (assumption)";
        /// Share of a role holder's week available for the role's decisions (peer roles).
        role_time: f64 = 0.3, [0, 1], "share",
            Structure, [0.1, 0.5], "assumption, no source: a part-time role takes a tenth to a half of a week";
        /// Quality lost per level between the decider and the work.
        distance_penalty: f64 = 0.15, [0, 1], "quality/level",
            Behaviour, [0.05, 0.3], "assumption, no source: about half to double the default";
        /// Chance of rework after a decision of quality 0 (quality q gives rework_scale * (1 - q)).
        rework_scale: f64 = 0.6, [0, 1], "probability",
            Conditions, [0.3, 1], "assumption, no source: about half to double the default";
        /// Interdependence of the work: quality a decision loses for not fitting team-mates' work when its decider does not see it all (a member deciding alone or a part-time role holder loses `interdependence × (1 − lateral)`; a full-time leader or a consensus sees the team's work).
        interdependence: f64 = 0.2, [0, 1], "quality",
            Conditions, [0, 0.5], "Thompson 1967: reciprocal interdependence needs mutual adjustment or a coordinator; Galbraith 1974: hierarchy integrates interdependent work, lateral relations are the alternative; size an assumption";
        /// Share of team-level decisions taken by consensus of the whole team.
        consensus: f64 = 0.0, [0, 1], "share",
            Structure, [0, 1], "structural choice: valid range";
        /// Time one consensus costs each team member, and delay it adds per member.
        consensus_cost: f64 = 0.05, [0, 1], "weeks/member",
            Behaviour, [0.02, 0.1], "assumption, no source: about half to double the default";
        /// How much of the gap between the team's mean and best skill a consensus gains (diverse perspectives).
        consensus_bonus: f64 = 0.5, [0, 1], "share",
            Behaviour, [0.25, 1], "assumption, no source: about half to double the default";
        // --- work ------------------------------------------------------
        /// Demand: tasks arriving per week per head of the headcount, shared over the working members.
        arrival_rate: f64 = 0.2, [0, 100], "tasks/member/week",
            Conditions, [0.1, 0.3], "assumption: from light load to beyond every structure's capacity; at the default all three keep up with some slack (docs/model.md, Calibration of the defaults)";
        /// Mean work in a task; each task draws 0.5..1.5 times this.
        difficulty: f64 = 1.0, [0.01, 1000], "work units",
            Conditions, [0.5, 2], "assumption, no source: about half to double the default";
        /// Work a fully skilled, fully engaged member does per week.
        productivity: f64 = 0.9, [0.001, 1000], "work units/week",
            Behaviour, [0.45, 1.8], "assumption, no source: about half to double the default";
        /// Share of a member's time each coordination link costs.
        coordination_cost: f64 = 0.02, [0, 0.5], "share/link",
            Behaviour, [0.01, 0.04], "assumption, no source: about half to double the default";
        /// Share of team-mates each member coordinates with directly (0: only through the leader, 1: everyone).
        lateral: f64 = 0.0, [0, 1], "share",
            Structure, [0, 1], "structural choice: valid range";
        /// Free riding: effort a disengaged member holds back in a team with no full-time leader to see each one's work, × (1 − 1/team members) × (1 − engagement).
        free_riding: f64 = 0.1, [0, 1], "share",
            Behaviour, [0.05, 0.3], "Latané, Williams & Harkins 1979; Karau & Williams 1993 (meta-analysis): individual effort falls as groups grow unless each one's contribution is identifiable or the task is valued; Ingham et al. 1974: about 15% less effort in groups of 6 (a laboratory upper bound)";
        /// Backlog above which a member counts as overloaded.
        overload_threshold: f64 = 6, [1, 100000], "tasks",
            Behaviour, [3, 12], "assumption, no source: about half to double the default";
        // --- skills and learning ----------------------------------------
        /// Mean starting skill of members (per domain).
        initial_skill: f64 = 0.5, [0, 1], "skill",
            Conditions, [0.3, 0.7], "assumption, no source: about half to double the default";
        /// Spread (half-width of the uniform draw) of starting skills.
        skill_spread: f64 = 0.2, [0, 0.5], "skill",
            Conditions, [0.1, 0.3], "assumption, no source: about half to double the default";
        /// Extra starting skill and leadership of full-time managers (they were promoted).
        manager_premium: f64 = 0.15, [0, 1], "skill",
            Conditions, [0, 0.3], "assumption, no source: about half to double the default";
        /// Skill of a new hire in every domain.
        new_hire_skill: f64 = 0.2, [0, 1], "skill",
            Conditions, [0.1, 0.4], "assumption, no source: about half to double the default";
        /// Share of the remaining gap to full skill learned per week of work in a domain.
        learning_rate: f64 = 0.01, [0, 1], "share/week",
            Behaviour, [0.005, 0.02], "assumption, no source: about half to double the default";
        /// Chance per week that a member seeks to share knowledge with a team-mate.
        share_rate: f64 = 0.1, [0, 1], "per week",
            Behaviour, [0.05, 0.2], "assumption, no source: about half to double the default";
        /// Share of the skill gap a learner closes in one sharing event.
        share_strength: f64 = 0.1, [0, 1], "share",
            Behaviour, [0.05, 0.2], "assumption, no source: about half to double the default";
        /// Mentoring: the teacher's own gain as a share of the learner's (learning goes both ways).
        mentoring: f64 = 0.0, [0, 1], "share",
            Practice, [0, 1], "management choice: valid range";
        /// Share of a leader's spare decision time spent coaching.
        coaching: f64 = 0.1, [0, 1], "share",
            Practice, [0, 1], "management choice: valid range";
        /// Share of the skill gap to the coach closed in one coaching session.
        coaching_strength: f64 = 0.1, [0, 1], "share",
            Behaviour, [0.05, 0.2], "assumption, no source: about half to double the default";
        /// Growth of leadership capacity per decision taken or coaching received.
        leadership_growth: f64 = 0.01, [0, 1], "per decision",
            Behaviour, [0.005, 0.02], "assumption, no source: about half to double the default";
        /// Skill a decider gains in the decision's domain per decision taken, as a share of the gap to full skill (managers and role holders learn by deciding).
        decision_learning: f64 = 0.005, [0, 1], "share/decision",
            Behaviour, [0.0025, 0.01], "learning by doing (Arrow 1962; Argote & Epple 1990); size an assumption: a decision teaches about half what a week of work in its domain does";
        // --- competition -------------------------------------------------
        /// Prize of a promotion: the pay and status step into a full-time post (a part-time role carries `role_time` of it).
        promotion_prize: f64 = 0.5, [0, 1], "stake",
            Practice, [0, 1], "management choice; Lazear & Rosen 1981: effort in a tournament grows with the prize spread";
        /// Relative rewards: pay or rating that ranks members against their team-mates every period (forced ranking).
        relative_rewards: f64 = 0.1, [0, 1], "stake",
            Practice, [0, 1], "management choice; Bandiera, Barankay & Rasul 2005: relative pay lowers cooperation among co-workers";
        /// Promotion criteria: the weight of help given to others in who wins a promotion (0: output and skill only).
        help_credit: f64 = 0.0, [0, 1], "weight",
            Practice, [0, 1], "management choice; the seeds' peer-coaching article: competitive peers share when helping counts";
        /// How much of a promotion's stake members feel when no contest is open (a future vacancy is in view).
        contest_in_view: f64 = 0.3, [0, 1], "share",
            Behaviour, [0.1, 0.6], "assumption, no source: a contest weighs more when it is open than when it is only expected";
        /// Mean competitive (vs collaborative) orientation of members.
        competitive_share: f64 = 0.5, [0, 1], "share",
            Behaviour, [0.2, 0.8], "assumption, no source: mixed workforces";
        /// Extra effort of a fully competitive member under full tournament pressure.
        effort_gain: f64 = 0.2, [0, 2], "share",
            Behaviour, [0.05, 0.4], "assumption, no source: about half to double the default";
        /// How strongly tournament pressure makes a competitive member refuse to share.
        hoarding: f64 = 0.8, [0, 1], "share",
            Behaviour, [0.4, 1], "assumption, no source: about half to double the default";
        /// Recognition of help given to others (raises willingness to share and engagement).
        recognition: f64 = 0.2, [0, 1], "share",
            Practice, [0, 1], "management choice: valid range";
        /// Noise in promotion tournaments (0: the best candidate always wins).
        tournament_noise: f64 = 0.1, [0, 1], "score",
            Behaviour, [0.05, 0.3], "assumption, no source: about half to double the default";
        /// Engagement lost by each candidate passed over in a promotion tournament, times the promotion's prize.
        loss_penalty: f64 = 0.15, [0, 1], "engagement",
            Behaviour, [0.05, 0.3], "assumption, no source: about half to double the default";
        // --- engagement and turnover ----------------------------------
        /// Engagement of the founding members at the start: the neutral level of the engagement target, so a run starts near its settled state.
        initial_engagement: f64 = 0.5, [0, 1], "engagement",
            Conditions, [0.4, 0.6], "assumption: the engagement target's neutral level (0.5), so the warm-up is short";
        /// Engagement of a member on starting a new job (a hire, or a promotion winner): a honeymoon that then settles to the target.
        hire_engagement: f64 = 0.7, [0, 1], "engagement",
            Behaviour, [0.5, 0.8], "Boswell, Boudreau & Tichy 2005 (satisfaction peaks right after a job change, the honeymoon, then declines)";
        /// Share of the gap to the engagement target closed per week.
        engagement_rate: f64 = 0.05, [0, 1], "share/week",
            Behaviour, [0.02, 0.1], "assumption, no source: about half to double the default";
        /// Weight of autonomy (share of own decisions taken oneself) in engagement.
        autonomy_weight: f64 = 0.3, [0, 1], "weight",
            Behaviour, [0.15, 0.6], "assumption, no source: about half to double the default";
        /// Say a member has in a decision taken by their team's consensus, as a share of deciding alone: it counts that much toward their autonomy (0: a consensus is like being directed).
        voice: f64 = 0.5, [0, 1], "share",
            Behaviour, [0.25, 0.75], "Wagner 1994 (meta-analysis): participation in decisions raises satisfaction, modestly; Cotton et al. 1988; size an assumption: a say shared with the team is about half of deciding alone";
        /// Share of members who prefer to be directed: for them, taking their own decisions weighs on engagement (`autonomy_weight` with its sign reversed) instead of raising it.
        direction_preference: f64 = 0.2, [0, 1], "share",
            Conditions, [0, 0.8], "Robert, Probst, Martocchio, Drasgow & Lawler 2000: empowerment raised satisfaction in the US, Mexico and Poland and lowered it in India (high power distance), an average that needs most members to prefer direction; Hackman & Oldham 1976: autonomy motivates members with high growth need strength, not all; the default (a minority) is an assumption";
        /// Weight of time blocked waiting for decisions in engagement.
        blocked_weight: f64 = 0.4, [0, 1], "weight",
            Behaviour, [0.2, 0.8], "assumption, no source: about half to double the default";
        /// Weight of overload in engagement.
        overload_weight: f64 = 0.2, [0, 1], "weight",
            Behaviour, [0.1, 0.4], "assumption, no source: about half to double the default";
        /// Weight of recognition received in engagement.
        recognition_weight: f64 = 0.2, [0, 1], "weight",
            Behaviour, [0.1, 0.4], "assumption, no source: about half to double the default";
        /// Engagement a working member loses while holding a part-time leadership role beside their own work (role overload and ambiguity).
        role_strain: f64 = 0.1, [0, 1], "engagement",
            Behaviour, [0.05, 0.2], "Rizzo, House & Lirtzman 1970; Jackson & Schuler 1985 (meta-analysis): role ambiguity and conflict lower satisfaction and raise the propensity to leave; Bolino & Turnley 2005: taking on extra roles brings overload; size an assumption";
        /// Engagement a fully ambitious (competitive) member loses when the next step up is a part-time role, not a full-time post (a flat structure's missing career ladder), × (1 − role_time).
        career_weight: f64 = 0.1, [0, 1], "engagement",
            Behaviour, [0.05, 0.2], "Pew Research Center 2022: no opportunity for advancement was the reason 63% of US workers who quit in 2021 gave; Wulf 2012: flatter firms have fewer rungs; size an assumption";
        /// Voluntary leaving hazard per week at engagement 0.5.
        quit_rate: f64 = 0.003, [0, 0.5], "per week",
            Behaviour, [0.001, 0.007], "voluntary quits of about 5-30 % a year (US BLS JOLTS quits, 1-2.5 % a month by industry)";
        /// How steeply the hazard rises as engagement falls (hazard x e^(s*(0.5-engagement))).
        quit_sensitivity: f64 = 4, [0, 20], "1/engagement",
            Behaviour, [2, 8], "assumption, no source: about half to double the default";
        /// Weeks from a departure until a replacement starts.
        hiring_delay: u32 = 8, [0, 100000], "weeks",
            Conditions, [3, 12], "time to fill a post of about 3-12 weeks (SHRM benchmarks: about 6 weeks)";
        /// Decision time an acting leader spends per decision of a vacant post below (they lack its context).
        acting_cost: f64 = 2, [1, 20], "decisions",
            Behaviour, [1.5, 4], "assumption, no source: about half to double the default";
        // --- succession -------------------------------------------------
        /// Weeks a vacant leadership post stays empty when no ready successor exists (tournament, search).
        promotion_delay: u32 = 6, [0, 100000], "weeks",
            Conditions, [2, 12], "assumption, no source: internal search and selection of weeks to a quarter";
        /// Designated successors (backups) per leadership post.
        backups: usize = 0, [0, 3], "people",
            Practice, [0, 3], "management choice: valid range";
        /// Share of a backup's time spent shadowing the post.
        backup_cost: f64 = 0.02, [0, 1], "share",
            Behaviour, [0.01, 0.05], "assumption, no source: about half to double the default";
        /// Leadership capacity a backup needs to take over at once.
        readiness: f64 = 0.35, [0, 1], "capacity",
            Behaviour, [0.2, 0.5], "assumption, no source: about half to double the default";
    }
}

/// The named structures. Each is a preset of the same parameters, so a sweep
/// can move continuously from one to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structure {
    /// Top-down: managers hold decision rights; promotion tournaments fill vacancies.
    Hierarchy,
    /// Marquet's leader-leader: a hierarchy that delegates decisions to the work and coaches.
    LeaderLeader,
    /// Distributed leadership: flat teams, roles held by members with backups, consensus.
    Peer,
}

impl Structure {
    pub const NAMES: &'static [&'static str] = &["hierarchy", "leader-leader", "peer"];

    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "hierarchy" => Some(Self::Hierarchy),
            "leader-leader" => Some(Self::LeaderLeader),
            "peer" => Some(Self::Peer),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Values this structure gives before a variant's own overrides: only
    /// structural parameters (who holds decision rights and posts). Practices
    /// keep their defaults, the same in every structure, unless a variant
    /// adds a bundle from [`PRACTICES`] or sets them itself.
    pub fn preset(self) -> &'static [(&'static str, f64)] {
        match self {
            Self::Hierarchy => &[
                ("dedicated_leaders", 1.0),
                ("delegation", 0.1),
                ("escalation", 0.3),
                ("consensus", 0.0),
                ("lateral", 0.0),
            ],
            Self::LeaderLeader => &[
                ("dedicated_leaders", 1.0),
                ("delegation", 0.7),
                ("escalation", 0.15),
                ("consensus", 0.0),
                ("lateral", 0.3),
            ],
            Self::Peer => &[
                ("dedicated_leaders", 0.0),
                ("delegation", 0.8),
                ("escalation", 0.1),
                ("consensus", 0.3),
                ("lateral", 1.0),
            ],
        }
    }
}

/// Number of teams and working members for a headcount under a structure.
/// With dedicated leaders, the managers are part of the headcount.
pub fn shape(p: &OrgParams) -> Option<(usize, usize)> {
    if p.dedicated_leaders == 0 {
        let teams = p.members.div_ceil(p.team_size);
        return Some((teams, p.members));
    }
    // Smallest team count whose workers plus leadership posts fit the headcount.
    let mut teams = (p.members / (p.team_size + 1)).max(1);
    loop {
        let workers = p.members.checked_sub(dedicated_posts(teams, p.span))?;
        if workers < teams {
            return None;
        }
        if workers <= teams * p.team_size {
            return Some((teams, workers));
        }
        teams += 1;
    }
}

/// Posts of a dedicated-leader tree over `teams` teams.
pub fn dedicated_posts(teams: usize, span: usize) -> usize {
    let mut units = teams;
    let mut posts = teams;
    while units > 1 {
        units = units.div_ceil(span);
        posts += units;
    }
    posts
}

impl OrgParams {
    /// The parameters a step of `step_weeks` weeks uses: flows (demand,
    /// decision capacity, productivity) scale with the step, chances and
    /// shares per week compound over it, times in weeks become steps. At
    /// one week a step, the parameters as given.
    pub fn per_step(&self) -> OrgParams {
        let w = self.step_weeks;
        if w == 1.0 {
            return self.clone();
        }
        let compound = |x: f64| 1.0 - (1.0 - x).powf(w);
        let steps = |weeks: u32| (f64::from(weeks) / w).round() as u32;
        OrgParams {
            arrival_rate: self.arrival_rate * w,
            decision_capacity: self.decision_capacity * w,
            productivity: self.productivity * w,
            quit_rate: compound(self.quit_rate),
            share_rate: compound(self.share_rate),
            learning_rate: compound(self.learning_rate),
            engagement_rate: compound(self.engagement_rate),
            consensus_cost: self.consensus_cost / w,
            hiring_delay: steps(self.hiring_delay),
            promotion_delay: steps(self.promotion_delay),
            ..self.clone()
        }
    }

    /// Steps in `weeks` weeks (at least one).
    pub fn steps_in(&self, weeks: f64) -> u32 {
        ((weeks / self.step_weeks).round() as u32).max(1)
    }

    /// Constraints between parameters (ranges are checked from the spec table).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.dedicated_leaders == 1 && shape(self).is_none() {
            return Err((
                "members",
                format!(
                    "{} members cannot form a structure with full-time managers and team_size = {}: \
                     each team needs a manager and at least one working member, so at least 2 members are needed",
                    self.members, self.team_size
                ),
            ));
        }
        Ok(())
    }
}

/// Named practice bundles a variant adds with `practices = [...]`: how
/// people are managed, apart from the structure. Each sets practice
/// parameters only; later bundles may not contradict earlier ones, and a
/// variant's own keys override them.
pub const PRACTICES: &[PracticeBundle] = &[
    PracticeBundle {
        name: "peer-mentoring",
        meaning: "a mentoring programme: learning goes both ways when members share",
        sets: &[("mentoring", 0.5)],
    },
    PracticeBundle {
        name: "coaching",
        meaning: "leaders spend most of their spare time coaching (Marquet's leader-leader)",
        sets: &[("coaching", 0.6)],
    },
    PracticeBundle {
        name: "recognition",
        meaning: "help given to others is recognised",
        sets: &[("recognition", 0.6)],
    },
    PracticeBundle {
        name: "succession-planning",
        meaning: "every post has two designated, shadowing successors",
        sets: &[("backups", 2.0)],
    },
    PracticeBundle {
        name: "promotion-tournaments",
        meaning: "a large pay and status step between levels",
        sets: &[("promotion_prize", 0.9)],
    },
    PracticeBundle {
        name: "relative-rewards",
        meaning: "members are ranked against their team-mates every period (forced ranking)",
        sets: &[("relative_rewards", 0.5)],
    },
    PracticeBundle {
        name: "credit-for-helping",
        meaning: "help given to others counts toward promotion",
        sets: &[("help_credit", 0.8)],
    },
    PracticeBundle {
        name: "command-and-control",
        meaning: "the practices the hierarchy preset used to carry: little coaching or recognition, no mentoring or succession plan, a large promotion prize",
        sets: &[
            ("mentoring", 0.0),
            ("coaching", 0.1),
            ("recognition", 0.1),
            ("backups", 0.0),
            ("promotion_prize", 0.8),
        ],
    },
    PracticeBundle {
        name: "leader-leader-practices",
        meaning: "the practices the leader-leader preset used to carry (Marquet): coaching, some mentoring and recognition, one successor per post",
        sets: &[
            ("mentoring", 0.2),
            ("coaching", 0.6),
            ("recognition", 0.4),
            ("backups", 1.0),
            ("promotion_prize", 0.5),
        ],
    },
    PracticeBundle {
        name: "peer-practices",
        meaning: "the practices the peer preset used to carry: mentoring, recognition, two successors per role, a small promotion prize",
        sets: &[
            ("mentoring", 0.5),
            ("coaching", 0.2),
            ("recognition", 0.6),
            ("backups", 2.0),
            ("promotion_prize", 0.2),
        ],
    },
];
