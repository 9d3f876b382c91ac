//! Which column holds the identifiers, and whether the first row is a header.
//!
//! The rule never guesses with people's accounts:
//! - a header row never holds an email address or a 32-hex ID, so a first row with one is data;
//! - a header is recognised by the names HR systems write (`Work Email`, `UPN`, `Login ID`, …);
//! - a first row that is neither a recognised header nor clearly data is refused, naming its
//!   cells and the flags that settle it (`--column NAME`, `--column '#N'`, `--no-header`);
//! - two columns with the same chosen name are refused unless `--column '#N'` picks one.

/// Header names that mark the identifier column, in order of preference; compared after
/// [`normalise`]. `employee id` is deliberately absent: it is an HR number, not a Workfront ID.
pub(crate) const HEADER_NAMES: &[&str] = &[
    "username",
    "user",
    "login",
    "loginname",
    "loginid",
    "userprincipalname",
    "upn",
    "ssousername",
    "email",
    "emailaddr",
    "emailaddress",
    "workemail",
    "workemailaddress",
    "employeeemail",
    "employeeemailaddress",
    "businessemail",
    "mail",
    "emailid",
    "id",
    "guid",
    "userid",
    "identifier",
];

/// Header names that mark the leaving-date column, compared the same way.
pub(crate) const DATE_HEADERS: &[&str] = &[
    "lastday",
    "lastworkingday",
    "lastdayofwork",
    "enddate",
    "leavingdate",
    "deactivationdate",
    "terminationdate",
    "exitdate",
];

/// Lower-cases and drops spaces, underscores, hyphens and dots: `E-mail Address` → `emailaddress`.
pub(crate) fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A cell that can only be data: an email address or a 32-hex Workfront ID.
pub(crate) fn looks_like_identifier(cell: &str) -> bool {
    let cell = cell.trim();
    let is_hex_id = cell.len() == 32 && cell.bytes().all(|b| b.is_ascii_hexdigit());
    let is_email = match cell.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !cell.chars().any(char::is_whitespace)
        }
        None => false,
    };
    is_hex_id || is_email
}

/// How the user named a column: by header text or by 1-based position (`#N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSpec {
    Name(String),
    Position(usize),
}

impl ColumnSpec {
    /// Parses `--column` / `--date-column`: `#N` is a position, anything else a header name.
    pub fn parse(text: &str) -> Result<ColumnSpec, String> {
        match text.trim().strip_prefix('#') {
            Some(n) => match n.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(ColumnSpec::Position(n)),
                _ => Err(format!(
                    "column {text:?}: a position is written #N with N from 1, e.g. '#2'"
                )),
            },
            None => Ok(ColumnSpec::Name(text.trim().to_string())),
        }
    }
}

/// Spreadsheet-style column letters: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// What the first row is and which columns to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub has_header: bool,
    /// 0-based identifier column.
    pub index: usize,
    /// The header text of the identifier column, if there is a header.
    pub name: Option<String>,
    /// 0-based leaving-date column and its header text (empty without a header).
    pub date: Option<(usize, String)>,
}

/// What the reader was told about the columns.
#[derive(Debug, Clone, Default)]
pub struct ColumnChoice<'a> {
    pub identifier: Option<&'a ColumnSpec>,
    pub date: Option<&'a ColumnSpec>,
    pub no_header: bool,
}

/// Decides the layout from the first non-blank row. `place` says where that row is
/// (`line 1`, `row 3`) and `source` names the file, for errors.
pub fn layout(
    first: &[String],
    choice: &ColumnChoice<'_>,
    source: &str,
    place: &str,
) -> Result<Layout, String> {
    let row =
        FirstRow { first, headers: first.iter().map(|h| normalise(h)).collect(), source, place };
    let has_header = row.has_header(choice)?;
    let index = row.identifier(choice, has_header)?;
    let date = row.date(choice, has_header)?;
    let name = has_header.then(|| first[index].trim().to_string());
    Ok(Layout { has_header, index, name, date })
}

/// What to pass when the first row cannot be read for sure.
const SETTLE: &str = "pass --column NAME (a header), --column '#N' (a position), or --no-header (the first row is data)";

/// The first non-blank row and where it is, for the layout's decisions and their errors.
struct FirstRow<'a> {
    first: &'a [String],
    /// The cells, normalised as header names.
    headers: Vec<String>,
    source: &'a str,
    place: &'a str,
}

