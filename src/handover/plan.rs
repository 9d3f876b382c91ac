//! Pure: leavers and successors as matched, and the objects found → one report row per object
//! (or per input row with nothing to move), and which of them to move. No I/O, no async.

use super::record::{HandoverRow, Moved};
use super::{Found, url};
use crate::model::DirUser;
use crate::plan::{Decision, PlannedRow};

/// One input row's leaver and successor, as matched.
#[derive(Debug, Clone)]
pub struct Leaver {
    pub row: usize,
    /// The row's identifier cell.
    pub input: String,
    pub user: Option<DirUser>,
    /// The successor, or why this row has none.
    pub successor: Result<DirUser, String>,
    /// The successor's cell (or `--to`), shown when it matched nobody usable.
    pub successor_input: String,
    /// Why the row moves nothing at all (leaver unmatched, or a repeat of an earlier row).
    pub problem: Option<(Moved, String)>,
}

/// Pairs each leaver row with its successor row (same position), by the same matching rules.
/// A successor who is inactive, unmatched, ambiguous, the leaver, or a leaver on the same list
/// is an error for that row.
pub fn pair(leavers: &[PlannedRow], successors: &[PlannedRow]) -> Vec<Leaver> {
    let leaving: std::collections::HashMap<&str, usize> = leavers
        .iter()
        .filter_map(|p| p.user.as_ref().map(|u| (u.id.as_str(), p.input.row)))
        .collect();
    leavers
        .iter()
        .zip(successors)
        .map(|(leaver, successor)| {
            let problem = match &leaver.decision {
                Decision::NotFound(near) if near.is_empty() => Some("leaver not found".to_string()),
                Decision::NotFound(near) => {
                    Some(format!("leaver not found (did you mean {}?)", near.join(", ")))
                }
                Decision::Ambiguous(why) => Some(format!("leaver ambiguous: {why}")),
                Decision::Invalid(why) => Some(format!("leaver invalid: {why}")),
                _ => None,
            };
            let problem = match (&leaver.decision, problem) {
                (_, Some(why)) => Some((Moved::Failed, why)),
                (Decision::Duplicate { first_row }, None) => {
                    Some((Moved::Skipped, format!("same leaver as row {first_row}")))
                }
                _ => None,
            };
            Leaver {
                row: leaver.input.row,
                input: leaver.input.value.clone(),
                user: leaver.user.as_deref().cloned(),
                successor: judge_successor(leaver, successor, &leaving),
                successor_input: successor.input.value.clone(),
                problem,
            }
        })
        .collect()
}

fn judge_successor(
    leaver: &PlannedRow,
    successor: &PlannedRow,
    leaving: &std::collections::HashMap<&str, usize>,
) -> Result<DirUser, String> {
    let value = &successor.input.value;
    let user = match (&successor.decision, &successor.user) {
        (Decision::Invalid(_), _) if value.is_empty() => {
            return Err("no successor on this row".into());
        }
        (Decision::Invalid(why), _) => {
            return Err(format!("successor {value:?} is invalid: {why}"));
        }
        (Decision::NotFound(near), _) if near.is_empty() => {
            return Err(format!("successor {value:?} not found"));
        }
        (Decision::NotFound(near), _) => {
            return Err(format!(
                "successor {value:?} not found (did you mean {}?)",
                near.join(", ")
            ));
        }
        (Decision::Ambiguous(why), _) => {
            return Err(format!("successor {value:?} is ambiguous: {why}"));
        }
        (_, Some(user)) => user,
        (_, None) => return Err(format!("successor {value:?} not found")),
    };
    if leaver.user.as_ref().is_some_and(|l| l.id == user.id) {
        return Err(format!("successor {} is the leaver", user.username));
    }
    if let Some(row) = leaving.get(user.id.as_str()) {
        return Err(format!("successor {} is also leaving (row {row})", user.username));
    }
    if !user.is_active {
        return Err(format!("successor {} is inactive", user.username));
    }
    Ok((**user).clone())
}

/// A report row before it is carried out.
pub fn draft(leaver: &Leaver) -> HandoverRow {
    let (successor_id, successor) = match &leaver.successor {
        Ok(user) => (user.id.clone(), user.username.clone()),
        Err(_) => (String::new(), leaver.successor_input.clone()),
    };
    HandoverRow {
        row: leaver.row,
        leaver_id: leaver.user.as_ref().map(|u| u.id.clone()).unwrap_or_default(),
        leaver: leaver.user.as_ref().map_or(leaver.input.clone(), |u| u.username.clone()),
        successor_id,
        successor,
        object_type: String::new(),
        object_id: String::new(),
        object_name: String::new(),
        field: String::new(),
        old_value: String::new(),
        new_value: String::new(),
        outcome: Moved::Skipped,
        http_status: None,
        attempts: 0,
        error: String::new(),
        finished_at: String::new(),
    }
}

