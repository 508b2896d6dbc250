//! Training: Keras's flow (`Trainer::new` is `compile`, then `fit`,
//! `evaluate`, `predict`), its progress line, callbacks and history.

mod callbacks;
mod data;
mod dataset;
mod history;
mod progress;
mod samples;
mod trainer;

pub use callbacks::{Callback, Control, EarlyStopping};
pub use data::{Data, GatherError};
pub use dataset::Dataset;
pub use history::{Divergence, EpochLog, History};
pub use progress::{EpochProgress, Verbosity};
pub use samples::{
    BatchOfSamples, FlatSamples2, FlatSamples3, Inputs, InputsOf, PredictInputs, PredictInputsOf,
    SameElem, SameInputs, SameInputs2, SameInputs3, SameTargets, SameTargets2, SameType, Targets,
    TargetsOf, Unit,
};
pub use trainer::{
    predict, Evaluation, FitConfig, Labeled, NonFiniteValue, TrainError, Trainer, ValidationSet,
};
