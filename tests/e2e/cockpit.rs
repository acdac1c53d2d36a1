//! The leader cockpit: cases filed, concluded and sent by courier, ratings, a
//! complaint and hall tickets show in the figures once the rollup job has folded their events;
//! a county leader sees only their county; CSV and XLSX exports; a rebuild from the source
//! tables gives the same rollups as the fold, yellow and red cards included.

use std::collections::BTreeMap;

use chrono::{Datelike, FixedOffset, NaiveDate};
use serde_json::{Value, json};
use yiwang_core::domain::cockpit::Counters;
use yiwang_core::service::audit::Actor;
use yiwang_core::service::cockpit::SeedSpec;
use yiwang_core::service::supervision;
use yiwang_tests::{TestApp, TestDb, backends, id_number, on_each_backend, test_config};

const MINUTE: i64 = 60_000;

fn today(app: &TestApp) -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::from_timestamp_millis(app.clock.now())
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

fn created(a: &yiwang_tests::Answer) -> i64 {
    assert!(a.status == 201 || a.status == 200, "{:#}", a.body);
    a.body["id"].as_i64().unwrap()
}

struct City {
    county_a: i64,
    county_b: i64,
    department: i64,
    item: i64,
    staff: String,
    leader_a: String,
    leader_b: String,
    tablet: String,
    hotline: String,
}

async fn city(app: &TestApp) -> City {
    let root = app.root_id().await;
    let county_a = app.region("990102", "甲区", "county", root).await;
    let county_b = app.region("990121", "乙县", "county", root).await;
    let department = created(
        &app.post(
            "/api/v1/departments",
            &app.admin_token,
            json!({"region_id": county_a, "code": "SCJ", "name": "市场监督管理局"}),
        )
        .await,
    );
    let item = app
        .published_item(
            county_a,
            department,
            json!({
                "item_code": "11350100MB0001-001", "name": "食品经营许可",
                "item_type": "licensing",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                "legal_limit_days": 20, "promised_limit_days": 5, "fee": {"kind": "none"},
                "materials": [{"name": "营业执照", "required": true}],
                "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 5}],
                "online": true, "delivery_modes": ["window", "courier"]
            }),
        )
        .await;
    let a = ("region", Some(county_a));
    let (_, staff) = app
        .user_with_role("staff_a", county_a, None, "window_staff", a)
        .await;
    let (_, leader_a) = app
        .user_with_role("leader_a", county_a, None, "leader", a)
        .await;
    let (_, leader_b) = app
        .user_with_role(
            "leader_b",
            county_b,
            None,
            "leader",
            ("region", Some(county_b)),
        )
        .await;
    let (_, tablet) = app
        .user_with_role("tablet_a", county_a, None, "device", a)
        .await;
    let (_, hotline) = app
        .user_with_role("hotline_a", county_a, None, "integration", a)
        .await;
    City {
        county_a,
        county_b,
        department,
        item,
        staff,
        leader_a,
        leader_b,
        tablet,
        hotline,
    }
}

async fn file(app: &TestApp, c: &City, channel: &str) -> i64 {
    created(
        &app.post(
            "/api/v1/cases",
            &c.staff,
            json!({
                "item_id": c.item, "channel": channel,
                "applicant": {"kind": "person", "name": "张三",
                              "id_number": id_number("11010519491231002")},
                "materials": ["营业执照"]
            }),
        )
        .await,
    )
}

async fn act(app: &TestApp, who: &str, id: i64, path: &str, body: Value) {
    let a = app
        .post(&format!("/api/v1/cases/{id}/{path}"), who, body)
        .await;
    assert_eq!(a.status, 200, "{path}: {:#}", a.body);
}

