use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn cal() -> Calendar {
    Calendar::bundled().unwrap()
}

fn day(text: &str, kind: DayKind) -> CalendarDay {
    CalendarDay {
        date: date(text),
        kind,
        name: "测试".to_owned(),
    }
}

fn year(year: i32, days: Vec<CalendarDay>) -> YearFile {
    YearFile {
        year,
        source: None,
        days,
    }
}

fn stop(from: &str, to: Option<&str>) -> Suspension {
    Suspension {
        from: date(from),
        to: to.map(date),
        reason: SuspensionReason::ExpertReview,
    }
}

fn due(text: &str) -> Deadline {
    Deadline::Due { date: date(text) }
}

/// The obvious, slow definition the fast tables must agree with.
fn oracle_is_working(cal: &Calendar, d: NaiveDate) -> bool {
    match cal.listed_day(d).map(|listed| listed.kind) {
        Some(DayKind::Holiday) => false,
        Some(DayKind::MakeUpWorkday) => true,
        None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
    }
}

/// Walks day by day from acceptance, counting working days outside every suspension.
fn oracle_deadline(
    cal: &Calendar,
    accepted: NaiveDate,
    limit: u32,
    stops: &[Suspension],
) -> Deadline {
    if limit == 0 {
        return Deadline::Due { date: accepted };
    }
    let (mut d, mut counted) = (accepted, 0);
    loop {
        d = d.succ_opt().unwrap();
        let stopped = stops
            .iter()
            .find(|s| s.from <= d && s.to.is_none_or(|to| d < to));
        if !oracle_is_working(cal, d) {
            continue;
        }
        match stopped {
            Some(s) if s.to.is_none() => return Deadline::Suspended { since: s.from },
            Some(_) => {}
            None => counted += 1,
        }
        if counted == limit {
            return Deadline::Due { date: d };
        }
    }
}

#[test]
fn bundled_calendar_covers_2025_and_2026() {
    let cal = cal();
    assert_eq!(cal.covered_years(), &[2025, 2026]);
    assert!(cal.covers(date("2026-12-31")));
    assert!(!cal.covers(date("2027-01-01")));
}

