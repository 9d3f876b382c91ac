//! The sign-off page: parsed as a browser would, its counts, its attention rows, its escaping
//! of hostile names and cells, and that it refers to nothing outside the file but the tenant.

use std::collections::BTreeMap;

use scraper::{Html, Selector};

use crate::util::{calm, deactivate, leavers, printed, read_report, start_sim, write};

fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    page.select(&Selector::parse(css).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_off_page_shows_the_run_escapes_everything_and_stays_offline() {
    let sim = start_sim(300, 141, calm()).await;
    let people = leavers(&sim, 4);
    {
        let mut tenant = sim.state.tenant_mut();
        let user = tenant.users.iter_mut().find(|u| u.id == people[0].id).unwrap();
        user.first_name = "<script>alert('x')</script>".into();
    }
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        people[0].id_hex(),
        people[1].email.to_string(),
        "=HYPERLINK(\"http://evil.example\")".to_string(),
        "nobody@acme.example".into(),
        people[2].username.to_string(),
    ];
    let input = write(dir.path(), "in.csv", &format!("user\n{}\n", rows.join("\n")));
    let report = dir.path().join("r.csv");
    let html_path = dir.path().join("signoff.html");
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--dry-run", "--html", &html_path.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0);
    let raw = std::fs::read_to_string(&html_path).unwrap();
    let page = Html::parse_document(&raw);

    assert!(!raw.contains("<script>alert"), "a hostile name is escaped, never markup");
    let names: Vec<String> =
        select(&page, "#leaving td:nth-child(4)").iter().map(|e| e.text().collect()).collect();
    assert!(
        names.iter().any(|n| n.contains("<script>alert('x')</script>")),
        "and shown as the text it is: {names:?}"
    );
    let scripts = select(&page, "script");
    assert_eq!(scripts.len(), 1, "one inline script: the table sorter");
    assert!(scripts[0].value().attr("src").is_none());
    let external: Vec<String> = select(&page, "[src], link, img, iframe, object, embed")
        .iter()
        .map(|e| format!("{:?}", e.value()))
        .collect();
    assert!(external.is_empty(), "no external resource: {external:?}");
    let tenant = sim.base_url.clone();
    for link in select(&page, "a[href]") {
        let href = link.value().attr("href").unwrap();
        assert!(
            href.starts_with(&format!("{tenant}/user/")),
            "only links to the tenant's users: {href}"
        );
    }
    assert!(
        !raw.contains("@import") && !raw.contains("url("),
        "no stylesheet or font from elsewhere"
    );

    // The chart's counts are the report's.
    let report_rows = read_report(&report);
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for row in &report_rows {
        *expected.entry(row["outcome"].clone()).or_default() += 1;
    }
    let labels: Vec<String> =
        select(&page, "svg text").iter().map(|e| e.text().collect::<String>()).collect();
    let charted: BTreeMap<String, usize> =
        labels.chunks(2).map(|pair| (pair[0].clone(), pair[1].parse().unwrap())).collect();
    assert_eq!(charted, expected);

    // The rows that need a person come first, with their reasons.
    let attention: Vec<(String, String)> = select(&page, "#attention tbody tr")
        .iter()
        .map(|tr| {
            let cells: Vec<String> =
                tr.select(&Selector::parse("td").unwrap()).map(|td| td.text().collect()).collect();
            (cells[0].clone(), cells[6].clone())
        })
        .collect();
    let expected: Vec<(String, String)> = report_rows
        .iter()
        .filter(|r| {
            !["would_deactivate", "already_inactive", "duplicate"].contains(&r["outcome"].as_str())
        })
        .map(|r| (r["row"].clone(), r["error"].clone()))
        .collect();
    assert_eq!(attention, expected);
    assert!(
        attention.iter().any(|(_, why)| why.contains("did you mean") || why.contains("no user"))
    );
    let headings: Vec<String> = select(&page, "h2").iter().map(|e| e.text().collect()).collect();
    let first_attention = headings.iter().position(|h| h.starts_with("Needs a person")).unwrap();
    let first_leaving = headings.iter().position(|h| h.starts_with("To be deactivated")).unwrap();
    assert!(first_attention < first_leaving, "{headings:?}");
    let sha = wf_offboard::planfile::sha256_hex(&std::fs::read(&input).unwrap());
    assert!(raw.contains(&sha), "the input's SHA-256 is on the page");
    assert!(raw.contains("DRY RUN"));
}
