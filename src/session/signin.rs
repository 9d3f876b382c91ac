//! Signing in: the password prompt (before anything starts) and the client for the run's
//! credential.

use std::future::Future;

use crate::secret::Secret;
use crate::settings::{AuthSource, RunSettings};
use crate::workfront::{Auth, Client, Pacing};

/// Why a run stopped before it had a plan.
#[derive(Debug)]
pub enum Stopped {
    Fatal(String),
    /// Ctrl-C or SIGTERM while signing in or listing.
    Interrupted,
}

/// The password for `--username` sign-in, asked on the terminal now if env has none. Called
/// before any lock or request, and before Ctrl-C is caught: Ctrl-C at the prompt simply ends
/// the process, with nothing started.
pub fn ask_password(run: &RunSettings) -> Result<Option<Secret>, String> {
    let AuthSource::Password { username, password } = &run.auth else { return Ok(None) };
    match password {
        Some(p) => Ok(Some(p.clone())),
        None if crate::console::Console::stdin_is_terminal() => {
            let typed = rpassword::prompt_password(format!("Workfront password for {username}: "))
                .map_err(|e| format!("cannot read the password: {e}"))?;
            Ok(Some(Secret::new(typed)))
        }
        None => {
            Err("no password: set env WORKFRONT_PASSWORD (there is no terminal to prompt on)"
                .into())
        }
    }
}

/// Signs in, unless `interrupt` fires first.
pub async fn sign_in_or_stop(
    run: &RunSettings,
    pacing: &Pacing,
    password: Option<Secret>,
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<Client, Stopped> {
    let opened = async {
        let client = sign_in(run, pacing, password).await?;
        Ok::<_, String>(client)
    };
    tokio::select! {
        opened = opened => opened.map_err(Stopped::Fatal),
        () = interrupt => {
            pacing.cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
            Err(Stopped::Interrupted)
        }
    }
}

pub use crate::directory::refused;

/// Builds the client and signs in. A dry run signs in with `login` (a session), since
/// `generateApiKey` could create a key, and a dry run changes nothing. `password` comes from
/// [`ask_password`].
pub async fn sign_in(
    run: &RunSettings,
    pacing: &Pacing,
    password: Option<Secret>,
) -> Result<Client, String> {
    let client = Client::new(run.connection.api_root.clone())?;
    let username = match &run.auth {
        AuthSource::ApiKey(key) => return Ok(client.with_auth(Auth::ApiKey(key.clone()))),
        AuthSource::OAuth(config) => {
            let host = &run.connection.host;
            return client
                .with_oauth(config.clone())
                .await
                .map_err(|e| format!("signing in to {host} with OAuth2 failed: {e}"));
        }
        AuthSource::Ims(config) => {
            return client
                .with_ims(config.clone())
                .await
                .map_err(|e| format!("signing in with Adobe IMS failed: {e}"));
        }
        AuthSource::Password { username, .. } => username,
    };
    let Some(password) = password else {
        return Err(
            "no password: set env WORKFRONT_PASSWORD (there is no terminal to prompt on)".into()
        );
    };
    let attempted = if run.dry_run {
        pacing.send(|| client.login(username, &password)).await.result.map(Auth::Session)
    } else {
        pacing
            .send(|| client.existing_or_new_api_key(username, &password))
            .await
            .result
            .map(Auth::ApiKey)
    };
    let auth = attempted.map_err(|e| {
        format!(
            "signing in to {} as {username} failed: {e}\npassword sign-in through the API is gone on tenants on the Adobe Business Platform (all of them since 2026): sign in with an Adobe Developer Console credential (--ims-client-id, see the README), a Workfront OAuth2 application (--client-id), or an API key from Setup > System > Customer Info (env WORKFRONT_API_KEY)",
            run.connection.host
        )
    })?;
    Ok(client.with_auth(auth))
}
