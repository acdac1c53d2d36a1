//! Deadline arithmetic speed: `deadline()` for limits of 1, 20 and 60 working days, with no
//! suspension and with two, over real holiday periods. Target: under 1 µs per case
//! (PERFORMANCE.md). Run with `cargo bench -p yiwang-core --bench deadline`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use yiwang_core::domain::calendar::{Calendar, Suspension, SuspensionReason, deadline};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn bench_deadline(c: &mut Criterion) {
    let Ok(cal) = Calendar::bundled() else {
        panic!("bundled calendar must load");
    };
    // Accepted just before National Day 2026, so every case crosses holidays and make-up days.
    let accepted = date(2026, 9, 18);
    let two = [
        Suspension {
            from: date(2026, 9, 22),
            to: Some(date(2026, 10, 9)),
            reason: SuspensionReason::ExpertReview,
        },
        Suspension {
            from: date(2026, 10, 20),
            to: Some(date(2026, 10, 23)),
            reason: SuspensionReason::Supplement,
        },
    ];
    let mut group = c.benchmark_group("deadline");
    for limit in [1u32, 20, 60] {
        group.bench_with_input(
            BenchmarkId::new("no_suspension", limit),
            &limit,
            |b, &limit| {
                b.iter(|| deadline(&cal, black_box(accepted), black_box(limit), black_box(&[])));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("two_suspensions", limit),
            &limit,
            |b, &limit| {
                b.iter(|| deadline(&cal, black_box(accepted), black_box(limit), black_box(&two)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_deadline);
criterion_main!(benches);
