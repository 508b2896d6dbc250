//! Checkpoints: a model's weights, and optionally its optimizer's state, as
//! a safetensors file that Python tools read too.
//!
//! A save writes a temporary file beside the target, flushes it to disk and
//! renames it over the target, so a save killed midway leaves the previous
//! checkpoint as it was. The temporary file is hidden and named so that it
//! cannot pass for a checkpoint (`.model.safetensors.<pid>.partial` for
//! `model.safetensors`); one left by a killed save is removed by the next
//! save to the same path. A load checks every tensor's name, dtype and shape
//! before changing anything, so a wrong or corrupt file leaves the model as
//! it was and returns an error naming what differs.
//!
//! An optimizer saved before its first step has no state yet: its file holds
//! no `optimizer/` tensors and `iterations = 0`, and loading it resets the
//! optimizer to that untouched state.

use crate::{optim::Optimizer, Layer, Parameters};
/// The dtype of a tensor in a checkpoint file (safetensors'), as
/// [`CheckpointError::Mismatch`] names the model's.
pub use safetensors::Dtype;
use safetensors::{tensor::TensorView, SafeTensors};
use shaped_core::{
    dtype::{downcast_slice, downcast_slice_mut},
    Float,
};
use std::{
    collections::HashMap,
    fs,
    io::Write,
    path::{Path, PathBuf},
};

/// Why a checkpoint could not be saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a valid safetensors file (truncated, corrupt).
    #[error("{path}: not a valid safetensors file: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// A tensor the model needs is missing from the file.
    #[error("{path}: tensor `{name}` is missing")]
    Missing {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
    },
    /// A tensor has another shape or dtype in the file than in the model.
    #[error("{path}: tensor `{name}` has shape {found:?} ({dtype}) in the file, but the model needs {expected:?} ({model_dtype:?})")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The model's shape.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
        /// The file's dtype.
        dtype: String,
        /// The model's dtype (`F32`, or `F64` for a model in `f64`).
        model_dtype: Dtype,
    },
}

