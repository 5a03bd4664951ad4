//! The starting organization (`organization.csv`) as a tree: leadership
//! posts above, teams as boxes (members collapsed into counts, team-level
//! roles as badges). Variants with the same organization share one chart.
//! Big organizations are summarized by collapsing the lowest posts with
//! their teams into cluster boxes.

use std::collections::{BTreeMap, HashMap};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::charts::{Chart, render};
use super::data::{OrgVariant, Results};
use super::style::*;
use super::{HEIGHT, PlotError, WIDTH};

const MAX_LEAVES: usize = 14;
const MAX_DRAWN: usize = 30;

const DEDICATED: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const MEMBER_ROLE: RGBColor = RGBColor(0xD6, 0xE9, 0xF5);
const VACANT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const TEAM_FILL: RGBColor = RGBColor(0xF3, 0xF3, 0xF3);

#[derive(Clone, Debug)]
struct Post {
    id: String,
    parent: String,
    team: Option<i64>,
    level: i64,
    domain: Option<i64>,
    dedicated: bool,
    holder: String,
    domain_name: String,
}

impl Post {
    fn upper(&self) -> bool {
        self.level >= 2 || self.team.is_none()
    }
    fn vacant(&self) -> bool {
        self.holder.is_empty()
    }
    fn scope(&self) -> String {
        match self.domain {
            Some(_) if !self.domain_name.is_empty() => self.domain_name.clone(),
            Some(d) => format!("domain {d}"),
            None => "all domains".into(),
        }
    }
    fn badge(&self) -> String {
        match self.domain {
            Some(_) if !self.domain_name.is_empty() => self.domain_name.chars().take(5).collect(),
            Some(d) => format!("D{d}"),
            None => "L".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Agg {
    teams: usize,
    members: usize,
    posts: usize,
    vacant: usize,
    dedicated: usize,
}

#[derive(Clone, Debug)]
enum Kind {
    Post(usize),
    Team(i64),
    Cluster(usize, Agg),
}

#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    children: Vec<usize>,
    row: i64,
    x: f64,
    /// Reachable from a root (collapsed subtrees are not drawn).
    live: bool,
}

struct Org {
    posts: Vec<Post>,
    members: BTreeMap<i64, usize>,
    /// First post with each id.
    by_id: HashMap<String, usize>,
    /// Team-level posts of each team, in file order.
    by_team: HashMap<i64, Vec<usize>>,
}

impl Org {
    fn from_variant(o: &OrgVariant) -> Org {
        let posts: Vec<Post> = o
            .posts
            .iter()
            .map(|r| Post {
                id: r.id.clone(),
                parent: r.parent.clone(),
                team: r.team,
                level: r.level.unwrap_or(1),
                domain: r.domain,
                dedicated: r.dedicated,
                holder: r.holder.clone(),
                domain_name: r.domain_name.clone(),
            })
            .collect();
        let mut members = o.members.clone();
        let mut by_id = HashMap::with_capacity(posts.len());
        let mut by_team: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, p) in posts.iter().enumerate() {
            by_id.entry(p.id.clone()).or_insert(i);
            if let (false, Some(t)) = (p.upper(), p.team) {
                members.entry(t).or_default();
                by_team.entry(t).or_default().push(i);
            }
        }
        Org {
            posts,
            members,
            by_id,
            by_team,
        }
    }

    fn post_idx(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    fn team_posts(&self, t: i64) -> impl Iterator<Item = &Post> {
        self.by_team
            .get(&t)
            .into_iter()
            .flatten()
            .map(|&i| &self.posts[i])
    }
}

/// Builds the display tree; returns nodes, roots and extra (non-tree)
/// edges from a post node to a team node.
fn build(org: &Org) -> (Vec<Node>, Vec<usize>, Vec<(usize, usize)>) {
    let mut nodes: Vec<Node> = Vec::new();
    let mut post_node: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, p) in org.posts.iter().enumerate() {
        if p.upper() {
            post_node.insert(i, nodes.len());
            nodes.push(Node {
                kind: Kind::Post(i),
                children: Vec::new(),
                row: -p.level,
                x: 0.0,
                live: true,
            });
        }
    }
    let mut team_node: BTreeMap<i64, usize> = BTreeMap::new();
    for &t in org.members.keys() {
        team_node.insert(t, nodes.len());
        nodes.push(Node {
            kind: Kind::Team(t),
            children: Vec::new(),
            row: 0,
            x: 0.0,
            live: true,
        });
    }
    let mut has_parent = vec![false; nodes.len()];
    let mut extra = Vec::new();
    for (&pi, &n) in &post_node {
        if let Some(&parent) = org
            .post_idx(&org.posts[pi].parent)
            .and_then(|q| post_node.get(&q))
            && parent != n
        {
            nodes[parent].children.push(n);
            has_parent[n] = true;
        }
    }
    // A manager above the teams may also lead a team of their own direct
    // reports (an imported chart): that team hangs from their post.
    let mut led_by: BTreeMap<i64, usize> = BTreeMap::new();
    for (&pi, &n) in &post_node {
        if let Some(t) = org.posts[pi].team {
            led_by.entry(t).or_insert(n);
        }
    }
    for (&t, &n) in &team_node {
        let mut parents: Vec<usize> = org
            .team_posts(t)
            .filter_map(|p| {
                org.post_idx(&p.parent)
                    .and_then(|q| post_node.get(&q).copied())
            })
            .collect();
        if parents.is_empty() {
            parents.extend(led_by.get(&t).copied());
        }
        parents.dedup();
        let mut seen = Vec::new();
        for (k, par) in parents.into_iter().enumerate() {
            if seen.contains(&par) {
                continue;
            }
            seen.push(par);
            if k == 0 {
                nodes[par].children.push(n);
                has_parent[n] = true;
            } else {
                extra.push((par, n));
            }
        }
    }
    // Guard against cycles in parent links: a root is anything without a
    // parent; nodes only reachable through a cycle become roots too.
    let mut roots: Vec<usize> = (0..nodes.len()).filter(|&n| !has_parent[n]).collect();
    let mut reached = vec![false; nodes.len()];
    let mut stack = roots.clone();
    while let Some(n) = stack.pop() {
        if !reached[n] {
            reached[n] = true;
            stack.extend(nodes[n].children.iter().copied());
        }
    }
    for (n, r) in reached.iter().enumerate() {
        if !r {
            roots.push(n);
            nodes[n].children.clear();
        }
    }
    (nodes, roots, extra)
}

fn agg(org: &Org, nodes: &[Node], n: usize, seen: &mut Vec<bool>) -> Agg {
    let mut a = Agg::default();
    if seen[n] {
        return a;
    }
    seen[n] = true;
    match nodes[n].kind {
        Kind::Post(i) => {
            let p = &org.posts[i];
            a.posts += 1;
            a.vacant += p.vacant() as usize;
            a.dedicated += p.dedicated as usize;
        }
        Kind::Team(t) => {
            a.teams += 1;
            a.members += org.members.get(&t).copied().unwrap_or(0);
            for p in org.team_posts(t) {
                a.posts += 1;
                a.vacant += p.vacant() as usize;
                a.dedicated += p.dedicated as usize;
            }
        }
        Kind::Cluster(_, c) => {
            a = c;
        }
    }
    for &c in &nodes[n].children {
        let b = agg(org, nodes, c, seen);
        a.teams += b.teams;
        a.members += b.members;
        a.posts += b.posts;
        a.vacant += b.vacant;
        a.dedicated += b.dedicated;
    }
    a
}

fn leaves(nodes: &[Node], roots: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
    let mut seen = vec![false; nodes.len()];
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        if nodes[n].children.is_empty() {
            out.push(n);
        } else {
            stack.extend(nodes[n].children.iter().rev().copied());
        }
    }
    out
}

