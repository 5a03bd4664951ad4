//! The "why" and "where" charts, written as SVG directly (exact placement of
//! every label, so long names are measured and shortened, never clipped):
//! a waterfall of an attribution and a phase diagram of a map.

use std::fmt::Write;

use super::style::{OKABE_ITO, fit};
use super::{HEIGHT, WIDTH};

const INK: &str = "#222222";
const SUBTLE: &str = "#555555";
const GRID: &str = "#e4e4e4";
const UP: &str = "#0072b2";
const DOWN: &str = "#d55e00";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn hex(i: usize) -> String {
    let c = OKABE_ITO[i % OKABE_ITO.len()];
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn open(title: &str, subtitle: &str) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"DejaVu Sans, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let _ = writeln!(
        s,
        "<text x=\"40\" y=\"52\" font-size=\"34\" fill=\"{INK}\">{}</text>",
        esc(&fit(title, 34, WIDTH - 80))
    );
    let _ = writeln!(
        s,
        "<text x=\"40\" y=\"88\" font-size=\"22\" fill=\"{SUBTLE}\">{}</text>",
        esc(&fit(subtitle, 22, WIDTH - 80))
    );
    s
}

fn text(s: &mut String, x: f64, y: f64, size: u32, anchor: &str, fill: &str, t: &str) {
    let _ = writeln!(
        s,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\" dominant-baseline=\"middle\" fill=\"{fill}\">{}</text>",
        esc(t)
    );
}

/// About six round ticks covering `lo..hi`.
pub fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).abs().max(1e-12);
    let raw = span / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 7.0)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

fn tick_label(v: f64, ticks: &[f64]) -> String {
    let step = if ticks.len() > 1 {
        (ticks[1] - ticks[0]).abs()
    } else {
        1.0
    };
    let d = if step >= 1.0 {
        0
    } else {
        ((-step.log10()).ceil() as usize).min(6)
    };
    let s = format!("{v:.d$}");
    if s.trim_start_matches(['-', '0', '.']).is_empty() {
        "0".into()
    } else {
        s
    }
}

/// One step of a waterfall.
#[derive(Clone, Debug)]
pub struct Step {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// A horizontal waterfall from `start` (b's mean) through each step to
/// `end` (a's mean): one row per step, bars floating from the running
/// total, 95% intervals as whiskers, values written beside the bars.
pub fn waterfall(
    title: &str,
    subtitle: &str,
    start: (&str, f64),
    steps: &[Step],
    end: (&str, f64),
    axis: &str,
) -> String {
    let mut s = open(title, subtitle);
    let f = Fall::new(start, steps, end);
    f.axis(&mut s, axis);
    // Start and end: a marker at the mean.
    for (i, (name, v)) in [(0, start), (f.rows - 1, end)] {
        let y = f.row_y(i);
        f.row_label(&mut s, y, name);
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"{:.1}\" fill=\"{INK}\"/>",
            f.x(v) - 3.0,
            y - f.bar_h / 2.0,
            f.bar_h
        );
        text(&mut s, f.x1 + 16.0, y, 22, "start", INK, &super::fmt_num(v));
    }
    let mut run = start.1;
    for (i, st) in steps.iter().enumerate() {
        f.step(&mut s, f.row_y(i + 1), run, st);
        run += st.value;
    }
    s.push_str("</svg>\n");
    s
}

/// A waterfall's geometry: its rows, and the value axis mapped to x.
struct Fall {
    /// Steps plus the start and end rows.
    rows: usize,
    top: f64,
    row_h: f64,
    bar_h: f64,
    label_w: u32,
    /// The plot's left and right edges.
    x0: f64,
    x1: f64,
    /// The value axis's range: every running total and whisker, padded.
    lo: f64,
    hi: f64,
}

