//! The supervision engine: keeps the projection of open cases' clocks, judges a case when its
//! events arrive and when the timer says one of its verdicts may change, and turns verdicts into
//! anomalies (opened, or closed when a yellow card's condition stops holding).
//!
//! It runs as the leader-only job `supervision` (every 250 ms: drain the case events, pop the
//! cases due today, persist what changed). A tick with no event and no case due costs a channel
//! poll and a heap peek. The projection is rebuilt from storage when the job first runs, after a
//! gap (leadership lapsed), and on demand (events the channel dropped are read from the log,
//! the projection kept); a rule change
//! re-judges every case in memory. A rebuild also judges the concluded cases whose events came
//! after the stored cursor (`cursor`), which no engine heard.
//!
//! At start (and after a gap) the projection is first read back from its stored snapshot
//! (`snapshot`), and only the cases of the events after it are read and judged; the full
//! rebuild is the fallback. A snapshot is taken after a rebuild and then at most once a minute
//! while the projection changes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value as Json, json};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::{Mutex, broadcast};

use super::clocks::{Context, facts_json, rows_of, today_rank};
use super::cursor;
use super::people::{actors_of, open_cases_acted_on_by};
use super::rules::load_compiled;
use super::snapshot;
use crate::clock::Millis;
use crate::domain::case::CaseStatus;
use crate::domain::supervision::facts::NO_RANK;
use crate::domain::supervision::projection::Projection;
use crate::domain::supervision::{CaseClocks, CompiledRule, Hit, Severity, judge};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor};
use crate::service::cases::{CaseRow, calendar, local_date};
use crate::service::events::LoggedEvent;
use crate::service::jobs::JobSpec;
use crate::store::DbConn;
use crate::store::schema::{anomalies, anomaly_notes, cases};
use crate::wire::supervision::ScanReport;

/// Who closes a card whose condition stopped holding.
pub(crate) const ENGINE: &str = "engine";

/// A tick that comes later than this after the previous one rebuilds (leadership may have
/// lapsed and events been missed).
const GAP: Duration = Duration::from_secs(5);

/// The least time between two snapshots of the projection (a start replays the events since).
const SNAPSHOT_EVERY: Duration = Duration::from_secs(60);

/// How often the cursor is stored when events were judged but no card changed; a cursor behind
/// costs a rebuild only the re-judging of the cases since.
const CURSOR_EVERY: Duration = Duration::from_secs(30);

/// The engine's state; one per node, used by the leader.
#[derive(Clone, Default)]
pub struct Engine {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    loaded: bool,
    rules: Vec<CompiledRule>,
    projection: Projection,
    events: Option<broadcast::Receiver<Arc<LoggedEvent>>>,
    last_run: Option<Instant>,
    /// The last event judged in memory, and the last one stored (and when).
    cursor: i64,
    saved_cursor: i64,
    saved_at: Option<Instant>,
    /// The projection changed since the last snapshot was taken.
    dirty: bool,
    snapshot_at: Option<Instant>,
    written: snapshot::Written,
}

/// What the events since the last look ask of the engine.
#[derive(Default)]
struct Pending {
    /// Cases to read and judge again.
    changed: Vec<i64>,
    /// People whose open cases are judged again.
    people: Vec<i64>,
    /// Cases with a card confirmed: the people who acted on them are judged again.
    confirmed_on: Vec<i64>,
    reload: bool,
    recalendar: bool,
}

impl Pending {
    /// Routes one event (live, or replayed after a snapshot).
    fn route(&mut self, entity: &str, kind: &str, entity_id: i64, payload: &Json) {
        match (entity, kind) {
            ("case", _) => self.changed.push(entity_id),
            // A complaint about a case changes its counts, and those of the open cases of the
            // person it names.
            ("complaint", "complaint.accepted") => {
                self.changed.extend(payload["case_id"].as_i64());
                self.people.extend(payload["staff_id"].as_i64());
            }
            // A card confirmed: its case's counts, and those of its people's open cases.
            ("anomaly", "anomaly.confirmed") => {
                self.changed.extend(payload["case_id"].as_i64());
                self.confirmed_on.extend(payload["case_id"].as_i64());
            }
            // A person flagged or cleared: the open cases they acted on change.
            ("risk_person", _) => self.people.extend(payload["user_id"].as_i64()),
            ("supervision_rule", _) => self.reload = true,
            // Working days moved: every clock's ranks are computed again.
            ("calendar", _) => self.recalendar = true,
            _ => {}
        }
    }
}

