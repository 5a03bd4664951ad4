//! A realistic results directory written from code, with known values, in
//! the formats `orgsim run` writes.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// The model's own metric columns, so the fixture cannot drift from `orgsim run`.
pub const METRICS: [&str; orgsim::org::N_METRICS] = orgsim::org::METRICS;

/// Variant names and structures of the standard fixture.
pub const VARIANTS: [(&str, &str); 6] = [
    ("top-down", "hierarchy"),
    ("leader-leader", "leader_leader"),
    ("peer", "peer"),
    ("peer-rotating", "peer"),
    ("top-down-large", "hierarchy"),
    ("leader-leader-flat", "leader_leader"),
];

pub const EVENT1: (&str, &str, usize, usize) = ("CEO departs", "departure", 50, 1);
pub const EVENT2: (&str, &str, usize, usize) = ("Demand spike", "demand", 120, 10);

/// Deterministic noise in [-1, 1].
pub fn noise(a: u64, b: u64, c: u64) -> f64 {
    let mut x = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(c.wrapping_mul(0x94D0_49BB_1331_11EB));
    x ^= x >> 31;
    x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^= x >> 29;
    (x % 20001) as f64 / 10000.0 - 1.0
}

/// Base throughput of variant `v` (peer variants are higher).
pub fn base(v: usize) -> f64 {
    40.0 + 3.0 * v as f64
}

/// Depth of the dip (fraction) and recovery rate of variant `v`.
pub fn shock(v: usize) -> (f64, f64) {
    let structure = VARIANTS[v % VARIANTS.len()].1;
    match structure {
        "hierarchy" => (0.45, 0.03),
        "leader_leader" => (0.30, 0.08),
        _ => (0.15, 0.2),
    }
}

/// Throughput of (variant, replication, step).
pub fn throughput(v: usize, r: usize, s: usize) -> f64 {
    let (depth, rate) = shock(v);
    let mut level = 1.0;
    for &(start, _) in &[(EVENT1.2, 0), (EVENT2.2, 1)] {
        if s >= start {
            let t = (s - start) as f64;
            level -= depth * (-rate * t).exp();
        }
    }
    base(v) * level * (1.0 + 0.05 * noise(v as u64, r as u64, s as u64))
}

/// Recovery steps for event 1; `None` = never recovered. The "peer"
/// variant (index 2) has exactly 10, 11, 12, 13, 14 cycling.
pub fn recovery(v: usize, r: usize) -> Option<f64> {
    match VARIANTS[v % VARIANTS.len()].1 {
        "hierarchy" if r.is_multiple_of(5) => None,
        "hierarchy" => Some(40.0 + (r % 7) as f64),
        "leader_leader" => Some(20.0 + (r % 4) as f64),
        _ => Some(10.0 + (r % 5) as f64),
    }
}

pub fn total(v: usize, r: usize, steps: usize) -> f64 {
    (0..steps).map(|s| throughput(v, r, s)).sum()
}

pub struct Spec {
    pub variants: Vec<(String, String)>,
    pub reps: usize,
    pub steps: usize,
    /// Two swept parameters: values per variant.
    pub sweep: Option<(Vec<String>, Vec<Vec<String>>)>,
    pub comparison: bool,
}

impl Spec {
    pub fn standard(nv: usize, reps: usize, steps: usize) -> Spec {
        Spec {
            variants: VARIANTS
                .iter()
                .take(nv)
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            reps,
            steps,
            sweep: None,
            comparison: true,
        }
    }

    /// A 4×4 sweep over team_size × span, all peer structure.
    pub fn sweep(reps: usize, steps: usize) -> Spec {
        let mut variants = Vec::new();
        let mut vals = Vec::new();
        for ts in [4, 6, 8, 10] {
            for span in [3, 5, 7, 9] {
                variants.push((format!("ts{ts}_span{span}"), "peer".to_string()));
                vals.push(vec![ts.to_string(), span.to_string()]);
            }
        }
        Spec {
            variants,
            reps,
            steps,
            sweep: Some((vec!["team_size".into(), "span".into()], vals)),
            comparison: false,
        }
    }
}