impl FirstRow<'_> {
    /// The row's cells, quoted, for messages.
    fn cells(&self) -> String {
        self.first.iter().map(|c| format!("{:?}", c.trim())).collect::<Vec<_>>().join(", ")
    }

    fn holds_data(&self) -> bool {
        self.first.iter().any(|c| looks_like_identifier(c))
    }

    /// The one column whose header is `wanted` (`what` names it in errors).
    fn find(&self, wanted: &str, what: &str) -> Result<usize, String> {
        let (source, place) = (self.source, self.place);
        let hits: Vec<usize> = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| **h == normalise(wanted))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [] => Err(format!(
                "{source}: {place}: no {what} named {wanted:?} (the first row has: {})",
                self.cells()
            )),
            [one] => Ok(*one),
            many => Err(format!(
                "{source}: {place}: {} columns are named {:?} (columns {}): pass --column '#N' to say which",
                many.len(),
                self.first[many[0]].trim(),
                many.iter().map(|i| (i + 1).to_string()).collect::<Vec<_>>().join(" and ")
            )),
        }
    }

    /// Is the first row a header? Refuses when the flags contradict the row, or when it cannot
    /// tell: it never guesses.
    fn has_header(&self, choice: &ColumnChoice<'_>) -> Result<bool, String> {
        let (source, place) = (self.source, self.place);
        match (choice.no_header, choice.identifier) {
            (true, Some(ColumnSpec::Name(name))) => Err(format!(
                "--column {name:?} names a header, but --no-header says there is none: use --column '#N'"
            )),
            (true, _) => Ok(false),
            (false, Some(ColumnSpec::Name(_))) if self.holds_data() => Err(format!(
                "{source}: {place} holds data ({}), not a header, so --column cannot name a header: use --column '#N' (and --no-header)",
                self.cells()
            )),
            (false, Some(ColumnSpec::Name(_))) => Ok(true),
            (false, Some(ColumnSpec::Position(n))) => {
                let cell = self.first.get(n - 1).map_or("", |c| c.trim());
                let known = self.headers.iter().any(|h| {
                    HEADER_NAMES.contains(&h.as_str()) || DATE_HEADERS.contains(&h.as_str())
                });
                if self.holds_data() {
                    Ok(false)
                } else if known || cell.is_empty() || cell.chars().any(char::is_whitespace) {
                    Ok(true)
                } else {
                    Err(format!(
                        "{source}: {place}: cannot tell whether the first row ({}) is a header or a leaver: pass --no-header if it is data, or --column NAME to name the header",
                        self.cells()
                    ))
                }
            }
            (false, None) => {
                let recognised =
                    HEADER_NAMES.iter().any(|name| self.headers.iter().any(|h| h == name));
                if self.holds_data() {
                    Ok(false)
                } else if recognised {
                    Ok(true)
                } else {
                    Err(format!(
                        "{source}: {place}: no identifier column found: the first row ({}) is not a header this tool knows and does not look like data; {SETTLE}",
                        self.cells()
                    ))
                }
            }
        }
    }

    /// The identifier column (0-based), checked against the row's width.
    fn identifier(&self, choice: &ColumnChoice<'_>, has_header: bool) -> Result<usize, String> {
        let (source, place) = (self.source, self.place);
        let index = match choice.identifier {
            Some(ColumnSpec::Position(n)) => *n - 1,
            Some(ColumnSpec::Name(name)) => self.find(name, "column")?,
            None if has_header => {
                let name = HEADER_NAMES
                    .iter()
                    .find(|name| self.headers.iter().any(|h| h == *name))
                    .expect("a recognised header");
                self.find(name, "column")?
            }
            None if choice.no_header => 0,
            None if !looks_like_identifier(&self.first[0]) => {
                return Err(format!(
                    "{source}: {place}: the first row ({}) looks like data, but its first cell is not an email address or user ID: {SETTLE}",
                    self.cells()
                ));
            }
            None => 0,
        };
        if let Some(ColumnSpec::Position(n)) = choice.identifier
            && *n > self.first.len()
        {
            let width = self.first.len();
            return Err(if has_header {
                format!(
                    "{source}: {place}: --column '#{n}': the header has only {width} columns ({})",
                    self.cells()
                )
            } else {
                format!(
                    "{source}: {place}: --column '#{n}': the first row has only {width} columns"
                )
            });
        }
        Ok(index)
    }

    /// The leaving-date column and its header text, if there is one.
    fn date(
        &self,
        choice: &ColumnChoice<'_>,
        has_header: bool,
    ) -> Result<Option<(usize, String)>, String> {
        let header = |i: usize| self.first.get(i).map_or("", |c| c.trim()).to_string();
        Ok(match (choice.date, has_header) {
            (Some(ColumnSpec::Position(n)), true) => Some((*n - 1, header(*n - 1))),
            (Some(ColumnSpec::Position(n)), false) => Some((*n - 1, String::new())),
            (Some(ColumnSpec::Name(name)), true) => {
                let i = self.find(name, "date column")?;
                Some((i, header(i)))
            }
            (Some(ColumnSpec::Name(name)), false) => {
                return Err(format!(
                    "{}: {}: --date-column {name:?} names a header, but the first row is data: use --date-column '#N'",
                    self.source, self.place
                ));
            }
            (None, true) => DATE_HEADERS
                .iter()
                .find_map(|name| self.headers.iter().position(|h| h == name))
                .map(|i| (i, header(i))),
            (None, false) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(row: &str) -> Vec<String> {
        row.split(',').map(String::from).collect()
    }

    fn decide(row: &str, choice: ColumnChoice<'_>) -> Result<Layout, String> {
        layout(&cells(row), &choice, "l.csv", "line 1")
    }

    #[test]
    fn a_first_row_holding_an_email_is_data_whatever_other_cells_say() {
        let found = decide("target@example.com,User", ColumnChoice::default()).unwrap();
        assert_eq!((found.has_header, found.index), (false, 0));
        let found = decide(&format!("{},Admin", "a".repeat(32)), ColumnChoice::default()).unwrap();
        assert!(!found.has_header);
    }

    #[test]
    fn hr_header_names_are_recognised() {
        for header in [
            "Work Email",
            "Employee Email",
            "E-mail",
            "Mail",
            "Email ID",
            "Login ID",
            "Login Name",
            "User Name",
            "User Principal Name",
            "UPN",
            "SSO Username",
        ] {
            let found = decide(&format!("Line Manager,{header},Last Day"), ColumnChoice::default())
                .unwrap();
            assert_eq!((found.has_header, found.index), (true, 1), "{header}");
            assert_eq!(found.date, Some((2, "Last Day".into())), "{header}");
        }
        let err = decide("Employee ID,Name", ColumnChoice::default()).unwrap_err();
        assert!(err.contains("\"Employee ID\", \"Name\"") && err.contains("--no-header"), "{err}");
    }

    #[test]
    fn an_unknown_header_is_refused_with_what_to_pass() {
        let err = decide("Line Manager,Address,Last Day", ColumnChoice::default()).unwrap_err();
        assert!(err.starts_with("l.csv: line 1: no identifier column found"), "{err}");
        assert!(
            err.contains("--column NAME")
                && err.contains("--column '#N'")
                && err.contains("--no-header"),
            "{err}"
        );
        let err = decide("Sam Smith,sam@x.example", ColumnChoice::default()).unwrap_err();
        assert!(err.contains("its first cell is not an email"), "{err}");
    }

    #[test]
    fn positions_and_no_header() {
        let pos = ColumnSpec::parse("#2").unwrap();
        let found = decide(
            "Manager,Work Contact",
            ColumnChoice { identifier: Some(&pos), ..Default::default() },
        )
        .unwrap();
        assert_eq!(
            (found.has_header, found.index, found.name.as_deref()),
            (true, 1, Some("Work Contact"))
        );
        let found =
            decide("boss,ada@x", ColumnChoice { identifier: Some(&pos), ..Default::default() })
                .unwrap();
        assert_eq!((found.has_header, found.index), (false, 1));
        let err =
            decide("boss,jdoe", ColumnChoice { identifier: Some(&pos), ..Default::default() })
                .unwrap_err();
        assert!(err.contains("cannot tell whether the first row"), "{err}");
        let found = decide(
            "boss,jdoe",
            ColumnChoice { identifier: Some(&pos), no_header: true, ..Default::default() },
        )
        .unwrap();
        assert_eq!((found.has_header, found.index), (false, 1));
        let found = decide("jdoe", ColumnChoice { no_header: true, ..Default::default() }).unwrap();
        assert_eq!((found.has_header, found.index), (false, 0));
        assert!(ColumnSpec::parse("#0").is_err() && ColumnSpec::parse("#x").is_err());
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn two_columns_with_the_chosen_name_are_refused() {
        let err = decide("Email,Name,Email", ColumnChoice::default()).unwrap_err();
        assert!(err.contains("2 columns are named \"Email\" (columns 1 and 3)"), "{err}");
        let pos = ColumnSpec::parse("#3").unwrap();
        let found = decide(
            "Email,Name,Email",
            ColumnChoice { identifier: Some(&pos), ..Default::default() },
        )
        .unwrap();
        assert_eq!(found.index, 2);
    }
}
