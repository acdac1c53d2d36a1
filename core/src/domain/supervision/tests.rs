//! The rule language, the crossing-time computation, the projection's timer and the cards.

use proptest::prelude::*;
use rstest::rstest;

use super::cards::{AnomalyAction, AnomalyStatus, CardKey, group, inhibited, next};
use super::facts::{FLAG_ACCEPTED, FLAG_STEP_CLOCK, NO_RANK, Signals, status_code};
use super::projection::Projection;
use super::*;
use crate::domain::case::CaseStatus;

/// A case accepted at rank 100 with a promised limit of 10 days and a first step of 3 days.
fn running() -> CaseClocks {
    CaseClocks {
        region: 1,
        department: 2,
        item: 3,
        case_base: 100,
        step_base: 100,
        stopped_at: NO_RANK,
        next: NO_RANK,
        case_limit: 10,
        legal_limit: 20,
        step_limit: 3,
        step: 0,
        status: status_code(CaseStatus::InReview),
        missing: 0,
        materials: 1,
        returns: 0,
        flags: FLAG_ACCEPTED | FLAG_STEP_CLOCK,
        signals: Signals::default(),
    }
}

#[rstest]
#[case::unknown_fact("case.elapsd > 3", 1, "no fact is called `case.elapsd`")]
#[case::single_equals("status = 'denied'", 8, "a single `=`")]
#[case::text_vs_number("status > 3", 10, "cannot compare a text with a number")]
#[case::number_condition("case.elapsed + 1", 1, "must be true or false")]
#[case::unclosed_paren("(case.used > 0.5", 17, "expected `)`")]
#[case::unclosed_text("status == 'denied", 11, "closing quote")]
#[case::and_on_number("case.elapsed and open", 1, "`and` needs a true/false")]
#[case::chained("1 < case.elapsed < 3", 18, "do not chain")]
#[case::trailing("open open", 6, "expected `and`, `or` or the end")]
#[case::text_ordering("status < 'x'", 8, "only be compared with == or !=")]
#[case::empty("", 1, "ends too early")]
#[case::bad_list("status in ['a', 3]", 17, "cannot hold a number")]
#[case::zero_division("case.elapsed / 0 > 1", 16, "division by zero")]
#[case::stray_char("open # x", 6, "unexpected character `#`")]
fn refuses_bad_conditions_with_column_and_reason(
    #[case] src: &str,
    #[case] column: usize,
    #[case] reason: &str,
) {
    let e = parse(src).expect_err(src);
    assert_eq!(e.column, column, "{src}: {e}");
    assert!(e.reason.contains(reason), "{src}: {e}");
}

#[test]
fn columns_count_characters_not_bytes() {
    let e = parse("status == '审查' and nope").expect_err("unknown fact");
    assert_eq!(e.column, 20);
}

#[rstest]
#[case("case.used >= 0.8", 107, false)]
#[case("case.used >= 0.8", 108, true)]
#[case("case.remaining < 0", 110, false)]
#[case("case.remaining < 0", 111, true)]
#[case("case.remaining <= 2 and not suspended", 108, true)]
#[case("step.remaining <= 0 || step.used > 2", 103, true)]
#[case("status in ['in_review', 'suspended'] and open", 100, true)]
#[case("status == \"denied\" or terminated", 100, false)]
#[case("(case.limit - case.elapsed) * 2 == 8", 106, true)]
#[case("-case.remaining < 1 - 3", 105, true)]
#[case("not (materials.count > 0)", 100, false)]
#[case("case.legal_remaining == 20 - case.elapsed", 150, true)]
fn evaluates_conditions_on_a_running_case(
    #[case] src: &str,
    #[case] rank: i32,
    #[case] want: bool,
) {
    let expr = parse(src).expect(src);
    assert_eq!(holds(&expr, &running(), rank), want, "{src} at {rank}");
}

