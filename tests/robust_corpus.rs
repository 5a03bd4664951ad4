//! The malformed-input corpus: every `tests/bad_inputs/NAME.toml` must be
//! refused with exactly the message in `NAME.expected`, both by
//! `orgsim::scenario::parse` and by `orgsim validate` (exit code 1, message
//! on stderr). To add a case, write NAME.toml and the message it should get.

use std::path::Path;
use std::process::Command;

const DIR: &str = "tests/bad_inputs";

fn cases() -> Vec<(String, Vec<u8>, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(DIR).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "toml") {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let expected_path = path.with_extension("expected");
            let expected = std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|_| panic!("{} has no .expected file", path.display()));
            out.push((name, std::fs::read(&path).unwrap(), expected));
        }
    }
    out.sort();
    out
}

#[test]
fn the_corpus_is_large_and_complete() {
    let c = cases();
    assert!(c.len() >= 40, "only {} bad inputs", c.len());
    for e in std::fs::read_dir(DIR).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "expected") {
            assert!(
                p.with_extension("toml").exists(),
                "{} has no .toml",
                p.display()
            );
        }
    }
}

#[test]
fn every_bad_input_gets_its_exact_message_from_the_parser() {
    let mut wrong = Vec::new();
    for (name, bytes, expected) in cases() {
        match orgsim::scenario::parse(&name, &bytes) {
            Ok(_) => wrong.push(format!("{name}: was accepted")),
            Err(e) => {
                let got = e.to_string();
                if got != expected.trim_end() {
                    wrong.push(format!(
                        "{name}:\n--- expected\n{}\n--- got\n{got}",
                        expected.trim_end()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn every_bad_input_gets_its_exact_message_from_validate() {
    let mut wrong = Vec::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    for (name, _, expected) in cases() {
        let o = Command::new(env!("CARGO_BIN_EXE_orgsim"))
            .args(["validate", &name])
            .current_dir(&dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(1)
            || err.trim_end() != expected.trim_end()
            || !o.stdout.is_empty()
        {
            wrong.push(format!(
                "{name}: exit {:?}\n--- expected\n{}\n--- got\n{err}",
                o.status.code(),
                expected.trim_end()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
