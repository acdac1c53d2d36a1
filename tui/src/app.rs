//! The console's whole state as plain data, and [`App::update`]: the only place it changes.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use yiwang_core::wire::auth::Me;

use crate::action::{Action, Counts, Effect, Readiness};
use crate::i18n::Lang;
use crate::keys::{self, Command};
use crate::state::feed::Feed;
use crate::state::health::HealthState;
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
        self.me.as_ref().is_some_and(|me| {
            me.permissions
                .iter()
                .any(|p| p.as_str() == crate::tabs::QUEUE_READ)
        })
    }

    /// Rows of the Queues view's waiting list that fit on screen.
    pub fn waiting_height(&self) -> usize {
        crate::views::queues::waiting_rows(self, self.size).max(1)
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
            Action::Key(k) => self.key(k),
            Action::Resize(w, h) => {
                self.size = (w, h);
                let h = self.feed_height();
                self.feed.scroll_into_view(h);
            }
            Action::Tick(now) => {
                self.now = now;
                if std::mem::take(&mut self.counts_wanted) {
                    return vec![Effect::FetchCounts];
                }
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
                if self.reads_queues() {
                    return vec![Effect::FetchHalls];
                }
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
            Action::Events(events) => {
                // Fetch what the events name: recounted on the next tick, at most once a second.
                if events.iter().any(|e| names_counted(&e.entity)) {
                    self.counts_wanted = true;
                }
                let mut effects = Vec::new();
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
                if self.queues.set_snapshot(*live, waiting) {
                    return vec![Effect::FetchQueue {
                        hall,
                        waiting: true,
                    }];
                }
            }
            Action::StreamUp => self.stream_up = true,
            Action::StreamDown => self.stream_up = false,
        }
        Vec::new()
    }

    fn key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        if self.input == Input::Filter {
            let mut f = self.feed.filter.clone();
            match k.code {
                KeyCode::Enter => self.input = Input::Normal,
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
            if f != self.feed.filter {
                self.feed.set_filter(f);
            }
            return;
        }
        if let Some(cmd) = keys::dispatch(&k) {
            self.command(cmd);
        }
    }

    fn command(&mut self, cmd: Command) {
        let page = self.feed_height() as isize;
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
                Input::Help | Input::Detail => self.input = Input::Normal,
                _ if !self.feed.filter.is_empty() => self.feed.set_filter(String::new()),
                _ => self.mode = Mode::ReadOnly,
            },
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
            | Command::Bottom
                if self.tab == Tab::Queues =>
            {
                let h = self.waiting_height();
                let delta = match cmd {
                    Command::Down => 1,
                    Command::Up => -1,
                    Command::PageDown => h as isize,
                    Command::PageUp => -(h as isize),
                    Command::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                };
                self.queues.move_by(delta, h);
            }
            Command::Down => self.feed.move_by(1, page as usize),
            Command::Up => self.feed.move_by(-1, page as usize),
            Command::PageDown => self.feed.move_by(page, page as usize),
            Command::PageUp => self.feed.move_by(-page, page as usize),
            Command::Top => self.feed.move_by(isize::MIN / 2, page as usize),
            Command::Bottom => self.feed.move_by(isize::MAX / 2, page as usize),
            Command::Filter if self.tab == Tab::Overview => self.input = Input::Filter,
            Command::Open if self.tab == Tab::Overview && !self.feed.is_empty() => {
                self.input = Input::Detail
            }
            Command::ToggleAct => {
                self.mode = match self.mode {
                    Mode::ReadOnly => Mode::Act,
                    Mode::Act => Mode::ReadOnly,
                }
            }
            Command::Filter | Command::Open => {}
        }
    }
}

/// Entities whose counts the Overview shows.
fn names_counted(entity: &str) -> bool {
    matches!(entity, "hall" | "region" | "user")
}