/// Files three cases (one online), concludes one and sends it by courier, rates it twice,
/// takes a complaint about it and two tickets, and calls one of them after two minutes.
async fn activity(app: &TestApp, c: &City) {
    let first = file(app, c, "window").await;
    file(app, c, "window").await;
    file(app, c, "online").await;
    act(app, &c.staff, first, "accept", json!({})).await;
    act(
        app,
        &c.staff,
        first,
        "steps/current/approve",
        json!({"opinion": "准予许可"}),
    )
    .await;
    act(
        app,
        &c.staff,
        first,
        "delivery/courier",
        json!({"courier_company": "EMS", "waybill_no": "1190000000001",
               "address": "人民路1号"}),
    )
    .await;
    for (n, rating) in [(1, 5), (2, 3)] {
        let a = app
            .post(
                "/api/v1/evaluations",
                &c.tablet,
                json!({"source": "tablet", "source_message_id": format!("m{n}"),
                       "rating": rating, "case_id": first}),
            )
            .await;
        assert_eq!(a.status, 201, "{:#}", a.body);
    }
    let complaint = app
        .post(
            "/api/v1/complaints",
            &c.hotline,
            json!({"source": "hotline", "source_ref": "12345-0001", "case_id": first,
                   "complainant": {"name": "王五", "phone": "13800138000"},
                   "content": "多次要求补交同一份材料"}),
        )
        .await;
    assert_eq!(complaint.status, 201, "{:#}", complaint.body);

    let tok = &app.admin_token;
    let hall = created(
        &app.post(
            "/api/v1/halls",
            tok,
            json!({"region_id": c.county_a, "name": "政务服务中心", "address": "人民路1号"}),
        )
        .await,
    );
    let area = created(
        &app.post(
            &format!("/api/v1/halls/{hall}/areas"),
            tok,
            json!({"prefix": "A", "name": "A区"}),
        )
        .await,
    );
    let window = created(
        &app.post(
            &format!("/api/v1/halls/{hall}/windows"),
            tok,
            json!({"area_id": area, "number": "1", "name": "1号窗口"}),
        )
        .await,
    );
    for _ in 0..2 {
        let t = app
            .post(
                &format!("/api/v1/halls/{hall}/tickets"),
                &c.tablet,
                json!({"area_id": area, "channel": "kiosk"}),
            )
            .await;
        assert_eq!(t.status, 201, "{:#}", t.body);
    }
    let s = app
        .post(
            &format!("/api/v1/windows/{window}/sign-in"),
            &c.staff,
            json!({}),
        )
        .await;
    assert_eq!(s.status, 200, "{:#}", s.body);
    app.clock.advance(2 * MINUTE);
    let called = app
        .post(
            &format!("/api/v1/windows/{window}/call-next"),
            &c.staff,
            json!({}),
        )
        .await;
    assert_eq!(called.status, 200, "{:#}", called.body);
}

fn period(app: &TestApp) -> String {
    let d = today(app);
    format!("from={d}&to={d}")
}

async fn get_ok(app: &TestApp, who: &str, path: &str) -> Value {
    let a = app.get(&format!("/api/v1/cockpit/{path}"), who).await;
    assert_eq!(a.status, 200, "{path}: {:#}", a.body);
    a.body
}

