//! Draws an org chart as SVG: a layered tree of managers with a box per team
//! (`orgsim chart`). With `peer`, the same people as peer teams: each
//! manager sits in a team as a working member, and managers of managers
//! hold coordinator roles (dashed). Ids label people; names only on request.
//!
//! A manager's own team and its front-line reports (managers who lead a
//! team and no other manager) are stacked in columns under it rather than
//! side by side: the bottom of a real organization is where it is widest,
//! and a row of every team made a 300-person chart 5,500 points wide.

use std::fmt::Write;

use crate::org::Chart;

const NODE_W: f64 = 110.0;
const NODE_H: f64 = 26.0;
const GAP: f64 = 14.0;
const LEVEL_H: f64 = 70.0;
const LINE_H: f64 = 13.0;
const MAX_LISTED: usize = 12;
/// A stacked column: items indented from its spine, the gap between them,
/// and at most this many before a new column starts.
const INDENT: f64 = 18.0;
const SPINE: f64 = 8.0;
const COLUMN_W: f64 = NODE_W + INDENT;
const STACK_GAP: f64 = 10.0;
const STACK_MAX: usize = 8;
/// A drawing stays readable and bounded: at most this many levels of
/// managers and this many manager boxes. Deeper units are summarized under
/// the last manager drawn ("+N people in K levels below"), so a 50,000-level
/// chain or a 200,000-person chart draws in bounded time, memory and stack.
const MAX_DRAWN_LEVELS: u32 = 12;
const MAX_DRAWN_MANAGERS: usize = 800;

/// One stacked item: a manager's own team, a front-line manager with theirs,
/// or the summary of what lies below a manager at the drawing's last level.
#[derive(Clone, Copy)]
enum Item {
    Team(usize),
    FrontLine(u32),
    Below(u32),
}

/// Which managers are drawn: every person's depth from the top, and, per
/// manager at the last drawn level whose reports include managers, the
/// people and levels below them (`None`: drawn in full).
struct Budget {
    depth: Vec<u32>,
    /// Deepest level drawn (the top is 0).
    last: u32,
    /// Per person: (people below, levels below) when their subtree is summarized.
    below: Vec<Option<(usize, u32)>>,
}

impl Budget {
    fn new(chart: &Chart) -> Self {
        let n = chart.len();
        // Breadth-first order from the top (iterative: charts may be deep).
        let mut order = Vec::with_capacity(n);
        let mut depth = vec![0u32; n];
        order.push(chart.root);
        let mut i = 0;
        while i < order.len() {
            let p = order[i];
            for &c in chart.reports(p) {
                depth[c as usize] = depth[p as usize] + 1;
                order.push(c);
            }
            i += 1;
        }
        // The deepest level whose managers, with all above, fit the budget.
        let mut per_level: Vec<usize> = Vec::new();
        for &p in &order {
            if chart.is_manager(p) {
                let d = depth[p as usize] as usize;
                if per_level.len() <= d {
                    per_level.resize(d + 1, 0);
                }
                per_level[d] += 1;
            }
        }
        let mut last = 0;
        let mut drawn = 0;
        for (d, &k) in per_level.iter().enumerate().take(MAX_DRAWN_LEVELS as usize) {
            drawn += k;
            if drawn > MAX_DRAWN_MANAGERS && d > 0 {
                break;
            }
            last = d as u32;
        }
        // People and levels under each person, children before parents.
        let mut size = vec![0usize; n];
        let mut height = vec![0u32; n];
        for &p in order.iter().rev() {
            for &c in chart.reports(p) {
                size[p as usize] += size[c as usize] + 1;
                height[p as usize] = height[p as usize].max(height[c as usize] + 1);
            }
        }
        let below = (0..n)
            .map(|p| {
                let cut = depth[p] == last
                    && chart.reports(p as u32).iter().any(|&c| chart.is_manager(c));
                cut.then_some((size[p], height[p]))
            })
            .collect();
        Budget { depth, last, below }
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

struct Drawer<'a> {
    chart: &'a Chart,
    names: bool,
    peer: bool,
    /// Team index per manager with non-manager reports.
    team_of: Vec<Option<usize>>,
    /// Members per team as drawn (peer: former managers first).
    teams: Vec<Vec<u32>>,
    budget: Budget,
    out: String,
    height: f64,
}

impl Drawer<'_> {
    fn label(&self, p: u32) -> String {
        let person = &self.chart.people[p as usize];
        let base = match (&person.name, self.names) {
            (Some(n), true) => format!("{} ({})", n, person.id),
            _ => person.id.clone(),
        };
        if person.vacant {
            format!("{base} (vacant)")
        } else {
            base
        }
    }