impl Fall {
    fn new(start: (&str, f64), steps: &[Step], end: (&str, f64)) -> Fall {
        let rows = steps.len() + 2;
        let (top, bottom) = (130.0, HEIGHT as f64 - 110.0);
        let row_h = ((bottom - top) / rows as f64).min(120.0);
        let label_w = 520u32;
        let x0 = 40.0 + label_w as f64 + 20.0;
        let value_w = 300.0; // room right of the plot for the value labels
        let x1 = WIDTH as f64 - 40.0 - value_w;
        // Domain: every running total and whisker.
        let mut run = start.1;
        let mut lo = start.1.min(end.1);
        let mut hi = start.1.max(end.1);
        for st in steps {
            lo = lo.min(run + st.low).min(run).min(run + st.value);
            hi = hi.max(run + st.high).max(run).max(run + st.value);
            run += st.value;
        }
        let pad = ((hi - lo) * 0.06).max(hi.abs().max(1.0) * 1e-9);
        Fall {
            rows,
            top,
            row_h,
            bar_h: (row_h * 0.55).min(56.0),
            label_w,
            x0,
            x1,
            lo: lo - pad,
            hi: hi + pad,
        }
    }

    /// Where value `v` is across.
    fn x(&self, v: f64) -> f64 {
        self.x0 + (v - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)
    }

    /// Middle of row `i`.
    fn row_y(&self, i: usize) -> f64 {
        self.top + self.row_h * (i as f64 + 0.5)
    }

    /// Grid lines at round values, their labels, and the axis title.
    fn axis(&self, s: &mut String, axis: &str) {
        let (top, x0, x1) = (self.top, self.x0, self.x1);
        let ticks = nice_ticks(self.lo, self.hi);
        let plot_bottom = top + self.row_h * self.rows as f64;
        for t in &ticks {
            let _ = writeln!(
                s,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{plot_bottom:.1}\" stroke=\"{GRID}\"/>",
                self.x(*t)
            );
            text(
                s,
                self.x(*t),
                plot_bottom + 22.0,
                20,
                "middle",
                SUBTLE,
                &tick_label(*t, &ticks),
            );
        }
        text(
            s,
            (x0 + x1) / 2.0,
            plot_bottom + 62.0,
            22,
            "middle",
            INK,
            axis,
        );
    }

    /// A row's name, right-aligned before the plot.
    fn row_label(&self, s: &mut String, y: f64, name: &str) {
        text(
            s,
            40.0 + self.label_w as f64,
            y,
            22,
            "end",
            INK,
            &fit(name, 22, self.label_w),
        );
    }

    /// One step's row at `y`: a bar from the running total `run`, its
    /// whisker, and its value with the interval.
    fn step(&self, s: &mut String, y: f64, run: f64, st: &Step) {
        let (row_h, bar_h) = (self.row_h, self.bar_h);
        let fmt = super::fmt_num;
        let (a, b) = (self.x(run), self.x(run + st.value));
        let colour = if st.value >= 0.0 { UP } else { DOWN };
        self.row_label(s, y, &st.label);
        // Dashed connector from the previous row's end.
        let _ = writeln!(
            s,
            "<line x1=\"{a:.1}\" x2=\"{a:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{SUBTLE}\" stroke-dasharray=\"4 4\"/>",
            y - row_h / 2.0 - bar_h / 2.0,
            y - bar_h / 2.0
        );
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar_h:.1}\" fill=\"{colour}\"/>",
            a.min(b),
            y - bar_h / 2.0,
            (b - a).abs().max(2.0)
        );
        if st.low.is_finite() && st.high.is_finite() {
            let (wl, wh) = (self.x(run + st.low), self.x(run + st.high));
            let _ = writeln!(
                s,
                "<path d=\"M{wl:.1} {0:.1}V{1:.1}M{wl:.1} {y:.1}H{wh:.1}M{wh:.1} {0:.1}V{1:.1}\" stroke=\"{INK}\" stroke-width=\"2\" fill=\"none\"/>",
                y - bar_h / 4.0,
                y + bar_h / 4.0
            );
        }
        let sign = if st.value >= 0.0 { "+" } else { "" };
        text(
            s,
            self.x1 + 16.0,
            y,
            22,
            "start",
            colour,
            &format!(
                "{sign}{} [{}, {}]",
                fmt(st.value),
                fmt(st.low),
                fmt(st.high)
            ),
        );
    }
}

/// One cell of a phase diagram.
#[derive(Clone, Debug)]
pub struct Cell {
    pub x: f64,
    pub y: f64,
    /// Index of the winning structure (its colour).
    pub winner: usize,
    /// Whether the lead over the runner-up is significant.
    pub significant: bool,
}