async fn figures_and_rebuild(app: TestApp) {
    let c = city(&app).await;
    activity(&app, &c).await;
    let p = period(&app);
    // Nothing is folded yet: the figures trail the events.
    let before = get_ok(&app, &c.leader_a, &format!("summary?{p}")).await;
    assert_eq!(before["figures"]["received"], 0);
    assert!(app.services.fold_cockpit().await.unwrap() > 0);

    let s = get_ok(&app, &c.leader_a, &format!("summary?{p}")).await;
    assert_eq!(
        s["place"]["region_id"], c.county_a,
        "a leader's default is their county"
    );
    let f = &s["figures"];
    assert_eq!(f["received"], 3);
    assert_eq!(f["online"], 1);
    assert_eq!(f["online_share"], 0.3333);
    assert_eq!(f["concluded"], 1);
    assert_eq!(f["on_time"], 1);
    assert_eq!(f["on_time_rate"], 1.0);
    assert_eq!(f["average_handling_days"], 0.0);
    assert_eq!(f["courier"], 1);
    assert_eq!(f["courier_share"], 1.0);
    assert_eq!(f["ratings"], 2);
    assert_eq!(f["satisfaction"], 4.0);
    assert_eq!(f["complaints"], 1);
    assert_eq!(f["visits"], 2);
    assert_eq!(f["waits"], 1);
    assert_eq!(f["average_wait_minutes"], 2.0);
    assert_eq!(f["yellow"], 0);

    // The city's admin compares the counties; the county of no activity shows zeros.
    let r = get_ok(&app, &app.admin_token, &format!("regions?{p}")).await;
    let row = |id: i64| {
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(c.county_a)["figures"]["received"], 3);
    assert_eq!(row(c.county_a)["name"], "甲区");
    assert_eq!(row(c.county_b)["figures"]["received"], 0);

    let d = get_ok(&app, &c.leader_a, &format!("departments?{p}")).await;
    let dep = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == c.department)
        .cloned()
        .unwrap();
    assert_eq!(dep["name"], "市场监督管理局");
    assert_eq!(dep["figures"]["received"], 3);
    assert_eq!(
        dep["figures"]["visits"], 0,
        "hall visits belong to no department"
    );

    let day = today(&app);
    let from = day - chrono::Days::new(40);
    let t = get_ok(
        &app,
        &c.leader_a,
        &format!("trend?from={from}&to={day}&granularity=month"),
    )
    .await;
    let points = t["points"].as_array().unwrap();
    assert!(points.len() == 2 || points.len() == 3, "{points:?}");
    let last = points.last().unwrap();
    assert_eq!(last["period"], day.format("%Y-%m").to_string());
    assert_eq!(last["figures"]["received"], 3);
    assert_eq!(points[0]["figures"]["received"], 0);
    let daily = get_ok(&app, &c.leader_a, &format!("trend?from={from}&to={day}")).await;
    assert_eq!(daily["points"].as_array().unwrap().len(), 41);

    let items = get_ok(&app, &c.leader_a, &format!("items?{p}")).await;
    assert_eq!(
        items["items"],
        json!([{"item_code": "11350100MB0001-001", "name": "食品经营许可",
                "received": 3, "concluded": 1}])
    );

    // Folding again reads nothing new and changes nothing; a rebuild gives the same rows.
    // The whole month is read from the monthly rows the fold keeps.
    let month_start = day.with_day(1).unwrap();
    let month_end = month_start + chrono::Months::new(1) - chrono::Days::new(1);
    let m = get_ok(
        &app,
        &c.leader_a,
        &format!("summary?from={month_start}&to={month_end}"),
    )
    .await;
    assert_eq!(m["figures"]["received"], 3);
    assert_eq!(m["figures"]["ratings"], 2);
    // A trend by month reads a whole month from its monthly rows: the same figures.
    let mt = get_ok(
        &app,
        &c.leader_a,
        &format!("trend?from={month_start}&to={month_end}&granularity=month"),
    )
    .await;
    assert_eq!(mt["points"].as_array().unwrap().len(), 1, "{mt:#}");
    assert_eq!(mt["points"][0]["figures"], m["figures"]);
    let mi = get_ok(
        &app,
        &c.leader_a,
        &format!("items?from={month_start}&to={month_end}"),
    )
    .await;
    assert_eq!(mi["items"], items["items"]);

    let folded = app.services.cockpit_dump().await.unwrap();
    assert_eq!(app.services.fold_cockpit().await.unwrap(), 0);
    assert!(!folded.daily.is_empty() && !folded.halls.is_empty() && !folded.items.is_empty());
    assert!(!folded.monthly.is_empty() && !folded.monthly_items.is_empty());
    let rebuilt = app.services.rebuild_cockpit(Actor::system()).await.unwrap();
    assert!(rebuilt.rows > 0);
    let again = app.services.cockpit_dump().await.unwrap();
    assert_eq!(folded.daily, again.daily);
    assert_eq!(folded.halls, again.halls);
    assert_eq!(folded.items, again.items);
    assert_eq!(folded.monthly, again.monthly);
    assert_eq!(folded.monthly_items, again.monthly_items);
    // Only the rebuild's own audit event follows; it changes no figure.
    assert_eq!(app.services.fold_cockpit().await.unwrap(), 1);
    assert_eq!(
        app.services.cockpit_dump().await.unwrap().daily,
        folded.daily
    );
}
on_each_backend!(
    figures_follow_the_work_and_a_rebuild_gives_the_same_rollups,
    figures_and_rebuild
);

