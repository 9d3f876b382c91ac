//! What an audit writes: the audit CSV, `--objects`, the roster's candidates, and the findings
//! printed on the terminal.

use std::collections::BTreeMap;
use std::path::Path;

use super::{EXTRA_COLUMNS, OBJECT_COLUMNS, OpenWork};
use crate::directory::DirUser;
use crate::execute::settled_outcome;
use crate::handover::Found;
use crate::plan::{Decision, PlannedRow};
use crate::report::{BASE_HEADER, Outcome, base_record, neutralise};

/// Writes the audit CSV: the report's columns plus [`EXTRA_COLUMNS`], in row order, through a
/// temporary file and a rename.
pub(super) fn write_audit(
    path: &Path,
    force: bool,
    outcomes: &[Outcome],
    work: &BTreeMap<usize, Result<OpenWork, String>>,
) -> Result<(), String> {
    crate::output::write_file(path, force, |file| {
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(&mut *file);
        writer.write_record(BASE_HEADER.iter().chain(EXTRA_COLUMNS.iter()))?;
        let mut order: Vec<usize> = (0..outcomes.len()).collect();
        order.sort_by_key(|&i| outcomes[i].row);
        for i in order {
            let outcome = &outcomes[i];
            let mut cells = base_record(outcome);
            let user = outcome.user.as_ref();
            let (counts, why) = match work.get(&i) {
                Some(Ok(w)) => (w.cells(), None),
                Some(Err(e)) => (Default::default(), Some(format!("open work unknown: {e}"))),
                None => (Default::default(), None),
            };
            if let Some(why) = why {
                let error = if outcome.error.is_empty() {
                    why
                } else {
                    format!("{}; {why}", outcome.error)
                };
                cells[11] = neutralise(&error);
            }
            cells.push(user.map_or(String::new(), |u| u.license_type.clone()));
            cells.push(user.map_or("", |u| if u.is_admin { "true" } else { "false" }).to_string());
            cells.push(neutralise(user.map_or("", |u| u.last_login.as_str())));
            cells.extend(counts);
            writer.write_record(&cells)?;
        }
        writer.flush()
    })
    .map_err(|e| format!("the audit: {e}"))
}

/// Writes `--objects`: one row per object a matched user holds, in row order, with the
/// object's page in Workfront.
pub(super) fn write_objects(
    path: &Path,
    force: bool,
    outcomes: &[Outcome],
    objects: &BTreeMap<usize, Vec<Found>>,
    web: &str,
) -> Result<(), String> {
    crate::output::write_file(path, force, |file| {
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(&mut *file);
        writer.write_record(OBJECT_COLUMNS)?;
        let mut order: Vec<usize> = objects.keys().copied().collect();
        order.sort_by_key(|&i| outcomes[i].row);
        for i in order {
            let Some(user) = outcomes[i].user.as_ref() else { continue };
            for object in &objects[&i] {
                writer.write_record([
                    outcomes[i].row.to_string(),
                    user.id.clone(),
                    neutralise(&user.username),
                    object.kind.objcode().to_string(),
                    object.id.clone(),
                    neutralise(&object.name),
                    object.kind.field().to_string(),
                    crate::handover::url(web, object.kind, &object.id),
                ])?;
            }
        }
        writer.flush()
    })
    .map_err(|e| format!("the objects list: {e}"))
}

/// Writes the roster's candidates as a `deactivate` input: `ID,Name`, one row per candidate who
/// would be deactivated (protected ones are left out). IDs, because they match exactly.
pub(super) fn write_candidates(
    path: &Path,
    force: bool,
    plan: &[PlannedRow],
) -> Result<usize, String> {
    let mut n = 0;
    crate::output::write_file(path, force, |file| {
        let mut writer = csv::Writer::from_writer(&mut *file);
        writer.write_record(["ID", "Name"])?;
        for user in plan
            .iter()
            .filter(|p| p.decision == Decision::Deactivate)
            .filter_map(|p| p.user.as_ref())
        {
            writer.write_record([user.id.as_str(), &neutralise(&user.name)])?;
            n += 1;
        }
        writer.flush()
    })
    .map_err(|e| format!("the candidates: {e}"))?;
    Ok(n)
}

/// Prints what the audit found, beyond the counts: licences, open work, roster problems.
pub(super) fn print_findings(
    licences: &BTreeMap<String, usize>,
    holders: &[(&DirUser, OpenWork)],
    roster: &[PlannedRow],
    unknown: usize,
) {
    if !licences.is_empty() {
        errln!("\nlicences freed if these users are deactivated:");
        for (licence, n) in licences {
            errln!("  {licence:<16} {n}");
        }
    }
    if !holders.is_empty() {
        errln!("\n{} users to deactivate still hold open work (reassign it first):", holders.len());
        for (user, w) in holders.iter().take(20) {
            errln!(
                "  {} <{}>: {} open tasks, {} open issues, {} owned projects",
                user.name,
                user.username,
                w.tasks,
                w.issues,
                w.projects
            );
        }
        if holders.len() > 20 {
            errln!("  … and {} more (see the audit's open_* columns)", holders.len() - 20);
        }
    }
    if !roster.is_empty() {
        errln!(
            "\n{} roster rows need a look: a row that matches nobody leaves its person among the candidates; one that matches several people keeps them all off the list:",
            roster.len()
        );
        for planned in roster.iter().take(20) {
            let why = settled_outcome(planned, true)
                .map(|o| format!("{}: {}", o.kind.label(), o.error))
                .unwrap_or_default();
            errln!("  row {:>5}  {:?}  {why}", planned.input.row, planned.input.value);
        }
    }
    if unknown > 0 {
        errln!(
            "\nthe open work of {unknown} users could not be read; see the audit's error column"
        );
    }
    if !holders.is_empty() {
        errln!(
            "hand it over with `wf-offboard handover LIST --successor-column NAME` (or --to USER), --dry-run first"
        );
    }
}
