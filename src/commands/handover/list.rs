//! Planning from the list: leavers and successors matched, what each leaver holds found, a row
//! per object.

use std::collections::HashSet;

use futures::{StreamExt, stream};

use super::{HandoverSettings, Planned, Successors};
use crate::directory::{CallerCheck, Wanted, fetch_directory};
use crate::handover::moves::Move;
use crate::handover::plan::{Leaver, pair, rows_for};
use crate::handover::record::{HandoverRow, Moved};
use crate::handover::{Found, Kind, find, web_address};
use crate::input::{Input, ReadOptions, read_file};
use crate::model::InputRow;
use crate::plan::{Protection, build_plan};
use crate::session::{bar, shows_progress};
use crate::workfront::{Client, Pacing};

/// Reads the list; the successors come from a second read of the same file (by the same rules,
/// so the rows pair up by number), or `--to` for every row.
pub(super) fn read_list(
    path: &std::path::Path,
    successors: &Successors,
    options: &ReadOptions,
) -> Result<Vec<(InputRow, InputRow)>, String> {
    let leavers: Input = read_file(path, options)?;
    let shown = path.display();
    let successor_rows: Vec<InputRow> = match successors {
        Successors::To(user) => leavers
            .rows
            .iter()
            .map(|r| InputRow { value: user.clone(), date: None, ..r.clone() })
            .collect(),
        Successors::Column(column) => {
            let named =
                ReadOptions { column: Some(column.clone()), date_column: None, ..options.clone() };
            let read = read_file(path, &named).map_err(|e| format!("--successor-column: {e}"))?;
            if read.rows.len() != leavers.rows.len()
                || read.rows.iter().zip(&leavers.rows).any(|(a, b)| a.row != b.row)
            {
                return Err(format!(
                    "{shown}: the successor column {} and the leaver column {} do not read as the same rows; pass both as '#N' positions",
                    read.column, leavers.column
                ));
            }
            read.rows
        }
    };
    Ok(leavers.rows.into_iter().zip(successor_rows).collect())
}

/// Matches leavers and successors, finds what each leaver holds, and plans a row per object.
pub(super) async fn plan_list(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    rows: Vec<(InputRow, InputRow)>,
    earlier: Vec<HandoverRow>,
) -> Result<Planned, String> {
    let run = &settings.run;
    let (leaver_rows, successor_rows): (Vec<InputRow>, Vec<InputRow>) = rows.into_iter().unzip();
    let mut wanted = Wanted::from_rows(&leaver_rows);
    wanted.add_rows(&successor_rows);
    let listing = bar(
        shows_progress(run),
        "listing users",
        "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    let check = CallerCheck {
        allow_partial: settings.allow_partial_directory,
        credential: &run.credential,
    };
    let (directory, _partial) = fetch_directory(client, &wanted, pacing, &listing, check).await?;
    listing.finish_and_clear();
    let none = (Protection::default(), Default::default());
    let leavers = pair(
        &build_plan(&leaver_rows, &directory, &none.0, &none.1),
        &build_plan(&successor_rows, &directory, &none.0, &none.1),
    );
    let found = find_all(settings, client, pacing, &leavers).await;
    let web = web_address(&run.connection.api_root);
    let carried: Vec<HandoverRow> =
        earlier.into_iter().filter(|r| r.outcome == Moved::Reassigned).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut settled, mut moves) = (Vec::new(), Vec::new());
    for (leaver, found) in leavers.iter().zip(found) {
        let rows = match found {
            Ok(found) => rows_for(leaver, &found, &web, run.dry_run),
            Err(why) => {
                let row = crate::handover::plan::draft(leaver);
                vec![(
                    HandoverRow {
                        outcome: Moved::Failed,
                        error: format!("could not list what the leaver holds: {why}"),
                        ..row
                    },
                    false,
                )]
            }
        };
        for (row, to_move) in rows {
            seen.insert(row.object_id.clone());
            match Kind::of_objcode(&row.object_type) {
                Some(kind) if to_move => moves.push(Move { kind, row }),
                _ => settled.push(row),
            }
        }
    }
    // Carried over: what the earlier report moved for a leaver of this list, not met again.
    let ours: HashSet<&str> =
        leavers.iter().filter_map(|l| l.user.as_ref().map(|u| u.id.as_str())).collect();
    settled.extend(
        carried
            .into_iter()
            .filter(|r| !seen.contains(&r.object_id) && ours.contains(r.leaver_id.as_str())),
    );
    Ok(Planned { settled, moves, leavers: leavers.iter().filter(|l| l.user.is_some()).count() })
}

/// Lists what every matched leaver holds, concurrently under the pacing.
pub(super) async fn find_all(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    leavers: &[Leaver],
) -> Vec<Result<Vec<Found>, String>> {
    let progress = bar(
        shows_progress(&settings.run),
        "finding work",
        "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    progress.set_length(leavers.len() as u64);
    let kinds = &settings.kinds;
    let mut found: Vec<(usize, Result<Vec<Found>, String>)> =
        stream::iter(leavers.iter().enumerate())
            .map(|(i, leaver)| {
                let progress = &progress;
                async move {
                    let listed = match (&leaver.user, &leaver.problem) {
                        (Some(user), None) => find::list_all(client, pacing, &user.id, kinds).await,
                        _ => Ok(Vec::new()),
                    };
                    progress.inc(1);
                    (i, listed)
                }
            })
            .buffer_unordered(pacing.concurrency.max(1))
            .collect()
            .await;
    progress.finish_and_clear();
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, f)| f).collect()
}
