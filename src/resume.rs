//! `--resume REPORT`: carry over the rows an earlier run of the same input finished, plan the
//! rest afresh. Pure.
//!
//! The plan is always built from today's listing; the earlier report only decides which rows
//! are not sent again. A row is carried over when the earlier report shows it finished for the
//! same user and that user is inactive now: `already_inactive`, or `deactivated` **confirmed by
//! reading the user back** (its `error` cell says `read back: inactive`). A deactivation that was
//! never confirmed proves nothing (its write may have been lost), so that row is planned again:
//! written if the user is active now. If a confirmed deactivation was undone since (someone
//! reactivated the user), the row is not written and ends `skipped` with the reason, since the
//! earlier run is over and a person should decide. The report must belong to this input: a row
//! whose input differs is an error before any request.

use std::collections::HashMap;

use crate::execute::outcome_of;
use crate::plan::{Decision, PlannedRow};
use crate::prior::PriorRow;
use crate::report::{CONFIRMED_INACTIVE, Outcome, OutcomeKind, neutralise};

/// The plan with the finished rows taken out, and their carried-over outcomes.
#[derive(Debug)]
pub struct Resumed {
    pub plan: Vec<PlannedRow>,
    pub carried: Vec<Outcome>,
}

/// Splits `plan` by what `prior` (read from `source`) shows finished.
pub fn carry_over(
    plan: Vec<PlannedRow>,
    prior: &[PriorRow],
    source: &str,
    input: &str,
) -> Result<Resumed, String> {
    let by_row: HashMap<usize, &PriorRow> = prior.iter().map(|p| (p.row, p)).collect();
    let rows = plan.len();
    if let Some(stray) =
        prior.iter().find(|p| !plan.iter().any(|planned| planned.input.row == p.row))
    {
        return Err(format!(
            "{source} has row {} but {input} has {rows} rows: it is not a report of this input",
            stray.row
        ));
    }
    let mut resumed = Resumed { plan: Vec::with_capacity(plan.len()), carried: Vec::new() };
    for planned in plan {
        let Some(earlier) = by_row.get(&planned.input.row) else {
            resumed.plan.push(planned);
            continue;
        };
        if earlier.input != neutralise(&planned.input.value) {
            return Err(format!(
                "{source} row {} is for {:?} but row {} of {input} is {:?}: it is not a report of this input",
                earlier.row, earlier.input, planned.input.row, planned.input.value
            ));
        }
        let same_user =
            planned.user.as_ref().is_some_and(|u| u.id.eq_ignore_ascii_case(&earlier.user_id));
        let confirmed = earlier.kind() != OutcomeKind::Deactivated
            || earlier.error.contains(CONFIRMED_INACTIVE);
        if !earlier.kind().is_finished() || !same_user || !confirmed {
            resumed.plan.push(planned);
            continue;
        }
        match planned.decision {
            Decision::AlreadyInactive => resumed.carried.push(carried(&planned, earlier, source)),
            Decision::Schedule { .. } if earlier.kind() == OutcomeKind::Scheduled => {
                resumed.carried.push(carried(&planned, earlier, source));
            }
            Decision::Deactivate => {
                let why = format!(
                    "{source} shows this row {}, but the user is active again now; not changed (run without --resume to deactivate them again)",
                    earlier.outcome
                );
                resumed.carried.push(outcome_of(&planned, OutcomeKind::Skipped, None, 0, why));
            }
            _ => resumed.plan.push(planned),
        }
    }
    Ok(resumed)
}

