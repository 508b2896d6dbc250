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
    /// The first epoch whose loss was diverging, if any did.
    pub diverged: Option<Divergence>,
}

/// A loss that went the wrong way: an epoch's mean loss above 1.5 times the
/// loss of the first step (the untrained model's: training made things
/// worse than not training), or above 10 times the first epoch's mean.
///
/// RMSprop with a learning rate of 1e6 on MNIST, say, keeps a finite loss
/// (the crossentropy is clipped) but ends its first epoch at 5.8 against
/// the untrained 2.3: that is reported, where it used to pass silently.
///
/// ```
/// use shaped_nn::train::Divergence;
/// assert!(Divergence::rule(5.8, 2.3, None));
/// assert!(!Divergence::rule(0.26, 2.3, None));
/// assert!(Divergence::rule(0.9, 2.3, Some(0.08)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Its mean loss.
    pub loss: f32,
    /// The loss of the first step of training.
    pub first_step_loss: f32,
    /// The first epoch's mean loss.
    pub first_epoch_loss: f32,
}

impl Divergence {
    /// Whether `loss` (an epoch's mean, or the running mean within one) is
    /// diverging, against the first step's loss and, after the first epoch,
    /// the first epoch's mean.
    pub fn rule(loss: f32, first_step_loss: f32, first_epoch_loss: Option<f32>) -> bool {
        loss > 1.5 * first_step_loss || first_epoch_loss.is_some_and(|f| loss > 10.0 * f)
    }
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the loss is diverging: {:.4} at epoch {}, against {:.4} at the first step and {:.4} over the first epoch",
            self.loss, self.epoch, self.first_step_loss, self.first_epoch_loss
        )
    }
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
