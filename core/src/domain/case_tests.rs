use chrono::NaiveDate;
use rstest::rstest;

use super::*;
use crate::domain::calendar::SuspensionReason;

use super::CaseAction as A;
use super::CaseStatus as S;

fn at(status: CaseStatus, step: u32, accepted: bool) -> Position {
    Position {
        status,
        step,
        accepted,
        fee: FeeState::None,
        delivery: DeliveryState::Pending,
    }
}

const SERIAL: [Option<u32>; 3] = [None; 3];

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[rstest]
#[case::accept(at(S::Submitted, 0, false), A::Accept, at(S::InReview, 0, true))]
#[case::reject(
    at(S::Submitted, 0, false),
    A::RejectAtIntake,
    at(S::RejectedAtIntake, 0, false)
)]
#[case::supplement_at_intake(
    at(S::Submitted, 0, false),
    A::RequestSupplement,
    at(S::SupplementRequested, 0, false)
)]
#[case::supplement_back_to_intake(
    at(S::SupplementRequested, 0, false),
    A::ReceiveSupplement,
    at(S::Submitted, 0, false)
)]
#[case::supplement_in_review(
    at(S::InReview, 1, true),
    A::RequestSupplement,
    at(S::SupplementRequested, 1, true)
)]
#[case::supplement_back_to_review(
    at(S::SupplementRequested, 1, true),
    A::ReceiveSupplement,
    at(S::InReview, 1, true)
)]
#[case::approve_moves_to_next_step(at(S::InReview, 0, true), A::Approve, at(S::InReview, 1, true))]
#[case::approve_last_step_concludes(at(S::InReview, 2, true), A::Approve, at(S::Approved, 2, true))]
#[case::deny(at(S::InReview, 1, true), A::Deny, at(S::Denied, 1, true))]
#[case::suspend(at(S::InReview, 1, true), A::Suspend, at(S::Suspended, 1, true))]
#[case::resume(at(S::Suspended, 1, true), A::Resume, at(S::InReview, 1, true))]
#[case::terminate_submitted(at(S::Submitted, 0, false), A::Terminate, at(S::Terminated, 0, false))]
#[case::terminate_waiting(
    at(S::SupplementRequested, 0, false),
    A::Terminate,
    at(S::Terminated, 0, false)
)]
#[case::terminate_in_review(at(S::InReview, 1, true), A::Terminate, at(S::Terminated, 1, true))]
#[case::terminate_suspended(at(S::Suspended, 1, true), A::Terminate, at(S::Terminated, 1, true))]
fn every_allowed_transition_leads_where_the_law_says(
    #[case] from: Position,
    #[case] action: CaseAction,
    #[case] to: Position,
) {
    assert_eq!(apply(from, action, &SERIAL, 0), Ok(to));
}

#[test]
fn returning_goes_back_to_the_named_earlier_step() {
    let to = apply(at(S::InReview, 2, true), A::Return, &SERIAL, 0);
    assert_eq!(to, Ok(at(S::InReview, 0, true)));
}

#[test]
fn returning_to_the_current_or_a_later_step_is_refused() {
    for target in [2, 3] {
        assert_eq!(
            apply(at(S::InReview, 2, true), A::Return, &[None; 4], target),
            Err(TransitionError::NotEarlier {
                current: 2,
                to: target
            })
        );
    }
}

#[test]
fn approving_an_item_without_steps_concludes_at_once() {
    assert_eq!(
        apply(at(S::InReview, 0, true), A::Approve, &[], 0),
        Ok(at(S::Approved, 0, true))
    );
}