/// The cursor to store with a batch's cards.
#[derive(Clone, Copy)]
struct Mark {
    last: i64,
    /// Store it even when the batch changes no card.
    alone: bool,
}

impl State {
    /// The cursor to store with this batch's cards, if it moved since it was last stored.
    fn mark(&self) -> Option<Mark> {
        (self.cursor > self.saved_cursor).then(|| Mark {
            last: self.cursor,
            alone: self.saved_at.is_none_or(|t| t.elapsed() > CURSOR_EVERY),
        })
    }

    /// After a batch was persisted (or not): a stored cursor is recorded; a failed batch makes
    /// the next tick rebuild from the stored cursor, so the cases it judged are judged again
    /// instead of being passed by a later cursor.
    fn persisted<T>(&mut self, r: Result<(T, Option<i64>), Error>) -> Result<T, Error> {
        match r {
            Ok((out, last)) => {
                if let Some(last) = last {
                    self.saved_cursor = self.saved_cursor.max(last);
                    self.saved_at = Some(Instant::now());
                }
                Ok(out)
            }
            Err(e) => {
                self.loaded = false;
                Err(e)
            }
        }
    }
}

/// The jobs of online supervision (the runner runs them on the leader only).
pub fn jobs() -> Vec<JobSpec> {
    vec![
        JobSpec::new("supervision", Duration::from_millis(250), tick),
        JobSpec::new(
            "supervision-orders",
            Duration::from_secs(2),
            super::orders::escalate_overdue,
        ),
        JobSpec::new(
            "workflow-deadlines",
            Duration::from_secs(2),
            super::workflow_cards::raise_overdue,
        ),
        JobSpec::new(
            "card-notices",
            Duration::from_secs(2),
            super::card_notices::notify_cards,
        ),
    ]
}

/// One verdict to persist: the rules that hold on a case, among those that apply to it.
pub(crate) struct Judged {
    pub case_id: i64,
    pub region_id: i64,
    pub department_id: i64,
    pub findings: Vec<Finding>,
    /// Ids of the rules that were asked (only their cards may be closed).
    pub asked: Vec<i64>,
}

/// A rule holding on a case.
pub(crate) struct Finding {
    pub rule_id: i64,
    pub rule_code: String,
    pub version: i64,
    pub kind: &'static str,
    pub severity: Severity,
    pub step: i64,
    pub facts: Json,
}

/// Judges one case: its verdict and the rank at which it is next due.
fn verdict(
    rules: &[CompiledRule],
    case_id: i64,
    clocks: &CaseClocks,
    rank: i32,
    today: chrono::NaiveDate,
) -> (Judged, i32) {
    let mut hits: Vec<Hit> = Vec::new();
    let next = judge(rules, clocks, rank, &mut hits);
    let findings = hits
        .iter()
        .filter_map(|h| {
            let r = rules.get(h.rule)?;
            Some(Finding {
                rule_id: r.id,
                rule_code: r.code.clone(),
                version: r.version,
                kind: r.kind.as_str(),
                severity: r.severity,
                step: h.step,
                facts: facts_json(&r.expr, clocks, rank, today),
            })
        })
        .collect();
    let asked = rules
        .iter()
        .filter(|r| r.reach.covers(clocks))
        .map(|r| r.id)
        .collect();
    (
        Judged {
            case_id,
            region_id: i64::from(clocks.region),
            department_id: i64::from(clocks.department),
            findings,
            asked,
        },
        next,
    )
}

/// The ticking job: events, timer, persistence, and now and then a snapshot.
pub async fn tick(services: Services) -> Result<String, Error> {
    let out = step(services.clone()).await?;
    save_snapshot(&services).await;
    // The gap is counted from the end of a tick: a long one (a rebuild of a million cases)
    // is not a lapse of leadership.
    services.supervision.state.lock().await.last_run = Some(Instant::now());
    Ok(out)
}

