//! Carries moves out: `PUT <OBJ>/<ID>?updates={"<field>":"<new>"}`, then the object is read
//! back by ID, and the row says what the server shows, not what the answer said. A move whose
//! answer was lost is still read back (it may have been stored); only a definite refusal (a 4xx
//! other than 429) is not. Moves run concurrently under the run's pacing; on Ctrl-C no new move
//! starts, the ones in flight finish, and the rest end `skipped`.

use std::future::Future;
use std::sync::atomic::Ordering;

use futures::{StreamExt, stream};

use super::Kind;
use super::find::parse;
use super::record::{HandoverRow, HandoverWriter, Moved};
use crate::workfront::{ApiError, Client, Pacing};

/// One object to point from `old_value` to `new_value` (the row carries both).
#[derive(Debug, Clone)]
pub struct Move {
    pub kind: Kind,
    pub row: HandoverRow,
}

/// What a read-back shows, decided purely.
pub fn settle(
    mut row: HandoverRow,
    put: Result<(), &ApiError>,
    attempts: u32,
    read: Result<Option<String>, String>,
) -> HandoverRow {
    row.attempts = attempts;
    row.finished_at = crate::clock::now_rfc3339();
    row.http_status = match put {
        Ok(()) => Some(200),
        Err(e) => e.status,
    };
    let lost = put.err().map(|e| format!("the answer was lost ({e}); "));
    let (outcome, error) = match read {
        Err(why) => {
            (Moved::Failed, format!("{}could not confirm: {why}", lost.unwrap_or_default()))
        }
        Ok(None) => {
            (Moved::Failed, format!("{}the object no longer exists", lost.unwrap_or_default()))
        }
        Ok(Some(holder)) if holder == row.new_value => (
            Moved::Reassigned,
            lost.map(|l| format!("{l}read back: reassigned")).unwrap_or_default(),
        ),
        Ok(Some(holder)) if holder == row.old_value => (
            Moved::Failed,
            format!("{}not stored: read back still {holder}", lost.unwrap_or_default()),
        ),
        Ok(Some(holder)) => {
            (Moved::Failed, format!("{}read back: now held by {holder}", lost.unwrap_or_default()))
        }
    };
    row.outcome = outcome;
    row.error = error;
    row
}

/// Reads one object's user field back.
async fn read_back(
    client: &Client,
    pacing: &Pacing,
    kind: Kind,
    id: &str,
) -> Result<Option<String>, String> {
    let fields = format!("name,{}", kind.field());
    let ids = [id];
    let answer = pacing
        .send(|| client.objects_by_id(kind.objcode(), &ids, &fields))
        .await
        .result
        .map_err(|e| e.to_string())?;
    let objects: Result<Vec<_>, String> = answer.iter().map(|v| parse(kind, v)).collect();
    Ok(objects?.into_iter().find(|o| o.id == id).map(|o| o.holder))
}

/// One move, carried out and read back.
async fn carry(client: &Client, pacing: &Pacing, job: Move) -> HandoverRow {
    let Move { kind, row } = job;
    let sent = pacing
        .send(|| client.set_field(kind.objcode(), &row.object_id, kind.field(), &row.new_value))
        .await;
    let put = sent.result.as_ref().map(drop);
    if let Err(e) = &put
        && e.status.is_some_and(|s| (400..500).contains(&s) && s != 429)
    {
        let mut row = row;
        row.outcome = Moved::Failed;
        row.http_status = e.status;
        row.attempts = sent.attempts;
        row.error = e.to_string();
        row.finished_at = crate::clock::now_rfc3339();
        return row;
    }
    let read = read_back(client, pacing, kind, &row.object_id).await;
    settle(row, put, sent.attempts, read)
}

/// Carries out `moves`, writing each row as it settles; `interrupt` stops new moves. Returns
/// whether the run was interrupted.
pub async fn run(
    client: &Client,
    pacing: &Pacing,
    moves: Vec<Move>,
    writer: &mut HandoverWriter,
    progress: &indicatif::ProgressBar,
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<bool, String> {
    let mut interrupt = interrupt;
    let jobs: Vec<_> = moves
        .into_iter()
        .map(|job| async move {
            if pacing.cancelled.load(Ordering::SeqCst) {
                let mut row = job.row;
                row.outcome = Moved::Skipped;
                row.error = "interrupted before it was sent: run again with --resume".into();
                row.finished_at = crate::clock::now_rfc3339();
                return row;
            }
            carry(client, pacing, job).await
        })
        .collect();
    let mut running = stream::iter(jobs).buffer_unordered(pacing.concurrency);
    let mut interrupted = false;
    loop {
        tokio::select! {
            next = running.next() => match next {
                Some(row) => {
                    writer.write(row)?;
                    progress.inc(1);
                }
                None => break,
            },
            () = &mut interrupt, if !interrupted => {
                interrupted = true;
                pacing.cancelled.store(true, Ordering::SeqCst);
            }
        }
    }
    Ok(interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> HandoverRow {
        HandoverRow {
            row: 1,
            leaver_id: "l".into(),
            leaver: "ada".into(),
            successor_id: "s".into(),
            successor: "bo".into(),
            object_type: "TASK".into(),
            object_id: "t".into(),
            object_name: "x".into(),
            field: "assignedToID".into(),
            old_value: "l".into(),
            new_value: "s".into(),
            outcome: Moved::Failed,
            http_status: None,
            attempts: 0,
            error: String::new(),
            finished_at: String::new(),
        }
    }

    #[test]
    fn the_row_says_what_the_read_back_shows() {
        let lost = ApiError {
            status: None,
            class: None,
            message: "connection closed".into(),
            retry_after: None,
            unreachable: false,
        };
        let done = settle(row(), Ok(()), 1, Ok(Some("s".into())));
        assert_eq!(
            (done.outcome, done.http_status, done.error.as_str()),
            (Moved::Reassigned, Some(200), "")
        );
        let stored_anyway = settle(row(), Err(&lost), 8, Ok(Some("s".into())));
        assert_eq!(stored_anyway.outcome, Moved::Reassigned);
        assert!(
            stored_anyway.error.contains("the answer was lost")
                && stored_anyway.error.ends_with("read back: reassigned")
        );
        let not_stored = settle(row(), Ok(()), 1, Ok(Some("l".into())));
        assert_eq!(
            (not_stored.outcome, not_stored.error.as_str()),
            (Moved::Failed, "not stored: read back still l")
        );
        assert!(
            settle(row(), Ok(()), 1, Err("HTTP 500".into()))
                .error
                .starts_with("could not confirm: HTTP 500")
        );
        assert_eq!(settle(row(), Ok(()), 1, Ok(None)).outcome, Moved::Failed);
        assert!(settle(row(), Ok(()), 1, Ok(Some("z".into()))).error.contains("now held by z"));
    }
}
