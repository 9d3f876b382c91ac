//! The handover: what a leaver holds that would be orphaned, and moving it to a successor.
//!
//! Workfront asks for a leaver's work to be reassigned before they are deactivated
//! (`…/create-and-manage-users/deactivate-a-user.md`); reports that run with a deactivated
//! user's access rights stop working for everyone (`reports-faq.md`). Each [`Kind`] is one
//! relation from Adobe's API reference: an object code, the field that points at the user, and
//! whether the generic update (`PUT <OBJ>/<ID>?updates={…}`) may move it. The kinds the tool does
//! not move are listed for a person, with the object's page in Workfront.
//!
//! Stages: [`find`] lists or counts a leaver's objects (read-only, shared with `audit`);
//! [`plan`] decides each object's row, purely; [`moves`] carries the moves out and reads every
//! changed object back; [`record`] writes and reads the handover report.

pub mod find;
pub mod moves;
pub mod plan;
pub mod record;

/// One relation a leaver can hold, as the audit's checklist column names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Tasks,
    Issues,
    Projects,
    Reports,
    Templates,
    Approvals,
    Queues,
    Timesheets,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Tasks,
        Kind::Issues,
        Kind::Projects,
        Kind::Reports,
        Kind::Templates,
        Kind::Approvals,
        Kind::Queues,
        Kind::Timesheets,
    ];

    /// The audit's column.
    pub fn column(self) -> &'static str {
        match self {
            Kind::Tasks => "open_tasks",
            Kind::Issues => "open_issues",
            Kind::Projects => "owned_projects",
            Kind::Reports => "run_as_reports",
            Kind::Templates => "owned_templates",
            Kind::Approvals => "approval_steps",
            Kind::Queues => "queue_routes",
            Kind::Timesheets => "timesheet_approvals",
        }
    }

    /// The name `--include` takes (the column's name works too).
    pub fn short(self) -> &'static str {
        match self {
            Kind::Tasks => "tasks",
            Kind::Issues => "issues",
            Kind::Projects => "projects",
            Kind::Reports => "reports",
            Kind::Templates => "templates",
            Kind::Approvals => "approvals",
            Kind::Queues => "queues",
            Kind::Timesheets => "timesheets",
        }
    }

    /// The object code: `TASK`, `OPTASK`, `PROJ`, `PTLSEC` (a report), `TMPL`, `SPAPVR` (an
    /// approval step's approver), `RRUL` (a request queue's routing rule), `TSPRO`.
    pub fn objcode(self) -> &'static str {
        match self {
            Kind::Tasks => "TASK",
            Kind::Issues => "OPTASK",
            Kind::Projects => "PROJ",
            Kind::Reports => "PTLSEC",
            Kind::Templates => "TMPL",
            Kind::Approvals => "SPAPVR",
            Kind::Queues => "RRUL",
            Kind::Timesheets => "TSPRO",
        }
    }

    /// The field that points at the user.
    pub fn field(self) -> &'static str {
        match self {
            Kind::Tasks | Kind::Issues => "assignedToID",
            Kind::Projects | Kind::Templates => "ownerID",
            Kind::Reports => "runAsUserID",
            Kind::Approvals => "userID",
            Kind::Queues => "defaultAssignedToID",
            Kind::Timesheets => "approverID",
        }
    }

    /// Filters beyond the user: only open work counts (tasks are complete at `CPL`, issues
    /// closed at `CLS`, projects over when complete, dead or rejected).
    pub fn open_filters(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Tasks => &[("status", "CPL"), ("status_Mod", "ne")],
            Kind::Issues => &[("status", "CLS"), ("status_Mod", "ne")],
            Kind::Projects => {
                &[("status", "CPL"), ("status", "DED"), ("status", "REJ"), ("status_Mod", "notin")]
            }
            _ => &[],
        }
    }

    /// Does the tool move this kind? Only the edits Adobe's reference lists: the assignee of an
    /// open task or issue, a project's or template's owner, a report's run-as user. Approval
    /// steps, queue routing rules and timesheet profiles are left for a person.
    pub fn movable(self) -> bool {
        matches!(
            self,
            Kind::Tasks | Kind::Issues | Kind::Projects | Kind::Reports | Kind::Templates
        )
    }

    /// The page's path in Workfront's web UI (`/<path>/view?ID=<ID>`, the link form Adobe's
    /// email templates use).
    fn ui_path(self) -> &'static str {
        match self {
            Kind::Tasks => "task",
            Kind::Issues => "issue",
            Kind::Projects => "project",
            Kind::Reports => "report",
            Kind::Templates => "template",
            Kind::Approvals => "stepapprover",
            Kind::Queues => "routingrule",
            Kind::Timesheets => "timesheetprofile",
        }
    }

    /// Parses `--include`: a comma-separated list of short or column names.
    pub fn parse_list(text: &str) -> Result<Vec<Kind>, String> {
        let mut kinds = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let word = word.to_ascii_lowercase();
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.short() == word || k.column() == word)
                .ok_or_else(|| {
                    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.short()).collect();
                    format!("--include: unknown kind {word:?}; the kinds are {}", names.join(", "))
                })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if kinds.is_empty() {
            return Err("--include needs at least one kind, e.g. tasks,projects".into());
        }
        kinds.sort();
        Ok(kinds)
    }

    /// The kind an object code names, for reading a report back.
    pub fn of_objcode(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.objcode().eq_ignore_ascii_case(code))
    }
}

/// One object a leaver holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// The user the field points at now.
    pub holder: String,
}

/// The object's page in Workfront's web UI; `web` is the tenant's address.
pub fn url(web: &str, kind: Kind, id: &str) -> String {
    format!("{}/{}/view?ID={id}", web.trim_end_matches('/'), kind.ui_path())
}

/// The tenant's web address from the API root (`…/attask/api/v22.0/` → `…`).
pub fn web_address(api_root: &reqwest::Url) -> String {
    let text = api_root.as_str();
    text.find("/attask/").map_or(text, |at| &text[..at]).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_short_or_column_name_and_link_to_their_page() {
        assert_eq!(
            Kind::parse_list("projects, tasks,open_tasks").unwrap(),
            [Kind::Tasks, Kind::Projects]
        );
        assert!(Kind::parse_list("task").unwrap_err().contains("tasks, issues"));
        assert!(Kind::parse_list(" , ").is_err());
        let root = reqwest::Url::parse("https://acme.my.workfront.com/attask/api/v22.0/").unwrap();
        assert_eq!(
            url(&web_address(&root), Kind::Issues, "ab12"),
            "https://acme.my.workfront.com/issue/view?ID=ab12"
        );
        assert_eq!(Kind::of_objcode("ptlsec"), Some(Kind::Reports));
        assert!(Kind::Reports.movable() && !Kind::Queues.movable());
    }
}
