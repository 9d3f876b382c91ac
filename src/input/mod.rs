//! The leavers' list: CSV or a spreadsheet → rows, each with its row number.
//!
//! - [`text`]: encodings (BOMs, `--encoding`) and CSV records whose quotes cannot merge rows;
//! - [`sheet`]: spreadsheets, the first visible sheet or `--sheet`, bounded in size;
//! - [`header`]: whether the first row is a header and which column holds the identifiers.
//!
//! CSV rows count data rows from 1; spreadsheet rows keep the sheet's own row numbers, so the
//! report points at the row the administrator sees in Excel. Any malformed line stops
//! everything with its line number, before a single request is sent: a half-read list must
//! never look like a complete one.

mod header;
mod sheet;
mod text;

use std::path::Path;

pub use crate::model::InputRow;
pub use header::ColumnSpec;
pub use text::TextEncoding;

use header::{ColumnChoice, Layout, column_letter};

/// What was read and how.
#[derive(Debug, Clone)]
pub struct Input {
    pub rows: Vec<InputRow>,
    /// The column used, e.g. `column B "Work Email"` or `column 1 (no header)`.
    pub column: String,
    /// The leaving-date column, if the list has one, described the same way.
    pub date_column: Option<String>,
    /// The CSV delimiter; `None` for a spreadsheet.
    #[cfg_attr(not(test), allow(dead_code))] // what the sniffer chose; the tests check it
    pub delimiter: Option<u8>,
    /// SHA-256 (hex) of the bytes these rows were read from, for plan files.
    pub sha256: String,
    /// The sheet read, for a spreadsheet.
    pub sheet: Option<String>,
    /// The sheet read is hidden (only when named with `--sheet`).
    pub sheet_hidden: bool,
    /// Other visible sheets that hold data.
    pub other_sheets: Vec<String>,
    /// The text encoding, for a text file.
    pub encoding: Option<&'static str>,
}

impl Input {
    /// The opening line: `leavers.xlsx (sheet "Leavers"): 42 rows, identifiers from column B
    /// "Work Email"`, plus the date column and the other sheets, if any.
    pub fn describe(&self, source: &str, what: &str) -> String {
        let mut line = source.to_string();
        if let Some(sheet) = &self.sheet {
            let hidden = if self.sheet_hidden { ", hidden" } else { "" };
            line.push_str(&format!(" (sheet {sheet:?}{hidden})"));
        }
        line.push_str(&format!(": {} {what}, identifiers from {}", self.rows.len(), self.column));
        if let Some(date) = &self.date_column {
            line.push_str(&format!(", leaving dates from {date}"));
        }
        if let Some(encoding) = self.encoding.filter(|e| *e != "UTF-8") {
            line.push_str(&format!(" ({encoding})"));
        }
        if !self.other_sheets.is_empty() {
            let names: Vec<String> = self.other_sheets.iter().map(|n| format!("{n:?}")).collect();
            line.push_str(&format!(
                "\nnote: the workbook has other sheets with data: {} (read one with --sheet NAME)",
                names.join(", ")
            ));
        }
        line
    }
}

/// How to read a list: which columns, whether it has a header, its encoding and sheet.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--column`: a header name or `#N`.
    pub column: Option<ColumnSpec>,
    /// `--date-column`: a header name or `#N`.
    pub date_column: Option<ColumnSpec>,
    /// `--no-header`: the first row is data.
    pub no_header: bool,
    /// `--encoding`, for text files without a BOM.
    pub encoding: Option<TextEncoding>,
    /// `--sheet`, for spreadsheets.
    pub sheet: Option<String>,
}

impl ReadOptions {
    /// The options for a side list (`--protect`, a roster's protect list): detected columns,
    /// the same encoding.
    pub fn side_list(&self) -> ReadOptions {
        ReadOptions { encoding: self.encoding, ..ReadOptions::default() }
    }

    fn choice(&self) -> ColumnChoice<'_> {
        ColumnChoice {
            identifier: self.column.as_ref(),
            date: self.date_column.as_ref(),
            no_header: self.no_header,
        }
    }
}

