//! The console's words: one table keyed by message id, Chinese first, English by `--lang en`.

/// The language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `en` (any case) is English; everything else is Chinese, the default.
    pub fn parse(s: &str) -> Lang {
        if s.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The text of a message in this language.
    pub fn t(self, m: Msg) -> &'static str {
        let (zh, en) = text(m);
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

macro_rules! messages {
    ($($id:ident => $zh:literal, $en:literal;)*) => {
        /// A message id: every user-facing string of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($id,)* }

        fn text(m: Msg) -> (&'static str, &'static str) {
            match m { $(Msg::$id => ($zh, $en),)* }
        }
    };
}

messages! {
    TabOverview => "总览", "Overview";
    TabQueues => "排队", "Queues";
    TabAlerts => "预警", "Alerts";
    TabCases => "办件", "Cases";
    TabDevices => "设备", "Devices";
    TabHealth => "运行状态", "Health";
    TabCockpit => "驾驶舱", "Cockpit";
    Title => "一网 运维控制台", "yiwang console";
    ReadOnly => "只读", "read-only";
    ActMode => "操作模式", "ACT MODE";
    Connecting => "正在连接…", "connecting…";
    LoggingIn => "正在登录…", "logging in…";
    Online => "已连接", "online";
    ServerGone => "服务器无响应", "server unreachable";
    RetryIn => "秒后重连", "s to retry";
    Stale => "数据已过期", "stale";
    LoginFailed => "登录失败", "login failed";
    NoViews => "当前角色没有可用视图。", "Your role grants no view.";
    Server => "服务器", "Server";
    Database => "数据库", "Database";
    Migrations => "迁移", "Migrations";
    Backend => "存储", "Backend";
    Leader => "主节点", "Leader";
    EventHead => "事件日志头", "Event-log head";
    Ready => "就绪", "ready";
    NotReady => "未就绪", "not ready";
    Yes => "是", "yes";
    No => "否", "no";
    Current => "最新", "current";
    Behind => "待迁移", "behind";
    Halls => "大厅", "Halls";
    Regions => "区域", "Regions";
    Users => "用户", "Users";
    Waiting => "等候/办理", "Waiting/serving";
    Devices => "设备", "Devices";
    Backlog => "对接积压", "Integration backlog";
    LaterNote => "“—”：服务器尚未提供这些数据", "\u{2014}: not reported by the server yet";
    LiveFeed => "实时事件", "Live events";
    EventsPerMinute => "每分钟事件数（近一小时）", "Events per minute (last hour)";
    Time => "时间", "Time";
    Kind => "类型", "Kind";
    Entity => "对象", "Entity";
    NoEvents => "暂无事件", "No events yet";
    Status => "状态", "Status";
    Requests => "请求速率", "Request rate";
    Latency => "延迟", "Latency";
    Pool => "连接池", "DB pool";
    Idle => "空闲", "idle";
    WriterCommits => "写入提交", "Writer commits";
    WalFrames => "未检查点 WAL 帧", "WAL frames unchecked";
    Jobs => "后台任务", "Jobs";
    Connectors => "接口对接", "Connectors";
    OnlineOffline => "在线/离线", "online/offline";
    ToSend => "待发", "backlog";
    Parked => "搁置", "parked";
    Lag => "延迟", "lag";
    Paused => "已暂停", "paused";
    Runs => "运行", "runs";
    Failures => "失败", "failures";
    NoData => "暂无数据", "no data yet";
    PerSecond => "次/秒", "req/s";
    Help => "帮助", "Help";
    HelpClose => "按 Esc 或 ? 关闭", "Esc or ? closes";
    Filter => "筛选", "Filter";
    Detail => "详情", "Detail";
    KeyQuit => "退出", "quit";
    KeyNextTab => "下一个视图", "next view";
    KeyPrevTab => "上一个视图", "previous view";
    KeyTabN => "切换到第 N 个视图", "switch to view N";
    KeyDown => "下移", "move down";
    KeyUp => "上移", "move up";
    KeyPageDown => "下翻一页", "page down";
    KeyPageUp => "上翻一页", "page up";
    KeyTop => "到顶部（跟随最新）", "to top (follow newest)";
    KeyBottom => "到底部", "to bottom";
    KeyFilter => "筛选当前列表", "filter the list";
    KeyOpen => "打开所选项", "open the selected row";
    KeyBack => "关闭弹窗/清除筛选/退出操作模式", "close popup / clear filter / leave act mode";
    KeyHelp => "帮助（本页）", "help (this page)";
    KeyAct => "切换只读/操作模式", "toggle read-only / act mode";
    KeyNextHall => "下一个大厅（排队）", "next hall (Queues)";
    KeyPrevHall => "上一个大厅（排队）", "previous hall (Queues)";
    Hall => "大厅", "Hall";
    Area => "区域", "Area";
    Window => "窗口", "Window";
    Staff => "工作人员", "Staff";
    NowServing => "当前号", "Now serving";
    WaitingList => "等候队列", "Waiting list";
    WaitingShort => "等候", "Waiting";
    Serving => "办理中", "Serving";
    Called => "已叫号", "called";
    ServingStatus => "办理中", "serving";
    Waited => "已等", "Waited";
    LongestWait => "最长等候", "Longest";
    EstimatedWait => "预计等候", "Est. wait";
    OnDuty => "在岗", "On duty";
    AverageWait => "平均已等", "Avg wait";
    Number => "号码", "Number";
    NoHalls => "没有可查看的大厅。", "No hall to show.";
    HallsUnreadable => "无法读取大厅列表", "cannot list the halls";
    LoadingQueue => "正在读取排队数据…", "loading the queue…";
    NoneWaiting => "无人等候", "Nobody waiting";
    OffDuty => "未签到", "off duty";
    Idle2 => "空闲", "idle";
    TicketsPerMinute => "每分钟取号（近一小时）", "Tickets/min (last hour)";
    HallsQueue => "大厅排队", "Hall queues";
    KeyMark => "标记/取消标记（批量操作）", "mark / unmark for a bulk action";
    KeyAcknowledge => "签收预警（操作模式）", "acknowledge cards (act mode)";
    KeyOrder => "发督办单（操作模式）", "issue a supervision order (act mode)";
    KeyDismiss => "不予认定（操作模式）", "dismiss cards (act mode)";
    KeyNote => "添加备注（操作模式）", "add a note (act mode)";
    KeySend => "向设备发送文字（操作模式）", "send a text to the device (act mode)";
    FieldNote => "备注", "Note";
    FieldAddressee => "督办对象", "Addressee";
    FieldContent => "督办内容", "Content";
    FieldReplyDays => "回复期限（工作日）", "Reply within (working days)";
    FieldText => "显示文字", "Text to show";
    ConfirmTitle => "请确认", "Confirm";
    ConfirmKeys => "Enter 确认 · Tab 下一项 · Esc 取消", "Enter confirm · Tab next field · Esc cancel";
    ConfirmIncomplete => "请填写必填项", "Fill in the required fields";
    Cards => "张预警", "cards";
    Card => "预警", "Card";
    Severity => "级别", "Sev.";
    Age => "时长", "Age";
    Rule => "规则", "Rule";
    CaseNo => "办件编号", "Case no.";
    Step => "环节", "Step";
    WholeCase => "全案", "case";
    Region => "区域", "Region";
    Department => "部门", "Dept.";
    Marked => "已标记", "marked";
    Mark => "标记", "mark";
    Red => "红牌", "red";
    NoCards => "暂无预警", "No open cards";
    LoadingCards => "正在读取预警…", "loading the cards…";
    CardsUnreadable => "无法读取预警", "cannot read the cards";
    EnterAct => "按 a 进入操作模式后可处理", "press a for act mode to act";
    Facts => "触发事实", "Facts";
    Notes => "处理记录", "Notes";
    Replay => "办件过程回放", "Case history (replay)";
    CaseCards => "同案预警", "Cards of this case";
    Loading => "读取中…", "loading…";
    Inhibited => "已抑制", "inhibited";
    Silenced => "静默至", "silenced until";
    Item => "事项", "Item";
    Applicant => "申请人", "Applicant";
    Submitted => "申请时间", "Submitted";
    Deadline => "承诺剩余", "Days left";
    SearchHint => "按 / 输入办件编号、身份证号、事项编码或状态，回车查询", "/ then a case number, ID number, item code or status; Enter searches";
    Searching => "查询中…", "searching…";
    NoCases => "没有符合条件的办件", "No case matches";
    CasesUnreadable => "查询失败", "search failed";
    Search => "查询", "Search";
    MoreResults => "仅显示前部分结果，请缩小范围", "more matched; narrow the search";
    Materials => "材料", "Materials";
    History => "办理过程", "History";
    Actor => "办理人", "By";
    Action => "操作", "Action";
    Opinion => "意见", "Opinion";
    Kind2 => "类型", "Kind";
    Name => "名称", "Name";
    Online2 => "在线", "online";
    Offline => "离线", "offline";
    LastSeen => "最近心跳", "Last beat";
    Firmware => "固件", "Firmware";
    Pending => "待执行", "Pending";
    NoDevices => "没有可查看的设备", "No device to show";
    LoadingDevices => "正在读取设备…", "loading the devices…";
    DevicesUnreadable => "无法读取设备", "cannot read the devices";
    PendingCommands => "待执行指令", "Pending commands";
    Never => "从未", "never";
    Disabled => "已停用", "disabled";
    Retired => "已报废", "retired";
    Done => "已完成", "done";
    Refused => "被拒绝", "refused";
    CockpitLoading => "正在读取驾驶舱数据…", "loading the cockpit's figures…";
    CockpitUnreadable => "无法读取驾驶舱数据", "cannot read the cockpit's figures";
    CockpitStale => "(刷新失败，显示上次数据)", "(refresh failed: last figures shown)";
    CockpitPeriod => "近30天", "Last 30 days";
    CockpitReceived => "受理", "received";
    CockpitConcluded => "办结", "concluded";
    CockpitOnTime => "按时办结率", "on time";
    CockpitOnline => "网办率", "online";
    CockpitSatisfaction => "满意度", "satisfaction";
    CockpitVisits => "取号", "visits";
    CockpitByRegion => "各地区受理件数", "Cases received by region";
    CockpitByDepartment => "各部门受理件数", "Cases received by department";
    CockpitDailyReceived => "每日受理", "Received a day";
    CockpitDailyConcluded => "每日办结", "Concluded a day";
    CockpitDailyVisits => "每日取号", "Hall visits a day";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_the_default_and_en_switches() {
        assert_eq!(Lang::default().t(Msg::TabOverview), "总览");
        assert_eq!(Lang::parse("EN").t(Msg::TabHealth), "Health");
        assert_eq!(Lang::parse("fr"), Lang::Zh);
    }
}
