//! Printable forms: A4 HTML pages with print CSS, Chinese, for the paper process.

use super::orders::OrderRow;
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
