//! Writing PNG pictures of training: one input image, and per-epoch curves.
//!
//! * [`digit_png`]: one grey-scale image (an MNIST digit), enlarged, drawn
//!   dark on light like matplotlib's `cmap=plt.cm.binary`.
//! * [`curves_png`]: a line chart of values recorded once per epoch (loss,
//!   accuracy, ...) with axes, tick labels, a legend and a title.
//!
//! Text is drawn with Noto Sans, embedded in the binary (from the `notosans`
//! crate, SIL Open Font License 1.1), so no system font or fontconfig is
//! needed.

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// Why a picture could not be written, naming the file it was meant for.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The arguments describe no picture (a pixel count that is not
    /// `side * side`, a zero scale, no values to plot, ...).
    #[error("cannot draw {}: {reason}", path.display())]
    InvalidInput {
        /// The file that was to be written.
        path: PathBuf,
        /// What is wrong with the arguments.
        reason: String,
    },
    /// Creating or writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file that was to be written.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Drawing the chart or encoding the PNG failed.
    #[error("cannot render {}: {source}", path.display())]
    Render {
        /// The file that was to be written.
        path: PathBuf,
        /// The drawing library's or the PNG encoder's error.
        #[source]
        source: Box<dyn Error + Send + Sync + 'static>,
    },
}

impl PlotError {
    /// The file the picture was meant for.
    pub fn path(&self) -> &Path {
        match self {
            PlotError::InvalidInput { path, .. }
            | PlotError::Io { path, .. }
            | PlotError::Render { path, .. } => path,
        }
    }

