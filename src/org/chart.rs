//! Org charts from CSV: import, validation, and the plan each structure
//! builds from one.
//!
//! A chart has one row per position: `id` and `manager_id` are required
//! (`manager_id` empty for the top person); `name`, `team`, `role`, `level`,
//! `tenure` and `skill_<domain>` columns are optional. `role = "vacant"` marks
//! an open position. Validation reports every problem with its row numbers
//! (row 1 is the header, as a spreadsheet numbers them).
//!
//! Names are kept only for drawing with `--show-names`; nothing else reads them.

use std::collections::HashMap;
use std::fmt;

/// Largest number of `skill_<domain>` columns (the model's domain limit).
pub const MAX_SKILL_COLUMNS: usize = 8;
const KNOWN: &[&str] = &[
    "id",
    "manager_id",
    "name",
    "team",
    "role",
    "level",
    "tenure",
];

/// One row of the chart: a person, or an open position.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub id: String,
    /// Index of the manager in [`Chart::people`]; `None` for the top.
    pub manager: Option<u32>,
    pub name: Option<String>,
    pub team: Option<String>,
    pub role: Option<String>,
    /// The chart's own level label (information only: the model counts levels from the teams up).
    pub level: Option<u32>,
    /// Years in the organization.
    pub tenure: Option<f64>,
    /// Starting skill per `skill_<domain>` column (NaN where the cell is empty).
    pub skills: Vec<f32>,
    /// An open position (`role = "vacant"`): the seat starts empty.
    pub vacant: bool,
    /// Line of the row in the file (the header is row 1).
    pub row: usize,
}

/// A validated org chart: one root, no cycles, every manager present.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub people: Vec<Person>,
    /// Domain names from the `skill_<domain>` columns, in column order.
    pub domains: Vec<String>,
    pub root: u32,
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    index: HashMap<String, u32>,
}

/// One problem found in a chart, with the rows it concerns.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartProblem {
    pub rows: Vec<usize>,
    pub message: String,
}

impl fmt::Display for ChartProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rows.as_slice() {
            [] => write!(f, "{}", self.message),
            [r] => write!(f, "row {r}: {}", self.message),
            rows => {
                let shown: Vec<String> = rows.iter().take(20).map(|r| r.to_string()).collect();
                let more = if rows.len() > 20 {
                    format!(" and {} more", rows.len() - 20)
                } else {
                    String::new()
                };
                write!(f, "rows {}{more}: {}", shown.join(", "), self.message)
            }
        }
    }
}

/// Every problem found in one chart file.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartErrors {
    pub file: String,
    pub problems: Vec<ChartProblem>,
}

impl fmt::Display for ChartErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {}: {p}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for ChartErrors {}

/// Column positions found in the header.
#[derive(Default)]
struct Columns {
    id: Option<usize>,
    manager: Option<usize>,
    name: Option<usize>,
    team: Option<usize>,
    role: Option<usize>,
    level: Option<usize>,
    tenure: Option<usize>,
    skills: Vec<(usize, String)>,
}

/// A CSV field, quoted when it must be.
fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn cell(rec: &csv::StringRecord, col: Option<usize>) -> Option<&str> {
    col.and_then(|c| rec.get(c)).filter(|s| !s.is_empty())
}

/// Largest org chart file read: a million positions with a dozen columns
/// take about 100 MB.
pub const MAX_CHART_BYTES: u64 = 256 << 20;

/// Reads an input file (`what`: "org chart", "scenario") of at most `limit`
/// bytes. Anything but a regular file (a folder, a pipe, a device such as
/// /dev/zero) is refused before it is opened, so reading cannot hang or
/// fill memory.
pub fn read_input(path: &std::path::Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "the {what} {} is not a regular file (a folder, pipe or device); give the path of a file",
            path.display()
        ));
    }
    let too_big = |n: u64| {
        format!(
            "the {what} {} is {} MB; the most read is {} MB",
            path.display(),
            n.div_ceil(1 << 20),
            limit >> 20
        )
    };
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// How to fix a chart a spreadsheet saved in another format.
const SAVE_AS: &str = "in Excel or LibreOffice, save it as \"CSV UTF-8 (comma delimited)\"";

