//! Charts and report from a fixture results directory with known values.

mod plot_fixture;

use std::path::{Path, PathBuf};

use orgsim::plot::{fmt_pm, render_all};
use orgsim::report::write_report;
use orgsim::stats::OnlineStats;
use plot_fixture::{EVENT1, EVENT2, Spec};

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-plot-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn png_size(path: &Path) -> (u32, u32) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

fn svg(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("charts").join(format!("{name}.svg")))
        .unwrap_or_else(|e| panic!("chart {name}.svg: {e}"))
}

/// Text nodes of an SVG, parsed as XML.
fn svg_texts(s: &str) -> Vec<String> {
    let opt = resvg::usvg::roxmltree::ParsingOptions::default();
    let doc =
        resvg::usvg::roxmltree::Document::parse_with_options(s, opt).expect("SVG parses as XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn renders_every_chart_with_the_right_size_and_labels() {
    let dir = tempdir("all");
    plot_fixture::write(&dir, &Spec::standard(6, 8, 160));
    let files = render_all(&dir).unwrap();
    let expected = [
        "timeseries_throughput",
        "timeseries_backlog",
        "timeseries_decision_latency",
        "timeseries_engagement",
        "timeseries_mean_skill",
        "timeseries_leadership_coverage",
        "timeseries_other",
        "recovery",
        "bars_throughput_variability",
        "bars_total_throughput",
        "bars_mean_turnover",
        "bars_event_dip",
        "bars_event_recovery_steps",
        "bars_event_resilience_loss",
        "competition_vs_collaboration",
        "competition_around_departures",
        "organization_top_down",
        "organization_leader_leader",
        "organization_peer",
        "organization_top_down_large",
    ];
    for name in expected {
        for ext in ["png", "svg"] {
            let p = dir.join("charts").join(format!("{name}.{ext}"));
            assert!(p.is_file(), "missing {}", p.display());
            assert!(
                files.contains(&p),
                "{} not reported as written",
                p.display()
            );
        }
        let (w, h) = png_size(&dir.join("charts").join(format!("{name}.png")));
        assert!(w >= 1600 && h >= 900, "{name}.png is {w}x{h}");
        let s = svg(&dir, name);
        // Parses as SVG too.
        resvg::usvg::Tree::from_str(&s, &resvg::usvg::Options::default()).expect("valid SVG");
    }
    // Legend names every variant, the event labels are drawn.
    let texts = svg_texts(&svg(&dir, "timeseries_throughput"));
    for (v, _) in plot_fixture::VARIANTS {
        assert!(texts.iter().any(|t| t == v), "legend lacks {v}: {texts:?}");
    }
    assert!(texts.iter().any(|t| t == EVENT1.0));
    assert!(texts.iter().any(|t| t == EVENT2.0));
    assert!(
        texts.iter().any(|t| t.contains("weeks")),
        "x axis names its unit"
    );
    // Same colour for the same variant in two charts: the legend swatch
    // colours appear in both files.
    let a = svg(&dir, "timeseries_throughput");
    let b = svg(&dir, "recovery");
    for colour in ["#0072B2", "#D55E00", "#009E73"] {
        assert!(a.contains(colour) && b.contains(colour), "{colour}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bar_labels_and_report_numbers_equal_the_csv_means() {
    let dir = tempdir("numbers");
    let spec = Spec::standard(6, 10, 150);
    plot_fixture::write(&dir, &spec);
    render_all(&dir).unwrap();
    // Total throughput of "peer" (variant 2), computed the way the CSV was written.
    let mut st = OnlineStats::new();
    for r in 0..spec.reps {
        let x: f64 = format!("{:.4}", plot_fixture::total(2, r, spec.steps))
            .parse()
            .unwrap();
        st.push(x);
    }
    let label = fmt_pm(st.mean(), st.ci95_half_width());
    let texts = svg_texts(&svg(&dir, "bars_total_throughput"));
    assert!(
        texts.iter().any(|t| t.starts_with(&label)),
        "{label} not in {texts:?}"
    );

    // Peer recovers in 10..14 cycling: mean over 10 reps = 12.
    let mut rec = OnlineStats::new();
    for r in 0..spec.reps {
        rec.push(plot_fixture::recovery(2, r).unwrap());
    }
    assert_eq!(rec.mean(), 12.0);
    let rec_label = fmt_pm(rec.mean(), rec.ci95_half_width());
    assert!(rec_label.starts_with("12.0 ± "), "{rec_label}");
    let texts = svg_texts(&svg(&dir, "bars_event_recovery_steps"));
    assert!(
        texts.iter().any(|t| t.starts_with(&rec_label)),
        "{rec_label} not in {texts:?}"
    );
    // Top-down has never-recovered runs (every 5th): annotated.
    assert!(
        texts.iter().any(|t| t.contains("2 of 10 never recovered")),
        "{texts:?}"
    );

    write_report(&dir).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let quoted = format!("peer {rec_label} weeks");
    assert!(html.contains(&quoted), "report lacks '{quoted}'");
    assert!(md.contains(&quoted));
    assert!(html.contains(&label));
    assert!(html.contains("Which structure recovers fastest when the CEO leaves?"));
    // Self-contained: charts inline, nothing fetched.
    assert!(html.matches("<svg").count() >= 15);
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<img"));
    assert!(html.contains("Holm p = &lt; 0.001") || html.contains("Holm p = "));
    // Differing parameter listed, constant one not.
    assert!(html.contains("<th>team_size</th>"));
    assert!(!html.contains("<th>turnover_rate</th>"));
    // Markdown references the PNGs relatively.
    assert!(md.contains("](charts/recovery.png)"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sweep_gets_a_heatmap_and_limited_lines() {
    let dir = tempdir("sweep");
    plot_fixture::write(&dir, &Spec::sweep(4, 60));
    render_all(&dir).unwrap();
    let texts = svg_texts(&svg(&dir, "heatmap"));
    assert!(texts.iter().any(|t| t == "team_size"));
    assert!(texts.iter().any(|t| t == "span"));
    let ts = svg_texts(&svg(&dir, "timeseries_throughput"));
    assert!(
        ts.iter().any(|t| t.contains("showing 8 of 16 variants")),
        "{ts:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_inputs_give_typed_errors_naming_the_file() {
    let dir = tempdir("bad");
    plot_fixture::write(&dir, &Spec::standard(2, 2, 30));
    // No events in 30 steps: with aggregate.csv present timeseries.csv is
    // not read at all, so these checks go through the path that
    // re-aggregates it.
    std::fs::remove_file(dir.join("aggregate.csv")).unwrap();
    // Not a number.
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let bad = ts.replacen("\ntop-down,0,1,", "\ntop-down,0,1,oops", 1);
    std::fs::write(dir.join("timeseries.csv"), &bad).unwrap();
    let e = render_all(&dir).unwrap_err().to_string();
    assert!(
        e.contains("timeseries.csv") && e.contains("line 3") && e.contains("oops"),
        "{e}"
    );
    // Ragged row.
    std::fs::write(
        dir.join("timeseries.csv"),
        ts.replacen("\ntop-down,0,1,", "\ntop-down,0,", 1),
    )
    .unwrap();
    let e = render_all(&dir).unwrap_err().to_string();
    assert!(e.contains("timeseries.csv") && e.contains("fields"), "{e}");
    // Missing column.
    std::fs::write(
        dir.join("timeseries.csv"),
        ts.replacen("variant,replication,step", "variant,rep,step", 1),
    )
    .unwrap();
    let e = render_all(&dir).unwrap_err().to_string();
    assert!(e.contains("replication"), "{e}");
    std::fs::write(dir.join("timeseries.csv"), &ts).unwrap();
    // Broken events file.
    std::fs::write(
        dir.join("events.csv"),
        "event,label,kind,start,duration\n1,x,departure,soon,1\n",
    )
    .unwrap();
    let e = write_report(&dir).unwrap_err().to_string();
    assert!(e.contains("events.csv") && e.contains("soon"), "{e}");
    // Missing summary.
    std::fs::remove_file(dir.join("events.csv")).unwrap();
    std::fs::remove_file(dir.join("summary.csv")).unwrap();
    let e = render_all(&dir).unwrap_err().to_string();
    assert!(e.contains("summary.csv"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn aggregate_csv_and_timeseries_csv_give_the_same_charts() {
    // Per-step statistics come from aggregate.csv; without it they are
    // re-aggregated from timeseries.csv. Both must draw the same charts.
    let dir = tempdir("agg");
    plot_fixture::write(&dir, &Spec::standard(3, 5, 160));
    let with = orgsim::plot::build_charts(&orgsim::plot::load(&dir).unwrap()).unwrap();
    std::fs::remove_file(dir.join("aggregate.csv")).unwrap();
    let without = orgsim::plot::build_charts(&orgsim::plot::load(&dir).unwrap()).unwrap();
    assert_eq!(with.len(), without.len());
    assert!(with.iter().any(|c| c.name == "recovery"));
    for (a, b) in with.iter().zip(&without) {
        assert_eq!(a.name, b.name);
        assert!(a.svg == b.svg, "chart {} differs", a.name);
    }
    // A bad cell in aggregate.csv is reported with its file and line.
    plot_fixture::write(&dir, &Spec::standard(2, 2, 30));
    let ag = std::fs::read_to_string(dir.join("aggregate.csv")).unwrap();
    let lines: Vec<&str> = ag.lines().collect();
    let bad = lines[3].replacen(",2,", ",x2,", 1);
    let mut text = lines.clone();
    text[3] = &bad;
    std::fs::write(dir.join("aggregate.csv"), text.join("\n") + "\n").unwrap();
    let e = render_all(&dir).unwrap_err().to_string();
    assert!(
        e.contains("aggregate.csv") && e.contains("line 4") && e.contains("x2"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_big_organization_is_summarized_quickly() {
    // 60,000 members in 4,000 teams under a 5-level hierarchy of
    // 1 + 4 + 40 + 400 + 4,000 posts: the facts count every member and the
    // chart collapses the lowest posts, with a note. (The million-member
    // case, 190,000 posts, is timed by hand: see the commit message.)
    let dir = tempdir("bigorg");
    plot_fixture::write(&dir, &Spec::standard(1, 2, 30));
    let mut org = String::from("variant,kind,id,parent,team,level,domain,dedicated,holder\n");
    let (mut id, mut level_ids) = (0usize, vec![]);
    for (level, count) in [(5, 1usize), (4, 4), (3, 40), (2, 400), (1, 4000)] {
        let parents: Vec<usize> = level_ids.last().cloned().unwrap_or_default();
        let mut ids = Vec::new();
        for k in 0..count {
            let parent = if parents.is_empty() {
                String::new()
            } else {
                format!("p{}", parents[k % parents.len()])
            };
            let team = if level == 1 {
                k.to_string()
            } else {
                String::new()
            };
            org.push_str(&format!(
                "top-down,post,p{id},{parent},{team},{level},,1,m{id}\n"
            ));
            ids.push(id);
            id += 1;
        }
        level_ids.push(ids);
    }
    for t in 0..4000 {
        for k in 0..15 {
            org.push_str(&format!(
                "top-down,member,m{t}_{k},p{},{t},0,,0,\n",
                445 + t
            ));
        }
    }
    std::fs::write(dir.join("organization.csv"), org).unwrap();
    let t = std::time::Instant::now();
    render_all(&dir).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let texts = svg_texts(&svg(&dir, "organization_top_down"));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("60000 members in 4000 teams")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("collapsed into one box")));
    // Generous: guards against gross regressions only.
    assert!(secs < 60.0, "{secs:.1} s");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Not a check: writes the 6-variant, 30-replication, 200-step fixture and
/// times rendering. `ORGSIM_FIXTURE_OUT=dir cargo test --release --test
/// plot_render -- --ignored --nocapture`
#[test]
#[ignore]
fn timing_and_dump() {
    let dir = std::env::var("ORGSIM_FIXTURE_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tempdir("timing"));
    plot_fixture::write(&dir, &Spec::standard(6, 30, 200));
    for c in ["charts", "report.html"] {
        let _ = std::fs::remove_dir_all(dir.join(c));
    }
    let t = std::time::Instant::now();
    let r = orgsim::plot::load(&dir).unwrap();
    let t_load = t.elapsed().as_secs_f64();
    let charts = orgsim::plot::build_charts(&r).unwrap();
    let t_svg = t.elapsed().as_secs_f64() - t_load;
    let t2 = std::time::Instant::now();
    for c in &charts {
        orgsim::plot::svg_to_png(&c.svg, Path::new("x")).unwrap();
    }
    println!(
        "load {t_load:.3} s, SVG {t_svg:.3} s, PNG {:.3} s (serial, {} charts)",
        t2.elapsed().as_secs_f64(),
        charts.len()
    );
    let _ = std::fs::remove_dir_all(dir.join("charts"));
    let t = std::time::Instant::now();
    let files = render_all(&dir).unwrap();
    println!(
        "render_all: {} files in {:.3} s",
        files.len(),
        t.elapsed().as_secs_f64()
    );
    let t = std::time::Instant::now();
    write_report(&dir).unwrap();
    println!(
        "write_report (charts up to date): {:.3} s",
        t.elapsed().as_secs_f64()
    );
    let sweep = dir.join("sweep");
    plot_fixture::write(&sweep, &Spec::sweep(5, 80));
    write_report(&sweep).unwrap();
}

/// Not a check: renders real results directories (colon-separated) given in
/// `ORGSIM_RENDER_DIRS`, e.g. after `orgsim run scenarios/x.toml`.
#[test]
#[ignore]
fn render_dirs() {
    let Ok(dirs) = std::env::var("ORGSIM_RENDER_DIRS") else {
        return;
    };
    for d in dirs.split(':') {
        let t = std::time::Instant::now();
        let n = render_all(Path::new(d)).unwrap().len();
        write_report(Path::new(d)).unwrap();
        println!(
            "{d}: {n} chart files + report in {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }
}
