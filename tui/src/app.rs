//! The console's whole state as plain data, and [`App::update`]: the only place it changes.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use yiwang_core::wire::auth::Me;

use yiwang_core::domain::supervision::cards::AnomalyAction;

use crate::action::{Action, Counts, Effect, Readiness};
use crate::i18n::{Lang, Msg};
use crate::keys::{self, Command};
use crate::state::alerts::Alerts;
use crate::state::cases::Cases;
use crate::state::cockpit::CockpitState;
use crate::state::confirm::{Confirm, Intent};
use crate::state::devices::Devices;
use crate::state::feed::Feed;
use crate::state::health::HealthState;
use crate::state::names::OrgNames;
use crate::state::queues::Queues;
use crate::tabs::{self, Tab};

/// The link to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Online,
    /// Probes fail; what is on screen is the last data seen, now stale.
    Down {
        since: DateTime<Utc>,
        error: String,
        retry_in_s: u64,
    },
}

/// Logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Pending,
    Ok,
    Failed(String),
}

/// Read-only (the default) or act mode, where actions are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    ReadOnly,
    Act,
}

/// What the keyboard is talking to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Normal,
    /// Typing a filter after `/`.
    Filter,
    Help,
    /// The selected row opened with Enter.
    Detail,
    /// A confirmation prompt ([`App::confirm`]) takes the keys.
    Prompt,
}

/// The state.
#[derive(Debug, Clone)]
pub struct App {
    pub lang: Lang,
    pub server: String,
    /// Wall-clock time of the last tick: render never reads the clock.
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub me: Option<Me>,
    pub auth: Auth,
    pub conn: Conn,
    pub stream_up: bool,
    pub tab: Tab,
    pub mode: Mode,
    pub input: Input,
    pub feed: Feed,
    pub ready: Option<Readiness>,
    pub health: HealthState,
    pub counts: Option<Counts>,
    pub queues: Queues,
    pub alerts: Alerts,
    pub cases: Cases,
    pub devices: Devices,
    pub names: OrgNames,
    pub cockpit: CockpitState,
    /// The action waiting for confirmation, and the input to return to after it.
    pub confirm: Option<(Confirm, Input)>,
    /// What the last action did (or why not), shown in the status bar until the next key.
    pub notice: Option<(bool, String)>,
    counts_wanted: bool,
    pub quit: bool,
}

impl App {
    pub fn new(lang: Lang, server: String, now: DateTime<Utc>) -> App {
        App {
            lang,
            server,
            now,
            size: (80, 24),
            me: None,
            auth: Auth::Pending,
            conn: Conn::Connecting,
            stream_up: false,
            tab: Tab::Overview,
            mode: Mode::ReadOnly,
            input: Input::Normal,
            feed: Feed::default(),
            ready: None,
            health: HealthState::default(),
            counts: None,
            queues: Queues::default(),
            alerts: Alerts::default(),
            cases: Cases::default(),
            devices: Devices::default(),
            names: OrgNames::default(),
            cockpit: CockpitState::default(),
            confirm: None,
            notice: None,
            counts_wanted: false,
            quit: false,
        }
    }

    /// The views this user may open (the Overview and Health until the server says who they are).
    pub fn tabs(&self) -> Vec<Tab> {
        match &self.me {
            Some(me) => tabs::visible(me),
            None => vec![Tab::Overview, Tab::Health],
        }
    }

    /// Whether the caller holds `queue.read` (the Queues view and the Overview's hall figures).
    pub fn reads_queues(&self) -> bool {
        self.holds(crate::tabs::QUEUE_READ)
    }

    /// Whether the server says the caller holds a permission (e.g. `supervision.manage`).
    pub fn holds(&self, perm: &str) -> bool {
        self.me
            .as_ref()
            .is_some_and(|me| me.permissions.iter().any(|p| p.as_str() == perm))
    }

    /// Whether the current view offers actions to this caller (in act mode).
    pub fn may_act_here(&self) -> bool {
        match self.tab {
            Tab::Alerts => self.holds(tabs::SUPERVISION_MANAGE),
            Tab::Devices => self.holds(tabs::DEVICE_COMMAND),
            _ => false,
        }
    }

