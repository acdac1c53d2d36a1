//! Use cases: the only thing the API and the `yiwang` command call.
//!
//! Every state-changing use case is one transaction (through [`Store::write`]) that writes the
//! new state, an audit entry and a domain event ([`audit::record`]). Reads check the caller's
//! permission and data scope.

pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod calendar;
pub mod case_hooks;
pub mod cases;
pub mod catalogue;
pub mod catalogue_sync;
pub mod cockpit;
pub mod combined;
pub mod data_sharing;
pub mod devices;
pub mod events;
pub mod halls;
pub mod integrations;
pub mod intermediaries;
pub mod jobs;
pub mod license_library;
pub mod licenses;
pub mod maintenance;
pub mod modules;
pub mod org;
pub mod portal;
pub mod publicity;
pub mod punishment;
pub mod queue;
pub mod regulators;
pub mod result_handover;
pub mod single_window;
pub mod supervision;
pub mod tokens;
pub mod users;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{PasswordHashing, Vault};
use crate::error::Error;
use crate::store::{Store, StoreOptions};

/// Everything the use cases share; cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub clock: Clock,
    pub vault: Vault,
    pub passwords: PasswordHashing,
    pub config: Arc<Config>,
    pub auth: auth::AuthState,
    pub events: events::EventHub,
    pub supervision: supervision::Engine,
    /// The hall devices' hot state (liveness, pending commands, what they show).
    pub devices: devices::DeviceHub,
}

impl Services {
    /// Opens storage (migrating it), seeds the built-in roles, and starts the event hub.
    /// Must run inside a tokio runtime.
    pub async fn start(config: Config, clock: Clock) -> Result<Services, Error> {
        let url = config.db_url()?;
        let url_for_migrate = url.clone();
        tokio::task::spawn_blocking(move || crate::store::migrate::run_pending(&url_for_migrate))
            .await
            .map_err(|e| Error::Internal(format!("migration task: {e}")))??;
        let store = Store::open(
            &url,
            &StoreOptions {
                pool_size: config.db.pool_size,
                pool_timeout: std::time::Duration::from_millis(config.db.pool_timeout_ms),
            },
        )?;
        let vault = Vault::from_config(&config)?;
        let passwords =
            PasswordHashing::new(config.auth.argon2_memory_kib, config.auth.argon2_iterations)?;
        let events = events::EventHub::start(store.clone()).await?;
        let devices = devices::DeviceHub::load(&store, clock.now()).await?;
        let services = Services {
            auth: auth::AuthState::new(&config.auth),
            store,
            clock,
            vault,
            passwords,
            config: Arc::new(config),
            events,
            supervision: supervision::Engine::default(),
            devices,
        };
        bootstrap::ensure_builtin_roles(&services).await?;
        services.ensure_builtin_rules().await?;
        let org = &services.config.org;
        let level = crate::domain::org::RegionLevel::parse(&org.root_level)
            .ok_or_else(|| Error::invalid("org.root_level", "province, city or county"))?;
        bootstrap::ensure_root_region(&services, &org.root_code, &org.root_name, level).await?;
        services.install_calendar().await?;
        services.follow_calendar();
        Ok(services)
    }
}
