//! `search`, `count`, get and update for the objects a user holds (see [`super::objects`]).
//!
//! In Workfront's syntax: the kind's user field (`assignedToID=<ID>`), `ID` (repeated, with
//! `ID_Mod=in`), `status` with `status_Mod` `eq` (the default), `ne`, `in` or `notin`,
//! `$$FIRST`/`$$LIMIT` (at most 2000), `ID_Sort`. Any other filter is refused with 422 rather
//! than ignored, so a client filter the simulator does not understand fails loudly. An update
//! (`PUT <OBJ>/<ID>?updates={…}`) may set the fields [`ObjKind::editable`] allows; `ID`,
//! `objCode` and other fields are refused with 422, a user field naming nobody with 422, an
//! unknown object with 404, as for users.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::objects::{Obj, ObjKind};
use super::query::MAX_LIMIT;
use super::reply::{Reply, error, ok};
use super::state::SimState;
use super::tenant::parse_id;

/// Is this object code one the simulator holds objects for?
pub fn is_object(objcode: &str) -> bool {
    ObjKind::parse(objcode).is_some()
}

fn invalid(message: String) -> Reply {
    error(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameterException", &message)
}

fn id_hex(id: u128) -> String {
    format!("{id:032x}")
}

/// The object as the API answers it: every field the simulator keeps.
pub fn render(obj: &Obj) -> Value {
    let mut value = json!({ "ID": id_hex(obj.id), "objCode": obj.kind.code(), "name": &*obj.name });
    value[obj.kind.user_field()] = id_hex(obj.user).into();
    if obj.kind.has_status() {
        value["status"] = obj.status.into();
    }
    if let Some(field) = obj.kind.parent_field() {
        value[field] = id_hex(obj.parent).into();
    }
    value
}

/// What a search or count asks for.
struct Filter {
    /// The kind's user field: one ID, or several with `<field>_Mod=in`.
    users: Vec<u128>,
    ids: Vec<u128>,
    statuses: Vec<String>,
    modifier: String,
    first: usize,
    limit: usize,
}

impl Filter {
    fn parse(kind: ObjKind, params: &[(String, String)]) -> Result<Filter, Reply> {
        let mut filter = Filter {
            users: Vec::new(),
            ids: Vec::new(),
            statuses: Vec::new(),
            modifier: "eq".into(),
            first: 0,
            limit: 100,
        };
        let field = kind.user_field();
        let number = |key: &str, value: &str| {
            value.parse::<usize>().map_err(|_| invalid(format!("{key} {value:?} is not a number")))
        };
        for (key, value) in params {
            match key.as_str() {
                k if k == field => match parse_id(value) {
                    Some(id) => filter.users.push(id),
                    None => {
                        return Err(invalid(format!(
                            "Invalid Parameter: {field} {value:?} is not an ID"
                        )));
                    }
                },
                "ID" => filter.ids.push(
                    parse_id(value)
                        .ok_or_else(|| invalid(format!("Invalid Parameter: ID {value:?}")))?,
                ),
                "status" if kind.has_status() => {
                    filter.statuses.extend(value.split(',').map(|s| s.trim().to_string()))
                }
                "status_Mod" if kind.has_status() => filter.modifier = value.clone(),
                "$$FIRST" => filter.first = number(key, value)?,
                "$$LIMIT" => filter.limit = number(key, value)?,
                "ID_Mod" if matches!(value.as_str(), "in" | "eq") => {}
                "ID_Sort" if value == "asc" => {}
                k if k == format!("{field}_Mod") && matches!(value.as_str(), "eq" | "in") => {}
                "fields" | "method" | "apiKey" => {}
                other => {
                    return Err(invalid(format!(
                        "Invalid Parameter: {other} is not simulated for {}/search",
                        kind.code()
                    )));
                }
            }
        }
        if !matches!(filter.modifier.as_str(), "eq" | "ne" | "in" | "notin") {
            return Err(invalid(format!(
                "Invalid Parameter: status_Mod {:?} is not simulated",
                filter.modifier
            )));
        }
        if filter.limit > MAX_LIMIT {
            let message = format!(
                "The requested limit {} is greater than the maximum allowed limit of {MAX_LIMIT}",
                filter.limit
            );
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IllegalArgumentException",
                &message,
            ));
        }
        if filter.users.is_empty() && filter.ids.is_empty() {
            return Err(invalid(format!(
                "Invalid Parameter: a {} search here needs {field}=<ID> or ID=<ID>",
                kind.code()
            )));
        }
        Ok(filter)
    }

    fn keeps(&self, obj: &Obj) -> bool {
        let listed = self.statuses.iter().any(|s| s.eq_ignore_ascii_case(obj.status));
        let status = self.statuses.is_empty()
            || if matches!(self.modifier.as_str(), "eq" | "in") { listed } else { !listed };
        status
            && (self.users.is_empty() || self.users.contains(&obj.user))
            && (self.ids.is_empty() || self.ids.contains(&obj.id))
    }
}

