//! The simulator's shared state: the tenant, credentials, fault settings and what it saw.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde::Serialize;

use super::tenant::Tenant;
use crate::rng::mix;

/// Limits and faults; every field is a `wf-offboard sim` flag.
#[derive(Debug, Clone)]
pub struct Faults {
    /// Requests in flight before the next one gets 429 (Workfront documented 10 per customer).
    pub max_in_flight: usize,
    /// Added to every API request while it counts as in flight.
    pub latency: Duration,
    /// Uniform extra latency in `0..=jitter`.
    pub jitter: Duration,
    /// Fraction of API requests answered 500 or 502.
    pub error_rate: f64,
    /// Fraction of API requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Fraction of single-user updates answered 200 with the new state but never stored: the
    /// case the client's read-after-write check exists for.
    pub lost_write_rate: f64,
    /// Fraction of reads by ID (`GET user?id=`, `user/<ID>`, `user/search?ID=…`) answered
    /// 500: the read-after-write check meets a server that cannot answer it.
    pub read_error_rate: f64,
    /// Fraction of updates stored and then answered by a dropped connection: the write is
    /// done, its answer is lost.
    pub lost_answer_rate: f64,
    /// Seeds jitter, faults and the unstable order so a run can be repeated.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            max_in_flight: 10,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            error_rate: 0.0,
            drop_rate: 0.0,
            lost_write_rate: 0.0,
            read_error_rate: 0.0,
            lost_answer_rate: 0.0,
            seed: 1,
        }
    }
}

/// Credentials the simulated tenant accepts.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The API user's API key, accepted in the `apiKey` header or query parameter.
    pub api_key: String,
    /// The API user's password, for `login` and `generateApiKey`.
    pub password: String,
    /// The OAuth2 application, if the tenant has one (`/integrations/oauth2/…/jwt/exchange`).
    pub oauth: Option<super::apps::OAuthApp>,
    /// The Adobe Developer Console credential, if the organisation has one (`/ims/token/v3`).
    pub ims: Option<super::apps::ImsApp>,
    /// Accept `login` and password API-key requests, as tenants did before every organisation
    /// moved to the Adobe Business Platform; refused by default, as on every current tenant.
    pub legacy_login: bool,
}

/// Everything a handler needs; shared behind an `Arc`.
#[derive(Debug)]
pub struct SimState {
    pub(crate) tenant: RwLock<Tenant>,
    pub(crate) credentials: Credentials,
    pub(crate) faults: Faults,
    /// The IMS credential's technical account user, if the organisation has a credential.
    pub technical_account: Option<u128>,
    /// Session IDs from `login` (no expiry) and OAuth2 access tokens (expiring).
    pub(crate) sessions: Mutex<HashMap<String, Option<std::time::Instant>>>,
    /// IMS access tokens and when they expire.
    pub(crate) bearers: Mutex<HashMap<String, std::time::Instant>>,
    /// The API user still has an API key (`getApiKey` answers it; after `clearApiKey`, "").
    pub(crate) has_api_key: std::sync::atomic::AtomicBool,
    pub(crate) in_flight: AtomicUsize,
    /// Seconds added to the wall clock (`POST /__sim/clock?advance_secs=N`).
    pub(crate) clock_offset: std::sync::atomic::AtomicI64,
    /// Scheduled deactivations by due time (seconds): user IDs, checked against the user.
    pub(crate) due: Mutex<BTreeMap<i64, Vec<u128>>>,
    pub(crate) sequence: AtomicU64,
    /// Tasks, issues, projects, reports, … made as users are asked about.
    pub(crate) objects: Mutex<super::objects::Objects>,
    stats: Mutex<Stats>,
}

