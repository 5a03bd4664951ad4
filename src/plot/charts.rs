//! The cartesian charts: time series, recovery, comparison bars, competition
//! vs collaboration scatter, sweep line and heatmap.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::data::{Event, KEY_METRICS, Results, ScenarioInfo};
use super::style::*;
use super::{HEIGHT, PlotError, WIDTH};
use crate::stats::OnlineStats;

/// One drawn chart, not yet written.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File stem under `charts/`.
    pub name: String,
    /// Section of the report it belongs to.
    pub section: &'static str,
    pub title: String,
    /// One or two plain sentences saying how to read it.
    pub caption: String,
    pub svg: String,
}

/// Draws every chart the data allow.
pub fn all(r: &Results) -> Result<Vec<Chart>, PlotError> {
    let look = Look::new(r.variants.len());
    let mut out = Vec::new();
    let present: Vec<&str> = KEY_METRICS
        .iter()
        .copied()
        .filter(|m| r.ts.metrics.iter().any(|x| x == m))
        .collect();
    let ts_metrics: Vec<String> = if present.is_empty() {
        r.ts.metrics.clone()
    } else {
        present.iter().map(|s| s.to_string()).collect()
    };
    for m in &ts_metrics {
        out.push(timeseries(r, &look, m)?);
    }
    if !present.is_empty() {
        let others: Vec<String> =
            r.ts.metrics
                .iter()
                .filter(|m| !present.contains(&m.as_str()))
                .cloned()
                .collect();
        if !others.is_empty() {
            out.push(small_multiples(r, &look, &others)?);
        }
    }
    if let Some(c) = recovery(r, &look)? {
        out.push(c);
    }
    out.extend(bars(r, &look)?);
    if let Some(c) = scatter(r, &look)? {
        out.push(c);
    }
    if let Some(c) = competition_around_departures(r, &look)? {
        out.push(c);
    }
    if let Some(c) = sweep_line(r)? {
        out.push(c);
    }
    if let Some(c) = heatmap(r)? {
        out.push(c);
    }
    if let Some(c) = sweep_points(r)? {
        out.push(c);
    }
    out.extend(super::org::charts(r)?);
    Ok(out)
}

/// Draws into a fresh 1600×900 SVG.
pub(super) fn render(
    name: &str,
    f: impl FnOnce(&Area) -> DResult<()>,
) -> Result<String, PlotError> {
    let mut svg = String::new();
    let err = |e: DErr| PlotError::Draw {
        chart: name.to_string(),
        message: e.0,
    };
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.into()))?;
        f(&root).map_err(err)?;
        root.present().map_err(|e| err(e.into()))?;
    }
    Ok(svg)
}

fn reps_note(r: &Results) -> String {
    let mut note = if r.replications() == 1 {
        "1 replication (no confidence band)".into()
    } else {
        format!(
            "mean of {} replications, shaded band = 95% confidence interval of the mean",
            r.replications_text()
        )
    };
    if r.summary.collapsed > 0 {
        // A collapsed run is not averaged as if alive (aggregate.csv `n`).
        note.push_str(&format!(
            "; {} runs collapsed: after a collapse, over the runs still alive",
            r.summary.collapsed
        ));
    }
    note
}

/// A line with its band: `(x, mean, half-width)`.
struct Line {
    v: usize,
    pts: Vec<(f64, f64, f64)>,
}

struct Panel {
    title: String,
    x_desc: String,
    y_desc: String,
    x_range: Range<f64>,
    /// Event windows `(start, end)`, shaded, with a dashed line at the start.
    shades: Vec<(f64, f64)>,
    /// Labels above the plot at these x positions.
    labels: Vec<(f64, String)>,
    hline: Option<(f64, String)>,
    /// A thin solid line at y = 0 (a chart of differences).
    zero: bool,
    small: bool,
    /// Dots at every point (sparse x values, e.g. a sweep).
    markers: bool,
}

fn y_range(lines: &[Line], extra: Option<f64>) -> Range<f64> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in lines {
        for &(_, m, h) in &l.pts {
            if m.is_finite() {
                let h = if h.is_finite() { h } else { 0.0 };
                lo = lo.min(m - h);
                hi = hi.max(m + h);
            }
        }
    }
    if let Some(e) = extra {
        lo = lo.min(e);
        hi = hi.max(e);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if lo >= 0.0 && lo < 0.35 * hi {
        lo = 0.0;
    }
    if hi - lo < 1e-12 {
        let d = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        return (lo - d)..(hi + d);
    }
    let pad = (hi - lo) * 0.06;
    let lo2 = if lo == 0.0 { 0.0 } else { lo - pad };
    lo2..(hi + pad)
}

/// Assigns label rows so that labels on one row do not overlap.
fn label_rows(xs_px: &[(i32, u32)]) -> Vec<usize> {
    let mut row_end: Vec<i32> = Vec::new();
    xs_px
        .iter()
        .map(|&(x, w)| {
            for (i, end) in row_end.iter_mut().enumerate() {
                if x > *end + 14 {
                    *end = x + w as i32;
                    return i;
                }
            }
            row_end.push(x + w as i32);
            row_end.len() - 1
        })
        .collect()
}

/// A cartesian plot over `f64` axes, as `build_cartesian_2d` makes it.
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a line panel with bands into `area`.
fn line_panel(area: &Area, p: &Panel, lines: &[Line], look: &Look) -> DResult<()> {
    let (w, _h) = area.dim_in_pixel();
    let (tick, desc) = if p.small { (16, 18) } else { (TICK, DESC) };
    let mut yr = y_range(lines, p.hline.as_ref().map(|h| h.0));
    if p.zero {
        yr = yr.start.min(0.0)..yr.end.max(0.0);
    }
    let yd = tick_decimals(yr.start, yr.end);
    let y_lab_w = [yr.start, yr.end, (yr.start + yr.end) / 2.0]
        .iter()
        .map(|v| text_w(&fmt_tick(*v, yd), tick))
        .max()
        .unwrap_or(40)
        + desc
        + 30;
    let mut top = 10;
    if !p.title.is_empty() {
        area.draw(&Text::new(
            fit(&p.title, desc + 2, w - 20),
            (y_lab_w as i32, 8),
            anchored(font(desc + 2), HPos::Left, VPos::Top),
        ))?;
        top += desc + 14;
    }
    let labels = EventLabels::place(p, tick, y_lab_w, w, top);
    top += labels.n_rows() * (tick + 10);

    let mut chart = ChartBuilder::on(area)
        .margin_top(top)
        .margin_right(30)
        .margin_left(10)
        .margin_bottom(8)
        .x_label_area_size(tick * 2 + desc + 8)
        .y_label_area_size(y_lab_w)
        .build_cartesian_2d(p.x_range.clone(), yr.clone())?;
    let xd = tick_decimals(p.x_range.start, p.x_range.end);
    let x_fmt = |v: &f64| fmt_tick(*v, xd);
    let y_fmt = |v: &f64| fmt_tick(*v, yd);
    chart
        .configure_mesh()
        .x_desc(p.x_desc.as_str())
        .y_desc(p.y_desc.as_str())
        .label_style(font(tick))
        .axis_desc_style(font(desc))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(SUBTLE)
        .x_labels(if p.small { 5 } else { 10 })
        .y_labels(if p.small { 5 } else { 7 })
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;

    draw_guides(&mut chart, p, &yr)?;
    draw_bands(&mut chart, lines, look, &yr)?;
    draw_means(&mut chart, p, lines, look)?;
    labels.draw(area, &chart, p, tick, yr.end)
}

/// Event labels above a line panel: in x order, each on the first row
/// where it does not overlap the one before.
struct EventLabels {
    /// Indices into the panel's labels, by x.
    order: Vec<usize>,
    /// Row of each label in `order`.
    rows: Vec<usize>,
    /// Top of the first row.
    band_top: u32,
}

impl EventLabels {
    /// Rows of event labels above the plot, laid out on estimated positions.
    fn place(p: &Panel, tick: u32, y_lab_w: u32, w: u32, band_top: u32) -> EventLabels {
        let plot_w = w.saturating_sub(y_lab_w + 30) as f64;
        let span = (p.x_range.end - p.x_range.start).max(1e-9);
        let mut order: Vec<usize> = (0..p.labels.len()).collect();
        order.sort_by(|&a, &b| p.labels[a].0.total_cmp(&p.labels[b].0));
        let est: Vec<(i32, u32)> = order
            .iter()
            .map(|&i| {
                let x = y_lab_w as f64 + 10.0 + (p.labels[i].0 - p.x_range.start) / span * plot_w;
                (x as i32, text_w(&p.labels[i].1, tick) + 8)
            })
            .collect();
        let rows = label_rows(&est);
        EventLabels {
            order,
            rows,
            band_top,
        }
    }

    fn n_rows(&self) -> u32 {
        self.rows.iter().max().map_or(0, |m| m + 1) as u32
    }

