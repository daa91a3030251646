//! A direction's batch split across threads.
//!
//! Batch rows never interact in a recurrent layer, so each chunk of rows runs the whole
//! sequence on its own thread, forward and backward, with no synchronisation between steps;
//! only the weight gradients are summed at the end. Small problems stay on one thread, where
//! handing work to another would cost more than it saves.

use rayon::prelude::*;

use super::host::{self, Dims, Grads, Inputs, Saved};
use crate::cell::CellKind;

/// Below this many multiply-adds per call (`seq * batch * G*H * (input + H)`), one thread: the
/// seed workload (1.4M for the LSTM) measured 50% slower on two threads than on one.
const PARALLEL_WORK: usize = 1 << 22;
/// Rows per chunk at least: fewer would leave the matrix products too thin to be efficient.
const MIN_ROWS: usize = 8;

/// What [`backward`] needs: each chunk's saved forward pass and its batch rows.
#[derive(Debug)]
pub(crate) struct SavedChunks {
    dims: Dims,
    chunks: Vec<(std::ops::Range<usize>, Saved)>,
}

/// The batch rows of each chunk.
fn chunks(cell: CellKind, dims: Dims) -> Vec<std::ops::Range<usize>> {
    let work = dims.seq * dims.batch * cell.gates() * dims.hidden * (dims.input + dims.hidden);
    let count = if work < PARALLEL_WORK {
        1
    } else {
        rayon::current_num_threads()
            .min(dims.batch / MIN_ROWS)
            .max(1)
    };
    (0..count)
        .map(|c| dims.batch * c / count..dims.batch * (c + 1) / count)
        .collect()
}

/// Rows `rows` of every `[steps, batch, width]` slice of `values`, as `[steps, rows, width]`.
fn gather(
    values: &[f32],
    steps: usize,
    batch: usize,
    width: usize,
    rows: &std::ops::Range<usize>,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(steps * rows.len() * width);
    for step in values.chunks_exact(batch * width).take(steps) {
        out.extend_from_slice(&step[rows.start * width..rows.end * width]);
    }
    out
}

/// The inverse of [`gather`]: writes `[steps, rows, width]` into rows `rows` of `values`.
fn scatter(
    values: &mut [f32],
    part: &[f32],
    batch: usize,
    width: usize,
    rows: &std::ops::Range<usize>,
) {
    let chunk = rows.len() * width;
    for (step, part) in values
        .chunks_exact_mut(batch * width)
        .zip(part.chunks_exact(chunk))
    {
        step[rows.start * width..rows.end * width].copy_from_slice(part);
    }
}

/// [`host::forward`] over batch chunks in parallel; same inputs and output.
pub(crate) fn forward(
    cell: CellKind,
    reverse: bool,
    dims: Dims,
    inputs: Inputs,
    lengths: Option<&[usize]>,
    save: bool,
) -> (Vec<f32>, Option<SavedChunks>) {
    forward_in_chunks(
        chunks(cell, dims),
        cell,
        reverse,
        dims,
        inputs,
        lengths,
        save,
    )
}

/// [`forward`] with the chunks given.
fn forward_in_chunks(
    rows: Vec<std::ops::Range<usize>>,
    cell: CellKind,
    reverse: bool,
    dims: Dims,
    inputs: Inputs,
    lengths: Option<&[usize]>,
    save: bool,
) -> (Vec<f32>, Option<SavedChunks>) {
    if rows.len() == 1 {
        let (out, saved) = host::forward(cell, reverse, dims, inputs, lengths, save);
        let saved = saved.map(|saved| SavedChunks {
            dims,
            chunks: vec![(0..dims.batch, saved)],
        });
        return (out, saved);
    }
    let h = dims.hidden;
    let results: Vec<_> = rows
        .par_iter()
        .map(|rows| {
            let part = Inputs {
                x: gather(&inputs.x, dims.seq, dims.batch, dims.input, rows).into(),
                h0: inputs.h0[rows.start * h..rows.end * h].to_vec().into(),
                c0: inputs.c0[rows.start * h..rows.end * h].to_vec().into(),
                w_ih: inputs.w_ih.clone(),
                w_hh: inputs.w_hh.clone(),
                b_ih: inputs.b_ih.clone(),
                b_hh: inputs.b_hh.clone(),
            };
            let dims = Dims {
                batch: rows.len(),
                ..dims
            };
            let lengths = lengths.map(|l| &l[rows.clone()]);
            host::forward(cell, reverse, dims, part, lengths, save)
        })
        .collect();
    let mut out = vec![0.0; (dims.seq + 2) * dims.batch * h];
    let mut saved = Vec::with_capacity(rows.len());
    for (rows, (part, part_saved)) in rows.into_iter().zip(results) {
        scatter(&mut out, &part, dims.batch, h, &rows);
        saved.extend(part_saved.map(|s| (rows, s)));
    }
    (
        out,
        save.then_some(SavedChunks {
            dims,
            chunks: saved,
        }),
    )
}