/// Collapses the lowest posts into clusters until few enough leaves remain.
fn summarize(org: &Org, nodes: &mut [Node], roots: &[usize]) -> bool {
    let mut collapsed = false;
    let mut is_root = vec![false; nodes.len()];
    for &r in roots {
        is_root[r] = true;
    }
    while leaves(nodes, roots).len() > MAX_LEAVES {
        // Roots are never collapsed: one box for the whole organization
        // would say nothing.
        let candidates: Vec<usize> = (0..nodes.len())
            .filter(|&n| {
                matches!(nodes[n].kind, Kind::Post(_))
                    && !is_root[n]
                    && !nodes[n].children.is_empty()
                    && nodes[n]
                        .children
                        .iter()
                        .all(|&c| nodes[c].children.is_empty())
            })
            .collect();
        if candidates.is_empty() {
            break;
        }
        // A node has one parent in the tree, so the candidates' subtrees
        // are disjoint and one `seen` serves them all.
        let mut seen = vec![false; nodes.len()];
        for n in candidates {
            let a = agg(org, nodes, n, &mut seen);
            if let Kind::Post(i) = nodes[n].kind {
                nodes[n].kind = Kind::Cluster(i, a);
            }
            nodes[n].children.clear();
        }
        collapsed = true;
    }
    collapsed
}