/// A file that is not comma-separated UTF-8 text at all: empty, UTF-16, or
/// separated by semicolons or tabs (a spreadsheet's regional default). The
/// CSV reader's own messages for these name a symptom, not the cause.
fn file_format_problem(bytes: &[u8]) -> Option<String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Some(
            "the file is empty: an org chart needs a header row `id,manager_id` and one row per person"
                .into(),
        );
    }
    let utf16_bom = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    let head = &bytes[..bytes.len().min(4096)];
    if utf16_bom || head.iter().filter(|&&b| b == 0).count() * 4 >= head.len() {
        return Some(format!("the file is UTF-16 text, not UTF-8: {SAVE_AS}"));
    }
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    if !first.contains(&b',') {
        for (sep, name) in [(b';', "semicolons"), (b'\t', "tabs")] {
            if first.contains(&sep) {
                return Some(format!(
                    "the header is separated by {name}, not commas: {SAVE_AS}"
                ));
            }
        }
    }
    None
}

impl ChartProblem {
    /// A problem at one row (row 1 is the header).
    fn at(row: usize, message: String) -> ChartProblem {
        ChartProblem {
            rows: vec![row],
            message,
        }
    }
}

/// Reads and validates a chart. `file` is the name used in messages.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Chart, ChartErrors> {
    let fail = |problems: Vec<ChartProblem>| ChartErrors {
        file: file.to_string(),
        problems,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(message) = file_format_problem(bytes) {
        return Err(fail(vec![ChartProblem::at(1, message)]));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let header = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(fail(vec![ChartProblem::at(
                1,
                format!("cannot read the header: {e}"),
            )]));
        }
    };
    let mut problems: Vec<ChartProblem> = Vec::new();
    let cols = Columns::from_header(&header, &mut problems);
    if cols.id.is_none() || cols.manager.is_none() {
        return Err(fail(problems));
    }

    let (mut people, manager_ids) = read_rows(&mut rdr, header.len(), &cols, &mut problems);
    if people.is_empty() {
        if problems.is_empty() {
            problems.push(ChartProblem {
                rows: vec![],
                message: "the chart has no people (only a header)".into(),
            });
        }
        return Err(fail(problems));
    }
    let index = index_ids(&people, &mut problems);
    let roots = link_managers(&mut people, &manager_ids, &index, &mut problems);
    report_cycles(&people, &mut problems);
    if roots.is_empty() && problems.is_empty() {
        problems.push(ChartProblem {
            rows: vec![],
            message: "nobody is at the top: one person needs an empty `manager_id`".into(),
        });
    }
    if problems.is_empty() && people.len() < 2 {
        problems.push(ChartProblem::at(
            people[0].row,
            "a chart needs at least two people (a manager and a report)".into(),
        ));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.rows.first().copied().unwrap_or(0));
        return Err(fail(problems));
    }
    Ok(Chart::build(
        people,
        cols.skills.into_iter().map(|(_, d)| d).collect(),
        roots[0] as u32,
        index,
    ))
}

impl Columns {
    /// Where each known column is, with a problem for every unknown,
    /// repeated or missing column and for too many skill columns.
    fn from_header(header: &csv::StringRecord, problems: &mut Vec<ChartProblem>) -> Columns {
        let mut cols = Columns::default();
        for (i, h) in header.iter().enumerate() {
            let key = h.to_ascii_lowercase();
            let slot = match key.as_str() {
                "id" => &mut cols.id,
                "manager_id" => &mut cols.manager,
                "name" => &mut cols.name,
                "team" => &mut cols.team,
                "role" => &mut cols.role,
                "level" => &mut cols.level,
                "tenure" => &mut cols.tenure,
                k if k.starts_with("skill_") && k.len() > 6 => {
                    let dom = h[6..].to_string();
                    if cols
                        .skills
                        .iter()
                        .any(|(_, d)| d.eq_ignore_ascii_case(&dom))
                    {
                        problems.push(ChartProblem::at(1, format!("column `{h}` appears twice")));
                    }
                    cols.skills.push((i, dom));
                    continue;
                }
                _ => {
                    let help = crate::params::did_you_mean(&key, KNOWN.iter().copied())
                        .map_or_else(
                            || format!("known columns: {}, skill_<domain>", KNOWN.join(", ")),
                            |s| format!("did you mean `{s}`?"),
                        );
                    problems.push(ChartProblem::at(
                        1,
                        format!("unknown column `{h}` ({help})"),
                    ));
                    continue;
                }
            };
            if slot.is_some() {
                problems.push(ChartProblem::at(1, format!("column `{key}` appears twice")));
            }
            *slot = Some(i);
        }
        for (col, name) in [(cols.id, "id"), (cols.manager, "manager_id")] {
            if col.is_none() {
                problems.push(ChartProblem::at(
                    1,
                    format!("missing the `{name}` column (the header needs `id` and `manager_id`)"),
                ));
            }
        }
        if cols.skills.len() > MAX_SKILL_COLUMNS {
            problems.push(ChartProblem::at(
                1,
                format!(
                    "{} skill columns; the model has at most {MAX_SKILL_COLUMNS} domains",
                    cols.skills.len()
                ),
            ));
        }
        cols
    }
}

