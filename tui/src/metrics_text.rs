//! Prometheus text exposition, parsed just far enough for the Health view: samples with labels,
//! sums over label sets, and quantile estimates from cumulative histogram buckets.

/// One sample line: `name{label="value",…} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    /// The value of one label, if present.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A whole scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub samples: Vec<Sample>,
}

/// Parses the text format; comment lines and lines it cannot read are skipped, never fatal.
pub fn parse(text: &str) -> Scrape {
    let samples = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(parse_line)
        .collect();
    Scrape { samples }
}

fn parse_line(line: &str) -> Option<Sample> {
    let (name, labels, rest) = match line.find('{') {
        Some(open) => {
            let close = open + closing_brace(&line[open..])?;
            (
                &line[..open],
                parse_labels(&line[open + 1..close])?,
                &line[close + 1..],
            )
        }
        None => {
            let sp = line.find(char::is_whitespace)?;
            (&line[..sp], Vec::new(), &line[sp..])
        }
    };
    // A timestamp may follow the value; only the value matters here.
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name: name.trim().to_owned(),
        labels,
        value,
    })
}

/// The label set's closing `}`: the first one outside a quoted value (route labels such as
/// `/api/v1/halls/{id}/queue` carry braces of their own).
fn closing_brace(s: &str) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_labels(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if chars.next()? != '"' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                c => value.push(c),
            }
        }
        out.push((key.trim().to_owned(), value));
    }
}

impl Scrape {
    /// Samples of one metric.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// The sum over every label set of a metric; `None` when it is absent.
    pub fn sum(&self, name: &str) -> Option<f64> {
        let mut it = self.all(name).peekable();
        it.peek()?;
        Some(it.map(|s| s.value).sum())
    }

    /// Cumulative histogram buckets `(le, count)` of a metric, summed over other labels, by `le`.
    pub fn buckets(&self, name: &str) -> Vec<(f64, f64)> {
        let bucket = format!("{name}_bucket");
        let mut out: Vec<(f64, f64)> = Vec::new();
        for s in self.all(&bucket) {
            let Some(le) = s.label("le").and_then(parse_le) else {
                continue;
            };
            match out.iter_mut().find(|(l, _)| *l == le) {
                Some(slot) => slot.1 += s.value,
                None => out.push((le, s.value)),
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }
}

fn parse_le(s: &str) -> Option<f64> {
    if s == "+Inf" {
        Some(f64::INFINITY)
    } else {
        s.parse().ok()
    }
}

/// Bucket counts of `now` minus those of `before` (both cumulative, same `le`s): the window.
pub fn bucket_delta(now: &[(f64, f64)], before: &[(f64, f64)]) -> Vec<(f64, f64)> {
    now.iter()
        .map(|(le, c)| {
            let prev = before
                .iter()
                .find(|(l, _)| l == le)
                .map_or(0.0, |(_, p)| *p);
            (*le, (c - prev).max(0.0))
        })
        .collect()
}

/// Estimates quantile `q` (0–1) by linear interpolation inside the bucket that holds it, as
/// Prometheus's `histogram_quantile` does; `None` with no observations.
pub fn quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut prev_le = 0.0;
    let mut prev_count = 0.0;
    for &(le, count) in buckets {
        if count >= rank {
            if le.is_infinite() {
                // Past the last finite bound: the best honest answer is that bound.
                return Some(prev_le);
            }
            let in_bucket = count - prev_count;
            let frac = if in_bucket > 0.0 {
                (rank - prev_count) / in_bucket
            } else {
                1.0
            };
            return Some(prev_le + (le - prev_le) * frac);
        }
        prev_le = le;
        prev_count = count;
    }
    Some(prev_le)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_inside_a_label_value_do_not_end_the_label_set() {
        let s = parse(
            "yiwang_http_requests_total{method=\"GET\",route=\"/api/v1/halls/{id}/queue\",status=\"200\"} 5\n\
             yiwang_http_requests_total{route=\"a\\\"}\"} 2\n",
        );
        assert_eq!(s.sum("yiwang_http_requests_total"), Some(7.0));
        let first = s.all("yiwang_http_requests_total").next().unwrap();
        assert_eq!(first.label("route"), Some("/api/v1/halls/{id}/queue"));
        assert_eq!(first.label("status"), Some("200"));
    }

    const TEXT: &str = r#"# TYPE yiwang_http_requests_total counter
yiwang_http_requests_total{method="GET",route="/readyz",status="200"} 7
yiwang_http_requests_total{method="POST",route="/api/v1/regions",status="201"} 3
# TYPE yiwang_http_request_duration_seconds histogram
yiwang_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="0.001"} 4
yiwang_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="0.01"} 7
yiwang_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="+Inf"} 7
yiwang_http_request_duration_seconds_bucket{method="POST",route="/x",le="0.001"} 0
yiwang_http_request_duration_seconds_bucket{method="POST",route="/x",le="0.01"} 2
yiwang_http_request_duration_seconds_bucket{method="POST",route="/x",le="+Inf"} 3
yiwang_db_pool_connections 4
yiwang_job_runs{job="audit-verify"} 2
yiwang_job_failures{job="audit-verify"} 0
weird{a="x\"y,z"} 1.5 1700000000
garbage line without value
"#;

    #[test]
    fn reads_samples_labels_and_skips_comments_and_garbage() {
        let s = parse(TEXT);
        assert_eq!(s.sum("yiwang_http_requests_total"), Some(10.0));
        assert_eq!(s.sum("yiwang_db_pool_connections"), Some(4.0));
        assert_eq!(s.sum("absent"), None);
        let job = s.all("yiwang_job_runs").next().unwrap();
        assert_eq!(job.label("job"), Some("audit-verify"));
        let weird = s.all("weird").next().unwrap();
        assert_eq!(weird.label("a"), Some("x\"y,z"));
        assert_eq!(weird.value, 1.5);
        assert!(s.all("garbage").next().is_none());
    }

    #[test]
    fn sums_buckets_across_routes_by_bound() {
        let b = parse(TEXT).buckets("yiwang_http_request_duration_seconds");
        assert_eq!(b, vec![(0.001, 4.0), (0.01, 9.0), (f64::INFINITY, 10.0)]);
    }

    #[test]
    fn estimates_quantiles_inside_buckets() {
        let b = vec![(0.001, 4.0), (0.01, 9.0), (f64::INFINITY, 10.0)];
        let p50 = quantile(&b, 0.5).unwrap();
        assert!((p50 - (0.001 + 0.009 * 0.2)).abs() < 1e-9, "{p50}");
        assert_eq!(quantile(&b, 0.99), Some(0.01));
        assert_eq!(quantile(&[(1.0, 0.0), (f64::INFINITY, 0.0)], 0.5), None);
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn a_window_is_the_difference_of_two_scrapes() {
        let d = bucket_delta(&[(0.1, 5.0), (1.0, 9.0)], &[(0.1, 2.0), (1.0, 3.0)]);
        assert_eq!(d, vec![(0.1, 3.0), (1.0, 6.0)]);
    }
}
