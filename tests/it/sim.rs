//! The simulator behaves like Workfront, traps included.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};
use wf_offboard::sim::Faults;

use crate::util::{api, calm, get_json, http, put_inactive, start_sim, users};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorted_paging_tiles_the_directory_and_unsorted_paging_does_not() {
    let sim = start_sim(1_000, 5, calm()).await;
    let mut sorted = Vec::new();
    let mut unsorted = Vec::new();
    for first in (0..1_000).step_by(100) {
        let (_, page) =
            get_json(&sim, &format!("user/search?$$FIRST={first}&$$LIMIT=100&ID_Sort=asc")).await;
        sorted.extend(
            page["data"].as_array().unwrap().iter().map(|u| u["ID"].as_str().unwrap().to_string()),
        );
        let (_, page) = get_json(&sim, &format!("user/search?$$FIRST={first}&$$LIMIT=100")).await;
        unsorted.extend(
            page["data"].as_array().unwrap().iter().map(|u| u["ID"].as_str().unwrap().to_string()),
        );
    }
    let expected: Vec<String> = users(&sim).iter().map(|u| u.id_hex()).collect();
    assert_eq!(sorted, expected, "ID_Sort=asc pages cover every user once, in order");
    let distinct: HashSet<&String> = unsorted.iter().collect();
    assert_eq!(unsorted.len(), 1_000);
    assert!(
        distinct.len() < 1_000,
        "unsorted paging must show duplicates and misses, as Adobe warns"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_cap_default_page_count_and_filters() {
    let sim = start_sim(700, 6, calm()).await;
    let (status, body) = get_json(&sim, "user/search?$$LIMIT=2001").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["class"], "com.attask.common.IllegalArgumentException");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2001 is greater than the maximum allowed limit of 2000")
    );
    let (_, body) = get_json(&sim, "USER/search").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 100, "default page is 100");
    let (_, body) = get_json(&sim, "user/count").await;
    assert_eq!(body, json!({"data": {"count": 700}}));
    let inactive = users(&sim).iter().filter(|u| !u.is_active).count();
    let (_, body) = get_json(&sim, "user/count?isActive=false").await;
    assert_eq!(body["data"]["count"], inactive);
    let (_, body) = get_json(&sim, "user/search?ID=$$USER.ID&fields=username").await;
    assert_eq!(body["data"][0]["username"], sim.api_username());
    let name = users(&sim)[9].username.to_string();
    let (_, body) = get_json(
        &sim,
        &format!("user/count?filters={}", urlencode(&json!({"username": name}).to_string())),
    )
    .await;
    assert_eq!(body["data"]["count"], 1);
    let (status, _) = get_json(&sim, "user/search?nosuchfield=1").await;
    assert_eq!(status, 422);
    let (_, body) = get_json(&sim, "user/search?$$LIMIT=1&ID_Sort=asc").await;
    let user = &body["data"][0];
    assert!(
        user.get("ID").is_some() && user.get("isActive").is_none(),
        "only default fields unless asked: {user}"
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(
            |b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            },
        )
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_header_query_form_and_sign_in() {
    let sim = crate::util::start_legacy_sim(50, 7, calm()).await;
    let client = http();
    let response = client.get(api(&sim, "user/count")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["class"], "com.attask.common.AuthenticationException");
    let wrong = client.get(api(&sim, "user/count")).header("apiKey", "nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(!sim.stats().api_key_in_url);
    let in_query = client
        .get(format!("{}?apiKey={}", api(&sim, "user/count"), sim.api_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(in_query.status(), 200, "the documented query parameter works");
    assert!(sim.stats().api_key_in_url, "and the control endpoint notices the key in the URL");
    let in_form = client
        .post(api(&sim, "user/search"))
        .form(&[("apiKey", sim.api_key()), ("method", "GET")])
        .send()
        .await
        .unwrap();
    assert_eq!(in_form.status(), 401, "an apiKey in a form body is not an authentication");

    let user = sim.api_username();
    let generate = |password: &'static str| {
        let url = format!("{}?action=generateApiKey&method=put", api(&sim, "user"));
        client.put(url).query(&[("username", user.as_str()), ("password", password)]).send()
    };
    let body: Value = generate("pw-for-tests").await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["result"], sim.api_key());
    assert_eq!(generate("wrong").await.unwrap().status(), 401);
    let login: Value = client
        .post(api(&sim, "login"))
        .form(&[("username", user.as_str()), ("password", "pw-for-tests")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = login["data"]["sessionID"].as_str().unwrap();
    let with_session =
        client.get(api(&sim, "user/count")).header("SessionID", session).send().await.unwrap();
    assert_eq!(with_session.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_in_every_documented_form_and_the_put_form_body_trap() {
    let sim = start_sim(60, 8, calm()).await;
    let client = http();
    let active: Vec<String> = users(&sim)
        .iter()
        .filter(|u| u.is_active && !u.is_admin)
        .map(|u| u.id_hex())
        .take(5)
        .collect();
    let key = sim.api_key().to_string();
    let put = |id: &str| client.put(api(&sim, &format!("user/{id}"))).header("apiKey", key.clone());

    let body: Value = put(&active[0])
        .query(&[("updates", r#"{"isActive":"false"}"#), ("fields", "isActive")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["isActive"], false);
    assert!(!crate::util::is_active(&sim, &active[0]));

    put(&active[1]).json(&json!({"isActive": false})).send().await.unwrap();
    assert!(!crate::util::is_active(&sim, &active[1]), "JSON body with a boolean");

    let trap = put(&active[2]).form(&[("updates", r#"{"isActive":false}"#)]).send().await.unwrap();
    assert_eq!(trap.status(), 200, "a PUT's form body answers 200 …");
    assert!(crate::util::is_active(&sim, &active[2]), "… and changes nothing, as on Workfront");

    let post = client
        .post(api(&sim, &format!("user/{}", active[3])))
        .header("apiKey", key.clone())
        .form(&[("method", "PUT"), ("isActive", "False")]);
    assert_eq!(post.send().await.unwrap().status(), 200);
    assert!(!crate::util::is_active(&sim, &active[3]), "POST with method=PUT reads form fields");

    let get = client
        .get(api(&sim, &format!("user/{}", active[4])))
        .header("apiKey", key.clone())
        .query(&[("method", "put"), ("updates", r#"{"isActive":false}"#)]);
    assert_eq!(get.send().await.unwrap().status(), 200);
    assert!(!crate::util::is_active(&sim, &active[4]), "GET with method=put is a write");

    let missing = "0".repeat(32);
    let response =
        put(&missing).query(&[("updates", r#"{"isActive":false}"#)]).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        format!("User with primary key value(s) \"{missing}\" not found")
    );
    let malformed = put(&active[0]).query(&[("updates", "{isActive:")]).send().await.unwrap();
    assert_eq!(malformed.status(), 422);
    let stats = sim.stats();
    assert_eq!(stats.mutating_requests, 7);
    assert_eq!(stats.writes_per_user.get(&active[0]), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_email_user_cannot_be_deactivated_and_a_deactivated_api_user_is_locked_out() {
    let sim = start_sim(40, 9, calm()).await;
    let tenant: Value = http()
        .get(format!("{}/__sim/tenant", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin_email = tenant["admin_email_user"].as_str().unwrap().to_string();
    let response = put_inactive(&sim, &admin_email).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Admin Email user"));
    assert!(crate::util::is_active(&sim, &admin_email));

    let api_user = tenant["api_user"].as_str().unwrap();
    let response = put_inactive(&sim, api_user).await;
    assert_eq!(response.status(), 200);
    let (status, _) = get_json(&sim, "user/count").await;
    assert_eq!(status, 401, "a key whose user is inactive no longer works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_updates_cap_atomic_and_partial() {
    let sim = start_sim(300, 10, calm()).await;
    let client = http();
    let ids: Vec<String> =
        users(&sim).iter().filter(|u| u.is_active && !u.is_admin).map(|u| u.id_hex()).collect();
    let bulk = |items: Vec<Value>, atomic: bool| {
        let updates = Value::Array(items).to_string();
        let mut query = vec![("updates", updates)];
        if atomic {
            query.push(("atomic", "true".into()));
        }
        client.put(api(&sim, "user")).header("apiKey", sim.api_key()).query(&query).send()
    };
    let item = |id: &str| json!({"ID": id, "isActive": false});

    let too_many: Vec<Value> = ids.iter().take(101).map(|id| item(id)).collect();
    assert_eq!(bulk(too_many, true).await.unwrap().status(), 422);

    let missing = "0".repeat(32);
    let with_bad = vec![item(&ids[0]), item(&missing), item(&ids[1])];
    assert_eq!(bulk(with_bad.clone(), true).await.unwrap().status(), 404);
    assert!(crate::util::is_active(&sim, &ids[0]), "atomic: nothing applied when one item fails");

    let body: Value =
        bulk(vec![item(&ids[2]), item(&ids[3])], true).await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"data": {"success": true}}));
    assert!(!crate::util::is_active(&sim, &ids[2]) && !crate::util::is_active(&sim, &ids[3]));

    assert_eq!(bulk(with_bad, false).await.unwrap().status(), 404);
    assert!(
        !crate::util::is_active(&sim, &ids[0]),
        "not atomic: items before the failure stay applied"
    );
    assert!(crate::util::is_active(&sim, &ids[1]), "not atomic: items after the failure are not");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_answers_429_without_retry_after() {
    let faults =
        Faults { max_in_flight: 3, latency: Duration::from_millis(150), ..Faults::default() };
    let sim = start_sim(20, 11, faults).await;
    let client = http();
    let requests =
        (0..10).map(|_| client.get(api(&sim, "user/count")).header("apiKey", sim.api_key()).send());
    let responses = futures::future::join_all(requests).await;
    let mut refused = 0;
    for response in responses {
        let response = response.unwrap();
        if response.status() == 429 {
            assert!(response.headers().get("retry-after").is_none());
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["message"], "Too many concurrent API requests");
            refused += 1;
        }
    }
    assert_eq!(refused, 7);
    let stats = sim.stats();
    assert_eq!((stats.max_in_flight, stats.rejected_429), (3, 7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_seeded_and_repeatable() {
    let faults = Faults { error_rate: 0.25, drop_rate: 0.1, seed: 77, ..Faults::default() };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = start_sim(20, 1, faults.clone()).await;
        let mut seen = Vec::new();
        for _ in 0..40 {
            // A fresh client each time: a dropped connection must not poison the next request.
            let response =
                http().get(api(&sim, "user/count")).header("apiKey", sim.api_key()).send().await;
            seen.push(response.map(|r| r.status().as_u16()).unwrap_or(0));
        }
        let stats = sim.stats();
        assert_eq!(stats.injected_errors as usize, seen.iter().filter(|s| **s >= 500).count());
        assert_eq!(stats.dropped_connections as usize, seen.iter().filter(|s| **s == 0).count());
        runs.push(seen);
    }
    assert_eq!(runs[0], runs[1], "the same seed repeats the same faults");
    assert!(runs[0].contains(&0) && runs[0].iter().any(|s| *s >= 500) && runs[0].contains(&200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_endpoint_reports_what_the_server_saw() {
    let sim = start_sim(30, 12, calm()).await;
    let id = users(&sim).iter().find(|u| u.is_active && !u.is_admin).unwrap().id_hex();
    get_json(&sim, "user/count").await;
    put_inactive(&sim, &id).await;
    let stats: Value = http()
        .get(format!("{}/__sim/stats", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 2);
    assert_eq!(stats["by_kind"]["count"], 1);
    assert_eq!(stats["by_kind"]["update"], 1);
    assert_eq!(stats["mutating_requests"], 1);
    assert_eq!(stats["writes_per_user"][&id], 1);
    assert_eq!(stats["api_key_in_url"], false);
    let user: Value = http()
        .get(format!("{}/__sim/users/{id}", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["data"]["isActive"], false);
    let listed: Value = http()
        .get(format!("{}/__sim/users?isActive=false", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed["data"].as_array().unwrap().iter().any(|u| u["ID"] == id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_file_loads_a_tenant() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/tenant.csv");
    let tenant = wf_offboard::sim::Tenant::load_csv(&path).expect("the sample tenant loads");
    assert_eq!(tenant.users.len(), 10);
    assert!(tenant.admin_email_user.is_some());
    let dir = tempfile::tempdir().unwrap();
    let bad = crate::util::write(
        dir.path(),
        "t.csv",
        "ID,firstName,lastName,username,emailAddr,isActive,isAdmin,licenseType,role\n,A,B,a,a@x,maybe,false,F,api_user\n",
    );
    let err = wf_offboard::sim::Tenant::load_csv(&bad).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("maybe"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_are_searched_read_and_updated_with_workfronts_envelopes_and_refusals() {
    let sim = start_sim(300, 12, calm()).await;
    let holder = users(&sim).into_iter().find(|u| u.is_active && u.work.open_tasks > 0).unwrap();
    let other = users(&sim).into_iter().find(|u| u.is_active && u.id != holder.id).unwrap();
    let (status, found) = get_json(
        &sim,
        &format!("task/search?assignedToID={}&status=CPL&status_Mod=ne", holder.id_hex()),
    )
    .await;
    assert_eq!(status, 200);
    let tasks = found["data"].as_array().unwrap();
    assert_eq!(tasks.len(), usize::from(holder.work.open_tasks));
    let task = tasks[0]["ID"].as_str().unwrap().to_string();
    assert_eq!(
        (tasks[0]["objCode"].as_str(), tasks[0]["status"].as_str()),
        (Some("TASK"), Some("INP"))
    );
    let (status, one) = get_json(&sim, &format!("task/{task}")).await;
    assert_eq!(
        (status, one["data"]["ID"].as_str()),
        (200, Some(task.as_str())),
        "a get by ID answers an object"
    );
    let (status, count) =
        get_json(&sim, &format!("OPTASK/count?assignedToID={}", holder.id_hex())).await;
    assert_eq!(
        (status, count["data"]["count"].as_u64()),
        (200, Some(u64::from(holder.work.open_issues + holder.work.closed_issues)))
    );
    assert_eq!(get_json(&sim, "task/search").await.0, 422, "no unfiltered listing");
    assert_eq!(
        get_json(&sim, &format!("task/search?projectID={}", holder.id_hex())).await.0,
        422,
        "unknown filters are refused"
    );

    let sim = &sim;
    let put = |path: String, updates: Value| async move {
        let response = http()
            .put(api(sim, &path))
            .header("apiKey", sim.api_key())
            .query(&[("updates", updates.to_string())])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap())
    };
    let (status, body) = put(format!("task/{task}"), json!({"ID": other.id_hex()})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("read-only"));
    assert_eq!(put(format!("task/{task}"), json!({"status": "CPL"})).await.0, 422);
    assert_eq!(
        put(format!("task/{task}"), json!({"assignedToID": "f".repeat(32)})).await.0,
        422,
        "a user field naming nobody"
    );
    assert_eq!(
        put(format!("task/{}", "e".repeat(32)), json!({"assignedToID": other.id_hex()})).await.0,
        404
    );
    let routes = format!("rrul/search?defaultAssignedToID={}", holder.id_hex());
    assert_eq!(get_json(sim, &routes).await.0, 200);
    let (status, moved) =
        put(format!("task/{task}"), json!({"assignedToID": other.id_hex()})).await;
    assert_eq!(
        (status, moved["data"]["assignedToID"].as_str()),
        (200, Some(other.id_hex().as_str()))
    );
    let view: Value = http()
        .get(format!("{}/__sim/objects/{task}", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        view["data"]["assignedToID"].as_str(),
        Some(other.id_hex().as_str()),
        "the change sticks"
    );
    assert_eq!(sim.stats().by_kind["object_update"], 5);
}
