//! What the console's loop benches share: a terminal that says when each frame reached it, and
//! percentiles.

use std::time::{Duration, Instant};

use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc;

/// A frame as the terminal got it: when it was flushed, and its text (rows joined by newlines).
pub struct Frame {
    pub at: Instant,
    pub text: String,
}

/// A `TestBackend` that sends every flushed frame out, so a bench sees the screen the loop drew
/// and when, without reaching into the loop's state.
pub struct Watched {
    inner: TestBackend,
    frames: mpsc::UnboundedSender<Frame>,
}

impl Watched {
    pub fn new(width: u16, height: u16, frames: mpsc::UnboundedSender<Frame>) -> Watched {
        Watched {
            inner: TestBackend::new(width, height),
            frames,
        }
    }
}

impl Backend for Watched {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        let buffer = self.inner.buffer();
        let width = usize::from(buffer.area.width.max(1));
        let mut text = String::with_capacity(buffer.content.len() + buffer.area.height as usize);
        for (i, cell) in buffer.content.iter().enumerate() {
            if i > 0 && i % width == 0 {
                text.push('\n');
            }
            text.push_str(cell.symbol());
        }
        let _ = self.frames.send(Frame {
            at: Instant::now(),
            text,
        });
        Ok(())
    }
}

/// The `q` quantile of sorted durations, in milliseconds.
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[at].as_secs_f64() * 1e3
}