    fn invalid(path: &Path, reason: impl Into<String>) -> Self {
        PlotError::InvalidInput {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    fn render(path: &Path, source: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        PlotError::Render {
            path: path.to_path_buf(),
            source: source.into(),
        }
    }
}

/// Writes one `side` x `side` grey-scale image as a PNG, each pixel enlarged
/// to a `scale` x `scale` square (nearest neighbour).
///
/// Pixels are read row by row; as with matplotlib's `cmap=plt.cm.binary`,
/// `0` is drawn white and `255` black. The picture is
/// `side * scale` pixels wide and high.
///
/// # Errors
///
/// [`PlotError::InvalidInput`] if `pixels.len() != side * side` or `side` or
/// `scale` is zero or the picture would be too large; [`PlotError::Io`] if
/// the file cannot be written.
///
/// # Example
///
/// ```
/// use shaped_nn::plot::digit_png;
///
/// // A 28x28 "1": a vertical bar in the middle.
/// let mut pixels = vec![0u8; 28 * 28];
/// for row in 4..24 {
///     pixels[row * 28 + 13] = 255;
///     pixels[row * 28 + 14] = 200;
/// }
/// let path = std::env::temp_dir().join("nn_plot_doc_digit.png");
/// digit_png(&pixels, 28, 10, &path)?;
/// assert!(path.exists());
/// # Ok::<(), shaped_nn::plot::PlotError>(())
/// ```
pub fn digit_png(pixels: &[u8], side: usize, scale: usize, path: &Path) -> Result<(), PlotError> {
    if side == 0 || scale == 0 {
        return Err(PlotError::invalid(
            path,
            format!("side ({side}) and scale ({scale}) must be positive"),
        ));
    }
    if side.checked_mul(side) != Some(pixels.len()) {
        return Err(PlotError::invalid(
            path,
            format!("{} pixels given for a {side}x{side} image", pixels.len()),
        ));
    }
    let width = side
        .checked_mul(scale)
        .filter(|&w| u32::try_from(w).is_ok() && w.checked_mul(w).is_some())
        .ok_or_else(|| {
            PlotError::invalid(
                path,
                format!("{side}x{side} scaled by {scale} is too large"),
            )
        })?;

    let mut out = Vec::with_capacity(width * width);
    for row in pixels.chunks_exact(side) {
        let scaled_row: Vec<u8> = row
            .iter()
            .flat_map(|&p| std::iter::repeat_n(255 - p, scale))
            .collect();
        for _ in 0..scale {
            out.extend_from_slice(&scaled_row);
        }
    }
    write_png(
        path,
        width as u32,
        width as u32,
        png::ColorType::Grayscale,
        &out,
    )
}

/// Width of the pictures [`curves_png`] writes, in pixels.
const CHART_WIDTH: u32 = 800;
/// Height of the pictures [`curves_png`] writes, in pixels.
const CHART_HEIGHT: u32 = 500;
/// The family name the embedded font is registered under with `plotters`.
const FONT: &str = "nn-plot-noto-sans";
/// matplotlib's default colour cycle (`tab10`).
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// Writes an 800x500 PNG line chart of values recorded once per epoch.
///
/// Each `(name, values)` in `series` is one line, `values[i]` being the value
/// after epoch `i + 1`; the x axis runs over epochs `1..=n`, `n` the longest
/// series. Each series gets its own colour (matplotlib's default cycle), a
/// marker per epoch and an entry in the legend, which is placed in the corner
/// the lines leave most free. Values that are not finite (NaN, infinity) are
/// left out, breaking the line there.
///
/// # Errors
///
/// [`PlotError::InvalidInput`] if no series has a finite value;
/// [`PlotError::Render`] if drawing fails; [`PlotError::Io`] if the file
/// cannot be written.
///
/// # Example
///
/// ```
/// use shaped_nn::plot::curves_png;
///
/// let loss = [0.26_f32, 0.11, 0.07, 0.05, 0.04];
/// let accuracy = [0.92_f32, 0.967, 0.978, 0.984, 0.988];
/// let path = std::env::temp_dir().join("nn_plot_doc_curves.png");
/// curves_png(
///     "MNIST training",
///     &[("loss", &loss), ("accuracy", &accuracy)],
///     &path,
/// )?;
/// assert!(path.exists());
/// # Ok::<(), shaped_nn::plot::PlotError>(())
/// ```
pub fn curves_png(title: &str, series: &[(&str, &[f32])], path: &Path) -> Result<(), PlotError> {
    let epochs = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let finite = || {
        series
            .iter()
            .flat_map(|(_, v)| v.iter())
            .filter(|v| v.is_finite())
            .map(|&v| f64::from(v))
    };
    let (Some(lo), Some(hi)) = (finite().reduce(f64::min), finite().reduce(f64::max)) else {
        return Err(PlotError::invalid(path, "no finite value to plot"));
    };
    register_embedded_font().map_err(|e| PlotError::render(path, e))?;

    let (w, h) = (CHART_WIDTH as usize, CHART_HEIGHT as usize);
    let mut rgb = vec![0u8; w * h * 3];
    {
        let root =
            BitMapBackend::with_buffer(&mut rgb, (CHART_WIDTH, CHART_HEIGHT)).into_drawing_area();
        draw_curves(&root, title, series, epochs, (lo, hi))
            .map_err(|e| PlotError::render(path, e.to_string()))?;
        root.present()
            .map_err(|e| PlotError::render(path, e.to_string()))?;
    }
    write_png(path, CHART_WIDTH, CHART_HEIGHT, png::ColorType::Rgb, &rgb)
}

/// Registers the embedded Noto Sans with `plotters` once per process.
fn register_embedded_font() -> Result<(), &'static str> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| register_font(FONT, FontStyle::Normal, notosans::REGULAR_TTF).is_ok());
    if ok {
        Ok(())
    } else {
        Err("the embedded Noto Sans font could not be parsed")
    }
}

/// Draws the chart of [`curves_png`] on `root`; `(lo, hi)` is the range of
/// the finite values.
fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(&str, &[f32])],
    epochs: usize,
    (lo, hi): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;

    // Margins as matplotlib's: 5% of the data range on each side.
    let last = epochs as f64;
    // At most 0.9 epoch, so no tick for an epoch 0 appears.
    let x_pad = ((last - 1.0) * 0.05).clamp(0.25, 0.9);
    let x_range = (1.0 - x_pad)..(last + x_pad);
    let y_pad = if hi > lo {
        (hi - lo) * 0.05
    } else if lo != 0.0 {
        lo.abs() * 0.1
    } else {
        0.5
    };
    let y_range = (lo - y_pad)..(hi + y_pad);

    let y_label = tick_formatter(y_range.end - y_range.start, Y_LABELS);

    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 32).into_font())
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(72)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;

    chart
        .configure_mesh()
        .x_labels(epochs.clamp(2, 10))
        .y_labels(Y_LABELS)
        .y_label_formatter(&y_label)
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-6 {
                format!("{}", x.round() as i64)
            } else {
                String::new()
            }
        })
        .x_desc("epoch")
        .label_style((FONT, 19).into_font())
        .axis_desc_style((FONT, 21).into_font())
        .bold_line_style(RGBColor(0xe6, 0xe6, 0xe6))
        .light_line_style(TRANSPARENT)
        .axis_style(RGBColor(0x40, 0x40, 0x40))
        .draw()?;

    for (i, &(name, values)) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        for run in finite_runs(values) {
            chart.draw_series(LineSeries::new(run, color.stroke_width(2)))?;
        }
        // A marker per epoch while they stay apart.
        let radius = match epochs {
            0..=20 => 4,
            21..=50 => 3,
            _ => 0,
        };
        chart
            .draw_series(
                finite_runs(values)
                    .flatten()
                    .filter(|_| radius > 0)
                    .map(|p| Circle::new(p, radius, color.filled())),
            )?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
            });
    }

    chart
        .configure_series_labels()
        .position(legend_position(series, &x_range, &y_range))
        .margin(12)
        .legend_area_size(30)
        .label_font((FONT, 19).into_font())
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xcc, 0xcc, 0xcc))
        .draw()?;
    Ok(())
}