/// Reads every row after the header: the people (managers not yet linked)
/// and each one's `manager_id` as written.
fn read_rows(
    rdr: &mut csv::Reader<&[u8]>,
    header_len: usize,
    cols: &Columns,
    problems: &mut Vec<ChartProblem>,
) -> (Vec<Person>, Vec<Option<String>>) {
    let mut people: Vec<Person> = Vec::new();
    let mut manager_ids: Vec<Option<String>> = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let row = rdr.position().line() as usize;
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = e.position().map_or(row, |p| p.line() as usize);
                let msg = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        format!("this row is not valid UTF-8 text ({SAVE_AS})")
                    }
                    _ => format!("cannot read this row: {e}"),
                };
                problems.push(ChartProblem::at(row, msg));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let row = rec.position().map_or(row, |p| p.line() as usize);
        if rec.iter().all(str::is_empty) {
            continue; // blank line
        }
        if rec.iter().any(|f| f.contains('\n')) {
            // The CSV reader reads an unclosed quote to the end of the file:
            // say so, instead of the field count or size that follows from it.
            problems.push(ChartProblem::at(
                row,
                "a quote `\"` opened in this row is never closed, so the rows after it were read as one cell: close the quote or remove it".into(),
            ));
            continue;
        }
        if rec.len() != header_len {
            problems.push(ChartProblem::at(
                row,
                format!(
                    "{} fields, but the header has {} columns",
                    rec.len(),
                    header_len
                ),
            ));
        }
        let (person, manager) = read_person(&rec, row, cols, problems);
        manager_ids.push(manager);
        people.push(person);
    }
    (people, manager_ids)
}

/// One row as a person (manager not yet linked) and their `manager_id`,
/// with a problem for each value out of its range.
fn read_person(
    rec: &csv::StringRecord,
    row: usize,
    cols: &Columns,
    problems: &mut Vec<ChartProblem>,
) -> (Person, Option<String>) {
    let mut bad = |what: String| problems.push(ChartProblem::at(row, what));
    let id = cell(rec, cols.id).unwrap_or("").to_string();
    if id.is_empty() {
        bad("empty `id`".into());
    }
    let manager = cell(rec, cols.manager).map(str::to_string);
    let level = cell(rec, cols.level).and_then(|v| match v.parse::<u32>() {
        Ok(l) if l <= 1000 => Some(l),
        _ => {
            bad(format!(
                "`level` is `{v}`: expected a whole number from 0 to 1000"
            ));
            None
        }
    });
    let tenure = cell(rec, cols.tenure).and_then(|v| match v.parse::<f64>() {
        Ok(t) if (0.0..=80.0).contains(&t) => Some(t),
        Ok(_) => {
            bad(format!("`tenure` is {v}: expected years from 0 to 80"));
            None
        }
        Err(_) => {
            bad(format!("`tenure` is `{v}`: expected a number of years"));
            None
        }
    });
    let mut skills = Vec::with_capacity(cols.skills.len());
    for (c, dom) in &cols.skills {
        let x = match cell(rec, Some(*c)) {
            None => f32::NAN,
            Some(v) => match v.parse::<f32>() {
                Ok(x) if (0.0..=1.0).contains(&x) => x,
                Ok(_) => {
                    bad(format!(
                        "`skill_{dom}` is {v}: expected a skill from 0 to 1"
                    ));
                    f32::NAN
                }
                Err(_) => {
                    bad(format!(
                        "`skill_{dom}` is `{v}`: expected a number from 0 to 1"
                    ));
                    f32::NAN
                }
            },
        };
        skills.push(x);
    }
    let role = cell(rec, cols.role).map(str::to_string);
    let vacant = role
        .as_deref()
        .is_some_and(|r| r.eq_ignore_ascii_case("vacant"));
    let person = Person {
        id,
        manager: None,
        name: cell(rec, cols.name).map(str::to_string),
        team: cell(rec, cols.team).map(str::to_string),
        role,
        level,
        tenure,
        skills,
        vacant,
        row,
    };
    (person, manager)
}

