//! A local Workfront: the USER API on loopback, with Workfront's limits and traps.
//!
//! Everything wf-offboard does is rehearsed against this server: the tests, `wf-offboard demo`,
//! the benchmarks, and administrators who want a dry rehearsal. It follows
//! `../shared/workfront-api.md`; where that is unsure, the choice made is written in the doc
//! comment of the module that makes it (`api`, `query`, `state`).
//!
//! Shape (after mini-redis): [`serve`] takes an already-bound listener, the state and a shutdown
//! future, so tests bind `127.0.0.1:0` and run it in-process; [`start`] does that for them.
//!
//! What the server saw is at `GET /__sim/stats` (and [`SimHandle::stats`]); the tenant's users
//! at `GET /__sim/users` (search filters apply) and `GET /__sim/users/<ID>`.

mod api;
mod apps;
mod ims;
mod oauth;
mod object_api;
mod objects;
mod query;
mod reply;
mod request;
mod schedule;
mod server;
mod signin;
mod state;
mod tenant;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;

pub use apps::ImsApp;
pub use oauth::{OAuthApp, public_key_from_pem};
pub use query::{DEFAULT_LIMIT, MAX_LIMIT};
pub use request::MAX_BULK;
pub use server::serve;
pub use state::{Credentials, Faults, SimState, Stats};
pub use tenant::technical_account_username;
pub use tenant::{Tenant, TenantError, User, Work, access_level_for};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The password the simulated API user signs in with unless `--password` says otherwise.
pub const DEFAULT_PASSWORD: &str = "rehearsal-only";

/// The API key a simulator seeded with `seed` accepts unless `--api-key` says otherwise.
pub fn default_api_key(seed: u64) -> String {
    let mut rng = crate::rng::Rng::new(seed ^ 0xA91_CE7);
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

/// A simulator running in this process; stops when dropped or on [`SimHandle::stop`].
pub struct SimHandle {
    /// `http://127.0.0.1:<port>`: what `--base-url` takes.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// Shared with the server: the tenant and the statistics.
    pub state: Arc<SimState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The statistics so far.
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// The API key the tenant accepts.
    pub fn api_key(&self) -> &str {
        &self.state.credentials.api_key
    }

    /// The API user's username (for `--username` sign-in).
    pub fn api_username(&self) -> String {
        let tenant = self.state.tenant();
        let index = tenant.index_of(tenant.api_user).expect("the API user exists");
        tenant.users[index].username.to_string()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` (e.g. `127.0.0.1:0`) and serves `tenant` in a background task.
pub async fn start(
    addr: &str,
    tenant: Tenant,
    credentials: Credentials,
    faults: Faults,
) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(SimState::new(tenant, credentials, faults));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    Ok(SimHandle {
        base_url: format!("http://{addr}"),
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The OAuth2 application from `--oauth-public-key` and friends, if asked for.
fn oauth_app(args: &crate::cli::SimArgs) -> Result<Option<OAuthApp>, String> {
    let Some(path) = &args.oauth_public_key else { return Ok(None) };
    let pem = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(OAuthApp {
        client_id: args.oauth_client_id.clone(),
        client_secret: args.oauth_client_secret.clone(),
        customer_id: args.oauth_customer_id.clone(),
        public_key: public_key_from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?,
        session_ttl: std::time::Duration::from_millis(args.session_ttl_ms),
    }))
}

/// `wf-offboard sim`: builds the tenant, prints how to connect, serves until Ctrl-C.
pub async fn run_command(args: crate::cli::SimArgs) -> crate::exit::Exit {
    use crate::exit::Exit;
    let started = std::time::Instant::now();
    let (tenant, credentials, faults) = match configure(&args) {
        Ok(parts) => parts,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Fatal;
        }
    };
    let users = tenant.users.len();
    let sim = match start(&args.listen, tenant, credentials, faults).await {
        Ok(sim) => sim,
        Err(e) => {
            errln!("error: cannot listen on {}: {e}", args.listen);
            return Exit::Fatal;
        }
    };
    outln!("Workfront simulator: {users} users, ready in {:.2?}", started.elapsed());
    outln!("base URL:   {}", sim.base_url);
    outln!("API key:    {}", sim.api_key());
    outln!("API user:   {} (password via --password)", sim.api_username());
    outln!("stats:      {}/__sim/stats", sim.base_url);
    outln!(
        "try:        WORKFRONT_API_KEY={} wf-offboard deactivate samples/offboarding.csv --base-url {} --dry-run",
        sim.api_key(),
        sim.base_url
    );
    let _ = tokio::signal::ctrl_c().await;
    sim.stop().await;
    Exit::Success
}

/// The tenant, credentials and faults `wf-offboard sim`'s flags ask for, checked.
fn configure(args: &crate::cli::SimArgs) -> Result<(Tenant, Credentials, Faults), String> {
    let tenant = match &args.users_file {
        Some(path) => Tenant::load_csv(path),
        None => Tenant::generate(args.users, args.seed),
    }
    .map_err(|e| e.to_string())?;
    let rates = [
        ("--error-rate", args.error_rate),
        ("--drop-rate", args.drop_rate),
        ("--lost-write-rate", args.lost_write_rate),
        ("--read-error-rate", args.read_error_rate),
        ("--lost-answer-rate", args.lost_answer_rate),
    ];
    if let Some((name, rate)) = rates.iter().find(|(_, rate)| !(0.0..=1.0).contains(rate)) {
        return Err(format!("{name} must be between 0 and 1, not {rate}"));
    }
    let ims = args.ims_client_id.as_ref().map(|client_id| ImsApp {
        client_id: client_id.clone(),
        client_secret: args.ims_client_secret.clone(),
        org_id: args.ims_org_id.clone(),
        ttl: std::time::Duration::from_millis(args.ims_token_ttl_ms),
        admin: args.ims_admin,
    });
    let credentials = Credentials {
        api_key: args.api_key.clone().unwrap_or_else(|| default_api_key(args.seed)),
        password: args.password.clone(),
        oauth: oauth_app(args)?,
        ims,
        legacy_login: args.legacy_login,
    };
    let faults = Faults {
        max_in_flight: args.max_in_flight,
        latency: std::time::Duration::from_millis(args.latency_ms),
        jitter: std::time::Duration::from_millis(args.jitter_ms),
        error_rate: args.error_rate,
        drop_rate: args.drop_rate,
        lost_write_rate: args.lost_write_rate,
        read_error_rate: args.read_error_rate,
        lost_answer_rate: args.lost_answer_rate,
        seed: args.seed,
    };
    Ok((tenant, credentials, faults))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn the_sim_flag_default_is_the_default_password() {
        let cli = crate::cli::Cli::try_parse_from(["wf-offboard", "sim"]).unwrap();
        let crate::cli::Command::Sim(args) = cli.command else { panic!("sim") };
        assert_eq!(args.password, super::DEFAULT_PASSWORD);
        assert_eq!(
            (args.users, args.seed),
            (crate::demo::DEMO_USERS, crate::demo::DEMO_SEED),
            "the sample fits the default tenant"
        );
    }
}
