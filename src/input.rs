//! The leavers' list: CSV or a spreadsheet → rows, each with its row number.
//!
//! Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, read with calamine) go through the
//! same column detection; their rows keep the sheet's own row numbers, so the report points at
//! the row the administrator sees in Excel.
//!
//! The delimiter (comma, semicolon or tab) is sniffed from the first line, a UTF-8 BOM is
//! dropped, and the identifier column is `--column NAME`, else the first header that names an
//! identifier (username, email, ID, …, in that order of preference), else the first column of a
//! headerless file. Any malformed line stops everything with its line number, before a single
//! request is sent: a half-read list must never look like a complete one.

use std::io::Read;
use std::path::Path;

/// One non-blank data row of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRow {
    /// 1-based data row number (the header, if any, is not counted, nor are blank lines).
    pub row: usize,
    /// The line in the file where the row starts, for error messages.
    pub line: u64,
    /// The trimmed identifier cell (may be empty: that row is then `invalid`).
    pub value: String,
}

/// What was read and how.
#[derive(Debug, Clone)]
pub struct Input {
    pub rows: Vec<InputRow>,
    /// The column used, e.g. `email` or `column 1`.
    pub column: String,
    /// The CSV delimiter; `None` for a spreadsheet.
    pub delimiter: Option<u8>,
}

/// Header names that mark the identifier column, in order of preference; compared ignoring
/// case, spaces, underscores and hyphens.
const HEADER_NAMES: &[&str] = &["username", "user", "login", "email", "emailaddr", "emailaddress", "id", "guid", "userid", "identifier"];

fn normalise(header: &str) -> String {
    header.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).flat_map(char::to_lowercase).collect()
}

/// Reads rows from `reader`; `source` names the file in errors.
pub fn read_rows(mut reader: impl Read, source: &str, column: Option<&str>) -> Result<Input, String> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| format!("{source}: {e}"))?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if let Err(e) = std::str::from_utf8(text) {
        let line = 1 + text[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        return Err(format!("{source}: line {line}: not UTF-8 text (save the file as CSV UTF-8)"));
    }
    let delimiter = sniff_delimiter(text);
    let mut csv = csv::ReaderBuilder::new().has_headers(false).delimiter(delimiter).flexible(false).from_reader(text);
    let mut records = Vec::new();
    for record in csv.records() {
        let record = record.map_err(|e| describe_csv_error(source, &e))?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        records.push((line, record));
    }
    let records: Vec<(u64, Vec<String>)> = records.into_iter().map(|(line, r)| (line, r.iter().map(String::from).collect())).collect();
    let (rows, column) = select(&records, source, column, Numbering::DataRows, "line")?;
    Ok(Input { rows, column, delimiter: Some(delimiter) })
}

/// How the report numbers rows: CSV rows count data rows from 1; spreadsheet rows keep the
/// sheet's own row numbers, as the administrator sees them in Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbering {
    DataRows,
    SheetRows,
}

/// Picks the identifier column from non-blank `records` (line or sheet row, cells) and makes
/// the rows. `place` names a line in errors ("line", "row").
fn select(
    records: &[(u64, Vec<String>)],
    source: &str,
    column: Option<&str>,
    numbering: Numbering,
    place: &str,
) -> Result<(Vec<InputRow>, String), String> {
    let Some((_, first)) = records.first() else {
        return Err(format!("{source}: the file has no rows"));
    };
    let headers: Vec<String> = first.iter().map(|h| normalise(h)).collect();
    let (index, name, has_header) = match column {
        Some(wanted) => {
            let found = headers.iter().position(|h| *h == normalise(wanted));
            let index = found.ok_or_else(|| {
                let seen: Vec<&str> = first.iter().map(|c| c.trim()).collect();
                format!("{source}: {place} {}: no column named {wanted:?} (the first {place} has: {})", records[0].0, seen.join(", "))
            })?;
            (index, first[index].trim().to_string(), true)
        }
        None => match HEADER_NAMES.iter().find_map(|name| headers.iter().position(|h| h == name)) {
            Some(index) => (index, first[index].trim().to_string(), true),
            None => (0, "column 1 (no header)".to_string(), false),
        },
    };
    let data = if has_header { &records[1..] } else { records };
    if data.is_empty() {
        return Err(format!("{source}: the file has a header but no data rows"));
    }
    let rows = data
        .iter()
        .enumerate()
        .map(|(i, (line, cells))| {
            let row = match numbering {
                Numbering::DataRows => i + 1,
                Numbering::SheetRows => *line as usize,
            };
            InputRow { row, line: *line, value: cells.get(index).map_or("", |c| c.trim()).to_string() }
        })
        .collect();
    Ok((rows, name))
}

