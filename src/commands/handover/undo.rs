//! Planning an undo: every `reassigned` row whose object still holds the successor goes back.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{HandoverSettings, Planned};
use crate::handover::moves::Move;
use crate::handover::record::{HandoverRow, Moved};
use crate::handover::{Kind, find};
use crate::workfront::{Client, IDS_PER_GET, Pacing};

/// Plans an undo: every `reassigned` row whose object still holds the successor goes back.
pub(super) async fn plan_undo(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    rows: Vec<HandoverRow>,
) -> Result<Planned, String> {
    let rows: Vec<HandoverRow> =
        rows.into_iter().filter(|r| r.outcome == Moved::Reassigned).collect();
    let mut holders: HashMap<String, String> = HashMap::new();
    let mut by_kind: BTreeMap<Kind, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        let kind = Kind::of_objcode(&row.object_type)
            .ok_or_else(|| format!("unknown object type {:?}", row.object_type))?;
        by_kind.entry(kind).or_default().push(&row.object_id);
    }
    for (kind, ids) in &by_kind {
        let fields = format!("name,{}", kind.field());
        for chunk in ids.chunks(IDS_PER_GET) {
            let answer =
                pacing.send(|| client.objects_by_id(kind.objcode(), chunk, &fields)).await.result;
            for value in answer
                .map_err(|e| format!("reading the objects back: {}/search: {e}", kind.objcode()))?
            {
                let object = find::parse(*kind, &value)?;
                holders.insert(object.id, object.holder);
            }
        }
    }
    let (mut settled, mut moves) = (Vec::new(), Vec::new());
    let leavers: HashSet<&str> = rows.iter().map(|r| r.leaver_id.as_str()).collect();
    let count = leavers.len();
    for row in &rows {
        let mut back = HandoverRow {
            old_value: row.new_value.clone(),
            new_value: row.old_value.clone(),
            http_status: None,
            attempts: 0,
            error: String::new(),
            finished_at: String::new(),
            ..row.clone()
        };
        match holders.get(&row.object_id) {
            Some(now) if *now == row.new_value && settings.run.dry_run => {
                settled.push(HandoverRow { outcome: Moved::WouldReassign, ..back })
            }
            Some(now) if *now == row.new_value => {
                let kind = Kind::of_objcode(&row.object_type).expect("checked above");
                moves.push(Move { kind, row: back });
            }
            Some(now) if *now == row.old_value => {
                back.outcome = Moved::Skipped;
                back.error = "already back with the leaver".into();
                settled.push(back);
            }
            Some(now) => {
                back.outcome = Moved::Skipped;
                back.error =
                    format!("now held by {now}, not the successor it was given: left as is");
                settled.push(back);
            }
            None => {
                back.outcome = Moved::Failed;
                back.error = "the object no longer exists".into();
                settled.push(back);
            }
        }
    }
    Ok(Planned { settled, moves, leavers: count })
}
