//! The work a user holds, as objects: tasks, issues, projects, reports, templates, approval-step
//! approvers, queue routing rules and timesheet profiles, each pointing at one user.
//!
//! The object codes and the user fields are Adobe's: `TASK`/`OPTASK` `assignedToID`, `PROJ` and
//! `TMPL` `ownerID`, `PTLSEC` (a report) `runAsUserID` (AdobeDocs/workfront.en
//! `wf-api/api/event-sub-resource-fields.md`); `SPAPVR` (a step approver) `userID` and `TSPRO`
//! (a timesheet profile) `approverID` (`reports-and-dashboards/data-lake/data-dictionary.md`);
//! `RRUL` (a request queue's routing rule) `defaultAssignedToID` (the API's own metadata, as
//! cjw296/python-workfront generated it). The endpoints are in AdobeDocs/workfront-apis
//! `static/workflow.json` (`/task/search`, `/routingrule/{id}`, …).
//!
//! A tenant of a million users would hold tens of millions of objects, so a user's objects are
//! made the first time a request names that user, deterministically from its ID and its
//! [`Work`] counts, and kept from then on: a change sticks, a successor keeps what was moved to
//! them. A search must therefore filter by the kind's user field or by `ID`; an unfiltered
//! listing is refused with 422 rather than answered with whatever happens to exist.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::tenant::{Tenant, Work};
use crate::rng::{Rng, mix};

/// An object type the simulator holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjKind {
    Task,
    Issue,
    Project,
    Report,
    Template,
    StepApprover,
    RoutingRule,
    TimesheetProfile,
}

impl ObjKind {
    pub const ALL: [ObjKind; 8] = [
        ObjKind::Task,
        ObjKind::Issue,
        ObjKind::Project,
        ObjKind::Report,
        ObjKind::Template,
        ObjKind::StepApprover,
        ObjKind::RoutingRule,
        ObjKind::TimesheetProfile,
    ];

    /// The object code, as `objCode` answers it.
    pub fn code(self) -> &'static str {
        match self {
            ObjKind::Task => "TASK",
            ObjKind::Issue => "OPTASK",
            ObjKind::Project => "PROJ",
            ObjKind::Report => "PTLSEC",
            ObjKind::Template => "TMPL",
            ObjKind::StepApprover => "SPAPVR",
            ObjKind::RoutingRule => "RRUL",
            ObjKind::TimesheetProfile => "TSPRO",
        }
    }

    /// The object code or the object's name (both case-insensitive on Workfront).
    pub fn parse(text: &str) -> Option<ObjKind> {
        let upper = text.to_ascii_uppercase();
        let named = match upper.as_str() {
            "ISSUE" => Some(ObjKind::Issue),
            "PROJECT" => Some(ObjKind::Project),
            "PORTALSECTION" => Some(ObjKind::Report),
            "TEMPLATE" => Some(ObjKind::Template),
            "STEPAPPROVER" => Some(ObjKind::StepApprover),
            "ROUTINGRULE" => Some(ObjKind::RoutingRule),
            "TIMESHEETPROFILE" => Some(ObjKind::TimesheetProfile),
            _ => None,
        };
        named.or_else(|| ObjKind::ALL.into_iter().find(|k| k.code() == upper))
    }

    /// The field that points at the user.
    pub fn user_field(self) -> &'static str {
        match self {
            ObjKind::Task | ObjKind::Issue => "assignedToID",
            ObjKind::Project | ObjKind::Template => "ownerID",
            ObjKind::Report => "runAsUserID",
            ObjKind::StepApprover => "userID",
            ObjKind::RoutingRule => "defaultAssignedToID",
            ObjKind::TimesheetProfile => "approverID",
        }
    }

    /// The field naming the object's parent, if it has one.
    pub fn parent_field(self) -> Option<&'static str> {
        match self {
            ObjKind::Task | ObjKind::Issue | ObjKind::RoutingRule => Some("projectID"),
            ObjKind::StepApprover => Some("approvalStepID"),
            _ => None,
        }
    }

    /// Does the kind have a workflow status (open or finished)?
    pub fn has_status(self) -> bool {
        matches!(self, ObjKind::Task | ObjKind::Issue | ObjKind::Project)
    }

    /// The fields an update may set here: the user field of the kinds whose hand-over Adobe's
    /// reference lists as an edit, and `name`. Anything else is refused with 422, so a client
    /// that relies on an edit the simulator does not model fails loudly.
    pub fn editable(self, field: &str) -> bool {
        field == "name"
            || (field == self.user_field()
                && matches!(
                    self,
                    ObjKind::Task
                        | ObjKind::Issue
                        | ObjKind::Project
                        | ObjKind::Report
                        | ObjKind::Template
                ))
    }

    /// Workfront's display name, for `not found` messages.
    pub fn display(self) -> &'static str {
        match self {
            ObjKind::Task => "Task",
            ObjKind::Issue => "Issue",
            ObjKind::Project => "Project",
            ObjKind::Report => "PortalSection",
            ObjKind::Template => "Template",
            ObjKind::StepApprover => "StepApprover",
            ObjKind::RoutingRule => "RoutingRule",
            ObjKind::TimesheetProfile => "TimesheetProfile",
        }
    }
}