/// What the server saw, as `/__sim/stats` reports it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stats {
    /// Every request under `/attask`, including refused ones.
    pub requests: u64,
    /// Requests by kind: `search`, `count`, `get`, `update`, `bulk_update`, `login`,
    /// `api_key`, `other`.
    pub by_kind: BTreeMap<String, u64>,
    /// Requests whose effective method (after any `method=` override) is PUT, POST or DELETE,
    /// other than `login`, which only opens a session and changes no object.
    pub mutating_requests: u64,
    /// The most API requests in flight at one moment.
    pub max_in_flight: u64,
    /// Requests refused with 429 for exceeding the concurrency cap.
    pub rejected_429: u64,
    /// Injected 500/502 answers.
    pub injected_errors: u64,
    /// Connections closed without an answer.
    pub dropped_connections: u64,
    /// Requests refused with 401.
    pub unauthorized: u64,
    /// Updates acknowledged but deliberately not stored (`--lost-write-rate`).
    pub lost_writes: u64,
    /// Reads by ID refused with 500 (`--read-error-rate`).
    pub failed_reads: u64,
    /// Updates stored whose answer was dropped (`--lost-answer-rate`).
    pub lost_answers: u64,
    /// Successful writes per user ID.
    pub writes_per_user: BTreeMap<String, u64>,
    /// OAuth2 JWTs exchanged for access tokens.
    pub token_exchanges: u64,
    /// Requests refused because their OAuth2 access token had expired.
    pub expired_sessions: u64,
    /// IMS access tokens issued.
    pub ims_tokens: u64,
    /// Requests refused because their IMS token had expired.
    pub expired_bearers: u64,
    /// API keys handed out by `getApiKey`, and made by `generateApiKey` (which rotates it).
    pub api_keys_got: u64,
    pub api_keys_generated: u64,
    /// True once any request carried an `apiKey` in its URL.
    pub api_key_in_url: bool,
    /// True once any request carried a `password` or `sessionID` in its URL.
    pub secret_in_url: bool,
}

/// Held while a request counts against the concurrency cap; releases its slot when dropped,
/// including when a dropped connection cancels the handler.
pub(crate) struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the fault injector decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    ServerError(u16),
    Drop,
}

impl SimState {
    /// State for a tenant with the given credentials and faults.
    pub fn new(mut tenant: Tenant, credentials: Credentials, faults: Faults) -> Self {
        let technical_account = credentials.ims.as_ref().map(|app| {
            tenant.add_technical_account(
                &super::tenant::technical_account_username(&app.client_id),
                app.admin,
            )
        });
        SimState {
            tenant: RwLock::new(tenant),
            credentials,
            faults,
            technical_account,
            sessions: Mutex::new(HashMap::new()),
            bearers: Mutex::new(HashMap::new()),
            has_api_key: std::sync::atomic::AtomicBool::new(true),
            clock_offset: std::sync::atomic::AtomicI64::new(0),
            due: Mutex::new(BTreeMap::new()),
            in_flight: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
            objects: Mutex::new(super::objects::Objects::default()),
            stats: Mutex::new(Stats::default()),
        }
    }

    /// A copy of the statistics so far.
    pub fn stats(&self) -> Stats {
        self.stats_mut().clone()
    }

    /// Clears the statistics (the tenant is unchanged).
    pub fn reset_stats(&self) {
        *self.stats_mut() = Stats::default();
    }

    /// The simulator's clock, in seconds since the epoch.
    pub fn now(&self) -> i64 {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        wall + self.clock_offset.load(Ordering::SeqCst)
    }

    /// Moves the simulator's clock forward, then carries out what fell due.
    pub fn advance_clock(&self, secs: i64) {
        self.clock_offset.fetch_add(secs, Ordering::SeqCst);
        self.deactivate_due();
    }

    /// Remembers that `user` is scheduled for `at`.
    pub(crate) fn schedule(&self, user: u128, at: i64) {
        self.due.lock().unwrap_or_else(|p| p.into_inner()).entry(at).or_default().push(user);
    }

    /// Deactivates every user whose scheduled moment has passed (and is still the one stored:
    /// a schedule changed or cleared since is skipped).
    pub(crate) fn deactivate_due(&self) {
        let now = self.now();
        let ready: Vec<(i64, u128)> = {
            let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            let later = due.split_off(&(now + 1));
            let ready = std::mem::replace(&mut *due, later);
            ready
                .into_iter()
                .flat_map(|(at, users)| users.into_iter().map(move |u| (at, u)))
                .collect()
        };
        if ready.is_empty() {
            return;
        }
        let mut tenant = self.tenant_mut();
        for (at, id) in ready {
            if let Some(i) = tenant.index_of(id)
                && tenant.users[i].scheduled.as_ref().is_some_and(|(_, when)| *when == at)
            {
                tenant.users[i].is_active = false;
                tenant.users[i].scheduled = None;
                tenant.users[i].access_level = None;
            }
        }
    }

