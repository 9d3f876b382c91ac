//! Why a request failed, in the terms the retry loop and the report need.

use std::time::Duration;

/// Why a request failed, in the terms the retry loop and the report need.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ApiError {
    /// The HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// Workfront's exception class, when the body had one.
    pub class: Option<String>,
    /// Workfront's message, or what went wrong on the way.
    pub message: String,
    /// The server's Retry-After, if it sent one.
    pub retry_after: Option<Duration>,
    /// The host could not be reached at all (refused, no such host, not TLS, a request that
    /// could not be built): before the server ever answered, worth only a second quick try.
    pub unreachable: bool,
}

impl ApiError {
    /// A 200 answer whose data should have been a list (a search) and was not.
    pub(super) fn not_a_list(what: &str) -> Self {
        ApiError {
            status: Some(200),
            class: None,
            message: format!("{what} answer was not a list"),
            retry_after: None,
            unreachable: false,
        }
    }

    pub(super) fn transport(e: &reqwest::Error) -> Self {
        let place = e
            .url()
            .map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or("?"),
                    u.port_or_known_default().unwrap_or(0)
                )
            })
            .unwrap_or_default();
        let host = e.url().and_then(|u| u.host_str()).unwrap_or("the host").to_string();
        let mut chain = String::new();
        let mut refused = false;
        let mut source = std::error::Error::source(e);
        while let Some(inner) = source {
            chain = inner.to_string();
            if let Some(io) = inner.downcast_ref::<std::io::Error>() {
                refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
            }
            refused |= chain.contains("Connection refused");
            source = inner.source();
        }
        let unreachable = |message: String| ApiError {
            status: None,
            class: None,
            message,
            retry_after: None,
            unreachable: true,
        };
        if e.is_builder() {
            return unreachable(format!(
                "the request could not be built ({chain}): check the credentials and --base-url"
            ));
        }
        if e.is_connect() {
            let lower = format!("{e} {chain}").to_lowercase();
            if refused {
                return unreachable(format!(
                    "nothing is listening at {place} (connection refused)"
                ));
            }
            if lower.contains("dns")
                || lower.contains("lookup")
                || lower.contains("name or service not known")
            {
                return unreachable(format!("no such host {host}: check --domain or --base-url"));
            }
            if lower.contains("tls")
                || lower.contains("corrupt message")
                || lower.contains("invalidcontenttype")
                || lower.contains("handshake")
            {
                return unreachable(format!(
                    "the server at {place} does not speak TLS ({chain}): use http:// only for a local simulator"
                ));
            }
        }
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "connection closed without an answer"
        };
        let message = if chain.is_empty() { kind.to_string() } else { format!("{kind}: {chain}") };
        ApiError { status: None, class: None, message, retry_after: None, unreachable: false }
    }

    /// Worth trying again: throttling, server trouble or a lost connection.
    pub fn is_transient(&self) -> bool {
        matches!(self.status, None | Some(429 | 500 | 502 | 503 | 504))
    }

    /// The key or session was refused.
    pub fn is_auth(&self) -> bool {
        self.status == Some(401)
    }

    fn describe(&self) -> String {
        let short_class = self.class.as_deref().map(|c| c.rsplit('.').next().unwrap_or(c));
        match (self.status, short_class) {
            (Some(s), Some(c)) => format!("HTTP {s} {c}: {}", self.message),
            (Some(s), None) => format!("HTTP {s}: {}", self.message),
            (None, _) => self.message.clone(),
        }
    }
}
