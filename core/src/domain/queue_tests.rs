use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn numbers_carry_the_prefix_and_three_digits_at_least() {
    assert_eq!(ticket_number("A", 1), "A001");
    assert_eq!(ticket_number("B", 42), "B042");
    assert_eq!(ticket_number("A", 999), "A999");
    assert_eq!(ticket_number("AB", 1000), "AB1000");
}

#[test]
fn a_head_start_ranks_a_ticket_as_if_taken_earlier() {
    assert_eq!(rank_at(1_000_000, 0), 1_000_000);
    assert_eq!(rank_at(1_000_000, 10), 1_000_000 - 10 * MINUTE_MS);
    assert_eq!(
        rank_at(1_000_000, -5),
        1_000_000,
        "a negative boost is none"
    );
}

#[test]
fn item_groups_are_the_main_items_code() {
    assert_eq!(item_group("11350100MB0001-001"), "11350100MB0001");
    assert_eq!(item_group("11350100MB0001"), "11350100MB0001");
}

#[test]
fn only_the_listed_actions_are_allowed_per_status() {
    assert_eq!(
        allowed_actions(TicketStatus::Waiting),
        &[TicketAction::Call]
    );
    assert!(allowed_actions(TicketStatus::Called).contains(&TicketAction::Skip));
    assert!(!allowed_actions(TicketStatus::Called).contains(&TicketAction::Finish));
    assert!(allowed_actions(TicketStatus::Serving).contains(&TicketAction::Finish));
    assert!(allowed_actions(TicketStatus::Finished).is_empty());
    assert!(allowed_actions(TicketStatus::Void).is_empty());
    for s in ["waiting", "called", "serving", "finished", "void"] {
        assert_eq!(TicketStatus::parse(s).unwrap().as_str(), s);
    }
}

#[test]
fn visit_times_sum_each_state_and_count_open_intervals_to_now() {
    let spans = [
        Span {
            state: IntervalState::Waiting,
            started_at: 0,
            ended_at: Some(600),
        },
        Span {
            state: IntervalState::Called,
            started_at: 600,
            ended_at: Some(700),
        },
        Span {
            state: IntervalState::Waiting,
            started_at: 700,
            ended_at: Some(1_000),
        },
        Span {
            state: IntervalState::Serving,
            started_at: 1_000,
            ended_at: None,
        },
    ];
    let t = visit_times(&spans, 1_500);
    assert_eq!(t.waiting_ms, 900);
    assert_eq!(t.called_ms, 100);
    assert_eq!(t.serving_ms, 500);
    let backwards = [Span {
        state: IntervalState::Waiting,
        started_at: 10,
        ended_at: Some(5),
    }];
    assert_eq!(visit_times(&backwards, 20).waiting_ms, 0);
}

#[test]
fn ages_count_whole_years_and_bands_group_them() {
    assert_eq!(age_on(date(1949, 12, 31), date(2026, 11, 26)), 76);
    assert_eq!(age_on(date(2000, 11, 26), date(2026, 11, 26)), 26);
    assert_eq!(age_on(date(2000, 11, 27), date(2026, 11, 26)), 25);
    assert_eq!(age_on(date(2000, 2, 29), date(2001, 2, 28)), 0);
    assert_eq!(age_on(date(2000, 2, 29), date(2001, 3, 1)), 1);
    assert_eq!(age_on(date(2030, 1, 1), date(2026, 1, 1)), 0);
    assert_eq!(AgeBand::of(17), AgeBand::Under18);
    assert_eq!(AgeBand::of(18), AgeBand::From18To29);
    assert_eq!(AgeBand::of(60), AgeBand::From60To69);
    assert_eq!(AgeBand::of(120), AgeBand::From70);
    for b in AgeBand::ALL {
        assert_eq!(AgeBand::parse(b.as_str()), Some(b));
        assert_eq!(
            serde_json::to_value(b).unwrap(),
            serde_json::json!(b.as_str())
        );
    }
}

