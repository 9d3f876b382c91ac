//! Inputs that cannot be misread: the cases HR files really produce, each run against the
//! simulator and judged by what a user would notice (report rows, exit code, who is inactive).

use std::io::Write;

use crate::util::{calm, deactivate, is_active, leavers, printed, read_report, start_sim, write};

/// One sheet of [`xlsx`]: name, state (`visible`, `hidden` or `veryHidden`), cells as
/// (reference, text).
type SheetSpec<'a> = (&'a str, &'a str, Vec<(String, String)>);

/// A minimal .xlsx; `dimension` overrides each sheet's declared size.
pub fn xlsx(sheets: &[SheetSpec<'_>], dimension: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: String| {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    put(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
        ),
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
    );
    let entries: String = sheets
        .iter()
        .enumerate()
        .map(|(i, (name, state, _))| {
            format!(
                r#"<sheet name="{name}" sheetId="{}" state="{state}" r:id="rId{}"/>"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    put(
        "xl/workbook.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{entries}</sheets></workbook>"#
        ),
    );
    let rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
        .collect();
    put(
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        ),
    );
    for (i, (_, _, cells)) in sheets.iter().enumerate() {
        let mut rows: std::collections::BTreeMap<u32, String> = Default::default();
        for (reference, text) in cells {
            let number: u32 =
                reference.trim_start_matches(|c: char| c.is_ascii_alphabetic()).parse().unwrap();
            rows.entry(number).or_default().push_str(&format!(
                r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#
            ));
        }
        let data: String =
            rows.iter().map(|(n, cells)| format!(r#"<row r="{n}">{cells}</row>"#)).collect();
        let dimension = dimension.map(|d| format!(r#"<dimension ref="{d}"/>"#)).unwrap_or_default();
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{data}</sheetData></worksheet>"#
            ),
        );
    }
    zip.finish().unwrap().into_inner()
}

fn column_a(values: &[String]) -> Vec<(String, String)> {
    values.iter().enumerate().map(|(i, v)| (format!("A{}", i + 1), v.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headerless_file_with_a_role_word_deactivates_the_leavers_not_user_and_admin() {
    let sim = start_sim(300, 71, calm()).await;
    let people = leavers(&sim, 5);
    {
        let mut tenant = sim.state.tenant_mut();
        for (who, name) in [(&people[3], "user"), (&people[4], "admin")] {
            let user = tenant.users.iter_mut().find(|u| u.id == who.id).unwrap();
            user.username = name.into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "leavers.csv",
        &format!("{},User\n{},Admin\n{},User\n", people[0].email, people[1].email, people[2].email),
    );
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(
        printed(&output).contains("3 rows, identifiers from column 1 (no header)"),
        "{}",
        printed(&output)
    );
    let rows = read_report(&report);
    let got: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["email"].as_str(), r["outcome"].as_str())).collect();
    let want: Vec<(&str, &str)> = people[..3].iter().map(|p| (&*p.email, "deactivated")).collect();
    assert_eq!(got, want);
    for p in &people[..3] {
        assert!(!is_active(&sim, &p.id_hex()));
    }
    assert!(
        is_active(&sim, &people[3].id_hex()) && is_active(&sim, &people[4].id_hex()),
        "the accounts `user` and `admin` are untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_headers_are_recognised_and_an_unknown_header_is_refused_before_any_request() {
    let sim = start_sim(300, 72, calm()).await;
    let people = leavers(&sim, 4);
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{},{},2020-01-31\n{},{},2020-02-28\n",
        people[0].email, people[1].email, people[2].email, people[3].email
    );
    let input = write(dir.path(), "hr.csv", &format!("Line Manager,Work Email,Last Day\n{body}"));
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(
        printed(&output).contains(
            r#"identifiers from column 2 "Work Email", leaving dates from column 3 "Last Day""#
        ),
        "{}",
        printed(&output)
    );
    let got: Vec<String> = read_report(&report).into_iter().map(|r| r["email"].clone()).collect();
    assert_eq!(
        got,
        [people[1].email.to_string(), people[3].email.to_string()],
        "the managers are not planned"
    );

    sim.state.reset_stats();
    let unknown =
        write(dir.path(), "unknown.csv", &format!("Line Manager,Contact,Last Day\n{body}"));
    let output = deactivate(&sim, &unknown, &dir.path().join("r2.csv"), &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    assert!(
        text.contains("unknown.csv: line 1")
            && text.contains(r#""Line Manager", "Contact", "Last Day""#),
        "{text}"
    );
    assert!(text.contains("--column NAME") && text.contains("--no-header"), "{text}");
    assert_eq!(sim.stats().requests, 0, "refused before any request");
    assert!(!dir.path().join("r2.csv").exists());

    let output =
        deactivate(&sim, &unknown, &dir.path().join("r3.csv"), &["--dry-run", "--column", "#2"])
            .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(
        printed(&output).contains(r#"identifiers from column 2 "Contact""#),
        "{}",
        printed(&output)
    );
    assert_eq!(read_report(&dir.path().join("r3.csv")).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_visible_sheet_is_read_and_named() {
    let sim = start_sim(300, 73, calm()).await;
    let people = leavers(&sim, 12);
    let emails: Vec<String> = people.iter().map(|p| p.email.to_string()).collect();
    let mut leavers_sheet = vec!["Email".to_string()];
    leavers_sheet.extend(emails[10..].iter().cloned());
    let mut staff = vec!["Email".to_string()];
    staff.extend(emails[..10].iter().cloned());
    let dir = tempfile::tempdir().unwrap();
    for state in ["hidden", "veryHidden"] {
        let book = xlsx(
            &[
                ("AllStaff", state, column_a(&staff)),
                ("Leavers", "visible", column_a(&leavers_sheet)),
            ],
            None,
        );
        let path = dir.path().join(format!("{state}.xlsx"));
        std::fs::write(&path, book).unwrap();
        let report = dir.path().join(format!("{state}.csv"));
        let output = deactivate(&sim, &path, &report, &["--dry-run"]).await;
        assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
        assert!(
            printed(&output)
                .contains(r#"(sheet "Leavers"): 2 rows, identifiers from column A "Email""#),
            "{}",
            printed(&output)
        );
        let got: Vec<String> =
            read_report(&report).into_iter().map(|r| r["email"].clone()).collect();
        assert_eq!(got, emails[10..], "{state}: only the visible sheet's leavers");
    }
    let two = xlsx(
        &[("Leavers", "visible", column_a(&leavers_sheet)), ("Also", "visible", column_a(&staff))],
        None,
    );
    let path = dir.path().join("two.xlsx");
    std::fs::write(&path, two).unwrap();
    let output = deactivate(&sim, &path, &dir.path().join("two.csv"), &["--dry-run"]).await;
    assert!(printed(&output).contains(r#"other sheets with data: "Also""#), "{}", printed(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sparse_sheet_and_a_zip_bomb_get_clear_answers_not_an_abort() {
    let sim = start_sim(300, 74, calm()).await;
    let people = leavers(&sim, 1);
    let dir = tempfile::tempdir().unwrap();
    let cells = vec![
        ("A1".to_string(), people[0].email.to_string()),
        ("XFD1048576".to_string(), "x".to_string()),
    ];
    let sparse = dir.path().join("sparse.xlsx");
    std::fs::write(&sparse, xlsx(&[("Leavers", "visible", cells)], Some("A1:XFD1048576"))).unwrap();
    let report = dir.path().join("sparse.csv");
    let output = deactivate(&sim, &sparse, &report, &["--dry-run", "--no-header"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    let got: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["row"].as_str(), r["outcome"].as_str())).collect();
    assert_eq!(
        got,
        [("1", "would_deactivate"), ("1048576", "invalid")],
        "the empty identifier cell of the far row is invalid"
    );

    // A workbook whose sheet declares 4 GB of content: refused before it is unpacked.
    let mut bomb = xlsx(
        &[("Leavers", "visible", column_a(&["Email".into(), people[0].email.to_string()]))],
        None,
    );
    let name = b"xl/worksheets/sheet1.xml";
    for signature in [&b"PK\x01\x02"[..], &b"PK\x03\x04"[..]] {
        let (size_at, name_at) = if signature[2] == 1 { (24, 46) } else { (22, 30) };
        let at = (0..bomb.len() - 50)
            .find(|&i| bomb[i..].starts_with(signature) && bomb[i + name_at..].starts_with(name))
            .expect("the sheet's header");
        bomb[at + size_at..at + size_at + 4].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    }
    let path = dir.path().join("bomb.xlsx");
    std::fs::write(&path, bomb).unwrap();
    let output = deactivate(&sim, &path, &dir.path().join("bomb.csv"), &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("bomb.xlsx: the spreadsheet unpacks to 4294 MB"),
        "{}",
        printed(&output)
    );

    let text = write(dir.path(), "really.xlsx", "email\na@x\n");
    let output = deactivate(&sim, &text, &dir.path().join("t.csv"), &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output)
            .contains("really.xlsx: not a spreadsheet: it looks like a text (CSV) file"),
        "{}",
        printed(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protect_entry_with_a_typo_refuses_the_run_before_any_write() {
    let sim = start_sim(300, 75, calm()).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input =
        write(dir.path(), "in.csv", &format!("email\n{}\n{}\n", people[0].email, people[1].email));
    let typo = people[0].email.replace("acme.example", "acme.exmaple");
    let protect = write(dir.path(), "keep.csv", &format!("email\n{typo}\n"));
    let output = deactivate(
        &sim,
        &input,
        &dir.path().join("r.csv"),
        &["--yes", "--protect", &protect.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    assert!(
        text.contains(&format!("keep.csv, line 2 (row 1): \"{typo}\": matches no user")),
        "{text}"
    );
    assert!(text.contains(&format!("did you mean {}", people[0].email)), "{text}");
    assert_eq!(sim.stats().mutating_requests, 0);
    assert!(is_active(&sim, &people[0].id_hex()) && is_active(&sim, &people[1].id_hex()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unbalanced_quote_is_refused_with_its_lines() {
    let sim = start_sim(300, 76, calm()).await;
    let people = leavers(&sim, 10);
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("name,email\n");
    for (i, p) in people.iter().enumerate() {
        let name = match i {
            1 => "\"Kiki".to_string(),
            6 => "Robert \"Bob\" Jones".to_string(),
            _ => p.first_name.to_string(),
        };
        text.push_str(&format!("{name},{}\n", p.email));
    }
    let input = write(dir.path(), "quotes.csv", &text);
    let output = deactivate(&sim, &input, &dir.path().join("r.csv"), &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("quotes.csv: a quoted field opens on line 3 and ends on line 8"),
        "{}",
        printed(&output)
    );
    assert_eq!(sim.stats().requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_32_hex_value_that_is_an_id_and_a_username_is_ambiguous() {
    let sim = start_sim(300, 77, calm()).await;
    let people = leavers(&sim, 3);
    let hex_username = "0123456789abcdef0123456789abcdef";
    {
        let mut tenant = sim.state.tenant_mut();
        let a = tenant.users.iter_mut().find(|u| u.id == people[0].id).unwrap();
        a.username = people[1].id_hex().into();
        let c = tenant.users.iter_mut().find(|u| u.id == people[2].id).unwrap();
        c.username = hex_username.into();
    }
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "ids.csv",
        &format!("user\n{}\n{}\n", people[1].id_hex(), hex_username.to_uppercase()),
    );
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    assert_eq!(rows[0]["outcome"], "ambiguous", "{:?}", rows[0]);
    assert!(rows[0]["error"].contains("2 users"), "{:?}", rows[0]);
    assert_eq!(
        (rows[1]["outcome"].as_str(), rows[1]["matched_by"].as_str()),
        ("deactivated", "username")
    );
    assert!(is_active(&sim, &people[0].id_hex()) && is_active(&sim, &people[1].id_hex()));
    assert!(!is_active(&sim, &people[2].id_hex()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf16_and_windows_1252_exports_are_read() {
    let sim = start_sim(300, 78, calm()).await;
    let people = leavers(&sim, 3);
    let accented = "jos\u{e9}.garc\u{ed}a@acme.example";
    {
        let mut tenant = sim.state.tenant_mut();
        let u = tenant.users.iter_mut().find(|u| u.id == people[2].id).unwrap();
        u.email = accented.into();
        u.username = accented.into();
    }
    let dir = tempfile::tempdir().unwrap();
    let text = format!("Email\tName\n{}\tA\n{}\tB\n", people[0].email, people[1].email);
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let path = dir.path().join("unicode.txt");
    std::fs::write(&path, utf16).unwrap();
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &path, &report, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_eq!(read_report(&report).len(), 2);

    let latin_text = format!("email\n{accented}\n");
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(&latin_text);
    let path = dir.path().join("latin.csv");
    std::fs::write(&path, &latin).unwrap();
    let output = deactivate(&sim, &path, &dir.path().join("r2.csv"), &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("line 2: not UTF-8 text: pass --encoding windows-1252"),
        "{}",
        printed(&output)
    );
    let report = dir.path().join("r3.csv");
    let output =
        deactivate(&sim, &path, &report, &["--dry-run", "--encoding", "windows-1252"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_eq!(read_report(&report)[0]["user_id"], people[2].id_hex());
}
