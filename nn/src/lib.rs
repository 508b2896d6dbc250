//! Neural-network layers and training for `shaped`.
