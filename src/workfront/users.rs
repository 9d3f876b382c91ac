//! The USER calls: the legacy sign-in actions, the listing, counts, the caller, and the
//! updates that deactivate, reactivate or schedule.

use reqwest::Method;
use serde_json::Value;

use super::{ApiError, Client, USER_FIELDS};
use crate::secret::Secret;

impl Client {
    /// `POST user?action=<action>` (`getApiKey` or `generateApiKey`) with the credentials in the
    /// form body; `None` when Workfront answers that the user has no key.
    async fn api_key_action(
        &self,
        action: &str,
        username: &str,
        password: &Secret,
    ) -> Result<Option<Secret>, ApiError> {
        let form = [
            ("action", action),
            ("method", "PUT"),
            ("username", username),
            ("password", password.expose()),
        ];
        let data = self.call(Method::POST, "user", &[], Some(&form)).await?;
        Ok(data.get("result").and_then(Value::as_str).filter(|k| !k.is_empty()).map(Secret::new))
    }

    /// The user's API key: the existing one (`getApiKey`), or, only when there is none, a new
    /// one (`generateApiKey`, which on a real tenant replaces the key the user's other
    /// integrations use), as Workfront's own clients do.
    pub async fn existing_or_new_api_key(
        &self,
        username: &str,
        password: &Secret,
    ) -> Result<Secret, ApiError> {
        if let Some(key) = self.api_key_action("getApiKey", username, password).await? {
            return Ok(key);
        }
        let no_key = || ApiError {
            status: Some(200),
            class: None,
            message: "generateApiKey returned no key".into(),
            retry_after: None,
            unreachable: false,
        };
        self.api_key_action("generateApiKey", username, password).await?.ok_or_else(no_key)
    }

    /// `POST login` with the credentials in the form body; returns a session ID. Used by dry
    /// runs, which must not create or change anything (a key is a change).
    pub async fn login(&self, username: &str, password: &Secret) -> Result<Secret, ApiError> {
        let form = [("username", username), ("password", password.expose())];
        let data = self.call(Method::POST, "login", &[], Some(&form)).await?;
        match data.get("sessionID").and_then(Value::as_str) {
            Some(session) if !session.is_empty() => Ok(Secret::new(session)),
            _ => Err(ApiError {
                status: Some(200),
                class: None,
                message: "login returned no session".into(),
                retry_after: None,
                unreachable: false,
            }),
        }
    }

    /// `GET user/count`: how many users (active and inactive) the tenant has.
    pub async fn count_users(&self) -> Result<u64, ApiError> {
        let data = self.call(Method::GET, "user/count", &[], None).await?;
        data.get("count").and_then(Value::as_u64).ok_or_else(|| ApiError {
            status: Some(200),
            class: None,
            message: "count answer had no count".into(),
            retry_after: None,
            unreachable: false,
        })
    }

    /// One page of `GET user/search`, sorted by ID so pages tile the directory exactly.
    pub async fn search_users(&self, first: usize, limit: usize) -> Result<Vec<Value>, ApiError> {
        let (first, limit) = (first.to_string(), limit.to_string());
        let query = [
            ("$$FIRST", first.as_str()),
            ("$$LIMIT", limit.as_str()),
            ("ID_Sort", "asc"),
            ("fields", USER_FIELDS),
        ];
        match self.call(Method::GET, "user/search", &query, None).await? {
            Value::Array(users) => Ok(users),
            _ => Err(ApiError::not_a_list("search")),
        }
    }

    /// `GET <objcode>/count?<filters>`: how many objects match.
    pub async fn count(&self, objcode: &str, filters: &[(&str, &str)]) -> Result<u64, ApiError> {
        let data = self.call(Method::GET, &format!("{objcode}/count"), filters, None).await?;
        data.get("count").and_then(Value::as_u64).ok_or_else(|| ApiError {
            status: Some(200),
            class: None,
            message: format!("{objcode}/count answered no count"),
            retry_after: None,
            unreachable: false,
        })
    }

    /// The user the credential signs in as (`ID=$$USER.ID`), with [`USER_FIELDS`].
    pub async fn caller(&self) -> Result<Value, ApiError> {
        let data = self
            .call(Method::GET, "user/search", &[("ID", "$$USER.ID"), ("fields", USER_FIELDS)], None)
            .await?;
        data.get(0).cloned().ok_or_else(|| ApiError {
            status: Some(200),
            class: None,
            message: "could not tell which user the credential signs in as".into(),
            retry_after: None,
            unreachable: false,
        })
    }