/// A 2-D map: each grid point coloured by its winner, hatched where the
/// lead is not significant; a legend with each structure's share of points.
pub fn phase_diagram(
    title: &str,
    subtitle: &str,
    axes: (&str, &str),
    xs: &[f64],
    ys: &[f64],
    cells: &[Cell],
    legend: &[String],
) -> String {
    let mut s = open(title, subtitle);
    s.push_str(
        "<defs><pattern id=\"hatch\" width=\"12\" height=\"12\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"12\" height=\"12\" fill=\"white\" fill-opacity=\"0\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"12\" stroke=\"white\" stroke-width=\"6\"/></pattern></defs>\n",
    );
    let legend_w = 480.0;
    let (x0, x1) = (150.0, WIDTH as f64 - 60.0 - legend_w);
    let (y0, y1) = (130.0, HEIGHT as f64 - 120.0);
    // Cells are centred on their points; a point's cell reaches halfway to its neighbours.
    let edges = |v: &[f64]| -> Vec<f64> {
        let n = v.len();
        if n == 1 {
            return vec![v[0] - 0.5, v[0] + 0.5];
        }
        let mut e = vec![v[0] - (v[1] - v[0]) / 2.0];
        e.extend(v.windows(2).map(|w| (w[0] + w[1]) / 2.0));
        e.push(v[n - 1] + (v[n - 1] - v[n - 2]) / 2.0);
        e
    };
    let (ex, ey) = (edges(xs), edges(ys));
    let (lx, hx) = (ex[0], ex[ex.len() - 1]);
    let (ly, hy) = (ey[0], ey[ey.len() - 1]);
    let px = |v: f64| x0 + (v - lx) / (hx - lx) * (x1 - x0);
    let py = |v: f64| y1 - (v - ly) / (hy - ly) * (y1 - y0);
    for c in cells {
        let (Some(i), Some(j)) = (
            xs.iter().position(|&v| v == c.x),
            ys.iter().position(|&v| v == c.y),
        ) else {
            continue;
        };
        let (ax, bx) = (px(ex[i]), px(ex[i + 1]));
        let (ay, by) = (py(ey[j + 1]), py(ey[j]));
        let _ = writeln!(
            s,
            "<rect x=\"{ax:.1}\" y=\"{ay:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
            bx - ax,
            by - ay,
            hex(c.winner)
        );
        if !c.significant {
            let _ = writeln!(
                s,
                "<rect x=\"{ax:.1}\" y=\"{ay:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"url(#hatch)\"/>",
                bx - ax,
                by - ay
            );
        }
    }
    let _ = writeln!(
        s,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{INK}\"/>",
        x1 - x0,
        y1 - y0
    );
    axes_and_legend(
        &mut s,
        (x0, x1, y0, y1),
        (lx, hx, ly, hy),
        axes,
        legend,
        true,
    );
    s.push_str("</svg>\n");
    s
}

/// A map over scattered points (a Latin hypercube): each point a disc in
/// its winner's colour over the first two swept parameters, a ring where
/// the lead is not significant.
pub fn scatter_map(
    title: &str,
    subtitle: &str,
    axes: (&str, &str),
    cells: &[Cell],
    legend: &[String],
) -> String {
    let mut s = open(title, subtitle);
    let legend_w = 480.0;
    let (x0, x1) = (150.0, WIDTH as f64 - 60.0 - legend_w);
    let (y0, y1) = (130.0, HEIGHT as f64 - 120.0);
    let range = |f: &dyn Fn(&Cell) -> f64| {
        let lo = cells.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = cells.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.04).max(1e-9);
        (lo - pad, hi + pad)
    };
    let (lx, hx) = range(&|c| c.x);
    let (ly, hy) = range(&|c| c.y);
    let px = |v: f64| x0 + (v - lx) / (hx - lx) * (x1 - x0);
    let py = |v: f64| y1 - (v - ly) / (hy - ly) * (y1 - y0);
    let _ = writeln!(
        s,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{INK}\"/>",
        x1 - x0,
        y1 - y0
    );
    let r = if cells.len() > 400 { 6.0 } else { 10.0 };
    for c in cells {
        let colour = hex(c.winner);
        if c.significant {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\" fill=\"{colour}\"/>",
                px(c.x),
                py(c.y)
            );
        } else {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\" fill=\"white\" stroke=\"{colour}\" stroke-width=\"3\"/>",
                px(c.x),
                py(c.y)
            );
        }
    }
    axes_and_legend(
        &mut s,
        (x0, x1, y0, y1),
        (lx, hx, ly, hy),
        axes,
        legend,
        false,
    );
    s.push_str("</svg>\n");
    s
}