/// At most this many labelled ticks on the y axis.
const Y_LABELS: usize = 8;

/// Formats ticks of an axis spanning `span` with at most `max_ticks` ticks
/// with as many decimals as the tick step needs, the same for every tick
/// ("0.30", not "0.3", beside "0.31").
fn tick_formatter(span: f64, max_ticks: usize) -> impl Fn(&f64) -> String {
    // The finest step m * 10^e (m = 1, 2, 5) giving at most `max_ticks`
    // ticks, as plotters chooses them.
    let (mut m, mut e) = (1u8, span.log10().ceil().clamp(-30.0, 30.0) as i32);
    for _ in 0..100 {
        let (fm, fe) = match m {
            1 => (5, e - 1),
            5 => (2, e),
            _ => (1, e),
        };
        let ticks = span / (f64::from(fm) * 10f64.powi(fe)) + 1.0;
        // Also stops on a NaN span.
        if !ticks.is_finite() || ticks > max_ticks as f64 {
            break;
        }
        (m, e) = (fm, fe);
    }
    let step = f64::from(m) * 10f64.powi(e);
    let decimals = usize::try_from(-e).unwrap_or(0);
    move |&v| {
        let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
        // One more decimal at a time, should the step have been misjudged.
        (decimals..=decimals + 6)
            .map(|d| format!("{v:.d$}"))
            .find(|s| s.parse::<f64>().is_ok_and(|p| (p - v).abs() <= step * 1e-3))
            .unwrap_or_else(|| v.to_string())
    }
}

/// The maximal runs of finite values of one series, as `(epoch, value)`
/// points.
fn finite_runs(values: &[f32]) -> impl Iterator<Item = Vec<(f64, f64)>> + '_ {
    values
        .split(|v| !v.is_finite())
        .scan(0usize, |start, run| {
            let first = *start;
            *start += run.len() + 1;
            Some((first, run))
        })
        .filter(|(_, run)| !run.is_empty())
        .map(|(first, run)| {
            run.iter()
                .enumerate()
                .map(|(j, &v)| ((first + j + 1) as f64, f64::from(v)))
                .collect()
        })
}

/// The legend corner that the lines cross least, like matplotlib's
/// `loc="best"`: points sampled along every line are counted in a box the
/// size of the legend at each candidate position.
fn legend_position(
    series: &[(&str, &[f32])],
    x_range: &std::ops::Range<f64>,
    y_range: &std::ops::Range<f64>,
) -> SeriesLabelPosition {
    // Legend box as fractions of the plotting area (width, height).
    let (bw, bh) = (0.25, (0.06 + 0.065 * series.len() as f64).min(0.9));
    let candidates = [
        (SeriesLabelPosition::UpperRight, 1.0 - bw, 1.0 - bh),
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0 - bh),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
        (SeriesLabelPosition::LowerRight, 1.0 - bw, 0.0),
        (SeriesLabelPosition::MiddleRight, 1.0 - bw, 0.5 - bh / 2.0),
        (SeriesLabelPosition::MiddleLeft, 0.0, 0.5 - bh / 2.0),
        (SeriesLabelPosition::UpperMiddle, 0.5 - bw / 2.0, 1.0 - bh),
        (SeriesLabelPosition::LowerMiddle, 0.5 - bw / 2.0, 0.0),
    ];
    let norm = |(x, y): (f64, f64)| {
        (
            (x - x_range.start) / (x_range.end - x_range.start),
            (y - y_range.start) / (y_range.end - y_range.start),
        )
    };
    let mut samples = Vec::new();
    for (_, values) in series {
        for run in finite_runs(values) {
            samples.extend(run.iter().map(|&p| norm(p)));
            for pair in run.windows(2) {
                let (a, b) = (norm(pair[0]), norm(pair[1]));
                samples.extend((1..16).map(|k| {
                    let t = f64::from(k) / 16.0;
                    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
                }));
            }
        }
    }
    // Margins around the box so lines just outside it still count.
    let m = 0.03;
    candidates
        .into_iter()
        .min_by_key(|&(_, x0, y0)| {
            samples
                .iter()
                .filter(|&&(x, y)| {
                    x >= x0 - m && x <= x0 + bw + m && y >= y0 - m && y <= y0 + bh + m
                })
                .count()
        })
        .map_or(SeriesLabelPosition::UpperRight, |(pos, _, _)| pos)
}

