//! The device protocol over HTTP, one call per method: what a controller needs and nothing else.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use yiwang_core::domain::ids::CommandId;
use yiwang_core::wire::devices::{
    Ack, CommandBatch, DeviceCommand, Heartbeat, HeartbeatAck, Hello, Report, StoredReport, Welcome,
};

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: the network, a timeout, a server that is down.
    #[error("network: {0}")]
    Network(#[from] reqwest::Error),
    /// The server answered with a problem.
    #[error("{status} {code}: {detail}")]
    Rejected {
        status: StatusCode,
        code: String,
        detail: String,
    },
}

impl ClientError {
    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Rejected { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
        }
    }

    /// The token is not (or no longer) accepted: wrong, revoked, or the device is retired.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ClientError::Rejected { status, .. } if *status == StatusCode::UNAUTHORIZED)
    }
}

/// An HTTP client for one device's token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    /// `server` is the base URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(server: &str, token: &str) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(50))
            .build()?;
        Ok(Client {
            http,
            base: server.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, T), ClientError> {
        let res = req.bearer_auth(&self.token).send().await?;
        let status = res.status();
        if status.is_success() {
            return Ok((status, res.json().await?));
        }
        let problem: serde_json::Value = res.json().await.unwrap_or_default();
        Err(ClientError::Rejected {
            status,
            code: problem["code"].as_str().unwrap_or("unknown").to_owned(),
            detail: problem["detail"].as_str().unwrap_or_default().to_owned(),
        })
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(StatusCode, T), ClientError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .timeout(Duration::from_secs(10))
            .json(body);
        self.send(req).await
    }

    /// (Re)connects: who the device is, what it should show, the commands waiting for it.
    pub async fn hello(&self, hello: &Hello) -> Result<Welcome, ClientError> {
        Ok(self.post("/api/v1/device/hello", hello).await?.1)
    }

    pub async fn heartbeat(&self, beat: &Heartbeat) -> Result<HeartbeatAck, ClientError> {
        Ok(self.post("/api/v1/device/heartbeat", beat).await?.1)
    }

    /// Waits up to `wait_ms` for commands.
    pub async fn poll(&self, wait_ms: u32) -> Result<Vec<DeviceCommand>, ClientError> {
        let req = self
            .http
            .get(format!("{}/api/v1/device/commands", self.base))
            .query(&[("wait_ms", wait_ms)])
            .timeout(Duration::from_millis(u64::from(wait_ms) + 10_000));
        let (_, batch): (_, CommandBatch) = self.send(req).await?;
        Ok(batch.commands)
    }

    pub async fn ack(&self, id: CommandId, ack: &Ack) -> Result<DeviceCommand, ClientError> {
        Ok(self
            .post(&format!("/api/v1/device/commands/{id}/ack"), ack)
            .await?
            .1)
    }

    /// Sends a report; a retry with the same report id answers the stored one.
    pub async fn report(&self, report: &Report) -> Result<StoredReport, ClientError> {
        Ok(self.post("/api/v1/device/reports", report).await?.1)
    }

    /// Any other read with this device's token (e.g. the hall's areas).
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(Duration::from_secs(10));
        Ok(self.send(req).await?.1)
    }

    /// Any other call with this device's token (e.g. the queue's take-ticket for kiosks).
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Ok(self.post(path, body).await?.1)
    }
}
