//! Text files: bytes → text in the right encoding → CSV records, with quotes that can never
//! merge rows silently.
//!
//! Excel's "Unicode text" export is UTF-16 with a BOM and tab-separated; older exports are
//! Windows-1252. A BOM decides by itself; `--encoding` reads files without one. Invalid UTF-8
//! without `--encoding` is refused with the line, and the flag to pass.
//!
//! An unbalanced quote (`"Kiki,kiki@x` with no closing quote) makes a CSV parser swallow every
//! following line into one cell until the next quote. A quoted field with a line break is
//! legitimate in notes and addresses, so it is accepted only where it cannot hide a leaver: not
//! in the identifier or date column, and none of its lines looks like a row of its own (an
//! email or ID in it, or the delimiter). Anything else is refused with the line where
//! the field opened and where it ended.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::header::looks_like_identifier;

/// The encodings `--encoding` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Windows1252,
    Utf16Le,
    Utf16Be,
}

impl TextEncoding {
    /// Parses `--encoding`: `utf-8`, `windows-1252` (or `latin1`, `cp1252`), `utf-16le`, `utf-16be`.
    pub fn parse(text: &str) -> Result<TextEncoding, String> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => {
                Ok(TextEncoding::Windows1252)
            }
            "utf-16le" | "utf16le" => Ok(TextEncoding::Utf16Le),
            "utf-16be" | "utf16be" => Ok(TextEncoding::Utf16Be),
            _ => Err(format!(
                "--encoding {text:?}: use windows-1252, latin1, utf-8, utf-16le or utf-16be"
            )),
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::Windows1252 => WINDOWS_1252,
            TextEncoding::Utf16Le => UTF_16LE,
            TextEncoding::Utf16Be => UTF_16BE,
        }
    }
}

/// Decodes a text file: a BOM decides, else `forced`, else strict UTF-8. Returns the text and
/// the encoding's name.
pub fn decode<'a>(
    bytes: &'a [u8],
    forced: Option<TextEncoding>,
    source: &str,
) -> Result<(Cow<'a, str>, &'static str), String> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, &bytes[bom..]),
        None => (forced.map_or(UTF_8, TextEncoding::encoding), bytes),
    };
    if encoding == UTF_8 {
        return match std::str::from_utf8(body) {
            Ok(text) => Ok((Cow::Borrowed(text), "UTF-8")),
            Err(e) => {
                let line = 1 + body[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
                Err(format!(
                    "{source}: line {line}: not UTF-8 text: pass --encoding windows-1252 for a legacy Excel or Windows export (or save the file as CSV UTF-8)"
                ))
            }
        };
    }
    match encoding.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) => Ok((text, encoding.name())),
        None => Err(format!("{source}: not valid {} text: check --encoding", encoding.name())),
    }
}