    fn team_box_h(&self, t: usize) -> f64 {
        let n = self.teams[t].len().min(MAX_LISTED) + usize::from(self.teams[t].len() > MAX_LISTED);
        LINE_H * (n as f64 + 1.0) + 8.0
    }

    /// `m`'s reports who are managers and drawn (none below the last level).
    fn manager_kids(&self, m: u32) -> Vec<u32> {
        if self.budget.depth[m as usize] >= self.budget.last {
            return Vec::new();
        }
        self.chart
            .reports(m)
            .iter()
            .copied()
            .filter(|&c| self.chart.is_manager(c))
            .collect()
    }

    /// A manager's reports as drawn: managers of managers side by side
    /// (`wide`), then its own team and its front-line reports (managers who
    /// lead a team and no other manager) stacked in columns of at most
    /// `STACK_MAX` items.
    fn layout(&self, m: u32) -> (Vec<u32>, Vec<Vec<Item>>) {
        let (wide, front): (Vec<u32>, Vec<u32>) =
            self.manager_kids(m).into_iter().partition(|&c| {
                !self.manager_kids(c).is_empty() || self.budget.below[c as usize].is_some()
            });
        let below = self.budget.below[m as usize].map(|_| Item::Below(m));
        let items: Vec<Item> = self.team_of[m as usize]
            .map(Item::Team)
            .into_iter()
            .chain(front.into_iter().map(Item::FrontLine))
            .chain(below)
            .collect();
        let columns = items.chunks(STACK_MAX).map(<[Item]>::to_vec).collect();
        (wide, columns)
    }

    /// Width of a manager's block: its wide reports and its columns side by side.
    fn width(&self, m: u32, memo: &mut [f64]) -> f64 {
        let (wide, columns) = self.layout(m);
        let w: f64 = wide.iter().map(|&c| self.width(c, memo) + GAP).sum::<f64>()
            + columns.len() as f64 * (COLUMN_W + GAP);
        let w = (w - GAP).max(NODE_W);
        memo[m as usize] = w;
        w
    }

    fn draw(&mut self, m: u32, x0: f64, depth: u32, memo: &[f64]) -> f64 {
        let w = memo[m as usize];
        let y = 20.0 + depth as f64 * LEVEL_H;
        let (wide, columns) = self.layout(m);
        // In a peer drawing a front-line manager is a member of their team.
        let front_line =
            wide.is_empty() && columns.iter().flatten().all(|i| matches!(i, Item::Team(_)));
        let drawn = !(self.peer && front_line && self.chart.people[m as usize].manager.is_some());
        if wide.is_empty() && columns.len() == 1 {
            // One column: it hangs from the manager's own box.
            let cx = x0 + NODE_W / 2.0;
            if drawn {
                self.node(m, cx, y);
            }
            let top = if drawn { y + NODE_H } else { y };
            let first = if drawn { y + NODE_H + STACK_GAP } else { y };
            self.column(&columns[0], x0, top, first);
            return cx;
        }
        let cx = x0 + w / 2.0;
        let child_y = y + LEVEL_H;
        let bus = y + NODE_H + (LEVEL_H - NODE_H) / 2.0;
        let total: f64 = wide.iter().map(|&c| memo[c as usize] + GAP).sum::<f64>()
            + columns.len() as f64 * (COLUMN_W + GAP)
            - GAP;
        let mut x = x0 + (w - total.max(0.0)) / 2.0;
        for &c in &wide {
            let ccx = self.draw(c, x, depth + 1, memo);
            let _ = writeln!(
                self.out,
                r#"<path d="M{cx:.1},{:.1} V{bus:.1} H{ccx:.1} V{child_y:.1}" class="edge"/>"#,
                y + NODE_H
            );
            x += memo[c as usize] + GAP;
        }
        for col in &columns {
            let spine = x + SPINE;
            let _ = writeln!(
                self.out,
                r#"<path d="M{cx:.1},{:.1} V{bus:.1} H{spine:.1} V{child_y:.1}" class="edge"/>"#,
                y + NODE_H
            );
            self.column(col, x, child_y, child_y);
            x += COLUMN_W + GAP;
        }
        if drawn {
            self.node(m, cx, y);
        }
        self.height = self.height.max(y + NODE_H + 20.0);
        cx
    }

