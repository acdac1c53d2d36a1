//! The printable paper certificate of a license: one A4 page of HTML, Chinese first, with
//! print CSS, ready for the browser's print dialog.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{LicenseRow, license_in_scope, origin_of};
use crate::domain::access::{Caller, Permission};
use crate::domain::license::{LicenseSource, LicenseStatus};
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::local_date;
use crate::service::supervision::print::esc;
use crate::store::schema::{departments, regions};

const STYLE: &str = "@page { size: A4 portrait; margin: 18mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: 'SimSun', 'Songti SC', 'Noto Serif CJK SC', serif; color: #000; }
.certificate { width: 174mm; min-height: 261mm; margin: 0 auto; padding: 14mm 12mm;
  border: 3px double #a00; position: relative; }
h1 { text-align: center; font-size: 30pt; letter-spacing: 0.3em; margin: 8mm 0 2mm; }
.en { text-align: center; font-size: 11pt; color: #444; margin: 0 0 10mm; }
table { width: 100%; border-collapse: collapse; font-size: 14pt; }
th { width: 40mm; text-align: left; vertical-align: top; padding: 3mm 2mm; font-weight: bold; }
th small, .issuer small { display: block; font-weight: normal; font-size: 9pt; color: #444; }
td { padding: 3mm 2mm; border-bottom: 1px solid #999; }
.issuer { position: absolute; right: 14mm; bottom: 24mm; text-align: center; font-size: 14pt; }
.void { position: absolute; top: 110mm; left: 0; right: 0; text-align: center; font-size: 60pt;
  color: rgba(170, 0, 0, 0.35); transform: rotate(-20deg); }
@media screen { body { background: #eee; padding: 10mm 0; } .certificate { background: #fff; } }
@media print { .certificate { page-break-after: always; } }";

/// The certificate page of a license.
fn page(license: &LicenseRow, department: &str, region: &str, issued: NaiveDate) -> String {
    let row = |zh: &str, en: &str, value: &str| {
        format!(
            "<tr><th>{zh}<small>{en}</small></th><td>{}</td></tr>\n",
            esc(value)
        )
    };
    let mut rows = String::new();
    rows.push_str(&row("证照编号", "License No.", &license.license_no));
    rows.push_str(&row("持证人", "Holder", &license.holder_name));
    rows.push_str(&row("证件号码", "ID No.", &license.holder_masked));
    rows.push_str(&row(
        "有效期限",
        "Valid",
        &format!("{} 至 {}", license.valid_from, license.valid_to),
    ));
    rows.push_str(&row(
        "可信等级",
        "Trust level",
        license.trust_level().label_zh(),
    ));
    rows.push_str(&row("发证日期", "Issued on", &issued.to_string()));
    let void = if license.status() == LicenseStatus::Revoked {
        "<div class=\"void\">已吊销 REVOKED</div>\n"
    } else {
        ""
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{kind} {no}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n\
         <main class=\"certificate\">\n<h1>{kind}</h1>\n<p class=\"en\">Certificate</p>\n\
         <table>\n{rows}</table>\n{void}<div class=\"issuer\">{department}<small>{region}</small>\
         <small>Issued by</small></div>\n</main>\n</body>\n</html>\n",
        kind = esc(&license.kind),
        no = esc(&license.license_no),
        department = esc(department),
        region = esc(region),
    )
}

impl Services {
    /// The printable A4 certificate of a license (HTML).
    pub async fn license_certificate(&self, caller: &Caller, id: i64) -> Result<String, Error> {
        let caller = caller.clone();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let license = license_in_scope(conn, &caller, Permission::CaseRead, id)?;
                if origin_of(conn, license.id)?.0 != LicenseSource::Issued {
                    return Err(Error::conflict(
                        "only licenses issued here have a certificate printed here",
                    ));
                }
                let issued = local_date(license.issued_at, tz);
                let department: String = departments::table
                    .find(license.department_id)
                    .select(departments::name)
                    .get_result(conn)?;
                let region: String = regions::table
                    .find(license.region_id)
                    .select(regions::name)
                    .get_result(conn)?;
                Ok(page(&license, &department, &region, issued))
            })
            .await
    }
}
