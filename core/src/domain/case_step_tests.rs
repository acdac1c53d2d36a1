use super::*;

fn p(id: i64, name: &str) -> Person {
    Person {
        user_id: id,
        name: name.into(),
    }
}

#[test]
fn a_free_step_is_approved_by_anyone_who_may_handle_the_case() {
    let mut s = OpenStep::open(0, 1);
    assert!(s.waiting_for().is_empty());
    assert_eq!(s.approve(7, 2), Ok(true));
}

#[test]
fn a_handed_step_waits_for_its_handler() {
    let mut s = OpenStep::open(1, 1);
    s.transfer(7, p(8, "李四")).unwrap();
    assert_eq!(
        s.approve(7, 2),
        Err(StepError::NotYours {
            index: 1,
            waiting_for: vec!["李四".into()]
        })
    );
    assert_eq!(s.approve(8, 2), Ok(true));
}

#[test]
fn countersign_by_all_needs_every_signer() {
    let mut s = OpenStep::open(0, 1);
    s.countersign(7, SignMode::All, vec![p(8, "甲"), p(9, "乙")])
        .unwrap();
    assert_eq!(s.approve(8, 2), Ok(false));
    assert_eq!(s.waiting_for(), ["乙"]);
    // A signer signs once.
    assert!(matches!(s.approve(8, 3), Err(StepError::NotYours { .. })));
    assert!(matches!(s.approve(7, 3), Err(StepError::NotYours { .. })));
    assert_eq!(s.approve(9, 4), Ok(true));
}

#[test]
fn countersign_by_any_is_complete_with_the_first_approval() {
    let mut s = OpenStep::open(0, 1);
    s.countersign(7, SignMode::Any, vec![p(8, "甲"), p(9, "乙")])
        .unwrap();
    assert_eq!(s.approve(9, 2), Ok(true));
}

#[test]
fn signers_cannot_be_replaced_after_a_signature_but_can_be_added() {
    let mut s = OpenStep::open(2, 1);
    s.countersign(7, SignMode::All, vec![p(8, "甲")]).unwrap();
    s.add_signer(8, p(9, "乙")).unwrap();
    assert_eq!(s.approve(8, 2), Ok(false));
    assert_eq!(
        s.countersign(8, SignMode::Any, vec![p(10, "丙")]),
        Err(StepError::AlreadySigned { index: 2 })
    );
    assert_eq!(
        s.add_signer(8, p(9, "乙")),
        Err(StepError::AlreadyNamed {
            index: 2,
            name: "乙".into()
        })
    );
    assert!(s.signers[1].added);
    assert_eq!(s.approve(9, 3), Ok(true));
}

#[test]
fn adding_a_signer_to_a_plain_step_makes_it_countersigned() {
    let mut s = OpenStep::open(0, 1);
    s.transfer(7, p(8, "甲")).unwrap();
    s.add_signer(8, p(9, "乙")).unwrap();
    assert_eq!(s.waiting_for(), ["乙"]);
    assert!(!s.may_approve(8));
    assert_eq!(s.approve(9, 2), Ok(true));
}

#[test]
fn only_the_handler_or_a_signer_directs_a_handed_step() {
    let mut s = OpenStep::open(0, 1);
    s.transfer(7, p(8, "甲")).unwrap();
    assert!(matches!(
        s.add_signer(7, p(9, "乙")),
        Err(StepError::NotYours { .. })
    ));
    assert!(matches!(
        s.transfer(7, p(9, "乙")),
        Err(StepError::NotYours { .. })
    ));
    s.transfer(8, p(9, "乙")).unwrap();
    assert_eq!(s.handler, Some(p(9, "乙")));
}

#[test]
fn a_signer_transfers_their_own_signature() {
    let mut s = OpenStep::open(0, 1);
    s.countersign(7, SignMode::All, vec![p(8, "甲"), p(9, "乙")])
        .unwrap();
    s.transfer(9, p(10, "丙")).unwrap();
    assert_eq!(s.waiting_for(), ["甲", "丙"]);
    assert_eq!(
        s.transfer(8, p(10, "丙")),
        Err(StepError::AlreadyNamed {
            index: 0,
            name: "丙".into()
        })
    );
}
