//! MNIST and Fashion-MNIST as typed, checked arrays of bytes.

use std::path::{Path, PathBuf};

use super::catalog::{Which, CLASSES, SIDE};
use super::error::{DatasetError, Dims};
use super::fetch::obtain;
use super::idx::{self, IdxArray};
use super::locate::locate;

/// Images with their labels: `len()` images of `rows() x cols()` grey
/// pixels (0 = background), stored one after the other, row-major, and one
/// label below 10 for each.
///
/// # Examples
///
/// ```
/// use shaped_datasets::Split;
///
/// // Two 2 x 2 images labelled 3 and 8.
/// let s = Split::new(vec![0, 1, 2, 3, 4, 5, 6, 7], vec![3, 8], 2, 2)?;
/// assert_eq!(s.len(), 2);
/// assert_eq!(s.image(1), Some(&[4, 5, 6, 7][..]));
/// assert_eq!(s.label(1), Some(8));
/// # Ok::<(), shaped_datasets::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    images: Vec<u8>,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
}

impl Split {
    /// Builds a split from pixels and labels held in memory, with the same
    /// checks as loading: `images.len() == labels.len() * rows * cols`,
    /// `rows` and `cols` non-zero, every label below 10.
    ///
    /// # Errors
    ///
    /// [`DatasetError::Shape`] or [`DatasetError::LabelOutOfRange`], naming
    /// `<images in memory>` or `<labels in memory>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::{DatasetError, Split};
    ///
    /// let err = Split::new(vec![0; 4], vec![10], 2, 2).unwrap_err();
    /// assert!(matches!(err, DatasetError::LabelOutOfRange { label: 10, .. }));
    /// ```
    pub fn new(
        images: Vec<u8>,
        labels: Vec<u8>,
        rows: usize,
        cols: usize,
    ) -> Result<Split, DatasetError> {
        let images_path = PathBuf::from("<images in memory>");
        let want = rows
            .checked_mul(cols)
            .and_then(|size| labels.len().checked_mul(size));
        if rows == 0 || cols == 0 || want != Some(images.len()) {
            return Err(DatasetError::Shape {
                path: images_path,
                expected: format!("{} images of {rows} x {cols} pixels", labels.len()),
                found: format!("{} bytes", images.len()),
            });
        }
        check_labels(&labels, Path::new("<labels in memory>"))?;
        Ok(Split {
            images,
            labels,
            rows,
            cols,
        })
    }

    /// Number of images (and labels).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![9; 3], vec![1, 2, 3], 1, 1)?;
    /// assert_eq!(s.len(), 3);
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![], vec![], 28, 28)?;
    /// assert!(s.is_empty());
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Height of each image in pixels (28 for MNIST).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![0; 6], vec![0], 2, 3)?;
    /// assert_eq!((s.rows(), s.cols()), (2, 3));
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Width of each image in pixels (28 for MNIST).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![0; 6], vec![0], 2, 3)?;
    /// assert_eq!(s.cols(), 3);
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// All pixels, image after image, each row-major.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![1, 2], vec![0, 1], 1, 1)?;
    /// assert_eq!(s.images(), &[1, 2]);
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    /// All labels, one per image.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![1, 2], vec![0, 1], 1, 1)?;
    /// assert_eq!(s.labels(), &[0, 1]);
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The pixels of image `i`, or `None` past the end.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![1, 2, 3, 4], vec![0, 1], 1, 2)?;
    /// assert_eq!(s.image(1), Some(&[3, 4][..]));
    /// assert_eq!(s.image(2), None);
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn image(&self, i: usize) -> Option<&[u8]> {
        let size = self.rows * self.cols;
        self.images
            .get(i.checked_mul(size)?..i.checked_add(1)?.checked_mul(size)?)
    }

    /// The label of image `i`, or `None` past the end.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![1, 2], vec![0, 7], 1, 1)?;
    /// assert_eq!(s.label(1), Some(7));
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn label(&self, i: usize) -> Option<u8> {
        self.labels.get(i).copied()
    }

    /// Takes the pixels and the labels apart without copying.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = shaped_datasets::Split::new(vec![1, 2], vec![0, 7], 1, 1)?;
    /// let (images, labels) = s.into_parts();
    /// assert_eq!((images, labels), (vec![1, 2], vec![0, 7]));
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    pub fn into_parts(self) -> (Vec<u8>, Vec<u8>) {
        (self.images, self.labels)
    }
}