/// Each id's first row; a problem listing every row of each repeated id.
fn index_ids(people: &[Person], problems: &mut Vec<ChartProblem>) -> HashMap<String, u32> {
    let mut index: HashMap<String, u32> = HashMap::with_capacity(people.len());
    let mut dup_rows: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        if p.id.is_empty() {
            continue;
        }
        if let Some(&first) = index.get(&p.id) {
            dup_rows
                .entry(p.id.as_str())
                .or_insert_with(|| vec![people[first as usize].row])
                .push(p.row);
        } else {
            index.insert(p.id.clone(), i as u32);
        }
    }
    let mut dups: Vec<(&str, Vec<usize>)> = dup_rows.into_iter().collect();
    dups.sort_by_key(|(_, rows)| rows[0]);
    for (id, rows) in dups {
        problems.push(ChartProblem {
            rows,
            message: format!("duplicate id `{id}`"),
        });
    }
    index
}

/// Links each person to their manager (present, not oneself) and returns
/// the people without one; more than one such top is a problem.
fn link_managers(
    people: &mut [Person],
    manager_ids: &[Option<String>],
    index: &HashMap<String, u32>,
    problems: &mut Vec<ChartProblem>,
) -> Vec<usize> {
    let mut roots = Vec::new();
    for (i, m) in manager_ids.iter().enumerate() {
        let row = people[i].row;
        match m {
            None => roots.push(i),
            Some(m) if *m == people[i].id => problems.push(ChartProblem::at(
                row,
                format!("`{m}` is their own manager (a cycle)"),
            )),
            Some(m) => match index.get(m) {
                Some(&j) => people[i].manager = Some(j),
                None => problems.push(ChartProblem::at(
                    row,
                    format!(
                        "manager `{m}` of `{}` is not in the chart (no row has this id)",
                        people[i].id
                    ),
                )),
            },
        }
    }
    if roots.len() > 1 {
        problems.push(ChartProblem {
            rows: roots.iter().map(|&i| people[i].row).collect(),
            message: format!(
                "{} people have no manager; a chart has exactly one top (give the others a `manager_id`)",
                roots.len()
            ),
        });
    }
    roots
}

/// A problem for each management cycle: walk up from each person; a walk
/// that meets itself is a cycle.
fn report_cycles(people: &[Person], problems: &mut Vec<ChartProblem>) {
    // state: 0 unvisited, 1 on the current walk, 2 done.
    let n = people.len();
    let mut state = vec![0u8; n];
    let mut walk: Vec<usize> = Vec::new();
    for start in 0..n {
        walk.clear();
        let mut cur = Some(start as u32);
        while let Some(c) = cur {
            let c = c as usize;
            match state[c] {
                2 => break,
                1 => {
                    let at = walk.iter().position(|&w| w == c).unwrap_or(0);
                    problems.push(cycle_problem(people, &walk[at..], c));
                    break;
                }
                _ => {
                    state[c] = 1;
                    walk.push(c);
                    cur = people[c].manager;
                }
            }
        }
        for &w in &walk {
            state[w] = 2;
        }
    }
}

/// The problem for one cycle (`cycle`, closed by `back` to its first).
fn cycle_problem(people: &[Person], cycle: &[usize], back: usize) -> ChartProblem {
    let mut ids: Vec<&str> = cycle.iter().map(|&w| people[w].id.as_str()).collect();
    ids.push(&people[back].id);
    let mut rows: Vec<usize> = cycle.iter().map(|&w| people[w].row).collect();
    rows.sort_unstable();
    let shown = if ids.len() > 12 {
        format!("{} → … ({} people)", ids[..6].join(" → "), cycle.len())
    } else {
        ids.join(" → ")
    };
    ChartProblem {
        rows,
        message: format!(
            "management cycle: {shown} (each manages the next up; nobody in it reaches the top)"
        ),
    }
}