    /// A column of stacked items at `x`: a spine down its left from `top`,
    /// the items from `first` on, each joined to the spine.
    fn column(&mut self, items: &[Item], x: f64, top: f64, first: f64) {
        let spine = x + SPINE;
        let ix = x + INDENT;
        let mut at = first;
        let mut last_join = top;
        for item in items {
            let (h, join) = match *item {
                Item::Team(t) => (self.team_box(t, ix, at), at + LINE_H * 0.6),
                Item::FrontLine(c) => self.front_line(c, ix, at),
                Item::Below(m) => (self.below_box(m, ix, at), at + LINE_H * 0.6),
            };
            let _ = writeln!(
                self.out,
                r#"<path d="M{spine:.1},{join:.1} H{ix:.1}" class="edge"/>"#
            );
            last_join = join;
            at += h + STACK_GAP;
        }
        let _ = writeln!(
            self.out,
            r#"<path d="M{spine:.1},{top:.1} V{last_join:.1}" class="edge"/>"#
        );
        self.height = self.height.max(at + 10.0);
    }

    /// A front-line manager with its team box below (in a peer drawing, its
    /// team only: the manager is a member of it), top-left corner at (x, y).
    /// Returns the height used and where the column's connector meets it.
    fn front_line(&mut self, m: u32, x: f64, y: f64) -> (f64, f64) {
        let node = !self.peer;
        if node {
            self.node(m, x + NODE_W / 2.0, y);
        }
        let Some(t) = self.team_of[m as usize] else {
            return (NODE_H, y + NODE_H / 2.0);
        };
        if !node {
            return (self.team_box(t, x, y), y + LINE_H * 0.6);
        }
        let ty = y + NODE_H + 6.0;
        let _ = writeln!(
            self.out,
            r#"<path d="M{:.1},{:.1} V{ty:.1}" class="edge"/>"#,
            x + NODE_W / 2.0,
            y + NODE_H
        );
        (ty - y + self.team_box(t, x, ty), y + NODE_H / 2.0)
    }

    /// `m`'s own box centred at `cx`, top at `y`: a manager, or in a peer
    /// drawing a coordinator role.
    fn node(&mut self, m: u32, cx: f64, y: f64) {
        let class = if self.peer { "coord" } else { "node" };
        let text = if self.peer {
            format!("coord. {}", self.label(m))
        } else {
            self.label(m)
        };
        let _ = writeln!(
            self.out,
            r#"<rect x="{:.1}" y="{y:.1}" width="{NODE_W}" height="{NODE_H}" rx="4" class="{class}"/><text x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            cx - NODE_W / 2.0,
            y + 17.0,
            esc(&clip(&text, 17))
        );
    }

    /// The summary of the units under `m` that are not drawn, top-left
    /// corner at (bx, by); returns its height.
    fn below_box(&mut self, m: u32, bx: f64, by: f64) -> f64 {
        let (people, levels) = self.budget.below[m as usize].unwrap_or((0, 0));
        let h = LINE_H * 2.0 + 8.0;
        let _ = writeln!(
            self.out,
            r#"<rect x="{bx:.1}" y="{by:.1}" width="{NODE_W}" height="{h:.1}" rx="6" class="team"/><text x="{:.1}" y="{:.1}" class="more">+{people} people</text><text x="{:.1}" y="{:.1}" class="more">in {levels} level{} below</text>"#,
            bx + 6.0,
            by + LINE_H,
            bx + 6.0,
            by + LINE_H * 2.0,
            if levels == 1 { "" } else { "s" }
        );
        h
    }

    /// Team `t`'s box with its top-left corner at (bx, by); returns its height.
    fn team_box(&mut self, t: usize, bx: f64, by: f64) -> f64 {
        let h = self.team_box_h(t);
        let _ = writeln!(
            self.out,
            r#"<rect x="{bx:.1}" y="{by:.1}" width="{NODE_W}" height="{h:.1}" rx="6" class="team"/>"#
        );
        let n = self.teams[t].len();
        let _ = writeln!(
            self.out,
            r#"<text x="{:.1}" y="{:.1}" class="head">{}</text>"#,
            bx + 6.0,
            by + LINE_H,
            esc(&format!(
                "team {} · {n} {}",
                t + 1,
                if n == 1 { "person" } else { "people" }
            ))
        );
        for (i, &p) in self.teams[t].iter().take(MAX_LISTED).enumerate() {
            let mark = if self.peer && self.chart.is_manager(p) {
                "★ "
            } else {
                ""
            };
            let _ = writeln!(
                self.out,
                r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
                bx + 6.0,
                by + LINE_H * (i as f64 + 2.0),
                esc(&clip(&format!("{mark}{}", self.label(p)), 19))
            );
        }
        if n > MAX_LISTED {
            let _ = writeln!(
                self.out,
                r#"<text x="{:.1}" y="{:.1}" class="more">+{} more</text>"#,
                bx + 6.0,
                by + LINE_H * (MAX_LISTED as f64 + 2.0),
                n - MAX_LISTED
            );
        }
        h
    }
}

