//! The report's opening: the answer to the scenario's question in three
//! sentences (who leads on the headline measure, how the events compare,
//! and why and where when `orgsim explain` and `orgsim map` have been run
//! into the folder), and the "Why" and "Where" sections they come from.

use std::path::Path;

use crate::plot::data::Results;
use crate::plot::{self, fmt_num};

/// `orgsim explain`'s results in the folder.
pub struct Why {
    /// The plain-words paragraph (explain.txt).
    pub paragraph: String,
    /// The waterfall chart's SVG.
    pub svg: Option<String>,
    /// a, b, measure, total (mean, low, high), and factors (name, value, low, high).
    pub a: String,
    pub b: String,
    pub measure: String,
    pub total: (f64, f64, f64),
    pub factors: Vec<(String, f64, f64, f64)>,
}

/// `orgsim map`'s results in the folder.
pub struct Where {
    /// map.txt: per measure, shares and rules.
    pub text: String,
    /// (chart stem, SVG) per measure.
    pub charts: Vec<(String, String)>,
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or(f64::NAN)
}

impl Why {
    /// Reads explain.csv, explain.txt and the waterfall (None: not run here).
    pub fn load(dir: &Path) -> Option<Why> {
        let text = std::fs::read_to_string(dir.join("explain.csv")).ok()?;
        let paragraph = std::fs::read_to_string(dir.join("explain.txt")).unwrap_or_default();
        let svg = std::fs::read_to_string(dir.join("charts").join("explain_waterfall.svg")).ok();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let mut why = Why {
            paragraph: paragraph.trim().to_string(),
            svg,
            a: String::new(),
            b: String::new(),
            measure: String::new(),
            total: (f64::NAN, f64::NAN, f64::NAN),
            factors: Vec::new(),
        };
        for row in rd.records().flatten() {
            let get = |i: usize| row.get(i).unwrap_or("");
            why.measure = get(7).to_string();
            let (v, lo, hi) = (num(get(4)), num(get(5)), num(get(6)));
            match get(0) {
                "a" => why.a = get(1).to_string(),
                "b" => why.b = get(1).to_string(),
                "total" => why.total = (v, lo, hi),
                "factor" => why.factors.push((get(1).to_string(), v, lo, hi)),
                _ => {}
            }
        }
        Some(why)
    }

    /// "Why: of the 223 more total throughput of peer than hierarchy, 286
    /// [241, 332] comes from practice and −64 [−117, −10] from structure."
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = self
            .factors
            .iter()
            .take(3)
            .map(|(n, v, lo, hi)| {
                format!(
                    "{} [{}, {}] from {n}",
                    fmt_num(*v),
                    fmt_num(*lo),
                    fmt_num(*hi)
                )
            })
            .collect();
        let label = plot::metric_label(&self.measure).0.to_lowercase();
        let label = if label.is_empty() {
            self.measure.clone()
        } else {
            label
        };
        format!(
            "Why: of the difference of {} in {label} between {} and {} (in the explanation's own runs, with common random numbers), {}{}.",
            fmt_num(self.total.0),
            self.a,
            self.b,
            parts.join(", "),
            if self.factors.len() > 3 {
                ", the rest from smaller factors"
            } else {
                ""
            }
        )
    }
}

impl Where {
    /// Reads map.txt and the map charts (None: not run here).
    pub fn load(dir: &Path) -> Option<Where> {
        let text = std::fs::read_to_string(dir.join("map.txt")).ok()?;
        let mut charts: Vec<(String, String)> = std::fs::read_dir(dir.join("charts"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.strip_prefix("map_")?.strip_suffix(".svg")?.to_string();
                Some((stem, std::fs::read_to_string(e.path()).ok()?))
            })
            .collect();
        charts.sort();
        Some(Where { text, charts })
    }

    /// The headline line: "Where: on total_throughput, peer leads at 50% of
    /// the mapped points, ...; hierarchy leads when ...".
    pub fn sentence(&self) -> String {
        let mut lines = self.text.lines();
        let first = lines.next().unwrap_or("").trim();
        let rule = lines
            .next()
            .filter(|l| l.starts_with("  "))
            .map(|l| format!("; {}", l.trim()))
            .unwrap_or_default();
        format!(
            "Where: {}{rule}.",
            first.replace(": points led:", ", share of mapped points led:")
        )
    }
}