/// Takes a snapshot of the projection when it changed and the last one is old enough.
async fn save_snapshot(services: &Services) {
    let engine = services.supervision.clone();
    let save = {
        let mut st = engine.state.lock().await;
        if !st.loaded || !st.dirty || st.snapshot_at.is_some_and(|t| t.elapsed() < SNAPSHOT_EVERY) {
            return;
        }
        let fingerprint = match (services.config.time_zone(), calendar()) {
            (Ok(tz), Ok(cal)) => snapshot::fingerprint(&st.rules, &cal, tz),
            _ => return,
        };
        st.dirty = false;
        st.snapshot_at = Some(Instant::now());
        st.written.diff(&st.projection, st.cursor, fingerprint)
    };
    let now = services.clock.now();
    let started = Instant::now();
    let r = services
        .store
        .write(move |conn| {
            snapshot::store(conn, &save, now)?;
            Ok(save)
        })
        .await;
    let mut st = engine.state.lock().await;
    match r {
        Ok(save) => {
            tracing::debug!(
                chunks = save.chunks(),
                ms = started.elapsed().as_millis(),
                "supervision snapshot stored"
            );
            st.written.saved(&save);
            metrics::counter!("yiwang_supervision_snapshot_chunks_written_total")
                .increment(save.chunks() as u64);
            metrics::counter!("yiwang_supervision_snapshots_total").increment(1);
        }
        Err(e) => {
            // A snapshot is a cache: it is tried again a minute on, everything else goes on.
            tracing::warn!(error = %e, "supervision snapshot not stored");
            st.dirty = true;
        }
    }
}

