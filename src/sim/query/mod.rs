//! USER search semantics: filters, modifiers, sorting, paging and `fields=`, evaluated purely.
//!
//! Choices where the docs are silent (see `../shared/workfront-api.md` §3):
//! - Without any `_Sort` the result order is a rotation of the ID order that changes with every
//!   request, standing in for Oracle's unstable row order: a client that pages without sorting
//!   sees duplicates and misses, as Adobe warns. Ties of a non-unique sort key are broken the same
//!   unstable way.
//! - A `username=` (or `password=`) parameter is consumed as an authentication parameter and
//!   is *not* a filter: a search for `?username=x` returns everyone. `filters={"username":"x"}`
//!   is the documented way and works.
//! - Unknown field names in filters, sorts or `fields=` answer 422, as do bad `$$FIRST`/`$$LIMIT`.

mod fields;
pub use fields::*;

use std::cmp::Ordering;

use serde_json::Value;

use super::tenant::{Tenant, User, parse_id};

/// The most `$$LIMIT` Workfront accepts.
pub const MAX_LIMIT: usize = 2000;
/// The page size when `$$LIMIT` is absent.
pub const DEFAULT_LIMIT: usize = 100;

/// A query the client asked for, parsed from its parameters.
#[derive(Debug, Default)]
pub struct Query {
    filters: Vec<Filter>,
    sorts: Vec<(Field, bool)>,
    first: usize,
    limit: usize,
    fields: Vec<Field>,
    all_fields: bool,
    /// For a caller who is not a System Administrator: only its home group's users and itself.
    scope: Option<(u32, u128)>,
}

#[derive(Debug)]
struct Filter {
    field: Field,
    modifier: Modifier,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Modifier {
    Eq,
    CiEq,
    Ne,
    In,
    CiIn,
    Contains,
    CiContains,
    IsNull,
    NotNull,
}

/// A 422 the client caused.
#[derive(Debug, PartialEq)]
pub struct BadQuery(pub String);

/// Parameters that are never filters.
fn is_reserved(key: &str) -> bool {
    matches!(
        key,
        "fields"
            | "$$FIRST"
            | "$$LIMIT"
            | "method"
            | "apiKey"
            | "sessionID"
            | "username"
            | "password"
            | "updates"
            | "action"
            | "filters"
            | "atomic"
            | "id"
    ) || key.ends_with("_Sort")
        || key.ends_with("_Mod")
        || key.ends_with("_Range")
}

impl Query {
    /// Parses search parameters; `caller` is the ID `$$USER.ID` stands for.
    pub fn parse(params: &[(String, String)], caller: u128) -> Result<Query, BadQuery> {
        let mut query = Query { limit: DEFAULT_LIMIT, ..Query::default() };
        let get = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let resolve =
            |v: &str| if v == "$$USER.ID" { format!("{caller:032x}") } else { v.to_string() };
        for (key, value) in params {
            match key.as_str() {
                "$$FIRST" => query.first = parse_count("$$FIRST", value)?,
                "$$LIMIT" => {
                    let limit = parse_count("$$LIMIT", value)?;
                    if limit > MAX_LIMIT {
                        return Err(BadQuery(format!(
                            "The requested limit {limit} is greater than the maximum allowed limit of {MAX_LIMIT}"
                        )));
                    }
                    query.limit = limit;
                }
                "fields" => {
                    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        if name == "*" {
                            query.all_fields = true;
                        } else {
                            query.fields.push(known_field(name)?);
                        }
                    }
                }
                "filters" => query.parse_json_filters(value, &resolve)?,
                k if k.ends_with("_Sort") => {
                    let field = known_field(&k[..k.len() - 5])?;
                    let desc = match value.to_ascii_lowercase().as_str() {
                        "asc" => false,
                        "desc" => true,
                        _ => {
                            return Err(BadQuery(format!(
                                "{k}: sort must be asc or desc, not {value:?}"
                            )));
                        }
                    };
                    query.sorts.push((field, desc));
                }
                k if is_reserved(k) => {}
                k => {
                    let field = known_field(k)?;
                    let modifier = parse_modifier(get(&format!("{k}_Mod")))?;
                    match query.filters.iter_mut().find(|f| f.field == field) {
                        Some(existing) => existing.values.push(resolve(value)),
                        None => query.filters.push(Filter {
                            field,
                            modifier,
                            values: vec![resolve(value)],
                        }),
                    }
                }
            }
        }
        Ok(query)
    }