async fn scope_and_bad_input(app: TestApp) {
    let c = city(&app).await;
    activity(&app, &c).await;
    app.services.fold_cockpit().await.unwrap();
    let p = period(&app);
    let own = get_ok(&app, &c.leader_b, &format!("summary?{p}")).await;
    assert_eq!(own["place"]["region_id"], c.county_b);
    assert_eq!(own["figures"]["received"], 0);
    for view in ["summary", "regions", "departments", "trend", "items"] {
        app.get(
            &format!("/api/v1/cockpit/{view}?{p}&region_id={}", c.county_a),
            &c.leader_b,
        )
        .await
        .assert_problem(404, "not_found");
    }
    app.get(
        &format!(
            "/api/v1/cockpit/export?view=summary&format=csv&{p}&region_id={}",
            c.county_a
        ),
        &c.leader_b,
    )
    .await
    .assert_problem(404, "not_found");
    // Not even the city as a whole.
    let root = app.root_id().await;
    app.get(
        &format!("/api/v1/cockpit/summary?{p}&region_id={root}"),
        &c.leader_b,
    )
    .await
    .assert_problem(404, "not_found");
    // Window staff have no cockpit at all.
    app.get(&format!("/api/v1/cockpit/summary?{p}"), &c.staff)
        .await
        .assert_problem(403, "forbidden");
    // The city sees both counties' figures summed.
    let city = get_ok(&app, &app.admin_token, &format!("summary?{p}")).await;
    assert_eq!(city["place"]["region_id"], root);
    assert_eq!(city["figures"]["received"], 3);
    // Bad periods change nothing and say why.
    let d = today(&app);
    let earlier = d - chrono::Days::new(1);
    let bad = app
        .get(
            &format!("/api/v1/cockpit/summary?from={d}&to={earlier}"),
            &c.leader_a,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let far = d - chrono::Days::new(4000);
    app.get(
        &format!("/api/v1/cockpit/trend?from={far}&to={d}"),
        &c.leader_a,
    )
    .await
    .assert_problem(422, "validation_failed");
    app.get(&format!("/api/v1/cockpit/items?{p}&limit=0"), &c.leader_a)
        .await
        .assert_problem(422, "validation_failed");
    app.get(
        &format!("/api/v1/cockpit/summary?{p}&department_id=999999"),
        &c.leader_a,
    )
    .await
    .assert_problem(404, "not_found");
}
on_each_backend!(a_county_leader_sees_only_their_county, scope_and_bad_input);

async fn exports(app: TestApp) {
    let c = city(&app).await;
    activity(&app, &c).await;
    app.services.fold_cockpit().await.unwrap();
    let p = period(&app);
    let url = |view: &str, format: &str| {
        app.url(&format!(
            "/api/v1/cockpit/export?view={view}&format={format}&{p}"
        ))
    };
    let csv = app
        .client
        .get(url("regions", "csv"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("cockpit-regions-"), "{disposition}");
    let bytes = csv.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark for spreadsheets"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("地区,受理件数,网上申报件数,网上申报率,办结件数"),
        "{}",
        lines[0]
    );
    let a = lines.iter().find(|l| l.starts_with("甲区,")).unwrap();
    assert!(
        a.starts_with("甲区,3,1,0.3333,1,1,1,0,1,1,2,4,0,0,1,2,1,2"),
        "{a}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("乙县,0,0,,0,")),
        "{text}"
    );

    let items = app
        .client
        .get(url("items", "csv"))
        .bearer_auth(&c.leader_a)
        .send()
        .await
        .unwrap();
    let text = items.text().await.unwrap();
    assert!(
        text.contains("事项编码,事项名称,受理件数,办结件数"),
        "{text}"
    );
    assert!(
        text.contains("11350100MB0001-001,食品经营许可,3,1"),
        "{text}"
    );

    let xlsx = app
        .client
        .get(url("trend", "xlsx"))
        .bearer_auth(&c.leader_a)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"PK\x03\x04"),
        "an XLSX file is a zip archive"
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(
        strings.contains("期间") && strings.contains("受理件数"),
        "{strings}"
    );
    assert!(strings.contains(&today(&app).format("%Y-%m-%d").to_string()));

    app.get(
        &format!("/api/v1/cockpit/export?view=nope&format=csv&{p}"),
        &c.leader_a,
    )
    .await
    .assert_problem(400, "malformed_request");
}
on_each_backend!(exports_carry_chinese_headers_as_csv_and_xlsx, exports);

/// The cards of the supervision engine count on the day they open, in the case's place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yellow_and_red_cards_count_and_rebuild_alike() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let config = test_config(&db);
        let app = TestApp::spawn_on(db, config, supervision::jobs()).await;
        let c = city(&app).await;
        let waiting = file(&app, &c, "window").await;
        let reviewed = file(&app, &c, "window").await;
        act(&app, &c.staff, reviewed, "accept", json!({})).await;
        for (code, severity, condition) in [
            ("waiting", "yellow", "status == 'submitted'"),
            ("in-review", "red", "status == 'in_review'"),
        ] {
            let r = app
                .post(
                    "/api/v1/supervision/rules",
                    &app.admin_token,
                    json!({"code": code, "name": code, "kind": "process",
                           "severity": severity, "condition": condition}),
                )
                .await;
            assert_eq!(r.status, 201, "{:#}", r.body);
        }
        // The engine re-judges every case on the rule events; wait for both cards.
        let mut open = 0;
        for _ in 0..100 {
            let a = app
                .get("/api/v1/supervision/anomalies?limit=100", &app.admin_token)
                .await;
            open = a.body["items"].as_array().map_or(0, Vec::len);
            if open >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(open, 2, "cards on {waiting} and {reviewed}");
        app.services.fold_cockpit().await.unwrap();
        let s = get_ok(&app, &c.leader_a, &format!("summary?{}", period(&app))).await;
        assert_eq!(s["figures"]["yellow"], 1);
        assert_eq!(s["figures"]["red"], 1);
        let folded = app.services.cockpit_dump().await.unwrap();
        app.services.rebuild_cockpit(Actor::system()).await.unwrap();
        assert_eq!(
            folded.daily,
            app.services.cockpit_dump().await.unwrap().daily
        );
        app.stop().await;
    }
}

