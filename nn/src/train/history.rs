//! What `fit` returns: the metrics of every epoch.

/// One epoch's results.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochLog {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The mean training loss over the epoch.
    pub loss: f32,
    /// The metric's running mean over the epoch.
    pub metric: f32,
    /// The validation loss, when validation data was given.
    pub val_loss: Option<f32>,
    /// The validation metric, when validation data was given.
    pub val_metric: Option<f32>,
    /// Wall-clock seconds of the epoch's training steps.
    pub seconds: f64,
}

/// The per-epoch log of a `fit`, like Keras's `History`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The metric's name.
    pub metric_name: &'static str,
    /// One entry per epoch run.
    pub epochs: Vec<EpochLog>,
}

impl History {
    /// The training losses, one per epoch.
    pub fn losses(&self) -> Vec<f32> {
        self.epochs.iter().map(|e| e.loss).collect()
    }
    /// The training metric, one per epoch.
    pub fn metrics(&self) -> Vec<f32> {
        self.epochs.iter().map(|e| e.metric).collect()
    }
    /// Total seconds of training steps.
    pub fn seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.seconds).sum()
    }
}
