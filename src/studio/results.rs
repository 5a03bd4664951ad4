//! "Open results": the finished results folders under one folder, and
//! their report and charts. Only those files are served: a folder name must
//! be one listed, a file the report or a chart, so no request reads
//! anything else on the machine.

use std::path::{Component, Path};

use serde_json::{Value, json};

/// Finished results folders (with a manifest and a report), newest first.
pub fn list(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Value)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let path = e.path();
            if name.starts_with('.') || !path.join("report.html").is_file() {
                return None;
            }
            let modified = std::fs::metadata(path.join("report.html"))
                .and_then(|m| m.modified())
                .ok()?;
            let mut charts: Vec<String> = std::fs::read_dir(path.join("charts"))
                .map(|rd| {
                    rd.flatten()
                        .filter_map(|c| c.file_name().to_str().map(String::from))
                        .filter(|c| c.ends_with(".png"))
                        .collect()
                })
                .unwrap_or_default();
            charts.sort();
            let question = question(&path);
            Some((
                modified,
                json!({"name": name, "question": question, "charts": charts}),
            ))
        })
        .collect();
    found.sort_by_key(|x| std::cmp::Reverse(x.0));
    found.into_iter().map(|(_, v)| v).collect()
}

/// The run's question, from its resolved scenario.
fn question(path: &Path) -> String {
    std::fs::read_to_string(path.join("scenario.resolved.toml"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("question = ").map(str::to_string))
        })
        .and_then(|q| toml::from_str::<toml::Value>(&format!("q = {q}")).ok())
        .and_then(|v| v.get("q").and_then(|q| q.as_str()).map(String::from))
        .unwrap_or_default()
}

/// One file of a listed folder: `report.html` or `charts/<name>.png|svg`.
pub fn read(dir: &Path, name: &str, file: &str) -> Result<(Vec<u8>, &'static str), String> {
    let plain = |p: &str| {
        !p.is_empty()
            && Path::new(p)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
    };
    if !plain(name) || name.contains('/') || name.starts_with('.') || !plain(file) {
        return Err(format!("no results folder file `{name}/{file}`"));
    }
    let kind = match file {
        "report.html" => "text/html; charset=utf-8",
        f if f.starts_with("charts/") && f.matches('/').count() == 1 && f.ends_with(".png") => {
            "image/png"
        }
        f if f.starts_with("charts/") && f.matches('/').count() == 1 && f.ends_with(".svg") => {
            "image/svg+xml"
        }
        _ => {
            return Err(format!(
                "only a results folder's report and charts are shown, not `{file}`"
            ));
        }
    };
    let path = dir.join(name).join(file);
    std::fs::read(&path)
        .map(|b| (b, kind))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reports_and_charts_are_served() {
        let d = std::env::temp_dir().join(format!("orgsim-studio-results-{}", std::process::id()));
        std::fs::create_dir_all(d.join("run/charts")).unwrap();
        std::fs::write(d.join("run/report.html"), "<p>r</p>").unwrap();
        std::fs::write(d.join("run/charts/a.png"), "png").unwrap();
        std::fs::write(d.join("run/timeseries.csv"), "x").unwrap();
        assert_eq!(read(&d, "run", "report.html").unwrap().0, b"<p>r</p>");
        assert_eq!(read(&d, "run", "charts/a.png").unwrap().1, "image/png");
        for (name, file) in [
            ("run", "timeseries.csv"),
            ("..", "run/report.html"),
            ("run", "../run/report.html"),
            ("run", "/etc/passwd"),
            ("run", "charts/../report.html"),
        ] {
            assert!(read(&d, name, file).is_err(), "{name}/{file} was served");
        }
        let l = list(&d);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0]["charts"][0], "a.png");
        let _ = std::fs::remove_dir_all(&d);
    }
}
