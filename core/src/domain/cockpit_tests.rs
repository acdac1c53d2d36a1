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
#[case::year("2026-01-01", "2026-12-31", Some((202601, 202612)), vec![], vec![])]
#[case::ragged("2026-01-20", "2026-04-10", Some((202602, 202603)),
    vec![(20260120, 20260131), (20260401, 20260410)], vec![])]
#[case::mostly_covered_first_month("2026-01-15", "2026-04-10", Some((202601, 202603)),
    vec![(20260401, 20260410)], vec![(20260101, 20260114)])]
#[case::mostly_covered_last_month("2026-01-01", "2026-03-25", Some((202601, 202603)),
    vec![], vec![(20260326, 20260331)])]
#[case::a_year_to_today("2025-12-02", "2026-12-01", Some((202512, 202611)),
    vec![(20261201, 20261201)], vec![(20251201, 20251201)])]
#[case::inside_a_month("2026-12-05", "2026-12-20", None, vec![(20261205, 20261220)], vec![])]
#[case::one_day("2026-12-01", "2026-12-01", None, vec![(20261201, 20261201)], vec![])]
#[case::whole_february("2028-02-01", "2028-02-29", Some((202802, 202802)), vec![], vec![])]
#[case::across_a_year("2025-12-31", "2026-01-31", Some((202601, 202601)),
    vec![(20251231, 20251231)], vec![])]
fn a_period_is_cut_into_months_and_the_days_around_them(
    #[case] from: &str,
    #[case] to: &str,
    #[case] months: Option<(i64, i64)>,
    #[case] days: Vec<(i64, i64)>,
    #[case] minus: Vec<(i64, i64)>,
) {
    assert_eq!(
        cut_period(date(from), date(to)),
        PeriodCut {
            months,
            days,
            minus
        }
    );
}

#[test]
fn every_day_of_any_period_counts_once_and_no_other_day_counts() {
    let start = date("2027-11-20");
    let within = |ranges: &[(i64, i64)], k: i64| {
        ranges.iter().filter(|(x, y)| *x <= k && k <= *y).count() as i64
    };
    for a in 0..80 {
        for len in 0..100 {
            let from = start + chrono::Days::new(a);
            let to = from + chrono::Days::new(len);
            let cut = cut_period(from, to);
            let months: Vec<(i64, i64)> = cut.months.into_iter().collect();
            // Every day of the months read, and of the period.
            let mut d = from.with_day(1).unwrap();
            let end = to.with_day(1).unwrap() + chrono::Months::new(1);
            while d < end {
                let k = day_key(d);
                let counted =
                    within(&cut.days, k) + within(&months, k / 100) - within(&cut.minus, k);
                let expected = i64::from(from <= d && d <= to);
                assert_eq!(counted, expected, "{from}..{to}: {d} in {cut:?}");
                assert!(within(&cut.minus, k) <= within(&months, k / 100));
                d = d.succ_opt().unwrap();
            }
            // Day rows are read only inside the period, and fewer of them than a month's.
            for (x, y) in &cut.days {
                assert!(day_key(from) <= *x && *y <= day_key(to));
            }
            for (x, y) in cut.days.iter().chain(&cut.minus) {
                let n = (date_of_key(*y).unwrap() - date_of_key(*x).unwrap()).num_days() + 1;
                assert!(n <= 16 || cut.months.is_none(), "{from}..{to}: {cut:?}");
            }
        }
    }
}
