//! The supervision engine's projection (DESIGN.md "Supervision"): 10k, 100k and 1M open cases
//! with the built-in time-limit rules.
//!
//! - `full_check`: one pass over every case's next-crossing rank (what a timer-less engine would
//!   do on every wake). Target: < 10 ms at 1M.
//! - `wake_1000`: the timer pops 1,000 due cases, judges each against the rules and schedules
//!   its next crossing. Target: < 1 ms, whatever the number of open cases.
//! - `judge_one`: judging one case against every rule (what a rule change costs per case).
//!
//! Run with `cargo bench -p yiwang-core --no-default-features --bench supervision` (the domain
//! code needs no storage). Bytes per case are printed before the runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use yiwang_core::domain::case::CaseStatus;
use yiwang_core::domain::supervision::facts::{
    FLAG_ACCEPTED, FLAG_STEP_CLOCK, NO_RANK, Signals, status_code,
};
use yiwang_core::domain::supervision::projection::Projection;
use yiwang_core::domain::supervision::{
    CaseClocks, CompiledRule, Hit, Reach, RuleKind, Severity, judge, parse,
};

/// Today's rank in the bench.
const TODAY: i32 = 7_000;

fn rules() -> Vec<CompiledRule> {
    [
        (
            "accepted and open and case.remaining >= 0 and (case.used >= 0.8 or case.remaining <= 2)",
            Severity::Yellow,
        ),
        ("accepted and open and case.remaining < 0", Severity::Red),
        (
            "status == 'in_review' and step.remaining >= 0 and step.used >= 0.8 and step.limit > 0",
            Severity::Yellow,
        ),
        ("status == 'in_review' and step.remaining < 0", Severity::Red),
        ("suspended and suspended.days > 10", Severity::Yellow),
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(i, (src, severity))| {
        let expr = parse(src).ok()?;
        Some(CompiledRule {
            id: i64::try_from(i).ok()?,
            code: format!("r{i}"),
            version: 1,
            kind: RuleKind::TimeLimit,
            severity,
            step_level: expr.of_step(),
            expr,
            reach: Reach::default(),
        })
    })
    .collect()
}

/// A case accepted `age` working days ago, with limits of 5 to 60 days.
fn case(i: u32) -> CaseClocks {
    let age = i32::try_from(i % 40).unwrap_or(0);
    CaseClocks {
        region: i % 97,
        department: i % 31,
        item: i % 1_000,
        case_base: TODAY - age,
        step_base: TODAY - age / 2,
        stopped_at: NO_RANK,
        next: NO_RANK,
        case_limit: u16::try_from(5 + i % 56).unwrap_or(20),
        legal_limit: 60,
        step_limit: u16::try_from(3 + i % 10).unwrap_or(5),
        step: 0,
        status: status_code(CaseStatus::InReview),
        missing: 0,
        materials: 2,
        returns: 0,
        flags: FLAG_ACCEPTED | FLAG_STEP_CLOCK,
        signals: Signals::default(),
    }
}

/// A projection of `n` judged cases, all scheduled after today.
fn projection(n: u32, rules: &[CompiledRule]) -> Projection {
    let mut p = Projection::with_capacity(n as usize);
    let mut hits: Vec<Hit> = Vec::new();
    for i in 0..n {
        let mut c = case(i);
        hits.clear();
        c.next = judge(rules, &c, TODAY, &mut hits);
        p.upsert(i64::from(i), c);
    }
    p
}

fn bench(c: &mut Criterion) {
    let rules = rules();
    let mut group = c.benchmark_group("supervision");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for n in [10_000_u32, 100_000, 1_000_000] {
        let mut p = projection(n, &rules);
        println!("{n} open cases: {} bytes per case", p.bytes_per_case());
        group.bench_with_input(BenchmarkId::new("full_check", n), &n, |b, _| {
            let mut out = Vec::with_capacity(n as usize);
            b.iter(|| {
                out.clear();
                p.full_check(black_box(TODAY), &mut out);
                black_box(out.len())
            });
        });
        // 1,000 cases spread over the projection are due today; the wake judges them.
        let chosen: Vec<u32> = (0..1_000).map(|k| k * (n / 1_000)).collect();
        group.bench_with_input(BenchmarkId::new("wake_1000", n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    for &i in &chosen {
                        p.reschedule(i, TODAY);
                    }
                    let start = Instant::now();
                    let mut due = Vec::with_capacity(1_000);
                    p.due(TODAY, &mut due);
                    let mut hits = Vec::new();
                    for &i in &due {
                        let Some((_, clocks)) = p.at(i).map(|(id, c)| (id, *c)) else {
                            continue;
                        };
                        hits.clear();
                        let next = judge(&rules, &clocks, TODAY, &mut hits);
                        p.reschedule(i, next);
                    }
                    total += start.elapsed();
                    black_box(due.len());
                }
                total
            });
        });
    }
    let one = case(17);
    group.bench_function("judge_one", |b| {
        let mut hits = Vec::new();
        b.iter(|| {
            hits.clear();
            black_box(judge(&rules, black_box(&one), TODAY, &mut hits))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
