//! Callbacks run at the end of each epoch.

use super::history::EpochLog;

/// Whether training goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// Called at the end of every epoch with its log.
pub trait Callback {
    /// Decides whether to go on.
    fn on_epoch_end(&mut self, log: &EpochLog) -> Control;
}

impl<F: FnMut(&EpochLog) -> Control> Callback for F {
    fn on_epoch_end(&mut self, log: &EpochLog) -> Control {
        self(log)
    }
}

/// Stops when the monitored loss has not improved by `min_delta` for
/// `patience` epochs (the validation loss when there is one, else the
/// training loss).
///
/// ```
/// use shaped_nn::train::{Callback, Control, EarlyStopping, EpochLog};
/// let mut es = EarlyStopping::new(1);
/// let log = |epoch, loss| EpochLog { epoch, loss, metric: 0.0, val_loss: None, val_metric: None, seconds: 0.0 };
/// assert_eq!(es.on_epoch_end(&log(1, 1.0)), Control::Continue);
/// assert_eq!(es.on_epoch_end(&log(2, 1.0)), Control::Stop);
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// The smallest change that counts as improvement.
    pub min_delta: f32,
    best: f32,
    waited: usize,
}

impl EarlyStopping {
    /// Stops after `patience` epochs without improvement.
    pub fn new(patience: usize) -> Self {
        EarlyStopping {
            patience,
            min_delta: 0.0,
            best: f32::INFINITY,
            waited: 0,
        }
    }
}

impl Callback for EarlyStopping {
    fn on_epoch_end(&mut self, log: &EpochLog) -> Control {
        let now = log.val_loss.unwrap_or(log.loss);
        if now < self.best - self.min_delta {
            self.best = now;
            self.waited = 0;
            Control::Continue
        } else {
            self.waited += 1;
            if self.waited >= self.patience {
                Control::Stop
            } else {
                Control::Continue
            }
        }
    }
}
