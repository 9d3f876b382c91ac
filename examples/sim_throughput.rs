//! Measures the simulator on loopback: requests per second with no latency, and how long the
//! client's listing of a 100,000-user tenant takes. Bounded: a fixed number of requests.
//!
//! Run: `cargo run --release --example sim_throughput`

use std::sync::Arc;
use std::time::Instant;

use futures::{StreamExt, stream};
use wf_offboard::sim::{self, Credentials, Faults, Tenant};

const REQUESTS: usize = 20_000;
const CONNECTIONS: usize = 32;

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tenant = Tenant::generate(1_000, 1).expect("tenant");
    let faults = Faults { max_in_flight: 1_000, ..Faults::default() };
    let server = sim::start(
        "127.0.0.1:0",
        tenant,
        Credentials {
            api_key: "k".into(),
            password: "p".into(),
            oauth: None,
            ..Default::default()
        },
        faults,
    )
    .await
    .expect("sim");
    let http = reqwest::Client::new();
    let url = Arc::new(format!("{}/attask/api/v22.0/user/search?ID=$$USER.ID", server.base_url));
    let started = Instant::now();
    let ok = stream::iter(0..REQUESTS)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                http.get(url.as_str())
                    .header("apiKey", "k")
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
        .buffer_unordered(CONNECTIONS)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "small searches: {ok}/{REQUESTS} ok in {secs:.2}s = {:.0} requests/s ({CONNECTIONS} connections, client in the same process)",
        ok as f64 / secs
    );
    server.stop().await;

    let started = Instant::now();
    let tenant = Tenant::generate(100_000, 2).expect("tenant");
    println!("100,000-user tenant generated in {:.2?}", started.elapsed());
    let server = sim::start(
        "127.0.0.1:0",
        tenant,
        Credentials {
            api_key: "k".into(),
            password: "p".into(),
            oauth: None,
            ..Default::default()
        },
        Faults::default(),
    )
    .await
    .expect("sim");
    for concurrency in [1, 10] {
        let pacing = wf_offboard::workfront::Pacing::new(
            10_000.try_into().unwrap(),
            concurrency,
            Default::default(),
        );
        let root = format!("{}/attask/api/v22.0/", server.base_url).parse().unwrap();
        let client = wf_offboard::workfront::Client::new(root)
            .unwrap()
            .with_auth(wf_offboard::workfront::Auth::ApiKey(wf_offboard::secret::Secret::new("k")));
        let started = Instant::now();
        let check =
            wf_offboard::directory::CallerCheck { allow_partial: false, credential: "an API key" };
        let (dir, _) = wf_offboard::directory::fetch_directory(
            &client,
            &Default::default(),
            &pacing,
            &indicatif::ProgressBar::hidden(),
            check,
        )
        .await
        .expect("listing");
        println!(
            "listing {} users (50 pages of 2000, concurrency {concurrency}): {:.2?}",
            dir.total,
            started.elapsed()
        );
    }
    server.stop().await;
}