    /// Rows of the current view's list that fit on screen.
    pub fn list_height(&self) -> usize {
        let rows = match self.tab {
            Tab::Queues => crate::views::queues::waiting_rows(self, self.size),
            Tab::Alerts | Tab::Cases | Tab::Devices => crate::views::list_rows(self.size),
            _ => crate::views::overview::feed_rows(self, self.size),
        };
        rows.max(1)
    }

    /// Data on screen is stale while the server is away.
    pub fn stale(&self) -> bool {
        matches!(self.conn, Conn::Down { .. })
    }

    /// Rows of the feed that fit on screen (the same layout arithmetic as the Overview).
    pub fn feed_height(&self) -> usize {
        crate::views::overview::feed_rows(self, self.size).max(1)
    }

    /// Applies one action; returns the work it asks for.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(k) => return self.key(k),
            Action::Resize(w, h) => {
                self.size = (w, h);
                let h = self.feed_height();
                self.feed.scroll_into_view(h);
            }
            Action::Tick(now) => {
                self.now = now;
                let mut effects = Vec::new();
                if std::mem::take(&mut self.counts_wanted) {
                    effects.push(Effect::FetchCounts);
                }
                // The cockpit is read while its view is open, not followed event by event.
                if self.tab == Tab::Cockpit
                    && self.holds(tabs::COCKPIT_READ)
                    && let Some((from, to)) = self.cockpit.due(now)
                {
                    effects.push(Effect::FetchCockpit { from, to });
                }
                return effects;
            }
            Action::Quit => self.quit = true,
            Action::LoggedIn(me) => {
                self.me = Some(*me);
                self.auth = Auth::Ok;
                let tabs = self.tabs();
                if !tabs.contains(&self.tab)
                    && let Some(first) = tabs.first()
                {
                    self.tab = *first;
                }
                let mut effects = Vec::new();
                if self.holds(tabs::ORG_READ) {
                    effects.push(Effect::FetchNames);
                }
                if self.reads_queues() {
                    effects.push(Effect::FetchHalls);
                }
                if self.holds(tabs::SUPERVISION_READ) {
                    effects.push(Effect::FetchAnomalies);
                }
                if self.holds(tabs::CASE_READ) {
                    effects.push(Effect::SearchCases(self.cases.search()));
                }
                if self.holds(tabs::DEVICE_READ) {
                    effects.push(Effect::FetchDevices);
                }
                return effects;
            }
            Action::AuthFailed(e) => self.auth = Auth::Failed(e),
            Action::Ready(r) => {
                self.conn = Conn::Online;
                self.ready = Some(r);
            }
            Action::Metrics { at, scrape } => {
                self.conn = Conn::Online;
                self.health.observe(at, scrape);
            }
            Action::ServerDown { error, retry_in_s } => {
                let since = match &self.conn {
                    Conn::Down { since, .. } => *since,
                    _ => self.now,
                };
                self.conn = Conn::Down {
                    since,
                    error,
                    retry_in_s,
                };
            }
            Action::Counts(c) => self.counts = Some(c),
            Action::Names(names) => {
                self.names = *names;
                // A filter by name may now find more.
                if !self.alerts.filter.is_empty() {
                    let f = self.alerts.filter.clone();
                    self.alerts.set_filter(f, &self.names);
                }
            }
            Action::Events(events) => {
                // Fetch what the events name: recounted on the next tick, at most once a second.
                if events.iter().any(|e| names_counted(&e.entity)) {
                    self.counts_wanted = true;
                }
                let mut effects = Vec::new();
                if self.holds(tabs::ORG_READ)
                    && events
                        .iter()
                        .any(|e| e.entity == "region" || e.entity == "department")
                {
                    effects.push(Effect::FetchNames);
                }
                if self.reads_queues() {
                    if events.iter().any(|e| e.entity == "hall") {
                        effects.push(Effect::FetchHalls);
                    }
                    for e in &events {
                        if let Some((hall, relist)) = self.queues.apply(e) {
                            match effects.iter_mut().find_map(|f| match f {
                                Effect::FetchQueue { hall: h, waiting } if *h == hall => {
                                    Some(waiting)
                                }
                                _ => None,
                            }) {
                                Some(waiting) => *waiting |= relist,
                                None => effects.push(Effect::FetchQueue {
                                    hall,
                                    waiting: relist,
                                }),
                            }
                        }
                    }
                }
                if self.holds(tabs::SUPERVISION_READ) {
                    let mut ids: Vec<i64> =
                        events.iter().filter_map(|e| self.alerts.apply(e)).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    if !ids.is_empty() {
                        effects.push(Effect::RefreshAnomalies(ids));
                    }
                }
                if self.holds(tabs::DEVICE_READ) {
                    let mut ids: Vec<_> = events.iter().filter_map(Devices::named_by).collect();
                    ids.sort_unstable_by_key(|d| d.0);
                    ids.dedup();
                    effects.extend(ids.into_iter().map(Effect::RefreshDevice));
                }
                let mut cases: Vec<i64> = events
                    .iter()
                    .filter(|e| e.entity == "case" && self.cases.shows(e.entity_id))
                    .map(|e| e.entity_id)
                    .collect();
                cases.sort_unstable();
                cases.dedup();
                effects.extend(
                    cases
                        .into_iter()
                        .map(|c| Effect::RefreshCase(yiwang_core::domain::case::CaseId(c))),
                );
                self.feed.append(events);
                return effects;
            }
            Action::HallsFailed(e) => self.queues.error = Some(e),
            Action::Halls(list) => {
                self.queues.error = None;
                let known = self.queues.ids();
                self.queues.set_halls(list);
                return self
                    .queues
                    .ids()
                    .into_iter()
                    .filter(|h| !known.contains(h))
                    .map(|hall| Effect::FetchQueue {
                        hall,
                        waiting: true,
                    })
                    .collect();
            }
            Action::HallQueue { live, waiting } => {
                let hall = live.hall_id;
                if let Some(waiting) = self.queues.set_snapshot(*live, waiting) {
                    return vec![Effect::FetchQueue { hall, waiting }];
                }
            }
            Action::StreamUp => self.stream_up = true,
            Action::StreamDown => self.stream_up = false,
            Action::Anomalies(list) => self.alerts.set_all(list),
            Action::AnomaliesFailed(e) => self.alerts.error = Some(e),
            Action::AnomaliesChanged(list) => {
                for a in list {
                    self.alerts.upsert_wire(a);
                }
            }
            Action::AnomalyOpened(d) => {
                if self.tab == Tab::Alerts && self.input_under_prompt() == Input::Detail {
                    self.alerts.detail = Some(d);
                }
            }
            Action::CasesFound { cases, more } => self.cases.set_results(cases, more),
            Action::CasesFailed(e) => self.cases.failed(e),
            Action::Cockpit(d) => self.cockpit.set(d),
            Action::CockpitFailed(e) => self.cockpit.failed(e),
            Action::CaseChanged(c) => self.cases.refresh(*c),
            Action::CaseOpened(c) => {
                if self.tab == Tab::Cases && self.input == Input::Detail {
                    self.cases.open = Some(c);
                }
            }
            Action::Devices(list) => self.devices.set_all(list),
            Action::DevicesFailed(e) => self.devices.error = Some(e),
            Action::DeviceChanged(d) => self.devices.upsert(*d),
            Action::DeviceOpened(d) => {
                if self.tab == Tab::Devices && self.input_under_prompt() == Input::Detail {
                    self.devices.detail = Some(d);
                }
            }
            Action::Outcome { ok, message } => self.notice = Some((ok, message)),
        }
        Vec::new()
    }

    /// The input in use, or the one a prompt returns to.
    fn input_under_prompt(&self) -> Input {
        match &self.confirm {
            Some((_, back)) if self.input == Input::Prompt => *back,
            _ => self.input,
        }
    }

    /// The filter of the current view.
    pub fn filter(&self) -> &str {
        match self.tab {
            Tab::Alerts => &self.alerts.filter,
            Tab::Cases => &self.cases.query,
            Tab::Devices => &self.devices.filter,
            _ => &self.feed.filter,
        }
    }

    fn set_filter(&mut self, f: String) {
        match self.tab {
            Tab::Alerts => self.alerts.set_filter(f, &self.names),
            Tab::Cases => self.cases.query = f,
            Tab::Devices => self.devices.set_filter(f),
            _ => self.feed.set_filter(f),
        }
    }

    fn prompt_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Some((c, back)) = self.confirm.as_mut() else {
            self.input = Input::Normal;
            return Vec::new();
        };
        let back = *back;
        match k.code {
            KeyCode::Esc => {
                self.confirm = None;
                self.input = back;
            }
            KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => c.next_field(),
            KeyCode::Backspace => c.backspace(),
            KeyCode::Char(ch) => c.type_char(ch),
            KeyCode::Enter if !c.complete() => c.incomplete = true,
            KeyCode::Enter => {
                let effect = confirmed(c);
                if matches!(
                    c.intent,
                    Intent::Anomalies { .. } | Intent::Order { .. } | Intent::Note { .. }
                ) {
                    self.alerts.marked.clear();
                }
                self.confirm = None;
                self.input = back;
                self.notice = Some((true, self.lang.t(Msg::Loading).to_owned()));
                return vec![effect];
            }
            _ => {}
        }
        Vec::new()
    }

    /// Opens the prompt for an action on the Alerts view's marked (or selected) cards, when the
    /// caller may act and at least one of them allows it.
    fn ask_on_cards(&mut self, action: Option<AnomalyAction>) {
        let ids: Vec<i64> = self
            .alerts
            .targets()
            .into_iter()
            .filter(|id| action.is_none_or(|a| self.alerts.get(*id).is_some_and(|c| c.allows(a))))
            .collect();
        if ids.is_empty() {
            return;
        }
        let intent = match action {
            None => Intent::Note { ids },
            Some(AnomalyAction::Order) => Intent::Order { ids },
            Some(action) => Intent::Anomalies { ids, action },
        };
        self.ask(intent);
    }

    fn ask(&mut self, intent: Intent) {
        self.confirm = Some((Confirm::new(intent), self.input));
        self.input = Input::Prompt;
    }

    /// An action key: offered only in act mode, on its view, to a caller who may take it.
    fn act(&mut self, cmd: Command) {
        if !self.may_act_here() {
            return;
        }
        if self.mode != Mode::Act {
            self.notice = Some((false, self.lang.t(Msg::EnterAct).to_owned()));
            return;
        }
        match (self.tab, cmd) {
            (Tab::Alerts, Command::Acknowledge) => {
                self.ask_on_cards(Some(AnomalyAction::Acknowledge))
            }
            (Tab::Alerts, Command::Order) => self.ask_on_cards(Some(AnomalyAction::Order)),
            (Tab::Alerts, Command::Dismiss) => self.ask_on_cards(Some(AnomalyAction::Dismiss)),
            (Tab::Alerts, Command::Note) => self.ask_on_cards(None),
            (Tab::Devices, Command::Send) => {
                if let Some(d) = self.devices.row(self.devices.selected) {
                    let intent = Intent::Display {
                        device: d.id,
                        name: d.name.clone(),
                    };
                    self.ask(intent);
                }
            }
            _ => {}
        }
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if k.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if self.input == Input::Prompt {
            return self.prompt_key(k);
        }
        self.notice = None;
        if self.input == Input::Filter {
            let mut f = self.filter().to_owned();
            match k.code {
                KeyCode::Enter => {
                    self.input = Input::Normal;
                    if self.tab == Tab::Cases {
                        return vec![Effect::SearchCases(self.cases.search())];
                    }
                }
                KeyCode::Esc => {
                    self.input = Input::Normal;
                    f.clear();
                }
                KeyCode::Backspace => {
                    f.pop();
                }
                KeyCode::Char(c) => f.push(c),
                _ => {}
            }
            if f != self.filter() {
                self.set_filter(f);
            }
            return Vec::new();
        }
        match keys::dispatch(&k) {
            Some(cmd) => self.command(cmd),
            None => Vec::new(),
        }
    }

    fn command(&mut self, cmd: Command) -> Vec<Effect> {
        let page = self.list_height();
        match cmd {
            Command::Quit => self.quit = true,
            Command::Help => {
                self.input = if self.input == Input::Help {
                    Input::Normal
                } else {
                    Input::Help
                }
            }
            Command::Back => match self.input {
                Input::Help | Input::Detail => {
                    self.input = Input::Normal;
                    self.alerts.detail = None;
                    self.cases.open = None;
                    self.devices.detail = None;
                }
                _ if self.tab == Tab::Alerts && !self.alerts.marked.is_empty() => {
                    self.alerts.marked.clear()
                }
                _ if !self.filter().is_empty() => self.set_filter(String::new()),
                _ => self.mode = Mode::ReadOnly,
            },
            Command::Acknowledge
            | Command::Order
            | Command::Dismiss
            | Command::Note
            | Command::Send
                if matches!(self.input, Input::Normal | Input::Detail) =>
            {
                self.act(cmd)
            }
            _ if self.input != Input::Normal => {}
            Command::NextTab | Command::PrevTab => {
                let tabs = self.tabs();
                let at = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
                let n = tabs.len().max(1);
                let next = if cmd == Command::NextTab {
                    at + 1
                } else {
                    at + n - 1
                };
                if let Some(t) = tabs.get(next % n) {
                    self.tab = *t;
                }
            }
            Command::SwitchTab(n) => {
                if let Some(t) = self.tabs().into_iter().find(|t| t.number() == n) {
                    self.tab = t;
                }
            }
            Command::NextHall => self.queues.switch_hall(1),
            Command::PrevHall => self.queues.switch_hall(-1),
            Command::Down
            | Command::Up
            | Command::PageDown
            | Command::PageUp
            | Command::Top
            | Command::Bottom => {
                let h = page as isize;
                let delta = match cmd {
                    Command::Down => 1,
                    Command::Up => -1,
                    Command::PageDown => h,
                    Command::PageUp => -h,
                    Command::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                };
                match self.tab {
                    Tab::Queues => self.queues.move_by(delta, page),
                    Tab::Alerts => self.alerts.move_by(delta, page),
                    Tab::Cases => self.cases.move_by(delta, page),
                    Tab::Devices => self.devices.move_by(delta, page),
                    _ => self.feed.move_by(delta, page),
                }
            }
            Command::Filter
                if matches!(
                    self.tab,
                    Tab::Overview | Tab::Alerts | Tab::Cases | Tab::Devices
                ) =>
            {
                self.input = Input::Filter
            }
            Command::Mark if self.tab == Tab::Alerts => self.alerts.toggle_mark(),
            Command::Open => return self.open(),
            Command::ToggleAct => {
                self.mode = match self.mode {
                    Mode::ReadOnly => Mode::Act,
                    Mode::Act => Mode::ReadOnly,
                }
            }
            Command::Filter
            | Command::Mark
            | Command::Acknowledge
            | Command::Order
            | Command::Dismiss
            | Command::Note
            | Command::Send => {}
        }
        Vec::new()
    }

    /// Enter: opens the selected row (reading what the popup shows).
    fn open(&mut self) -> Vec<Effect> {
        let effect = match self.tab {
            Tab::Overview if !self.feed.is_empty() => None,
            Tab::Alerts => match self.alerts.row(self.alerts.selected) {
                Some(a) => Some(Effect::OpenAnomaly(a.id)),
                None => return Vec::new(),
            },
            Tab::Cases => match self.cases.row(self.cases.selected) {
                Some(c) => Some(Effect::OpenCase(c.id)),
                None => return Vec::new(),
            },
            Tab::Devices => match self.devices.row(self.devices.selected) {
                Some(d) => Some(Effect::OpenDevice(d.id)),
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        self.input = Input::Detail;
        effect.into_iter().collect()
    }
}

/// The work a confirmed prompt asks for.
fn confirmed(c: &Confirm) -> Effect {
    match &c.intent {
        Intent::Anomalies { ids, action } => Effect::ActOnAnomalies {
            ids: ids.clone(),
            action: *action,
            note: c.value(Msg::FieldNote),
        },
        Intent::Order { ids } => Effect::IssueOrders {
            ids: ids.clone(),
            addressee: c.value(Msg::FieldAddressee),
            content: c.value(Msg::FieldContent),
            reply_days: c.value(Msg::FieldReplyDays).parse().unwrap_or(3),
        },
        Intent::Note { ids } => Effect::NoteAnomalies {
            ids: ids.clone(),
            note: c.value(Msg::FieldNote),
        },
        Intent::Display { device, .. } => Effect::SendDisplay {
            device: *device,
            text: c.value(Msg::FieldText),
        },
    }
}

/// Entities whose counts the Overview shows.
fn names_counted(entity: &str) -> bool {
    matches!(entity, "hall" | "region" | "user")
}