/// The counters of a JSON figures object.
fn counters_of(f: &Value) -> Counters {
    serde_json::from_value(f.clone()).unwrap()
}

async fn months_answer_as_days(app: TestApp) {
    let last = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    app.services
        .seed_cockpit_rollups(SeedSpec {
            regions: 2,
            departments_per_region: 3,
            items_per_department: 4,
            days: 150,
            last,
            cases: 90_000,
        })
        .await
        .unwrap();
    let dump = app.services.cockpit_dump().await.unwrap();
    // Every monthly row is the sum of its month's daily rows.
    let mut by_month: BTreeMap<(i64, i64, i64), Counters> = BTreeMap::new();
    for (day, region, department, c) in &dump.daily {
        *by_month
            .entry((day / 100, *region, *department))
            .or_default() += c;
    }
    let monthly: BTreeMap<(i64, i64, i64), Counters> = dump
        .monthly
        .iter()
        .map(|(m, r, d, c)| ((*m, *r, *d), *c))
        .collect();
    assert_eq!(monthly, by_month);

    let key = |d: NaiveDate| {
        i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
    };
    for (from, to) in [
        ("2026-07-03", "2026-11-30"),
        ("2026-08-01", "2026-10-31"),
        ("2026-07-15", "2026-09-10"),
        ("2026-09-05", "2026-09-20"),
        ("2026-06-01", "2026-12-31"),
        ("2026-10-31", "2026-11-01"),
        // The last month mostly covered: read whole, less its last days.
        ("2026-08-01", "2026-11-25"),
    ] {
        let (a, b) = (key(from.parse().unwrap()), key(to.parse().unwrap()));
        // The old computation: the daily rows of the period, grouped.
        let mut departments: BTreeMap<i64, Counters> = BTreeMap::new();
        for (day, _, department, c) in &dump.daily {
            if a <= *day && *day <= b {
                *departments.entry(*department).or_default() += c;
            }
        }
        let mut items: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for (day, _, _, code, received, concluded) in &dump.items {
            if a <= *day && *day <= b {
                let e = items.entry(code.clone()).or_default();
                e.0 += received;
                e.1 += concluded;
            }
        }
        let p = format!("from={from}&to={to}");
        let d = get_ok(&app, &app.admin_token, &format!("departments?{p}")).await;
        let answered: BTreeMap<i64, Counters> = d["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_i64().unwrap(), counters_of(&r["figures"])))
            .filter(|(_, c)| *c != Counters::default())
            .map(|(id, c)| {
                // Hall visits have no department; the old daily rows here hold none.
                let c = Counters {
                    visits: 0,
                    waits: 0,
                    wait_ms: 0,
                    ..c
                };
                (id, c)
            })
            .filter(|(_, c)| *c != Counters::default())
            .collect();
        assert_eq!(answered, departments, "departments {p}");
        let s = get_ok(&app, &app.admin_token, &format!("summary?{p}")).await;
        let total = departments.values().fold(Counters::default(), |mut t, c| {
            t += c;
            t
        });
        assert_eq!(s["figures"]["received"], total.received, "summary {p}");
        assert_eq!(s["figures"]["complaints"], total.complaints, "summary {p}");
        let i = get_ok(&app, &app.admin_token, &format!("items?{p}&limit=100")).await;
        let answered: BTreeMap<String, (i64, i64)> = i["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["item_code"].as_str().unwrap().to_owned(),
                    (
                        x["received"].as_i64().unwrap(),
                        x["concluded"].as_i64().unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(answered, items, "items {p}");
    }
}
on_each_backend!(
    monthly_rollups_answer_as_the_daily_rows_did,
    months_answer_as_days
);
