//! The generic object calls the handover needs: search any object type by filters, read
//! objects by ID, update one field of one object (`PUT <OBJ>/<ID>?updates={…}`, Adobe's
//! "Editing objects" recipe, with `updates` in the query string as the documentation shows).

use reqwest::Method;
use serde_json::Value;

use super::{ApiError, Client};

impl Client {
    /// One page of `GET <objcode>/search?<filters>`, sorted by ID so pages tile the result.
    pub async fn search_objects(
        &self,
        objcode: &str,
        filters: &[(&str, &str)],
        first: usize,
        limit: usize,
    ) -> Result<Vec<Value>, ApiError> {
        let (first, limit) = (first.to_string(), limit.to_string());
        let mut query: Vec<(&str, &str)> = filters.to_vec();
        query.extend([
            ("$$FIRST", first.as_str()),
            ("$$LIMIT", limit.as_str()),
            ("ID_Sort", "asc"),
        ]);
        match self.call(Method::GET, &format!("{objcode}/search"), &query, None).await? {
            Value::Array(found) => Ok(found),
            _ => Err(ApiError::not_a_list(&format!("{objcode}/search"))),
        }
    }

    /// `GET <objcode>/search?ID=A&ID=B&ID_Mod=in&fields=…`: the objects with these IDs that exist.
    pub async fn objects_by_id(
        &self,
        objcode: &str,
        ids: &[&str],
        fields: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let limit = ids.len().max(1).to_string();
        let mut query: Vec<(&str, &str)> = ids.iter().map(|id| ("ID", *id)).collect();
        query.extend([("ID_Mod", "in"), ("fields", fields), ("$$LIMIT", limit.as_str())]);
        match self.call(Method::GET, &format!("{objcode}/search"), &query, None).await? {
            Value::Array(found) => Ok(found),
            _ => Err(ApiError::not_a_list(&format!("{objcode}/search"))),
        }
    }

    /// `PUT <objcode>/<id>?updates={"<field>":"<value>"}&fields=<field>`: the object as stored.
    pub async fn set_field(
        &self,
        objcode: &str,
        id: &str,
        field: &str,
        value: &str,
    ) -> Result<Value, ApiError> {
        let updates = serde_json::json!({ field: value }).to_string();
        let query = [("updates", updates.as_str()), ("fields", field)];
        self.call(Method::PUT, &format!("{objcode}/{id}"), &query, None).await
    }
}
