use proptest::prelude::*;
use rstest::rstest;

use super::*;

const B: Backoff = Backoff {
    base_ms: 1_000,
    max_ms: 60_000,
};

#[rstest]
#[case(1, 1_000)]
#[case(2, 2_000)]
#[case(3, 4_000)]
#[case(6, 32_000)]
#[case(7, 60_000)]
#[case(500, 60_000)]
fn the_step_doubles_up_to_the_cap(#[case] attempts: i64, #[case] step: i64) {
    assert_eq!(B.delay_ms(attempts, 1.0), step);
    assert_eq!(B.delay_ms(attempts, 0.0), step / 2);
}

#[test]
fn parks_at_the_last_allowed_attempt() {
    assert_eq!(after_failure(10, 3, 3, B, 0.0), AfterFailure::Park);
    assert_eq!(
        after_failure(10, 2, 3, B, 0.0),
        AfterFailure::RetryAt(10 + 1_000)
    );
    assert_eq!(after_failure(10, 1, 0, B, 0.0), AfterFailure::Park);
}

#[test]
fn the_key_is_the_same_for_every_try_of_one_event() {
    assert_eq!(
        idempotency_key("province", 42),
        idempotency_key("province", 42)
    );
    assert_ne!(idempotency_key("province", 42), idempotency_key("sms", 42));
    assert_ne!(
        idempotency_key("province", 42),
        idempotency_key("province", 43)
    );
}

#[test]
fn outbox_events_never_go_out() {
    let all = vec![String::new()];
    assert!(wants(&all, "case.submitted"));
    assert!(!wants(&all, "outbox.parked"));
    assert!(!wants(&all, "inbound.received"));
    assert!(!wants(&["case.".to_owned()], "user.created"));
}

#[test]
fn statuses_round_trip() {
    for s in [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Parked,
    ] {
        assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(DeliveryStatus::parse("lost"), None);
}

proptest! {
    #[test]
    fn a_delay_stays_within_half_and_whole_of_its_step(
        attempts in 1_i64..100, jitter in 0.0_f64..1.0, base in 0_i64..100_000,
    ) {
        let b = Backoff { base_ms: base, max_ms: 3_600_000 };
        let d = b.delay_ms(attempts, jitter);
        let full = b.delay_ms(attempts, 1.0);
        prop_assert!(d >= full / 2 && d <= full);
        prop_assert!(full <= 3_600_000);
        prop_assert!(b.delay_ms(attempts + 1, 1.0) >= full);
    }
}