/// One object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj {
    pub id: u128,
    pub kind: ObjKind,
    pub name: Box<str>,
    /// `INP`/`CPL` (tasks), `INP`/`CLS` (issues), `CUR`/`CPL` (projects); empty otherwise.
    pub status: &'static str,
    /// The user the kind's user field points at.
    pub user: u128,
    /// The parent (project, approval step), or 0.
    pub parent: u128,
}

/// Every object made so far, by ID and by the user it points at.
#[derive(Debug, Default)]
pub struct Objects {
    items: BTreeMap<u128, Obj>,
    by_user: HashMap<u128, HashSet<u128>>,
    made_for: HashSet<u128>,
}

const TOPICS: &[&str] = &[
    "Budget review",
    "Campaign launch",
    "Vendor onboarding",
    "Quarterly report",
    "Website refresh",
    "Security audit",
    "Hiring plan",
    "Product brief",
    "Customer survey",
    "Office move",
];

impl Objects {
    /// Makes `user`'s objects if this is the first time they are asked for.
    pub fn ensure(&mut self, tenant: &Tenant, user: u128) {
        if !self.made_for.insert(user) {
            return;
        }
        let Some(index) = tenant.index_of(user) else { return };
        let holder = &tenant.users[index];
        for obj in generate(user, holder.is_active, &holder.work) {
            self.by_user.entry(obj.user).or_default().insert(obj.id);
            self.items.insert(obj.id, obj);
        }
    }

    /// The objects of `kind` that point at `user`, sorted by ID.
    pub fn held_by(&mut self, tenant: &Tenant, user: u128, kind: ObjKind) -> Vec<&Obj> {
        self.ensure(tenant, user);
        let mut ids: Vec<u128> =
            self.by_user.get(&user).map(|s| s.iter().copied().collect()).unwrap_or_default();
        ids.sort_unstable();
        ids.iter().filter_map(|id| self.items.get(id)).filter(|o| o.kind == kind).collect()
    }

    pub fn get(&self, id: u128) -> Option<&Obj> {
        self.items.get(&id)
    }

    /// Points the object at another user (the user field) or renames it.
    pub fn store(&mut self, tenant: &Tenant, next: Obj) {
        self.ensure(tenant, next.user);
        if let Some(was) = self.items.get(&next.id)
            && was.user != next.user
            && let Some(set) = self.by_user.get_mut(&was.user)
        {
            set.remove(&next.id);
        }
        self.by_user.entry(next.user).or_default().insert(next.id);
        self.items.insert(next.id, next);
    }
}

