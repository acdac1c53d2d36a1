//! Configuration: defaults that work on a laptop, then `yiwang.toml`, then `YIWANG_*` variables
//! (nested keys with `__`, e.g. `YIWANG_AUTH__SESSION_TTL_MINUTES=60`). Passed by value; no globals.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::supervision::Severity;
use crate::domain::working_hours::WorkingHours;
use crate::error::Error;
use crate::store::DbUrl;

/// Everything `yiwang` can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where the embedded database and the secret key live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; unset means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Address `serve` listens on.
    pub listen: String,
    /// The platform's time zone (IANA name); times are stored in UTC.
    pub timezone: String,
    pub log: LogConfig,
    pub db: DbConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub secrets: SecretsConfig,
    pub org: OrgConfig,
    pub notify: NotifyConfig,
    pub supervision: SupervisionConfig,
    pub integrations: crate::service::integrations::IntegrationsConfig,
    /// The intermediaries' credit score: weights (percent, adding up to 100) and deductions.
    pub intermediary_credit: crate::domain::intermediary::CreditWeights,
}

/// Online supervision's settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SupervisionConfig {
    /// Working days of each complaint step (`[supervision.complaint_limits]`).
    pub complaint_limits: crate::domain::supervision::complaints::ComplaintLimits,
}

/// Notices to people (supervision orders, escalations, cards). Off by default.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyConfig {
    pub smtp: SmtpConfig,
    pub cards: CardNoticeConfig,
}

/// Notices of new yellow and red cards: an SMS to the person handling the case (through the
/// `sms` connector) and a mail to the office (through `smtp`), sent within working hours.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CardNoticeConfig {
    pub enabled: bool,
    /// Which cards are told: `["red", "yellow"]` unless set.
    pub severities: Vec<Severity>,
    /// When people may be told, on the calendar's working days (local time).
    pub hours: WorkingHours,
}

impl Default for CardNoticeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            severities: vec![Severity::Red, Severity::Yellow],
            hours: WorkingHours::default(),
        }
    }
}

/// Email through an SMTP relay (plain SMTP on the government network, optional login).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpConfig {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    /// The sender, e.g. `督察处 <duchachu@example.gov.cn>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The supervision office's addresses: they get every notice.
    pub office: Vec<String>,
    /// Longest wait for the relay, per message.
    pub timeout_ms: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 25,
            from: "yiwang <yiwang@localhost>".into(),
            username: None,
            password: None,
            office: Vec::new(),
            timeout_ms: 5_000,
        }
    }
}

/// The root of the region tree, created on first start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgConfig {
    /// The administrative division code of the root region.
    pub root_code: String,
    pub root_name: String,
    /// `province`, `city` or `county`.
    pub root_level: String,
}