/// Is `path` a spreadsheet (by its extension)?
pub fn is_spreadsheet(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(extension.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads a list from a CSV file or a spreadsheet. The file is read once, so the rows and their
/// digest come from the same bytes.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<Input, String> {
    let source = path.display().to_string();
    if !is_spreadsheet(path) && options.sheet.is_some() {
        return Err(format!(
            "{source}: --sheet applies to spreadsheets (.xlsx, .xls, .ods), not CSV files"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{source}: {e}"))?;
    if is_spreadsheet(path) {
        return read_sheet(&bytes, &source, options);
    }
    read_text(&bytes, &source, options)
}

/// Reads rows from the bytes of a text file; `source` names the file in errors.
pub fn read_text(bytes: &[u8], source: &str, options: &ReadOptions) -> Result<Input, String> {
    let (text, encoding) = text::decode(bytes, options.encoding, source)?;
    let delimiter = text::sniff_delimiter(&text);
    let mut records = text::Records::new(&text, source, delimiter);
    let Some(first) = records.next(&[])? else {
        return Err(format!("{source}: the file has no rows"));
    };
    let layout =
        header::layout(&first.cells, &options.choice(), source, &format!("line {}", first.line))?;
    let guarded: Vec<usize> =
        std::iter::once(layout.index).chain(layout.date.as_ref().map(|d| d.0)).collect();
    let mut rows = Vec::new();
    let mut take = |line: u64, cells: &[String]| {
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim()).to_string();
        rows.push(InputRow {
            row: rows.len() + 1,
            line,
            value: cell(layout.index),
            date: layout.date.as_ref().map(|d| cell(d.0)),
        });
    };
    if !layout.has_header {
        take(first.line, &first.cells);
    }
    while let Some(record) = records.next(&guarded)? {
        take(record.line, &record.cells);
    }
    if rows.is_empty() {
        return Err(format!("{source}: the file has a header but no data rows"));
    }
    let (column, date_column) = describe_columns(&layout, |i| (i + 1).to_string());
    Ok(Input {
        rows,
        column,
        date_column,
        delimiter: Some(delimiter),
        sha256: crate::model::sha256_hex(bytes),
        sheet: None,
        sheet_hidden: false,
        other_sheets: Vec::new(),
        encoding: Some(encoding),
    })
}

/// Reads one sheet of a workbook; rows keep the sheet's row numbers.
fn read_sheet(bytes: &[u8], source: &str, options: &ReadOptions) -> Result<Input, String> {
    let sheet = sheet::read(bytes, source, options.sheet.as_deref())?;
    let shown = format!("{source} (sheet {:?})", sheet.name);
    let mut rows_of_sheet = sheet.rows.iter();
    let Some((&first_row, first)) = rows_of_sheet.next() else {
        return Err(format!("{shown}: the sheet has no rows"));
    };
    let layout = header::layout(
        &sheet::dense(first),
        &options.choice(),
        &shown,
        &format!("row {first_row}"),
    )?;
    let mut rows = Vec::new();
    let mut take = |number: u32, cells: &[(u32, String)]| {
        let date = layout.date.as_ref().map(|d| sheet::cell(cells, d.0).to_string());
        rows.push(InputRow {
            row: number as usize,
            line: u64::from(number),
            value: sheet::cell(cells, layout.index).to_string(),
            date,
        });
    };
    if !layout.has_header {
        take(first_row, first);
    }
    for (&number, cells) in rows_of_sheet {
        take(number, cells);
    }
    if rows.is_empty() {
        return Err(format!("{shown}: the sheet has a header but no data rows"));
    }
    let (column, date_column) = describe_columns(&layout, column_letter);
    Ok(Input {
        rows,
        column,
        date_column,
        delimiter: None,
        sha256: crate::model::sha256_hex(bytes),
        sheet: Some(sheet.name),
        sheet_hidden: sheet.hidden,
        other_sheets: sheet.others,
        encoding: None,
    })
}

/// `column B "Work Email"` / `column 2 (no header)`, for the identifier and date columns.
fn describe_columns(
    layout: &Layout,
    position: impl Fn(usize) -> String,
) -> (String, Option<String>) {
    let describe = |index: usize, name: Option<&str>| match name {
        Some(name) => format!("column {} {name:?}", position(index)),
        None => format!("column {} (no header)", position(index)),
    };
    let column = describe(layout.index, layout.name.as_deref());
    let date = layout
        .date
        .as_ref()
        .map(|(i, name)| describe(*i, layout.has_header.then_some(name.as_str())));
    (column, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, column: Option<&str>) -> Result<Input, String> {
        let options = ReadOptions {
            column: column.map(|c| ColumnSpec::parse(c).unwrap()),
            ..ReadOptions::default()
        };
        read_text(text.as_bytes(), "leavers.csv", &options)
    }

    fn values(input: &Input) -> Vec<(usize, &str)> {
        input.rows.iter().map(|r| (r.row, r.value.as_str())).collect()
    }

    #[test]
    fn header_columns_are_found_by_name_in_any_case() {
        let input = read("Name,E-mail Address,Dept\nAda, ada@x.example ,R&D\n", None).unwrap();
        assert_eq!(values(&input), [(1, "ada@x.example")]);
        assert_eq!(input.column, "column 2 \"E-mail Address\"");
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
        assert_eq!(input.column, "column 1 (no header)");
        let options = ReadOptions { no_header: true, ..ReadOptions::default() };
        let input = read_text(b"jdoe\nasmith\n", "l.csv", &options).unwrap();
        assert_eq!(values(&input), [(1, "jdoe"), (2, "asmith")]);
    }

    #[test]
    fn a_header_like_word_beside_an_email_does_not_make_a_header() {
        let input = read("target@example.com,User\nsam@example.com,Admin\n", None).unwrap();
        assert_eq!(values(&input), [(1, "target@example.com"), (2, "sam@example.com")]);
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
        let input =
            read("Email;Last working day;Team\nada@x;2026-12-31;R\nbob@x;;S\n", None).unwrap();
        assert_eq!(input.date_column.as_deref(), Some("column 2 \"Last working day\""));
        let dates: Vec<Option<&str>> = input.rows.iter().map(|r| r.date.as_deref()).collect();
        assert_eq!(dates, [Some("2026-12-31"), Some("")]);
        let named = ReadOptions {
            date_column: Some(ColumnSpec::parse("leaves").unwrap()),
            ..ReadOptions::default()
        };
        let input = read_text(b"email,leaves\nada@x,31.12.2026\n", "l.csv", &named).unwrap();
        assert_eq!(input.rows[0].date.as_deref(), Some("31.12.2026"));
        assert!(read("email,team\nada@x,R\n", None).unwrap().date_column.is_none());
        let missing = read_text(b"email\nada@x\n", "l.csv", &named).unwrap_err();
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
        assert!(
            read("email\na@x\n", Some("login")).unwrap_err().contains("no column named \"login\"")
        );
        let err =
            read_text(&b"email\nok\n\xff\xfe\n"[..], "l.csv", &ReadOptions::default()).unwrap_err();
        assert!(
            err.starts_with("l.csv: line 3: not UTF-8 text: pass --encoding windows-1252"),
            "{err}"
        );
    }

    /// Generated CSVs with random quotes, delimiters and blank lines: every data line holds one
    /// unique email, and the reader either refuses the file or gives every line its own row.
    #[test]
    fn fuzzed_quotes_never_lose_or_merge_a_line() {
        let mut rng = crate::rng::Rng::new(7);
        let (mut read_ok, mut refused) = (0, 0);
        for case in 0..2_000 {
            let delimiter = *rng.pick(&[',', ';', '\t']);
            let names = [
                "Ann",
                "\"Kiki",
                "Robert \"Bob\" Jones",
                "\"Lee, Sam\"",
                "O'Neil",
                "\"\"",
                "Zoë\"",
                "\"multi\nline\"",
            ];
            let mut text = format!("name{delimiter}email{delimiter}note\n");
            let mut emails = Vec::new();
            for i in 0..rng.below(12) + 1 {
                if rng.chance(0.2) {
                    text.push('\n');
                }
                let name = if rng.chance(0.3) { *rng.pick(&names) } else { "Plain" };
                let note = if rng.chance(0.2) { *rng.pick(&names) } else { "n" };
                let email = format!("p{case}x{i}@x.example");
                text.push_str(&format!("{name}{delimiter}{email}{delimiter}{note}\n"));
                emails.push(email);
            }
            match read_text(text.as_bytes(), "f.csv", &ReadOptions::default()) {
                Ok(input) => {
                    read_ok += 1;
                    let got: Vec<&str> = input.rows.iter().map(|r| r.value.as_str()).collect();
                    assert_eq!(got, emails, "case {case}: every line is its own row:\n{text}");
                }
                Err(e) => {
                    refused += 1;
                    assert!(e.starts_with("f.csv: "), "{e}");
                }
            }
        }
        assert!(
            read_ok > 200 && refused > 200,
            "both paths are exercised: {read_ok} read, {refused} refused"
        );
    }
}