fn layout(nodes: &mut [Node], roots: &[usize]) -> usize {
    let lv = leaves(nodes, roots);
    for (i, &n) in lv.iter().enumerate() {
        nodes[n].x = i as f64;
    }
    fn place(nodes: &mut [Node], n: usize, depth: usize) -> f64 {
        if nodes[n].children.is_empty() || depth > 64 {
            return nodes[n].x;
        }
        let kids = nodes[n].children.clone();
        let xs: Vec<f64> = kids.iter().map(|&c| place(nodes, c, depth + 1)).collect();
        let x = (xs.iter().cloned().fold(f64::INFINITY, f64::min)
            + xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max))
            / 2.0;
        nodes[n].x = x;
        x
    }
    for &r in roots {
        place(nodes, r, 0);
    }
    // Leaves sit on the bottom row, whatever their level.
    let max_row = nodes.iter().map(|n| n.row).max().unwrap_or(0);
    for &n in &lv {
        nodes[n].row = max_row;
    }
    lv.len()
}

/// Network layout: teams evenly spaced on the bottom row, posts of each
/// level evenly spaced on their row. Returns the number of teams.
fn layout_network(nodes: &mut [Node]) -> usize {
    let teams: Vec<usize> = (0..nodes.len())
        .filter(|&n| matches!(nodes[n].kind, Kind::Team(_)))
        .collect();
    let shown = teams.len().clamp(1, MAX_DRAWN);
    for (i, &n) in teams.iter().enumerate() {
        nodes[n].x = i as f64;
        nodes[n].row = 0;
    }
    let mut rows: Vec<i64> = nodes
        .iter()
        .filter(|n| !matches!(n.kind, Kind::Team(_)))
        .map(|n| n.row)
        .collect();
    rows.sort();
    rows.dedup();
    for row in rows {
        let members: Vec<usize> = (0..nodes.len())
            .filter(|&n| nodes[n].row == row && !matches!(nodes[n].kind, Kind::Team(_)))
            .collect();
        let k = members.len() as f64;
        for (i, &n) in members.iter().enumerate() {
            nodes[n].x = (i as f64 + 0.5) * shown as f64 / k - 0.5;
        }
    }
    teams.len()
}

/// Draws one organization into `area`.
fn draw_org(area: &Area, org: &Org, x0: i32, y0: i32, w: i32, h: i32) -> DResult<String> {
    let (mut nodes, roots, extra) = build(org);
    // Teams reporting to several posts (e.g. one coordinator per domain)
    // form a network, not a tree: posts in rows above, straight links.
    let network = !extra.is_empty();
    let (collapsed, n_leaves) = if network {
        (false, layout_network(&mut nodes).max(1))
    } else {
        let c = summarize(org, &mut nodes, &roots);
        (c, layout(&mut nodes, &roots).max(1))
    };
    let mut note = String::new();
    if collapsed {
        note = "big organization: the lowest leadership posts are drawn with their teams collapsed into one box".into();
    }
    let shown_leaves = n_leaves.min(MAX_DRAWN);
    if n_leaves > MAX_DRAWN {
        note = format!(
            "{}{}showing the first {MAX_DRAWN} of {n_leaves} boxes",
            note,
            if note.is_empty() { "" } else { "; " }
        );
    }
    mark_live(&mut nodes, &roots);
    let frame = Frame::new(&nodes, shown_leaves, x0, y0, w, h);
    // Edges first: straight links in a network, coloured by domain;
    // elbow connectors in a tree.
    if network {
        draw_network_links(area, org, &nodes, &extra, &frame)?;
    } else {
        draw_tree_links(area, &nodes, &frame)?;
    }
    for n in nodes.iter().filter(|n| frame.visible(n)) {
        match &n.kind {
            Kind::Post(i) | Kind::Cluster(i, _) => draw_post(area, &org.posts[*i], n, &frame)?,
            Kind::Team(t) => draw_team(area, org, *t, n, &frame)?,
        }
    }
    Ok(note)
}

