//! Connector configuration (`[integrations.connectors.NAME]` in `yiwang.toml`, or
//! `YIWANG_INTEGRATIONS__CONNECTORS__NAME__ENDPOINT=…`): endpoint, credentials, which events,
//! and how hard to try.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Secret;
use crate::domain::integrations::Backoff;
use crate::error::Error;

/// Every connector, by name (the name is its cursor's and its deliveries' key: keep it stable).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IntegrationsConfig {
    pub connectors: BTreeMap<String, ConnectorConfig>,
    /// A PEM file of extra root certificates trusted for https peers (a government network's
    /// own CA), besides the bundled public roots.
    pub extra_root_ca: Option<PathBuf>,
    /// The provincial e-license library's synchronous lookup (the push is a connector).
    pub license_library: crate::service::license_library::LibraryConfig,
}

/// The wire format a connector speaks; each lives in one module of `formats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The event as logged, as JSON.
    Webhook,
    /// The province's case-data shape (办件报送).
    ProvinceCases,
    /// Notices by email over SMTP (`notify.smtp`); `endpoint` is not used.
    Email,
    /// Courier orders (EMS): pickups of materials and deliveries of results.
    Courier,
    /// A generic HTTP SMS gateway: the rating request after conclusion, from `template`.
    Sms,
    /// The 12345 hotline: the outcome of a complaint it brought in.
    Hotline,
    /// The city's and counties' daily courier figures, to the province.
    ProvinceLogistics,
    /// A regulating department (审管互动): the cases of its items, its fields only.
    Regulator,
    /// The provincial e-license library: each license issued or revoked.
    LicenseLibrary,
    /// The province's item shape (事项同步): published, changed and retired items.
    ProvinceCatalogue,
    /// Concluded licensing decisions to the credit platform (双公示).
    CreditPublicity,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Webhook => "webhook",
            Format::ProvinceCases => "province_cases",
            Format::Email => "email",
            Format::Courier => "courier",
            Format::Sms => "sms",
            Format::Hotline => "hotline",
            Format::ProvinceLogistics => "province_logistics",
            Format::Regulator => "regulator",
            Format::LicenseLibrary => "license_library",
            Format::ProvinceCatalogue => "province_catalogue",
            Format::CreditPublicity => "credit_publicity",
        }
    }

    /// The event kinds (prefixes) the format takes when the configuration names none.
    pub fn default_events(self) -> Vec<String> {
        match self {
            Format::Webhook => vec![String::new()],
            Format::ProvinceCases => vec!["case.".into()],
            Format::Email => vec!["notice.".into()],
            Format::Courier => vec!["courier.ordered".into()],
            Format::Sms => vec![
                "case.approved".into(),
                "case.denied".into(),
                "notice.card".into(),
            ],
            Format::Hotline => vec!["complaint.published".into()],
            Format::ProvinceLogistics => vec!["logistics.reported".into()],
            Format::Regulator => vec!["case.".into()],
            Format::LicenseLibrary => vec!["license.issued".into(), "license.revoked".into()],
            Format::ProvinceCatalogue => vec![
                "item.published".into(),
                "item.retired".into(),
                "catalogue_sync.kept".into(),
            ],
            Format::CreditPublicity => vec!["publicity.opened".into()],
        }
    }
}

/// One peer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectorConfig {
    pub format: Format,
    /// Where deliveries are POSTed.
    pub endpoint: String,
    /// Sent as `Authorization: Bearer …`.
    pub api_key: Option<Secret>,
    /// Event kind prefixes to deliver (`case.`, `complaint.published` …); empty: the format's.
    pub events: Vec<String>,
    /// Off: nothing is taken in or sent (the cursor waits where it is).
    pub enabled: bool,
    /// Failed tries before a delivery is parked.
    pub max_attempts: i64,
    /// Longest wait for one answer of the peer.
    pub timeout_ms: u64,
    pub backoff_base_ms: i64,
    pub backoff_max_ms: i64,
    /// Requests in flight at once.
    pub max_in_flight: usize,
    /// Deliveries read and written per round.
    pub batch: i64,
    /// The user whose API key the peer calls back with (`POST /connectors/NAME/inbound`).
    pub inbound_user: Option<String>,
    /// The sending system's code in the province's shape.
    pub system_code: String,
    /// The `sms` format's text, with `{case_no}`, `{item_name}` and `{result}` filled in;
    /// absent: the Chinese default.
    pub template: Option<String>,
}

impl Default for ConnectorConfig {
    fn default() -> Self {
        Self {
            format: Format::Webhook,
            endpoint: String::new(),
            api_key: None,
            events: Vec::new(),
            enabled: true,
            max_attempts: 10,
            timeout_ms: 5_000,
            backoff_base_ms: 1_000,
            backoff_max_ms: 3_600_000,
            max_in_flight: 32,
            batch: 256,
            inbound_user: None,
            system_code: "yiwang".into(),
            template: None,
        }
    }
}

impl ConnectorConfig {
    /// Rejects what cannot work, naming the setting, so a typo stops the start instead of
    /// parking every delivery.
    pub fn check(&self, name: &str) -> Result<(), Error> {
        let field = |f: &str| format!("integrations.connectors.{name}.{f}");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::invalid(
                "integrations.connectors",
                format!("{name:?}: names are letters, digits, _ and -"),
            ));
        }
        if self.format != Format::Email {
            let ok = reqwest::Url::parse(&self.endpoint)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !ok {
                return Err(Error::invalid(
                    field("endpoint"),
                    "an http:// or https:// URL",
                ));
            }
        }
        if self.max_attempts < 1 {
            return Err(Error::invalid(field("max_attempts"), "at least 1"));
        }
        if self.backoff_base_ms < 0 || self.backoff_max_ms < self.backoff_base_ms {
            return Err(Error::invalid(
                field("backoff_max_ms"),
                "base ≥ 0 and max ≥ base",
            ));
        }
        Ok(())
    }

    pub fn events(&self) -> Vec<String> {
        if self.events.is_empty() {
            self.format.default_events()
        } else {
            self.events.clone()
        }
    }

    pub fn backoff(&self) -> Backoff {
        Backoff {
            base_ms: self.backoff_base_ms,
            max_ms: self.backoff_max_ms,
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }

    /// A size that keeps one round's requests and rows bounded whatever the file says.
    pub fn batch(&self) -> i64 {
        self.batch.clamp(1, 2_000)
    }

    pub fn in_flight(&self) -> usize {
        self.max_in_flight.clamp(1, 512)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(endpoint: &str) -> ConnectorConfig {
        ConnectorConfig {
            endpoint: endpoint.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_connector_needs_an_http_endpoint_and_a_plain_name() {
        assert!(with("http://127.0.0.1:9/hook").check("province").is_ok());
        assert!(with("").check("province").is_err());
        assert!(with("ftp://x/y").check("province").is_err());
        assert!(with("http://127.0.0.1:9/").check("a b").is_err());
        let email = ConnectorConfig {
            format: Format::Email,
            ..Default::default()
        };
        assert!(email.check("email").is_ok());
        let never = ConnectorConfig {
            max_attempts: 0,
            ..with("http://x/")
        };
        assert!(never.check("x").is_err());
    }
}
