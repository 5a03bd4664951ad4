//! Every scenario shipped under `scenarios/` and `scenarios/reference/` runs
//! through the binary (fewer replications and steps, so CI stays fast) and
//! exits 0 with no failed replication. A scenario that does not run was
//! once shipped (Miller's, NaN whenever no dimension was tacit) because the
//! docking tests call the models directly.

use std::path::{Path, PathBuf};
use std::process::Command;

fn shipped() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/reference"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Enough steps to reach every scheduled event and a little past it.
fn reduced_steps(file: &Path) -> u32 {
    let bytes = std::fs::read(file).unwrap();
    let s = orgsim::scenario::parse_in(&file.display().to_string(), &bytes, file.parent().unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    let last_event = s.events.iter().map(|e| e.event.start).max().unwrap_or(0);
    (last_event + 30).max(60).min(s.steps)
}

#[test]
fn every_shipped_scenario_runs_without_a_failed_replication() {
    let base = std::env::temp_dir().join(format!("orgsim-shipped-{}", std::process::id()));
    let files = shipped();
    assert!(files.len() >= 10, "found only {files:?}");
    for file in &files {
        let out = base.join(file.file_stem().unwrap());
        let steps = reduced_steps(file).to_string();
        let r = Command::new(env!("CARGO_BIN_EXE_orgsim"))
            .args(["run", file.to_str().unwrap(), "--replications", "2"])
            .args(["--steps", &steps, "--threads", "2", "--quiet", "--force"])
            .arg("--out")
            .arg(&out)
            .env("CI", "true")
            .output()
            .unwrap();
        assert!(
            r.status.success(),
            "{} exits {:?}:\n{}",
            file.display(),
            r.status.code(),
            String::from_utf8_lossy(&r.stderr)
        );
        let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        let failed = m["failed"].as_array().map_or(0, |a| a.len());
        assert_eq!(failed, 0, "{}: failed runs in its manifest", file.display());
    }
    let _ = std::fs::remove_dir_all(&base);
}