    /// Event labels on their rows, at the real positions, each with a thin
    /// line down to the plot's top.
    fn draw(&self, area: &Area, chart: &Plot, p: &Panel, tick: u32, y1: f64) -> DResult<()> {
        let (w, _h) = area.dim_in_pixel();
        for (j, &i) in self.order.iter().enumerate() {
            let (x, label) = &p.labels[i];
            let x = x.clamp(p.x_range.start, p.x_range.end);
            let (px, ptop) = rel(area, chart.backend_coord(&(x, y1)));
            let ly = self.band_top as i32 + self.rows[j] as i32 * (tick as i32 + 10);
            let lw = text_w(label, tick) as i32;
            let right_edge = (w as i32) - 4;
            let (tx, anchor) = if px + 4 + lw > right_edge {
                (px - 4, HPos::Right)
            } else {
                (px + 4, HPos::Left)
            };
            area.draw(&PathElement::new(
                vec![(px, ly), (px, ptop)],
                SUBTLE.mix(0.7).stroke_width(1),
            ))?;
            area.draw(&Text::new(
                label.clone(),
                (tx, ly),
                anchored(font(tick), anchor, VPos::Top),
            ))?;
        }
        Ok(())
    }
}

/// A line panel's guides: shaded event windows with a dashed start, the
/// zero line of a chart of differences, and the dashed threshold.
fn draw_guides(chart: &mut Plot, p: &Panel, yr: &Range<f64>) -> DResult<()> {
    let (y0, y1) = (yr.start, yr.end);
    let clamp_x = |x: f64| x.clamp(p.x_range.start, p.x_range.end);
    for &(s, e) in &p.shades {
        if e > s {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(clamp_x(s), y0), (clamp_x(e), y1)],
                RGBColor(0x99, 0x99, 0x99).mix(0.18).filled(),
            )))?;
        }
        chart.draw_series(DashedLineSeries::new(
            vec![(clamp_x(s), y0), (clamp_x(s), y1)],
            8,
            6,
            SUBTLE.stroke_width(2),
        ))?;
    }
    if p.zero {
        chart.draw_series(LineSeries::new(
            vec![(p.x_range.start, 0.0), (p.x_range.end, 0.0)],
            SUBTLE.stroke_width(2),
        ))?;
    }
    // The threshold line is explained in the legend, not labelled in the
    // plot, where a label could cover data.
    if let Some((y, _)) = &p.hline {
        chart.draw_series(DashedLineSeries::new(
            vec![(p.x_range.start, *y), (p.x_range.end, *y)],
            12,
            6,
            INK.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// Each line's confidence band, one polygon per run of finite values,
/// clipped to the y range.
fn draw_bands(chart: &mut Plot, lines: &[Line], look: &Look, yr: &Range<f64>) -> DResult<()> {
    let (y0, y1) = (yr.start, yr.end);
    for l in lines {
        let c = look.colors[l.v];
        for run in runs(&l.pts, |&(_, m, h)| m.is_finite() && h.is_finite()) {
            let mut poly: Vec<(f64, f64)> =
                run.iter().map(|&(x, m, h)| (x, (m + h).min(y1))).collect();
            poly.extend(run.iter().rev().map(|&(x, m, h)| (x, (m - h).max(y0))));
            chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.16).filled())))?;
        }
    }
    Ok(())
}

/// Each line's means: a line per run of finite values (a dot for a run of
/// one), with markers when the panel asks for them.
fn draw_means(chart: &mut Plot, p: &Panel, lines: &[Line], look: &Look) -> DResult<()> {
    for l in lines {
        let c = look.colors[l.v];
        for run in runs(&l.pts, |&(_, m, _)| m.is_finite()) {
            if p.markers {
                chart.draw_series(
                    run.iter()
                        .map(|&(x, m, _)| Circle::new((x, m), 7, c.filled())),
                )?;
            }
            if run.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(
                    (run[0].0, run[0].1),
                    4,
                    c.filled(),
                )))?;
            } else {
                chart.draw_series(LineSeries::new(
                    run.iter().map(|&(x, m, _)| (x, m)),
                    c.stroke_width(if p.small { 2 } else { 3 }),
                ))?;
            }
        }
    }
    Ok(())
}

