//! Keras's `model.summary()` table.

use crate::{layer::Layer, SummaryRow};
use shaped_core::Float;

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The size of `n` values of `size` bytes each.
fn bytes(n: usize, size: usize) -> String {
    let b = n as f64 * size as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.2} MB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.2} KB", b / 1024.0)
    } else {
        format!("{b:.2} B")
    }
}

/// Renders the summary of `model` titled `name`: one row per layer, then the
/// parameter totals and their size in the model's element type (4 bytes a
/// value in `f32`, 8 in `f64`).
///
/// ```
/// use shaped_nn::{Dense, DenseLayer, Layer, Relu};
/// use rand::{rngs::StdRng, SeedableRng};
/// let l = DenseLayer::<784, 512, Relu>::init(&mut StdRng::seed_from_u64(0));
/// let s = shaped_nn::summary::render("One", &l);
/// assert!(s.contains("Total params: 401,920 (1.53 MB)"));
/// ```
pub fn render<M: Layer<E>, E: Float>(name: &str, model: &M) -> String {
    let mut rows: Vec<SummaryRow> = Vec::new();
    model.summary_rows("", &mut rows);
    let (w1, w2, w3) = (29, 26, 10);
    let line = |c: char| c.to_string().repeat(w1 + w2 + w3 + 1);
    let mut s = format!("Model: \"{name}\"\n{}\n", line('_'));
    s += &format!(
        " {:<w1$}{:<w2$}{:>w3$}\n{}\n",
        "Layer (type)",
        "Output Shape",
        "Param #",
        line('=')
    );
    for (i, r) in rows.iter().enumerate() {
        let layer = if r.layer.starts_with(" (") {
            r.layer.trim_start().to_string()
        } else {
            r.layer.clone()
        };
        s += &format!(
            " {:<w1$}{:<w2$}{:>w3$}\n",
            layer,
            r.output_shape,
            thousands(r.params)
        );
        s += &format!(
            "{}\n",
            if i + 1 == rows.len() {
                line('=')
            } else {
                String::new()
            }
        );
    }
    let total = M::PARAMS;
    s += &format!(
        "Total params: {} ({})\n",
        thousands(total),
        bytes(total, core::mem::size_of::<E>())
    );
    s += &format!(
        "Trainable params: {} ({})\n",
        thousands(total),
        bytes(total, core::mem::size_of::<E>())
    );
    s += "Non-trainable params: 0 (0.00 B)\n";
    s += &line('_');
    s
}
