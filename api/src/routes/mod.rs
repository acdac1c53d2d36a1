//! Every route of the API, one module per resource, all wired in [`configure`].

pub mod agency;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod catalogue_sync;
pub mod cockpit;
pub mod combined_cases;
pub mod complaints;
pub mod connectors;
pub mod courier;
pub mod data_sharing;
pub mod devices;
pub mod events;
pub mod follow_up;
pub mod health;
pub mod intermediaries;
pub mod licenses;
pub mod modules;
pub mod org;
pub mod portal;
pub mod portal_applicant;
pub mod publicity;
pub mod queue;
pub mod regulation;
pub mod review;
pub mod supervision;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the `/api/v1` routes (documented in the OpenAPI document) and the probes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .service(health::openapi)
                .configure(auth::configure)
                .configure(org::configure)
                .configure(users::configure)
                .configure(modules::configure)
                .configure(events::configure)
                .configure(audit::configure)
                .configure(catalogue::configure)
                .configure(cases::configure)
                .configure(supervision::configure)
                .configure(devices::configure)
                .configure(queue::configure)
                .configure(appointments::configure)
                .configure(licenses::configure)
                .configure(combined_cases::configure)
                .configure(complaints::configure)
                .configure(follow_up::configure)
                .configure(review::configure)
                .configure(calendar::configure)
                .configure(connectors::configure)
                .configure(intermediaries::configure)
                .configure(agency::configure)
                .configure(data_sharing::configure)
                .configure(cockpit::configure)
                .configure(portal::configure)
                .configure(courier::configure)
                .configure(regulation::configure)
                .configure(catalogue_sync::configure)
                .configure(publicity::configure),
        );
}