/// Marks the nodes still reachable from a root (collapsed subtrees are not).
fn mark_live(nodes: &mut [Node], roots: &[usize]) {
    let mut reach = vec![false; nodes.len()];
    let mut stack = roots.to_vec();
    while let Some(n) = stack.pop() {
        if !std::mem::replace(&mut reach[n], true) {
            stack.extend(nodes[n].children.iter().copied());
        }
    }
    for (n, r) in nodes.iter_mut().zip(&reach) {
        n.live = *r;
    }
}

/// A node's box as drawn: its top, its corners in pixels, its centre line
/// and the widest text that fits in it.
struct Boxed {
    y: f64,
    r: [(i32, i32); 2],
    mid: i32,
    maxw: u32,
}

/// Where the drawing puts each node: one slot per leaf across, the rows
/// of drawn nodes top to bottom, centred in the area.
struct Frame {
    /// Rows with a drawn node, top first.
    rows: Vec<i64>,
    x0: f64,
    top: f64,
    slot: f64,
    box_w: f64,
    leaf_h: f64,
    post_h: f64,
    row_gap: f64,
    shown_leaves: usize,
    /// Font size in the boxes.
    fs: u32,
}

impl Frame {
    /// Node `n`'s box.
    fn boxed(&self, n: &Node) -> Boxed {
        let (x, y) = (self.cx(n) - self.box_w / 2.0, self.row_y(n.row));
        Boxed {
            y,
            r: [
                (x as i32, y as i32),
                ((x + self.box_w) as i32, (y + self.height(n)) as i32),
            ],
            mid: (x + self.box_w / 2.0) as i32,
            maxw: (self.box_w - 8.0) as u32,
        }
    }

    fn new(nodes: &[Node], shown_leaves: usize, x0: i32, y0: i32, w: i32, h: i32) -> Frame {
        let mut rows: Vec<i64> = nodes
            .iter()
            .filter(|n| n.live && n.x < shown_leaves as f64 - 0.25)
            .map(|n| n.row)
            .collect();
        rows.sort();
        rows.dedup();
        let n_rows = rows.len().max(1);
        let slot = w as f64 / shown_leaves as f64;
        let box_w = (slot * 0.86).min(230.0);
        let leaf_h = 140.0_f64.min(h as f64 * 0.5);
        let post_h = 64.0;
        let row_gap = if n_rows > 1 {
            ((h as f64 - leaf_h - post_h * (n_rows - 1) as f64) / (n_rows - 1) as f64)
                .clamp(20.0, 140.0)
        } else {
            0.0
        };
        let total_h = leaf_h + (post_h + row_gap) * (n_rows - 1) as f64;
        let top = y0 as f64 + (h as f64 - total_h).max(0.0) / 2.0;
        let fs = if box_w < 110.0 {
            13
        } else if box_w < 160.0 {
            15
        } else {
            18
        };
        Frame {
            rows,
            x0: x0 as f64,
            top,
            slot,
            box_w,
            leaf_h,
            post_h,
            row_gap,
            shown_leaves,
            fs,
        }
    }

    /// Top of a row.
    fn row_y(&self, row: i64) -> f64 {
        let k = self.rows.iter().position(|r| *r == row).unwrap_or(0);
        self.top + k as f64 * (self.post_h + self.row_gap)
    }

    /// Centre of a node across.
    fn cx(&self, n: &Node) -> f64 {
        self.x0 + (n.x + 0.5) * self.slot
    }

    /// Whether a node is drawn: live and among the first boxes shown.
    fn visible(&self, n: &Node) -> bool {
        n.live && n.x < self.shown_leaves as f64 - 0.25
    }

    /// A node's box height: posts are short, teams and clusters tall.
    fn height(&self, n: &Node) -> f64 {
        if matches!(n.kind, Kind::Post(_)) {
            self.post_h
        } else {
            self.leaf_h
        }
    }
}

