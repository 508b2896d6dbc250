//! Keras's progress line: `469/469 [======] - 2s 4ms/step - loss: 0.2627 -
//! accuracy: 0.9247`, redrawn in a terminal, plain lines in a pipe.

use std::io::IsTerminal;
use std::time::Instant;

/// The redrawn bar (feature `progress`, indicatif).
#[cfg(feature = "progress")]
mod bar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

    /// A bar of `steps` steps.
    pub(super) struct Bar(ProgressBar);

    impl Bar {
        pub(super) fn start(steps: usize) -> Option<Bar> {
            let b = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stdout());
            b.set_style(
                ProgressStyle::with_template(
                    "{pos:>w$}/{len} [{bar:30}] - {msg}"
                        .replace("w$", &steps.to_string().len().to_string())
                        .as_str(),
                )
                .expect("valid template")
                .progress_chars("=>."),
            );
            Some(Bar(b))
        }
        pub(super) fn show(&self, step: usize, msg: String) {
            self.0.set_message(msg);
            self.0.set_position(step as u64);
        }
        pub(super) fn finish(&self, step: usize, msg: String) {
            self.0.set_position(step as u64);
            self.0.finish_with_message(msg);
        }
    }
}

/// Without the feature `progress` there is no bar: lines only.
#[cfg(not(feature = "progress"))]
mod bar {
    /// No bar can be made.
    pub(super) enum Bar {}

    impl Bar {
        pub(super) fn start(_steps: usize) -> Option<Bar> {
            None
        }
        pub(super) fn show(&self, _step: usize, _msg: String) {
            match *self {}
        }
        pub(super) fn finish(&self, _step: usize, _msg: String) {
            match *self {}
        }
    }
}
use bar::Bar;

/// How much `fit` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing.
    Silent,
    /// A redrawn bar in a terminal (with the feature `progress`); one line
    /// per epoch otherwise.
    Auto,
    /// One line per epoch, never redrawn.
    Lines,
}

/// Formats seconds as Keras does: `2s`, `4ms`, `120us`.
fn keras_time(secs: f64) -> String {
    if secs >= 1.0 {
        format!("{}s", secs.round() as u64)
    } else if secs >= 1e-3 {
        format!("{}ms", (secs * 1e3).round() as u64)
    } else {
        format!("{}us", (secs * 1e6).round() as u64)
    }
}

/// What the line says when the loss diverges ([`Divergence`](super::Divergence)).
pub const DIVERGING: &str = " - diverging";

/// The progress of one epoch.
pub struct EpochProgress {
    bar: Option<Bar>,
    steps: usize,
    start: Instant,
    metric_name: &'static str,
    lines: bool,
}

impl EpochProgress {
    /// Starts an epoch of `steps` steps; prints `Epoch e/E` unless silent.
    pub fn start(
        v: Verbosity,
        epoch: usize,
        epochs: usize,
        steps: usize,
        metric_name: &'static str,
    ) -> Self {
        let tty = std::io::stdout().is_terminal();
        if v != Verbosity::Silent {
            println!("Epoch {epoch}/{epochs}");
        }
        let bar = if v == Verbosity::Auto && tty {
            Bar::start(steps)
        } else {
            None
        };
        EpochProgress {
            bar,
            steps,
            start: Instant::now(),
            metric_name,
            lines: v != Verbosity::Silent,
        }
    }

    fn msg(&self, step: usize, loss: f32, metric: f32, extra: &str) -> String {
        let el = self.start.elapsed().as_secs_f64();
        format!(
            "{} {}/step - loss: {loss:.4} - {}: {metric:.4}{extra}",
            keras_time(el),
            keras_time(el / step.max(1) as f64),
            self.metric_name
        )
    }

    /// The epoch's closing message: times, means, validation results and
    /// the divergence mark.
    fn final_msg(
        &self,
        loss: f32,
        metric: f32,
        val: Option<(f32, f32)>,
        diverging: bool,
    ) -> String {
        let mut extra = val
            .map(|(l, m)| format!(" - val_loss: {l:.4} - val_{}: {m:.4}", self.metric_name))
            .unwrap_or_default();
        if diverging {
            extra.push_str(DIVERGING);
        }
        self.msg(self.steps, loss, metric, &extra)
    }

    /// After step `step` (from 1), with the running means so far;
    /// `diverging` appends ` - diverging` to the line.
    pub fn update(&self, step: usize, loss: f32, metric: f32, diverging: bool) {
        if let Some(b) = &self.bar {
            // Redrawing costs microseconds; do it a few dozen times an epoch.
            if step == self.steps || step.is_multiple_of((self.steps / 40).max(1)) {
                b.show(
                    step,
                    self.msg(step, loss, metric, if diverging { DIVERGING } else { "" }),
                );
            }
        }
    }

    /// Ends the epoch with its final means and validation results;
    /// `diverging` appends ` - diverging` to the line.
    pub fn finish(self, loss: f32, metric: f32, val: Option<(f32, f32)>, diverging: bool) {
        let msg = self.final_msg(loss, metric, val, diverging);
        match &self.bar {
            Some(b) => b.finish(self.steps, msg),
            None if self.lines => println!("{0}/{0} [{1}] - {msg}", self.steps, "=".repeat(30)),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverging_epoch_says_so_at_the_end_of_its_line() {
        let p = EpochProgress::start(Verbosity::Silent, 1, 5, 469, "accuracy");
        let calm = p.final_msg(0.2627, 0.9247, None, false);
        assert!(calm.ends_with("loss: 0.2627 - accuracy: 0.9247"), "{calm}");
        let wild = p.final_msg(7.4, 0.36, Some((7.9, 0.30)), true);
        assert!(
            wild.ends_with("loss: 7.4000 - accuracy: 0.3600 - val_loss: 7.9000 - val_accuracy: 0.3000 - diverging"),
            "{wild}"
        );
    }
}
