//! Cockpit views as files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
//! Chinese headers right) or XLSX (through `rust_xlsxwriter`), headers in Chinese.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::query;
use crate::domain::access::Caller;
use crate::domain::cockpit::Figures;
use crate::error::Error;
use crate::service::Services;
use crate::wire::cockpit::{CockpitExportQuery, CockpitView, ExportFormat};

/// A file to answer with.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

enum Cell {
    Text(String),
    Int(i64),
    Num(Option<f64>),
}

/// The columns of a row of figures, after its name column.
const FIGURE_HEADERS: [&str; 17] = [
    "受理件数",
    "网上申报件数",
    "网上申报率",
    "办结件数",
    "按时办结件数",
    "按时办结率",
    "平均办理天数(工作日)",
    "快递送达件数",
    "快递送达率",
    "评价次数",
    "满意度(1-5)",
    "黄牌",
    "红牌",
    "投诉",
    "大厅取号人次",
    "叫号人次",
    "平均等待(分钟)",
];

fn figure_cells(name: String, f: &Figures) -> Vec<Cell> {
    let c = &f.counters;
    vec![
        Cell::Text(name),
        Cell::Int(c.received),
        Cell::Int(c.online),
        Cell::Num(f.online_share),
        Cell::Int(c.concluded),
        Cell::Int(c.on_time),
        Cell::Num(f.on_time_rate),
        Cell::Num(f.average_handling_days),
        Cell::Int(c.courier),
        Cell::Num(f.courier_share),
        Cell::Int(c.ratings),
        Cell::Num(f.satisfaction),
        Cell::Int(c.yellow),
        Cell::Int(c.red),
        Cell::Int(c.complaints),
        Cell::Int(c.visits),
        Cell::Int(c.waits),
        Cell::Num(f.average_wait_minutes),
    ]
}

/// The view as a header row and data rows.
fn table(
    conn: &mut crate::store::DbConn,
    caller: &Caller,
    e: &CockpitExportQuery,
) -> Result<(Vec<&'static str>, Vec<Vec<Cell>>), Error> {
    let q = e.query();
    let with = |first: &'static str| {
        let mut h = vec![first];
        h.extend(FIGURE_HEADERS);
        h
    };
    Ok(match e.view {
        CockpitView::Summary => {
            let s = query::summary(conn, caller, &q)?;
            (
                with("地区"),
                vec![figure_cells(s.place.region_name, &s.figures)],
            )
        }
        CockpitView::Regions => {
            let s = query::regions_of(conn, caller, &q)?;
            let rows = s
                .rows
                .iter()
                .map(|r| figure_cells(r.name.clone(), &r.figures));
            (with("地区"), rows.collect())
        }
        CockpitView::Departments => {
            let s = query::departments_of(conn, caller, &q)?;
            let rows = s
                .rows
                .iter()
                .map(|r| figure_cells(r.name.clone(), &r.figures));
            (with("部门"), rows.collect())
        }
        CockpitView::Trend => {
            let s = query::trend(conn, caller, &q)?;
            let rows = s
                .points
                .iter()
                .map(|p| figure_cells(p.period.clone(), &p.figures));
            (with("期间"), rows.collect())
        }
        CockpitView::Items => {
            let s = query::items(conn, caller, &q)?;
            let rows = s.items.into_iter().map(|i| {
                vec![
                    Cell::Text(i.item_code),
                    Cell::Text(i.name),
                    Cell::Int(i.received),
                    Cell::Int(i.concluded),
                ]
            });
            (
                vec!["事项编码", "事项名称", "受理件数", "办结件数"],
                rows.collect(),
            )
        }
    })
}

fn csv_bytes(headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, Error> {
    let bad = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(headers).map_err(bad)?;
    for row in rows {
        let fields = row.iter().map(|c| match c {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => x.map(|x| x.to_string()).unwrap_or_default(),
        });
        w.write_record(fields).map_err(bad)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))
}

fn xlsx_bytes(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    for (col, h) in (0u16..).zip(headers) {
        ws.write_string_with_format(0, col, *h, &bold)?;
        ws.set_column_width(col, if col == 0 { 24 } else { 14 })?;
    }
    for (r, row) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Text(t) => ws.write_string(r, col, t.as_str())?,
                Cell::Int(n) => ws.write_number(r, col, *n as f64)?,
                Cell::Num(Some(x)) => ws.write_number(r, col, *x)?,
                Cell::Num(None) => ws,
            };
        }
    }
    book.save_to_buffer()
}

impl Services {
    /// A cockpit view as a CSV or XLSX file (`cockpit.read`, the same scope as the view).
    pub async fn cockpit_export(
        &self,
        caller: &Caller,
        e: CockpitExportQuery,
    ) -> Result<ExportFile, Error> {
        let caller = caller.clone();
        let (view, format) = (e.view, e.format);
        let name = format!(
            "cockpit-{}-{}-{}",
            match view {
                CockpitView::Summary => "summary",
                CockpitView::Regions => "regions",
                CockpitView::Departments => "departments",
                CockpitView::Trend => "trend",
                CockpitView::Items => "items",
            },
            e.from.format("%Y%m%d"),
            e.to.format("%Y%m%d"),
        );
        let (headers, rows) = self
            .store
            .read_heavy(move |conn| table(conn, &caller, &e))
            .await?;
        Ok(match format {
            ExportFormat::Csv => ExportFile {
                content_type: "text/csv; charset=utf-8",
                file_name: format!("{name}.csv"),
                bytes: csv_bytes(&headers, &rows)?,
            },
            ExportFormat::Xlsx => ExportFile {
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                file_name: format!("{name}.xlsx"),
                bytes: xlsx_bytes("驾驶舱", &headers, &rows)
                    .map_err(|e| Error::Internal(format!("xlsx: {e}")))?,
            },
        })
    }
}
