//! `--html PATH`: the sign-off page, one self-contained HTML file for the people who review an
//! offboarding and do not read CSVs (an HR partner, a manager, a security reviewer).
//!
//! No network: inline CSS and an inline SVG chart, a few lines of inline JavaScript to sort and
//! filter the table, no external script, font or image; it prints to PDF from a browser. Every
//! cell comes from HR files and the tenant, so all text goes through maud, which escapes it.
//! Built from what the run already has: no extra request.

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::report::{Counts, Outcome, OutcomeKind};

/// What the page shows.
pub struct SignOff<'a> {
    /// `deactivate`, `apply`, `reactivate`, `audit`.
    pub command: &'a str,
    pub tenant: &'a str,
    /// The tenant's web address, for links to users (`https://acme.my.workfront.com`).
    pub tenant_url: String,
    pub when: String,
    /// Who ran it: the API user, or where the credential came from.
    pub ran_by: String,
    /// The input file and its SHA-256.
    pub input: Option<(String, String)>,
    pub dry_run: bool,
    pub counts: &'a Counts,
    pub outcomes: &'a [Outcome],
    /// For an audit: licences freed per type, and how many leavers still hold open work.
    pub audit: Option<(&'a BTreeMap<String, usize>, usize)>,
}

impl<'a> SignOff<'a> {
    /// The page for a run of `command` against `run`'s tenant, now; who ran it and the input
    /// are for the caller to add.
    pub fn of_run(
        run: &'a crate::settings::RunSettings,
        command: &'a str,
        counts: &'a Counts,
        outcomes: &'a [Outcome],
    ) -> Self {
        let mut url = run.connection.api_root.clone();
        url.set_path("");
        SignOff {
            command,
            tenant: &run.connection.host,
            tenant_url: url.as_str().trim_end_matches('/').to_string(),
            when: crate::clock::now_rfc3339(),
            ran_by: format!("the credential from {}", run.credential),
            input: None,
            dry_run: run.dry_run,
            counts,
            outcomes,
            audit: None,
        }
    }
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:70rem;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #d7dbe3;padding-bottom:.25rem}
.mode{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;font-weight:600;font-size:.8rem}
.dry{background:#e7f0ff;color:#1a4fa0}.real{background:#ffe9e6;color:#a1261a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}dt{color:#5b6475}dd{margin:0;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceef2;vertical-align:top}
th{background:#f5f6f9;cursor:pointer;user-select:none;white-space:nowrap}tr:hover td{background:#fafbfc}
.attention td.outcome{color:#a1261a;font-weight:600}.muted{color:#5b6475}
input[type=search]{padding:.35rem .5rem;width:20rem;max-width:100%;border:1px solid #c9ceda;border-radius:.3rem;margin:.25rem 0 .5rem}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
@media print{th{cursor:auto}input[type=search]{display:none}body{margin:0}}
";

const SCRIPT: &str = "
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
    var rows=Array.from(t.tBodies[0].rows),up=th.dataset.dir!=='asc';th.dataset.dir=up?'asc':'desc';
    rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,n=parseFloat(x)-parseFloat(y);
      return (isNaN(n)?x.localeCompare(y):n)*(up?1:-1)});rows.forEach(function(r){t.tBodies[0].appendChild(r)})})})});