    fn parse_json_filters(
        &mut self,
        text: &str,
        resolve: &dyn Fn(&str) -> String,
    ) -> Result<(), BadQuery> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err(BadQuery(format!("JSON parsing error: filters={text}")));
        };
        for (key, value) in &map {
            if key.ends_with("_Mod") {
                continue;
            }
            let field = known_field(key)?;
            let modifier = parse_modifier(map.get(&format!("{key}_Mod")).and_then(Value::as_str))?;
            let values = match value {
                Value::Array(items) => items.iter().map(json_text).collect(),
                other => vec![json_text(other)],
            };
            let values = values.iter().map(|v| resolve(v)).collect();
            self.filters.push(Filter { field, modifier, values });
        }
        Ok(())
    }

    /// Shows only what a caller who is not a System Administrator may see: the users of its
    /// home group, and itself. Workfront answers such a caller with a partial list (or none),
    /// never with a 403, and counts the same way.
    pub fn restrict_to(&mut self, home_group: u32, caller: u128) {
        self.scope = Some((home_group, caller));
    }

    fn matches(&self, user: &User) -> bool {
        let visible =
            self.scope.is_none_or(|(group, caller)| user.home_group == group || user.id == caller);
        visible && self.filters.iter().all(|f| f.matches(user))
    }

    /// Is this the common case that needs no scan: no filters, ID order or none?
    fn is_plain_listing(&self) -> bool {
        self.scope.is_none()
            && self.filters.is_empty()
            && self.sorts.len() <= 1
            && self.sorts.iter().all(|(f, _)| *f == Field::Id)
    }

    /// The users that may match, by index: those an `ID` (`eq`/`in`) filter names, looked up
    /// as a database would through its primary key, or everyone.
    fn candidates(&self, tenant: &Tenant) -> Vec<usize> {
        let by_id = self
            .filters
            .iter()
            .find(|f| f.field == Field::Id && matches!(f.modifier, Modifier::Eq | Modifier::In));
        match by_id {
            Some(filter) => {
                let mut found: Vec<usize> = filter
                    .values
                    .iter()
                    .filter_map(|v| parse_id(v))
                    .filter_map(|id| tenant.index_of(id))
                    .collect();
                found.sort_unstable();
                found.dedup();
                found
            }
            None => (0..tenant.users.len()).collect(),
        }
    }

    /// How many users match (for `count`).
    pub fn count(&self, tenant: &Tenant) -> usize {
        if self.filters.is_empty() && self.scope.is_none() {
            tenant.users.len()
        } else {
            self.candidates(tenant).into_iter().filter(|&i| self.matches(&tenant.users[i])).count()
        }
    }

    /// The requested page, in the requested order; `rotation` makes unsorted order unstable.
    pub fn page<'t>(&self, tenant: &'t Tenant, rotation: u64) -> Vec<&'t User> {
        let users = &tenant.users;
        if self.is_plain_listing() {
            let n = users.len();
            let end = self.first.saturating_add(self.limit).min(n);
            let start = self.first.min(end);
            return (start..end)
                .map(|i| match self.sorts.first() {
                    Some((_, false)) => &users[i],
                    Some((_, true)) => &users[n - 1 - i],
                    None => &users[(i + rotation as usize % n.max(1)) % n],
                })
                .collect();
        }
        let mut hits: Vec<usize> =
            self.candidates(tenant).into_iter().filter(|&i| self.matches(&users[i])).collect();
        let n = users.len().max(1);
        let unstable_rank = |i: usize| (i + n - rotation as usize % n) % n;
        hits.sort_by(|&a, &b| {
            self.sorts
                .iter()
                .map(|(field, desc)| {
                    let order = field
                        .value(&users[a])
                        .partial_cmp(&field.value(&users[b]))
                        .unwrap_or(Ordering::Equal);
                    if *desc { order.reverse() } else { order }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| unstable_rank(a).cmp(&unstable_rank(b)))
        });
        hits.into_iter().skip(self.first).take(self.limit).map(|i| &users[i]).collect()
    }

    /// A user as JSON with the default fields (`ID`, `name`, `objCode`) plus those requested.
    pub fn render(&self, user: &User) -> Value {
        render_user(user, &self.fields, self.all_fields)
    }
}

impl Filter {
    fn matches(&self, user: &User) -> bool {
        let actual = match self.field.value(user) {
            FieldValue::Null => None,
            FieldValue::Bool(b) => Some(b.to_string()),
            FieldValue::Text(t) => Some(t),
        };
        let Some(actual) = actual else {
            return self.modifier == Modifier::IsNull;
        };
        // IDs compare by value so any hex case finds the user, as Workfront's GUID lookups do.
        let same = |want: &str| match (self.field, parse_id(want)) {
            (Field::Id, Some(id)) => user.id == id,
            _ => actual == want,
        };
        let ci_same = |want: &str| actual.eq_ignore_ascii_case(want);
        match self.modifier {
            Modifier::Eq | Modifier::In => self.values.iter().any(|v| same(v)),
            Modifier::CiEq | Modifier::CiIn => self.values.iter().any(|v| ci_same(v)),
            Modifier::Ne => !self.values.iter().any(|v| same(v)),
            Modifier::Contains => self.values.iter().any(|v| actual.contains(v.as_str())),
            Modifier::CiContains => {
                let lower = actual.to_lowercase();
                self.values.iter().any(|v| lower.contains(&v.to_lowercase()))
            }
            Modifier::IsNull => false,
            Modifier::NotNull => true,
        }
    }
}

