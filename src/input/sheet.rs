//! Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, read with calamine): which sheet,
//! and its cells, without trusting the file's own idea of its size.
//!
//! HR workbooks often keep the whole staff on a hidden first sheet; the leavers are on the first
//! *visible* one, so that is the sheet read (or `--sheet NAME`), and it is named in the opening
//! line. A sheet's declared dimension can be a million rows by 16,384 columns in a 2 KB file, so
//! cells are streamed sparsely where the format allows (xlsx, xlsb) and never allocated as a
//! dense grid; a zip whose declared content is larger than any real leavers' list is refused
//! before it is decompressed, and the number of cells read is bounded.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, SheetType, SheetVisible, Sheets};

/// The most non-empty cells read from one sheet: far more than any leavers' list.
pub const MAX_CELLS: usize = 5_000_000;
/// The most bytes a workbook's zip may declare, all entries together.
pub const MAX_UNZIPPED: u64 = 512 * 1024 * 1024;

/// One sheet's non-empty rows: sheet row number (1-based) → its non-empty cells (0-based
/// column, text), both in order.
pub type SparseRows = BTreeMap<u32, Vec<(u32, String)>>;

/// The sheet read and what else the workbook holds.
pub struct Sheet {
    pub name: String,
    pub hidden: bool,
    pub rows: SparseRows,
    /// Other visible sheets that hold data.
    pub others: Vec<String>,
}

/// Reads the chosen sheet of a workbook.
pub fn read(bytes: &[u8], source: &str, wanted: Option<&str>) -> Result<Sheet, String> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if !is_zip && !is_ole {
        let hint = if std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok() {
            "it looks like a text (CSV) file: give it a .csv name"
        } else {
            "it is neither an Excel nor an OpenDocument file"
        };
        return Err(format!("{source}: not a spreadsheet: {hint}"));
    }
    if is_zip {
        check_zip(bytes, source)?;
    }
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("{source}: cannot read the spreadsheet: {e}"))?;
    let sheets = workbook.sheets_metadata().to_vec();
    let is_visible =
        |s: &calamine::Sheet| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet;
    let chosen = match wanted {
        Some(wanted) => sheets
            .iter()
            .find(|s| s.name == wanted)
            .or_else(|| sheets.iter().find(|s| s.name.eq_ignore_ascii_case(wanted))),
        None => sheets.iter().find(|s| is_visible(s)),
    };
    let Some(chosen) = chosen.cloned() else {
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        return Err(match wanted {
            Some(wanted) => {
                format!("{source}: no sheet named {wanted:?} (it has: {})", names.join(", "))
            }
            None => format!(
                "{source}: the workbook has no visible worksheet (it has: {})",
                names.join(", ")
            ),
        });
    };
    let shown = format!("{source} (sheet {:?})", chosen.name);
    let rows = cells(&mut workbook, &chosen.name, &shown, usize::MAX)?;
    let mut others = Vec::new();
    for other in sheets.iter().filter(|s| is_visible(s) && s.name != chosen.name) {
        if cells(&mut workbook, &other.name, source, 1).is_ok_and(|rows| !rows.is_empty()) {
            others.push(other.name.clone());
        }
    }
    Ok(Sheet { name: chosen.name, hidden: chosen.visible != SheetVisible::Visible, rows, others })
}

/// Refuses a zip that declares more content than [`MAX_UNZIPPED`] (a zip bomb).
fn check_zip(bytes: &[u8], source: &str) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("{source}: cannot read the spreadsheet: {e}"))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| format!("{source}: cannot read the spreadsheet: {e}"))?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNZIPPED {
        return Err(format!(
            "{source}: the spreadsheet unpacks to {} MB, more than {} MB: refusing it (save the leavers alone as a CSV)",
            total / 1_000_000,
            MAX_UNZIPPED / 1_000_000
        ));
    }
    Ok(())
}

/// The non-empty cells of one sheet, at most `limit` of them (and never more than [`MAX_CELLS`]).
fn cells(
    workbook: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    shown: &str,
    limit: usize,
) -> Result<SparseRows, String> {
    let mut rows = SparseRows::new();
    let mut count = 0usize;
    let mut add = |row: u32, col: u32, data: Data| -> Result<bool, String> {
        let text = cell_text(&data);
        if text.trim().is_empty() {
            return Ok(true);
        }
        count += 1;
        if count > MAX_CELLS {
            return Err(format!(
                "{shown}: more than {MAX_CELLS} cells: refusing it (save the leavers alone as a CSV)"
            ));
        }
        rows.entry(row + 1).or_default().push((col, text));
        Ok(count < limit)
    };
    let error = |e: &dyn std::fmt::Display| format!("{shown}: {e}");
    match workbook {
        Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx.worksheet_cells_reader(name).map_err(|e| error(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| error(&e))? {
                let (row, col) = cell.get_position();
                if !add(row, col, Data::from(cell.get_value().clone()))? {
                    break;
                }
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb.worksheet_cells_reader(name).map_err(|e| error(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| error(&e))? {
                let (row, col) = cell.get_position();
                if !add(row, col, Data::from(cell.get_value().clone()))? {
                    break;
                }
            }
        }
        other => {
            let range = other.worksheet_range(name).map_err(|e| error(&e))?;
            for (row, col, data) in range.used_cells() {
                let (start_row, start_col) = range.start().unwrap_or((0, 0));
                if !add(start_row + row as u32, start_col + col as u32, data.clone())? {
                    break;
                }
            }
        }
    }
    for cells in rows.values_mut() {
        cells.sort_by_key(|(col, _)| *col);
    }
    Ok(rows)
}

/// A cell as the text the administrator sees: whole numbers without `.0`, errors as `#…`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Empty => String::new(),
        Data::DateTime(when) => crate::dates::from_serial(when.as_f64()).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// The text of cell `col` in a sparse row ("" when empty).
pub fn cell(row: &[(u32, String)], col: usize) -> &str {
    match row.binary_search_by_key(&(col as u32), |(c, _)| *c) {
        Ok(i) => row[i].1.trim(),
        Err(_) => "",
    }
}

/// A sparse row made dense up to its last non-empty cell (for the header row only).
pub fn dense(row: &[(u32, String)]) -> Vec<String> {
    let width = row.last().map_or(0, |(c, _)| *c as usize + 1);
    let mut cells = vec![String::new(); width];
    for (c, text) in row {
        cells[*c as usize] = text.clone();
    }
    cells
}