document.querySelectorAll('input[data-filter]').forEach(function(f){f.addEventListener('input',function(){
  var q=f.value.toLowerCase(),t=document.getElementById(f.dataset.filter);
  Array.from(t.tBodies[0].rows).forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':''})})});
";

/// The outcomes that mean "this person loses access" (or would).
fn deactivating(kind: OutcomeKind) -> bool {
    matches!(
        kind,
        OutcomeKind::Deactivated
            | OutcomeKind::WouldDeactivate
            | OutcomeKind::Scheduled
            | OutcomeKind::WouldSchedule
    )
}

/// The bar chart of outcome counts, as inline SVG.
fn chart(counts: &Counts) -> Markup {
    let rows: Vec<(OutcomeKind, usize)> =
        counts.0.iter().filter(|(_, n)| **n > 0).map(|(k, n)| (*k, *n)).collect();
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let height = rows.len() * 26 + 4;
    html! {
        svg width="640" height=(height) role="img" aria-label="outcomes per row" {
            @for (i, (kind, n)) in rows.iter().enumerate() {
                @let y = i * 26 + 2;
                @let width = 1 + (*n as f64 / max as f64 * 420.0) as usize;
                @let colour = if kind.needs_attention() { "#d9534f" } else if deactivating(*kind) { "#3b6fd8" } else { "#8f98a8" };
                text x="0" y=(y + 16) { (kind.label()) }
                rect x="150" y=(y) width=(width) height="20" rx="3" fill=(colour) {}
                text x=(156 + width) y=(y + 15) { (n) }
            }
        }
    }
}

/// One outcome as a table row.
fn row(outcome: &Outcome, tenant_url: &str, class: &str) -> Markup {
    let user = outcome.user.as_deref();
    html! {
        tr class=(class) {
            td { (outcome.row) }
            td { (outcome.input) }
            td class="outcome" { (outcome.kind.label()) }
            td {
                @if let Some(user) = user {
                    a href=(format!("{tenant_url}/user/{}", user.id)) { (user.name) }
                }
            }
            td { (user.map_or("", |u| u.username.as_str())) }
            td { (user.map_or("", |u| u.license_type.as_str())) }
            td { (outcome.error) }
        }
    }
}

fn table(id: &str, outcomes: &[&Outcome], tenant_url: &str, class: &str) -> Markup {
    html! {
        input type="search" placeholder="Filter…" data-filter=(id) aria-label="filter the table";
        table class="sortable" id=(id) {
            thead { tr { th { "row" } th { "input" } th { "outcome" } th { "name" } th { "username" } th { "licence" } th { "reason" } } }
            tbody { @for outcome in outcomes { (row(outcome, tenant_url, class)) } }
        }
    }
}

/// The whole page.
pub fn render(s: &SignOff<'_>) -> String {
    let attention: Vec<&Outcome> = s.outcomes.iter().filter(|o| o.kind.needs_attention()).collect();
    let leaving: Vec<&Outcome> = s.outcomes.iter().filter(|o| deactivating(o.kind)).collect();
    let title = format!("wf-offboard {}: {}", s.command, s.tenant);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Offboarding sign-off: " (s.tenant) }
                @if s.dry_run {
                    span class="mode dry" { "DRY RUN: nothing was changed" }
                } @else {
                    span class="mode real" { "REAL RUN: the record of what was done" }
                }
                dl {
                    dt { "Tenant" } dd { (s.tenant) }
                    dt { "Command" } dd { "wf-offboard " (s.command) }
                    dt { "When" } dd { (s.when) }
                    dt { "Run by" } dd { (s.ran_by) }
                    @if let Some((path, sha)) = &s.input {
                        dt { "Input" } dd { (path) }
                        dt { "Input SHA-256" } dd { code { (sha) } }
                    }
                    dt { "Rows" } dd { (s.counts.total()) }
                }
                h2 { "Outcomes" }
                (chart(s.counts))
                @if let Some((licences, with_work)) = s.audit {
                    h2 { "Licences freed" }
                    @if licences.is_empty() {
                        p class="muted" { "None." }
                    } @else {
                        table { tbody { @for (licence, n) in licences { tr { td { (licence) } td { (n) } } } } }
                    }
                    p { (with_work) " of these users still hold open work (tasks, issues or projects) to hand over first." }
                }
                h2 { "Needs a person first (" (attention.len()) ")" }
                @if attention.is_empty() {
                    p class="muted" { "No row needs a person." }
                } @else {
                    (table("attention", &attention, &s.tenant_url, "attention"))
                }
                h2 { @if s.dry_run { "To be deactivated" } @else { "Deactivated" } " (" (leaving.len()) ")" }
                (table("leaving", &leaving, &s.tenant_url, ""))
                p class="muted" { "Made by wf-offboard from the run's own report; every row of the input is in the CSV report." }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    page.into_string()
}
