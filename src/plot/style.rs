//! Shared look: palette, fonts, titles, legends and number formatting.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe–Ito colour-blind-safe palette, most distinguishable first (yellow
/// last: it is weak on white).
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xB8, 0xA4, 0x00), // yellow, darkened to read on white
];
pub const MUTED: RGBColor = RGBColor(0xB0, 0xB0, 0xB0);
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const SUBTLE: RGBColor = RGBColor(0x55, 0x55, 0x55);
pub const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// At most this many variants get their own line and colour.
pub const MAX_LINES: usize = 8;

pub const TITLE: u32 = 34;
pub const SUBTITLE: u32 = 22;
pub const DESC: u32 = 24;
pub const TICK: u32 = 20;
pub const LEGEND: u32 = 22;
pub const LEGEND_W: u32 = 330;

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A drawing error, flattened to text.
#[derive(Debug)]
pub struct DErr(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DErr {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DErr(e.to_string())
    }
}

pub type DResult<T> = Result<T, DErr>;

/// How each variant is drawn, the same in every chart.
#[derive(Clone, Debug)]
pub struct Look {
    pub colors: Vec<RGBColor>,
    /// Variants that get a line of their own (at most [`MAX_LINES`]).
    pub shown: Vec<usize>,
    pub total: usize,
}

impl Look {
    pub fn new(n: usize) -> Look {
        let shown: Vec<usize> = if n <= MAX_LINES {
            (0..n).collect()
        } else {
            let mut s: Vec<usize> = (0..MAX_LINES)
                .map(|i| ((i * (n - 1)) as f64 / (MAX_LINES - 1) as f64).round() as usize)
                .collect();
            s.dedup();
            s
        };
        let mut colors = vec![MUTED; n];
        for (i, &v) in shown.iter().enumerate() {
            colors[v] = OKABE_ITO[i % OKABE_ITO.len()];
        }
        Look {
            colors,
            shown,
            total: n,
        }
    }

    pub fn limited(&self) -> bool {
        self.shown.len() < self.total
    }

    /// "showing 8 of 25 variants (evenly spaced)" or empty.
    pub fn limit_note(&self) -> String {
        if self.limited() {
            format!(
                "showing {} of {} variants, evenly spaced through the sweep",
                self.shown.len(),
                self.total
            )
        } else {
            String::new()
        }
    }
}

pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

pub fn font_c(size: u32, c: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&c)
}

pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Width of `text` in pixels at `size`.
pub fn text_w(text: &str, size: u32) -> u32 {
    ("sans-serif", size)
        .into_font()
        .box_size(text)
        .map(|(w, _)| w)
        .unwrap_or((text.chars().count() as u32) * size * 6 / 10)
}

/// Shortens `text` with an ellipsis so that it fits in `max_w` pixels.
pub fn fit(text: &str, size: u32, max_w: u32) -> String {
    if text_w(text, size) <= max_w {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 1 {
        n -= 1;
        let s: String = chars[..n].iter().collect::<String>() + "…";
        if text_w(&s, size) <= max_w {
            return s;
        }
    }
    "…".to_string()
}

/// Draws the title (and an optional subtitle line) at the top left; returns
/// the height used.
pub fn draw_title(area: &Area, title: &str, subtitle: &str) -> DResult<i32> {
    let (w, _) = area.dim_in_pixel();
    let t = fit(title, TITLE, w - 60);
    area.draw(&Text::new(
        t,
        (30, 18),
        anchored(font(TITLE), HPos::Left, VPos::Top),
    ))?;
    if subtitle.is_empty() {
        return Ok(66);
    }
    let s = fit(subtitle, SUBTITLE, w - 60);
    area.draw(&Text::new(
        s,
        (30, 62),
        anchored(font_c(SUBTITLE, SUBTLE), HPos::Left, VPos::Top),
    ))?;
    Ok(98)
}

/// A backend (absolute) pixel position made relative to `area`.
pub fn rel(area: &Area, p: (i32, i32)) -> (i32, i32) {
    let (bx, by) = area.get_base_pixel();
    (p.0 - bx, p.1 - by)
}

/// What a legend swatch looks like.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    LineBand(RGBColor),
    Dashed(RGBColor),
    Box(RGBColor),
    Dot(RGBColor),
    BigDot(RGBColor),
    Shade,
}

