//! Labels for the event kinds and entities the server emits today; unknown ones show as sent.

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