#[test]
fn a_suspended_case_stands_still_and_counts_its_suspension() {
    let mut c = running();
    c.status = status_code(CaseStatus::Suspended);
    c.stopped_at = 104;
    let elapsed = parse("case.elapsed == 4").expect("parses");
    let long = parse("suspended and suspended.days > 10").expect("parses");
    assert!(holds(&elapsed, &c, 104));
    assert!(holds(&elapsed, &c, 200));
    assert!(!holds(&long, &c, 114));
    assert!(holds(&long, &c, 115));
    assert_eq!(next_change(&elapsed, &c, 150), None);
    assert_eq!(next_change(&long, &c, 104), Some(115));
}

#[test]
fn the_next_change_of_the_default_time_rules_is_exact() {
    let yellow = parse(
        "accepted and open and case.remaining >= 0 and (case.used >= 0.8 or case.remaining <= 2)",
    )
    .expect("parses");
    let red = parse("accepted and open and case.remaining < 0").expect("parses");
    let c = running();
    assert_eq!(next_change(&yellow, &c, 100), Some(108));
    assert_eq!(next_change(&yellow, &c, 108), Some(111));
    assert_eq!(next_change(&yellow, &c, 111), None);
    assert_eq!(next_change(&red, &c, 100), Some(111));
    assert_eq!(next_change(&red, &c, 111), None);
    let step = parse("step.used >= 0.8").expect("parses");
    // 3-day step: 0.8 of it is 2.4 days, so the third day crosses.
    assert_eq!(next_change(&step, &c, 100), Some(103));
}

#[test]
fn untimed_and_closed_cases_never_wake() {
    let c = running();
    assert_eq!(
        next_change(&parse("denied").expect("parses"), &c, 100),
        None
    );
    let mut closed = c;
    closed.status = status_code(CaseStatus::Approved);
    closed.stopped_at = 105;
    let red = parse("case.remaining < 0").expect("parses");
    assert_eq!(next_change(&red, &closed, 105), None);
    assert!(holds(
        &parse("case.elapsed == 5").expect("parses"),
        &closed,
        300
    ));
}

#[test]
fn a_non_affine_condition_is_stepped() {
    let e = parse("case.elapsed * case.elapsed > 30").expect("parses");
    assert_eq!(next_change(&e, &running(), 100), Some(106));
}

proptest! {
    /// The computed next change agrees with stepping day by day, for thresholds of every kind.
    #[test]
    fn next_change_agrees_with_stepping(
        limit in 0u16..40,
        step_limit in 0u16..10,
        share in 0.0f64..2.0,
        days in -5i32..10,
        from in 90i32..160,
        which in 0usize..7,
    ) {
        let src = match which {
            0 => format!("case.used >= {share}"),
            1 => format!("case.remaining <= {days}"),
            2 => format!("step.used > {share} and case.remaining != {days}"),
            3 => format!("not (case.elapsed - step.elapsed / 2 < {days})"),
            4 => format!("case.remaining == {days} or step.remaining == {days}"),
            5 => format!("case.used * 10 >= {share} * 10 and open"),
            _ => format!("(status == 'in_review' or status == 'x') and case.remaining > {days}"),
        };
        let src = src.replace("-", " - ").replace(" -  ", " - ");
        let expr = parse(&src).map_err(|e| TestCaseError::fail(format!("{src}: {e}")))?;
        let mut c = running();
        c.case_limit = limit;
        c.step_limit = step_limit;
        c.step_base = 103;
        let now = holds(&expr, &c, from);
        let stepped = (from + 1..from + 600).find(|&x| holds(&expr, &c, x) != now);
        prop_assert_eq!(next_change(&expr, &c, from), stepped, "{}", src);
        prop_assert_eq!(verdict(&expr, &c, from), (now, stepped), "{}", src);
    }

    /// Parsing never panics, whatever the input.
    #[test]
    fn parsing_never_panics(src in ".{0,60}") {
        let _ = parse(&src);
    }
}

fn rule(id: i64, src: &str, severity: Severity) -> CompiledRule {
    let expr = parse(src).expect(src);
    CompiledRule {
        id,
        code: format!("r{id}"),
        version: 1,
        kind: RuleKind::TimeLimit,
        severity,
        step_level: expr.of_step(),
        expr,
        reach: Reach::default(),
    }
}