fn metric_value(m: &str, v: usize, r: usize, s: usize, tp: f64) -> String {
    let n = noise(v as u64 + 7, r as u64, s as u64 + 1000 * m.len() as u64);
    let x = match m {
        "throughput" => tp,
        "backlog" => 100.0 - tp + 5.0 * n,
        "decision_latency" => {
            if s == 3 {
                // An empty cell: "no value".
                return String::new();
            }
            2.0 + v as f64 * 0.3 + 0.2 * n
        }
        "engagement" => 0.6 + 0.03 * v as f64 + 0.02 * n,
        "mean_skill" => 0.5 + 0.001 * s as f64 + 0.01 * n,
        "leadership_coverage" => 0.9 - if (50..60).contains(&s) { 0.2 } else { 0.0 } + 0.01 * n,
        "sharing" => 0.3 + 0.08 * v as f64 + 0.05 * n,
        "hoarding" => 0.5 - 0.05 * v as f64 + 0.05 * n,
        "tournament_pressure" => 0.8 - 0.1 * v as f64 + 0.05 * n,
        "headcount" => 60.0,
        _ => 1.0 + 0.1 * n,
    };
    format!("{x:.4}")
}

/// Writes the results directory; returns nothing, panics on I/O errors
/// (test helper).
pub fn write(dir: &Path, spec: &Spec) {
    std::fs::create_dir_all(dir).unwrap();
    let nv = spec.variants.len();
    // timeseries.csv
    let mut ts = String::with_capacity(nv * spec.reps * spec.steps * 120);
    ts.push_str("variant,replication,step,");
    ts.push_str(&METRICS.join(","));
    ts.push('\n');
    for (v, (name, _)) in spec.variants.iter().enumerate() {
        for r in 0..spec.reps {
            for s in 0..spec.steps {
                let tp = throughput(v, r, s);
                let _ = write!(ts, "{name},{r},{s}");
                for m in METRICS {
                    ts.push(',');
                    ts.push_str(&metric_value(m, v, r, s, tp));
                }
                ts.push('\n');
            }
        }
    }
    std::fs::write(dir.join("timeseries.csv"), ts).unwrap();

    // aggregate.csv: per variant, step and metric across replications, as
    // `orgsim run` writes it (quantile columns left empty).
    let mut ag = String::from("variant,step,metric,n,mean,sd,ci95_low,ci95_high,median,q1,q3\n");
    let cell = |x: f64| {
        if x.is_finite() {
            format!("{x}")
        } else {
            String::new()
        }
    };
    for (v, (name, _)) in spec.variants.iter().enumerate() {
        for s in 0..spec.steps {
            for m in METRICS {
                let mut st = orgsim::stats::OnlineStats::new();
                for r in 0..spec.reps {
                    let x = metric_value(m, v, r, s, throughput(v, r, s));
                    st.push(x.parse::<f64>().unwrap_or(f64::NAN));
                }
                let (mean, h) = (st.mean(), st.ci95_half_width());
                let _ = writeln!(
                    ag,
                    "{name},{s},{m},{},{},{},{},{},,,",
                    st.n(),
                    cell(mean),
                    cell(st.sd()),
                    cell(mean - h),
                    cell(mean + h)
                );
            }
        }
    }
    std::fs::write(dir.join("aggregate.csv"), ag).unwrap();

    // summary.csv
    let mut su = String::from("variant,replication,throughput_variability,total_throughput");
    for m in METRICS {
        let _ = write!(su, ",mean_{m}");
    }
    su.push_str(",event1_dip,event1_recovery_steps,event1_resilience_loss,event2_dip,event2_recovery_steps,event2_resilience_loss\n");
    for (v, (name, _)) in spec.variants.iter().enumerate() {
        let (depth, _) = shock(v);
        for r in 0..spec.reps {
            let n = noise(v as u64, r as u64, 99);
            let _ = write!(
                su,
                "{name},{r},{:.4},{:.4}",
                0.5 + 0.05 * v as f64 + 0.02 * n,
                total(v, r, spec.steps)
            );
            for m in METRICS {
                let mean: f64 = (0..spec.steps)
                    .map(|s| {
                        metric_value(m, v, r, s, throughput(v, r, s))
                            .parse::<f64>()
                            .unwrap_or(0.0)
                    })
                    .sum::<f64>()
                    / spec.steps as f64;
                let _ = write!(su, ",{mean:.4}");
            }
            let rec = recovery(v, r).map_or(String::new(), |x| format!("{x}"));
            let _ = writeln!(
                su,
                ",{:.4},{rec},{:.4},{:.4},{:.4},{:.4}",
                depth + 0.01 * n,
                depth * 20.0,
                depth * 0.8,
                8.0 + (r % 3) as f64,
                depth * 10.0
            );
        }
    }
    std::fs::write(dir.join("summary.csv"), su).unwrap();

    // events.csv
    let mut ev = String::from("event,label,kind,start,duration\n");
    for (k, e) in [EVENT1, EVENT2].iter().enumerate() {
        if e.2 < spec.steps {
            let _ = writeln!(ev, "{},{},{},{},{}", k + 1, e.0, e.1, e.2, e.3);
        }
    }
    std::fs::write(dir.join("events.csv"), ev).unwrap();

    // variants.csv (+ sweep.csv)
    let mut va = String::from("variant,model,structure,team_size,span,turnover_rate,seed_offset");
    if let Some((names, _)) = &spec.sweep {
        for n in names {
            if n != "team_size" && n != "span" {
                let _ = write!(va, ",{n}");
            }
        }
    }
    va.push('\n');
    for (v, (name, structure)) in spec.variants.iter().enumerate() {
        let (ts_, span) = match &spec.sweep {
            Some((_, vals)) => (vals[v][0].clone(), vals[v][1].clone()),
            None => ((6 + 2 * (v % 2)).to_string(), "5".to_string()),
        };
        let _ = writeln!(va, "{name},orgsim,{structure},{ts_},{span},0.02,0");
    }
    std::fs::write(dir.join("variants.csv"), va).unwrap();
    if let Some((names, vals)) = &spec.sweep {
        let mut sw = format!("variant,{}\n", names.join(","));
        for (v, (name, _)) in spec.variants.iter().enumerate() {
            let _ = writeln!(sw, "{name},{}", vals[v].join(","));
        }
        std::fs::write(dir.join("sweep.csv"), sw).unwrap();
    }

    // organization.csv
    let mut org = String::from("variant,kind,id,parent,team,level,domain,dedicated,holder\n");
    for (name, structure) in &spec.variants {
        let teams = if name.ends_with("-large") { 40 } else { 6 };
        write_org(&mut org, name, structure, teams, 10);
    }
    std::fs::write(dir.join("organization.csv"), org).unwrap();

    // scenario.resolved.toml
    let toml = format!(
        "name = \"leader-departure\"\nquestion = \"Which structure recovers fastest when the CEO leaves?\"\ndescription = \"\"\"\nSix organizations of 60 people lose their top leader at week 50 and face a demand spike at week 120.\n\"\"\"\nsteps = {}\nreplications = {}\nseed = 42\n",
        spec.steps, spec.reps
    );
    std::fs::write(dir.join("scenario.resolved.toml"), toml).unwrap();

    // comparison.csv
    if spec.comparison && nv >= 3 {
        let cmp = "metric,variant_a,variant_b,mean_a,mean_b,diff,diff_ci_low,diff_ci_high,welch_p,mann_whitney_p,hedges_g,p_holm,better,verdict\n\
event1_recovery_steps,peer,top-down,12,41.5,-29.5,-32.1,-26.9,0.00001,0.00002,-5.1,0.0001,peer,peer recovers faster\n\
total_throughput,peer,leader-leader,8000,7500,500,-20,1020,0.06,0.08,0.4,0.12,,no clear difference\n";
        std::fs::write(dir.join("comparison.csv"), cmp).unwrap();
    }
}