/// Every object the filter keeps, sorted by ID.
fn matching(state: &SimState, kind: ObjKind, filter: &Filter) -> Vec<Value> {
    let tenant = state.tenant();
    let mut objects = state.objects();
    let mut found: Vec<Obj> = match filter.users.as_slice() {
        [] => {
            let mut ids = filter.ids.clone();
            ids.sort_unstable();
            ids.dedup();
            ids.iter()
                .filter_map(|id| objects.get(*id))
                .filter(|o| o.kind == kind)
                .cloned()
                .collect()
        }
        users => {
            let mut all: Vec<Obj> = users
                .iter()
                .flat_map(|&u| {
                    objects.held_by(&tenant, u, kind).into_iter().cloned().collect::<Vec<_>>()
                })
                .collect();
            all.sort_unstable_by_key(|o| o.id);
            all.dedup_by_key(|o| o.id);
            all
        }
    };
    found.retain(|o| filter.keeps(o));
    found.iter().map(render).collect()
}

/// Answers `<OBJ>/search`, `<OBJ>/count`, `<OBJ>/<ID>` (GET) and `<OBJ>/<ID>` (PUT).
pub fn handle(
    state: &SimState,
    objcode: &str,
    req: &super::request::ApiRequest,
    seq: u64,
) -> Reply {
    let Some(kind) = ObjKind::parse(objcode) else {
        return error(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            &format!("object code {objcode} is not simulated"),
        );
    };
    let params = req.params();
    match (req.target.as_deref(), &req.method) {
        (Some(t), &Method::GET) if t.eq_ignore_ascii_case("search") => {
            match Filter::parse(kind, &params) {
                Ok(filter) => ok(Value::Array(
                    matching(state, kind, &filter)
                        .into_iter()
                        .skip(filter.first)
                        .take(filter.limit)
                        .collect(),
                )),
                Err(reply) => reply,
            }
        }
        (Some(t), &Method::GET) if t.eq_ignore_ascii_case("count") => {
            match Filter::parse(kind, &params) {
                Ok(filter) => ok(json!({ "count": matching(state, kind, &filter).len() })),
                Err(reply) => reply,
            }
        }
        (Some(id), &Method::GET) => match parse_id(id)
            .and_then(|id| state.objects().get(id).filter(|o| o.kind == kind).map(render))
        {
            Some(value) => ok(value),
            None => not_found(kind, id),
        },
        (Some(id), &Method::PUT) => update(state, kind, id, req, seq),
        _ => invalid(format!("{} on {} is not simulated", req.method, kind.code())),
    }
}

fn not_found(kind: ObjKind, id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NotFoundException",
        &format!("{} with primary key value(s) \"{id}\" not found", kind.display()),
    )
}