async fn step(services: Services) -> Result<String, Error> {
    let engine = services.supervision.clone();
    let mut st = engine.state.lock().await;
    if st.events.is_none() {
        // Subscribe before loading, so no event falls between the load and the subscription.
        st.events = Some(services.events.subscribe());
        st.loaded = false;
    }
    let gap = st.last_run.is_none_or(|t| t.elapsed() > GAP);
    st.last_run = Some(Instant::now());
    let mut pending = Pending::default();
    let mut seen = 0;
    // The newest event taken before the channel dropped some: every one after it may be missed.
    let mut lost_after = None;
    let cursor = st.cursor;
    if let Some(rx) = st.events.as_mut() {
        loop {
            let e = match rx.try_recv() {
                Ok(e) => e,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Lagged(_)) => {
                    lost_after.get_or_insert(cursor.max(seen));
                    continue;
                }
                Err(TryRecvError::Closed) => {
                    lost_after.get_or_insert(cursor.max(seen));
                    break;
                }
            };
            seen = seen.max(e.event.id.0);
            let ev = &e.event;
            pending.route(&ev.entity, &ev.kind, ev.entity_id, &ev.payload);
        }
    }
    let mut lost = false;
    if let Some(after) = lost_after {
        // Subscribe before reading the log, so nothing falls between the two.
        st.events = Some(services.events.subscribe());
        // A batch of thousands of events (the engine's own new cards) outruns the channel;
        // the projection in memory is still right up to `after`: the followed events since are
        // read from the log rather than the projection reloaded.
        let since = if st.loaded && !gap {
            services
                .store
                .read_heavy(move |conn| snapshot::followed_since(conn, after))
                .await?
        } else {
            None
        };
        match since {
            Some(events) => {
                for e in &events {
                    pending.route(&e.entity, &e.kind, e.entity_id, &e.payload);
                }
                tracing::debug!(
                    after,
                    events = events.len(),
                    "supervision events caught up from the log"
                );
            }
            None => lost = true,
        }
    }
    if pending.recalendar {
        services.install_calendar().await?;
    }
    let mut restored = String::new();
    if !st.loaded || gap || lost || pending.recalendar {
        // Both read the log after what they load: they cover what was just received.
        match restore(&services, &mut st, pending.recalendar).await? {
            Some((replayed, said)) => {
                pending = replayed;
                restored = said;
            }
            None => {
                let r = rebuild(&services, &mut st).await?;
                return Ok(format!(
                    "rebuilt: {} open cases, {} opened, {} closed",
                    r.cases, r.opened, r.closed
                ));
            }
        }
    }
    st.cursor = st.cursor.max(seen);
    let Pending {
        mut changed,
        mut people,
        confirmed_on,
        reload,
        recalendar: _,
    } = pending;
    if !people.is_empty() || !confirmed_on.is_empty() {
        changed.extend(
            services
                .store
                .read(move |conn| {
                    people.extend(actors_of(conn, &confirmed_on)?);
                    open_cases_acted_on_by(conn, &people)
                })
                .await?,
        );
    }
    if reload {
        st.rules = services.store.read(load_compiled).await?;
    }
    let tz = services.config.time_zone()?;
    let now = services.clock.now();
    let cal = calendar()?;
    let cal = &*cal;
    let rank = today_rank(cal, now, tz);
    let today = local_date(now, tz);
    let mut judged = Vec::new();
    if !changed.is_empty() {
        changed.sort_unstable();
        changed.dedup();
        let ids = changed.clone();
        let (rows, ctx) = services
            .store
            .read(move |conn| {
                let rows = rows_of(conn, &ids)?;
                let ctx = Context::load(conn, &rows, false)?;
                Ok((rows, ctx))
            })
            .await?;
        for row in rows {
            let mut clocks = ctx.clocks(&row, now, tz)?;
            let (j, next) = verdict(&st.rules, row.id, &clocks, rank, today);
            judged.push(j);
            clocks.next = next;
            if row.status().is_open() {
                st.projection.upsert(row.id, clocks);
            } else {
                st.projection.remove(row.id);
            }
        }
    }
    if reload {
        // New rules: every case in memory is judged again (no case is read).
        let seen: HashSet<i64> = judged.iter().map(|j| j.case_id).collect();
        let mut next_of = Vec::new();
        for (index, id, clocks) in st.projection.iter() {
            let (j, next) = verdict(&st.rules, id, clocks, rank, today);
            next_of.push((index, next));
            if !seen.contains(&id) {
                judged.push(j);
            }
        }
        for (index, next) in next_of {
            st.projection.reschedule(index, next);
        }
        let mark = st.mark();
        st.dirty = true;
        drop(st);
        let n = judged.len();
        let r = persist(&services, judged, true, mark).await;
        let (opened, closed) = engine.state.lock().await.persisted(r)?;
        return Ok(format!(
            "{restored}rules changed: {n} cases judged, {opened} opened, {closed} closed"
        ));
    }
    let mut due = Vec::new();
    st.projection.due(rank, &mut due);
    for index in due {
        let Some((id, clocks)) = st.projection.at(index).map(|(id, c)| (id, *c)) else {
            continue;
        };
        let (j, next) = verdict(&st.rules, id, &clocks, rank, today);
        judged.push(j);
        st.projection.reschedule(index, next);
    }
    let mark = st.mark();
    st.dirty |= !judged.is_empty();
    drop(st);
    if judged.is_empty() && !mark.is_some_and(|m| m.alone) {
        return Ok(if restored.is_empty() {
            "idle".into()
        } else {
            restored
        });
    }
    let n = judged.len();
    let r = persist(&services, judged, false, mark).await;
    let (opened, closed) = engine.state.lock().await.persisted(r)?;
    Ok(format!(
        "{restored}{n} cases judged, {opened} opened, {closed} closed"
    ))
}

/// Reads the projection back from the stored snapshot, with the events after it routed as
/// live ones are; `None` when there is none to read, it does not fit (the caller rebuilds), or
/// the working days moved since.
async fn restore(
    services: &Services,
    st: &mut State,
    recalendar: bool,
) -> Result<Option<(Pending, String)>, Error> {
    if recalendar {
        return Ok(None);
    }
    let tz = services.config.time_zone()?;
    let cal = calendar()?;
    let started = Instant::now();
    let loaded = services
        .store
        .read_heavy(move |conn| {
            let rules = load_compiled(conn)?;
            let fingerprint = snapshot::fingerprint(&rules, &cal, tz);
            Ok(snapshot::load(conn, &fingerprint)?.map(|r| (rules, r)))
        })
        .await?;
    let Some((rules, r)) = loaded else {
        return Ok(None);
    };
    let mut pending = Pending::default();
    for e in &r.events {
        pending.route(&e.entity, &e.kind, e.entity_id, &e.payload);
    }
    if pending.recalendar {
        return Ok(None);
    }
    tracing::info!(
        cases = r.projection.len(),
        last_event = r.last_event,
        events = r.events.len(),
        read_ms = started.elapsed().as_millis(),
        "supervision projection read back from its snapshot"
    );
    let said = format!(
        "restored: {} open cases at event {}, {} events since; ",
        r.projection.len(),
        r.last_event,
        r.events.len()
    );
    st.rules = rules;
    st.projection = r.projection;
    st.loaded = true;
    st.cursor = r.head;
    st.written = r.written;
    st.dirty = true;
    // What was just read is as good as a fresh snapshot: the next one is due in a minute.
    st.snapshot_at = Some(Instant::now());
    Ok(Some((pending, said)))
}

