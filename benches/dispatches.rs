//! Kernel launches (GPU dispatches) per time step on wgpu, forward and backward, for each cell:
//! this crate's fused kernel, its tensor-op path (the "before"), and Burn's `burn::nn` layers.
//! CubeCL's own launch observer counts them; nothing is timed.
//!
//! ```text
//! cargo bench --features wgpu --bench dispatches
//! ```
//!
//! Per step is `(N(S2) - N(S1)) / (S2 - S1)` for two runs that differ only in the sequence
//! length (so the per-sequence launches, the head and the loss cancel): one layer, one
//! direction, hidden 32, batch 8. It fails if the fused kernel takes more than 2 launches a step
//! forward or 3 backward, the targets of issue 16.

mod common;

use burn::tensor::Device;
use common::{CELLS, Implementation, Workload, batch, cell_name, logits};
use recurrent::__bench::{Launches, set_fused};
use recurrent::model::CellType;

const SHORT: usize = 10;
const LONG: usize = 30;

/// Launches of one inference forward pass, one training forward pass and its backward pass.
fn launches(
    implementation: Implementation,
    cell: CellType,
    seq: usize,
    device: &Device,
) -> [usize; 3] {
    let w = Workload {
        name: "count",
        input: 4,
        hidden: 32,
        seq,
        batch: 8,
        layers: 1,
    };
    let train_device = device.clone().autodiff();
    let model = implementation.model(cell, w, &train_device);
    let inference = model.clone();
    let (x, _) = batch(w, &train_device);
    let run = || {
        let counter = Launches::record();
        let _ = logits(&inference, x.clone().detach()).into_data();
        let infer = counter.total();
        counter.clear();
        let loss = logits(&model, x.clone()).sum();
        let forward = counter.total();
        let _grads = loss.backward();
        [infer, forward, counter.total() - forward]
    };
    run(); // compiles every kernel first (compiling launches nothing more, but be sure)
    run()
}

fn main() {
    // `cargo bench` passes `--bench`; a filter, as criterion takes one, selects cells.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let device = recurrent::device::from_name("wgpu").unwrap_or_else(|e| panic!("{e}"));
    println!(
        "launches per time step, one layer-direction (hidden 32, batch 8; seq {SHORT} vs {LONG})"
    );
    println!();
    println!(
        "| cell | implementation | inference forward | training forward | backward | per sequence (seq {SHORT}: forward, backward) |"
    );
    println!("|---|---|---|---|---|---|");
    for cell in CELLS {
        if filter
            .as_deref()
            .is_some_and(|f| !cell_name(cell).contains(f))
        {
            continue;
        }
        for (label, implementation, fused) in [
            ("recurrent (fused)", Implementation::Recurrent, true),
            ("recurrent (tensor ops)", Implementation::Recurrent, false),
            ("burn-nn", Implementation::BurnNn, true),
        ] {
            set_fused(fused);
            let short = launches(implementation, cell, SHORT, &device);
            let long = launches(implementation, cell, LONG, &device);
            let per_step: Vec<f64> = short
                .iter()
                .zip(&long)
                .map(|(s, l)| (*l as f64 - *s as f64) / (LONG - SHORT) as f64)
                .collect();
            // What is left of the short run once its steps are taken out: the head, the loss,
            // the input projection and the products over the whole sequence.
            let per_sequence = |i: usize| short[i] as f64 - per_step[i] * SHORT as f64;
            println!(
                "| {} | {label} | {:.2} | {:.2} | {:.2} | {}, {} |",
                cell_name(cell),
                per_step[0],
                per_step[1],
                per_step[2],
                per_sequence(1),
                per_sequence(2)
            );
            if fused && implementation == Implementation::Recurrent {
                assert!(
                    per_step[0] <= 2.0 && per_step[1] <= 2.0 && per_step[2] <= 3.0,
                    "{}: the fused kernel takes {per_step:?} launches a step (targets 2, 2, 3)",
                    cell_name(cell)
                );
            }
        }
    }
    set_fused(true);
}