#[rstest]
#[case::y2025(2025, &[("元旦", 1), ("春节", 8), ("清明节", 3), ("劳动节", 5), ("端午节", 3), ("国庆节、中秋节", 8)],
    &["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])]
#[case::y2026(2026, &[("元旦", 3), ("春节", 9), ("清明节", 3), ("劳动节", 5), ("端午节", 3), ("中秋节", 3), ("国庆节", 7)],
    &["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])]
fn bundled_year_matches_the_state_council_notice(
    #[case] year: i32,
    #[case] periods: &[(&str, usize)],
    #[case] make_up: &[&str],
) {
    let cal = cal();
    let listed: Vec<_> = cal.days.iter().filter(|d| d.date.year() == year).collect();
    for (name, length) in periods {
        let count = listed
            .iter()
            .filter(|d| d.kind == DayKind::Holiday && d.name == *name)
            .count();
        assert_eq!(count, *length, "{name}");
    }
    let holidays = listed.iter().filter(|d| d.kind == DayKind::Holiday).count();
    assert_eq!(holidays, periods.iter().map(|p| p.1).sum::<usize>());
    let worked: Vec<_> = listed
        .iter()
        .filter(|d| d.kind == DayKind::MakeUpWorkday)
        .map(|d| d.date)
        .collect();
    assert_eq!(worked, make_up.iter().map(|d| date(d)).collect::<Vec<_>>());
}

#[rstest]
#[case::holiday_on_a_thursday("2026-10-01", false)]
#[case::make_up_saturday("2026-10-10", true)]
#[case::make_up_sunday("2026-09-20", true)]
#[case::plain_saturday("2026-10-17", false)]
#[case::plain_monday("2026-10-12", true)]
#[case::new_year_eve_2025_is_a_wednesday("2025-12-31", true)]
#[case::unloaded_year_follows_weekdays("2027-01-01", true)]
#[case::before_loaded_years("2024-10-01", true)]
fn tells_working_days(#[case] day: &str, #[case] working: bool) {
    assert_eq!(cal().is_working_day(date(day)), working);
}

#[rstest]
#[case::national_day_and_make_up_saturday_2026("2026-09-30", 5, "2026-10-13")]
#[case::make_up_sunday_before_national_day("2026-09-18", 1, "2026-09-20")]
#[case::make_up_saturday_before_spring_festival("2026-02-13", 1, "2026-02-14")]
#[case::across_spring_festival_2026("2026-02-13", 2, "2026-02-24")]
#[case::twenty_days_across_spring_festival("2026-02-13", 20, "2026-03-19")]
#[case::national_day_and_mid_autumn_2025("2025-09-30", 5, "2025-10-14")]
#[case::spring_festival_2025_with_make_up_sunday("2025-01-24", 3, "2025-02-05")]
#[case::new_year_2026_into_make_up_sunday("2025-12-31", 1, "2026-01-04")]
#[case::labour_day_2026("2026-04-30", 3, "2026-05-08")]
#[case::labour_day_make_up_saturday("2026-04-30", 4, "2026-05-09")]
#[case::dragon_boat_2026("2026-06-18", 1, "2026-06-22")]
#[case::sixty_days_over_national_day("2026-09-01", 60, "2026-11-30")]
#[case::sixty_days_over_spring_festival_2025("2025-01-20", 60, "2025-04-21")]
#[case::unloaded_2027_counts_weekdays_only("2026-12-31", 1, "2027-01-01")]
#[case::on_the_spot_item("2026-10-03", 0, "2026-10-03")]
fn deadline_in_real_holiday_periods(
    #[case] accepted: &str,
    #[case] limit: u32,
    #[case] expected: &str,
) {
    let cal = cal();
    assert_eq!(deadline(&cal, date(accepted), limit, &[]), due(expected));
    if limit > 0 {
        assert_eq!(cal.add_working_days(date(accepted), limit), date(expected));
    }
}

#[test]
fn expert_review_moves_the_deadline_by_the_working_days_it_stops() {
    // Stopped on Mon 12 and Tue 13 October, running again on Wednesday: two working days.
    let review = stop("2026-10-12", Some("2026-10-14"));
    assert_eq!(
        deadline(&cal(), date("2026-09-30"), 5, &[review]),
        due("2026-10-15")
    );
}

#[test]
fn suspension_inside_a_holiday_moves_nothing() {
    let hearing = stop("2026-10-02", Some("2026-10-08"));
    assert_eq!(
        deadline(&cal(), date("2026-09-30"), 5, &[hearing]),
        due("2026-10-13")
    );
}

#[test]
fn suspension_before_acceptance_counts_only_after_it() {
    // [Sep 28, Oct 9) stops only Oct 8 after acceptance on Sep 30: one working day.
    let supplement = stop("2026-09-28", Some("2026-10-09"));
    assert_eq!(
        deadline(&cal(), date("2026-09-30"), 5, &[supplement]),
        due("2026-10-14")
    );
}

#[test]
fn open_suspension_before_the_deadline_leaves_it_unknown() {
    let testing = stop("2026-10-12", None);
    let since = date("2026-10-12");
    assert_eq!(
        deadline(&cal(), date("2026-09-30"), 5, &[testing]),
        Deadline::Suspended { since }
    );
}

#[test]
fn open_suspension_joined_to_an_earlier_one_reports_when_the_clock_first_stopped() {
    // Friday 16 October is stopped, the weekend is off anyway, and the open one starts Monday.
    let stops = [
        stop("2026-10-19", None),
        stop("2026-10-16", Some("2026-10-19")),
    ];
    let since = date("2026-10-16");
    assert_eq!(
        deadline(&cal(), date("2026-09-30"), 20, &stops),
        Deadline::Suspended { since }
    );
}

#[test]
fn open_suspension_after_the_deadline_does_not_save_an_overdue_case() {
    let testing = stop("2026-10-14", None);
    assert_eq!(
        deadline(&cal(), date("2026-09-30"), 5, &[testing]),
        due("2026-10-13")
    );
}

#[test]
fn remaining_days_reach_zero_on_the_deadline_and_go_negative_after() {
    let (cal, accepted) = (cal(), date("2026-09-30"));
    let remaining = |today| remaining_working_days(&cal, accepted, 5, date(today), &[]);
    assert_eq!(remaining("2026-09-30"), 5);
    assert_eq!(remaining("2026-10-07"), 5);
    assert_eq!(remaining("2026-10-10"), 2);
    assert_eq!(remaining("2026-10-13"), 0);
    assert_eq!(remaining("2026-10-14"), -1);
    assert_eq!(
        elapsed_working_days(&cal, accepted, date("2026-09-01"), &[]),
        0
    );
}

#[test]
fn open_suspension_stops_elapsed_days_from_growing() {
    let (cal, accepted) = (cal(), date("2026-09-30"));
    let stops = [stop("2026-10-12", None)];
    assert_eq!(
        elapsed_working_days(&cal, accepted, date("2026-10-30"), &stops),
        3
    );
}

#[test]
fn working_days_between_is_negative_backwards() {
    let cal = cal();
    assert_eq!(
        cal.working_days_between(date("2026-09-30"), date("2026-10-13")),
        5
    );
    assert_eq!(
        cal.working_days_between(date("2026-10-13"), date("2026-09-30")),
        -5
    );
    assert_eq!(cal.next_working_day(date("2026-09-30")), date("2026-10-08"));
}

#[test]
fn listed_day_names_the_festival() {
    let cal = cal();
    assert_eq!(
        cal.listed_day(date("2026-02-17")).map(|d| d.name.as_str()),
        Some("春节")
    );
    assert_eq!(cal.listed_day(date("2026-03-17")), None);
}

#[test]
fn empty_calendar_counts_weekdays() {
    let cal = Calendar::from_years(&[]).unwrap();
    assert_eq!(cal, Calendar::default());
    assert_eq!(
        cal.add_working_days(date("2026-10-01"), 5),
        date("2026-10-08")
    );
}

#[rstest]
#[case::year_out_of_range(year(1800, vec![]), CalendarError::YearOutOfRange { year: 1800 })]
#[case::date_in_another_year(
    year(2026, vec![day("2025-12-31", DayKind::Holiday)]),
    CalendarError::DateOutsideYear { date: date("2025-12-31"), year: 2026 })]
