use chrono::NaiveDate;
use rstest::rstest;

use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn day_keys_round_trip_and_sort_like_dates() {
    let d = date("2026-12-01");
    assert_eq!(day_key(d), 20261201);
    assert_eq!(date_of_key(20261201), Some(d));
    assert!(day_key(date("2026-11-30")) < day_key(d));
    assert_eq!(date_of_key(20261332), None);
}

#[rstest]
#[case::day(Granularity::Day, "2026-12-03", "2026-12-03", "2026-12-03")]
#[case::week_midweek(Granularity::Week, "2026-12-03", "2026-11-30", "2026-W49")]
#[case::week_sunday(Granularity::Week, "2026-12-06", "2026-11-30", "2026-W49")]
#[case::week_across_years(Granularity::Week, "2027-01-01", "2026-12-28", "2026-W53")]
#[case::month(Granularity::Month, "2026-12-31", "2026-12-01", "2026-12")]
fn periods_start_on_their_first_day_and_are_named(
    #[case] g: Granularity,
    #[case] day: &str,
    #[case] start: &str,
    #[case] label: &str,
) {
    let s = g.start_of(date(day));
    assert_eq!(s, date(start));
    assert_eq!(g.label(s), label);
}

#[test]
fn figures_divide_only_what_has_a_base() {
    let f = Figures::of(Counters::default());
    assert_eq!(f.on_time_rate, None);
    assert_eq!(f.satisfaction, None);
    let c = Counters {
        received: 4,
        online: 3,
        concluded: 3,
        on_time: 2,
        handling_days: 10,
        courier: 1,
        ratings: 2,
        rating_sum: 9,
        waits: 2,
        wait_ms: 3 * 60_000,
        ..Counters::default()
    };
    let f = Figures::of(c);
    assert_eq!(f.online_share, Some(0.75));
    assert_eq!(f.on_time_rate, Some(0.6667));
    assert_eq!(f.courier_share, Some(0.3333));
    assert_eq!(f.average_handling_days, Some(3.3333));
    assert_eq!(f.satisfaction, Some(4.5));
    assert_eq!(f.average_wait_minutes, Some(1.5));
}

#[test]
fn counters_add_field_by_field() {
    let one = Counters {
        received: 1,
        red: 2,
        wait_ms: 5,
        ..Counters::default()
    };
    let mut sum = one;
    sum += &one;
    assert_eq!(sum.received, 2);
    assert_eq!(sum.red, 4);
    assert_eq!(sum.wait_ms, 10);
    assert_eq!(sum.visits, 0);
}
