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

#[rstest]
#[case::year("2026-01-01", "2026-12-31", Some((202601, 202612)), vec![])]
#[case::ragged("2026-01-15", "2026-04-10", Some((202602, 202603)),
    vec![(20260115, 20260131), (20260401, 20260410)])]
#[case::inside_a_month("2026-12-05", "2026-12-20", None, vec![(20261205, 20261220)])]
#[case::one_day("2026-12-01", "2026-12-01", None, vec![(20261201, 20261201)])]
#[case::whole_february("2028-02-01", "2028-02-29", Some((202802, 202802)), vec![])]
#[case::across_a_year("2025-12-31", "2026-01-31", Some((202601, 202601)),
    vec![(20251231, 20251231)])]
fn a_period_is_cut_into_whole_months_and_the_days_around_them(
    #[case] from: &str,
    #[case] to: &str,
    #[case] months: Option<(i64, i64)>,
    #[case] days: Vec<(i64, i64)>,
) {
    assert_eq!(cut_period(date(from), date(to)), PeriodCut { months, days });
}

#[test]
fn every_day_of_any_period_is_in_exactly_one_part_of_its_cut() {
    let start = date("2027-11-20");
    for a in 0..80 {
        for len in 0..100 {
            let from = start + chrono::Days::new(a);
            let to = from + chrono::Days::new(len);
            let cut = cut_period(from, to);
            let mut d = from;
            while d <= to {
                let k = day_key(d);
                let in_days = cut.days.iter().filter(|(x, y)| *x <= k && k <= *y).count();
                let in_months = cut
                    .months
                    .iter()
                    .filter(|(x, y)| *x <= k / 100 && k / 100 <= *y)
                    .count();
                assert_eq!(in_days + in_months, 1, "{from}..{to}: {d} in {cut:?}");
                d = d.succ_opt().unwrap();
            }
            // Nothing outside the period is read.
            if let Some((m1, m2)) = cut.months {
                let first = date_of_key(m1 * 100 + 1).unwrap();
                let last = date_of_key(m2 * 100 + 1).unwrap() + chrono::Months::new(1)
                    - chrono::Days::new(1);
                assert!(from <= first && last <= to, "{from}..{to}: {cut:?}");
            }
            for (x, y) in &cut.days {
                assert!(day_key(from) <= *x && *y <= day_key(to));
            }
        }
    }
}
