//! Server-sent events, parsed by hand from a byte stream: feed chunks in, take whole events out.
//! Follows the WHATWG rules the console needs: `id`, `event`, `data` (joined by newlines),
//! `retry`, comments, and CRLF, CR or LF line ends split anywhere across chunks.

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Incremental parser state.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    /// A CR ended the last line; a LF right after it belongs to that line end.
    after_cr: bool,
    current: SseEvent,
    has_data: bool,
    /// The last `retry:` the server asked for, in milliseconds.
    pub retry_ms: Option<u64>,
}

impl SseParser {
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Takes a chunk of bytes; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.buf);
                    if let Some(e) = self.line(&String::from_utf8_lossy(&line)) {
                        out.push(e);
                    }
                }
                _ => self.buf.push(b),
            }
        }
        out
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let e = std::mem::take(&mut self.current);
            let had = std::mem::replace(&mut self.has_data, false);
            return had.then_some(e);
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.current.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.current.id = Some(value.to_owned()),
            "retry" => self.retry_ms = value.parse().ok().or(self.retry_ms),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_id_event_and_data_of_one_frame() {
        let mut p = SseParser::new();
        let got = p.feed(b"id: 7\nevent: region.created\ndata: {\"a\":1}\n\n");
        assert_eq!(
            got,
            vec![SseEvent {
                id: Some("7".into()),
                event: Some("region.created".into()),
                data: "{\"a\":1}".into(),
            }]
        );
    }

    #[test]
    fn joins_frames_split_across_chunks_and_crlf() {
        let mut p = SseParser::new();
        let mut got = Vec::new();
        for chunk in [&b"id: 1\r"[..], b"\ndata: a", b"\r\ndata: b\r\n", b"\r\n"] {
            got.extend(p.feed(chunk));
        }
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "a\nb");
        assert_eq!(got[0].id.as_deref(), Some("1"));
    }

    #[test]
    fn skips_comments_keep_alives_and_frames_without_data() {
        let mut p = SseParser::new();
        let got = p.feed(b": keep-alive\n\nretry: 2000\n\nevent: x\n\ndata:z\n\n");
        assert_eq!(p.retry_ms, Some(2000));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "z");
        assert_eq!(
            got[0].event, None,
            "an event without data is dropped with its fields"
        );
    }
}