#[test]
fn distributions_use_nearest_rank_percentiles_and_minute_buckets() {
    let d = distribution((1..=100).map(|m| m * MINUTE_MS / 10).collect());
    assert_eq!(d.count, 100);
    assert_eq!(d.p50_ms, 50 * MINUTE_MS / 10);
    assert_eq!(d.p90_ms, 90 * MINUTE_MS / 10);
    assert_eq!(d.p99_ms, 99 * MINUTE_MS / 10);
    assert_eq!(d.max_ms, 10 * MINUTE_MS);
    // 0.1 … 0.9 min below 1 minute; 1.0 … 1.9 below 2; …; 10.0 is in "below 15".
    assert_eq!(d.histogram[0], 9);
    assert_eq!(d.histogram[1], 10);
    assert_eq!(d.histogram[4], 1);
    let empty = distribution(Vec::new());
    assert_eq!(empty.count, 0);
    assert_eq!(empty.histogram.len(), HISTOGRAM_MINUTES.len() + 1);
    let one = distribution(vec![7]);
    assert_eq!(
        (one.p50_ms, one.p99_ms, one.max_ms, one.mean_ms),
        (7, 7, 7, 7)
    );
}

/// The calling order of waiting tickets: by rank, then id (the order of taking).
fn calling_order(tickets: &[(i64, i64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tickets.len()).collect();
    order.sort_by_key(|&i| (rank_at(tickets[i].0, tickets[i].1), i));
    order
}

proptest! {
    #[test]
    fn no_ticket_is_overtaken_by_one_taken_more_than_the_largest_head_start_later(
        gaps in proptest::collection::vec(0i64..120_000, 1..60),
        boosts in proptest::collection::vec(prop_oneof![Just(0i64), Just(5i64), Just(15i64)], 60),
    ) {
        // Tickets taken in id order at increasing times, some with a head start.
        let mut at = 1_700_000_000_000i64;
        let tickets: Vec<(i64, i64)> = gaps.iter().zip(&boosts).map(|(g, b)| { at += g; (at, *b) }).collect();
        let order = calling_order(&tickets);
        let max_boost = 15 * MINUTE_MS;
        for (pos, &i) in order.iter().enumerate() {
            for &j in &order[pos + 1..] {
                // j is called after i: if j was taken first, i overtook it, by less than the
                // largest head start.
                if tickets[j].0 < tickets[i].0 {
                    prop_assert!(tickets[i].0 - tickets[j].0 <= max_boost);
                    prop_assert!(tickets[i].1 > tickets[j].1);
                }
            }
        }
    }

    #[test]
    fn without_head_starts_the_queue_is_first_come_first_served(
        gaps in proptest::collection::vec(0i64..120_000, 1..60),
    ) {
        let mut at = 0i64;
        let tickets: Vec<(i64, i64)> = gaps.iter().map(|g| { at += g; (at, 0) }).collect();
        prop_assert_eq!(calling_order(&tickets), (0..tickets.len()).collect::<Vec<_>>());
    }

    #[test]
    fn contiguous_intervals_add_up_to_the_whole_visit(
        lens in proptest::collection::vec((0u8..3, 0i64..3_600_000), 1..20),
    ) {
        let start = 1_700_000_000_000i64;
        let mut at = start;
        let spans: Vec<Span> = lens.iter().map(|(s, len)| {
            let state = [IntervalState::Waiting, IntervalState::Called, IntervalState::Serving][*s as usize];
            let span = Span { state, started_at: at, ended_at: Some(at + len) };
            at += len;
            span
        }).collect();
        let t = visit_times(&spans, at + 5);
        prop_assert_eq!(t.waiting_ms + t.called_ms + t.serving_ms, at - start);
    }

    #[test]
    fn the_age_on_the_nth_birthday_is_n(y in 1900i32..2020, m in 1u32..=12, d in 1u32..=28, n in 0u32..100) {
        let birth = date(y, m, d);
        let later = date(y + n as i32, m, d);
        prop_assert_eq!(age_on(birth, later), n);
        prop_assert_eq!(age_on(birth, later.pred_opt().unwrap()), n.saturating_sub(1));
    }

    #[test]
    fn percentiles_are_ordered_and_the_histogram_counts_everything(
        values in proptest::collection::vec(0i64..10_000_000, 1..300),
    ) {
        let d = distribution(values.clone());
        prop_assert!(d.p50_ms <= d.p90_ms && d.p90_ms <= d.p99_ms && d.p99_ms <= d.max_ms);
        prop_assert_eq!(d.histogram.iter().sum::<u64>(), values.len() as u64);
        prop_assert!(values.contains(&d.p90_ms));
    }
}