#[test]
fn judging_lists_hits_with_steps_and_the_earliest_next_change() {
    let rules = vec![
        rule(1, "case.used >= 0.8", Severity::Yellow),
        rule(2, "step.remaining < 0", Severity::Red),
        rule(3, "denied", Severity::Red),
    ];
    let mut c = running();
    c.step = 1;
    let mut hits = Vec::new();
    let next = judge(&rules, &c, 104, &mut hits);
    assert_eq!(hits, vec![Hit { rule: 1, step: 1 }]);
    assert_eq!(next, 108);
    let mut elsewhere = c;
    elsewhere.region = 9;
    let mut reached = rules.clone();
    reached[0].reach.regions = vec![1, 5];
    hits.clear();
    judge(&reached, &elsewhere, 109, &mut hits);
    assert_eq!(hits, vec![Hit { rule: 1, step: 1 }]);
}

#[test]
fn the_projection_wakes_only_the_cases_due() {
    let mut p = Projection::with_capacity(8);
    for id in 1..=5 {
        let mut c = running();
        c.next = 100 + i32::try_from(id).expect("small");
        p.upsert(id, c);
    }
    let mut due = Vec::new();
    p.due(102, &mut due);
    let ids: Vec<i64> = due
        .iter()
        .filter_map(|&i| p.at(i).map(|(id, _)| id))
        .collect();
    assert_eq!(ids, vec![1, 2]);
    due.clear();
    p.due(102, &mut due);
    assert!(
        due.is_empty(),
        "a woken case is not woken again until rescheduled"
    );
    // Re-scheduling supersedes the old heap entry.
    let mut c = running();
    c.next = 110;
    p.upsert(3, c);
    p.due(105, &mut due);
    let ids: Vec<i64> = due
        .iter()
        .filter_map(|&i| p.at(i).map(|(id, _)| id))
        .collect();
    assert_eq!(ids, vec![4, 5]);
    p.remove(4);
    assert!(p.get(4).is_none());
    assert_eq!(p.len(), 4);
    let mut full = Vec::new();
    p.full_check(200, &mut full);
    let ids: Vec<i64> = full
        .iter()
        .filter_map(|&i| p.at(i).map(|(id, _)| id))
        .collect();
    assert_eq!(ids, vec![3]);
    assert_eq!(p.next_wake(), Some(110));
}

#[test]
fn removing_most_cases_compacts_and_keeps_lookups_right() {
    let mut p = Projection::with_capacity(16);
    for id in 1..=10 {
        let mut c = running();
        c.next = 200 + i32::try_from(id).expect("small");
        p.upsert(id * 10, c);
    }
    for id in 1..=7 {
        p.remove(id * 10);
    }
    assert_eq!(p.len(), 3);
    assert_eq!(p.get(90).map(|c| c.next), Some(209));
    let mut due = Vec::new();
    p.due(300, &mut due);
    let ids: Vec<i64> = due
        .iter()
        .filter_map(|&i| p.at(i).map(|(id, _)| id))
        .collect();
    assert_eq!(ids, vec![80, 90, 100]);
    // A case inserted out of order lands in place.
    let mut c = running();
    c.next = 301;
    p.upsert(85, c);
    due.clear();
    p.due(301, &mut due);
    let ids: Vec<i64> = due
        .iter()
        .filter_map(|&i| p.at(i).map(|(id, _)| id))
        .collect();
    assert_eq!(ids, vec![85]);
}

#[test]
fn a_case_in_the_projection_takes_at_most_64_bytes() {
    let mut p = Projection::with_capacity(1_000);
    for id in 0..1_000 {
        let mut c = running();
        c.next = 101;
        p.upsert(id, c);
    }
    assert!(p.bytes_per_case() <= 64, "{} bytes", p.bytes_per_case());
}

fn card(id: i64, case_id: i64, step: i64, severity: Severity) -> CardKey {
    CardKey {
        id,
        case_id,
        step,
        severity,
        live: true,
    }
}

