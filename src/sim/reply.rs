//! Workfront's answer envelopes, shared by every handler: `{"data": …}` and `{"error": …}`.

use axum::http::StatusCode;
use serde_json::{Value, json};

/// An answer: status and JSON envelope.
pub type Reply = (StatusCode, Value);

/// The `{"error": ...}` envelope in the shape the official Node client's fixtures show.
pub fn error(status: StatusCode, class: &str, message: &str) -> Reply {
    let class =
        if class.contains('.') { class.to_string() } else { format!("com.attask.common.{class}") };
    let body = json!({"error": {"class": class, "message": message, "title": null, "msgKey": "exception.attask", "attributes": [""], "code": 0}});
    (status, body)
}

/// The `{"data": ...}` envelope.
pub fn ok(data: Value) -> Reply {
    (StatusCode::OK, json!({ "data": data }))
}