/// Is `path` a spreadsheet (by its extension)?
pub fn is_spreadsheet(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(extension.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads a list from a CSV file or a spreadsheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`):
/// the first sheet, or `sheet`.
pub fn read_file(path: &Path, column: Option<&str>, sheet: Option<&str>) -> Result<Input, String> {
    let source = path.display().to_string();
    if is_spreadsheet(path) {
        return read_sheet(path, &source, column, sheet);
    }
    if sheet.is_some() {
        return Err(format!("{source}: --sheet applies to spreadsheets (.xlsx, .xls, .ods), not CSV files"));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("{source}: {e}"))?;
    read_rows(std::io::BufReader::new(file), &source, column)
}

/// Reads one sheet of a workbook; rows keep the sheet's row numbers.
fn read_sheet(path: &Path, source: &str, column: Option<&str>, sheet: Option<&str>) -> Result<Input, String> {
    use calamine::Reader;
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| format!("{source}: cannot read the spreadsheet: {e}"))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names.iter().find(|n| n.as_str() == wanted).or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted))),
        None => names.first(),
    };
    let Some(name) = name.cloned() else {
        return Err(match sheet {
            Some(wanted) => format!("{source}: no sheet named {wanted:?} (it has: {})", names.join(", ")),
            None => format!("{source}: the workbook has no sheets"),
        });
    };
    let range = workbook.worksheet_range(&name).map_err(|e| format!("{source}: sheet {name:?}: {e}"))?;
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let records: Vec<(u64, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i as u64 + 1, cells.iter().map(cell_text).collect::<Vec<String>>()))
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    let shown = format!("{source} (sheet {name:?})");
    let (rows, column) = select(&records, &shown, column, Numbering::SheetRows, "row")?;
    Ok(Input { rows, column, delimiter: None })
}

/// A cell as the text the administrator sees: whole numbers without `.0`, errors as `#…`.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Picks `,`, `;` or tab by which occurs most on the first non-blank line, outside quotes.
fn sniff_delimiter(text: &[u8]) -> u8 {
    let first_line = text.split(|&b| b == b'\n').find(|l| l.iter().any(|b| !b.is_ascii_whitespace())).unwrap_or(&[]);
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in first_line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                *n += usize::from(b == *d);
            }
        }
    }
    counts.iter().filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n).map_or(b',', |(d, _)| *d)
}

fn describe_csv_error(source: &str, e: &csv::Error) -> String {
    let line = e.position().map(|p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!("has {len} fields where the first line has {expected_len}"),
        other => format!("{other:?}"),
    };
    match line {
        Some(line) => format!("{source}: line {line}: {what}"),
        None => format!("{source}: {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, column: Option<&str>) -> Result<Input, String> {
        read_rows(text.as_bytes(), "leavers.csv", column)
    }

    fn values(input: &Input) -> Vec<(usize, &str)> {
        input.rows.iter().map(|r| (r.row, r.value.as_str())).collect()
    }

    #[test]
    fn header_columns_are_found_by_name_in_any_case() {
        let input = read("Name,E-mail Address,Dept\nAda, ada@x.example ,R&D\n", None).unwrap();
        assert_eq!(values(&input), [(1, "ada@x.example")]);
        assert_eq!(input.column, "E-mail Address");
        let input = read("ID,Email\n1,a@x\n", None).unwrap();
        assert_eq!(values(&input), [(1, "a@x")], "email is preferred to ID");
        let input = read("Who;Login\nx;ada\n", Some("login")).unwrap();
        assert_eq!((values(&input), input.delimiter), (vec![(1, "ada")], Some(b';')));
    }

    #[test]
    fn headerless_files_use_the_first_column_and_blank_lines_are_skipped() {
        let input = read("ada@x\n\n  \nbob@x\n", None).unwrap();
        assert_eq!(values(&input), [(1, "ada@x"), (2, "bob@x")]);
        assert_eq!(input.rows[1].line, 4);
    }

    #[test]
    fn bom_tabs_and_quotes() {
        let input = read("\u{feff}username\tnote\n\"ada\"\t\"a, b\"\n", None).unwrap();
        assert_eq!((values(&input), input.delimiter), (vec![(1, "ada")], Some(b'\t')));
    }

    #[test]
    fn empty_cells_are_kept_as_rows() {
        let input = read("email,name\n,Ada\nbob@x,Bob\n", None).unwrap();
        assert_eq!(values(&input), [(1, ""), (2, "bob@x")]);
    }

    #[test]
    fn malformed_files_name_the_line() {
        assert_eq!(
            read("email,name\na@x,A\nb@x,B,extra\n", None).unwrap_err(),
            "leavers.csv: line 3: has 3 fields where the first line has 2"
        );
        assert!(read("email\n", None).unwrap_err().contains("no data rows"));
        assert!(read("", None).unwrap_err().contains("no rows"));
        assert!(read("email\na@x\n", Some("login")).unwrap_err().contains("no column named \"login\""));
        let err = read_rows(&b"email\nok\n\xff\xfe\n"[..], "l.csv", None).unwrap_err();
        assert_eq!(err, "l.csv: line 3: not UTF-8 text (save the file as CSV UTF-8)");
    }
}