/// Maximal runs of consecutive points satisfying `ok`.
fn runs<T: Copy>(pts: &[T], ok: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for p in pts {
        if ok(p) {
            cur.push(*p);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn event_label(r: &Results, k: usize) -> String {
    r.events
        .iter()
        .find(|e| e.k == k)
        .map(|e| {
            if e.label.is_empty() {
                format!("event {k}")
            } else {
                e.label.clone()
            }
        })
        .unwrap_or_else(|| format!("event {k}"))
}

fn variant_legend(
    r: &Results,
    look: &Look,
    swatch: fn(RGBColor) -> Swatch,
) -> Vec<(String, Swatch)> {
    look.shown
        .iter()
        .map(|&v| (r.variants[v].name.clone(), swatch(look.colors[v])))
        .collect()
}

fn metric_lines(r: &Results, look: &Look, m: usize) -> Vec<Line> {
    look.shown
        .iter()
        .map(|&v| Line {
            v,
            pts: r.ts.stats[v][m]
                .iter()
                .enumerate()
                .map(|(s, st)| (s as f64, st.mean(), st.ci95_half_width()))
                .collect(),
        })
        .collect()
}

fn timeseries(r: &Results, look: &Look, metric: &str) -> Result<Chart, PlotError> {
    let m = r.ts.metrics.iter().position(|x| x == metric).unwrap_or(0);
    let (label, unit) = metric_label(metric);
    let title = format!("{label} over time, by organization variant");
    let mut subtitle = reps_note(r);
    if look.limited() {
        subtitle = format!("{subtitle}; {}", look.limit_note());
    }
    let lines = metric_lines(r, look, m);
    let steps = r.ts.steps.max(2) as f64;
    let panel = Panel {
        title: String::new(),
        x_desc: "Time (weeks)".into(),
        y_desc: if unit.is_empty() {
            label.clone()
        } else {
            format!("{label} ({unit})")
        },
        x_range: 0.0..(steps - 1.0),
        shades: r
            .events
            .iter()
            .map(|e| (e.start, e.start + e.duration))
            .collect(),
        labels: r
            .events
            .iter()
            .map(|e| (e.start, event_label(r, e.k)))
            .collect(),
        hline: None,
        zero: false,
        small: false,
        markers: false,
    };
    let name = format!("timeseries_{}", slug(metric));
    let svg = render(&name, |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let main = main.margin(top as u32, 0, 0, 0);
        line_panel(&main, &panel, &lines, look)?;
        let mut items = variant_legend(r, look, Swatch::LineBand);
        if !r.events.is_empty() {
            items.push(("event (start, duration)".into(), Swatch::Shade));
        }
        draw_legend(&legend, 10, top + 20, "Variant", &items)
    })?;
    let events_note = if r.events.is_empty() {
        String::new()
    } else {
        " Dashed vertical lines mark when each event starts; grey shading covers its duration."
            .into()
    };
    Ok(Chart {
        name,
        section: "Time series",
        title,
        caption: format!(
            "{label} per week for each variant: line = mean over replications, band = 95% confidence interval.{events_note}"
        ),
        svg,
    })
}

/// Tournament pressure and knowledge sharing around each departure (at most
/// three), per variant: does a succession contest raise competition, and
/// does sharing pay for it? Levels, not effects against the twins.
fn competition_around_departures(r: &Results, look: &Look) -> Result<Option<Chart>, PlotError> {
    let col = |name: &str| r.ts.metrics.iter().position(|x| x == name);
    let (Some(pm), Some(sm)) = (col("tournament_pressure"), col("sharing")) else {
        return Ok(None);
    };
    let steps = r.ts.steps;
    let events: Vec<&Event> = r
        .events
        .iter()
        .filter(|e| e.kind == "departure" && e.start >= 1.0 && (e.start as usize) < steps)
        .take(3)
        .collect();
    if events.is_empty() {
        return Ok(None);
    }
    const BEFORE: usize = 20;
    const AFTER: usize = 40;
    let around = |m: usize, e: &Event| -> Vec<Line> {
        let start = e.start as usize;
        let (from, to) = (start.saturating_sub(BEFORE), (start + AFTER).min(steps));
        look.shown
            .iter()
            .map(|&v| Line {
                v,
                pts: (from..to)
                    .filter_map(|s| r.ts.stats[v][m].get(s))
                    .enumerate()
                    .map(|(j, st)| ((from + j) as f64 - e.start, st.mean(), st.ci95_half_width()))
                    .collect(),
            })
            .collect()
    };
    let title = "Competition and sharing around each departure".to_string();
    let mut subtitle = format!(
        "{}; week 0 = the departure; levels, not effects against the twins",
        reps_note(r)
    );
    if look.limited() {
        subtitle = format!("{subtitle}; {}", look.limit_note());
    }
    let cols = events.len();
    let svg = render("competition_around_departures", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let main = main.margin(top as u32, 0, 0, 0);
        let cells = main.split_evenly((2, cols));
        for (row, (m, label)) in [(pm, "tournament_pressure"), (sm, "sharing")]
            .into_iter()
            .enumerate()
        {
            let (mlabel, unit) = metric_label(label);
            for (c, e) in events.iter().enumerate() {
                let start = e.start as usize;
                let panel = Panel {
                    title: format!(
                        "{}: {} (week {})",
                        mlabel,
                        event_label(r, e.k),
                        fmt_num(e.start)
                    ),
                    x_desc: if row == 1 {
                        "Weeks since the departure".into()
                    } else {
                        String::new()
                    },
                    y_desc: if c == 0 { unit.clone() } else { String::new() },
                    x_range: -(start.min(BEFORE) as f64)
                        ..((start + AFTER).min(steps) - start) as f64 - 1.0,
                    shades: vec![(0.0, e.duration)],
                    labels: Vec::new(),
                    hline: None,
                    zero: false,
                    small: true,
                    markers: false,
                };
                line_panel(&cells[row * cols + c], &panel, &around(m, e), look)?;
            }
        }
        draw_legend(
            &legend,
            10,
            top + 20,
            "Variant",
            &variant_legend(r, look, Swatch::LineBand),
        )
    })?;
    Ok(Some(Chart {
        name: "competition_around_departures".into(),
        section: "Competition and collaboration",
        title,
        caption: "Top row: the tournament pressure working members feel (their team's pressure × their competitive orientation), which rises while a succession contest is open and less where someone ready steps up; bottom row: knowledge sharing. Both come from the practices (promotion prize, relative rewards, credit for helping) and the structure (who is a rival for which post); see docs/model.md, Competition.".into(),
        svg,
    }))
}

/// Non-key metrics as a grid of small panels.
fn small_multiples(r: &Results, look: &Look, metrics: &[String]) -> Result<Chart, PlotError> {
    let metrics: Vec<&String> = metrics.iter().take(12).collect();
    let title = "Other metrics over time".to_string();
    let mut subtitle = format!("{} (weeks on the x axis)", reps_note(r));
    if look.limited() {
        subtitle = format!("{subtitle}; {}", look.limit_note());
    }
    let n = metrics.len();
    let cols = if n <= 4 {
        n.max(1)
    } else if n <= 9 {
        3
    } else {
        4
    };
    let rows = n.div_ceil(cols);
    let svg = render("timeseries_other", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let main = main.margin(top as u32, 0, 0, 0);
        let cells = main.split_evenly((rows, cols));
        for (cell, metric) in cells.iter().zip(&metrics) {
            let m = r.ts.metrics.iter().position(|x| x == *metric).unwrap_or(0);
            let (label, _) = metric_label(metric);
            let panel = Panel {
                title: label,
                x_desc: String::new(),
                y_desc: String::new(),
                x_range: 0.0..(r.ts.steps.max(2) as f64 - 1.0),
                shades: r
                    .events
                    .iter()
                    .map(|e| (e.start, e.start + e.duration))
                    .collect(),
                labels: Vec::new(),
                hline: None,
                zero: false,
                small: true,
                markers: false,
            };
            line_panel(cell, &panel, &metric_lines(r, look, m), look)?;
        }
        draw_legend(
            &legend,
            10,
            top + 20,
            "Variant",
            &variant_legend(r, look, Swatch::LineBand),
        )
    })?;
    Ok(Chart {
        name: "timeseries_other".into(),
        section: "Time series",
        title,
        caption: format!(
            "The remaining metrics ({}), one small panel each, same colours as above.",
            metrics
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        svg,
    })
}

/// Steps before an event averaged for the pre-event level.
pub const PRE_WINDOW: usize = 10;
/// Longest window drawn after an event.
const POST_MAX: f64 = 100.0;

/// Where the recovery chart looks around one event.
pub(crate) struct Window {
    /// Index of the event in `events.csv` order.
    pub event: usize,
    pub start: usize,
    /// First step of the pre-event level.
    pub pre_from: usize,
    /// Steps drawn from the event's start on.
    pub post: usize,
    /// Steps of the pre-event level (the scenario's baseline).
    pub pre_window: usize,
    /// Width of the trailing mean (the scenario's smoothing).
    pub smooth: usize,
}

impl Window {
    /// Every step the chart reads: the pre-event level, the drawn window and
    /// the trailing means' reach before it.
    pub fn steps(&self) -> Range<usize> {
        self.pre_from.saturating_sub(self.smooth - 1)..self.start + self.post
    }
}

/// The recovery chart's window around each event that starts within the
/// run (after step 0).
pub(crate) fn recovery_windows(
    events: &[Event],
    steps: usize,
    scenario: &ScenarioInfo,
) -> Vec<Window> {
    // The project's recovery measure, when the scenario states it.
    let pre_window = scenario
        .baseline
        .filter(|b| *b > 0)
        .map_or(PRE_WINDOW, |b| b as usize);
    let smooth = scenario
        .smoothing
        .filter(|b| *b > 0)
        .map_or(1, |b| b as usize);
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.start >= 1.0 && (e.start as usize) < steps)
        .map(|(k, e)| {
            let start = e.start as usize;
            let next = events
                .iter()
                .filter(|o| o.start > e.start)
                .map(|o| o.start)
                .fold(f64::INFINITY, f64::min);
            let post = ((steps - start) as f64)
                .min(next - e.start)
                .min(POST_MAX.max(e.duration * 2.0))
                .max(1.0) as usize;
            Window {
                event: k,
                start,
                pre_from: start.saturating_sub(pre_window),
                post,
                pre_window,
                smooth,
            }
        })
        .collect()
}