/// How many objects of each kind a user holds, from their ID: the work counts for tasks,
/// issues and projects; for the rest, a few active users hold a few.
fn generate(user: u128, active: bool, work: &Work) -> Vec<Obj> {
    let mut rng = Rng::new(mix((user as u64) ^ ((user >> 64) as u64) ^ 0x00b1_ec75));
    let mut some =
        |p: f64, most: u64| if active && rng.chance(p) { 1 + rng.below(most) as u16 } else { 0 };
    let (reports, templates, steps, routes, profiles) =
        (some(0.15, 3), some(0.05, 2), some(0.06, 2), some(0.04, 1), some(0.03, 1));
    let plan: [(ObjKind, &'static str, u16); 11] = [
        (ObjKind::Task, "INP", work.open_tasks),
        (ObjKind::Task, "CPL", work.done_tasks),
        (ObjKind::Issue, "INP", work.open_issues),
        (ObjKind::Issue, "CLS", work.closed_issues),
        (ObjKind::Project, "CUR", work.open_projects),
        (ObjKind::Project, "CPL", work.done_projects),
        (ObjKind::Report, "", reports),
        (ObjKind::Template, "", templates),
        (ObjKind::StepApprover, "", steps),
        (ObjKind::RoutingRule, "", routes),
        (ObjKind::TimesheetProfile, "", profiles),
    ];
    let mut objects = Vec::new();
    let mut serial = 0u64;
    for (kind, status, n) in plan {
        for _ in 0..n {
            serial += 1;
            let seed = (user as u64)
                ^ ((user >> 64) as u64).rotate_left(17)
                ^ serial.wrapping_mul(0x9e37_79b9);
            let id = (u128::from(mix(seed)) << 64) | u128::from(mix(seed ^ 0x5eed));
            let topic = TOPICS[(mix(seed ^ 7) % TOPICS.len() as u64) as usize];
            let name = match kind {
                ObjKind::Task => format!("{topic}: task {serial}"),
                ObjKind::Issue => format!("{topic}: request {serial}"),
                ObjKind::Project => format!("{topic} {serial}"),
                ObjKind::Report => format!("{topic} report {serial}"),
                ObjKind::Template => format!("{topic} template {serial}"),
                ObjKind::StepApprover => format!("{topic} approval, step {serial}"),
                ObjKind::RoutingRule => format!("{topic} requests route {serial}"),
                ObjKind::TimesheetProfile => format!("{topic} timesheets {serial}"),
            };
            let parent = if kind.parent_field().is_some() {
                u128::from(mix(seed ^ 0xbabe)) << 64 | 0x0f
            } else {
                0
            };
            objects.push(Obj { id, kind, name: name.into(), status, user, parent });
        }
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_objects_follow_their_work_and_are_the_same_every_time() {
        let mut tenant = Tenant::generate(50, 3).unwrap();
        tenant.users[10].work = Work {
            open_tasks: 4,
            done_tasks: 9,
            open_issues: 2,
            closed_issues: 1,
            open_projects: 1,
            done_projects: 5,
        };
        let id = tenant.users[10].id;
        let mut objects = Objects::default();
        assert_eq!(objects.held_by(&tenant, id, ObjKind::Task).len(), 13);
        assert_eq!(objects.held_by(&tenant, id, ObjKind::Project).len(), 6);
        let again: Vec<u128> =
            Objects::default().held_by(&tenant, id, ObjKind::Task).iter().map(|o| o.id).collect();
        let first: Vec<u128> =
            objects.held_by(&tenant, id, ObjKind::Task).iter().map(|o| o.id).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn a_moved_object_leaves_one_holder_for_the_other() {
        let tenant = Tenant::generate(200, 9).unwrap();
        let mut objects = Objects::default();
        let holder = tenant.users.iter().find(|u| u.work.open_tasks > 0).unwrap().id;
        let successor = tenant.users[5].id;
        let before = objects.held_by(&tenant, successor, ObjKind::Task).len();
        let mut task = objects.held_by(&tenant, holder, ObjKind::Task)[0].clone();
        task.user = successor;
        objects.store(&tenant, task.clone());
        assert!(objects.held_by(&tenant, holder, ObjKind::Task).iter().all(|o| o.id != task.id));
        assert_eq!(objects.held_by(&tenant, successor, ObjKind::Task).len(), before + 1);
        assert_eq!(ObjKind::parse("optask"), Some(ObjKind::Issue));
        assert_eq!(ObjKind::parse("portalsection"), Some(ObjKind::Report));
        assert!(
            ObjKind::Report.editable("runAsUserID")
                && !ObjKind::RoutingRule.editable("defaultAssignedToID")
        );
    }
}