/// Reloads the rules and every open case from storage and judges them all.
async fn rebuild(services: &Services, st: &mut State) -> Result<ScanReport, Error> {
    let tz = services.config.time_zone()?;
    let now = services.clock.now();
    let cal = calendar()?;
    let cal = &*cal;
    let started = Instant::now();
    let (rules, rows, ctx, head, missed) = services
        .store
        .read_heavy(|conn| {
            let rules = load_compiled(conn)?;
            let rows: Vec<CaseRow> = cases::table
                .filter(cases::status.eq_any(CaseStatus::OPEN))
                .order(cases::id.asc())
                .select(CaseRow::as_select())
                .load(conn)?;
            let ctx = Context::load(conn, &rows, true)?;
            let after = cursor::load(conn)?;
            let (head, missed) = cursor::missed(conn, after)?;
            let missed = rows_of(conn, &missed)?;
            let missed_ctx = Context::load(conn, &missed, false)?;
            Ok((rules, rows, ctx, head, (missed, missed_ctx)))
        })
        .await?;
    let read = started.elapsed();
    let rank = today_rank(cal, now, tz);
    let today = local_date(now, tz);
    let mut projection = Projection::with_capacity(rows.len());
    let mut judged = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut clocks = ctx.clocks(row, now, tz)?;
        let (j, next) = verdict(&rules, row.id, &clocks, rank, today);
        clocks.next = next;
        projection.upsert(row.id, clocks);
        judged.push(j);
    }
    let (missed, missed_ctx) = missed;
    for row in &missed {
        let clocks = missed_ctx.clocks(row, now, tz)?;
        judged.push(verdict(&rules, row.id, &clocks, rank, today).0);
    }
    st.rules = rules;
    st.projection = projection;
    st.loaded = true;
    st.cursor = st.cursor.max(head);
    // What the stored snapshot holds is unknown now: the next one replaces it, at once.
    st.written = snapshot::Written::default();
    st.dirty = true;
    st.snapshot_at = None;
    let mark = Some(Mark {
        last: st.cursor,
        alone: true,
    });
    let cases = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let judging = started.elapsed() - read;
    let r = persist(services, judged, true, mark).await;
    let (opened, closed) = st.persisted(r)?;
    tracing::info!(
        cases,
        opened,
        closed,
        read_ms = read.as_millis(),
        judge_ms = judging.as_millis(),
        store_ms = (started.elapsed() - read - judging).as_millis(),
        "supervision projection rebuilt"
    );
    Ok(ScanReport {
        cases,
        opened,
        closed,
    })
}

/// What is stored of an anomaly for the diff.
#[derive(Clone)]
struct Card {
    id: i64,
    rule_id: i64,
    case_id: i64,
    step: i64,
    severity: String,
    status: String,
    closed: bool,
    closed_by: Option<String>,
}

type CardTuple = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
);

fn card((id, rule_id, case_id, step, severity, status, closed_at, closed_by): CardTuple) -> Card {
    Card {
        id,
        rule_id,
        case_id,
        step,
        severity,
        status,
        closed: closed_at.is_some(),
        closed_by,
    }
}