    pub(crate) fn sessions_mut(
        &self,
    ) -> MutexGuard<'_, HashMap<String, Option<std::time::Instant>>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn bearers_mut(&self) -> MutexGuard<'_, HashMap<String, std::time::Instant>> {
        self.bearers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every IMS access token issued so far (for tests that check none leaked).
    pub fn ims_tokens(&self) -> Vec<String> {
        self.bearers_mut().keys().cloned().collect()
    }

    /// Revokes every IMS token, as IMS may at any time: the next request with one gets a 401.
    pub fn revoke_ims_tokens(&self) {
        for expiry in self.bearers_mut().values_mut() {
            *expiry = std::time::Instant::now();
        }
    }

    /// Forgets the API user's API key, as `clearApiKey` does: `getApiKey` then answers "".
    pub fn clear_api_key(&self) {
        self.has_api_key.store(false, Ordering::SeqCst);
    }

    pub(crate) fn stats_mut(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read access to the tenant (a poisoned lock still holds consistent data: every writer
    /// finishes its change before anything can panic).
    pub fn tenant(&self) -> std::sync::RwLockReadGuard<'_, Tenant> {
        self.tenant.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Write access to the tenant: for the handlers, and for tests that change a user behind
    /// the API's back (make someone an administrator, delete them).
    /// The objects, locked (take the tenant's lock first when both are needed).
    pub(crate) fn objects(&self) -> MutexGuard<'_, super::objects::Objects> {
        self.objects.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn tenant_mut(&self) -> std::sync::RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a concurrency slot, or `None` when the cap is reached (the caller answers 429).
    pub(crate) fn enter(&self) -> Option<InFlight<'_>> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let guard = InFlight(&self.in_flight);
        if now > self.faults.max_in_flight {
            return None;
        }
        let mut stats = self.stats_mut();
        stats.max_in_flight = stats.max_in_flight.max(now as u64);
        Some(guard)
    }

    /// The next request's sequence number; every per-request decision derives from it.
    pub(crate) fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::SeqCst)
    }

    /// A repeatable value in `[0, 1)` for request `seq` and decision `salt`.
    pub(crate) fn draw(&self, seq: u64, salt: u64) -> f64 {
        let bits = mix(self.faults.seed ^ mix(seq.wrapping_mul(31).wrapping_add(salt)));
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The latency for request `seq`.
    pub(crate) fn latency(&self, seq: u64) -> Duration {
        self.faults.latency + self.faults.jitter.mul_f64(self.draw(seq, 1))
    }

    /// The fault, if any, for request `seq`.
    pub(crate) fn fault(&self, seq: u64) -> Fault {
        let roll = self.draw(seq, 2);
        if roll < self.faults.drop_rate {
            Fault::Drop
        } else if roll < self.faults.drop_rate + self.faults.error_rate {
            Fault::ServerError(if seq.is_multiple_of(2) { 500 } else { 502 })
        } else {
            Fault::None
        }
    }

    /// Is read-by-ID request `seq` refused with a 500?
    pub(crate) fn fails_read(&self, seq: u64) -> bool {
        self.draw(seq, 4) < self.faults.read_error_rate
    }

    /// Is update `seq` stored but its answer dropped?
    pub(crate) fn loses_answer(&self, seq: u64) -> bool {
        self.draw(seq, 5) < self.faults.lost_answer_rate
    }

    /// Does request `seq`'s write get lost?
    pub(crate) fn loses_write(&self, seq: u64) -> bool {
        self.draw(seq, 3) < self.faults.lost_write_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(faults: Faults) -> SimState {
        let creds = Credentials {
            api_key: "k".into(),
            password: "p".into(),
            oauth: None,
            ..Default::default()
        };
        SimState::new(Tenant::generate(10, 1).unwrap(), creds, faults)
    }

    #[test]
    fn cap_refuses_the_request_past_the_limit_and_frees_slots() {
        let s = state(Faults { max_in_flight: 2, ..Faults::default() });
        let a = s.enter().unwrap();
        let _b = s.enter().unwrap();
        assert!(s.enter().is_none());
        drop(a);
        assert!(s.enter().is_some());
        assert_eq!(s.stats().max_in_flight, 2);
    }

    #[test]
    fn faults_repeat_for_the_same_seed_and_follow_the_rates() {
        let f = Faults { error_rate: 0.2, drop_rate: 0.1, seed: 42, ..Faults::default() };
        let (a, b) = (state(f.clone()), state(f));
        let run = |s: &SimState| (0..1000).map(|i| s.fault(i)).collect::<Vec<_>>();
        let seq = run(&a);
        assert_eq!(seq, run(&b));
        let drops = seq.iter().filter(|f| **f == Fault::Drop).count();
        let errors = seq.iter().filter(|f| matches!(f, Fault::ServerError(_))).count();
        assert!((60..140).contains(&drops), "{drops}");
        assert!((150..250).contains(&errors), "{errors}");
    }
}
