//! The HTTP side of the simulator: an accept loop that can drop a connection mid-request, the
//! `/attask` handler that applies the concurrency cap, latency and faults, and `/__sim` control.
//!
//! axum's own `serve` cannot close a connection without answering, which is exactly the fault
//! real clients meet (a load balancer dropping a request), so each connection is served by hyper
//! here and carries a kill switch the handler can pull.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::api;
use super::query::render_user;
use super::request::{ApiRequest, Kind};
use super::state::{Fault, SimState};
use super::tenant::parse_id;

/// Pulled by a handler to close its connection without an answer.
#[derive(Clone)]
struct Kill(Arc<Notify>);

/// Serves the simulator on an already-bound listener until `shutdown` resolves; open
/// connections are closed then.
pub async fn serve(
    listener: TcpListener,
    state: Arc<SimState>,
    shutdown: impl Future<Output = ()>,
) {
    let router = router(state);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, router.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let switch = Kill(kill.clone());
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(switch.clone());
            router.clone().oneshot(request)
        });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = kill.notified() => {}
    }
}

fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/attask/api/{*path}", any(api_request))
        .route("/integrations/oauth2/api/v1/jwt/exchange", post(jwt_exchange))
        .route("/ims/token/v3", post(ims_token))
        .route("/__sim/stats", get(stats))
        .route("/__sim/stats/reset", post(reset_stats))
        .route("/__sim/clock", post(advance_clock))
        .route("/__sim/tenant", get(tenant))
        .route("/__sim/users", get(users))
        .route("/__sim/users/{id}", get(user))
        .route("/__sim/objects", get(objects_held))
        .route("/__sim/objects/{id}", get(object))
        .with_state(state)
}

async fn api_request(
    State(state): State<Arc<SimState>>,
    Extension(kill): Extension<Kill>,
    Path(path): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seq = state.next_sequence();
    let request = ApiRequest::parse(&path, &method, query.as_deref(), headers, &body);
    count(&state, &request);
    let Some(_slot) = state.enter() else {
        state.stats_mut().rejected_429 += 1;
        return reply(super::reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "APIConcurrencyException",
            "Too many concurrent API requests",
        ));
    };
    let latency = state.latency(seq);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match state.fault(seq) {
        Fault::Drop => {
            state.stats_mut().dropped_connections += 1;
            kill.0.notify_one();
            // The connection task drops this future (and the slot) when it closes the socket.
            std::future::pending::<()>().await;
            unreachable!("a dropped connection never answers");
        }
        Fault::ServerError(code) => {
            state.stats_mut().injected_errors += 1;
            let status = StatusCode::from_u16(code).expect("500 and 502 are valid");
            return reply(super::reply::error(
                status,
                "InternalServerException",
                "An unexpected error occurred",
            ));
        }
        Fault::None => {}
    }
    if request.as_ref().is_ok_and(|r| r.reads_by_id()) && state.fails_read(seq) {
        state.stats_mut().failed_reads += 1;
        return reply(super::reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "An unexpected error occurred",
        ));
    }
    let is_update = request
        .as_ref()
        .is_ok_and(|r| matches!(r.kind(), Kind::Update | Kind::BulkUpdate | Kind::ObjectUpdate));
    let answer = match request {
        Ok(request) => api::handle(&state, &request, seq),
        Err(answer) => answer,
    };
    if answer.0 == StatusCode::UNAUTHORIZED {
        state.stats_mut().unauthorized += 1;
    }
    if is_update && answer.0 == StatusCode::OK && state.loses_answer(seq) {
        // Stored, then the connection is dropped: the client never learns it succeeded.
        state.stats_mut().lost_answers += 1;
        kill.0.notify_one();
        std::future::pending::<()>().await;
        unreachable!("a dropped connection never answers");
    }
    reply(answer)
}

/// Counts one request in the statistics: by kind, mutating or not, secrets in its URL.
fn count(state: &SimState, request: &Result<ApiRequest, super::reply::Reply>) {
    let mut stats = state.stats_mut();
    stats.requests += 1;
    if let Ok(request) = &request {
        *stats.by_kind.entry(request.kind().label().to_string()).or_default() += 1;
        stats.mutating_requests += u64::from(request.is_mutating());
        let (key, secret) = request.secrets_in_url();
        stats.api_key_in_url |= key;
        stats.secret_in_url |= secret;
    } else {
        *stats.by_kind.entry(Kind::Other.label().to_string()).or_default() += 1;
    }
}

fn reply((status, body): super::reply::Reply) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn stats(State(state): State<Arc<SimState>>) -> Response {
    let stats = state.stats();
    let mut value = serde_json::to_value(&stats).expect("stats serialise");
    value["in_flight"] = json!(state.in_flight.load(std::sync::atomic::Ordering::SeqCst));
    axum::Json(value).into_response()
}