/// Encodes 8-bit `data` (rows top to bottom) as a PNG file at `path`.
fn write_png(
    path: &Path,
    width: u32,
    height: u32,
    color: png::ColorType,
    data: &[u8],
) -> Result<(), PlotError> {
    let io_err = |source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let png_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => io_err(source),
        other => PlotError::render(path, other),
    };
    let mut file = BufWriter::new(File::create(path).map_err(io_err)?);
    let mut encoder = png::Encoder::new(&mut file, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(data).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    file.flush().map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the PNG at `path`: (width, height, colour type, pixels).
    fn decode(path: &Path) -> (u32, u32, png::ColorType, Vec<u8>) {
        let file = io::BufReader::new(File::open(path).unwrap());
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, info.color_type, buf)
    }

    fn temp_png(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("nn_plot_test_{}_{name}.png", std::process::id()))
    }

    #[test]
    fn digit_png_scales_and_inverts() {
        let mut pixels = vec![0u8; 28 * 28];
        pixels[0] = 255; // top-left black
        pixels[28 * 28 - 1] = 128;
        let path = temp_png("digit");
        digit_png(&pixels, 28, 3, &path).unwrap();
        let (w, h, color, data) = decode(&path);
        assert_eq!((w, h), (84, 84));
        assert_eq!(color, png::ColorType::Grayscale);
        // Pixel (0, 0) covers output 0..3 x 0..3: black.
        for y in 0..3 {
            for x in 0..3 {
                assert_eq!(data[y * 84 + x], 0, "({x}, {y})");
            }
        }
        // Its neighbours, input 0, are white.
        assert_eq!(data[3], 255);
        assert_eq!(data[3 * 84], 255);
        // The last input pixel is mid grey, inverted.
        assert_eq!(data[84 * 84 - 1], 127);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn digit_png_rejects_bad_input() {
        let path = temp_png("bad_digit");
        let err = digit_png(&[0; 10], 28, 1, &path).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }), "{err}");
        assert_eq!(err.path(), path);
        assert!(err.to_string().contains("nn_plot_test_"), "{err}");
        assert!(digit_png(&[0; 4], 2, 0, &path).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn unwritable_path_is_an_io_error() {
        let path = std::env::temp_dir().join("nn_plot_no_such_dir/x.png");
        let err = digit_png(&[0; 4], 2, 1, &path).unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }), "{err}");
        assert!(err.to_string().contains("nn_plot_no_such_dir"), "{err}");
    }

    #[test]
    fn curves_png_is_a_non_blank_chart() {
        let loss = [0.26f32, 0.11, 0.07, 0.05, 0.04];
        let accuracy = [0.92f32, 0.967, 0.978, 0.984, 0.988];
        let path = temp_png("curves");
        curves_png(
            "training",
            &[("loss", &loss), ("accuracy", &accuracy)],
            &path,
        )
        .unwrap();
        let (w, h, color, data) = decode(&path);
        assert_eq!((w, h), (CHART_WIDTH, CHART_HEIGHT));
        assert_eq!(color, png::ColorType::Rgb);
        let luma = |p: &[u8]| p.iter().map(|&c| u32::from(c)).sum::<u32>() / 3;
        let light = data.chunks_exact(3).filter(|p| luma(p) > 200).count();
        let dark = data.chunks_exact(3).filter(|p| luma(p) < 80).count();
        assert!(light > data.len() / 3 / 2, "{light} light pixels");
        assert!(dark > 500, "{dark} dark pixels");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn curves_png_handles_one_epoch_and_gaps() {
        let path = temp_png("curves_edge");
        curves_png("one", &[("loss", &[0.5])], &path).unwrap();
        curves_png("gap", &[("loss", &[1.0, f32::NAN, 0.5, 0.25])], &path).unwrap();
        assert_eq!(decode(&path).0, CHART_WIDTH);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn curves_png_needs_a_finite_value() {
        let path = temp_png("no_values");
        let err = curves_png("none", &[], &path).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }), "{err}");
        let err = curves_png("nan", &[("loss", &[f32::NAN])], &path).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }), "{err}");
    }

    #[test]
    fn tick_labels_share_their_decimals() {
        assert_eq!(tick_formatter(0.062, 8)(&0.3), "0.30");
        assert_eq!(tick_formatter(0.062, 8)(&0.31), "0.31");
        assert_eq!(tick_formatter(1.05, 8)(&0.2), "0.2");
        assert_eq!(tick_formatter(2.6, 8)(&1.0), "1.0");
        assert_eq!(tick_formatter(1.0, 8)(&-1e-17), "0.0");
        assert_eq!(tick_formatter(500.0, 8)(&100.0), "100");
        assert_eq!(tick_formatter(0.00099, 8)(&0.0004), "0.0004");
    }

    #[test]
    fn finite_runs_split_at_non_finite_values() {
        let runs: Vec<_> = finite_runs(&[1.0, f32::NAN, 2.0, 3.0, f32::INFINITY]).collect();
        assert_eq!(runs, vec![vec![(1.0, 1.0)], vec![(3.0, 2.0), (4.0, 3.0)]]);
    }
}