    /// The ID of the user the key belongs to (`ID=$$USER.ID`).
    pub async fn current_user_id(&self) -> Result<String, ApiError> {
        let data = self
            .call(Method::GET, "user/search", &[("ID", "$$USER.ID"), ("fields", "ID")], None)
            .await?;
        data.get(0)
            .and_then(|u| u.get("ID"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| ApiError {
                status: Some(200),
                class: None,
                message: "could not tell which user the key belongs to".into(),
                retry_after: None,
                unreachable: false,
            })
    }

    /// `PUT user/<ID>?updates={"isActive":"false"}` (or `"true"` to reactivate); returns the
    /// user as Workfront now has it.
    /// A reactivation gives the user `access_level` back (Workfront clears it on deactivation
    /// and asks for one again, as the UI does).
    pub async fn set_active(
        &self,
        id: &str,
        active: bool,
        access_level: Option<&str>,
    ) -> Result<Value, ApiError> {
        let mut updates = serde_json::json!({ "isActive": if active { "true" } else { "false" } });
        if let Some(level) = access_level.filter(|_| active) {
            updates["accessLevelID"] = level.into();
        }
        let updates = updates.to_string();
        let query = [("updates", updates.as_str()), ("fields", "isActive,accessLevelID")];
        self.call(Method::PUT, &format!("user/{id}"), &query, None).await
    }

    /// `PUT user/<ID>?updates={"scheduledDeactivationDate":"<at>"}`: Workfront deactivates the
    /// user at that moment. Returns the user as Workfront now has it.
    pub async fn schedule_deactivation(&self, id: &str, at: &str) -> Result<Value, ApiError> {
        let updates = serde_json::json!({ "scheduledDeactivationDate": at }).to_string();
        let query =
            [("updates", updates.as_str()), ("fields", "isActive,scheduledDeactivationDate")];
        self.call(Method::PUT, &format!("user/{id}"), &query, None).await
    }

    /// One bulk update of `isActive` for these users, all or nothing (`atomic=true`): Workfront
    /// answers `{"success":true}` or an error, and rolls everything back on an error. Sent as a
    /// POST with `method=PUT` and the fields in the form body (which Workfront reads on POST), so
    /// a hundred IDs never make an over-long URL.
    pub async fn set_active_bulk(
        &self,
        users: &[(String, Option<String>)],
        active: bool,
    ) -> Result<(), ApiError> {
        let items: Vec<Value> = users
            .iter()
            .map(|(id, level)| {
                let mut item = serde_json::json!({ "ID": id, "isActive": if active { "true" } else { "false" } });
                if let Some(level) = level.as_ref().filter(|_| active) {
                    item["accessLevelID"] = level.as_str().into();
                }
                item
            })
            .collect();
        let updates = Value::Array(items).to_string();
        let form = [("method", "PUT"), ("updates", updates.as_str()), ("atomic", "true")];
        let data = self.call(Method::POST, "user", &[], Some(&form)).await?;
        match data.get("success") {
            Some(Value::Bool(true)) => Ok(()),
            _ => Err(ApiError {
                status: Some(200),
                class: None,
                message: format!("the bulk update answered {data}"),
                retry_after: None,
                unreachable: false,
            }),
        }
    }

    /// `GET user/search?ID=A&ID=B&…&ID_Mod=in`: the users with these IDs that exist, always as
    /// a list (at most [`IDS_PER_GET`]). Search, unlike `GET user?id=A,B`, never fails the whole
    /// request for one deleted ID and never answers a single object.
    pub async fn users_by_id(&self, ids: &[String]) -> Result<Vec<Value>, ApiError> {
        let limit = ids.len().max(1).to_string();
        let mut query: Vec<(&str, &str)> = ids.iter().map(|id| ("ID", id.as_str())).collect();
        query.extend([("ID_Mod", "in"), ("fields", USER_FIELDS), ("$$LIMIT", limit.as_str())]);
        match self.call(Method::GET, "user/search", &query, None).await? {
            Value::Array(users) => Ok(users),
            _ => Err(ApiError::not_a_list("search")),
        }
    }
}