/// A network's links: straight, coloured by the deciding post's domain.
fn draw_network_links(
    area: &Area,
    org: &Org,
    nodes: &[Node],
    extra: &[(usize, usize)],
    f: &Frame,
) -> DResult<()> {
    let mut links: Vec<(usize, usize)> = extra.to_vec();
    for (i, n) in nodes.iter().enumerate() {
        links.extend(n.children.iter().map(|&c| (i, c)));
    }
    for (p, c) in links {
        let (pn, cn) = (&nodes[p], &nodes[c]);
        if !(f.visible(pn) && f.visible(cn)) {
            continue;
        }
        let colour = match pn.kind {
            Kind::Post(i) => org.posts[i].domain.map_or(SUBTLE, |d| {
                OKABE_ITO[d.unsigned_abs() as usize % OKABE_ITO.len()]
            }),
            _ => SUBTLE,
        };
        area.draw(&PathElement::new(
            vec![
                (f.cx(pn) as i32, (f.row_y(pn.row) + f.height(pn)) as i32),
                (f.cx(cn) as i32, f.row_y(cn.row) as i32),
            ],
            colour.mix(0.7).stroke_width(2),
        ))?;
    }
    Ok(())
}

/// A tree's links: elbow connectors from each box down to its children.
fn draw_tree_links(area: &Area, nodes: &[Node], f: &Frame) -> DResult<()> {
    for n in nodes.iter().filter(|n| f.visible(n)) {
        let (px, py) = (f.cx(n), f.row_y(n.row) + f.height(n));
        for &c in &n.children {
            let cn = &nodes[c];
            if !f.visible(cn) {
                continue;
            }
            let (qx, qy) = (f.cx(cn), f.row_y(cn.row));
            let mid = py + (qy - py) / 2.0;
            area.draw(&PathElement::new(
                vec![
                    (px as i32, py as i32),
                    (px as i32, mid as i32),
                    (qx as i32, mid as i32),
                    (qx as i32, qy as i32),
                ],
                SUBTLE.stroke_width(2),
            ))?;
        }
    }
    Ok(())
}

/// A post's box (id, scope, holder); a cluster's also counts what it holds.
fn draw_post(area: &Area, p: &Post, n: &Node, f: &Frame) -> DResult<()> {
    let (fs, box_w, post_h) = (f.fs, f.box_w, f.post_h);
    let Boxed { y, r, mid, maxw } = f.boxed(n);
    let (fill, ink) = post_colors(p);
    let head_h = if let Kind::Cluster(..) = n.kind {
        post_h
    } else {
        f.height(n)
    };
    area.draw(&Rectangle::new(
        [r[0], (r[1].0, y as i32 + head_h as i32)],
        fill.filled(),
    ))?;
    area.draw(&Rectangle::new(
        r,
        if p.vacant() {
            VACANT.stroke_width(3)
        } else {
            DEDICATED.stroke_width(2)
        },
    ))?;
    let who = if p.vacant() {
        "VACANT".to_string()
    } else {
        p.holder.clone()
    };
    let head = if box_w >= 170.0 {
        format!("{} · {}", p.id, p.scope())
    } else {
        match p.domain {
            Some(_) => format!("{} · {}", p.id, p.badge()),
            None => p.id.clone(),
        }
    };
    area.draw(&Text::new(
        fit(&head, fs, maxw),
        (mid, y as i32 + 8),
        anchored(font_c(fs, ink), HPos::Center, VPos::Top),
    ))?;
    area.draw(&Text::new(
        fit(&who, fs, maxw),
        (mid, y as i32 + 12 + fs as i32),
        anchored(
            font_c(fs, if p.vacant() { VACANT } else { ink }),
            HPos::Center,
            VPos::Top,
        ),
    ))?;
    if let Kind::Cluster(_, a) = n.kind {
        let mut lines = vec![
            (plural(a.teams, "team"), INK),
            (plural(a.members, "member"), INK),
            (plural(a.posts, "post"), INK),
        ];
        if a.vacant > 0 {
            lines.push((format!("{} vacant", a.vacant), VACANT));
        }
        let lh = ((f.leaf_h - post_h - 6.0) / lines.len() as f64).min(fs as f64 + 4.0) as i32;
        for (k, (l, c)) in lines.iter().enumerate() {
            area.draw(&Text::new(
                fit(l, fs, maxw),
                (mid, y as i32 + post_h as i32 + 3 + k as i32 * lh),
                anchored(font_c(fs, *c), HPos::Center, VPos::Top),
            ))?;
        }
    }
    Ok(())
}

