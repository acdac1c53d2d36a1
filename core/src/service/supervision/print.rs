//! Printable forms: A4 HTML pages with print CSS, Chinese, for the paper process.

use super::orders::OrderRow;
use crate::domain::supervision::complaints::{ComplaintStep, masked_name};
use crate::domain::supervision::review::ReviewForm;
use crate::wire::complaints::Complaint;
use crate::wire::review::{Application, Review};
use crate::wire::supervision::ReplyVerdict;

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "@page{size:A4;margin:20mm}body{font-family:'SimSun','Songti SC',serif;\
font-size:12pt;color:#000}h1{text-align:center;font-size:20pt;letter-spacing:4pt;margin:0 0 4mm}\
.bureau{text-align:center;font-size:14pt;color:#b00;border-bottom:2px solid #b00;\
padding-bottom:3mm;margin-bottom:6mm}.no{text-align:right;margin-bottom:4mm}\
table{width:100%;border-collapse:collapse}td,th{border:1px solid #000;padding:3mm;\
vertical-align:top}th{width:28%;text-align:left;font-weight:normal;background:#f4f4f4}\
.sign{margin-top:14mm;display:flex;justify-content:space-between}\
.sign div{width:45%}@media print{.noprint{display:none}}";

fn date(ms: i64, tz: chrono_tz::Tz) -> String {
    crate::wire::time(ms)
        .with_timezone(&tz)
        .format("%Y年%m月%d日")
        .to_string()
}

/// The supervision order (督查督办通知单) with its reply, if any, and signature lines.
pub(crate) fn order_page(
    bureau: &str,
    row: &OrderRow,
    case_no: &str,
    item: &str,
    tz: chrono_tz::Tz,
) -> String {
    let reply = row.reply();
    let (cause, correction, verdict) = match &reply {
        Some(r) => (
            esc(&r.cause),
            esc(&r.correction),
            match r.verdict {
                ReplyVerdict::Confirm => "确认异常,已整改",
                ReplyVerdict::Dispute => "认为不属异常",
            },
        ),
        None => (String::new(), String::new(), ""),
    };
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>督查督办通知单 {no}</title><style>{STYLE}</style></head><body>\
<div class=\"bureau\">{bureau}政务服务管理局 督察处</div><h1>督查督办通知单</h1>\
<div class=\"no\">编号:{no}</div><table>\
<tr><th>承办窗口负责人</th><td>{addressee}</td></tr>\
<tr><th>办件编号</th><td>{case_no}</td></tr>\
<tr><th>事项名称</th><td>{item}</td></tr>\
<tr><th>督办事由</th><td>{content}</td></tr>\
<tr><th>签发日期</th><td>{issued}</td></tr>\
<tr><th>回复期限</th><td>{due}前</td></tr>\
<tr><th>状态</th><td>{status}</td></tr>\
<tr><th>原因说明</th><td>{cause}</td></tr>\
<tr><th>整改情况</th><td>{correction}</td></tr>\
<tr><th>回复意见</th><td>{verdict}</td></tr></table>\
<div class=\"sign\"><div>督察处(签章):<br><br>日期:　　年　　月　　日</div>\
<div>承办窗口负责人(签字):<br><br>日期:　　年　　月　　日</div></div>\
</body></html>",
        no = esc(&row.order_no),
        bureau = esc(bureau),
        addressee = esc(&row.addressee),
        case_no = esc(case_no),
        item = esc(item),
        content = esc(&row.content),
        issued = date(row.created_at, tz),
        // The deadline is the start of the day after the last day to reply.
        due = date(row.reply_due_at - 1, tz),
        status = row.status().label_zh(),
    )
}

/// A form: the bureau's header, a Chinese title with its English name, the number, rows of
/// label and (already escaped) value, and signature lines.
pub(crate) fn form_page(
    bureau: &str,
    title: (&str, &str),
    no: &str,
    rows: &[(&str, String)],
    signatures: &[&str],
) -> String {
    office_form_page(
        &format!("{bureau}政务服务管理局 督察处"),
        title,
        no,
        rows,
        signatures,
    )
}

/// A form under the header of the office that keeps it (`header`, not yet escaped).
pub(crate) fn office_form_page(
    header: &str,
    title: (&str, &str),
    no: &str,
    rows: &[(&str, String)],
    signatures: &[&str],
) -> String {
    let rows: String = rows
        .iter()
        .map(|(label, value)| format!("<tr><th>{label}</th><td>{value}</td></tr>"))
        .collect();
    let signs: String = signatures
        .iter()
        .map(|s| format!("<div>{s}(签字):<br><br>日期:　　年　　月　　日</div>"))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>{zh} {no}</title><style>{STYLE}</style></head><body>\
<div class=\"bureau\">{header}</div><h1>{zh}</h1>\
<div class=\"no\" lang=\"en\">{en}</div><div class=\"no\">编号:{no}</div>\
<table>{rows}</table><div class=\"sign\">{signs}</div></body></html>",
        zh = esc(title.0),
        en = esc(title.1),
        no = esc(no),
        header = esc(header),
    )
}