/// The recovery chart: with twins, each run minus its twin around each
/// event ([`recovery_against_twins`]); without, the level relative to the
/// weeks before the event.
fn recovery(r: &Results, look: &Look) -> Result<Option<Chart>, PlotError> {
    let Some(primary) = r.ts.primary_metric.clone() else {
        return Ok(None);
    };
    let windows = recovery_windows(&r.events, r.ts.steps, &r.scenario);
    let Some(first) = windows.first() else {
        return Ok(None);
    };
    if let Some(twins) = &r.twins {
        return recovery_against_twins(r, look, twins, &windows).map(Some);
    }
    let (plabel, _) = metric_label(&primary);
    let (pre_window, smooth) = (first.pre_window, first.smooth);
    let threshold = r
        .scenario
        .threshold
        .filter(|t| *t > 0.0 && *t < 2.0)
        .unwrap_or(0.95)
        * 100.0;
    let mut panels = Vec::new();
    for w in &windows {
        let e = &r.events[w.event];
        let (start, post, pre_from) = (w.start, w.post, w.pre_from);
        let lines: Vec<Line> = look
            .shown
            .iter()
            .map(|&v| {
                let mut st = vec![OnlineStats::new(); start - pre_from + post];
                for rep in 0..r.ts.primary.replications(v) {
                    let at = |s: usize| r.ts.primary.get(v, rep, s);
                    let mut pre = OnlineStats::new();
                    for s in pre_from..start {
                        pre.push(at(s));
                    }
                    let base = pre.mean();
                    if !(base.is_finite() && base > 0.0) {
                        continue;
                    }
                    // Trailing mean over at most `smooth` steps, restarted at
                    // the event (as the summary's recovery measure does).
                    for (j, s) in (pre_from..start + post).enumerate() {
                        let from = if s >= start {
                            start.max((s + 1).saturating_sub(smooth))
                        } else {
                            (s + 1).saturating_sub(smooth)
                        };
                        let mut m = OnlineStats::new();
                        for t in from..=s {
                            m.push(at(t));
                        }
                        if m.n() > 0 {
                            st[j].push(100.0 * m.mean() / base);
                        }
                    }
                }
                Line {
                    v,
                    pts: st
                        .iter()
                        .enumerate()
                        .map(|(j, s)| {
                            (
                                (pre_from + j) as f64 - e.start,
                                s.mean(),
                                s.ci95_half_width(),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        panels.push((
            Panel {
                title: format!("{} (week {})", event_label(r, e.k), fmt_num(e.start)),
                x_desc: "Weeks since the event started".into(),
                y_desc: format!("{plabel} (% of pre-event level)"),
                x_range: (pre_from as f64 - e.start)..(post as f64 - 1.0),
                shades: vec![(0.0, e.duration)],
                labels: Vec::new(),
                hline: Some((threshold, String::new())),
                zero: false,
                small: windows.len() > 1,
                markers: false,
            },
            lines,
        ));
    }
    let title = format!("{plabel} around each event, relative to the level before it");
    let smooth_note = if smooth > 1 {
        format!("; lines: {smooth}-week trailing mean, as for recovery")
    } else {
        String::new()
    };
    let subtitle = format!(
        "Levels, not effects (no twins in this run); 100% = mean of the {pre_window} weeks before the event{smooth_note}; mean of {} replications, band = 95% CI",
        r.replications_text()
    );
    let band = (
        format!("{} of pre-event level", fmt_num(threshold) + "%"),
        Swatch::Dashed(INK),
    );
    let caption = format!(
        "Each panel aligns the replications on one event (week 0 = event start) and shows {} as a percentage of its mean over the {pre_window} weeks before. This run has no counterfactual twins, so this is the level, not the event's effect: a variant still settling would move without the event too, and a week that is lucky or unlucky shows as a rise or a dip. With `[analysis] twins` on (the default) this chart shows each run minus its twin without the event instead.",
        plabel.to_lowercase(),
    );
    recovery_chart(r, look, title, subtitle, &panels, band, caption).map(Some)
}

/// The recovery chart from its panels (one per event), with the variants'
/// legend, the recovery band's line and the events' shading.
fn recovery_chart(
    r: &Results,
    look: &Look,
    title: String,
    subtitle: String,
    panels: &[(Panel, Vec<Line>)],
    band: (String, Swatch),
    caption: String,
) -> Result<Chart, PlotError> {
    let subtitle = if look.limited() {
        format!("{subtitle}; {}", look.limit_note())
    } else {
        subtitle
    };
    let n = panels.len();
    let cols = if n <= 3 {
        n
    } else if n <= 4 {
        2
    } else {
        3
    };
    let rows = n.div_ceil(cols);
    let svg = render("recovery", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let main = main.margin(top as u32, 0, 0, 0);
        let cells = main.split_evenly((rows, cols));
        for (cell, (p, lines)) in cells.iter().zip(panels) {
            line_panel(cell, p, lines, look)?;
        }
        let mut items = variant_legend(r, look, Swatch::LineBand);
        items.push(band.clone());
        items.push(("event duration".into(), Swatch::Shade));
        draw_legend(&legend, 10, top + 20, "Variant", &items)
    })?;
    Ok(Chart {
        name: "recovery".into(),
        section: "Recovery",
        title,
        caption,
        svg,
    })
}

/// Per replication and week since the event, `100 × (run − twin) / |twin|`
/// of trailing means over at most `smooth` weeks since the event (the
/// recovery measure's smoothing, `analysis::event_effect`), then the mean
/// and 95% interval across replications. NaN where no replication has a
/// value (or the twin's mean is 0).
pub(crate) fn twin_gap_percent(
    reps: &[Vec<(f64, f64)>],
    weeks: usize,
    smooth: usize,
) -> Vec<OnlineStats> {
    let mut st = vec![OnlineStats::new(); weeks];
    for rep in reps {
        for (j, cell) in st.iter_mut().enumerate() {
            let from = (j + 1).saturating_sub(smooth.max(1));
            let (mut run, mut twin, mut n) = (0.0, 0.0, 0usize);
            for &(x, t) in rep.get(from..=j).unwrap_or(&[]) {
                if x.is_finite() && t.is_finite() {
                    run += x;
                    twin += t;
                    n += 1;
                }
            }
            if n > 0 && twin != 0.0 {
                cell.push(100.0 * (run - twin) / twin.abs());
            }
        }
    }
    st
}

/// The recovery chart with twins: around each event, each run minus its
/// twin (the same replication on the same random streams without that
/// event), as a percentage of the twin, mean across replications with its
/// 95% interval. Luck the run shares with its twin cancels.
fn recovery_against_twins(
    r: &Results,
    look: &Look,
    twins: &super::data::TwinSeries,
    windows: &[Window],
) -> Result<Chart, PlotError> {
    let (plabel, _) = metric_label(&twins.metric);
    let smooth = windows.first().map_or(1, |w| w.smooth);
    let band = 100.0
        - r.scenario
            .threshold
            .filter(|t| *t > 0.0 && *t < 2.0)
            .unwrap_or(0.95)
            * 100.0;
    // The recovery band lies on the harmful side of the twin.
    let lower_better =
        crate::metric::find(&twins.metric).is_some_and(|m| m.better == crate::stats::Better::Lower);
    let band_y = if lower_better { band } else { -band };
    let mut panels = Vec::new();
    for w in windows {
        let e = &r.events[w.event];
        let lines: Vec<Line> = look
            .shown
            .iter()
            .map(|&v| Line {
                v,
                pts: twin_gap_percent(twins.replications(e.k, v), w.post, smooth)
                    .iter()
                    .enumerate()
                    .map(|(j, s)| (j as f64, s.mean(), s.ci95_half_width()))
                    .collect(),
            })
            .collect();
        panels.push((
            Panel {
                title: format!("{} (week {})", event_label(r, e.k), fmt_num(e.start)),
                x_desc: "Weeks since the event started".into(),
                y_desc: format!("{plabel}: run − twin (% of twin)"),
                x_range: 0.0..(w.post.max(2) as f64 - 1.0),
                shades: vec![(0.0, e.duration)],
                labels: Vec::new(),
                hline: Some((band_y, String::new())),
                zero: true,
                small: windows.len() > 1,
                markers: false,
            },
            lines,
        ));
    }
    let title = format!("{plabel} around each event: each run minus its twin without the event");
    let smooth_note = if smooth > 1 {
        format!("; {smooth}-week trailing means as for recovery")
    } else {
        String::new()
    };
    let subtitle = format!(
        "0 = the twin (same random streams, no event){smooth_note}; mean of {} replications, band = 95% CI",
        r.replications_text()
    );
    let band_item = (
        format!(
            "{}% {} the twin (recovery band)",
            fmt_num(band),
            if lower_better { "above" } else { "below" }
        ),
        Swatch::Dashed(INK),
    );
    let caption = format!(
        "Each panel aligns the replications on one event (week 0 = event start) and shows how far each run's {} is from its twin's, the same replication on the same random streams without that event, as a percentage of the twin. Run and twin are identical before the event, so luck they share after it (a busy week, a variant still settling) cancels and what remains is the event's effect. A run counts as recovered once it is back within the dashed band (`weeks until back beside the twin`).",
        plabel.to_lowercase(),
    );
    recovery_chart(r, look, title, subtitle, &panels, band_item, caption)
}

/// One bar: variant, mean, CI half-width, and an annotation.
struct Bar {
    v: usize,
    mean: f64,
    half: f64,
    note: String,
}

fn hbar_panel(
    area: &Area,
    title: &str,
    x_desc: &str,
    bars: &[Bar],
    look: &Look,
    r: &Results,
) -> DResult<()> {
    let (w, _) = area.dim_in_pixel();
    let n = bars.len().max(1);
    let label_size = if n > 12 { 16 } else { TICK };
    let names_w = bars
        .iter()
        .map(|b| text_w(&r.variants[b.v].name, label_size))
        .max()
        .unwrap_or(60)
        .min(w / 3)
        + 20;
    let value_size = if n > 12 { 15 } else { 18 };
    let plot_w = w.saturating_sub(names_w + 45).max(100) as f64;
    let (lo, hi) = bar_axis(bars, plot_w, value_size);
    let xd = tick_decimals(lo, hi);
    let x_fmt = |v: &f64| fmt_tick(*v, xd);
    area.draw(&Text::new(
        fit(title, DESC, w - 20),
        (20, 6),
        anchored(font(DESC), HPos::Left, VPos::Top),
    ))?;
    let mut chart = ChartBuilder::on(area)
        .margin_top(DESC + 20)
        .margin_right(25)
        .margin_left(10)
        .margin_bottom(8)
        .x_label_area_size(TICK * 2 + DESC + 8)
        .y_label_area_size(names_w)
        .build_cartesian_2d(lo..hi, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .label_style(font(TICK))
        .axis_desc_style(font(DESC))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(SUBTLE)
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_label_formatter(&x_fmt)
        .draw()?;
    let row = BarRow {
        look,
        r,
        lo,
        label_size,
        value_size,
        names_w,
    };
    for (i, b) in bars.iter().enumerate() {
        let y = n as f64 - i as f64 - 0.5;
        row.draw(area, &mut chart, b, y)?;
    }
    Ok(())
}

/// The x range of a bar panel: every bar and whisker, from zero, widened
/// for the value labels beyond the bar ends.
fn bar_axis(bars: &[Bar], plot_w: f64, value_size: u32) -> (f64, f64) {
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    for b in bars {
        if b.mean.is_finite() {
            let h = if b.half.is_finite() { b.half } else { 0.0 };
            lo = lo.min(b.mean - h);
            hi = hi.max(b.mean + h);
        }
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    // Room for the value labels beyond the bar ends: widen the axis so
    // that each label fits between its bar end and the panel edge.
    let (mut lo2, mut hi2) = (lo, hi);
    for b in bars.iter().filter(|b| b.mean.is_finite()) {
        let tw = (text_w(&bar_text(b), value_size) + 14) as f64;
        let frac = (plot_w - tw).max(plot_w * 0.35) / plot_w;
        let h = if b.half.is_finite() { b.half } else { 0.0 };
        if b.mean >= 0.0 {
            hi2 = hi2.max(lo + (b.mean + h - lo) / frac);
        } else {
            lo2 = lo2.min(hi - (hi - (b.mean - h)) / frac);
        }
    }
    (lo2, hi2)
}

/// What every row of one bar panel shares.
struct BarRow<'a> {
    look: &'a Look,
    r: &'a Results,
    /// Left end of the x axis, where the variant names end.
    lo: f64,
    label_size: u32,
    value_size: u32,
    names_w: u32,
}

impl BarRow<'_> {
    /// One variant's row at height `y`: its name, the bar with its
    /// whisker and the value beyond the end (or why there is no value).
    fn draw(&self, area: &Area, chart: &mut Plot, b: &Bar, y: f64) -> DResult<()> {
        let (label_size, value_size) = (self.label_size, self.value_size);
        let c = self.look.colors[b.v];
        let (px, py) = rel(area, chart.backend_coord(&(self.lo, y)));
        area.draw(&Text::new(
            fit(&self.r.variants[b.v].name, label_size, self.names_w - 20),
            (px - 10, py),
            anchored(font(label_size), HPos::Right, VPos::Center),
        ))?;
        if !b.mean.is_finite() {
            let (zx, zy) = rel(area, chart.backend_coord(&(0.0, y)));
            area.draw(&Text::new(
                if b.note.is_empty() {
                    "no value".to_string()
                } else {
                    b.note.clone()
                },
                (zx + 8, zy),
                anchored(font_c(value_size, SUBTLE), HPos::Left, VPos::Center),
            ))?;
            return Ok(());
        }
        let thick = 0.34;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - thick), (b.mean, y + thick)],
            c.mix(0.85).filled(),
        )))?;
        let h = if b.half.is_finite() { b.half } else { 0.0 };
        if h > 0.0 {
            let cap = 0.16;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(b.mean - h, y), (b.mean + h, y)],
                INK.stroke_width(2),
            )))?;
            for x in [b.mean - h, b.mean + h] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, y - cap), (x, y + cap)],
                    INK.stroke_width(2),
                )))?;
            }
        }
        let text = bar_text(b);
        let end = if b.mean >= 0.0 {
            b.mean + h
        } else {
            b.mean - h
        };
        let (ex, ey) = rel(area, chart.backend_coord(&(end, y)));
        let (tx, anchor) = if b.mean >= 0.0 {
            (ex + 8, HPos::Left)
        } else {
            (ex - 8, HPos::Right)
        };
        area.draw(&Text::new(
            text,
            (tx, ey),
            anchored(font(value_size), anchor, VPos::Center),
        ))?;
        Ok(())
    }
}