/// Picks `,`, `;` or tab by which occurs most on the first non-blank line, outside quotes.
pub fn sniff_delimiter(text: &str) -> u8 {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in first_line.bytes() {
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

/// One non-blank CSV record: the line it starts on and its cells.
pub struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Streams the non-blank records of `text`; each is checked by `check` (which decides what a
/// multi-line cell may be) before it is yielded.
pub struct Records<'t> {
    reader: csv::Reader<&'t [u8]>,
    record: csv::StringRecord,
    source: String,
    delimiter: u8,
}

impl<'t> Records<'t> {
    pub fn new(text: &'t str, source: &str, delimiter: u8) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(text.as_bytes());
        Records { reader, record: csv::StringRecord::new(), source: source.to_string(), delimiter }
    }

    /// The next non-blank record, `None` at the end. `guarded` lists the columns in which a line
    /// break is never accepted (the identifier and date columns).
    pub fn next(&mut self, guarded: &[usize]) -> Result<Option<Record>, String> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(describe_csv_error(&self.source, &e)),
            }
            if self.record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            self.check_line_breaks(line, guarded)?;
            return Ok(Some(Record {
                line,
                cells: self.record.iter().map(String::from).collect(),
            }));
        }
    }

    /// Refuses a record whose multi-line cell could be swallowed rows.
    fn check_line_breaks(&self, line: u64, guarded: &[usize]) -> Result<(), String> {
        let mut breaks_before = 0u64;
        for (i, cell) in self.record.iter().enumerate() {
            let breaks = cell.matches('\n').count() as u64;
            if breaks == 0 && !cell.contains('\r') {
                continue;
            }
            let opened = line + breaks_before;
            let ended = opened + breaks;
            breaks_before += breaks;
            let continuation = cell.split(['\n', '\r']).find(|l| self.looks_like_a_row(l));
            let why = if guarded.contains(&i) {
                format!("column {} holds a line break", i + 1)
            } else if let Some(l) = continuation {
                format!("it swallows what looks like a row of its own ({:?})", l.trim())
            } else {
                continue;
            };
            return Err(format!(
                "{}: a quoted field opens on line {opened} and ends on line {ended}, and {why}: check for an unbalanced quote (\") on line {opened}; nothing was read",
                self.source
            ));
        }
        Ok(())
    }

    fn looks_like_a_row(&self, line: &str) -> bool {
        line.as_bytes().contains(&self.delimiter)
            || line
                .split(|c: char| c.is_whitespace() || c == '"' || c == ';' || c == ',' || c == '\t')
                .any(looks_like_identifier)
    }
}

fn describe_csv_error(source: &str, e: &csv::Error) -> String {
    let line = e.position().map(|p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields where the first line has {expected_len}")
        }
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

    fn all(text: &str, guarded: &[usize]) -> Result<Vec<(u64, Vec<String>)>, String> {
        let mut records = Records::new(text, "l.csv", sniff_delimiter(text));
        let mut out = Vec::new();
        while let Some(r) = records.next(guarded)? {
            out.push((r.line, r.cells));
        }
        Ok(out)
    }

    #[test]
    fn boms_and_forced_encodings_decode() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("email\tname\nj\u{e9}@x\tJ\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (text, name) = decode(&utf16, None, "l.txt").unwrap();
        assert_eq!((text.as_ref(), name), ("email\tname\nj\u{e9}@x\tJ\n", "UTF-16LE"));
        assert_eq!(sniff_delimiter(&text), b'\t');
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a@x\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&utf16be, None, "l").unwrap().0, "a@x\n");
        let latin = b"email\njos\xe9@x\n";
        let err = decode(latin, None, "l.csv").unwrap_err();
        assert!(err.contains("line 2") && err.contains("--encoding windows-1252"), "{err}");
        assert_eq!(
            decode(latin, Some(TextEncoding::Windows1252), "l").unwrap().0,
            "email\njos\u{e9}@x\n"
        );
        let no_bom: Vec<u8> = "a@x\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&no_bom, TextEncoding::parse("UTF-16LE").ok(), "l").unwrap().0, "a@x\n");
        assert_eq!(decode(b"\xEF\xBB\xBFa@x", None, "l").unwrap().0, "a@x");
        assert!(TextEncoding::parse("ebcdic").is_err());
    }

    #[test]
    fn an_unbalanced_quote_is_refused_with_where_it_opened_and_ended() {
        let text = "name,email\n\"Kiki,kiki@x\nBob,bob@x\nAl,al@x\nRobert \"Bob\" Jones,rob@x\n";
        let err = all(text, &[1]).unwrap_err();
        assert!(err.contains("opens on line 2 and ends on line 5"), "{err}");
    }

    #[test]
    fn a_line_break_in_a_notes_column_is_fine_but_not_in_the_identifier_column() {
        let text = "email,address\na@x,\"12 Main St\nSpringfield\"\nb@x,Elm\n";
        let rows = all(text, &[0]).unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 4]);
        let err = all("email,x\n\"a@x\nb@x\",1\n", &[0]).unwrap_err();
        assert!(err.contains("column 1 holds a line break"), "{err}");
    }
}