fn parse_modifier(text: Option<&str>) -> Result<Modifier, BadQuery> {
    Ok(match text {
        None | Some("eq") => Modifier::Eq,
        Some("cieq") => Modifier::CiEq,
        Some("ne") => Modifier::Ne,
        Some("in") => Modifier::In,
        Some("ciin") => Modifier::CiIn,
        Some("contains") => Modifier::Contains,
        Some("cicontains") => Modifier::CiContains,
        Some("isnull") => Modifier::IsNull,
        Some("notnull") => Modifier::NotNull,
        Some(other) => {
            return Err(BadQuery(format!("Invalid Parameter: unknown modifier {other:?}")));
        }
    })
}

fn parse_count(name: &str, value: &str) -> Result<usize, BadQuery> {
    value
        .trim()
        .parse()
        .map_err(|_| BadQuery(format!("{name} must be a whole number, not {value:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn tenant() -> Tenant {
        Tenant::generate(500, 3).unwrap()
    }

    #[test]
    fn limit_above_2000_is_refused_with_the_real_message() {
        let err = Query::parse(&params(&[("$$LIMIT", "2001")]), 0).unwrap_err();
        assert!(
            err.0.contains("2001 is greater than the maximum allowed limit of 2000"),
            "{err:?}"
        );
        assert_eq!(Query::parse(&params(&[]), 0).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn sorted_pages_tile_the_directory_exactly() {
        let t = tenant();
        let mut seen = Vec::new();
        for first in (0..500).step_by(100) {
            let first = first.to_string();
            let q = Query::parse(&params(&[("$$FIRST", &first), ("ID_Sort", "asc")]), 0).unwrap();
            seen.extend(q.page(&t, first.len() as u64 * 7919).into_iter().map(|u| u.id));
        }
        assert_eq!(seen, t.users.iter().map(|u| u.id).collect::<Vec<_>>());
    }

    #[test]
    fn unsorted_pages_differ_between_requests() {
        let t = tenant();
        let q = Query::parse(&params(&[("$$LIMIT", "100")]), 0).unwrap();
        let a: Vec<u128> = q.page(&t, 1).iter().map(|u| u.id).collect();
        let b: Vec<u128> = q.page(&t, 2).iter().map(|u| u.id).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn username_parameter_is_not_a_filter_but_filters_json_is() {
        let t = tenant();
        let name = t.users[10].username.to_string();
        let q = Query::parse(&params(&[("username", &name)]), 0).unwrap();
        assert_eq!(q.count(&t), 500);
        let json = format!("{{\"username\":\"{name}\"}}");
        let q = Query::parse(&params(&[("filters", &json)]), 0).unwrap();
        assert_eq!(q.count(&t), 1);
    }

    #[test]
    fn filters_modifiers_and_user_id() {
        let t = tenant();
        let inactive = t.users.iter().filter(|u| !u.is_active).count();
        let q = Query::parse(&params(&[("isActive", "false")]), 0).unwrap();
        assert_eq!(q.count(&t), inactive);
        let q = Query::parse(&params(&[("ID", "$$USER.ID")]), t.api_user).unwrap();
        assert_eq!(q.page(&t, 0)[0].id, t.api_user);
        let email = t.users[20].email.to_uppercase();
        let q =
            Query::parse(&params(&[("emailAddr", &email), ("emailAddr_Mod", "cieq")]), 0).unwrap();
        assert!(q.count(&t) >= 1);
        let q = Query::parse(&params(&[("emailAddr", &email)]), 0).unwrap();
        assert_eq!(q.count(&t), 0, "eq is case-sensitive");
        let (a, b) = (t.users[1].id_hex(), t.users[2].id_hex());
        let q = Query::parse(&params(&[("ID", &a), ("ID", &b), ("ID_Mod", "in")]), 0).unwrap();
        assert_eq!(q.count(&t), 2);
        assert!(Query::parse(&params(&[("nosuch", "1")]), 0).is_err());
        assert!(Query::parse(&params(&[("isActive_Sort", "up")]), 0).is_err());
    }

    #[test]
    fn fields_are_rendered_on_request_only() {
        let t = tenant();
        let q = Query::parse(&params(&[("fields", "isActive,emailAddr")]), 0).unwrap();
        let v = q.render(&t.users[0]);
        assert_eq!(v["objCode"], "USER");
        assert!(v.get("isActive").is_some() && v.get("username").is_none());
    }
}
