//! The command line (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "yiwang",
    version,
    about = "一网 yiwang: the city's government-services platform"
)]
pub struct Cli {
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data is; the same for every command that touches storage.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// The data folder (SQLite database and secret key). Default: ./yiwang-data
    #[arg(long, global = true, env = "YIWANG_DATA_DIR")]
    pub data: Option<PathBuf>,
    /// A database URL (postgres://… or sqlite://PATH); overrides --data for the database.
    #[arg(long, global = true, env = "YIWANG_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The configuration file. Default: ./yiwang.toml when present.
    #[arg(long, global = true, env = "YIWANG_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the API.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Applies pending database migrations.
    Migrate,
    /// Manages users.
    #[command(subcommand)]
    User(UserCommand),
    /// Issues API keys and device tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Checks the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The working-day calendar: list the years in use, load next year's holidays.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Cases: load past cases from an old system (see docs/cases.md).
    #[command(subcommand)]
    Cases(CasesCommand),
    /// Runs a throw-away demonstration city: seeds it and serves it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Serve without opening the console.
        #[arg(long)]
        headless: bool,
        /// Language of the console: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
    /// Load generation and the baselines the benchmarks compare against (see BENCHMARKS.md).
    #[command(subcommand)]
    Loadgen(LoadgenCommand),
    /// Opens the operations console.
    Console(ConsoleArgs),
    /// Hall devices in this terminal, and the hall simulator (see docs/devices.md).
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// The integrations' outbox: backlog and lag, parked deliveries, replay, pause, resume,
    /// reconciliation (see docs/integrations.md).
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// The leader cockpit's rollups (see docs/cockpit.md).
    #[command(subcommand)]
    Cockpit(CockpitCommand),
}

/// `yiwang console`: a client of a running server's API.
#[derive(Debug, Clone, Args)]
pub struct ConsoleArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// A bearer token (an API key, or one from `/api/v1/auth/login`).
    #[arg(
        long,
        env = "YIWANG_TOKEN",
        hide_env_values = true,
        conflicts_with = "user"
    )]
    pub token: Option<String>,
    /// Log in as this user; the password is asked for on the terminal.
    #[arg(long)]
    pub user: Option<String>,
    /// Language of the console: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Where the console logs (never to the terminal it draws on).
    #[arg(long)]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// An LED screen (a window's screen or the hall board) in this terminal.
    Led(DeviceArgs),
    /// A kiosk or a window tablet in this terminal: answers its questions from the keyboard.
    Kiosk(DeviceArgs),
    /// Runs a whole hall against a running server: devices, arrivals, windows, ratings, drop-outs.
    Simulate(SimulateArgs),
}

