//! The end-to-end test harness: [`TestApp`] starts the real application on a free port over a
//! fresh database (a temp-file SQLite, or a new PostgreSQL database when `YIWANG_TEST_POSTGRES`
//! names a server) and talks HTTP to it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a failure is a test failure"
)]

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use yiwang_api::Application;
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::domain::access::ScopeKind;
use yiwang_core::domain::identity::id_check_char;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;
use yiwang_core::service::jobs::JobSpec;
use yiwang_core::wire::org::{NewUser, NewUserRole};

/// The password of the `admin` user every test app starts with.
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `YIWANG_TEST_POSTGRES` is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if pg_server().is_some() {
        b.push(Backend::Postgres);
    }
    b
}

/// The PostgreSQL server URL tests may create databases on.
pub fn pg_server() -> Option<String> {
    std::env::var("YIWANG_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A database created for one test and dropped after it.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => TestDb {
                backend,
                url: format!("sqlite://{}", dir.path().join("yiwang.db").display()),
                dir,
                pg_name: None,
            },
            Backend::Postgres => {
                let server = pg_server().expect("YIWANG_TEST_POSTGRES");
                let name = format!("yiwang_t_{}_{}", std::process::id(), rand_suffix());
                let mut admin = PgConnection::establish(&server).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                TestDb {
                    backend,
                    url: replace_db_name(&server, &name),
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// The same database for a second server (a second node); dropping it drops nothing.
    pub fn shared(&self) -> TestDb {
        TestDb {
            backend: self.backend,
            url: self.url.clone(),
            dir: tempfile::tempdir().unwrap(),
            pg_name: None,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "{n:x}{}",
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// `postgres://u@h:5432/postgres` → `postgres://u@h:5432/NAME` (keeping any query string).
fn replace_db_name(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(name), Some(server)) = (self.pg_name.take(), pg_server()) {
            // Dropped on a plain thread: Drop may run inside the async runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = PgConnection::establish(&server) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c);
                }
            })
            .join();
        }
    }
}

/// A configuration for tests: fast password hashing, port 0, the given database.
pub fn test_config(db: &TestDb) -> Config {
    let mut c = Config {
        data_dir: db.data_dir(),
        database_url: Some(db.url.clone()),
        listen: "127.0.0.1:0".into(),
        ..Default::default()
    };
    c.http.workers = Some(2);
    c.auth.argon2_memory_kib = 1_024;
    c.auth.argon2_iterations = 1;
    c.org.root_code = "990100".into();
    c.org.root_name = "测试市".into();
    c
}

/// A running application and a client for it.
pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub services: Services,
    pub clock: Clock,
    pub admin_token: String,
    handle: ServerHandle,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub db: TestDb,
}