fn bar_text(b: &Bar) -> String {
    let text = fmt_pm(b.mean, b.half);
    if b.note.is_empty() {
        text
    } else {
        format!("{text}  ({})", b.note)
    }
}

/// The variants drawn as bars: all of them up to 16, else the shown subset.
fn bar_variants(look: &Look) -> Vec<usize> {
    if look.total <= 16 {
        (0..look.total).collect()
    } else {
        look.shown.clone()
    }
}

/// Comparison bars: each summary measure by variant, and each per-event
/// measure with one panel per event.
fn bars(r: &Results, look: &Look) -> Result<Vec<Chart>, PlotError> {
    let s = &r.summary;
    let mut out = Vec::new();
    let vs = bar_variants(look);
    let limit = if vs.len() < look.total {
        format!("; showing {} of {} variants", vs.len(), look.total)
    } else {
        String::new()
    };
    let sub = format!("bar = mean over replications, whisker = 95% confidence interval{limit}");
    let set = BarSet {
        r,
        look,
        vs: &vs,
        sub: &sub,
    };
    let simple: Vec<String> = s
        .columns
        .iter()
        .filter(|c| c.ends_with("_variability"))
        .cloned()
        .chain(
            s.columns
                .iter()
                .filter(|c| c.starts_with("total_"))
                .cloned(),
        )
        .chain(["mean_turnover".to_string()])
        .filter(|c| s.col(c).is_some())
        .collect();
    for col in simple {
        out.push(set.measure_chart(&col)?);
    }
    // Event metrics: one panel per event.
    let families = event_families(r);
    let mut ks: Vec<usize> = s
        .columns
        .iter()
        .filter_map(|c| {
            let rest = c.strip_prefix("event")?;
            let (k, _) = rest.split_once('_')?;
            k.parse().ok()
        })
        .collect();
    ks.sort();
    ks.dedup();
    for (suffix, title, x_desc) in &families {
        if let Some(c) = set.event_chart(&ks, suffix, title, x_desc)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// What every bar chart of a run shares: the variants drawn and the subtitle.
struct BarSet<'a> {
    r: &'a Results,
    look: &'a Look,
    vs: &'a [usize],
    sub: &'a str,
}

impl BarSet<'_> {
    /// One summary measure (column `col`) by variant.
    fn measure_chart(&self, col: &str) -> Result<Chart, PlotError> {
        let (r, look, s, sub) = (self.r, self.look, &self.r.summary, self.sub);
        let c = s.col(col).unwrap_or(0);
        let (label, unit) = metric_label(col);
        let title = format!("{label} by variant");
        let bars: Vec<Bar> = self
            .vs
            .iter()
            .map(|&v| {
                let st = s.stats(v, c);
                Bar {
                    v,
                    mean: st.mean(),
                    half: st.ci95_half_width(),
                    note: String::new(),
                }
            })
            .collect();
        let name = format!("bars_{}", slug(col));
        let x_desc = if unit.is_empty() {
            label.clone()
        } else {
            format!("{label} ({unit})")
        };
        let svg = render(&name, |root| {
            let top = draw_title(root, &title, sub)?;
            let main = root.margin(top as u32, 0, 0, 0);
            hbar_panel(&main, "", &x_desc, &bars, look, r)
        })?;
        Ok(Chart {
            name,
            section: "Comparison",
            title,
            caption: format!("{label} per variant ({sub})."),
            svg,
        })
    }

    /// One per-event measure (column suffix `suffix`), one panel per event
    /// (`ks`: the events' numbers); `None` when no event has it.
    fn event_chart(
        &self,
        ks: &[usize],
        suffix: &str,
        title: &str,
        x_desc: &str,
    ) -> Result<Option<Chart>, PlotError> {
        let (r, look, s) = (self.r, self.look, &self.r.summary);
        let cols: Vec<(usize, usize)> = ks
            .iter()
            .filter_map(|&k| s.col(&format!("event{k}_{suffix}")).map(|c| (k, c)))
            .collect();
        if cols.is_empty() {
            return Ok(None);
        }
        let censor = suffix.ends_with("recovery_steps");
        let mut censored_any = false;
        let panels: Vec<(String, Vec<Bar>)> = cols
            .iter()
            .map(|&(k, c)| {
                let (bars, censored) = self.event_bars(k, c, suffix);
                censored_any |= censored;
                (event_label(r, k), bars)
            })
            .collect();
        let mut subtitle = self.sub.to_string();
        if censor && !censored_any {
            // Say so: a share of 0 never-recovered runs is a finding too.
            subtitle = format!("{subtitle}; every run recovered");
        }
        if censored_any {
            subtitle = format!(
                "{subtitle}; runs that never recovered count as the weeks left in the run (so these means are lower bounds)"
            );
        }
        // The primary metric's twin measures are named by what they are;
        // another headline effect by its metric too (`bars_event_backlog_effect`).
        let primary = s.columns.iter().find_map(|c| c.strip_prefix("total_"));
        let short = ["effect", "worst_gap", "recovery_steps"]
            .into_iter()
            .find(|w| suffix.ends_with(&format!("_{w}")))
            .filter(|_| primary.is_some_and(|p| suffix.starts_with(&format!("{p}_"))))
            .unwrap_or(suffix);
        let name = format!("bars_event_{short}");
        let (prows, pcols) = self.panel_grid(panels.len());
        let svg = render(&name, |root| {
            let top = draw_title(root, title, &subtitle)?;
            let main = root.margin(top as u32, 0, 0, 0);
            let cells = main.split_evenly((prows, pcols));
            for (cell, (label, bars)) in cells.iter().zip(&panels) {
                hbar_panel(cell, label, x_desc, bars, look, r)?;
            }
            Ok(())
        })?;
        Ok(Some(Chart {
            name,
            section: "Comparison",
            title: title.to_string(),
            caption: format!(
                "One panel per event; x axis: {x_desc}. {}.",
                capitalize(&subtitle)
            ),
            svg,
        }))
    }

    /// The bars of event `k`'s measure (column `c`), and whether any
    /// counts runs that never recovered as the weeks left in the run.
    fn event_bars(&self, k: usize, c: usize, suffix: &str) -> (Vec<Bar>, bool) {
        let (r, s) = (self.r, &self.r.summary);
        let censor = suffix.ends_with("recovery_steps");
        let mut censored_any = false;
        let horizon = r
            .events
            .iter()
            .find(|e| e.k == k)
            .map(|e| r.ts.steps as f64 - e.start);
        let bars = self
            .vs
            .iter()
            .map(|&v| {
                let (n, mut miss) = s.count_missing(v, c);
                // Twins: an event that does not happen in a variant
                // leaves all its effect cells empty (not "never").
                let absent = suffix.ends_with("_recovery_steps")
                    && s.col(&format!(
                        "event{k}_{}",
                        suffix.replace("_recovery_steps", "_effect")
                    ))
                    .is_some_and(|e| s.count_missing(v, e).1 == n);
                if absent {
                    miss = 0;
                }
                let mut st = s.stats_scaled(v, c, if suffix == "dip" { 100.0 } else { 1.0 });
                let mut note = String::new();
                if censor && miss > 0 {
                    match horizon {
                        Some(hz) if hz.is_finite() => {
                            for _ in 0..miss {
                                st.push(hz);
                            }
                            censored_any = true;
                            note = format!("{miss} of {n} never recovered");
                        }
                        _ => note = format!("{miss} of {n} never recovered"),
                    }
                }
                Bar {
                    v,
                    mean: st.mean(),
                    half: st.ci95_half_width(),
                    note,
                }
            })
            .collect();
        (bars, censored_any)
    }

    /// Rows and columns of `n` event panels.
    fn panel_grid(&self, n: usize) -> (usize, usize) {
        // Side by side, a panel's names get a third of its width; long
        // variant names would be cut, so the panels are stacked instead
        // (each then has the whole width) while the bars still fit.
        let longest = self
            .vs
            .iter()
            .map(|&v| text_w(&self.r.variants[v].name, TICK))
            .max()
            .unwrap_or(0);
        let side_by_side = n.min(3);
        let cut = longest + 20 > crate::plot::WIDTH / side_by_side as u32 / 3;
        let pcols = if cut && n * self.vs.len() <= 24 {
            1
        } else {
            side_by_side
        };
        (n.div_ceil(pcols), pcols)
    }
}

