//! What a leaver holds, read-only: one `count` per kind for the audit's checklist, or the
//! objects themselves (`<OBJ>/search`, 2000 a page, sorted by ID) for `--objects` and the
//! handover. Every request goes through the run's shared pacing.

use serde_json::Value;

use super::{Found, Kind};
use crate::workfront::{Client, Pacing};

/// The most objects of one kind read for one leaver (100 pages of 2000): a bound, so a runaway
/// answer cannot keep the loop going; more is reported as an error, not cut silently.
const MAX_PAGES: usize = 100;
const PAGE: usize = 2000;

/// The filters that find `kind` held by `user`.
pub fn filters(kind: Kind, user: &str) -> Vec<(&'static str, String)> {
    let mut pairs = vec![(kind.field(), user.to_string())];
    pairs.extend(kind.open_filters().iter().map(|(k, v)| (*k, (*v).to_string())));
    pairs
}

fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// How many objects of each kind `user` holds: one `count` each, concurrently.
pub async fn count(
    client: &Client,
    pacing: &Pacing,
    user: &str,
    kinds: &[Kind],
) -> Result<Vec<(Kind, u64)>, String> {
    let counted = kinds.iter().map(|&kind| async move {
        let pairs = filters(kind, user);
        let query = borrowed(&pairs);
        let n = pacing.send(|| client.count(kind.objcode(), &query)).await.result;
        n.map(|n| (kind, n)).map_err(|e| format!("{}/count: {e}", kind.objcode()))
    });
    futures::future::join_all(counted).await.into_iter().collect()
}

/// The one line `deactivate` prints before a real run: how many of `users` still hold open
/// tasks, issues, owned projects or run-as reports (counts only; it does not block). Few
/// requests: per kind, one search for up to 100 users at a time (`<field>_Mod=in`), reading
/// only the user field. `None` when nobody does, or when the objects could not be read.
pub async fn open_work_line(client: &Client, pacing: &Pacing, users: &[String]) -> Option<String> {
    const KINDS: [Kind; 4] = [Kind::Tasks, Kind::Issues, Kind::Projects, Kind::Reports];
    let mut totals = [0usize; 4];
    let mut holders: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, kind) in KINDS.iter().enumerate() {
        for chunk in users.chunks(crate::workfront::IDS_PER_GET) {
            let mut pairs: Vec<(&str, String)> =
                chunk.iter().map(|id| (kind.field(), id.clone())).collect();
            pairs.extend(kind.open_filters().iter().map(|(k, v)| (*k, (*v).to_string())));
            pairs.push((mod_of(*kind), "in".into()));
            pairs.push(("fields", kind.field().to_string()));
            let found = pages(client, pacing, *kind, &pairs).await.ok()?;
            totals[i] += found.len();
            holders.extend(found.into_iter().map(|f| f.holder));
        }
    }
    (!holders.is_empty()).then(|| {
        let [tasks, issues, projects, reports] = totals;
        format!(
            "{} of {} leavers still hold open work or run-as reports ({tasks} open tasks, {issues} open issues, {projects} owned projects, {reports} run-as reports): see `wf-offboard audit` and `wf-offboard handover`",
            holders.len(),
            users.len()
        )
    })
}

/// `<field>_Mod` for a kind's user field.
fn mod_of(kind: Kind) -> &'static str {
    match kind.field() {
        "assignedToID" => "assignedToID_Mod",
        "runAsUserID" => "runAsUserID_Mod",
        "userID" => "userID_Mod",
        "defaultAssignedToID" => "defaultAssignedToID_Mod",
        "approverID" => "approverID_Mod",
        _ => "ownerID_Mod",
    }
}

/// Every object a search finds, page by page (bounded, see [`MAX_PAGES`]).
async fn pages(
    client: &Client,
    pacing: &Pacing,
    kind: Kind,
    pairs: &[(&'static str, String)],
) -> Result<Vec<Found>, String> {
    let query = borrowed(pairs);
    let mut found = Vec::new();
    for page in 0..MAX_PAGES {
        let answer = pacing
            .send(|| client.search_objects(kind.objcode(), &query, page * PAGE, PAGE))
            .await
            .result;
        let objects = answer.map_err(|e| format!("{}/search: {e}", kind.objcode()))?;
        let last = objects.len() < PAGE;
        for object in &objects {
            found.push(parse(kind, object)?);
        }
        if last {
            return Ok(found);
        }
    }
    Err(format!(
        "{}/search: more than {} objects; hand them over in Workfront",
        kind.objcode(),
        MAX_PAGES * PAGE
    ))
}

/// Every object of `kind` that `user` holds.
pub async fn list(
    client: &Client,
    pacing: &Pacing,
    user: &str,
    kind: Kind,
) -> Result<Vec<Found>, String> {
    let mut pairs = filters(kind, user);
    pairs.push(("fields", format!("name,{}", kind.field())));
    pages(client, pacing, kind, &pairs)
        .await
        .map_err(|e| if e.contains("more than") { format!("{e} (held by {user})") } else { e })
}

/// Every object of every kind in `kinds` that `user` holds, kinds in order.
pub async fn list_all(
    client: &Client,
    pacing: &Pacing,
    user: &str,
    kinds: &[Kind],
) -> Result<Vec<Found>, String> {
    let lists =
        futures::future::join_all(kinds.iter().map(|&kind| list(client, pacing, user, kind))).await;
    let mut all = Vec::new();
    for list in lists {
        all.extend(list?);
    }
    Ok(all)
}

/// One object from a search answer.
pub fn parse(kind: Kind, value: &Value) -> Result<Found, String> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let id = text("ID").to_ascii_lowercase();
    if id.is_empty() {
        return Err(format!("{}/search answered an object without an ID", kind.objcode()));
    }
    Ok(Found { kind, id, name: text("name"), holder: text(kind.field()).to_ascii_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_find_open_work_and_everything_else_by_the_user_field() {
        assert_eq!(
            filters(Kind::Tasks, "ab"),
            [("assignedToID", "ab".into()), ("status", "CPL".into()), ("status_Mod", "ne".into())]
        );
        assert_eq!(filters(Kind::Reports, "ab"), [("runAsUserID", "ab".to_string())]);
        let object =
            serde_json::json!({"ID": "AB12", "name": "Q3", "ownerID": "CD34", "objCode": "PROJ"});
        assert_eq!(
            parse(Kind::Projects, &object).unwrap(),
            Found {
                kind: Kind::Projects,
                id: "ab12".into(),
                name: "Q3".into(),
                holder: "cd34".into()
            }
        );
        assert!(parse(Kind::Projects, &serde_json::json!({"name": "x"})).is_err());
    }
}