/// The answer in three sentences: the headline measure's leader and the
/// size and significance of its lead, the events (or stability), and why
/// and where (when run) or where to read on.
pub fn answer(r: &Results, why: Option<&Why>, place: Option<&Where>) -> Vec<String> {
    let mut out = Vec::new();
    let nv = r.variants.len();
    let Some(total) = r
        .summary
        .columns
        .iter()
        .find(|c| c.starts_with("total_"))
        .cloned()
    else {
        return out;
    };
    let means: Vec<(usize, f64, f64)> = (0..nv)
        .filter_map(|v| {
            let c = r.summary.col(&total)?;
            let st = r.summary.stats_scaled(v, c, 1.0);
            (st.n() > 0).then(|| (v, st.mean(), st.ci95_half_width()))
        })
        .collect();
    let mut ranked = means.clone();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let label = plot::metric_label(&total).0.to_lowercase();
    if let [best, second, ..] = ranked.as_slice() {
        let (a, b) = (&r.variants[best.0].name, &r.variants[second.0].name);
        let test = r.comparisons.iter().find(|c| {
            c.metric == total
                && ((c.variant_a == *a && c.variant_b == *b)
                    || (c.variant_a == *b && c.variant_b == *a))
        });
        let rank = if nv > 2 {
            format!("; {} of the {nv} variants rank below", nv - 2)
        } else {
            String::new()
        };
        let lead = |sig: String| {
            format!(
                "{a} has the highest {label} ({}), {} more than {b} ({}): {sig}{rank}.",
                fmt_num(best.1),
                fmt_num(best.1 - second.1),
                fmt_num(second.1),
            )
        };
        out.push(match test {
            Some(c) if c.p_holm < 0.05 => lead(format!(
                "a significant lead ({} Holm-adjusted over the comparisons of {label})",
                p_text(c.p_holm)
            )),
            // A client reads "has the highest" as a verdict: a lead within
            // the noise is said to be none.
            Some(c) => format!(
                "No variant clearly has the highest {label}: {a} ({}) and {b} ({}) differ by {}, which is not significant ({} Holm-adjusted over the comparisons of {label}).",
                fmt_num(best.1),
                fmt_num(second.1),
                fmt_num(best.1 - second.1),
                p_text(c.p_holm)
            ),
            None => lead("no test of the difference".to_string()),
        });
    } else if let [only] = ranked.as_slice() {
        out.push(format!(
            "{} has a {label} of {}.",
            r.variants[only.0].name,
            fmt_num(only.1)
        ));
    }
    out.push(event_sentence(r));
    match (why, place) {
        (None, None) => out.push(
            "Why and where are not in this folder yet: `orgsim explain` and `orgsim map` add them; charts, tables and every comparison are below."
                .to_string(),
        ),
        (w, p) => {
            let mut s = String::new();
            if let Some(w) = w {
                s.push_str(&w.sentence());
            }
            if let Some(p) = p {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(&p.sentence());
            }
            out.push(s);
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// How the first scheduled event hits the variants, or their stability.
fn event_sentence(r: &Results) -> String {
    let nv = r.variants.len();
    let best = |col: &str| -> Option<(usize, f64, usize, f64)> {
        let c = r.summary.col(col)?;
        let mut m: Vec<(usize, f64)> = (0..nv)
            .map(|v| (v, r.summary.stats_scaled(v, c, 1.0).mean()))
            .filter(|x| x.1.is_finite())
            .collect();
        m.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (lo, hi) = (m.first()?, m.last()?);
        Some((lo.0, lo.1, hi.0, hi.1))
    };
    // With twins: the primary metric's effect (run minus twin; the largest
    // is the smallest loss).
    if let Some(e) = r.events.first()
        && let Some(primary) = r
            .summary
            .columns
            .iter()
            .find_map(|c| c.strip_prefix("total_"))
        && let Some((lo, x, hi, y)) = best(&format!("event{}_{primary}_effect", e.k))
    {
        let name = if e.label.is_empty() {
            format!("event {}", e.k)
        } else {
            e.label.clone()
        };
        let (label, _) = crate::plot::metric_label(primary);
        // Signed: an effect can be a gain as well as a loss.
        let signed = |v: f64| {
            if v > 0.0 {
                format!("+{}", fmt_num(v))
            } else {
                fmt_num(v)
            }
        };
        return format!(
            "After “{name}” (week {}), {} fares best ({} {} against its twin without the event) and {} worst ({}); the Findings say which of these differ from no effect.",
            fmt_num(e.start),
            r.variants[hi].name,
            signed(y),
            label.to_lowercase(),
            r.variants[lo].name,
            signed(x),
        );
    }
    if let Some(e) = r.events.first()
        && let Some((a, x, b, y)) = best(&format!("event{}_resilience_loss", e.k))
    {
        let name = if e.label.is_empty() {
            format!("event {}", e.k)
        } else {
            e.label.clone()
        };
        return format!(
            "After “{name}” (week {}), {} loses least output ({} resilience loss) and {} most ({}).",
            fmt_num(e.start),
            r.variants[a].name,
            fmt_num(x),
            r.variants[b].name,
            fmt_num(y)
        );
    }
    if let Some((a, x, b, y)) = r
        .summary
        .columns
        .iter()
        .find(|c| c.ends_with("_variability"))
        .and_then(|c| best(c))
        .filter(|_| nv > 1)
    {
        return format!(
            "{} has the steadiest weekly output (coefficient of variation {}), {} the least steady ({}).",
            r.variants[a].name,
            fmt_num(x),
            r.variants[b].name,
            fmt_num(y)
        );
    }
    String::new()
}

/// "p = 0.012" or "p < 0.001".
fn p_text(p: f64) -> String {
    let t = super::fmt_p(p);
    if t.starts_with('<') {
        format!("p {t}")
    } else {
        format!("p = {t}")
    }
}