/// A team's box: its name, member count and team-level roles as badges
/// (or a count, when too many to fit in two rows).
fn draw_team(area: &Area, org: &Org, t: i64, n: &Node, f: &Frame) -> DResult<()> {
    let (fs, box_w) = (f.fs, f.box_w);
    let Boxed { y, r, mid, maxw } = f.boxed(n);
    area.draw(&Rectangle::new(r, TEAM_FILL.filled()))?;
    area.draw(&Rectangle::new(r, SUBTLE.stroke_width(1)))?;
    let m = org.members.get(&t).copied().unwrap_or(0);
    area.draw(&Text::new(
        fit(&format!("Team {t}"), fs + 1, maxw),
        (mid, y as i32 + 6),
        anchored(font(fs + 1), HPos::Center, VPos::Top),
    ))?;
    area.draw(&Text::new(
        fit(&plural(m, "member"), fs, maxw),
        (mid, y as i32 + 12 + fs as i32),
        anchored(font_c(fs, SUBTLE), HPos::Center, VPos::Top),
    ))?;
    let roles: Vec<&Post> = org.team_posts(t).collect();
    let bs = (fs + 12) as f64;
    let per_row = ((box_w - 8.0) / (bs + 4.0)).floor().max(1.0) as usize;
    let by = y + 18.0 + 2.0 * fs as f64;
    if roles.len() > per_row * 2 {
        let vac = roles.iter().filter(|p| p.vacant()).count();
        area.draw(&Text::new(
            fit(&format!("{} roles, {vac} vacant", roles.len()), fs, maxw),
            (mid, by as i32),
            anchored(font(fs), HPos::Center, VPos::Top),
        ))?;
        return Ok(());
    }
    for (k, p) in roles.iter().enumerate() {
        let (row, col) = (k / per_row, k % per_row);
        let in_row = (roles.len() - row * per_row).min(per_row);
        let bx = mid as f64 - (in_row as f64 * (bs + 4.0) - 4.0) / 2.0 + col as f64 * (bs + 4.0);
        let byy = by + row as f64 * (bs + 4.0);
        let (fill, ink) = post_colors(p);
        let br = [
            (bx as i32, byy as i32),
            ((bx + bs) as i32, (byy + bs) as i32),
        ];
        area.draw(&Rectangle::new(br, fill.filled()))?;
        area.draw(&Rectangle::new(
            br,
            if p.vacant() {
                VACANT.stroke_width(3)
            } else {
                DEDICATED.stroke_width(1)
            },
        ))?;
        area.draw(&Text::new(
            p.badge(),
            ((bx + bs / 2.0) as i32, (byy + bs / 2.0) as i32),
            anchored(font_c(fs - 3, ink), HPos::Center, VPos::Center),
        ))?;
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn post_colors(p: &Post) -> (RGBColor, RGBColor) {
    if p.vacant() {
        (WHITE, VACANT)
    } else if p.dedicated {
        (DEDICATED, WHITE)
    } else {
        (MEMBER_ROLE, INK)
    }
}

/// One chart per distinct starting organization.
pub fn charts(r: &Results) -> Result<Vec<Chart>, PlotError> {
    if r.org.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (vs, o) in same_organizations(r) {
        out.push(organization_chart(r, &vs, o)?);
    }
    Ok(out)
}

/// The variants grouped by identical organization rows, in variant order,
/// with each group's organization.
fn same_organizations(r: &Results) -> Vec<(Vec<String>, &OrgVariant)> {
    let mut groups: Vec<(Vec<String>, &OrgVariant)> = Vec::new();
    let mut names: Vec<String> = r.variants.iter().map(|v| v.name.clone()).collect();
    for o in &r.org {
        if !names.contains(&o.variant) {
            names.push(o.variant.clone());
        }
    }
    for name in &names {
        let Some(o) = r.org.iter().find(|o| &o.variant == name) else {
            continue;
        };
        let same = |a: &OrgVariant| {
            a.posts == o.posts
                && a.members == o.members
                && a.other_rows == o.other_rows
                && a.other_digest == o.other_digest
        };
        match groups.iter_mut().find(|(_, g)| same(g)) {
            Some((vs, _)) => vs.push(name.clone()),
            None => groups.push((vec![name.clone()], o)),
        }
    }
    groups
}

/// The chart of one organization shared by the variants `vs`.
fn organization_chart(r: &Results, vs: &[String], o: &OrgVariant) -> Result<Chart, PlotError> {
    let org = Org::from_variant(o);
    let structure = r
        .variants
        .iter()
        .find(|v| v.name == vs[0])
        .map(|v| v.structure.clone())
        .unwrap_or_default();
    let n_members: usize = org.members.values().sum();
    let vacant = org.posts.iter().filter(|p| p.vacant()).count();
    let dedicated = org.posts.iter().filter(|p| p.dedicated).count();
    let levels = org.posts.iter().map(|p| p.level).max().unwrap_or(0);
    let who = if vs.len() <= 4 {
        vs.join(", ")
    } else {
        format!("{}, … ({} variants)", vs[..3].join(", "), vs.len())
    };
    let title = if structure.is_empty() {
        format!("Starting organization: {who}")
    } else {
        format!("Starting organization ({structure}): {who}")
    };
    let facts = format!(
        "{n_members} members in {} teams · {} leadership posts on {levels} level(s), {dedicated} full-time managers, {vacant} vacant",
        org.members.len(),
        org.posts.len()
    );
    let name = format!("organization_{}", slug(&vs[0]));
    let mut note = String::new();
    let svg = render(&name, |root| {
        let top = draw_title(root, &title, &facts)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        note = draw_org(
            &main,
            &org,
            20,
            top + 20,
            (WIDTH - LEGEND_W - 40) as i32,
            HEIGHT as i32 - top - 70,
        )?;
        if !note.is_empty() {
            main.draw(&Text::new(
                fit(&note, 18, WIDTH - LEGEND_W - 40),
                (20, HEIGHT as i32 - 36),
                anchored(font_c(18, SUBTLE), HPos::Left, VPos::Top),
            ))?;
        }
        draw_org_legend(&legend, top)
    })?;
    Ok(Chart {
        name,
        section: "Organization at start",
        title,
        caption: format!(
            "{facts}.{}",
            if note.is_empty() {
                String::new()
            } else {
                format!(" ({note}.)")
            }
        ),
        svg,
    })
}

/// The legend: what the boxes' colours, the badges and the lines mean.
fn draw_org_legend(legend: &Area, top: i32) -> DResult<()> {
    let items = vec![
        ("full-time manager".to_string(), Swatch::Box(DEDICATED)),
        (
            "role held by a member".to_string(),
            Swatch::Box(MEMBER_ROLE),
        ),
        ("vacant post".to_string(), Swatch::Box(VACANT)),
        (
            "team (members counted)".to_string(),
            Swatch::Box(RGBColor(0xDD, 0xDD, 0xDD)),
        ),
    ];
    draw_legend(legend, 10, top + 20, "Leadership posts", &items)?;
    let y = top + 20 + 36 + 34 * items.len() as i32 + 20;
    for (k, line) in [
        "Badges inside a team:",
        "L = team lead (all domains)",
        "D2 = lead for domain 2 only",
        "Lines: who reports to whom",
        "(coloured by domain when",
        "teams report to several)",
    ]
    .iter()
    .enumerate()
    {
        legend.draw(&Text::new(
            *line,
            (10, y + k as i32 * 28),
            anchored(font_c(19, SUBTLE), HPos::Left, VPos::Top),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str, parent: &str, team: Option<i64>, level: i64) -> Post {
        Post {
            id: id.into(),
            parent: parent.into(),
            team,
            level,
            domain: None,
            dedicated: true,
            holder: format!("m-{id}"),
            domain_name: String::new(),
        }
    }

    #[test]
    fn a_team_led_from_above_hangs_from_its_leader() {
        // The head (level 2) leads team 5 directly and team 0 through p1.
        let posts = vec![post("p0", "", Some(5), 2), post("p1", "p0", Some(0), 1)];
        let mut by_id = HashMap::new();
        by_id.insert("p0".to_string(), 0);
        by_id.insert("p1".to_string(), 1);
        let org = Org {
            posts,
            members: BTreeMap::from([(0, 3), (5, 2)]),
            by_id,
            by_team: HashMap::from([(0, vec![1])]),
        };
        let (nodes, roots, extra) = build(&org);
        assert_eq!(roots.len(), 1, "one tree, no stray teams");
        assert!(extra.is_empty());
        let mut seen = vec![false; nodes.len()];
        let a = agg(&org, &nodes, roots[0], &mut seen);
        assert_eq!((a.teams, a.members), (2, 5));
    }
}
