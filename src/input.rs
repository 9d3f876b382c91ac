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
    /// The trimmed leaving-date cell, when the list has a date column.
    pub date: Option<String>,
}

/// What was read and how.
#[derive(Debug, Clone)]
pub struct Input {
    pub rows: Vec<InputRow>,
    /// The column used, e.g. `email` or `column 1`.
    pub column: String,
    /// The leaving-date column, if the list has one.
    pub date_column: Option<String>,
    /// The CSV delimiter; `None` for a spreadsheet.
    pub delimiter: Option<u8>,
    /// SHA-256 (hex) of the bytes these rows were read from, for plan files.
    pub sha256: String,
}

/// Header names that mark the identifier column, in order of preference; compared ignoring
/// case, spaces, underscores and hyphens.
const HEADER_NAMES: &[&str] = &["username", "user", "login", "email", "emailaddr", "emailaddress", "id", "guid", "userid", "identifier"];

/// Header names that mark the leaving-date column, compared the same way.
const DATE_HEADERS: &[&str] = &["lastday", "lastworkingday", "lastdayofwork", "enddate", "leavingdate", "deactivationdate"];

/// Which columns to read: the identifiers (`--column`) and the leaving date (`--date-column`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Columns<'a> {
    pub identifier: Option<&'a str>,
    pub date: Option<&'a str>,
}

fn normalise(header: &str) -> String {
    header.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).flat_map(char::to_lowercase).collect()
}

/// Reads rows from `reader`; `source` names the file in errors.
pub fn read_rows(mut reader: impl Read, source: &str, columns: Columns<'_>) -> Result<Input, String> {
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
    let (rows, column, date_column) = select(&records, source, columns, Numbering::DataRows, "line")?;
    Ok(Input { rows, column, date_column, delimiter: Some(delimiter), sha256: crate::planfile::sha256_hex(&bytes) })
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
    columns: Columns<'_>,
    numbering: Numbering,
    place: &str,
) -> Result<(Vec<InputRow>, String, Option<String>), String> {
    let column = columns.identifier;
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
    let seen = || first.iter().map(|c| c.trim()).collect::<Vec<_>>().join(", ");
    let date_index = match (columns.date, has_header) {
        (Some(wanted), _) => Some(headers.iter().position(|h| *h == normalise(wanted)).ok_or_else(|| {
            format!("{source}: {place} {}: no date column named {wanted:?} (the first {place} has: {})", records[0].0, seen())
        })?),
        (None, true) => DATE_HEADERS.iter().find_map(|name| headers.iter().position(|h| h == name)),
        (None, false) => None,
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
            let cell = |i: usize| cells.get(i).map_or("", |c| c.trim()).to_string();
            InputRow { row, line: *line, value: cell(index), date: date_index.map(cell) }
        })
        .collect();
    Ok((rows, name, date_index.map(|i| first[i].trim().to_string())))
}

/// Is `path` a spreadsheet (by its extension)?
pub fn is_spreadsheet(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(extension.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads a list from a CSV file or a spreadsheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`):
/// the first sheet, or `sheet`. The file is read once, so the rows and their digest come from
/// the same bytes.
pub fn read_file(path: &Path, columns: Columns<'_>, sheet: Option<&str>) -> Result<Input, String> {
    let source = path.display().to_string();
    if !is_spreadsheet(path) && sheet.is_some() {
        return Err(format!("{source}: --sheet applies to spreadsheets (.xlsx, .xls, .ods), not CSV files"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{source}: {e}"))?;
    if is_spreadsheet(path) {
        return read_sheet(bytes, &source, columns, sheet);
    }
    read_rows(&bytes[..], &source, columns)
}

/// Reads one sheet of a workbook; rows keep the sheet's row numbers.
fn read_sheet(bytes: Vec<u8>, source: &str, columns: Columns<'_>, sheet: Option<&str>) -> Result<Input, String> {
    use calamine::Reader;
    let sha256 = crate::planfile::sha256_hex(&bytes);
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{source}: cannot read the spreadsheet: {e}"))?;
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
    let (rows, column, date_column) = select(&records, &shown, columns, Numbering::SheetRows, "row")?;
    Ok(Input { rows, column, date_column, delimiter: None, sha256 })
}

/// A cell as the text the administrator sees: whole numbers without `.0`, errors as `#…`.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        calamine::Data::DateTime(when) => crate::dates::from_serial(when.as_f64()).unwrap_or_default(),
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
        read_rows(text.as_bytes(), "leavers.csv", Columns { identifier: column, date: None })
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
    fn a_leaving_date_column_is_found_by_header_or_named() {
        let input = read("Email;Last working day;Team\nada@x;2026-12-31;R\nbob@x;;S\n", None).unwrap();
        assert_eq!(input.date_column.as_deref(), Some("Last working day"));
        let dates: Vec<Option<&str>> = input.rows.iter().map(|r| r.date.as_deref()).collect();
        assert_eq!(dates, [Some("2026-12-31"), Some("")]);
        let named =
            read_rows("email,leaves\nada@x,31.12.2026\n".as_bytes(), "l.csv", Columns { identifier: None, date: Some("leaves") }).unwrap();
        assert_eq!(named.rows[0].date.as_deref(), Some("31.12.2026"));
        assert!(read("email,team\nada@x,R\n", None).unwrap().date_column.is_none());
        let missing = read_rows("email\nada@x\n".as_bytes(), "l.csv", Columns { identifier: None, date: Some("leaves") }).unwrap_err();
        assert!(missing.contains("no date column named \"leaves\""), "{missing}");
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
        let err = read_rows(&b"email\nok\n\xff\xfe\n"[..], "l.csv", Columns::default()).unwrap_err();
        assert_eq!(err, "l.csv: line 3: not UTF-8 text (save the file as CSV UTF-8)");
    }
}