/// The rows for one leaver: one per object found, or one for the row itself; `true` marks a
/// row to move (its outcome is decided when it is carried out). `web` is the tenant's address.
pub fn rows_for(
    leaver: &Leaver,
    found: &[Found],
    web: &str,
    dry_run: bool,
) -> Vec<(HandoverRow, bool)> {
    let base = draft(leaver);
    if let Some((outcome, why)) = &leaver.problem {
        return vec![(HandoverRow { outcome: *outcome, error: why.clone(), ..base }, false)];
    }
    if found.is_empty() {
        let error = match &leaver.successor {
            Ok(_) => "nothing to hand over".to_string(),
            Err(why) => format!("nothing to hand over ({why})"),
        };
        return vec![(HandoverRow { outcome: Moved::Skipped, error, ..base }, false)];
    }
    found
        .iter()
        .map(|object| {
            let mut row = HandoverRow {
                object_type: object.kind.objcode().to_string(),
                object_id: object.id.clone(),
                object_name: object.name.clone(),
                field: object.kind.field().to_string(),
                old_value: object.holder.clone(),
                new_value: base.successor_id.clone(),
                ..base.clone()
            };
            let to_move = match (&leaver.successor, object.kind.movable()) {
                (_, false) => {
                    row.outcome = Moved::LeftForManualAction;
                    row.error = format!(
                        "the API cannot move this: open {} and change it there",
                        url(web, object.kind, &object.id)
                    );
                    false
                }
                (Err(why), true) => {
                    row.outcome = Moved::Failed;
                    row.error = why.clone();
                    false
                }
                (Ok(_), true) if dry_run => {
                    row.outcome = Moved::WouldReassign;
                    false
                }
                (Ok(_), true) => true,
            };
            (row, to_move)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Kind;
    use super::*;
    use crate::model::InputRow;

    fn user(id: char, name: &str, active: bool) -> DirUser {
        DirUser {
            id: id.to_string().repeat(32),
            username: name.into(),
            is_active: active,
            ..Default::default()
        }
    }

    fn planned(row: usize, value: &str, who: Option<DirUser>, decision: Decision) -> PlannedRow {
        let input = InputRow { row, line: row as u64 + 1, value: value.into(), date: None };
        PlannedRow { input, matched_by: None, user: who.map(Box::new), decision }
    }

    #[test]
    fn successors_who_cannot_take_over_are_errors_of_their_row() {
        let (ada, bo, cy) = (user('a', "ada", true), user('b', "bo", true), user('c', "cy", false));
        let leavers = [
            planned(1, "ada", Some(ada.clone()), Decision::Deactivate),
            planned(2, "bo", Some(bo.clone()), Decision::Deactivate),
            planned(3, "zed", None, Decision::NotFound(vec![])),
        ];
        let successors = [
            planned(1, "bo", Some(bo.clone()), Decision::Deactivate),
            planned(2, "cy", Some(cy.clone()), Decision::AlreadyInactive),
            planned(3, "nobody", None, Decision::NotFound(vec!["nobody2".into()])),
        ];
        let paired = pair(&leavers, &successors);
        assert_eq!(
            paired[0].successor.as_ref().unwrap_err(),
            "successor bo is also leaving (row 2)"
        );
        assert_eq!(paired[1].successor.as_ref().unwrap_err(), "successor cy is inactive");
        assert!(paired[2].successor.as_ref().unwrap_err().contains("did you mean nobody2"));
        assert_eq!(paired[2].problem.as_ref().unwrap().0, Moved::Failed);
    }

    #[test]
    fn each_object_gets_a_row_and_only_movable_kinds_are_moved() {
        let leaver = Leaver {
            row: 4,
            input: "ada".into(),
            user: Some(user('a', "ada", true)),
            successor: Ok(user('b', "bo", true)),
            successor_input: "bo".into(),
            problem: None,
        };
        let found = |kind, id: &str| Found {
            kind,
            id: id.into(),
            name: "x".into(),
            holder: "a".repeat(32),
        };
        let objects = [found(Kind::Tasks, "t1"), found(Kind::Queues, "q1")];
        let rows = rows_for(&leaver, &objects, "https://acme.my.workfront.com", false);
        assert!(
            rows[0].1 && rows[0].0.new_value == "b".repeat(32) && rows[0].0.field == "assignedToID"
        );
        assert!(!rows[1].1 && rows[1].0.outcome == Moved::LeftForManualAction);
        assert!(rows[1].0.error.contains("https://acme.my.workfront.com/routingrule/view?ID=q1"));
        let dry = rows_for(&leaver, &objects, "w", true);
        assert_eq!(dry[0].0.outcome, Moved::WouldReassign);
        let nothing = rows_for(&leaver, &[], "w", true);
        assert_eq!((nothing.len(), nothing[0].0.outcome), (1, Moved::Skipped));
    }
}