fn write_org(out: &mut String, variant: &str, structure: &str, teams: usize, team_size: usize) {
    let mut m = 0;
    let mut p = 0;
    let mut next_post = || {
        p += 1;
        format!("p{p}")
    };
    match structure {
        "peer" => {
            // Three domain coordinators (member-held), each team one role per domain.
            let coords: Vec<String> = (0..3).map(|_| next_post()).collect();
            for (d, id) in coords.iter().enumerate() {
                let _ = writeln!(out, "{variant},post,{id},,,2,{d},0,m{}", d * team_size);
            }
            for t in 0..teams {
                for (d, c) in coords.iter().enumerate() {
                    let id = next_post();
                    let holder = if t == 2 && d == 1 {
                        String::new()
                    } else {
                        format!("m{}", t * team_size + d)
                    };
                    let _ = writeln!(out, "{variant},post,{id},{c},{t},1,{d},0,{holder}");
                }
            }
        }
        _ => {
            let dedicated = if structure == "hierarchy" { 1 } else { 0 };
            let top = next_post();
            let _ = writeln!(
                out,
                "{variant},post,{top},,,3,,{dedicated},{}",
                if dedicated == 1 { "m900" } else { "m0" }
            );
            let groups = teams.div_ceil(3);
            for g in 0..groups {
                let mid = next_post();
                let _ = writeln!(
                    out,
                    "{variant},post,{mid},{top},,2,,{dedicated},m{}",
                    901 + g
                );
                for t in (g * 3)..((g + 1) * 3).min(teams) {
                    let id = next_post();
                    let holder = if t == 4 {
                        String::new()
                    } else {
                        format!("m{}", 1000 + t)
                    };
                    let _ = writeln!(out, "{variant},post,{id},{mid},{t},1,,{dedicated},{holder}");
                }
            }
        }
    }
    for t in 0..teams {
        for _ in 0..team_size {
            let _ = writeln!(out, "{variant},member,m{m},,{t},,,,");
            m += 1;
        }
    }
}