#[case::date_twice(
    year(2026, vec![day("2026-10-01", DayKind::Holiday), day("2026-10-01", DayKind::Holiday)]),
    CalendarError::DuplicateDate { date: date("2026-10-01") })]
#[case::make_up_on_a_weekday(
    year(2026, vec![day("2026-10-09", DayKind::MakeUpWorkday)]),
    CalendarError::MakeUpOnWeekday { date: date("2026-10-09"), weekday: Weekday::Fri })]
#[case::no_name(
    year(2026, vec![CalendarDay { name: " ".to_owned(), ..day("2026-10-01", DayKind::Holiday) }]),
    CalendarError::MissingName { date: date("2026-10-01") })]
fn rejects_invalid_year_files(#[case] file: YearFile, #[case] expected: CalendarError) {
    assert_eq!(Calendar::from_years(&[file]), Err(expected));
}

#[test]
fn rejects_a_year_loaded_twice() {
    let files = [year(2026, vec![]), year(2026, vec![])];
    assert_eq!(
        Calendar::from_years(&files),
        Err(CalendarError::DuplicateYear { year: 2026 })
    );
}

#[test]
fn rejects_malformed_json_and_explains_errors_in_words() {
    let err = YearFile::from_json(r#"{"year": 2026, "days": [{"date": "2026-02-30"}]}"#);
    assert!(matches!(err, Err(CalendarError::Json { .. })));
    let err = CalendarError::MakeUpOnWeekday {
        date: date("2026-10-09"),
        weekday: Weekday::Fri,
    };
    assert_eq!(
        err.to_string(),
        "2026-10-09 is listed as a make-up working day but is a Fri, not a weekend day"
    );
}

/// Dates from 2024 to 2028: before, inside and after the loaded years.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..365 * 5).prop_map(|offset| date("2024-01-01") + Days::new(offset))
}

fn any_stop() -> impl Strategy<Value = Suspension> {
    (any_date(), 0u64..40, prop::bool::weighted(0.1)).prop_map(|(from, len, open)| Suspension {
        from,
        to: (!open).then(|| from + Days::new(len)),
        reason: SuspensionReason::Other,
    })
}

