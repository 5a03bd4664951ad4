//! Org chart validation: every malformed chart in `tests/bad_charts/` is
//! rejected with exactly the problems (and row numbers) in its `.expect` file.

use orgsim::org::chart;

#[test]
fn every_bad_chart_reports_each_problem_with_its_rows() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_charts");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(&path).unwrap();
        let expect = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{} has no .expect file", path.display()));
        let err = chart::parse("chart.csv", &bytes)
            .expect_err(&format!("{} should be rejected", path.display()));
        let lines: Vec<String> = err.problems.iter().map(|p| p.to_string()).collect();
        let wanted: Vec<&str> = expect.lines().filter(|l| !l.trim().is_empty()).collect();
        for w in &wanted {
            assert!(
                lines.iter().any(|l| l.starts_with(w)),
                "{}: expected a problem starting `{w}`, got:\n{}",
                path.display(),
                lines.join("\n")
            );
        }
        assert_eq!(
            lines.len(),
            wanted.len(),
            "{}: problems reported:\n{}",
            path.display(),
            lines.join("\n")
        );
        // The message names the file and never stops at the first problem.
        assert!(err.to_string().starts_with("error: chart.csv: "));
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} bad charts found");
}

#[test]
fn a_good_chart_reads_with_its_optional_columns() {
    let csv = "ID,Manager_ID,name,team,role,level,tenure,skill_build,skill_sell\n\
               a,,Ann Top,exec,ceo,3,10,0.9,\n\
               b,a,Bo Mid,eng,manager,2,4.5,0.7,0.2\n\
               c,b,,eng,vacant,1,,,\n\
               d,b,Di Low,eng,staff,1,0.5,0.4,0.1\n\
               e,a,Ed Side,exec,assistant,1,1,0.2,0.3\n";
    let c = chart::parse("x.csv", csv.as_bytes()).unwrap();
    assert_eq!(c.len(), 5);
    assert_eq!(c.domains, vec!["build", "sell"]);
    assert_eq!(c.people[c.root as usize].id, "a");
    let b = c.find("b").unwrap();
    assert_eq!(c.reports(b).len(), 2);
    assert!(c.people[c.find("c").unwrap() as usize].vacant);
    assert!(c.people[0].skills[1].is_nan());
    assert_eq!(c.people[1].tenure, Some(4.5));
    assert_eq!(c.people[3].row, 5);
    let s = c.summary();
    assert_eq!(
        (s.people, s.managers, s.teams, s.vacancies, s.levels),
        (5, 2, 2, 1, 2)
    );
}

#[test]
fn a_large_chart_imports() {
    // 50,000 people: a CEO, 10 VPs, 100 directors, ~800 managers, teams of 4..10.
    let mut csv = String::from("id,manager_id,skill_a\n0,,0.5\n");
    let mut next = 1u32;
    let add = |csv: &mut String, next: &mut u32, m: u32| {
        let id = *next;
        *next += 1;
        csv.push_str(&format!("{id},{m},0.{}\n", id % 10));
        id
    };
    let mut managers = vec![0u32];
    for level in 0..3 {
        let mut below = Vec::new();
        for &m in &managers {
            for _ in 0..[10, 10, 8][level] {
                below.push(add(&mut csv, &mut next, m));
            }
        }
        managers = below;
    }
    let mut i = 0;
    while (next as usize) < 50_000 {
        let m = managers[i % managers.len()];
        add(&mut csv, &mut next, m);
        i += 1;
    }
    let start = std::time::Instant::now();
    let c = chart::parse("big.csv", csv.as_bytes()).unwrap();
    let took = start.elapsed();
    assert_eq!(c.len(), 50_000);
    let plan = c.plan(false, 1);
    assert_eq!(plan.teams.iter().map(Vec::len).sum::<usize>(), 50_000);
    eprintln!("imported 50,000 people in {took:?}");
}