/// Where a terminal device connects, and as which device.
#[derive(Debug, Clone, Args)]
pub struct DeviceArgs {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// The device's token, from `POST /api/v1/devices` (registration) or `…/token`.
    #[arg(long, env = "YIWANG_DEVICE_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// `yiwang devices simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// A token of a user who manages the hall's devices and users (e.g. an admin).
    #[arg(long, env = "YIWANG_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The hall to simulate; default: the first hall the token sees.
    #[arg(long)]
    pub hall: Option<i64>,
    /// Visitors arriving per minute, over all kiosks.
    #[arg(long, default_value_t = 20.0)]
    pub arrivals_per_minute: f64,
    /// Mean service time at a window, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub service_seconds: f64,
    /// Chance per device and minute of dropping off the network for a while.
    #[arg(long, default_value_t = 0.02)]
    pub drop_per_minute: f64,
    /// Seconds to run; 0 runs until interrupted.
    #[arg(long, default_value_t = 0)]
    pub duration: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds a user with a role; the password is read from standard input.
    Add {
        name: String,
        /// A role, e.g. admin, operator, supervisor, window_staff, auditor.
        #[arg(long)]
        role: String,
        /// The role's data scope: region:CODE, department:ID or own. Default: the root region.
        #[arg(long)]
        scope: Option<String>,
        /// Shown name; defaults to the user name.
        #[arg(long)]
        display_name: Option<String>,
        /// The region (division code) the user belongs to; default: the root region.
        #[arg(long)]
        region: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issues a token acting as USER; prints the secret once.
    Issue {
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// api_key (integrations) or device.
        #[arg(long, default_value = "api_key")]
        kind: String,
        /// A name to recognise it by.
        #[arg(long)]
        name: String,
        /// Days until it expires; unset means until revoked.
        #[arg(long)]
        ttl_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verifies the hash chain; exits non-zero and names the first broken entry if any.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Lists the years in use: shipped with the build or loaded.
    List,
    /// Loads a year file (the format of `data/calendar/YEAR.json`); replaces that year.
    Import {
        /// The year file.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Imports past cases (the body of `POST /api/v1/cases/import`, any number of cases),
    /// as the named user: each case is checked against that user's scope.
    Import {
        /// The import file.
        file: std::path::PathBuf,
        /// Whose scope and name the import runs under.
        #[arg(long, default_value = "admin")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LoadgenCommand {
    /// Serves a bare actix-web "hello" handler: the HTTP baseline.
    Hello {
        #[arg(long, default_value = "127.0.0.1:18081")]
        listen: String,
        /// Worker threads (default: one per core, like `yiwang serve`).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Sends requests to one URL: closed loop (`--rate 0`, capacity) or open loop at a fixed
    /// rate with latency measured from each request's scheduled time (no coordinated omission).
    Run {
        /// Full URL, e.g. http://127.0.0.1:8080/api/v1/users/2.
        #[arg(long)]
        url: String,
        #[arg(long, default_value = "GET")]
        method: String,
        /// JSON body; `{n}` is replaced by the request's sequence number.
        #[arg(long)]
        body: Option<String>,
        /// Bearer token.
        #[arg(long, env = "YIWANG_LOADGEN_TOKEN")]
        token: Option<String>,
        /// Requests per second; 0 means as fast as the connections allow.
        #[arg(long, default_value_t = 0)]
        rate: u32,
        /// Seconds to run.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
    },
    /// The hall queue against a running server: sets up a hall (one area, N windows with staff
    /// signed in), then takes tickets at `--take-rate` while the windows call at `--call-rate`
    /// in all (each call followed by serve and finish); reports both latencies.
    Queue {
        /// The server's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// An admin's bearer token (to create the hall, windows and staff).
        #[arg(long, env = "YIWANG_LOADGEN_TOKEN")]
        token: String,
        #[arg(long, default_value_t = 20)]
        windows: usize,
        /// Tickets taken per second (0: none).
        #[arg(long, default_value_t = 500)]
        take_rate: u32,
        /// Call-next requests per second over all windows.
        #[arg(long, default_value_t = 500)]
        call_rate: u32,
        /// Tickets taken before the run, so the first calls find a queue.
        #[arg(long, default_value_t = 200)]
        prefill: usize,
        /// Seconds to run.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Event streams held open with the admin's token; each times every `ticket.called`
        /// from its call's sending.
        #[arg(long, default_value_t = 1)]
        subscribers: usize,
    },
    /// Case targets, step 1 (against a running server): N departments, a published item and
    /// one submitted case each; prints their ids.
    CaseSetup {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// An admin's bearer token.
        #[arg(long, env = "YIWANG_LOADGEN_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long, default_value_t = 20)]
        departments: u32,
    },
    /// Case targets, step 2 (the server stopped): copies the stored cases in the `--data`
    /// folder's SQLite file until it holds `--cases`, `--open-share` of them open.
    CloneCases {
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
        #[arg(long, default_value_t = 0.1)]
        open_share: f64,
    },
    /// Device heartbeats: registers N devices in a hall and sends
    /// each one's heartbeat every `--interval` seconds on a fixed schedule, measuring latency
    /// from the scheduled time; reports the writer's commits during the run.
    Heartbeats {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// A token that may register devices (e.g. an admin's).
        #[arg(long, env = "YIWANG_LOADGEN_TOKEN", hide_env_values = true)]
        token: String,
        /// The hall the devices belong to; default: the first hall the token sees.
        #[arg(long)]
        hall: Option<i64>,
        #[arg(long, default_value_t = 1000)]
        devices: u32,
        /// Seconds between two heartbeats of one device.
        #[arg(long, default_value_t = 10.0)]
        interval: f64,
        /// Seconds to run.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
    /// The supervision engine at midnight, in process over the `--data` folder (the server
    /// stopped): moves its clock to each of the next `--days` local midnights and prints how
    /// long after each the first and the last new card's event reached an event subscriber.
    Crossing {
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// The cockpit's year query, in process on a fresh SQLite database (or `--postgres`)
    /// whose rollups hold a city's year of counts (10,000,000 cases by default); prints the
    /// latency of each query kind over `--runs` runs.
    Cockpit {
        #[arg(long, default_value_t = 10_000_000)]
        cases: u64,
        #[arg(long, default_value_t = 12)]
        regions: u32,
        #[arg(long, default_value_t = 40)]
        departments: u32,
        #[arg(long, default_value_t = 5)]
        items: u32,
        #[arg(long, default_value_t = 365)]
        days: u32,
        #[arg(long, default_value_t = 50)]
        runs: u32,
        /// A PostgreSQL database to fill instead of a temporary SQLite file (without rollups).
        #[arg(long)]
        postgres: Option<String>,
    },
    /// The durable-write baselines, in process on a fresh SQLite database: the user-update
    /// command committed one by one at synchronous=FULL, and the same through the writer.
    Commits {
        /// Commands to run in each mode.
        #[arg(long, default_value_t = 3000)]
        count: u32,
    },
    /// A case transition (suspend, then resume) through the API, driven by wrk, against the
    /// same command in process through the writer, on a fresh SQLite folder served by this
    /// process (needs wrk).
    Transitions {
        /// Cases each side walks in a round.
        #[arg(long, default_value_t = 2000)]
        cases: usize,
        /// HTTP keep-alive connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Rounds, each measuring both sides.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Seconds each side runs in a round.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
    },
    /// One connector delivering to a healthy local peer (in process, fresh database): logs
    /// `--events` with the connector paused, resumes it and times the drain (docs/integrations.md).
    Outbox {
        #[arg(long, default_value_t = 20_000)]
        events: u32,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 32)]
        in_flight: usize,
        /// Deliveries per round.
        #[arg(long, default_value_t = 256)]
        batch: i64,
        /// A PostgreSQL URL (a fresh database); SQLite in a temporary folder when absent.
        #[arg(long = "pg")]
        database_url: Option<String>,
    },
    /// The console's resident memory with `--cards` live cards: `yiwang console` in a tmux
    /// window against a stand-in API on loopback, against the same with none (docs/console.md).
    Console {
        #[arg(long, default_value_t = 100_000)]
        cards: u32,
        #[arg(long, default_value_t = 3)]
        runs: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Every connector: state, backlog, parked, delivered, lag, cursor.
    Status,
    /// A connector's parked deliveries with their last errors.
    Parked { connector: String },
    /// Puts parked deliveries back in the backlog: one (--event) or all.
    Replay {
        connector: String,
        /// The event id of the one delivery to replay.
        #[arg(long)]
        event: Option<i64>,
    },
    /// Stops a connector's sending (events are still taken in).
    Pause { connector: String },
    /// Sends again after a pause.
    Resume { connector: String },
    /// What was sent against what the peer acknowledged (default: the last 24 hours).
    Reconcile {
        connector: String,
        /// RFC 3339 start of the range.
        #[arg(long)]
        from: Option<String>,
        /// RFC 3339 end of the range (exclusive).
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CockpitCommand {
    /// Recomputes the rollups from the source tables and moves the fold's cursor to the event
    /// log's head, in one transaction.
    Rebuild,
}