/// Applies one update; a lost write (`--lost-write-rate`) answers the new state and keeps the old.
fn update(
    state: &SimState,
    kind: ObjKind,
    id_text: &str,
    req: &super::request::ApiRequest,
    seq: u64,
) -> Reply {
    let changes: Map<String, Value> = match super::request::requested_changes(req) {
        Ok(changes) => changes,
        Err(reply) => return reply,
    };
    let tenant = state.tenant();
    let mut objects = state.objects();
    let Some(mut next) =
        parse_id(id_text).and_then(|id| objects.get(id)).filter(|o| o.kind == kind).cloned()
    else {
        return not_found(kind, id_text);
    };
    for (field, value) in &changes {
        if !kind.editable(field) {
            let why = if matches!(field.as_str(), "ID" | "objCode" | "entryDate" | "enteredByID") {
                "is read-only"
            } else {
                "cannot be edited"
            };
            return invalid(format!("Invalid Parameter: {field} {why} on {}", kind.code()));
        }
        match (field.as_str(), value) {
            ("name", Value::String(name)) => next.name = name.as_str().into(),
            (_, Value::String(text)) if field == kind.user_field() => match parse_id(text)
                .filter(|u| tenant.index_of(*u).is_some())
            {
                Some(user) => next.user = user,
                None => {
                    return invalid(format!("Invalid Parameter: {field} {text:?} is not a user"));
                }
            },
            _ => return invalid(format!("Invalid Parameter: {field} must be a string")),
        }
    }
    let answer = ok(render(&next));
    if changes.is_empty() {
        return answer;
    }
    if state.loses_write(seq) {
        state.stats_mut().lost_writes += 1;
    } else {
        objects.store(&tenant, next);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::super::objects::Objects;
    use super::super::tenant::{Tenant, Work};
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn counts_follow_the_user_and_status_filters() {
        let mut tenant = Tenant::generate(50, 3).unwrap();
        tenant.users[10].work = Work {
            open_tasks: 4,
            done_tasks: 9,
            open_issues: 2,
            closed_issues: 1,
            open_projects: 1,
            done_projects: 5,
        };
        let id = tenant.users[10].id_hex();
        let mut objects = Objects::default();
        let mut n = |code: &str, pairs: &[(&str, &str)]| {
            let kind = ObjKind::parse(code).unwrap();
            let filter =
                Filter::parse(kind, &params(pairs)).unwrap_or_else(|_| panic!("{pairs:?}"));
            objects
                .held_by(&tenant, filter.users[0], kind)
                .into_iter()
                .filter(|o| filter.keeps(o))
                .count()
        };
        assert_eq!(n("TASK", &[("assignedToID", &id), ("status", "CPL"), ("status_Mod", "ne")]), 4);
        assert_eq!(n("TASK", &[("assignedToID", &id), ("status", "CPL")]), 9);
        assert_eq!(n("TASK", &[("assignedToID", &id)]), 13);
        assert_eq!(
            n("OPTASK", &[("assignedToID", &id), ("status", "CLS"), ("status_Mod", "ne")]),
            2
        );
        assert_eq!(
            n(
                "PROJ",
                &[
                    ("ownerID", &id),
                    ("status", "CPL"),
                    ("status", "DED"),
                    ("status", "REJ"),
                    ("status_Mod", "notin")
                ]
            ),
            1
        );
        assert_eq!(n("PROJ", &[("ownerID", &id), ("status", "CUR"), ("status_Mod", "in")]), 1);
        assert_eq!(
            Filter::parse(ObjKind::Task, &params(&[("projectID", &id)])).err().unwrap().0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            Filter::parse(ObjKind::Task, &params(&[])).err().unwrap().0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no unfiltered listing"
        );
        let too_many = params(&[("assignedToID", &id), ("$$LIMIT", "2001")]);
        assert_eq!(
            Filter::parse(ObjKind::Task, &too_many).err().unwrap().1["error"]["class"],
            "com.attask.common.IllegalArgumentException"
        );
    }
}
