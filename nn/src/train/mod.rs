//! Training: Keras's flow (`Trainer::new` is `compile`, then `fit`,
//! `evaluate`, `predict`), its progress line, callbacks and history.

mod callbacks;
mod data;
mod history;
mod progress;
mod trainer;

pub use callbacks::{Callback, Control, EarlyStopping};
pub use data::Data;
pub use history::{Divergence, EpochLog, History};
pub use progress::{EpochProgress, Verbosity};
pub use trainer::{predict, Evaluation, FitConfig, Labeled, NonFiniteValue, TrainError, Trainer};
