//! Labels for the event kinds and entities the server emits today; unknown ones show as sent.

use yiwang_core::domain::case::CaseStatus;
use yiwang_core::domain::supervision::cards::{AnomalyAction, AnomalyStatus};
use yiwang_core::domain::supervision::{RuleKind, Severity};
use yiwang_core::wire::devices::{CommandStatus, DeviceKind};

use crate::i18n::Lang;

const KINDS: &[(&str, &str, &str)] = &[
    ("region.created", "新增区域", "region created"),
    ("department.created", "新增部门", "department created"),
    ("hall.created", "新增大厅", "hall created"),
    ("area.created", "新增大厅区域", "hall area created"),
    ("window.created", "新增窗口", "window created"),
    ("user.created", "新增用户", "user created"),
    ("user.updated", "修改用户", "user updated"),
    ("user.role_granted", "授予角色", "role granted"),
    ("user.role_revoked", "撤销角色", "role revoked"),
    ("user.locked", "账号锁定", "account locked"),
    ("user.login_failed", "登录失败", "login failed"),
    ("session.started", "用户登录", "logged in"),
    ("role.created", "新增角色", "role created"),
    ("role.updated", "修改角色", "role updated"),
    ("module.created", "新增功能模块", "module created"),
    ("module.granted", "授权功能模块", "module granted"),
    ("token.issued", "签发令牌", "token issued"),
    ("token.revoked", "吊销令牌", "token revoked"),
    ("token.purged", "清理过期令牌", "expired tokens purged"),
    ("ticket.taken", "取号", "ticket taken"),
    ("ticket.called", "叫号", "ticket called"),
    ("ticket.recalled", "重呼", "ticket recalled"),
    ("ticket.skipped", "过号", "ticket skipped"),
    ("ticket.voided", "废号", "ticket voided"),
    ("ticket.transferred", "转移", "ticket transferred"),
    ("ticket.serving", "开始办理", "service started"),
    ("ticket.finished", "办结", "service finished"),
    ("window.signed_in", "窗口签到", "window signed in"),
    ("window.signed_out", "窗口签退", "window signed out"),
    ("anomaly.opened", "新增预警", "card opened"),
    ("anomaly.acknowledged", "预警已签收", "card acknowledged"),
    ("anomaly.ordered", "已督办", "order issued"),
    ("anomaly.replied", "督办已回复", "order answered"),
    ("anomaly.confirmed", "预警已认定", "card confirmed"),
    ("anomaly.dismissed", "预警不予认定", "card dismissed"),
    ("anomaly.closed", "预警关闭", "card closed"),
    ("anomaly.silenced", "预警静默", "card silenced"),
    ("anomaly.noted", "预警备注", "note added"),
    ("case.submitted", "办件申请", "case submitted"),
    ("case.accepted", "办件受理", "case accepted"),
    ("case.approved", "办件办结", "case approved"),
    ("case.denied", "不予许可", "case denied"),
    ("case.terminated", "办件终止", "case terminated"),
    ("device.online", "设备上线", "device online"),
    ("device.offline", "设备离线", "device offline"),
    ("device.command_queued", "下发指令", "command queued"),
    ("device.command_acked", "指令已执行", "command acknowledged"),
    ("device.command_expired", "指令过期", "command expired"),
];

const ENTITIES: &[(&str, &str, &str)] = &[
    ("region", "区域", "region"),
    ("department", "部门", "department"),
    ("hall", "大厅", "hall"),
    ("area", "大厅区域", "hall area"),
    ("window", "窗口", "window"),
    ("user", "用户", "user"),
    ("role", "角色", "role"),
    ("module", "模块", "module"),
    ("token", "令牌", "token"),
    ("ticket", "排队号", "ticket"),
    ("anomaly", "预警", "card"),
    ("case", "办件", "case"),
    ("device", "设备", "device"),
    ("device_command", "设备指令", "device command"),
];

