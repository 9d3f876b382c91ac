//! Leaving dates: scheduled versus immediate by date and time zone, bad dates, and the
//! simulator deactivating scheduled users when their time passes.

use wf_offboard::dates::{time_zone, today};

use crate::util::{calm, deactivate, is_active, leavers, printed, read_report, start_sim, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_dates_are_scheduled_and_today_or_earlier_deactivate_now() {
    let sim = start_sim(300, 91, calm()).await;
    let people = leavers(&sim, 7);
    let utc = time_zone(Some("UTC")).unwrap();
    let now = today(&utc);
    let soon = now.checked_add(jiff::Span::new().days(30)).unwrap();
    let dates = [
        "2020-01-01".to_string(),
        now.to_string(),
        soon.to_string(),
        "31.12.2099".to_string(),
        "03/04/2030".to_string(),
        "2030-02-30".to_string(),
        String::new(),
    ];
    let lines: Vec<String> =
        people.iter().zip(&dates).map(|(u, d)| format!("{},{d}", u.id_hex())).collect();
    let dir = tempfile::tempdir().unwrap();
    let input =
        write(dir.path(), "in.csv", &format!("ID,Last working day\n{}\n", lines.join("\n")));

    let dry = dir.path().join("dry.csv");
    let output = deactivate(&sim, &input, &dry, &["--dry-run", "--timezone", "UTC"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let got: Vec<String> = read_report(&dry).into_iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(
        got,
        [
            "would_deactivate",
            "would_deactivate",
            "would_schedule",
            "would_schedule",
            "invalid",
            "invalid",
            "would_deactivate"
        ]
    );
    assert_eq!(sim.stats().mutating_requests, 0);

    let real = dir.path().join("real.csv");
    let output = deactivate(&sim, &input, &real, &["--yes", "--timezone", "UTC"]).await;
    assert_eq!(output.status.code(), Some(1), "the bad dates need attention: {}", printed(&output));
    let rows = read_report(&real);
    let got: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str()).collect();
    assert_eq!(
        got,
        [
            "deactivated",
            "deactivated",
            "scheduled",
            "scheduled",
            "invalid",
            "invalid",
            "deactivated"
        ]
    );
    // Midnight after the last day, and what Workfront stored, read back.
    let after = soon.tomorrow().unwrap();
    let expected = format!(
        "deactivation scheduled for {after}T00:00:00:000+0000; read back: {after}T00:00:00:000+0000"
    );
    assert_eq!(rows[2]["error"], expected);
    assert!(rows[4]["error"].contains("could be day/month or month/day"), "{}", rows[4]["error"]);
    assert!(rows[5]["error"].contains("not a date in the calendar"));
    assert!(
        is_active(&sim, &people[2].id_hex()) && is_active(&sim, &people[3].id_hex()),
        "scheduled users keep access until then"
    );
    assert!(!is_active(&sim, &people[0].id_hex()) && !is_active(&sim, &people[6].id_hex()));
    assert!(is_active(&sim, &people[4].id_hex()), "an invalid row is not touched");

    // The leaver keeps their last day: still active an hour before it ends, inactive after it.
    let last_day_end = soon
        .tomorrow()
        .unwrap()
        .at(0, 0, 0, 0)
        .to_zoned(utc.clone())
        .unwrap()
        .timestamp()
        .as_second();
    let now_secs = sim.state.now();
    sim.state.advance_clock(last_day_end - now_secs - 3600);
    assert!(is_active(&sim, &people[2].id_hex()), "still active during the last day");
    sim.state.advance_clock(2 * 3600);
    assert!(!is_active(&sim, &people[2].id_hex()), "deactivated at midnight after the last day");
    sim.state.advance_clock(40 * 24 * 3600);
    assert!(!is_active(&sim, &people[2].id_hex()), "deactivated when the scheduled day ended");
    assert!(is_active(&sim, &people[3].id_hex()), "2099 has not come yet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_zone_decides_what_today_is() {
    let sim = start_sim(300, 92, calm()).await;
    let people = leavers(&sim, 2);
    // UTC+14 is always at least a day ahead of UTC-11: its today is the future there.
    let ahead = today(&time_zone(Some("Pacific/Kiritimati")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let input =
        write(dir.path(), "in.csv", &format!("email,end date\n{},{ahead}\n", people[0].username));
    let report = dir.path().join("k.csv");
    deactivate(&sim, &input, &report, &["--dry-run", "--timezone", "Pacific/Kiritimati"]).await;
    assert_eq!(
        read_report(&report)[0]["outcome"],
        "would_deactivate",
        "today where it is already tomorrow"
    );
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--dry-run", "--force", "--timezone", "Pacific/Pago_Pago"],
    )
    .await;
    let row = &read_report(&report)[0];
    assert_eq!(row["outcome"], "would_schedule", "{}", printed(&output));
    assert!(
        row["error"].contains(&format!("{}T00:00:00:000-1100", ahead.tomorrow().unwrap())),
        "{}",
        row["error"]
    );
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--dry-run", "--force", "--timezone", "Mars/Olympus_Mons"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("--timezone \"Mars/Olympus_Mons\""), "{}", printed(&output));
}