impl Default for OrgConfig {
    fn default() -> Self {
        Self {
            root_code: "000000".into(),
            root_name: "本级".into(),
            root_level: "city".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("yiwang-data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            timezone: "Asia/Shanghai".into(),
            log: LogConfig::default(),
            db: DbConfig::default(),
            http: HttpConfig::default(),
            auth: AuthConfig::default(),
            secrets: SecretsConfig::default(),
            org: OrgConfig::default(),
            notify: NotifyConfig::default(),
            supervision: SupervisionConfig::default(),
            integrations: Default::default(),
            intermediary_credit: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// `pretty` for a terminal, `json` for a log collector.
    pub format: String,
    /// A `tracing` filter, e.g. `info,yiwang_api=debug`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "pretty".into(),
            filter: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DbConfig {
    pub pool_size: u32,
    pub pool_timeout_ms: u64,
}

impl Default for DbConfig {
    fn default() -> Self {
        Self {
            pool_size: 8,
            pool_timeout_ms: 5_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// actix-web worker threads; unset means one per core.
    pub workers: Option<usize>,
    /// Largest JSON body accepted, in bytes.
    pub json_limit: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            workers: None,
            json_limit: 256 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// Lifetime of a login session.
    pub session_ttl_minutes: i64,
    /// Failed logins in a row before the account is locked.
    pub max_failed_logins: i32,
    /// How long a locked account stays locked.
    pub lockout_minutes: i64,
    /// How long a resolved token is trusted before it is read again (revocation on this node is
    /// immediate; other nodes see it within this time).
    pub cache_seconds: u64,
    /// Argon2id cost; the defaults are OWASP's recommendation.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub trusted_header: TrustedHeaderConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_ttl_minutes: 12 * 60,
            max_failed_logins: 5,
            lockout_minutes: 15,
            cache_seconds: 10,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            trusted_header: TrustedHeaderConfig::default(),
        }
    }
}

/// Single sign-on behind a reverse proxy that authenticated the user (the province's
/// civil-servant CA or unified identity): the proxy names the user in a header. Off by default;
/// only requests from `trusted_proxies` that carry the shared secret are believed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TrustedHeaderConfig {
    pub enabled: bool,
    /// Header carrying the authenticated username.
    pub user_header: String,
    /// Header carrying the proxy's shared secret.
    pub secret_header: String,
    pub secret: Option<Secret>,
    /// Peer addresses of the proxies.
    pub trusted_proxies: Vec<IpAddr>,
    /// Applicant mode (the portal, `/api/v1/portal/…`): the proxy names a verified applicant
    /// of the province's unified identity instead of a platform user; see `docs/portal.md`.
    pub applicant: ApplicantHeaderConfig,
}

/// The headers by which the identity proxy names an applicant (a person by ID number, an
/// organisation by credit code), and the platform account applicants act through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantHeaderConfig {
    /// Header carrying the verified ID number or unified social credit code.
    pub id_header: String,
    /// Header carrying the applicant's name, UTF-8, percent-encoded when not ASCII.
    pub name_header: String,
    /// Header carrying `person` or `organisation`; absent: told apart by the number.
    pub kind_header: String,
    /// The account (holding `portal.act`) applicants arriving through the proxy act through.
    pub agent: String,
}

impl Default for ApplicantHeaderConfig {
    fn default() -> Self {
        Self {
            id_header: "X-Yiwang-Applicant-Id".into(),
            name_header: "X-Yiwang-Applicant-Name".into(),
            kind_header: "X-Yiwang-Applicant-Kind".into(),
            agent: "portal".into(),
        }
    }
}

impl Default for TrustedHeaderConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            user_header: "X-Yiwang-User".into(),
            secret_header: "X-Yiwang-Proxy-Secret".into(),
            secret: None,
            trusted_proxies: vec![IpAddr::from([127, 0, 0, 1])],
            applicant: ApplicantHeaderConfig::default(),
        }
    }
}

/// The key that encrypts personal data at rest. Several nodes on one PostgreSQL must share it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretsConfig {
    /// The key itself, base64 (32 bytes); wins over `key_file`.
    pub key: Option<Secret>,
    /// A file holding the key; unset means `DATA_DIR/secret.key`, created on first start.
    pub key_file: Option<PathBuf>,
}

/// A secret setting: never printed, never serialised.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub SecretString);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

impl Config {
    /// Defaults, then the file (`path`, or `./yiwang.toml` when present), then the environment.
    pub fn load(path: Option<&Path>) -> Result<Config, Error> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) if !p.exists() => {
                return Err(Error::invalid(
                    "config",
                    format!("{} does not exist", p.display()),
                ));
            }
            Some(p) => fig = fig.merge(Toml::file(p)),
            None => fig = fig.merge(Toml::file("yiwang.toml")),
        }
        fig.merge(
            Env::prefixed("YIWANG_")
                .split("__")
                .ignore(&["test_postgres"]),
        )
        .extract()
        .map_err(|e| Error::invalid("config", e.to_string()))
    }

    /// The database to use: `database_url` when set, else SQLite in the data folder.
    pub fn db_url(&self) -> Result<DbUrl, Error> {
        match self.database_url.as_deref() {
            Some(u) if !u.is_empty() => DbUrl::parse(u),
            _ => Ok(DbUrl::in_data_dir(&self.data_dir)),
        }
    }

    pub fn time_zone(&self) -> Result<chrono_tz::Tz, Error> {
        self.timezone
            .parse()
            .map_err(|_| Error::invalid("timezone", "not an IANA time zone name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_loads_with_its_notices() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/deploy/yiwang.example.toml");
        let c = Config::load(Some(&path)).unwrap();
        assert!(!c.notify.cards.enabled);
        assert_eq!(c.notify.cards.hours, WorkingHours::default());
        assert_eq!(c.notify.cards.severities, [Severity::Red, Severity::Yellow]);
    }

    #[test]
    fn office_hours_out_of_order_stop_the_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yiwang.toml");
        std::fs::write(
            &path,
            "[notify.cards]\nhours = { start = \"18:00\", end = \"09:00\" }\n",
        )
        .unwrap();
        let e = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(e.contains("not before"), "{e}");
    }
}