fn load_cards(conn: &mut DbConn, ids: Option<&[i64]>) -> Result<Vec<Card>, Error> {
    let select = (
        anomalies::id,
        anomalies::rule_id,
        anomalies::case_id,
        anomalies::step,
        anomalies::severity,
        anomalies::status,
        anomalies::closed_at,
        anomalies::closed_by,
    );
    let rows: Vec<CardTuple> = match ids {
        None => anomalies::table
            .order(anomalies::id.asc())
            .select(select)
            .load(conn)?,
        Some(ids) => {
            let mut out = Vec::new();
            for chunk in ids.chunks(500) {
                out.extend(
                    anomalies::table
                        .filter(anomalies::case_id.eq_any(chunk.to_vec()))
                        .order(anomalies::id.asc())
                        .select(select)
                        .load::<CardTuple>(conn)?,
                );
            }
            out
        }
    };
    Ok(rows.into_iter().map(card).collect())
}

/// The changes a batch of verdicts makes.
#[derive(Default)]
struct Diff {
    open: Vec<(i64, i64, i64, Finding)>,
    close: Vec<Card>,
}

fn diff(judged: Vec<Judged>, cards: Vec<Card>) -> Diff {
    // The latest card of each (rule, case, step); cards come oldest first.
    let mut latest: HashMap<(i64, i64, i64), Card> = HashMap::new();
    for c in cards {
        latest.insert((c.rule_id, c.case_id, c.step), c);
    }
    let mut by_case: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for k in latest.keys() {
        by_case.entry(k.1).or_default().push(*k);
    }
    let mut d = Diff::default();
    for j in judged {
        let held: HashSet<(i64, i64, i64)> = j
            .findings
            .iter()
            .map(|f| (f.rule_id, j.case_id, f.step))
            .collect();
        for key in by_case.get(&j.case_id).into_iter().flatten() {
            let Some(c) = latest.get(key) else { continue };
            let closable = !c.closed
                && c.severity == Severity::Yellow.as_str()
                && matches!(c.status.as_str(), "open" | "acknowledged")
                && j.asked.contains(&c.rule_id);
            if closable && !held.contains(key) {
                d.close.push(c.clone());
            }
        }
        for f in j.findings {
            let key = (f.rule_id, j.case_id, f.step);
            // One card per rule, case and step: a new one only when there was none, or when
            // the last one was closed by the engine (its condition had stopped holding).
            let fresh = latest
                .get(&key)
                .is_none_or(|c| c.closed && c.closed_by.as_deref() == Some(ENGINE));
            if fresh {
                d.open.push((j.case_id, j.region_id, j.department_id, f));
            }
        }
    }
    d
}

/// Persists a batch of verdicts: the diff is computed on a read, then written in one
/// transaction (each insert guarded by the live-card index, each close by the card's state)
/// with the cursor of `mark`; answers the cards opened and closed and the cursor stored.
async fn persist(
    services: &Services,
    judged: Vec<Judged>,
    all: bool,
    mark: Option<Mark>,
) -> Result<((u64, u64), Option<i64>), Error> {
    let started = Instant::now();
    let ids: Vec<i64> = judged.iter().map(|j| j.case_id).collect();
    let cards = if judged.is_empty() {
        Vec::new()
    } else {
        services
            .store
            .read_heavy(move |conn| load_cards(conn, (!all).then_some(ids.as_slice())))
            .await?
    };
    let read = started.elapsed();
    let d = diff(judged, cards);
    let cards = !d.open.is_empty() || !d.close.is_empty();
    let last = mark.filter(|m| m.alone || cards).map(|m| m.last);
    if !cards && last.is_none() {
        return Ok(((0, 0), None));
    }
    let open = d
        .open
        .into_iter()
        .map(new_card)
        .collect::<Result<Vec<_>, _>>()?;
    let close = d.close;
    let prepared = started.elapsed();
    let now = services.clock.now();
    let written = services
        .store
        .write(move |conn| {
            if let Some(last) = last {
                cursor::save(conn, last, now)?;
            }
            write_diff(conn, now, open, close)
        })
        .await?;
    if written != (0, 0) {
        tracing::debug!(
            opened = written.0,
            closed = written.1,
            read_ms = read.as_millis(),
            prepared_ms = (prepared - read).as_millis(),
            written_ms = (started.elapsed() - prepared).as_millis(),
            "supervision cards stored"
        );
    }
    Ok((written, last))
}

