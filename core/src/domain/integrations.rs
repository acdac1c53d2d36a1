//! The outbox's rules without IO: delivery states, idempotency keys, and when a failed delivery
//! is tried again (exponential back-off with jitter) or parked.

use serde::{Deserialize, Serialize};

/// Where one event owed to one connector stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet acknowledged; tried again at its `next_try_at`.
    Pending,
    /// The peer acknowledged it.
    Delivered,
    /// Failed `max_attempts` times; waits for a replay.
    Parked,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Parked => "parked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => DeliveryStatus::Pending,
            "delivered" => DeliveryStatus::Delivered,
            "parked" => DeliveryStatus::Parked,
            _ => return None,
        })
    }
}

/// The key a peer drops repeats by: the same for every try of one event to one connector, across
/// retries, restarts and replays.
pub fn idempotency_key(connector: &str, event_id: i64) -> String {
    format!("yiwang:{connector}:{event_id}")
}

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: i64,
    pub max_ms: i64,
}

impl Backoff {
    /// The wait after the `attempts`-th failure (1 = the first): `base · 2^(attempts-1)`, capped
    /// at `max`, then scaled by `jitter` in [0, 1) into its upper half, so that many deliveries
    /// failing together do not all come back at the same moment, yet none comes back sooner
    /// than half its step.
    pub fn delay_ms(&self, attempts: i64, jitter: f64) -> i64 {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
        let step = self
            .base_ms
            .max(0)
            .saturating_mul(1_i64 << exp.min(40))
            .min(self.max_ms.max(0));
        let jitter = jitter.clamp(0.0, 1.0);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_precision_loss,
            reason = "a delay in ms fits an f64's mantissa"
        )]
        let scaled = (step as f64 * (0.5 + jitter / 2.0)) as i64;
        scaled.clamp(step / 2, step)
    }
}

/// What to do with a delivery that just failed its `attempts`-th try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(i64),
    Park,
}

/// Parks once `attempts` reaches `max_attempts`, else schedules the next try.
pub fn after_failure(
    now: i64,
    attempts: i64,
    max_attempts: i64,
    backoff: Backoff,
    jitter: f64,
) -> AfterFailure {
    if attempts >= max_attempts.max(1) {
        AfterFailure::Park
    } else {
        AfterFailure::RetryAt(now.saturating_add(backoff.delay_ms(attempts, jitter)))
    }
}

/// Whether a connector listening to `prefixes` takes an event of `kind`. The outbox's own
/// events never go out, so a connector cannot feed itself.
pub fn wants(prefixes: &[String], kind: &str) -> bool {
    !kind.starts_with("outbox.")
        && !kind.starts_with("inbound.")
        && prefixes.iter().any(|p| kind.starts_with(p.as_str()))
}

#[cfg(test)]
#[path = "integrations_tests.rs"]
mod tests;