/// The earlier outcome of a finished row, as it was then.
fn carried(planned: &PlannedRow, earlier: &PriorRow, source: &str) -> Outcome {
    let mut user = planned.user.clone();
    if let Some(user) = &mut user {
        user.is_active = earlier.was_active == "true";
    }
    Outcome {
        row: planned.input.row,
        input: planned.input.value.clone(),
        matched_by: planned.matched_by,
        user,
        kind: earlier.kind(),
        http_status: earlier.http_status.parse().ok(),
        attempts: earlier.attempts.parse().unwrap_or(0),
        // The earlier word on the row stays, so a confirmed deactivation stays confirmed.
        error: if earlier.error.is_empty() {
            format!("carried over from {source}")
        } else {
            format!("carried over from {source}: {}", earlier.error)
        },
        finished_at: earlier.finished_at.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::DirUser;
    use crate::input::InputRow;

    fn planned(row: usize, id: &str, decision: Decision) -> PlannedRow {
        let user = DirUser {
            id: id.repeat(32),
            name: id.into(),
            username: id.into(),
            email: String::new(),
            is_active: decision == Decision::Deactivate,
            is_admin: false,
            license_type: String::new(),
            last_login: String::new(),
            scheduled: String::new(),
            access_level_id: String::new(),
            created: String::new(),
        };
        PlannedRow {
            input: InputRow { row, line: row as u64 + 1, value: id.into(), date: None },
            matched_by: None,
            user: Some(Box::new(user)),
            decision,
        }
    }

    fn prior(row: usize, input: &str, id: &str, outcome: &str) -> PriorRow {
        PriorRow {
            row,
            input: input.into(),
            matched_by: "username".into(),
            user_id: id.repeat(32),
            name: String::new(),
            username: String::new(),
            email: String::new(),
            was_active: "true".into(),
            outcome: outcome.into(),
            http_status: "200".into(),
            attempts: "2".into(),
            error: String::new(),
            finished_at: "then".into(),
            license_type: String::new(),
            access_level_id: String::new(),
        }
    }

    #[test]
    fn finished_rows_are_carried_and_the_rest_replanned() {
        let plan = vec![
            planned(1, "a", Decision::AlreadyInactive),
            planned(2, "b", Decision::Deactivate),
            planned(3, "c", Decision::Deactivate),
            planned(4, "d", Decision::Deactivate),
        ];
        let earlier = [
            prior(1, "a", "a", "deactivated"),
            prior(2, "b", "b", "skipped"),
            prior(4, "d", "d", "deactivated"),
        ]
        .map(|mut p| {
            p.error = CONFIRMED_INACTIVE.into();
            p
        });
        let resumed = carry_over(plan, &earlier, "old.csv", "in.csv").unwrap();
        let left: Vec<usize> = resumed.plan.iter().map(|p| p.input.row).collect();
        assert_eq!(left, [2, 3], "skipped and unreported rows are tried again");
        let carried: Vec<(usize, OutcomeKind)> =
            resumed.carried.iter().map(|o| (o.row, o.kind)).collect();
        assert_eq!(carried, [(1, OutcomeKind::Deactivated), (4, OutcomeKind::Skipped)]);
        let first = &resumed.carried[0];
        assert_eq!(
            (first.attempts, first.finished_at.as_str(), first.user.as_ref().unwrap().is_active),
            (2, "then", true)
        );
        assert!(
            resumed.carried[1].error.contains("active again"),
            "a reactivated user is not written again"
        );
    }

    #[test]
    fn an_unconfirmed_deactivation_is_written_again() {
        let plan =
            vec![planned(1, "a", Decision::Deactivate), planned(2, "b", Decision::AlreadyInactive)];
        let earlier = [prior(1, "a", "a", "deactivated"), prior(2, "b", "b", "deactivated")];
        let resumed = carry_over(plan, &earlier, "old.csv", "in.csv").unwrap();
        let left: Vec<(usize, Decision)> =
            resumed.plan.iter().map(|p| (p.input.row, p.decision.clone())).collect();
        assert_eq!(
            left,
            [(1, Decision::Deactivate), (2, Decision::AlreadyInactive)],
            "nothing unconfirmed is carried"
        );
        assert!(resumed.carried.is_empty());
    }

    #[test]
    fn a_report_of_another_input_is_refused() {
        let plan = vec![planned(1, "a", Decision::Deactivate)];
        let err =
            carry_over(plan.clone(), &[prior(1, "zed", "a", "deactivated")], "old.csv", "in.csv")
                .unwrap_err();
        assert!(
            err.contains("old.csv row 1") && err.contains("not a report of this input"),
            "{err}"
        );
        let err = carry_over(plan, &[prior(9, "a", "a", "deactivated")], "old.csv", "in.csv")
            .unwrap_err();
        assert!(err.contains("has row 9 but in.csv has 1 rows"), "{err}");
    }

    #[test]
    fn a_row_now_meaning_someone_else_is_replanned() {
        let plan = vec![planned(1, "a", Decision::Deactivate)];
        let resumed =
            carry_over(plan, &[prior(1, "a", "b", "deactivated")], "old.csv", "in.csv").unwrap();
        assert_eq!((resumed.plan.len(), resumed.carried.len()), (1, 0));
    }
}