/// What a card's opening says: its audit entry with the facts, its event without them (a
/// reader that wants them reads the card).
#[derive(serde::Serialize)]
struct Opened<'a> {
    case_id: i64,
    rule_id: i64,
    rule: &'a str,
    kind: &'a str,
    severity: &'a str,
    step: i64,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    facts: Option<&'a serde_json::value::RawValue>,
}

/// A card to open, its texts serialised before the write (off the writer's thread).
struct NewCard {
    case_id: i64,
    region_id: i64,
    department_id: i64,
    rule_id: i64,
    version: i64,
    step: i64,
    kind: &'static str,
    severity: &'static str,
    facts: String,
    after: String,
    payload: String,
}

fn new_card(
    (case_id, region_id, department_id, f): (i64, i64, i64, Finding),
) -> Result<NewCard, Error> {
    let text = |e: serde_json::Error| Error::Internal(format!("a card's texts: {e}"));
    let facts = serde_json::value::to_raw_value(&f.facts).map_err(text)?;
    let mut opened = Opened {
        case_id,
        rule_id: f.rule_id,
        rule: &f.rule_code,
        kind: f.kind,
        severity: f.severity.as_str(),
        step: f.step,
        status: "open",
        facts: Some(&facts),
    };
    let after = serde_json::to_string(&opened).map_err(text)?;
    opened.facts = None;
    let payload = serde_json::to_string(&opened).map_err(text)?;
    Ok(NewCard {
        case_id,
        region_id,
        department_id,
        rule_id: f.rule_id,
        version: f.version,
        step: f.step,
        kind: f.kind,
        severity: f.severity.as_str(),
        facts: Box::<str>::from(facts).into_string(),
        after,
        payload,
    })
}