/// Draws a legend as a column of entries starting at `(x, y)` inside `area`.
pub fn draw_legend(
    area: &Area,
    x: i32,
    y: i32,
    heading: &str,
    items: &[(String, Swatch)],
) -> DResult<()> {
    let (w, _) = area.dim_in_pixel();
    let mut y = y;
    if !heading.is_empty() {
        area.draw(&Text::new(
            fit(heading, LEGEND, w.saturating_sub(x as u32 + 10)),
            (x, y),
            anchored(font_c(LEGEND, SUBTLE), HPos::Left, VPos::Top),
        ))?;
        y += 36;
    }
    let text_x = x + 52;
    let max_w = w.saturating_sub(text_x as u32 + 10);
    // Long labels (a sweep point's variant name) take two lines when every
    // entry could and the legend would still fit the chart's height.
    let (_, h) = area.dim_in_pixel();
    let height: i32 = items
        .iter()
        .map(|(l, _)| 34 + LINE_2 * (wrap_lines(l, LEGEND, max_w).len() as i32 - 1))
        .sum();
    let wrap = y + height <= h as i32 - 10;
    for (label, sw) in items {
        let lines = if wrap {
            wrap_lines(label, LEGEND, max_w)
        } else {
            vec![fit(label, LEGEND, max_w)]
        };
        let n = lines.len() as i32;
        // The swatch sits at the middle of the entry's lines.
        let cy = y + 13 + LINE_2 * (n - 1) / 2;
        match *sw {
            Swatch::LineBand(c) => {
                area.draw(&Rectangle::new(
                    [(x, cy - 10), (x + 40, cy + 10)],
                    c.mix(0.2).filled(),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x, cy), (x + 40, cy)],
                    c.stroke_width(4),
                ))?;
            }
            Swatch::Dashed(c) => {
                for i in 0..3 {
                    let x0 = x + i * 15;
                    area.draw(&PathElement::new(
                        vec![(x0, cy), (x0 + 9, cy)],
                        c.stroke_width(3),
                    ))?;
                }
            }
            Swatch::Box(c) => {
                area.draw(&Rectangle::new(
                    [(x + 4, cy - 10), (x + 36, cy + 10)],
                    c.filled(),
                ))?;
            }
            Swatch::Dot(c) => {
                area.draw(&Circle::new((x + 20, cy), 6, c.mix(0.7).filled()))?;
            }
            Swatch::BigDot(c) => {
                area.draw(&Circle::new((x + 20, cy), 12, c.filled()))?;
                area.draw(&Circle::new((x + 20, cy), 12, INK.stroke_width(2)))?;
            }
            Swatch::Shade => {
                area.draw(&Rectangle::new(
                    [(x, cy - 12), (x + 40, cy + 12)],
                    RGBColor(0x99, 0x99, 0x99).mix(0.25).filled(),
                ))?;
            }
        }
        for (k, line) in lines.into_iter().enumerate() {
            area.draw(&Text::new(
                line,
                (text_x, cy + LINE_2 * k as i32 - LINE_2 * (n - 1) / 2),
                anchored(font(LEGEND), HPos::Left, VPos::Center),
            ))?;
        }
        y += 34 + LINE_2 * (n - 1);
    }
    Ok(())
}

/// Extra height of a legend entry on two lines.
const LINE_2: i32 = 24;

/// Most lines a legend entry wraps to.
const LEGEND_LINES: usize = 3;

