//! Progress reports: an indicatif bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use serde::{Deserialize, Serialize};

use super::history::EpochRecord;

/// How the trainer reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgressMode {
    /// A progress bar with loss and throughput on a terminal, plus a line per epoch; a plain
    /// line per epoch when stderr is not a terminal.
    Auto,
    /// The progress bar on a terminal, nothing otherwise (for callers that print their own lines).
    BarOnly,
    /// A plain line per epoch, always.
    Lines,
    /// Nothing.
    Quiet,
}

pub(crate) struct Progress {
    epochs: usize,
    batches: usize,
    bar: Option<ProgressBar>,
    started: Instant,
    use_bar: bool,
    lines: bool,
}

impl Progress {
    pub(crate) fn new(mode: ProgressMode, epochs: usize, batches: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let (use_bar, lines) = match mode {
            ProgressMode::Auto => (terminal, true),
            ProgressMode::BarOnly => (terminal, false),
            ProgressMode::Lines => (false, true),
            ProgressMode::Quiet => (false, false),
        };
        Self {
            epochs,
            batches,
            bar: None,
            started: Instant::now(),
            use_bar,
            lines,
        }
    }

    pub(crate) fn start_epoch(&mut self, epoch: usize) {
        self.started = Instant::now();
        if self.use_bar {
            let bar = ProgressBar::new(self.batches as u64)
                .with_prefix(format!("epoch {epoch}/{}", self.epochs));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} batches, {msg}, eta {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            self.bar = Some(bar);
        }
    }

    /// After a batch: the epoch's mean loss so far and the sequences it has seen.
    pub(crate) fn step(&mut self, running_loss: f64, sequences: usize) {
        if let Some(bar) = &self.bar {
            let rate = sequences as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("loss {running_loss:.4}, {rate:.0} seq/s"));
            bar.inc(1);
        }
    }

    pub(crate) fn finish_epoch(&mut self, record: &EpochRecord, metric: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.lines {
            eprintln!("{}", epoch_line(record, self.epochs, metric));
        }
    }
}

/// `Epoch [3/10], Loss: 0.4213, accuracy: 0.8125, valid loss: 0.3990, valid accuracy: 0.8300 (0.21 s, 4762 seq/s)`
pub(crate) fn epoch_line(record: &EpochRecord, epochs: usize, metric: &str) -> String {
    let mut line = format!(
        "Epoch [{}/{}], Loss: {:.4}, {metric}: {:.4}",
        record.epoch, epochs, record.train_loss, record.train_metric
    );
    if let (Some(loss), Some(value)) = (record.valid_loss, record.valid_metric) {
        line.push_str(&format!(
            ", valid loss: {loss:.4}, valid {metric}: {value:.4}"
        ));
    }
    line.push_str(&format!(
        " ({:.2} s, {:.0} seq/s)",
        record.seconds, record.sequences_per_second
    ));
    line
}