/// What a request answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone()).unwrap()
    }

    /// Asserts a problem+json answer with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(self.body["code"], code, "{:#}", self.body);
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
        );
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts an app, letting the test adjust the configuration first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new(backend);
        let mut config = test_config(&db);
        adjust(&mut config);
        Self::spawn_on(db, config, Vec::new()).await
    }

    /// Two nodes on one fresh PostgreSQL database, or `None` when no server is configured.
    pub async fn two_nodes_on_postgres() -> Option<(TestApp, TestApp)> {
        pg_server()?;
        let db = TestDb::new(Backend::Postgres);
        let second = db.shared();
        let config = test_config(&db);
        let config2 = test_config(&second);
        let one = Self::spawn_on(db, config, Vec::new()).await;
        let two = Self::spawn_on(second, config2, Vec::new()).await;
        Some((one, two))
    }

    /// Starts an app on an existing database with these jobs, on a manual clock.
    pub async fn spawn_on(db: TestDb, config: Config, jobs: Vec<JobSpec>) -> TestApp {
        let clock = Clock::manual(chrono::Utc::now().timestamp_millis());
        let app = Application::build_with(config, clock.clone(), jobs)
            .await
            .expect("the application starts");
        let port = app.port();
        let services = app.services().clone();
        let handle = app.handle();
        let server = tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut t = TestApp {
            base: format!("http://127.0.0.1:{port}"),
            port,
            client,
            services,
            clock,
            admin_token: String::new(),
            handle,
            server: Some(server),
            db,
        };
        t.ensure_admin().await;
        t.admin_token = t.login("admin", ADMIN_PASSWORD).await;
        t
    }

    async fn ensure_admin(&self) {
        if self
            .services
            .user_id_by_name("admin")
            .await
            .unwrap()
            .is_some()
        {
            return;
        }
        let root = self.services.root_region().await.unwrap();
        let u = self
            .services
            .create_user_as(
                Actor::system(),
                None,
                NewUser {
                    username: "admin".into(),
                    display_name: "管理员".into(),
                    password: ADMIN_PASSWORD.into(),
                    region_id: root.id,
                    department_id: None,
                    phone: None,
                },
            )
            .await
            .unwrap();
        self.services
            .grant_role_as(
                Actor::system(),
                None,
                u.id,
                NewUserRole {
                    role: "admin".into(),
                    scope_kind: ScopeKind::Region,
                    scope_id: Some(root.id.0),
                },
            )
            .await
            .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in and returns the token; panics on failure.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let a = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "login of {username}: {:#}",
            a.body
        );
        a.body["token"].as_str().unwrap().to_owned()
    }

    /// One request with an optional token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Drafts a catalogue item of `content` for `region` and `department` as the admin and
    /// publishes it; its id.
    pub async fn published_item(&self, region: i64, department: i64, content: Value) -> i64 {
        let d = self
            .post(
                "/api/v1/catalogue/items",
                &self.admin_token,
                json!({"region_id": region, "department_id": department, "content": content}),
            )
            .await;
        assert_eq!(d.status, 201, "{:#}", d.body);
        let item = d.body["id"].as_i64().expect("the item's id");
        let p = self
            .post(
                &format!("/api/v1/catalogue/items/{item}/publish"),
                &self.admin_token,
                json!({}),
            )
            .await;
        assert_eq!(p.status, 200, "{:#}", p.body);
        item
    }

    /// Creates a user with a role and scope through the API as admin; returns (id, token).
    pub async fn user_with_role(
        &self,
        username: &str,
        region_id: i64,
        department_id: Option<i64>,
        role: &str,
        scope: (&str, Option<i64>),
    ) -> (i64, String) {
        let password = format!("{username}-password");
        let a = self
            .post(
                "/api/v1/users",
                &self.admin_token,
                json!({
                    "username": username, "display_name": username, "password": password,
                    "region_id": region_id, "department_id": department_id,
                }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:#}", a.body);
        let id = a.body["id"].as_i64().unwrap();
        let g = self
            .post(
                &format!("/api/v1/users/{id}/roles"),
                &self.admin_token,
                json!({
                    "role": role, "scope_kind": scope.0, "scope_id": scope.1,
                }),
            )
            .await;
        assert_eq!(g.status, StatusCode::CREATED, "{:#}", g.body);
        (id, self.login(username, &password).await)
    }

    /// Creates a region below `parent` as admin; returns its id.
    pub async fn region(&self, code: &str, name: &str, level: &str, parent: i64) -> i64 {
        let a = self
            .post(
                "/api/v1/regions",
                &self.admin_token,
                json!({
                    "code": code, "name": name, "level": level, "parent_id": parent,
                }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:#}", a.body);
        a.body["id"].as_i64().unwrap()
    }

    /// Creates a department in `region` as admin; returns its id.
    pub async fn department(&self, region: i64, code: &str, name: &str) -> i64 {
        let a = self
            .post(
                "/api/v1/departments",
                &self.admin_token,
                json!({"region_id": region, "code": code, "name": name}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{:#}", a.body);
        a.body["id"].as_i64().unwrap()
    }

    pub async fn root_id(&self) -> i64 {
        self.services.root_region().await.unwrap().id.0
    }

    /// Stops the server and waits for it (and its jobs).
    pub async fn stop(mut self) -> TestDb {
        self.handle.stop(true).await;
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        std::mem::replace(&mut self.db, TestDb::new(Backend::Sqlite))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        drop(handle.stop(false));
        if let Some(s) = self.server.take() {
            s.abort();
        }
    }
}

/// Runs an async test body once per backend.
#[macro_export]
macro_rules! on_each_backend {
    ($name:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in $crate::backends() {
                let app = $crate::TestApp::spawn(backend).await;
                $body(app).await;
            }
        }
    };
}

/// A valid 18-character resident ID number made of its first 17 characters and the check
/// character GB 11643 gives them.
pub fn id_number(body: &str) -> String {
    let bytes: [u8; 17] = body.as_bytes().try_into().unwrap();
    format!("{body}{}", id_check_char(&bytes).unwrap())
}