/// `text` wrapped at spaces into lines of at most `max_w` pixels, at most
/// `LEGEND_LINES` of them (the last shortened with an ellipsis if needed).
fn wrap_lines(text: &str, size: u32, max_w: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if text_w(&format!("{line} {word}"), size) <= max_w => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.len() > LEGEND_LINES {
        let rest = lines[LEGEND_LINES - 1..].join(" ");
        lines.truncate(LEGEND_LINES - 1);
        lines.push(rest);
    }
    lines.iter().map(|l| fit(l, size, max_w)).collect()
}

/// Decimals that show a value of this magnitude with about three
/// significant digits.
pub fn decimals_for(x: f64) -> usize {
    let a = x.abs();
    if !a.is_finite() || a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else if a == 0.0 {
        0
    } else {
        ((-a.log10()).floor() as usize + 3).min(6)
    }
}

/// A number for people: about three significant digits (whole numbers
/// without decimals), no thousands separators.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let d = if x.fract() == 0.0 { 0 } else { decimals_for(x) };
    let s = format!("{x:.d$}");
    if s == "-0" { "0".into() } else { s }
}

/// `mean ± half` with the half-width at the mean's precision.
pub fn fmt_pm(mean: f64, half: f64) -> String {
    if !mean.is_finite() {
        return "–".to_string();
    }
    if !half.is_finite() {
        return fmt_num(mean);
    }
    // The mean's three significant digits, or more when the half-width
    // needs them to show one significant digit.
    let half_d = if half > 0.0 && half < 1.0 {
        ((-half.log10()).ceil() as usize).min(6)
    } else {
        0
    };
    let d = decimals_for(mean).max(half_d);
    format!("{mean:.d$} ± {half:.d$}")
}

/// Tick label formatter for an axis spanning `lo..hi`.
pub fn tick_decimals(lo: f64, hi: f64) -> usize {
    let step = ((hi - lo) / 6.0).abs();
    if !step.is_finite() || step == 0.0 || step >= 1.0 {
        0
    } else {
        ((-step.log10()).ceil() as usize).min(6)
    }
}

pub fn fmt_tick(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

/// Human name of a metric or summary column, with unit where known.
pub fn metric_label(metric: &str) -> (String, String) {
    if let Some(m) = crate::metric::find(metric) {
        return (m.label.to_string(), m.unit.to_string());
    }
    let (name, unit) = match metric {
        "throughput_variability" => (
            "Throughput variability",
            "coefficient of variation of weekly output after the warm-up; lower = steadier (an overloaded organization that cannot follow demand also scores low)",
        ),
        _ => ("", ""),
    };
    if !name.is_empty() {
        return (name.to_string(), unit.to_string());
    }
    if let Some(m) = metric.strip_prefix("total_") {
        let (n, _) = metric_label(m);
        return (
            format!("Total {}", n.to_lowercase()),
            "sum over the run after the warm-up".into(),
        );
    }
    if let Some(m) = metric.strip_prefix("mean_") {
        let (n, u) = metric_label(m);
        return (
            format!("Mean {}", n.to_lowercase()),
            format!("{u}, averaged over the run"),
        );
    }
    let mut s = metric.replace('_', " ");
    if let Some(c) = s.get(0..1) {
        s = c.to_uppercase() + &s[1..];
    }
    (s, String::new())
}

/// File-name-safe version of a name.
pub fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_legend_label_wraps_at_spaces_into_at_most_three_lines() {
        let label = "hierarchy promotion_prize=0.5 relative_rewards=0.5";
        let w = text_w("promotion_prize=0.5 rel", LEGEND);
        let lines = wrap_lines(label, LEGEND, w);
        assert_eq!(
            lines,
            ["hierarchy", "promotion_prize=0.5", "relative_rewards=0.5"]
        );
        assert_eq!(wrap_lines("peer", LEGEND, w), ["peer"]);
        // Too many words: the third line carries the rest, shortened.
        let long = wrap_lines(
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            LEGEND,
            20,
        );
        assert_eq!(long.len(), 3);
        assert!(long[2].ends_with('…'), "{long:?}");
    }
}