/// The per-event measures charted, as (column suffix, title, x-axis
/// description): with twins, the primary metric's effect against them
/// (paired: each bar's interval is that of run minus twin); without, the
/// dip, recovery and resilience loss against the pre-event level.
fn event_families(r: &Results) -> Vec<(String, String, String)> {
    let s = &r.summary;
    let primary = s.columns.iter().find_map(|c| c.strip_prefix("total_"));
    let twins = primary.filter(|p| {
        s.columns
            .iter()
            .any(|c| c.ends_with(&format!("_{p}_effect")))
    });
    let Some(p) = twins else {
        return [
            (
                "dip",
                "Depth of the dip after each event",
                "largest fall below the pre-event level (%)",
            ),
            (
                "recovery_steps",
                "Time to recover after each event",
                "weeks until back at the recovery threshold",
            ),
            (
                "resilience_loss",
                "Resilience loss after each event",
                "shortfall below the pre-event level, summed over the weeks until recovery",
            ),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .to_vec();
    };
    let (label, unit) = metric_label(p);
    let label = label.to_lowercase();
    let band = fmt_tick((1.0 - r.scenario.threshold.unwrap_or(0.95)) * 100.0, 0);
    let mut families = vec![
        effect_family(p),
        (
            format!("{p}_worst_gap"),
            format!("Largest shortfall of {label} behind the twin"),
            format!("largest gap between the smoothed run and its twin ({unit})"),
        ),
        (
            format!("{p}_recovery_steps"),
            format!("Weeks until {label} is back beside the twin"),
            format!("weeks until within {band}% of the twin"),
        ),
    ];
    // The other headline effects (a departure's cost as waiting).
    let mut others: Vec<&str> = s
        .columns
        .iter()
        .filter_map(|c| {
            c.strip_prefix("event")?
                .split_once('_')?
                .1
                .strip_suffix("_effect")
        })
        .filter(|&m| m != p && crate::metric::is_headline_effect(m))
        .collect();
    others.dedup();
    families.extend(others.into_iter().map(effect_family));
    families
}

/// The chart family of events' effects on metric `m` against the twins.
fn effect_family(m: &str) -> (String, String, String) {
    let (label, unit) = metric_label(m);
    (
        format!("{m}_effect"),
        format!(
            "Effect of each event on {}, against its twin",
            label.to_lowercase()
        ),
        // A weekly rate summed over weeks is a count.
        match unit.strip_suffix(" per week") {
            Some(count) => format!(
                "run minus its twin without the event, summed from the event to the end ({count})"
            ),
            None => format!(
                "run minus its twin without the event, summed from the event to the end ({unit} × weeks)"
            ),
        },
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn scatter(r: &Results, look: &Look) -> Result<Option<Chart>, PlotError> {
    let s = &r.summary;
    let Some(cy) = s.col("mean_sharing") else {
        return Ok(None);
    };
    let (xname, cx) = match (s.col("mean_tournament_pressure"), s.col("mean_hoarding")) {
        (Some(c), _) => ("mean_tournament_pressure", c),
        (None, Some(c)) => ("mean_hoarding", c),
        _ => return Ok(None),
    };
    let pts: Vec<(usize, f64, f64)> = s
        .rows
        .iter()
        .filter(|(_, _, vals)| vals[cx].is_finite() && vals[cy].is_finite())
        .map(|(v, _, vals)| (*v, vals[cx], vals[cy]))
        .collect();
    if pts.is_empty() {
        return Ok(None);
    }
    let range = |f: &dyn Fn(&(usize, f64, f64)) -> f64| {
        let lo = pts.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = pts.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo {
            (hi - lo) * 0.08
        } else {
            lo.abs().max(0.1) * 0.1
        };
        (lo - pad)..(hi + pad)
    };
    let xr = range(&|p| p.1);
    let yr = range(&|p| p.2);
    let (xl, xu) = metric_label(xname);
    let (yl, yu) = metric_label("mean_sharing");
    let title = "Competition vs collaboration: each replication's run averages".to_string();
    let subtitle = format!(
        "small dots = one replication, large outlined dots = variant means{}",
        if look.limited() {
            "; grey = variants outside the 8 highlighted"
        } else {
            ""
        }
    );
    let svg = render("competition_vs_collaboration", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let main = main.margin(top as u32, 0, 0, 0);
        let xd = tick_decimals(xr.start, xr.end);
        let yd = tick_decimals(yr.start, yr.end);
        let x_fmt = |v: &f64| fmt_tick(*v, xd);
        let y_fmt = |v: &f64| fmt_tick(*v, yd);
        let mut chart = ChartBuilder::on(&main)
            .margin(20)
            .x_label_area_size(TICK * 2 + DESC + 8)
            .y_label_area_size(100)
            .build_cartesian_2d(xr.clone(), yr.clone())?;
        chart
            .configure_mesh()
            .x_desc(format!("{xl} ({xu})"))
            .y_desc(format!("{yl} ({yu})"))
            .label_style(font(TICK))
            .axis_desc_style(font(DESC))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(SUBTLE)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        // Grey (non-highlighted) first, so coloured points sit on top.
        let mut sorted = pts.clone();
        sorted.sort_by_key(|p| look.shown.contains(&p.0));
        chart.draw_series(
            sorted
                .iter()
                .map(|&(v, x, y)| Circle::new((x, y), 6, look.colors[v].mix(0.55).filled())),
        )?;
        for v in 0..r.variants.len() {
            let mut sx = OnlineStats::new();
            let mut sy = OnlineStats::new();
            for &(pv, x, y) in &pts {
                if pv == v {
                    sx.push(x);
                    sy.push(y);
                }
            }
            if sx.n() == 0 {
                continue;
            }
            let c = look.colors[v];
            chart.draw_series([
                Circle::new((sx.mean(), sy.mean()), 13, c.filled()),
                Circle::new((sx.mean(), sy.mean()), 13, INK.stroke_width(2)),
            ])?;
        }
        let mut items = variant_legend(r, look, Swatch::BigDot);
        items.push(("one replication".into(), Swatch::Dot(SUBTLE)));
        draw_legend(&legend, 10, top + 20, "Variant (mean)", &items)
    })?;
    Ok(Some(Chart {
        name: "competition_vs_collaboration".into(),
        section: "Competition and collaboration",
        title,
        caption: format!(
            "x: {} ({xu}); y: {} ({yu}). Up and to the left = more collaboration with less competition.",
            xl.to_lowercase(),
            yl.to_lowercase()
        ),
        svg,
    }))
}

/// The outcome used for sweep charts: `total_<primary>`.
fn outcome(r: &Results) -> Option<(String, usize)> {
    let c = r
        .summary
        .columns
        .iter()
        .position(|c| c == "total_throughput")
        .or_else(|| {
            r.summary
                .columns
                .iter()
                .position(|c| c.starts_with("total_"))
        })?;
    Some((r.summary.columns[c].clone(), c))
}

fn sweep_values(r: &Results, param: &str) -> Option<Vec<f64>> {
    (0..r.variants.len())
        .map(|v| r.param(v, param).and_then(|s| s.trim().parse::<f64>().ok()))
        .collect()
}

/// A one-parameter sweep: the outcome at each swept value, one line per
/// combination of the other settings that differ.
fn sweep_line(r: &Results) -> Result<Option<Chart>, PlotError> {
    if r.sweep_params.len() != 1 || r.variants.len() < 2 {
        return Ok(None);
    }
    let param = &r.sweep_params[0];
    let (Some(xs), Some((oname, oc))) = (sweep_values(r, param), outcome(r)) else {
        return Ok(None);
    };
    let groups = sweep_lines(r, param);
    let look = Look::new(groups.len());
    let lines: Vec<Line> = look
        .shown
        .iter()
        .map(|&g| {
            let mut pts: Vec<(f64, f64, f64)> = groups[g]
                .1
                .iter()
                .map(|&v| {
                    let st = r.summary.stats(v, oc);
                    (xs[v], st.mean(), st.ci95_half_width())
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            Line { v: g, pts }
        })
        .collect();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = if hi > lo { (hi - lo) * 0.03 } else { 1.0 };
    let (olabel, ounit) = metric_label(&oname);
    let title = format!("{olabel} across the sweep of {param}");
    let mut subtitle = format!(
        "dots = swept values; mean of {} replications, band = 95% confidence interval",
        r.replications_text()
    );
    if look.limited() {
        subtitle = format!(
            "{subtitle}; showing {} of {} lines",
            look.shown.len(),
            look.total
        );
    }
    let panel = Panel {
        title: String::new(),
        x_desc: param.clone(),
        y_desc: format!("{olabel} ({ounit})"),
        x_range: (lo - pad)..(hi + pad),
        shades: Vec::new(),
        labels: Vec::new(),
        hline: None,
        zero: false,
        small: false,
        markers: true,
    };
    let legend = groups.len() > 1;
    let svg = render("sweep", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        if legend {
            let (main, leg) = root.split_horizontally(WIDTH - LEGEND_W);
            let main = main.margin(top as u32, 0, 0, 0);
            line_panel(&main, &panel, &lines, &look)?;
            let items: Vec<(String, Swatch)> = look
                .shown
                .iter()
                .map(|&g| (groups[g].0.clone(), Swatch::LineBand(look.colors[g])))
                .collect();
            draw_legend(&leg, 10, top + 20, "Line", &items)
        } else {
            let main = root.margin(top as u32, 0, 0, 0);
            line_panel(&main, &panel, &lines, &look)
        }
    })?;
    Ok(Some(Chart {
        name: "sweep".into(),
        section: "Sweep",
        title,
        caption: format!(
            "{olabel} (mean and 95% CI over replications) at each swept value of {param}."
        ),
        svg,
    }))
}

/// The lines of a one-parameter sweep, named, with their variants: one per
/// combination of the other differing settings (e.g. the structure when a
/// sweep is crossed with structures).
fn sweep_lines(r: &Results, param: &str) -> Vec<(String, Vec<usize>)> {
    let others: Vec<String> = r
        .differing_params()
        .into_iter()
        .filter(|p| p != param)
        .collect();
    let structures_differ = r
        .variants
        .iter()
        .any(|v| v.structure != r.variants[0].structure);
    // The structure alone names the lines when it tells them apart.
    let by_structure_only = structures_differ && {
        let mut seen: Vec<(String, String)> = Vec::new();
        (0..r.variants.len()).all(|v| {
            let k = (
                r.variants[v].structure.clone(),
                r.param(v, param).unwrap_or("").to_string(),
            );
            let fresh = !seen.contains(&k);
            seen.push(k);
            fresh
        })
    };
    let key = |v: usize| {
        let mut parts = Vec::new();
        if structures_differ {
            parts.push(r.variants[v].structure.clone());
        }
        if by_structure_only {
            return parts.join(", ");
        }
        for p in &others {
            parts.push(format!("{p}={}", r.param(v, p).unwrap_or("")));
        }
        parts.join(", ")
    };
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for v in 0..r.variants.len() {
        let k = key(v);
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.push(v),
            None => groups.push((k, vec![v])),
        }
    }
    groups
}
/// Viridis, sampled (colour-blind-safe and monotone in lightness).
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let f = t * (STOPS.len() - 1) as f64;
    let i = (f.floor() as usize).min(STOPS.len() - 2);
    let u = f - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn sorted_unique(vals: &[String]) -> Vec<String> {
    let mut u: Vec<String> = vals.to_vec();
    u.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
    u.dedup();
    u
}

/// Whether the swept points form a full grid (every combination of the
/// swept values), as opposed to scattered points such as a Latin hypercube.
fn sweep_is_grid(r: &Results) -> bool {
    let values: Vec<Vec<String>> = r
        .sweep_params
        .iter()
        .map(|p| {
            (0..r.variants.len())
                .map(|v| r.param(v, p).unwrap_or("").to_string())
                .collect()
        })
        .collect();
    let mut points: Vec<Vec<&str>> = (0..r.variants.len())
        .map(|v| values.iter().map(|vals| vals[v].as_str()).collect())
        .collect();
    points.sort();
    points.dedup();
    let combinations: usize = values.iter().map(|v| sorted_unique(v).len()).product();
    combinations == points.len()
}

/// A sweep whose points are scattered (a Latin hypercube): the outcome's
/// mean at each point against each swept parameter, one panel per
/// parameter, dots coloured by structure. A heatmap of such points would
/// be a sparse diagonal of one-value rows and columns.
fn sweep_points(r: &Results) -> Result<Option<Chart>, PlotError> {
    if r.sweep_params.len() < 2 || sweep_is_grid(r) {
        return Ok(None);
    }
    let Some((oname, oc)) = outcome(r) else {
        return Ok(None);
    };
    let params: Vec<&String> = r.sweep_params.iter().take(6).collect();
    let mut structures: Vec<String> = Vec::new();
    for v in &r.variants {
        if !structures.contains(&v.structure) {
            structures.push(v.structure.clone());
        }
    }
    let means: Vec<f64> = (0..r.variants.len())
        .map(|v| r.summary.stats(v, oc).mean())
        .collect();
    let finite = || means.iter().copied().filter(|m| m.is_finite());
    let (lo, hi) = (
        finite().fold(f64::INFINITY, f64::min),
        finite().fold(f64::NEG_INFINITY, f64::max),
    );
    if !lo.is_finite() {
        return Ok(None);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.06
    } else {
        lo.abs().max(1.0) * 0.05
    };
    let (olabel, ounit) = metric_label(&oname);
    let title = format!("{olabel} at each point of the sweep");
    let subtitle = format!(
        "{} points; dot = mean over {} replications at one point, against each swept parameter{}",
        r.variants.len() / structures.len().max(1),
        r.replications_text(),
        if r.sweep_params.len() > params.len() {
            format!(
                " (first {} of {} parameters)",
                params.len(),
                r.sweep_params.len()
            )
        } else {
            String::new()
        }
    );
    let cols = params.len().min(3);
    let rows = params.len().div_ceil(cols);
    let panels = PointPanels {
        r,
        structures: &structures,
        means: &means,
        yr: (lo - pad)..(hi + pad),
        y_desc: format!("{olabel} ({ounit})"),
    };
    let svg = render("sweep_points", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let main = main.margin(top as u32, 0, 0, 0);
        let cells = main.split_evenly((rows, cols));
        for (cell, p) in cells.iter().zip(&params) {
            panels.draw(cell, p)?;
        }
        let items: Vec<(String, Swatch)> = structures
            .iter()
            .enumerate()
            .map(|(k, s)| (s.clone(), Swatch::Dot(OKABE_ITO[k % OKABE_ITO.len()])))
            .collect();
        draw_legend(&legend, 10, top + 20, "Structure", &items)
    })?;
    Ok(Some(Chart {
        name: "sweep_points".into(),
        section: "Sweep",
        title,
        caption: format!(
            "Each dot is one point of the sweep: its mean {} (y) against the value of one swept parameter (x), one panel per parameter. A trend across a panel says the outcome follows that parameter; where structures differ, `orgsim map` names the winner at each point and the rules of where each wins.",
            olabel.to_lowercase()
        ),
        svg,
    }))
}

/// What the panels of scattered sweep points share: each variant's mean
/// outcome, the structures (the dots' colours) and the y axis.
struct PointPanels<'a> {
    r: &'a Results,
    structures: &'a [String],
    means: &'a [f64],
    yr: Range<f64>,
    y_desc: String,
}

