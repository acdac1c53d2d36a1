//! `yiwang loadgen outbox`: how fast one connector delivers to a healthy local peer (issue 6's
//! target: 1,000 events/s). Starts a bare actix-web peer and the application in process on a
//! fresh database, logs N events with the connector paused, resumes it and times the drain.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use serde_json::json;
use yiwang_api::startup::Application;
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::service::audit::{self, Actor, Change};
use yiwang_core::service::integrations::ConnectorConfig;

/// What to measure.
pub struct OutboxSpec {
    pub events: u32,
    pub in_flight: usize,
    pub batch: i64,
    pub database_url: Option<String>,
}

async fn peer(hits: Arc<AtomicU64>) -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let hits = web::Data::new(hits);
    let server = HttpServer::new(move || {
        App::new().app_data(hits.clone()).route(
            "/hook",
            web::post().to(|hits: web::Data<Arc<AtomicU64>>| async move {
                hits.fetch_add(1, Ordering::Relaxed);
                HttpResponse::Ok().json(json!({"ok": true}))
            }),
        )
    })
    .workers(1)
    .listen(listener)?
    .run();
    tokio::spawn(server);
    Ok(port)
}

pub async fn outbox(spec: OutboxSpec) -> anyhow::Result<()> {
    let hits = Arc::new(AtomicU64::new(0));
    let port = peer(hits.clone()).await?;
    let dir = tempfile::tempdir()?;
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: spec.database_url.clone(),
        listen: "127.0.0.1:0".into(),
        ..Config::default()
    };
    config.integrations.connectors.insert(
        "bench".into(),
        ConnectorConfig {
            endpoint: format!("http://127.0.0.1:{port}/hook"),
            events: vec!["bench.".into()],
            max_in_flight: spec.in_flight,
            batch: spec.batch,
            ..ConnectorConfig::default()
        },
    );
    let app = Application::build_with(config, Clock::System, Vec::new()).await?;
    let services = app.services().clone();
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    let operator = Actor {
        id: None,
        label: "loadgen".into(),
    };
    services
        .pause_connector(operator.clone(), None, "bench", true)
        .await?;
    let mut left = spec.events;
    while left > 0 {
        let n = left.min(500);
        left -= n;
        let now = services.clock.now();
        services
            .store
            .write(move |conn| {
                for i in 0..i64::from(n) {
                    audit::record(
                        conn,
                        now,
                        &Actor::system(),
                        Change {
                            payload: json!({"n": i}),
                            ..Change::new("bench.emit", "bench.emitted", "bench", i)
                        },
                    )?;
                }
                Ok(())
            })
            .await?;
    }
    // Let intake finish while paused, so the figure is the sending alone.
    let deadline = Instant::now() + Duration::from_secs(120);
    while services.connector(None, "bench").await?.backlog < i64::from(spec.events) {
        if Instant::now() > deadline {
            bail!("the events were not taken in within 2 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    services
        .pause_connector(operator, None, "bench", false)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let s = services.connector(None, "bench").await?;
        if s.backlog == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{} deliveries still pending after 10 minutes", s.backlog);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let s = services.connector(None, "bench").await?;
    let report = json!({
        "bench": "outbox", "events": spec.events, "in_flight": spec.in_flight,
        "batch": spec.batch, "seconds": secs,
        "events_per_second": f64::from(spec.events) / secs,
        "peer_requests": hits.load(Ordering::Relaxed), "delivered": s.delivered,
        "parked": s.parked,
        "backend": if spec.database_url.is_some() { "postgres" } else { "sqlite" },
    });
    println!("{report}");
    handle.stop(true).await;
    server.await.context("the server task")??;
    Ok(())
}