/// The form of one step of a complaint: what is known so far, blank where the step is to come.
pub(crate) fn complaint_form(
    bureau: &str,
    c: &Complaint,
    step: ComplaintStep,
    tz: chrono_tz::Tz,
) -> String {
    let done = |s: ComplaintStep| c.steps.iter().find(|r| r.step == s);
    let text = |s: ComplaintStep| done(s).map(|r| esc(&r.text)).unwrap_or_default();
    let when = |s: ComplaintStep| {
        done(s)
            .map(|r| date(r.at.timestamp_millis(), tz))
            .unwrap_or_default()
    };
    let complainant = if step == ComplaintStep::Publish {
        esc(&masked_name(&c.complainant.name))
    } else {
        format!(
            "{}(电话 {})",
            esc(&c.complainant.name),
            esc(&c.complainant.phone)
        )
    };
    let mut rows = vec![
        ("投诉来源", c.source.label_zh().to_owned()),
        ("投诉人", complainant),
        ("受理日期", date(c.created_at.timestamp_millis(), tz)),
        ("投诉内容", esc(&c.content)),
    ];
    for s in &ComplaintStep::ALL[1..] {
        if *s > step {
            break;
        }
        rows.push((s.text_label_zh(), text(*s)));
        if *s == ComplaintStep::Investigate {
            let who = done(*s)
                .and_then(|r| r.responsible.as_deref())
                .map(esc)
                .unwrap_or_default();
            rows.push(("责任人", who));
        }
        rows.push(("办理日期", when(*s)));
    }
    if step != ComplaintStep::Publish {
        rows.push((
            "当前环节",
            c.next_step.map(|s| s.label_zh()).unwrap_or("已办结").into(),
        ));
        if let Some(due) = c.step_due_at {
            rows.push((
                "办理期限",
                format!("{}前", date(due.timestamp_millis() - 1, tz)),
            ));
        }
    }
    let signatures: &[&str] = match step {
        ComplaintStep::Accept => &["登记人"],
        ComplaintStep::Investigate => &["调查人", "督察处负责人"],
        ComplaintStep::Sign => &["窗口人员", "窗口负责人"],
        ComplaintStep::Instruct => &["分管领导"],
        ComplaintStep::Publish => &["督察处(签章)"],
    };
    form_page(
        bureau,
        step.form_title(),
        &c.complaint_no,
        &rows,
        signatures,
    )
}

/// The published notice as plain text, for the mail to the office.
pub(crate) fn complaint_notice_text(c: &Complaint) -> String {
    let result = c
        .steps
        .iter()
        .find(|r| r.step == ComplaintStep::Publish)
        .map(|r| r.text.as_str())
        .unwrap_or_default();
    format!(
        "{no}\n投诉处理结果公告\n投诉人:{who}\n投诉内容:{content}\n处理结果:{result}\n",
        no = c.complaint_no,
        who = masked_name(&c.complainant.name),
        content = c.content,
    )
}

/// One line of an application on a review form: name, award, figures, score.
fn application_line(a: &Application) -> String {
    let f = a.figures.clone().unwrap_or_default();
    let pct = |x: Option<f64>| x.map_or("—".to_owned(), |v| format!("{:.0}%", v * 100.0));
    let num = |x: Option<f64>| x.map_or("—".to_owned(), |v| format!("{v:.2}"));
    format!(
        "{award}:{name}<br>办件 {cases} 件,按时办结率 {rate};红黄牌 {cards} 张;投诉 {complaints} 件;\
评价 {ratings} 次,平均 {sat},差评 {bad} 次;评分 {score}<br>{statement}",
        award = a.award.label_zh(),
        name = esc(&a.name),
        cases = f.cases,
        rate = pct(f.on_time_rate),
        cards = f.anomalies,
        complaints = f.complaints,
        ratings = f.ratings,
        sat = num(f.satisfaction),
        bad = f.bad_ratings,
        score = num(a.average_score),
        statement = esc(&a.statement),
    )
}

/// A form of the performance review.
pub(crate) fn review_form(bureau: &str, r: &Review, form: ReviewForm, tz: chrono_tz::Tz) -> String {
    let period = format!(
        "{} 至 {}",
        date(r.period_from.timestamp_millis(), tz),
        date(r.period_to.timestamp_millis() - 1, tz)
    );
    let mut rows = vec![
        ("考评名称", esc(&r.title)),
        ("考评期间", period),
        ("当前阶段", r.stage.label_zh().to_owned()),
    ];
    let listed: Vec<&Application> = match form {
        ReviewForm::Notice => Vec::new(),
        ReviewForm::Scoresheet => r.applications.iter().collect(),
        _ => r.applications.iter().filter(|a| a.proposed).collect(),
    };
    match form {
        ReviewForm::Notice => rows.push(("通知内容", esc(&r.notice))),
        ReviewForm::Scoresheet => {}
        ReviewForm::Proposed => rows.push((
            "领导意见",
            r.leader_opinion.as_deref().map(esc).unwrap_or_default(),
        )),
        ReviewForm::Publicity => rows.push((
            "公示截止",
            r.publicity_until
                .map(|u| date(u.timestamp_millis() - 1, tz))
                .unwrap_or_default(),
        )),
        ReviewForm::Announcement => rows.push((
            "通报内容",
            r.announcement.as_deref().map(esc).unwrap_or_default(),
        )),
    }
    let label = if form == ReviewForm::Scoresheet {
        "申报对象"
    } else {
        "表彰对象"
    };
    for a in listed {
        rows.push((label, application_line(a)));
    }
    let signatures: &[&str] = match form {
        ReviewForm::Notice | ReviewForm::Publicity | ReviewForm::Announcement => &["督察处(签章)"],
        ReviewForm::Scoresheet => &["汇总人", "各处室评分人"],
        ReviewForm::Proposed => &["督察处负责人", "分管领导"],
    };
    form_page(bureau, form.title(), &r.review_no, &rows, signatures)
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_in_user_text() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