/// How a model's element type is stored: `F32` for `f32`, `F64` for `f64`
/// (the one other element type a model computes in).
fn dtype_of<E: Float>() -> Dtype {
    if downcast_slice::<E, f32>(&[]).is_some() {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

/// The values as little-endian bytes of [`dtype_of`]'s type, bit for bit
/// (a signalling NaN stays one).
fn to_bytes<E: Float>(v: &[E]) -> Vec<u8> {
    match downcast_slice::<E, f32>(v) {
        Some(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        None => v.iter().flat_map(|x| x.to_f64().to_le_bytes()).collect(),
    }
}

/// Every tensor of `p` under `prefix`, as (name, shape, little-endian bytes).
fn collect<P: Parameters<E>, E: Float>(
    p: &P,
    prefix: &str,
    out: &mut Vec<(String, Vec<usize>, Vec<u8>)>,
) {
    for i in 0..p.len() {
        out.push((
            format!("{prefix}{}", p.name_of(i)),
            p.shape_of(i),
            to_bytes(p.get(i)),
        ));
    }
}

fn write_atomically(
    dtype: Dtype,
    path: &Path,
    tensors: &[(String, Vec<usize>, Vec<u8>)],
    meta: HashMap<String, String>,
) -> Result<(), CheckpointError> {
    let io = |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    };
    let views: Vec<(&str, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, s, b)| {
            (
                n.as_str(),
                TensorView::new(dtype, s.clone(), b).expect("shape and bytes agree"),
            )
        })
        .collect();
    let bytes =
        safetensors::serialize(views, Some(meta)).map_err(|e| CheckpointError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    remove_stale_partials(path);
    let tmp = partial_path(path, std::process::id());
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(io)
}

/// The hidden temporary file a save of `path` writes first:
/// `.model.safetensors.<pid>.partial` beside `model.safetensors`.
fn partial_path(path: &Path, pid: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{pid}.partial"))
}

/// Removes the temporary files that killed saves of `path` left behind.
/// (Two processes saving to the same path at the same moment are not
/// supported: one of the saves may then fail, but no file is corrupted.)
fn remove_stale_partials(path: &Path) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        if let Some(pid) = n
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".partial"))
        {
            if pid.parse::<u32>().is_ok() {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// Saves the weights of `model` to `path` (safetensors, names like
/// `dense_0.kernel`).
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{checkpoint, model, Dense, Relu};
/// model! { struct Net: 4 => [Dense<3, Relu>] }
/// let dir = std::env::temp_dir().join(format!("nn-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("net.safetensors");
/// let a = Net::seeded(1);
/// checkpoint::save(&a, &path).unwrap();
/// let mut b = Net::seeded(2);
/// checkpoint::load(&mut b, &path).unwrap();
/// assert_eq!(a.dense_0.params, b.dense_0.params);
/// ```
pub fn save<M: Parameters<E>, E: Float>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<(), CheckpointError> {
    let mut t = Vec::new();
    collect(model, "", &mut t);
    write_atomically(
        dtype_of::<E>(),
        path.as_ref(),
        &t,
        HashMap::from([("format".to_string(), "shaped".to_string())]),
    )
}

/// Saves the weights and the optimizer's state (under `optimizer/<slot>/`,
/// with the step count in the metadata).
pub fn save_with_optimizer<M: Layer<E>, O: Optimizer<M, E>, E: Float>(
    model: &M,
    optimizer: &O,
    path: impl AsRef<Path>,
) -> Result<(), CheckpointError> {
    let mut t = Vec::new();
    collect(model, "", &mut t);
    for (slot, g) in optimizer.state() {
        collect(g, &format!("optimizer/{slot}/"), &mut t);
    }
    let meta = HashMap::from([
        ("format".to_string(), "shaped".to_string()),
        ("optimizer".to_string(), optimizer.name().to_string()),
        ("iterations".to_string(), optimizer.iterations().to_string()),
    ]);
    write_atomically(dtype_of::<E>(), path.as_ref(), &t, meta)
}

fn read(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<SafeTensors<'a>, CheckpointError> {
    SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Checks that every tensor of `p` (under `prefix`) is in `st` with its
/// shape and dtype, and returns their views, in `p`'s order.
fn views<'a, P: Parameters<E>, E: Float>(
    path: &Path,
    st: &SafeTensors<'a>,
    p: &P,
    prefix: &str,
) -> Result<Vec<TensorView<'a>>, CheckpointError> {
    (0..p.len())
        .map(|i| {
            let name = format!("{prefix}{}", p.name_of(i));
            let v = st.tensor(&name).map_err(|_| CheckpointError::Missing {
                path: path.to_path_buf(),
                name: name.clone(),
            })?;
            let expected = p.shape_of(i);
            if v.dtype() != dtype_of::<E>() || v.shape() != expected.as_slice() {
                return Err(CheckpointError::Mismatch {
                    path: path.to_path_buf(),
                    name,
                    expected,
                    found: v.shape().to_vec(),
                    dtype: format!("{:?}", v.dtype()),
                    model_dtype: dtype_of::<E>(),
                });
            }
            Ok(v)
        })
        .collect()
}

/// Copies checked views into `p`'s tensors.
fn copy<P: Parameters<E>, E: Float>(views: &[TensorView<'_>], p: &mut P) {
    for (i, v) in views.iter().enumerate() {
        // `views` checked the dtype: 4 bytes a value for `f32`, else 8.
        match downcast_slice_mut::<E, f32>(p.get_mut(i)) {
            Some(x) => x
                .iter_mut()
                .zip(v.data().chunks_exact(4))
                .for_each(|(x, b)| *x = f32::from_le_bytes(b.try_into().expect("4 bytes"))),
            None => p
                .get_mut(i)
                .iter_mut()
                .zip(v.data().chunks_exact(8))
                .for_each(|(x, b)| {
                    *x = E::from_f64(f64::from_le_bytes(b.try_into().expect("8 bytes")))
                }),
        }
    }
}

/// Loads weights saved by [`save`] into `model`. A missing tensor, another
/// shape, or a corrupt file is an error, and `model` is left unchanged.
pub fn load<M: Parameters<E>, E: Float>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<(), CheckpointError> {
    let path = path.as_ref();
    load_bytes_from(model, &read(path)?, path)
}

/// [`load`] from the bytes of a checkpoint file in memory; errors name the
/// file as `<bytes>`.
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{checkpoint, model, Dense};
/// model! { struct Net: 2 => [Dense<1>] }
/// let mut net = Net::seeded(0);
/// let err = checkpoint::load_bytes(&mut net, b"not a checkpoint").unwrap_err();
/// assert!(err.to_string().starts_with("<bytes>: not a valid safetensors file"));
/// ```
pub fn load_bytes<M: Parameters<E>, E: Float>(
    model: &mut M,
    bytes: &[u8],
) -> Result<(), CheckpointError> {
    load_bytes_from(model, bytes, Path::new(IN_MEMORY))
}

/// What errors call a checkpoint held in memory.
const IN_MEMORY: &str = "<bytes>";

fn load_bytes_from<M: Parameters<E>, E: Float>(
    model: &mut M,
    bytes: &[u8],
    path: &Path,
) -> Result<(), CheckpointError> {
    let st = parse(path, bytes)?;
    let v = views(path, &st, model, "")?;
    copy(&v, model);
    Ok(())
}

/// Loads weights and optimizer state saved by [`save_with_optimizer`].
/// Everything is checked before anything changes.
pub fn load_with_optimizer<M: Layer<E>, O: Optimizer<M, E>, E: Float>(
    model: &mut M,
    optimizer: &mut O,
    path: impl AsRef<Path>,
) -> Result<(), CheckpointError> {
    let path = path.as_ref();
    load_with_optimizer_from(model, optimizer, &read(path)?, path)
}

/// [`load_with_optimizer`] from the bytes of a checkpoint file in memory;
/// errors name the file as `<bytes>`.
pub fn load_with_optimizer_bytes<M: Layer<E>, O: Optimizer<M, E>, E: Float>(
    model: &mut M,
    optimizer: &mut O,
    bytes: &[u8],
) -> Result<(), CheckpointError> {
    load_with_optimizer_from(model, optimizer, bytes, Path::new(IN_MEMORY))
}

fn load_with_optimizer_from<M: Layer<E>, O: Optimizer<M, E>, E: Float>(
    model: &mut M,
    optimizer: &mut O,
    bytes: &[u8],
    path: &Path,
) -> Result<(), CheckpointError> {
    let st = parse(path, bytes)?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| CheckpointError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    // Check every tensor, the model's and the optimizer's, before changing
    // any, so that a failure leaves both as they were.
    let weights = views(path, &st, model, "")?;
    let iterations: Option<u64> = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get("iterations"))
        .and_then(|s| s.parse().ok());
    // An optimizer saved before its first step has no state in the file:
    // it loads as zeros (the state it starts from).
    let untouched =
        iterations == Some(0) && !st.names().iter().any(|n| n.starts_with("optimizer/"));
    let mut slots = optimizer.state_mut(model);
    let states = if untouched {
        Vec::new()
    } else {
        slots
            .iter()
            .map(|(slot, g)| views(path, &st, &**g, &format!("optimizer/{slot}/")))
            .collect::<Result<Vec<_>, _>>()?
    };
    if untouched {
        slots.iter_mut().for_each(|(_, g)| g.fill_zero());
    }
    for ((_, g), v) in slots.iter_mut().zip(&states) {
        copy(v, &mut **g);
    }
    copy(&weights, model);
    if let Some(t) = iterations {
        optimizer.set_iterations(t);
    }
    Ok(())
}