/// The chart as an SVG document. `names`: show names (else ids only);
/// `peer`: draw the peer-team transformation instead of the hierarchy.
pub fn svg(chart: &Chart, names: bool, peer: bool) -> String {
    let plan = chart.plan(!peer, 1);
    let mut team_of = vec![None; chart.len()];
    for (t, &lead) in plan.team_lead.iter().enumerate() {
        team_of[lead as usize] = Some(t);
    }
    let mut d = Drawer {
        chart,
        names,
        peer,
        team_of,
        teams: plan.teams,
        budget: Budget::new(chart),
        out: String::new(),
        height: 0.0,
    };
    let mut memo = vec![0.0; chart.len()];
    let w = d.width(chart.root, &mut memo);
    d.draw(chart.root, 20.0, 0, &memo);
    let s = chart.summary();
    let cut = if d.budget.below.iter().any(Option::is_some) {
        format!(
            "; managers drawn to level {} from the top",
            d.budget.last + 1
        )
    } else {
        String::new()
    };
    let title = format!(
        "{} positions ({} vacant), {} managers, {} teams, {} levels{cut}{}",
        s.people,
        s.vacancies,
        s.managers,
        s.teams,
        s.levels,
        if peer {
            " — as peer teams (★ former manager; dashed: coordinator roles)"
        } else {
            ""
        }
    );
    // Wide enough for the caption too (about 7 points a character at 12).
    let caption = 7.0 * title.chars().count() as f64;
    let (width, height) = ((w + 40.0).max(caption + 40.0), d.height + 30.0);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="10">
<style>.edge{{fill:none;stroke:#888;stroke-width:1}}.node{{fill:#dbe8f6;stroke:#2c5d8f}}.coord{{fill:#fff4dd;stroke:#a86b00;stroke-dasharray:4 2}}.team{{fill:#f3f3f3;stroke:#999}}.head{{font-weight:bold}}.more{{fill:#666;font-style:italic}}</style>
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="{:.0}" font-size="12">{}</text>
{}</svg>
"##,
        height - 10.0,
        esc(&title),
        d.out
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Chart {
        let bytes = std::fs::read("scenarios/data/acme.csv").unwrap();
        crate::org::chart::parse("acme.csv", &bytes).unwrap()
    }

    fn width(svg: &str) -> f64 {
        let at = svg.find("width=\"").unwrap() + 7;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    }

    fn parse(csv: &str) -> Chart {
        crate::org::chart::parse("c.csv", csv.as_bytes()).unwrap()
    }

    /// A 50,000-level chain overflowed the stack when drawn recursively.
    #[test]
    fn a_very_deep_chart_is_drawn_to_a_bounded_depth() {
        let mut csv = String::from("id,manager_id\nP0,\n");
        for i in 1..50_000 {
            csv.push_str(&format!("P{i},P{}\n", i - 1));
        }
        let svg = svg(&parse(&csv), false, false);
        assert_eq!(
            svg.matches(r#"class="node""#).count(),
            MAX_DRAWN_LEVELS as usize
        );
        let below = 50_000 - MAX_DRAWN_LEVELS as usize;
        assert!(svg.contains(&format!("+{below} people")), "{svg}");
        assert!(svg.contains("managers drawn to level 12"));
    }

    /// A 100,000-person chart (took 10 GB and 100 s when drawn in full).
    #[test]
    fn a_huge_chart_draws_a_bounded_number_of_managers() {
        let mut csv = String::from("id,manager_id\nP0,\n");
        for i in 1..100_000 {
            csv.push_str(&format!("P{i},P{}\n", (i - 1) / 6));
        }
        let chart = parse(&csv);
        let svg = svg(&chart, false, false);
        let drawn = svg.matches(r#"class="node""#).count();
        assert!(
            (100..=MAX_DRAWN_MANAGERS).contains(&drawn),
            "{drawn} managers drawn"
        );
        assert!(svg.contains(" levels below"));
        assert!(svg.len() < 4_000_000, "{} bytes", svg.len());
    }

    #[test]
    fn every_team_and_manager_is_drawn_in_a_readable_width() {
        let chart = acme();
        let s = chart.summary();
        for peer in [false, true] {
            let svg = svg(&chart, false, peer);
            for t in 1..=s.teams {
                assert!(
                    svg.contains(&format!(">team {t} · ")),
                    "team {t} (peer {peer})"
                );
            }
            for p in 0..chart.len() as u32 {
                if chart.is_manager(p) {
                    assert!(svg.contains(&chart.people[p as usize].id), "manager {p}");
                }
            }
            // A row of all 44 teams was 5,482 points wide.
            assert!(width(&svg) < 2000.0, "{} wide (peer {peer})", width(&svg));
        }
    }
}