#[rstest]
#[case(S::Submitted, A::Approve)]
#[case(S::Submitted, A::Deny)]
#[case(S::Submitted, A::Resume)]
#[case(S::Submitted, A::ReceiveSupplement)]
#[case(S::SupplementRequested, A::Accept)]
#[case(S::SupplementRequested, A::Approve)]
#[case(S::InReview, A::Accept)]
#[case(S::InReview, A::RejectAtIntake)]
#[case(S::InReview, A::Resume)]
#[case(S::Suspended, A::Approve)]
#[case(S::Suspended, A::Suspend)]
#[case(S::Approved, A::Terminate)]
#[case(S::Denied, A::Approve)]
#[case(S::RejectedAtIntake, A::Accept)]
#[case(S::Terminated, A::Resume)]
fn an_illegal_transition_is_refused_and_changes_nothing(
    #[case] status: CaseStatus,
    #[case] action: CaseAction,
) {
    assert_eq!(
        apply(at(status, 0, true), action, &SERIAL, 0),
        Err(TransitionError::NotAllowed { status, action })
    );
}

#[test]
fn closed_cases_allow_nothing_and_open_ones_allow_terminate() {
    for s in [S::RejectedAtIntake, S::Terminated] {
        assert!(allowed_actions(&at(s, 0, true)).is_empty());
        assert!(!s.is_open());
    }
    for s in [S::Approved, S::Denied] {
        let delivered = Position {
            delivery: DeliveryState::Delivered,
            ..at(s, 0, true)
        };
        assert!(allowed_actions(&delivered).is_empty());
        assert!(!s.is_open());
    }
    for s in [
        S::Submitted,
        S::SupplementRequested,
        S::InReview,
        S::Suspended,
    ] {
        assert!(allowed_actions(&at(s, 0, true)).contains(&A::Terminate));
        assert!(s.is_open());
    }
}

/// Workflow: step 0 alone, steps 1–3 in parallel group 7, step 4 alone.
const PARALLEL: [Option<u32>; 5] = [None, Some(7), Some(7), Some(7), None];

#[test]
fn a_parallel_group_is_one_stage_of_consecutive_steps() {
    assert_eq!(stage_of(&PARALLEL, 0), 0..1);
    for i in 1..4 {
        assert_eq!(stage_of(&PARALLEL, i), 1..4);
    }
    assert_eq!(stage_of(&PARALLEL, 4), 4..5);
    // The same group number further on is another stage.
    assert_eq!(stage_of(&[Some(1), None, Some(1)], 2), 2..3);
}

#[test]
fn completing_a_parallel_stage_moves_past_all_of_its_steps() {
    let after_first = apply(at(S::InReview, 0, true), A::Approve, &PARALLEL, 0);
    assert_eq!(after_first, Ok(at(S::InReview, 1, true)));
    let after_group = apply(at(S::InReview, 1, true), A::Approve, &PARALLEL, 0);
    assert_eq!(after_group, Ok(at(S::InReview, 4, true)));
    let done = apply(at(S::InReview, 4, true), A::Approve, &PARALLEL, 0);
    assert_eq!(done, Ok(at(S::Approved, 4, true)));
}

#[test]
fn returning_into_a_parallel_group_reopens_the_whole_stage() {
    let back = apply(at(S::InReview, 4, true), A::Return, &PARALLEL, 2);
    assert_eq!(back, Ok(at(S::InReview, 1, true)));
    // From inside the group, only steps before the stage are earlier.
    assert_eq!(
        apply(at(S::InReview, 1, true), A::Return, &PARALLEL, 1),
        Err(TransitionError::NotEarlier { current: 1, to: 1 })
    );
}

#[test]
fn a_due_fee_blocks_delivery_until_paid_or_waived() {
    let due = Position {
        fee: FeeState::Due,
        ..at(S::Approved, 2, true)
    };
    assert_eq!(allowed_actions(&due), [A::PayFee, A::WaiveFee]);
    assert_eq!(
        apply(due, A::SendByCourier, &SERIAL, 0),
        Err(TransitionError::NotAllowed {
            status: S::Approved,
            action: A::SendByCourier
        })
    );
    let paid = apply(due, A::PayFee, &SERIAL, 0).unwrap();
    assert_eq!(paid.fee, FeeState::Paid);
    assert_eq!(
        allowed_actions(&paid),
        [A::ReadyForPickup, A::SendByCourier]
    );
    assert_eq!(
        apply(paid, A::PayFee, &SERIAL, 0),
        Err(TransitionError::NotAllowed {
            status: S::Approved,
            action: A::PayFee
        })
    );
}