impl PointPanels<'_> {
    /// One swept parameter's panel: each point's mean against its value
    /// (nothing when no variant has a numeric value).
    fn draw(&self, cell: &Area, p: &str) -> DResult<()> {
        let r = self.r;
        let means = self.means;
        let colour = |v: usize| {
            let k = self
                .structures
                .iter()
                .position(|s| *s == r.variants[v].structure)
                .unwrap_or(0);
            OKABE_ITO[k % OKABE_ITO.len()]
        };
        let yd = tick_decimals(self.yr.start, self.yr.end);
        let y_fmt = |v: &f64| fmt_tick(*v, yd);
        let xs: Vec<f64> = (0..r.variants.len())
            .map(|v| {
                r.param(v, p)
                    .and_then(|x| x.trim().parse().ok())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let xlo = xs
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::INFINITY, f64::min);
        let xhi = xs
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        if !xlo.is_finite() {
            return Ok(());
        }
        let xpad = if xhi > xlo {
            (xhi - xlo) * 0.04
        } else {
            xlo.abs().max(1.0) * 0.05
        };
        let xr = (xlo - xpad)..(xhi + xpad);
        let xd = tick_decimals(xr.start, xr.end);
        let x_fmt = |v: &f64| fmt_tick(*v, xd);
        let mut chart = ChartBuilder::on(cell)
            .margin(16)
            .x_label_area_size(TICK * 2 + DESC)
            .y_label_area_size(90)
            .build_cartesian_2d(xr, self.yr.clone())?;
        chart
            .configure_mesh()
            .x_desc(p)
            .y_desc(self.y_desc.as_str())
            .label_style(font(TICK))
            .axis_desc_style(font(DESC))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(SUBTLE)
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        chart.draw_series(
            (0..r.variants.len())
                .filter(|&v| xs[v].is_finite() && means[v].is_finite())
                .map(|v| Circle::new((xs[v], means[v]), 5, colour(v).mix(0.8).filled())),
        )?;
        Ok(())
    }
}