fn look(
    table: &[(&str, &'static str, &'static str)],
    key: &str,
    lang: Lang,
) -> Option<&'static str> {
    table
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| match lang {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
}

/// A kind's label, or the kind itself when it is not known here.
pub fn kind(kind: &str, lang: Lang) -> String {
    look(KINDS, kind, lang).map_or_else(|| kind.to_owned(), str::to_owned)
}

/// `区域 #12` / `region #12`.
pub fn entity(entity: &str, id: i64, lang: Lang) -> String {
    let name = look(ENTITIES, entity, lang).unwrap_or(entity);
    format!("{name} #{id}")
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A supervision indicator's name.
pub fn rule_kind(k: RuleKind, lang: Lang) -> &'static str {
    match k {
        RuleKind::TimeLimit => pick(lang, "时效", "time limit"),
        RuleKind::Process => pick(lang, "流程", "process"),
        RuleKind::Content => pick(lang, "内容", "content"),
        RuleKind::Fee => pick(lang, "收费", "fee"),
        RuleKind::IntegrityRisk => pick(lang, "廉政风险", "integrity risk"),
    }
}

/// A card's colour.
pub fn severity(s: Severity, lang: Lang) -> &'static str {
    pick(lang, s.label_zh(), s.as_str())
}

/// Where a card stands.
pub fn anomaly_status(s: AnomalyStatus, lang: Lang) -> &'static str {
    match s {
        AnomalyStatus::Open => pick(lang, "待处理", "open"),
        AnomalyStatus::Acknowledged => pick(lang, "已签收", "acknowledged"),
        AnomalyStatus::Ordered => pick(lang, "已督办", "ordered"),
        AnomalyStatus::Replied => pick(lang, "已回复", "replied"),
        AnomalyStatus::Confirmed => pick(lang, "已认定", "confirmed"),
        AnomalyStatus::Closed => pick(lang, "已关闭", "closed"),
        AnomalyStatus::Dismissed => pick(lang, "不予认定", "dismissed"),
    }
}

/// What the office does to a card.
pub fn anomaly_action(a: AnomalyAction, lang: Lang) -> &'static str {
    match a {
        AnomalyAction::Acknowledge => pick(lang, "签收", "acknowledge"),
        AnomalyAction::Order => pick(lang, "督办", "order"),
        AnomalyAction::Reply => pick(lang, "回复", "reply"),
        AnomalyAction::Confirm => pick(lang, "认定", "confirm"),
        AnomalyAction::Dismiss => pick(lang, "不予认定", "dismiss"),
        AnomalyAction::Close => pick(lang, "关闭", "close"),
    }
}

/// Where a case stands.
pub fn case_status(s: CaseStatus, lang: Lang) -> &'static str {
    match s {
        CaseStatus::Submitted => pick(lang, "已申请", "submitted"),
        CaseStatus::SupplementRequested => pick(lang, "待补正", "supplement asked"),
        CaseStatus::InReview => pick(lang, "审查中", "in review"),
        CaseStatus::Suspended => pick(lang, "已中止", "suspended"),
        CaseStatus::Approved => pick(lang, "准予许可", "approved"),
        CaseStatus::Denied => pick(lang, "不予许可", "denied"),
        CaseStatus::RejectedAtIntake => pick(lang, "不予受理", "rejected"),
        CaseStatus::Terminated => pick(lang, "已终止", "terminated"),
    }
}

/// What a device is.
pub fn device_kind(k: &DeviceKind, lang: Lang) -> String {
    match lang {
        Lang::Zh => k.label_zh().to_owned(),
        Lang::En => k.as_str().replace('_', " "),
    }
}

/// Where a device command is.
pub fn command_status(s: CommandStatus, lang: Lang) -> &'static str {
    match s {
        CommandStatus::Queued => pick(lang, "排队中", "queued"),
        CommandStatus::Delivered => pick(lang, "已送达", "delivered"),
        CommandStatus::Acked => pick(lang, "已执行", "acked"),
        CommandStatus::Expired => pick(lang, "已过期", "expired"),
    }
}
