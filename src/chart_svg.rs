//! Draws an org chart as SVG: a layered tree of managers with a box per team
//! (`orgsim chart`). With `peer`, the same people as peer teams: each
//! manager sits in a team as a working member, and managers of managers
//! hold coordinator roles (dashed). Ids label people; names only on request.

use std::fmt::Write;

use crate::org::Chart;

const NODE_W: f64 = 110.0;
const NODE_H: f64 = 26.0;
const GAP: f64 = 14.0;
const LEVEL_H: f64 = 70.0;
const LINE_H: f64 = 13.0;
const MAX_LISTED: usize = 12;

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

    fn manager_kids(&self, m: u32) -> Vec<u32> {
        self.chart
            .reports(m)
            .iter()
            .copied()
            .filter(|&c| self.chart.is_manager(c))
            .collect()
    }

    /// Width of a manager's block: its child managers and its team box side by side.
    fn width(&self, m: u32, memo: &mut [f64]) -> f64 {
        let kids = self.manager_kids(m);
        let mut w: f64 = kids.iter().map(|&c| self.width(c, memo) + GAP).sum();
        if self.team_of[m as usize].is_some() {
            w += NODE_W + GAP;
        }
        let w = (w - GAP).max(NODE_W);
        memo[m as usize] = w;
        w
    }

    fn draw(&mut self, m: u32, x0: f64, depth: u32, memo: &[f64]) -> f64 {
        let w = memo[m as usize];
        let cx = x0 + w / 2.0;
        let y = 20.0 + depth as f64 * LEVEL_H;
        let kids = self.manager_kids(m);
        let mut x = x0;
        let child_y = y + LEVEL_H;
        let total: f64 = kids.iter().map(|&c| memo[c as usize] + GAP).sum::<f64>()
            + if self.team_of[m as usize].is_some() {
                NODE_W + GAP
            } else {
                0.0
            }
            - GAP;
        x += (w - total.max(0.0)) / 2.0;
        for &c in &kids {
            let ccx = self.draw(c, x, depth + 1, memo);
            let _ = writeln!(
                self.out,
                r#"<path d="M{cx:.1},{:.1} V{:.1} H{ccx:.1} V{child_y:.1}" class="edge"/>"#,
                y + NODE_H,
                y + NODE_H + (LEVEL_H - NODE_H) / 2.0
            );
            x += memo[c as usize] + GAP;
        }
        let leads_team_only = kids.is_empty();
        if let Some(t) = self.team_of[m as usize] {
            let h = self.team_box_h(t);
            let bx = x;
            let _ = writeln!(
                self.out,
                r#"<path d="M{cx:.1},{:.1} V{:.1} H{:.1} V{child_y:.1}" class="edge"/>"#,
                y + NODE_H,
                y + NODE_H + (LEVEL_H - NODE_H) / 2.0,
                bx + NODE_W / 2.0
            );
            let _ = writeln!(
                self.out,
                r#"<rect x="{bx:.1}" y="{child_y:.1}" width="{NODE_W}" height="{h:.1}" rx="6" class="team"/>"#
            );
            let n = self.teams[t].len();
            let _ = writeln!(
                self.out,
                r#"<text x="{:.1}" y="{:.1}" class="head">{}</text>"#,
                bx + 6.0,
                child_y + LINE_H,
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
                    child_y + LINE_H * (i as f64 + 2.0),
                    esc(&clip(&format!("{mark}{}", self.label(p)), 19))
                );
            }
            if n > MAX_LISTED {
                let _ = writeln!(
                    self.out,
                    r#"<text x="{:.1}" y="{:.1}" class="more">+{} more</text>"#,
                    bx + 6.0,
                    child_y + LINE_H * (MAX_LISTED as f64 + 2.0),
                    n - MAX_LISTED
                );
            }
            self.height = self.height.max(child_y + h + 20.0);
        }
        // The node itself: a manager, or in a peer structure a coordinator role
        // (managers of a team only are drawn inside it).
        if !(self.peer && leads_team_only && self.chart.people[m as usize].manager.is_some()) {
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
        self.height = self.height.max(y + NODE_H + 20.0);
        cx
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
        out: String::new(),
        height: 0.0,
    };
    let mut memo = vec![0.0; chart.len()];
    let w = d.width(chart.root, &mut memo);
    d.draw(chart.root, 20.0, 0, &memo);
    let s = chart.summary();
    let title = format!(
        "{} positions ({} vacant), {} managers, {} teams, {} levels{}",
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
    let (width, height) = (w + 40.0, d.height + 30.0);
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