proptest! {
    #[test]
    fn adding_working_days_lands_on_a_working_day_n_days_later(d in any_date(), n in 1u32..300) {
        let cal = cal();
        let end = cal.add_working_days(d, n);
        prop_assert!(cal.is_working_day(end));
        prop_assert_eq!(cal.working_days_between(d, end), i64::from(n));
        prop_assert!(cal.add_working_days(d, n + 1) > end);
    }

    #[test]
    fn working_day_tables_agree_with_the_listed_days(d in any_date()) {
        let cal = cal();
        prop_assert_eq!(cal.is_working_day(d), oracle_is_working(&cal, d));
    }

    #[test]
    fn working_days_between_adds_up(a in any_date(), b in any_date(), c in any_date()) {
        let cal = cal();
        let ab_bc = cal.working_days_between(a, b) + cal.working_days_between(b, c);
        prop_assert_eq!(ab_bc, cal.working_days_between(a, c));
    }

    #[test]
    fn deadline_agrees_with_walking_day_by_day(
        accepted in any_date(),
        limit in 0u32..80,
        stops in prop::collection::vec(any_stop(), 0..4),
    ) {
        // `since` of merged suspensions is pinned by unit tests; here only the state must agree.
        let cal = cal();
        match (deadline(&cal, accepted, limit, &stops), oracle_deadline(&cal, accepted, limit, &stops)) {
            (Deadline::Due { date }, Deadline::Due { date: expected }) => prop_assert_eq!(date, expected),
            (Deadline::Suspended { .. }, Deadline::Suspended { .. }) => {}
            (got, expected) => prop_assert!(false, "got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn suspension_of_no_working_day_changes_nothing(accepted in any_date(), limit in 1u32..80, start in any_date()) {
        let cal = cal();
        let from = (0..14).map(|i| start + Days::new(i)).find(|d| !cal.is_working_day(*d));
        let from = from.unwrap();
        let idle = Suspension { from, to: Some(cal.next_working_day(from)), reason: SuspensionReason::Hearing };
        prop_assert_eq!(deadline(&cal, accepted, limit, &[idle]), deadline(&cal, accepted, limit, &[]));
    }

    #[test]
    fn suspension_moves_the_deadline_by_exactly_its_working_days(
        accepted in any_date(), limit in 1u32..80, after in 1u64..120, len in 0u64..60,
    ) {
        let cal = cal();
        let from = accepted + Days::new(after);
        let to = from + Days::new(len);
        let stopped = cal.working_days_between(from.pred_opt().unwrap(), to.pred_opt().unwrap());
        let plain = cal.add_working_days(accepted, limit);
        let moved = deadline(&cal, accepted, limit, &[Suspension { from, to: Some(to), reason: SuspensionReason::Testing }]);
        let expected = if from <= plain {
            cal.add_working_days(accepted, limit + u32::try_from(stopped).unwrap())
        } else {
            plain
        };
        prop_assert_eq!(moved, Deadline::Due { date: expected });
    }

    #[test]
    fn order_of_suspensions_does_not_matter(
        accepted in any_date(), limit in 0u32..80, today in any_date(),
        stops in prop::collection::vec(any_stop(), 0..5),
    ) {
        let cal = cal();
        let reversed: Vec<_> = stops.iter().rev().cloned().collect();
        prop_assert_eq!(deadline(&cal, accepted, limit, &stops), deadline(&cal, accepted, limit, &reversed));
        prop_assert_eq!(
            elapsed_working_days(&cal, accepted, today, &stops),
            elapsed_working_days(&cal, accepted, today, &reversed)
        );
    }

    #[test]
    fn overlapping_suspensions_do_not_double_count(
        accepted in any_date(), limit in 0u32..80, from in any_date(), a in 0u64..30, b in 0u64..30, c in 0u64..30,
    ) {
        // [from, from+a+b) and [from+a, from+a+b+c) together stop exactly [from, from+a+b+c).
        let cal = cal();
        let span = |start: u64, len: u64| Suspension {
            from: from + Days::new(start),
            to: Some(from + Days::new(start + len)),
            reason: SuspensionReason::Supplement,
        };
        let overlapping = [span(0, a + b), span(a, b + c), span(0, a + b)];
        let union = [span(0, a + b + c)];
        prop_assert_eq!(deadline(&cal, accepted, limit, &overlapping), deadline(&cal, accepted, limit, &union));
    }

    #[test]
    fn elapsed_days_equal_the_limit_on_the_deadline(
        accepted in any_date(), limit in 0u32..80,
        stops in prop::collection::vec(any_stop(), 0..4),
    ) {
        let cal = cal();
        if let Deadline::Due { date } = deadline(&cal, accepted, limit, &stops) {
            prop_assert_eq!(elapsed_working_days(&cal, accepted, date, &stops), i64::from(limit));
            prop_assert_eq!(remaining_working_days(&cal, accepted, limit, date, &stops), 0);
        }
    }
}