/// The training and test splits of MNIST or Fashion-MNIST.
///
/// # Examples
///
/// ```no_run
/// use shaped_datasets::Mnist;
///
/// let mnist = Mnist::load("data/mnist")?;
/// assert_eq!((mnist.train.len(), mnist.test.len()), (60_000, 10_000));
/// # Ok::<(), shaped_datasets::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mnist {
    /// The training split (60,000 images in the standard files).
    pub train: Split,
    /// The test split (10,000 images in the standard files).
    pub test: Split,
}

impl Mnist {
    /// Loads the four standard files from `dir`, each either raw
    /// (`train-images-idx3-ubyte`) or gzipped (`train-images-idx3-ubyte.gz`;
    /// the raw one is taken when both are there).
    ///
    /// Checks that the images are `N x 28 x 28`, the labels `N` long with
    /// the same `N`, and every label below 10. Checksums are not checked
    /// here (use [`obtain`] or [`verify`](super::verify)), so other data in
    /// the same layout loads too.
    ///
    /// # Errors
    ///
    /// A [`DatasetError`] naming the file at fault.
    ///
    /// # Examples
    ///
    /// ```
    /// use shaped_datasets::Mnist;
    ///
    /// // A tiny dataset in the MNIST layout: 2 training and 1 test image.
    /// fn idx(dims: &[u32], body: &[u8]) -> Vec<u8> {
    ///     let mut v = vec![0, 0, 0x08, dims.len() as u8];
    ///     dims.iter().for_each(|d| v.extend(d.to_be_bytes()));
    ///     v.extend(body);
    ///     v
    /// }
    /// let dir = std::env::temp_dir().join(format!("mnist-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("train-images-idx3-ubyte"), idx(&[2, 28, 28], &[0; 2 * 784]))?;
    /// std::fs::write(dir.join("train-labels-idx1-ubyte"), idx(&[2], &[5, 0]))?;
    /// std::fs::write(dir.join("t10k-images-idx3-ubyte"), idx(&[1, 28, 28], &[255; 784]))?;
    /// std::fs::write(dir.join("t10k-labels-idx1-ubyte"), idx(&[1], &[7]))?;
    ///
    /// let mnist = Mnist::load(&dir)?;
    /// assert_eq!(mnist.train.labels(), &[5, 0]);
    /// assert_eq!(mnist.test.image(0).unwrap()[0], 255);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(dir: impl AsRef<Path>) -> Result<Mnist, DatasetError> {
        let dir = dir.as_ref();
        // Any of the two datasets: the file names are the same, in the
        // order train images, train labels, test images, test labels.
        let name = |i: usize| Which::Mnist.files()[i].name;
        let (train_images, train_labels) = (name(0), name(1));
        let (test_images, test_labels) = (name(2), name(3));
        Ok(Mnist {
            train: load_split(dir, train_images, train_labels)?,
            test: load_split(dir, test_images, test_labels)?,
        })
    }

    /// Makes sure the files of `which` are in `dir` (see [`obtain`]), then
    /// loads them.
    ///
    /// # Errors
    ///
    /// Those of [`obtain`] and of [`Mnist::load`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use shaped_datasets::{Mnist, Which};
    ///
    /// let fashion = Mnist::obtain("data/fashion-mnist", Which::Fashion, &mut |m| eprintln!("{m}"))?;
    /// assert_eq!(fashion.test.len(), 10_000);
    /// # Ok::<(), shaped_datasets::DatasetError>(())
    /// ```
    ///
    /// Without a usable folder nothing is fetched:
    ///
    /// ```
    /// use shaped_datasets::{DatasetError, Mnist, Which};
    ///
    /// let file = std::env::temp_dir().join(format!("mnist-obtain-doc-{}", std::process::id()));
    /// std::fs::write(&file, "a file, not a folder")?;
    /// let err = Mnist::obtain(file.join("mnist"), Which::Mnist, &mut |_| {}).unwrap_err();
    /// assert!(matches!(err, DatasetError::Io { .. }));
    /// std::fs::remove_file(&file)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn obtain(
        dir: impl AsRef<Path>,
        which: Which,
        log: &mut dyn FnMut(&str),
    ) -> Result<Mnist, DatasetError> {
        let dir = obtain(dir.as_ref(), which, log)?;
        Mnist::load(dir)
    }
}

fn load_split(
    dir: &Path,
    images_name: &'static str,
    labels_name: &'static str,
) -> Result<Split, DatasetError> {
    let images_path = locate(dir, images_name)?;
    let labels_path = locate(dir, labels_name)?;
    let images = idx::read_file(&images_path)?;
    let labels = idx::read_file(&labels_path)?;
    split_from_idx(images, &images_path, labels, &labels_path)
}

