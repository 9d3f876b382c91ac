//! The handover checklist one user holds, read by one count per kind (or, with `--objects`, by
//! listing the objects), and why a user counts as stale.

use crate::directory::DirUser;
use crate::handover::{Found, Kind, find};
use crate::workfront::{Client, Pacing};

/// The open work one user holds: the handover checklist, one count per [`Kind`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenWork {
    pub tasks: u64,
    pub issues: u64,
    pub projects: u64,
    /// Run-as reports, owned templates, approval steps, queue routes, timesheet approvals.
    pub other: [u64; 5],
}

impl OpenWork {
    /// Open tasks, issues or owned projects (the work the summary's `users_with_open_work` counts).
    pub(super) fn any(&self) -> bool {
        self.tasks + self.issues + self.projects > 0
    }

    /// Anything at all to hand over.
    pub(super) fn anything(&self) -> bool {
        self.any() || self.other.iter().any(|&n| n > 0)
    }

    pub(super) fn of(counts: &[(Kind, u64)]) -> OpenWork {
        let n = |kind: Kind| counts.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n);
        OpenWork {
            tasks: n(Kind::Tasks),
            issues: n(Kind::Issues),
            projects: n(Kind::Projects),
            other: [
                Kind::Reports,
                Kind::Templates,
                Kind::Approvals,
                Kind::Queues,
                Kind::Timesheets,
            ]
            .map(n),
        }
    }

    pub(super) fn cells(&self) -> [String; 8] {
        let [a, b, c, d, e] = self.other;
        [self.tasks, self.issues, self.projects, a, b, c, d, e].map(|n| n.to_string())
    }
}

/// Counts one user's open work (one `count` per kind, concurrently), or with `list`, reads every
/// object (the counts are then the lists' lengths).
pub(super) async fn count_open_work(
    client: &Client,
    pacing: &Pacing,
    id: &str,
    list: bool,
) -> Result<(OpenWork, Vec<Found>), String> {
    if list {
        let found = find::list_all(client, pacing, id, &Kind::ALL).await?;
        let counts: Vec<(Kind, u64)> = Kind::ALL
            .iter()
            .map(|&k| (k, found.iter().filter(|f| f.kind == k).count() as u64))
            .collect();
        return Ok((OpenWork::of(&counts), found));
    }
    Ok((OpenWork::of(&find::count(client, pacing, id, &Kind::ALL).await?), Vec::new()))
}

/// Why `user` is stale at `days` (last login, or creation for who never logged in, more than
/// `days` before `today`), or `None`. An unknown creation date is not stale: no guessing.
pub(super) fn stale_reason(user: &DirUser, days: u32, today: i64) -> Option<String> {
    let limit = i64::from(days);
    match crate::clock::days_of(&user.last_login) {
        Some(login) if today - login > limit => Some(format!(
            "stale: last login {} ({} days ago)",
            &user.last_login[..10],
            today - login
        )),
        Some(_) => None,
        None => match crate::clock::days_of(&user.created) {
            Some(created) if today - created > limit => Some(format!(
                "stale: never logged in; created {} ({} days ago)",
                &user.created[..10],
                today - created
            )),
            _ => None,
        },
    }
}

/// Workfront's licence codes, named.
pub(super) fn licence_name(code: &str) -> String {
    match code {
        "F" => "Standard (F)".into(),
        "C" => "Light (C)".into(),
        "R" => "Contributor (R)".into(),
        "X" => "External (X)".into(),
        "" => "unknown".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handover::{Kind, find};

    #[test]
    fn open_work_is_everything_not_finished() {
        let tasks = find::filters(Kind::Tasks, "abc");
        assert_eq!(Kind::Tasks.objcode(), "TASK");
        assert!(
            tasks.contains(&("assignedToID", "abc".into()))
                && tasks.contains(&("status_Mod", "ne".into()))
        );
        assert_eq!(Kind::Issues.objcode(), "OPTASK");
        assert!(find::filters(Kind::Issues, "abc").contains(&("status", "CLS".into())));
        let projects = find::filters(Kind::Projects, "abc");
        assert_eq!(Kind::Projects.objcode(), "PROJ");
        assert!(
            projects.contains(&("ownerID", "abc".into()))
                && projects.contains(&("status_Mod", "notin".into()))
        );
        assert_eq!(licence_name("R"), "Contributor (R)");
        let work = OpenWork::of(&[(Kind::Tasks, 2), (Kind::Reports, 1)]);
        assert_eq!(work.cells(), ["2", "0", "0", "1", "0", "0", "0", "0"].map(String::from));
        assert!(
            !OpenWork::of(&[(Kind::Queues, 1)]).any()
                && OpenWork::of(&[(Kind::Queues, 1)]).anything()
        );
    }
}