#[test]
fn delivery_goes_by_pickup_after_ready_or_straight_by_courier() {
    let concluded = at(S::Denied, 1, true);
    let ready = apply(concluded, A::ReadyForPickup, &SERIAL, 0).unwrap();
    assert_eq!(ready.delivery, DeliveryState::ReadyForPickup);
    assert_eq!(allowed_actions(&ready), [A::PickUp]);
    let picked = apply(ready, A::PickUp, &SERIAL, 0).unwrap();
    assert_eq!(picked.delivery, DeliveryState::Delivered);
    assert!(allowed_actions(&picked).is_empty());
    let sent = apply(concluded, A::SendByCourier, &SERIAL, 0).unwrap();
    assert_eq!(sent.delivery, DeliveryState::Delivered);
    assert!(apply(concluded, A::PickUp, &SERIAL, 0).is_err());
    // Nothing to deliver before a conclusion.
    assert!(apply(at(S::InReview, 0, true), A::ReadyForPickup, &SERIAL, 0).is_err());
}

#[test]
fn status_names_round_trip() {
    for s in [
        S::Submitted,
        S::SupplementRequested,
        S::InReview,
        S::Suspended,
        S::Approved,
        S::Denied,
        S::RejectedAtIntake,
        S::Terminated,
    ] {
        assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn a_suspension_moves_the_deadline_by_the_working_days_it_stopped_the_clock() {
    let cal = Calendar::bundled().unwrap();
    // Accepted Monday 2026-11-02; 5 working days → Monday 2026-11-09.
    let plain = clock(&cal, date("2026-11-02"), 5, date("2026-11-04"), &[]);
    assert_eq!(
        plain.deadline,
        Deadline::Due {
            date: date("2026-11-09")
        }
    );
    assert_eq!(plain.elapsed_working_days, 2);
    assert_eq!(plain.remaining_working_days, 3);
    // Stopped Wednesday and Thursday (resumed Friday): two working days later.
    let stop = [Suspension {
        from: date("2026-11-04"),
        to: Some(date("2026-11-06")),
        reason: SuspensionReason::Supplement,
    }];
    let moved = clock(&cal, date("2026-11-02"), 5, date("2026-11-06"), &stop);
    assert_eq!(
        moved.deadline,
        Deadline::Due {
            date: date("2026-11-11")
        }
    );
    assert_eq!(moved.elapsed_working_days, 2);
    assert_eq!(moved.remaining_working_days, 3);
}

#[test]
fn an_open_suspension_leaves_the_deadline_unknown_and_stops_elapsed_time() {
    let cal = Calendar::bundled().unwrap();
    let stop = [Suspension {
        from: date("2026-11-04"),
        to: None,
        reason: SuspensionReason::Hearing,
    }];
    let c = clock(&cal, date("2026-11-02"), 5, date("2026-11-20"), &stop);
    assert_eq!(
        c.deadline,
        Deadline::Suspended {
            since: date("2026-11-04")
        }
    );
    assert_eq!(c.elapsed_working_days, 1);
}

#[test]
fn the_stored_open_statuses_are_exactly_the_open_ones() {
    let all = [
        S::Submitted,
        S::SupplementRequested,
        S::InReview,
        S::Suspended,
        S::Approved,
        S::Denied,
        S::RejectedAtIntake,
        S::Terminated,
    ];
    for s in all {
        assert_eq!(S::OPEN.contains(&s.as_str()), s.is_open(), "{s:?}");
    }
}
