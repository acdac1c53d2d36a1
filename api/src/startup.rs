//! Building and running the HTTP server: `Application::build` binds (port 0 works, the chosen
//! port is reported), `run_until_stopped` serves until a signal or a stop.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, error, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt;
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::error::Error;
use yiwang_core::service::Services;
use yiwang_core::service::jobs::{JobRunner, JobSpec, JobsView};
use yiwang_core::service::maintenance;

use crate::error::ApiError;

/// The jobs' state, as handlers see it.
pub type Jobs = JobsView;

/// The OpenAPI document, rendered once.
pub struct OpenApiJson(pub String);

/// A built server, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    services: Services,
    jobs: JobRunner,
    outbox: yiwang_core::service::integrations::Outbox,
}

impl Application {
    /// Opens storage, starts the background jobs and binds `config.listen`.
    pub async fn build(config: Config) -> Result<Application, Error> {
        Self::build_with(config, Clock::System, maintenance::jobs()).await
    }

    /// As [`Application::build`], with an injected clock and job list (tests move time).
    pub async fn build_with(
        config: Config,
        clock: Clock,
        jobs: Vec<JobSpec>,
    ) -> Result<Application, Error> {
        crate::metrics::handle();
        let listen = config.listen.clone();
        let workers = config.http.workers;
        let json_limit = config.http.json_limit;
        let services = Services::start(config, clock).await?;
        let listener = TcpListener::bind(&listen)
            .map_err(|e| Error::Unavailable(format!("cannot listen on {listen}: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Internal(e.to_string()))?
            .port();
        let runner = JobRunner::start(services.clone(), jobs);
        yiwang_core::service::devices::start(services.clone(), runner.view());
        let outbox = yiwang_core::service::integrations::start(services.clone(), runner.view())?;
        let openapi = web::Data::new(OpenApiJson(openapi_json()));
        let data = web::Data::new(services.clone());
        let view = web::Data::new(runner.view());
        let mut server = HttpServer::new(move || {
            build_app(json_limit)
                .app_data(data.clone())
                .app_data(view.clone())
                .app_data(openapi.clone())
        })
        .shutdown_timeout(10)
        .listen(listener)
        .map_err(|e| Error::Unavailable(format!("cannot serve on {listen}: {e}")))?;
        if let Some(w) = workers {
            server = server.workers(w);
        }
        Ok(Application {
            port,
            server: server.run(),
            services,
            jobs: runner,
            outbox,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), then stops the jobs.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.outbox.shutdown().await;
        self.jobs.shutdown().await;
        self.services.devices.shutdown();
        result
    }
}

/// The app with every route and middleware, but no state: used for serving and for the document.
fn build_app(
    json_limit: usize,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = App::new()
        .into_utoipa_app()
        .configure(crate::routes::configure)
        .split_for_parts();
    app.app_data(
        web::JsonConfig::default()
            .limit(json_limit)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(|e, _| {
        ApiError::request(StatusCode::BAD_REQUEST, "malformed_request", e.to_string()).into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        ApiError::request(StatusCode::BAD_REQUEST, "malformed_request", e.to_string()).into()
    }))
    .default_service(web::to(not_found))
    .wrap(Compress::default())
    .wrap(from_fn(crate::observe::observe))
    .wrap(from_fn(crate::head::head_as_get))
}

/// The OpenAPI document of every route, with the bearer scheme.
pub fn openapi_json() -> String {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .configure(crate::routes::configure)
        .split_for_parts();
    doc.info.title = "yiwang API".into();
    doc.info.description = Some(
        "一网 (yiwang): the city's government-services platform. Errors are RFC 9457 \
         problem+json with a stable `code`."
            .into(),
    );
    crate::routes::portal::describe(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    doc.to_json().unwrap_or_else(|_| "{}".into())
}

fn json_error(err: error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let (status, code) = match &err {
        error::JsonPayloadError::OverflowKnownLength { .. }
        | error::JsonPayloadError::Overflow { .. } => {
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        error::JsonPayloadError::ContentType => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        }
        _ => (StatusCode::BAD_REQUEST, "malformed_request"),
    };
    ApiError::request(status, code, err.to_string()).into()
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::request(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for {} {}", req.method(), req.path()),
    ))
}

/// Waits up to `timeout` for the server to answer `/readyz`; for tests and `demo`.
pub async fn wait_ready(port: u16, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