/// A two-parameter grid sweep: the outcome's mean in each cell of the grid.
fn heatmap(r: &Results) -> Result<Option<Chart>, PlotError> {
    if r.sweep_params.len() != 2 || !sweep_is_grid(r) {
        return Ok(None);
    }
    let (pa, pb) = (&r.sweep_params[0], &r.sweep_params[1]);
    let Some((oname, oc)) = outcome(r) else {
        return Ok(None);
    };
    let va: Vec<String> = (0..r.variants.len())
        .map(|v| r.param(v, pa).unwrap_or("").to_string())
        .collect();
    let vb: Vec<String> = (0..r.variants.len())
        .map(|v| r.param(v, pb).unwrap_or("").to_string())
        .collect();
    let xs = sorted_unique(&va);
    let ys = sorted_unique(&vb);
    let cells: Vec<(usize, usize, f64)> = (0..r.variants.len())
        .filter_map(|v| {
            let i = xs.iter().position(|x| *x == va[v])?;
            let j = ys.iter().position(|y| *y == vb[v])?;
            Some((i, j, r.summary.stats(v, oc).mean()))
        })
        .collect();
    let lo = cells
        .iter()
        .map(|c| c.2)
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = cells
        .iter()
        .map(|c| c.2)
        .filter(|x| x.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return Ok(None);
    }
    let (olabel, _) = metric_label(&oname);
    let title = format!("{olabel} over the {pa} × {pb} grid");
    let subtitle = format!(
        "cell colour and number = mean over {} replications",
        r.replications_text()
    );
    let grid = Grid {
        xs: &xs,
        ys: &ys,
        cells: &cells,
        lo,
        hi,
    };
    let svg = render("heatmap", |root| {
        let top = draw_title(root, &title, &subtitle)?;
        let (main, scale) = root.split_horizontally(WIDTH - 260);
        let main = main.margin(top as u32, 0, 0, 0);
        grid.draw_cells(&main, pa, pb)?;
        grid.draw_scale(&scale, top, &olabel)
    })?;
    Ok(Some(Chart {
        name: "heatmap".into(),
        section: "Sweep",
        title,
        caption: format!(
            "Mean {} for each combination of {pa} (x) and {pb} (y); brighter = higher, scale on the right.",
            olabel.to_lowercase()
        ),
        svg,
    }))
}

/// A heatmap's grid: the swept values along each axis, each cell's
/// `(column, row, mean)`, and the range of the finite means.
struct Grid<'a> {
    xs: &'a [String],
    ys: &'a [String],
    cells: &'a [(usize, usize, f64)],
    lo: f64,
    hi: f64,
}

impl Grid<'_> {
    /// Where a mean falls on the colour scale (0 to 1).
    fn norm(&self, x: f64) -> f64 {
        if self.hi > self.lo {
            (x - self.lo) / (self.hi - self.lo)
        } else {
            0.5
        }
    }

    /// The cells on axes labelled with the swept values (`pa` across, `pb`
    /// up), each coloured by its mean and, when few enough, numbered.
    fn draw_cells(&self, main: &Area, pa: &str, pb: &str) -> DResult<()> {
        let (xs, ys) = (self.xs, self.ys);
        let annotate = xs.len() <= 14 && ys.len() <= 14;
        let lab = |i: &f64, v: &[String]| {
            let k = i.floor();
            if (*i - k - 0.5).abs() < 1e-6 && k >= 0.0 {
                v.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let x_fmt = |i: &f64| lab(i, xs);
        let y_fmt = |i: &f64| lab(i, ys);
        let mut chart = ChartBuilder::on(main)
            .margin(20)
            .x_label_area_size(TICK * 2 + DESC + 8)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..xs.len() as f64, 0f64..ys.len() as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(pa)
            .y_desc(pb)
            .label_style(font(TICK))
            .axis_desc_style(font(DESC))
            .x_labels(xs.len() * 2 + 1)
            .y_labels(ys.len() * 2 + 1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        for &(i, j, m) in self.cells {
            let (x, y) = (i as f64, j as f64);
            let fill = if m.is_finite() {
                viridis(self.norm(m))
            } else {
                RGBColor(0xEE, 0xEE, 0xEE)
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y), (x + 1.0, y + 1.0)],
                fill.filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y), (x + 1.0, y + 1.0)],
                WHITE.stroke_width(2),
            )))?;
            if annotate {
                let (px, py) = rel(main, chart.backend_coord(&(x + 0.5, y + 0.5)));
                let ink = if self.norm(m) > 0.6 { INK } else { WHITE };
                let size = if xs.len() > 9 { 15 } else { 20 };
                main.draw(&Text::new(
                    fmt_num(m),
                    (px, py),
                    anchored(font_c(size, ink), HPos::Center, VPos::Center),
                ))?;
            }
        }
        Ok(())
    }

    /// The colour scale beside the grid, with five values from low to high.
    fn draw_scale(&self, scale: &Area, top: i32, olabel: &str) -> DResult<()> {
        let (lo, hi) = (self.lo, self.hi);
        let (_, h) = scale.dim_in_pixel();
        let (x0, y0, bw) = (30i32, top + 60, 40i32);
        let y1 = h as i32 - 110;
        scale.draw(&Text::new(
            fit(olabel, LEGEND, 230),
            (x0, top + 20),
            anchored(font(LEGEND), HPos::Left, VPos::Top),
        ))?;
        let steps = 60;
        for k in 0..steps {
            let t0 = k as f64 / steps as f64;
            let ya = y1 - ((y1 - y0) as f64 * t0) as i32;
            let yb = y1 - ((y1 - y0) as f64 * (k + 1) as f64 / steps as f64) as i32;
            scale.draw(&Rectangle::new(
                [(x0, yb), (x0 + bw, ya)],
                viridis(t0 + 0.5 / steps as f64).filled(),
            ))?;
        }
        scale.draw(&Rectangle::new(
            [(x0, y0), (x0 + bw, y1)],
            INK.stroke_width(1),
        ))?;
        for k in 0..=4 {
            let t = k as f64 / 4.0;
            let y = y1 - ((y1 - y0) as f64 * t) as i32;
            scale.draw(&PathElement::new(
                vec![(x0 + bw, y), (x0 + bw + 8, y)],
                INK.stroke_width(1),
            ))?;
            scale.draw(&Text::new(
                fmt_num(lo + (hi - lo) * t),
                (x0 + bw + 14, y),
                anchored(font(TICK), HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::twin_gap_percent;

    /// A week that is lucky for the run is lucky for its twin too (same
    /// random streams): the chart of run minus twin cancels it, where the
    /// level chart showed it as a rise at the event.
    #[test]
    fn luck_shared_with_the_twin_cancels_and_the_event_s_dip_remains() {
        // Two replications at 100 a week; week 0 is 50% busier in run and
        // twin alike; the run alone loses 20 in weeks 3-5.
        let reps: Vec<Vec<(f64, f64)>> = [100.0, 120.0]
            .iter()
            .map(|&level| {
                (0..8)
                    .map(|j| {
                        let twin = if j == 0 { level * 1.5 } else { level };
                        let run = if (3..6).contains(&j) {
                            twin - 20.0
                        } else {
                            twin
                        };
                        (run, twin)
                    })
                    .collect()
            })
            .collect();
        let st = twin_gap_percent(&reps, 8, 1);
        assert_eq!(st[0].mean(), 0.0, "shared luck cancels");
        assert_eq!(st[1].mean(), 0.0);
        // -20% and -16.7% of the twin: mean -18.3%, an interval around it.
        let dip = (-20.0 - 100.0 / 6.0) / 2.0;
        assert!((st[3].mean() - dip).abs() < 1e-9, "{}", st[3].mean());
        assert!(st[3].ci95_half_width() > 0.0);
        assert_eq!(st[6].mean(), 0.0, "back beside the twin");
        // Smoothing as the recovery measure: trailing means restarted at
        // the event, of run and twin, before the ratio.
        let smoothed = twin_gap_percent(&reps[..1], 8, 2);
        assert_eq!(smoothed[0].mean(), 0.0);
        assert!((smoothed[3].mean() - 100.0 * -20.0 / 200.0).abs() < 1e-9);
        assert!((smoothed[4].mean() - -20.0).abs() < 1e-9);
        // Absent weeks (NaN) and missing replications are skipped.
        let gappy = vec![vec![(f64::NAN, f64::NAN); 3], reps[0][..3].to_vec()];
        let st = twin_gap_percent(&gappy, 3, 1);
        assert_eq!(st[0].n(), 1);
    }
}