/// Ticks, axis names and the legend of a map chart; `hatch`: the legend
/// explains hatching (phase diagram) rather than rings (scatter).
fn axes_and_legend(
    s: &mut String,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    (lx, hx, ly, hy): (f64, f64, f64, f64),
    axes: (&str, &str),
    legend: &[String],
    hatch: bool,
) {
    let px = |v: f64| x0 + (v - lx) / (hx - lx) * (x1 - x0);
    let py = |v: f64| y1 - (v - ly) / (hy - ly) * (y1 - y0);
    let xt = nice_ticks(lx, hx);
    for t in &xt {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{y1}\" y2=\"{1}\" stroke=\"{INK}\"/>",
            px(*t),
            y1 + 8.0
        );
        text(
            s,
            px(*t),
            y1 + 26.0,
            20,
            "middle",
            SUBTLE,
            &tick_label(*t, &xt),
        );
    }
    if !axes.1.is_empty() {
        let yt = nice_ticks(ly, hy);
        for t in &yt {
            let _ = writeln!(
                s,
                "<line x1=\"{0}\" x2=\"{x0}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"{INK}\"/>",
                x0 - 8.0,
                py(*t)
            );
            text(
                s,
                x0 - 14.0,
                py(*t),
                20,
                "end",
                SUBTLE,
                &tick_label(*t, &yt),
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"50\" y=\"{0:.1}\" font-size=\"22\" text-anchor=\"middle\" fill=\"{INK}\" transform=\"rotate(-90 50 {0:.1})\">{1}</text>",
            (y0 + y1) / 2.0,
            esc(&fit(axes.1, 22, (y1 - y0) as u32))
        );
    }
    text(
        s,
        (x0 + x1) / 2.0,
        y1 + 66.0,
        22,
        "middle",
        INK,
        &fit(axes.0, 22, (x1 - x0) as u32),
    );
    let lx0 = x1 + 40.0;
    let legend_w = WIDTH as f64 - 40.0 - lx0;
    let mut y = y0 + 20.0;
    for (i, name) in legend.iter().enumerate() {
        let _ = writeln!(
            s,
            "<rect x=\"{lx0}\" y=\"{:.1}\" width=\"28\" height=\"28\" fill=\"{}\"/>",
            y - 14.0,
            hex(i)
        );
        text(
            s,
            lx0 + 40.0,
            y,
            22,
            "start",
            INK,
            &fit(name, 22, (legend_w - 40.0) as u32),
        );
        y += 44.0;
    }
    if hatch {
        let _ = writeln!(
            s,
            "<rect x=\"{lx0}\" y=\"{0:.1}\" width=\"28\" height=\"28\" fill=\"#8a8a8a\"/><rect x=\"{lx0}\" y=\"{0:.1}\" width=\"28\" height=\"28\" fill=\"url(#hatch)\"/>",
            y - 14.0
        );
    } else {
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"10\" fill=\"white\" stroke=\"#8a8a8a\" stroke-width=\"3\"/>",
            lx0 + 14.0
        );
    }
    text(
        s,
        lx0 + 40.0,
        y,
        22,
        "start",
        INK,
        &fit(
            if hatch {
                "hatched: lead not significant"
            } else {
                "ring: lead not significant"
            },
            22,
            (legend_w - 40.0) as u32,
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        let t = nice_ticks(3.2, 47.9);
        assert!(t.iter().all(|v| (3.2..=47.9).contains(v)));
        assert_eq!(t, vec![10.0, 20.0, 30.0, 40.0]);
    }
}