/// `POST /integrations/oauth2/api/v1/jwt/exchange` with a URL-encoded body.
async fn jwt_exchange(State(state): State<Arc<SimState>>, body: axum::body::Bytes) -> Response {
    state.stats_mut().requests += 1;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (status, answer) = super::oauth::exchange(&state, &form);
    (status, axum::Json(answer)).into_response()
}

/// `POST /ims/token/v3` with a URL-encoded body (Adobe IMS, Server-to-Server).
async fn ims_token(State(state): State<Arc<SimState>>, body: axum::body::Bytes) -> Response {
    state.stats_mut().requests += 1;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (status, answer) = super::ims::token(&state, &form);
    (status, axum::Json(answer)).into_response()
}

/// `POST /__sim/clock?advance_secs=N`: lets time pass, so scheduled deactivations fall due.
async fn advance_clock(State(state): State<Arc<SimState>>, uri: Uri) -> Response {
    let params: Vec<(String, String)> =
        uri.query().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    match params.iter().find(|(k, _)| k == "advance_secs").and_then(|(_, v)| v.parse::<i64>().ok())
    {
        Some(secs) if secs >= 0 => {
            state.advance_clock(secs);
            axum::Json(json!({ "now": state.now() })).into_response()
        }
        _ => {
            (StatusCode::UNPROCESSABLE_ENTITY, "advance_secs=N (seconds, not negative) is required")
                .into_response()
        }
    }
}

async fn reset_stats(State(state): State<Arc<SimState>>) -> StatusCode {
    state.reset_stats();
    StatusCode::NO_CONTENT
}

/// `/__sim/users?isActive=false&$$LIMIT=..`: any search filter, every field, no auth, no faults.
async fn users(State(state): State<Arc<SimState>>, uri: Uri) -> Response {
    let params: Vec<(String, String)> =
        uri.query().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let mut params: Vec<(String, String)> =
        params.into_iter().filter(|(k, _)| k != "fields").collect();
    params.push(("fields".into(), "*".into()));
    if !params.iter().any(|(k, _)| k.ends_with("_Sort")) {
        params.push(("ID_Sort".into(), "asc".into()));
    }
    let tenant = state.tenant();
    match super::query::Query::parse(&params, tenant.api_user) {
        Ok(q) => {
            let page: Vec<Value> = q.page(&tenant, 0).into_iter().map(|u| q.render(u)).collect();
            axum::Json(json!({ "data": page, "count": q.count(&tenant) })).into_response()
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.0).into_response(),
    }
}

/// The tenant's size and its two special accounts, which the API itself does not reveal.
async fn tenant(State(state): State<Arc<SimState>>) -> Response {
    let tenant = state.tenant();
    let active = tenant.users.iter().filter(|u| u.is_active).count();
    let id = |id: u128| format!("{id:032x}");
    axum::Json(json!({ "users": tenant.users.len(), "active": active, "api_user": id(tenant.api_user), "admin_email_user": tenant.admin_email_user.map(id) })).into_response()
}

async fn user(State(state): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let tenant = state.tenant();
    match parse_id(&id).and_then(|id| tenant.index_of(id)) {
        Some(i) => axum::Json(json!({ "data": render_user(&tenant.users[i], &[], true), "writes": state.stats().writes_per_user.get(&tenant.users[i].id_hex()).copied().unwrap_or(0) })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/__sim/objects?holder=<user ID>[&type=TASK]`: the objects pointing at a user (every kind, or
/// one), as the API renders them; no auth, no faults.
async fn objects_held(State(state): State<Arc<SimState>>, uri: Uri) -> Response {
    use super::objects::ObjKind;
    let params: Vec<(String, String)> =
        uri.query().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let param = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let Some(holder) = param("holder").and_then(parse_id) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "holder=<user ID> is required").into_response();
    };
    let kinds: Vec<ObjKind> = match param("type") {
        None => ObjKind::ALL.to_vec(),
        Some(code) => match ObjKind::parse(code) {
            Some(kind) => vec![kind],
            None => {
                return (StatusCode::UNPROCESSABLE_ENTITY, format!("unknown type {code:?}"))
                    .into_response();
            }
        },
    };
    let tenant = state.tenant();
    let mut objects = state.objects();
    let mut data = Vec::new();
    for kind in kinds {
        data.extend(
            objects.held_by(&tenant, holder, kind).into_iter().map(super::object_api::render),
        );
    }
    axum::Json(json!({ "data": data })).into_response()
}

/// `/__sim/objects/<ID>`: one object made so far.
async fn object(State(state): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    match parse_id(&id).and_then(|id| state.objects().get(id).map(super::object_api::render)) {
        Some(value) => axum::Json(json!({ "data": value })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