/// Checks the shapes of an images file and a labels file that parsed.
fn split_from_idx(
    images: IdxArray,
    images_path: &Path,
    labels: IdxArray,
    labels_path: &Path,
) -> Result<Split, DatasetError> {
    let (image_dims, pixels) = images.into_parts();
    let (label_dims, labels) = labels.into_parts();
    if image_dims.len() != 3 || image_dims[1] != SIDE || image_dims[2] != SIDE {
        return Err(DatasetError::Shape {
            path: images_path.to_path_buf(),
            expected: format!("images of dimensions N x {SIDE} x {SIDE}"),
            found: format!("dimensions {}", Dims(&image_dims)),
        });
    }
    if label_dims.len() != 1 {
        return Err(DatasetError::Shape {
            path: labels_path.to_path_buf(),
            expected: "labels of dimension N".to_string(),
            found: format!("dimensions {}", Dims(&label_dims)),
        });
    }
    if image_dims[0] != label_dims[0] {
        return Err(DatasetError::CountMismatch {
            images: images_path.to_path_buf(),
            n_images: image_dims[0],
            labels: labels_path.to_path_buf(),
            n_labels: label_dims[0],
        });
    }
    check_labels(&labels, labels_path)?;
    Ok(Split {
        images: pixels,
        labels,
        rows: SIDE,
        cols: SIDE,
    })
}

fn check_labels(labels: &[u8], path: &Path) -> Result<(), DatasetError> {
    match labels.iter().position(|&l| l >= CLASSES) {
        None => Ok(()),
        Some(index) => Err(DatasetError::LabelOutOfRange {
            path: path.to_path_buf(),
            index,
            label: labels[index],
            classes: CLASSES,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(body);
        v
    }

    fn arr(dims: &[u32], body: &[u8]) -> IdxArray {
        idx::parse(&idx(dims, body)).unwrap()
    }

    fn check(images: IdxArray, labels: IdxArray) -> Result<Split, DatasetError> {
        split_from_idx(
            images,
            Path::new("train-images-idx3-ubyte.gz"),
            labels,
            Path::new("train-labels-idx1-ubyte.gz"),
        )
    }

    #[test]
    fn good_split() {
        let s = check(arr(&[2, 28, 28], &[3; 2 * 784]), arr(&[2], &[9, 0])).unwrap();
        assert_eq!((s.len(), s.rows(), s.cols()), (2, 28, 28));
        assert_eq!(s.image(1).unwrap().len(), 784);
        assert_eq!(s.image(2), None);
        assert_eq!(s.label(0), Some(9));
    }

    #[test]
    fn count_mismatch() {
        let err = check(arr(&[2, 28, 28], &[0; 2 * 784]), arr(&[3], &[1, 2, 3])).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::CountMismatch {
                n_images: 2,
                n_labels: 3,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "train-images-idx3-ubyte.gz holds 2 images but train-labels-idx1-ubyte.gz holds 3 labels"
        );
    }

    #[test]
    fn label_out_of_range() {
        let err = check(arr(&[3, 28, 28], &[0; 3 * 784]), arr(&[3], &[1, 10, 200])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "train-labels-idx1-ubyte.gz: label 10 at index 1 is out of range (labels go from 0 to 9)"
        );
    }

    #[test]
    fn wrong_shapes() {
        let err = check(arr(&[2, 28, 27], &[0; 2 * 28 * 27]), arr(&[2], &[1, 1])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "train-images-idx3-ubyte.gz: expected images of dimensions N x 28 x 28 \
             but found dimensions 2 x 28 x 27"
        );
        let err = check(arr(&[2, 784], &[0; 2 * 784]), arr(&[2], &[1, 1])).unwrap_err();
        assert!(matches!(err, DatasetError::Shape { .. }));
        let err = check(arr(&[2, 28, 28], &[0; 2 * 784]), arr(&[2, 1], &[1, 1])).unwrap_err();
        assert!(matches!(err, DatasetError::Shape { .. }), "{err}");
    }

    #[test]
    fn split_new_checks() {
        assert!(Split::new(vec![0; 8], vec![1, 2], 2, 2).is_ok());
        assert!(matches!(
            Split::new(vec![0; 7], vec![1, 2], 2, 2),
            Err(DatasetError::Shape { .. })
        ));
        assert!(matches!(
            Split::new(vec![], vec![], 0, 2),
            Err(DatasetError::Shape { .. })
        ));
        assert!(matches!(
            Split::new(vec![0; 8], vec![1, 2], usize::MAX, 2),
            Err(DatasetError::Shape { .. })
        ));
        assert!(matches!(
            Split::new(vec![], vec![], usize::MAX, 2),
            Err(DatasetError::Shape { .. })
        ));
    }
}
