//! Events the organization model understands. The scenario layer turns the
//! user's `[[event]]` tables into these; labels stay with the scenario.

/// Who leaves in a departure or layoff.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The holder of the top leadership post.
    Top,
    /// A share of the holders of leadership posts below the top (managers, or
    /// role holders in a peer structure); `level` restricts to one level
    /// (1 = team level).
    Leaders { share: f64, level: Option<u32> },
    /// A share of all members, the most skilled first.
    MostSkilled { share: f64 },
    /// A share of all members, at random.
    Random { share: f64 },
    /// One leadership post by index (as listed in `organization.csv`).
    Post(u32),
    /// The person in the position with this org-chart id (chart-built organizations).
    Member(String),
    /// The person with this org-chart id and everyone under them.
    Subtree(String),
    /// Resolved chart target: seats `start..start + len` of the organization's
    /// event seat list (set by `Organization::from_chart`, not by scenarios).
    Seats { start: u32, len: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// People leave; their seats are refilled after the hiring delay (or by promotion).
    Departure(Target),
    /// People are laid off; their seats stay empty for the event's duration (0: for good).
    Layoff(Target),
    /// Task arrivals are multiplied by `factor` while active.
    Demand { factor: f64 },
    /// What the work needs changes: every skill loses `magnitude` of its value
    /// (relevance lost) and the mix of work across domains is redrawn.
    Turbulence { magnitude: f64 },
    /// No communication: only decisions members take themselves go through;
    /// leaders' queues, consensus, sharing and coaching stop while active.
    Outage,
}

/// One event: scheduled at `start`, or (with `rate` > 0) firing at random with
/// that chance per week from step `start` on. `duration` 0 means
/// instantaneous; `start` and `duration` count steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub start: u32,
    pub duration: u32,
    pub rate: f64,
}