impl Chart {
    /// The chart as the model reads it, as CSV: `id`, `manager_id`, `role`
    /// (only `vacant`), `tenure` and the skill columns, in row order. A
    /// results folder keeps this copy, so names, teams, job titles and
    /// levels stay with the original file. Reading it back gives the same
    /// chart for the model, and the same copy again.
    pub fn model_copy(&self) -> Vec<u8> {
        let vacant = self.people.iter().any(|p| p.vacant);
        let tenure = self.people.iter().any(|p| p.tenure.is_some());
        let mut out = String::from("id,manager_id");
        if vacant {
            out.push_str(",role");
        }
        if tenure {
            out.push_str(",tenure");
        }
        for d in &self.domains {
            out.push_str(",skill_");
            out.push_str(&quoted(d));
        }
        out.push('\n');
        for p in &self.people {
            out.push_str(&quoted(&p.id));
            out.push(',');
            if let Some(m) = p.manager {
                out.push_str(&quoted(&self.people[m as usize].id));
            }
            if vacant {
                out.push_str(if p.vacant { ",vacant" } else { "," });
            }
            if tenure {
                out.push(',');
                if let Some(t) = p.tenure {
                    out.push_str(&t.to_string());
                }
            }
            for x in &p.skills {
                out.push(',');
                if !x.is_nan() {
                    out.push_str(&x.to_string());
                }
            }
            out.push('\n');
        }
        out.into_bytes()
    }