/// [`host::backward`] over the chunks of [`forward`] in parallel; same output.
pub(crate) fn backward(saved: &SavedChunks, grad_out: &[f32], need_x: bool) -> Grads {
    let SavedChunks { dims, chunks } = saved;
    if let [(_, only)] = chunks.as_slice() {
        return host::backward(only, grad_out, need_x);
    }
    let (batch, h) = (dims.batch, dims.hidden);
    let parts: Vec<Grads> = chunks
        .par_iter()
        .map(|(rows, saved)| {
            let grad = gather(grad_out, dims.seq + 2, batch, h, rows);
            host::backward(saved, &grad, need_x)
        })
        .collect();
    let mut total = Grads {
        x: if need_x {
            vec![0.0; dims.seq * batch * dims.input]
        } else {
            Vec::new()
        },
        h0: Vec::with_capacity(batch * h),
        c0: Vec::with_capacity(batch * h),
        w_ih: vec![0.0; parts[0].w_ih.len()],
        w_hh: vec![0.0; parts[0].w_hh.len()],
        b_ih: vec![0.0; parts[0].b_ih.len()],
        b_hh: vec![0.0; parts[0].b_hh.len()],
    };
    for ((rows, _), part) in chunks.iter().zip(parts) {
        if need_x {
            scatter(&mut total.x, &part.x, batch, dims.input, rows);
        }
        // Chunks are consecutive rows: the `[batch, H]` states concatenate.
        total.h0.extend(part.h0);
        total.c0.extend(part.c0);
        for (sum, part) in [
            (&mut total.w_ih, &part.w_ih),
            (&mut total.w_hh, &part.w_hh),
            (&mut total.b_ih, &part.b_ih),
            (&mut total.b_hh, &part.b_hh),
        ] {
            for (s, p) in sum.iter_mut().zip(part) {
                *s += p;
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, seed: f32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as f32 + seed) * 0.731).sin() * 0.5)
            .collect()
    }

    /// Deterministic inputs of every size `dims` asks for.
    fn inputs(cell: CellKind, dims: Dims) -> Inputs {
        let gh = cell.gates() * dims.hidden;
        Inputs {
            x: values(dims.seq * dims.batch * dims.input, 1.0).into(),
            h0: values(dims.batch * dims.hidden, 2.0).into(),
            c0: values(dims.batch * dims.hidden, 3.0).into(),
            w_ih: values(gh * dims.input, 4.0).into(),
            w_hh: values(gh * dims.hidden, 5.0).into(),
            b_ih: values(gh, 6.0).into(),
            b_hh: values(gh, 7.0).into(),
        }
    }

    /// A NaN in the input reaches every later output, as in PyTorch: a diverged model must not
    /// look finite.
    #[test]
    fn a_nan_input_gives_nan_outputs() {
        let dims = Dims {
            seq: 3,
            batch: 2,
            input: 2,
            hidden: 3,
        };
        for cell in CellKind::ALL {
            let mut inputs = inputs(cell, dims);
            let mut x = inputs.x.to_vec();
            x[0] = f32::NAN; // step 0, batch row 0
            inputs.x = x.into();
            let (out, _) = forward(cell, false, dims, inputs, None, false);
            let last_step = &out[(dims.seq - 1) * dims.batch * dims.hidden..][..dims.hidden];
            assert!(
                last_step.iter().all(|v| v.is_nan()),
                "{cell:?}: {last_step:?}"
            );
        }
    }

    /// Three uneven chunks give what one pass over the whole batch gives, forward and backward,
    /// with padded rows.
    #[test]
    fn chunks_give_the_single_pass_results() {
        let dims = Dims {
            seq: 5,
            batch: 10,
            input: 3,
            hidden: 4,
        };
        for (cell, reverse) in CellKind::ALL
            .into_iter()
            .flat_map(|c| [(c, false), (c, true)])
        {
            let inputs = inputs(cell, dims);
            let grad_out = values((dims.seq + 2) * dims.batch * dims.hidden, 8.0);
            // Padded rows in every chunk, including one with nothing but padding after step 0.
            let lengths = [5, 2, 4, 1, 5, 3, 5, 5, 2, 4];
            let (out, saved) =
                host::forward(cell, reverse, dims, inputs.clone(), Some(&lengths), true);
            let grads = host::backward(&saved.expect("saved"), &grad_out, true);
            let rows = vec![0..3, 3..4, 4..10];
            let (out_chunked, saved) =
                forward_in_chunks(rows, cell, reverse, dims, inputs, Some(&lengths), true);
            let chunked = backward(&saved.expect("saved"), &grad_out, true);
            let pairs = [
                (&out, &out_chunked),
                (&grads.x, &chunked.x),
                (&grads.h0, &chunked.h0),
                (&grads.c0, &chunked.c0),
                (&grads.w_ih, &chunked.w_ih),
                (&grads.w_hh, &chunked.w_hh),
                (&grads.b_ih, &chunked.b_ih),
                (&grads.b_hh, &chunked.b_hh),
            ];
            for (k, (single, chunked)) in pairs.into_iter().enumerate() {
                assert_eq!(single.len(), chunked.len(), "{cell:?} value {k}");
                for (a, b) in single.iter().zip(chunked) {
                    assert!(
                        (a - b).abs() < 1e-5,
                        "{cell:?} reverse {reverse} value {k}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