#[test]
fn a_case_red_card_inhibits_the_step_yellow_cards_beneath_it() {
    let cards = vec![
        card(1, 7, 0, Severity::Yellow),
        card(2, 7, -1, Severity::Red),
        card(3, 7, 1, Severity::Red),
        card(4, 8, 0, Severity::Yellow),
        card(5, 8, -1, Severity::Yellow),
    ];
    let groups = group(&cards);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].case_cards, vec![2]);
    assert_eq!(groups[0].step_cards, vec![1, 3]);
    assert_eq!(groups[0].inhibited, vec![1]);
    assert!(groups[1].inhibited.is_empty());
    assert!(inhibited(&cards, 1));
    assert!(!inhibited(&cards, 3));
    assert!(!inhibited(&cards, 4));
    let mut closed_red = cards.clone();
    closed_red[1].live = false;
    assert!(!inhibited(&closed_red, 1));
}

#[test]
fn the_card_lifecycle_allows_only_its_steps() {
    use AnomalyAction::*;
    use AnomalyStatus::*;
    assert_eq!(next(Open, Acknowledge), Some(Acknowledged));
    assert_eq!(next(Acknowledged, Order), Some(Ordered));
    assert_eq!(next(Ordered, Reply), Some(Replied));
    assert_eq!(next(Replied, Confirm), Some(Confirmed));
    assert_eq!(next(Ordered, Confirm), None);
    assert_eq!(next(Dismissed, Acknowledge), None);
    assert_eq!(next(Open, Reply), None);
}

#[test]
fn a_workflow_card_is_acknowledged_then_dismissed_and_stays_finished() {
    use super::cards::WorkflowCardAction::*;
    use super::cards::workflow_card_next as next;
    assert_eq!(next("open", Acknowledge), Some("acknowledged"));
    assert_eq!(next("open", Dismiss), Some("dismissed"));
    assert_eq!(next("acknowledged", Dismiss), Some("dismissed"));
    assert_eq!(next("acknowledged", Acknowledge), None);
    assert_eq!(next("dismissed", Dismiss), None);
    assert_eq!(next("closed", Acknowledge), None);
}

#[test]
fn event_facts_are_read_from_the_clocks_and_give_step_cards_for_risk_points() {
    use super::facts::{FLAG_FEE_MISMATCH, FLAG_FEE_WAIVED, FLAG_PERSON_RISK, FLAG_RISK_POINT};
    let mut c = running();
    c.signals = Signals {
        absent: 1,
        unlisted: 2,
        complaints: 3,
        anomalies: 4,
        person_complaints: 5,
        person_anomalies: 6,
    };
    let holds_now = |c: &CaseClocks, src: &str| holds(&parse(src).unwrap(), c, 105);
    assert!(holds_now(
        &c,
        "materials.absent == 1 and materials.unlisted == 2"
    ));
    assert!(holds_now(&c, "case.complaints + case.anomalies == 7"));
    assert!(holds_now(
        &c,
        "person.complaints == 5 and person.anomalies == 6"
    ));
    assert!(!holds_now(
        &c,
        "fee.mismatch or fee.waived or step.risk_point"
    ));
    c.flags |= FLAG_FEE_MISMATCH | FLAG_FEE_WAIVED | FLAG_RISK_POINT;
    assert!(holds_now(
        &c,
        "fee.mismatch and fee.waived and step.risk_point"
    ));
    assert!(!holds_now(&c, "person.risk_point"));
    c.flags |= FLAG_PERSON_RISK;
    assert!(holds_now(&c, "person.risk_point and step.risk_point"));
    // They never move with the days: no timer wake for them.
    assert_eq!(
        next_change(&parse("case.complaints > 2").unwrap(), &c, 105),
        None
    );
    assert!(parse("step.risk_point").unwrap().of_step());
    assert!(!parse("fee.mismatch").unwrap().of_step());
    assert!(!parse("person.risk_point").unwrap().of_step());
    assert!(!parse("person.complaints > 0").unwrap().of_step());
    assert_eq!(
        next_change(&parse("person.anomalies > 2").unwrap(), &c, 105),
        None
    );
    assert!(size_of::<CaseClocks>() <= 48);
}