    fn build(
        people: Vec<Person>,
        domains: Vec<String>,
        root: u32,
        index: HashMap<String, u32>,
    ) -> Chart {
        let n = people.len();
        let mut count = vec![0u32; n + 1];
        for p in &people {
            if let Some(m) = p.manager {
                count[m as usize + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let child_start = count.clone();
        let mut fill = count;
        let mut child_list = vec![0u32; child_start[n] as usize];
        for (i, p) in people.iter().enumerate() {
            if let Some(m) = p.manager {
                child_list[fill[m as usize] as usize] = i as u32;
                fill[m as usize] += 1;
            }
        }
        Chart {
            people,
            domains,
            root,
            child_start,
            child_list,
            index,
        }
    }

    /// Number of rows (people and open positions).
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// Index of the person with this id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Direct reports of a person, in file order.
    pub fn reports(&self, p: u32) -> &[u32] {
        let p = p as usize;
        &self.child_list[self.child_start[p] as usize..self.child_start[p + 1] as usize]
    }

    /// Whether a person has reports (is a manager).
    pub fn is_manager(&self, p: u32) -> bool {
        !self.reports(p).is_empty()
    }

    /// A person and everyone under them, top first (depth first).
    pub fn subtree(&self, p: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![p];
        while let Some(x) = stack.pop() {
            out.push(x);
            stack.extend(self.reports(x).iter().rev());
        }
        out
    }

    /// Managers in post order (everyone's reports before them; the top last).
    fn managers_post_order(&self) -> Vec<u32> {
        let mut out = Vec::new();
        // Iterative post-order: (node, next child index).
        let mut stack: Vec<(u32, usize)> = vec![(self.root, 0)];
        while let Some(&mut (x, ref mut k)) = stack.last_mut() {
            let kids = self.reports(x);
            if let Some(&c) = kids.get(*k) {
                *k += 1;
                if self.is_manager(c) {
                    stack.push((c, 0));
                }
            } else {
                stack.pop();
                out.push(x);
            }
        }
        out
    }

    /// The organization's shape: teams and units as the chart draws them.
    pub fn summary(&self) -> ChartSummary {
        let plan = self.plan(true, 1);
        let managers = plan.posts.len();
        let spans: Vec<usize> = (0..self.len() as u32)
            .filter(|&p| self.is_manager(p))
            .map(|p| self.reports(p).len())
            .collect();
        ChartSummary {
            people: self.len(),
            vacancies: self.people.iter().filter(|p| p.vacant).count(),
            managers,
            teams: plan.teams.len(),
            levels: plan.posts.iter().map(|p| p.level).max().unwrap_or(0),
            max_span: spans.iter().copied().max().unwrap_or(0),
            mean_span: spans.iter().sum::<usize>() as f64 / spans.len().max(1) as f64,
            mean_team: plan.teams.iter().map(Vec::len).sum::<usize>() as f64
                / plan.teams.len().max(1) as f64,
        }
    }

    /// The seats, teams and posts a structure builds from this chart.
    ///
    /// With `dedicated` leaders (hierarchy, leader-leader) every manager is a
    /// full-time post; a team is a manager's direct reports who have no reports
    /// themselves. Without (peer), the same teams keep their members, each
    /// manager joins the team they led (or, leading only managers, the smallest
    /// team below them) as a working member; each team gets one role per
    /// domain, and every manager of managers (and the top) a coordinator role
    /// they hold themselves.
    pub fn plan(&self, dedicated: bool, domains: usize) -> Plan {
        let units = self.units();
        let mut team_posts = vec![u32::MAX; units.teams.len() * domains.max(1)];
        let (posts, top) = if dedicated {
            self.manager_posts(&units, &mut team_posts, domains)
        } else {
            self.peer_posts(&units, &mut team_posts, domains)
        };
        let teams = if dedicated {
            units.teams
        } else {
            self.teams_with_managers(&units)
        };
        Plan {
            teams,
            team_lead: units.team_lead,
            posts,
            team_posts,
            top,
        }
    }

    /// The chart's units (a manager and what they lead), in post order.
    fn units(&self) -> Units {
        let order = self.managers_post_order();
        let n = self.len();
        let mut unit_of = vec![u32::MAX; n]; // manager → index in `order`
        for (u, &m) in order.iter().enumerate() {
            unit_of[m as usize] = u as u32;
        }
        // Teams: each manager's non-manager reports, in unit order.
        let mut teams: Vec<Vec<u32>> = Vec::new();
        let mut team_lead: Vec<u32> = Vec::new();
        let mut unit_team = vec![u32::MAX; order.len()];
        for (u, &m) in order.iter().enumerate() {
            let members: Vec<u32> = self
                .reports(m)
                .iter()
                .copied()
                .filter(|&c| !self.is_manager(c))
                .collect();
            if !members.is_empty() {
                unit_team[u] = teams.len() as u32;
                teams.push(members);
                team_lead.push(m);
            }
        }
        // Unit heights: 1 for a manager of individual contributors only.
        let mut height = vec![1u32; order.len()];
        for (u, &m) in order.iter().enumerate() {
            let h = self
                .reports(m)
                .iter()
                .filter(|&&c| self.is_manager(c))
                .map(|&c| height[unit_of[c as usize] as usize] + 1)
                .max()
                .unwrap_or(1);
            height[u] = h;
        }
        Units {
            order,
            unit_of,
            teams,
            team_lead,
            unit_team,
            height,
        }
    }

    /// Dedicated leaders: one full-time post per manager, held by them, in
    /// the chart's own tree; each team decides through its manager's post.
    fn manager_posts(
        &self,
        units: &Units,
        team_posts: &mut [u32],
        domains: usize,
    ) -> (Vec<PlanPost>, u32) {
        let Units {
            order,
            unit_of,
            unit_team,
            height,
            ..
        } = units;
        let mut posts: Vec<PlanPost> = Vec::new();
        for (u, &m) in order.iter().enumerate() {
            posts.push(PlanPost {
                level: height[u],
                domain: None,
                team: (unit_team[u] != u32::MAX).then_some(unit_team[u]),
                parent: None,
                holder: Some(m),
            });
        }
        for (u, &m) in order.iter().enumerate() {
            if let Some(boss) = self.people[m as usize].manager {
                posts[u].parent = Some(unit_of[boss as usize]);
            }
            if unit_team[u] != u32::MAX {
                let t = unit_team[u] as usize;
                team_posts[t * domains..(t + 1) * domains].fill(u as u32);
            }
        }
        (posts, (order.len() - 1) as u32)
    }

    /// Peer teams: each manager joins the team they led, or leading only
    /// managers, the smallest team below them, as a working member.
    fn teams_with_managers(&self, units: &Units) -> Vec<Vec<u32>> {
        let Units {
            order,
            unit_of,
            unit_team,
            ..
        } = units;
        let mut teams = units.teams.clone();
        let mut smallest_below = vec![u32::MAX; order.len()];
        for (u, &m) in order.iter().enumerate() {
            let mut best = unit_team[u];
            for &c in self.reports(m) {
                if self.is_manager(c) {
                    let t = smallest_below[unit_of[c as usize] as usize];
                    if t != u32::MAX
                        && (best == u32::MAX
                            || teams[t as usize].len() < teams[best as usize].len())
                    {
                        best = t;
                    }
                }
            }
            smallest_below[u] = best;
        }
        let mut joins: Vec<(u32, u32)> = order
            .iter()
            .enumerate()
            .map(|(u, &m)| {
                let t = if unit_team[u] != u32::MAX {
                    unit_team[u]
                } else {
                    smallest_below[u]
                };
                (t, m)
            })
            .collect();
        // Former managers go first in their team so its seats stay in unit order.
        joins.sort_by_key(|&(t, _)| t);
        let mut with_leads: Vec<Vec<u32>> = vec![Vec::new(); teams.len()];
        for (t, m) in joins {
            with_leads[t as usize].push(m);
        }
        for (t, members) in teams.iter_mut().enumerate() {
            let mut all = std::mem::take(&mut with_leads[t]);
            all.extend_from_slice(members);
            *members = all;
        }
        teams
    }

    /// Peer roles: per unit with a team, one per domain; per manager of
    /// managers (and the top), a coordinator they hold themselves.
    fn peer_posts(
        &self,
        units: &Units,
        team_posts: &mut [u32],
        domains: usize,
    ) -> (Vec<PlanPost>, u32) {
        let Units {
            order,
            unit_of,
            unit_team,
            height,
            ..
        } = units;
        let mut posts: Vec<PlanPost> = Vec::new();
        let mut unit_post = vec![u32::MAX; order.len()]; // what the unit reports up through
        let mut kids_of: Vec<Vec<u32>> = Vec::new();
        for (u, &m) in order.iter().enumerate() {
            let mut kids = Vec::new();
            if unit_team[u] != u32::MAX {
                let t = unit_team[u] as usize;
                for d in 0..domains {
                    team_posts[t * domains + d] = posts.len() as u32;
                    kids.push(posts.len() as u32);
                    posts.push(PlanPost {
                        level: 1,
                        domain: Some(d as u32),
                        team: Some(t as u32),
                        parent: None,
                        holder: None,
                    });
                }
            }
            for &c in self.reports(m) {
                if self.is_manager(c) {
                    let cu = unit_of[c as usize] as usize;
                    if unit_post[cu] != u32::MAX {
                        kids.push(unit_post[cu]);
                    } else {
                        kids.extend_from_slice(&kids_of[cu]);
                    }
                }
            }
            let is_top = self.people[m as usize].manager.is_none();
            if height[u] > 1 || is_top {
                let id = posts.len() as u32;
                for &k in &kids {
                    posts[k as usize].parent = Some(id);
                }
                posts.push(PlanPost {
                    level: height[u].max(2),
                    domain: None,
                    team: None,
                    parent: None,
                    holder: Some(m),
                });
                unit_post[u] = id;
                kids_of.push(Vec::new());
            } else {
                kids_of.push(kids);
            }
        }
        let top = (posts.len() - 1) as u32;
        (posts, top)
    }
}

/// A chart's units: each manager with the team of their non-manager
/// reports (if any), indexed in post order (everyone's reports first).
struct Units {
    /// Managers in post order.
    order: Vec<u32>,
    /// Person → unit index (`u32::MAX` for non-managers).
    unit_of: Vec<u32>,
    /// Each team's members as the chart has them, in unit order.
    teams: Vec<Vec<u32>>,
    /// The manager who leads each team.
    team_lead: Vec<u32>,
    /// Unit → its team (`u32::MAX`: leads only managers).
    unit_team: Vec<u32>,
    /// Unit → height (1: leads individual contributors only).
    height: Vec<u32>,
}

/// Counts describing a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSummary {
    pub people: usize,
    pub vacancies: usize,
    pub managers: usize,
    pub teams: usize,
    /// Management levels (1: managers of a team only).
    pub levels: u32,
    pub max_span: usize,
    pub mean_span: f64,
    pub mean_team: f64,
}

/// What one structure builds from a chart (see [`Chart::plan`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Working members (person indices) per team, in seat order.
    pub teams: Vec<Vec<u32>>,
    /// The manager who led each team in the chart.
    pub team_lead: Vec<u32>,
    /// Leadership posts, everyone's children before them; the top is last.
    pub posts: Vec<PlanPost>,
    /// Post deciding domain `d` for team `t`, at `t * domains + d`.
    pub team_posts: Vec<u32>,
    pub top: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanPost {
    /// 1 = team level, counted up from the teams.
    pub level: u32,
    pub domain: Option<u32>,
    pub team: Option<u32>,
    pub parent: Option<u32>,
    /// Who holds it at the start: the manager (a full-time seat with
    /// dedicated leaders, a coordinator role otherwise); `None`: the best
    /// suited team member (peer domain roles).
    pub holder: Option<u32>,
}