/// Opens the cards, each with its audit entry and event, in multi-row statements; a (rule,
/// case, step) that has a live card already is left as it is (the live-card index refuses it,
/// and the insert passes over it). Answers how many opened.
fn open_cards(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    open: Vec<NewCard>,
) -> Result<u64, Error> {
    if open.is_empty() {
        return Ok(0);
    }
    let mut keys = Vec::with_capacity(open.len());
    let mut texts = Vec::with_capacity(open.len());
    let mut rows = Vec::with_capacity(open.len());
    for c in open {
        keys.push((c.rule_id, c.case_id, c.step, c.region_id, c.department_id));
        texts.push((c.after, c.payload));
        rows.push((
            anomalies::rule_id.eq(c.rule_id),
            anomalies::rule_version.eq(c.version),
            anomalies::case_id.eq(c.case_id),
            anomalies::step.eq(c.step),
            anomalies::kind.eq(c.kind),
            anomalies::severity.eq(c.severity),
            anomalies::status.eq("open"),
            anomalies::region_id.eq(c.region_id),
            anomalies::department_id.eq(c.department_id),
            anomalies::facts.eq(c.facts),
            anomalies::opened_at.eq(now),
            anomalies::updated_at.eq(now),
        ));
    }
    let made: Vec<Vec<(i64, i64, i64, i64)>> =
        crate::on_backend!(conn, |c| crate::in_fixed_shapes!(rows, |chunk| {
            diesel::insert_into(anomalies::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .returning((
                    anomalies::id,
                    anomalies::rule_id,
                    anomalies::case_id,
                    anomalies::step,
                ))
                .get_results(c)
        }))?;
    let ids: HashMap<(i64, i64, i64), i64> = made
        .into_iter()
        .flatten()
        .map(|(id, rule_id, case_id, step)| ((rule_id, case_id, step), id))
        .collect();
    let mut entries = Vec::with_capacity(ids.len());
    for ((rule_id, case_id, step, region_id, department_id), (after, payload)) in
        keys.into_iter().zip(texts)
    {
        let Some(&id) = ids.get(&(rule_id, case_id, step)) else {
            continue;
        };
        entries.push(audit::Entry {
            action: "anomaly.open",
            event: "anomaly.opened",
            entity: "anomaly",
            entity_id: id,
            region_id: Some(region_id),
            department_id: Some(department_id),
            owner_id: None,
            before: None,
            after: Some(after),
            payload,
        });
    }
    let opened = u64::try_from(entries.len()).unwrap_or(u64::MAX);
    audit::record_all(conn, now, actor, entries)?;
    Ok(opened)
}

/// Closes the yellow cards whose condition stopped holding (each still open or acknowledged
/// when the write runs), with a note, an audit entry and an event each, in multi-row
/// statements; answers how many closed.
fn close_cards(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    close: Vec<Card>,
) -> Result<u64, Error> {
    if close.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<i64> = close.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    let mut done: Vec<(i64, i64, i64)> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        done.extend(crate::on_backend!(conn, |c| diesel::update(
            anomalies::table
                .filter(anomalies::id.eq_any(chunk))
                .filter(anomalies::closed_at.is_null())
                .filter(anomalies::status.eq_any(["open", "acknowledged"])),
        )
        .set((
            anomalies::status.eq("closed"),
            anomalies::closed_at.eq(now),
            anomalies::closed_by.eq(ENGINE),
            anomalies::updated_at.eq(now),
        ))
        .returning((
            anomalies::id,
            anomalies::region_id,
            anomalies::department_id,
        ))
        .get_results::<(i64, i64, i64)>(c))?);
    }
    done.sort_unstable();
    let notes: Vec<_> = done
        .iter()
        .map(|(id, ..)| {
            (
                anomaly_notes::anomaly_id.eq(*id),
                anomaly_notes::at.eq(now),
                anomaly_notes::actor.eq(ENGINE),
                anomaly_notes::action.eq("close"),
                anomaly_notes::note.eq("条件不再成立,自动关闭"),
            )
        })
        .collect();
    crate::on_backend!(conn, |c| crate::in_fixed_shapes!(notes, |chunk| {
        diesel::insert_into(anomaly_notes::table)
            .values(chunk)
            .execute(c)
    }))?;
    let cards: HashMap<i64, Card> = close.into_iter().map(|c| (c.id, c)).collect();
    let mut entries = Vec::with_capacity(done.len());
    for (id, region_id, department_id) in done {
        let Some(c) = cards.get(&id) else { continue };
        let payload = json!({
            "case_id": c.case_id, "rule_id": c.rule_id, "step": c.step,
            "severity": c.severity, "status": "closed", "by": ENGINE,
        });
        entries.push(audit::Entry {
            action: "anomaly.close",
            event: "anomaly.closed",
            entity: "anomaly",
            entity_id: id,
            region_id: Some(region_id),
            department_id: Some(department_id),
            owner_id: None,
            before: Some(json!({"status": c.status}).to_string()),
            after: Some(json!({"status": "closed"}).to_string()),
            payload: payload.to_string(),
        });
    }
    let closed = u64::try_from(entries.len()).unwrap_or(u64::MAX);
    audit::record_all(conn, now, actor, entries)?;
    Ok(closed)
}

fn write_diff(
    conn: &mut DbConn,
    now: Millis,
    open: Vec<NewCard>,
    close: Vec<Card>,
) -> Result<(u64, u64), Error> {
    let actor = Actor {
        id: None,
        label: ENGINE.into(),
    };
    let opened = open_cards(conn, now, &actor, open)?;
    let closed = close_cards(conn, now, &actor, close)?;
    Ok((opened, closed))
}

impl Services {
    /// A full re-scan now (rules and open cases reloaded from storage); needs
    /// supervision.manage. Runs on this node's engine, serialised with its ticks.
    pub async fn rescan(
        &self,
        caller: &crate::domain::access::Caller,
    ) -> Result<ScanReport, Error> {
        if !caller.has(crate::domain::access::Permission::SupervisionManage) {
            return Err(Error::forbidden("a re-scan needs supervision.manage"));
        }
        let engine = self.supervision.clone();
        let mut st = engine.state.lock().await;
        if st.events.is_none() {
            st.events = Some(self.events.subscribe());
        }
        st.last_run = Some(Instant::now());
        rebuild(self, &mut st).await
    }

    /// Open cases in the engine's projection and the rank of its next wake, for `/metrics`.
    pub async fn supervision_state(&self) -> (usize, Option<i32>) {
        let st = self.supervision.state.lock().await;
        (
            st.projection.len(),
            st.projection.next_wake().filter(|r| *r != NO_RANK),
        )
    }
}
