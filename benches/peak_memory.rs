//! Peak resident memory of training steps, one workload per process (peak RSS cannot be reset).
//!
//! ```text
//! cargo bench --bench peak_memory -- large lstm [recurrent|burn-nn] [flex|ndarray] [steps]
//! ```
//!
//! Prints one JSON line: the peak RSS (`VmHWM`) after building the model and data, and after
//! the training steps, in MiB. `scripts/bench_pytorch.py --peak-memory` measures PyTorch the
//! same way.

mod common;

use common::{Implementation, StockModel, adam, backends, batch, recurrent_model, train_step};
use recurrent::model::Trainable;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    kib / 1024.0
}

fn run<M: Trainable>(
    model: M,
    w: common::Workload,
    device: &burn::tensor::Device,
    steps: usize,
) -> (f64, f64) {
    let device = device.clone().autodiff();
    let (x, y) = batch(w, &device);
    let mut model = model.to_device(&device).train();
    let mut optimizer = adam();
    let baseline = peak_rss_mib();
    for _ in 0..steps {
        model = train_step(model, &mut optimizer, &x, &y);
    }
    device.sync().expect("the device finishes");
    (baseline, peak_rss_mib())
}

fn main() {
    // cargo bench passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let usage = "usage: peak_memory WORKLOAD CELL [recurrent|burn-nn] [BACKEND] [STEPS]";
    if args.is_empty() {
        // `cargo bench` without arguments runs every bench target: nothing to measure here.
        eprintln!("{usage}");
        return;
    }
    let w = common::workload(&args[0]).expect(usage);
    let cell = common::cell(args.get(1).map_or("lstm", String::as_str)).expect(usage);
    let implementation = match args.get(2).map_or("recurrent", String::as_str) {
        "recurrent" => Implementation::Recurrent,
        "burn-nn" => Implementation::BurnNn,
        other => panic!("unknown implementation {other}; {usage}"),
    };
    let backend = args.get(3).map_or("flex", String::as_str);
    let device = backends()
        .into_iter()
        .find(|(name, _)| *name == backend)
        .map(|(_, device)| device)
        .unwrap_or_else(|| panic!("backend {backend} is not compiled in; {usage}"));
    let steps: usize = args.get(4).map_or(Ok(5), |s| s.parse()).expect(usage);
    let (baseline, peak) = match implementation {
        Implementation::Recurrent => run(recurrent_model(cell, w, &device), w, &device, steps),
        Implementation::BurnNn => run(StockModel::new(cell, w, &device), w, &device, steps),
    };
    println!(
        "{{\"framework\": \"{}\", \"backend\": \"{backend}\", \"workload\": \"{}\", \"cell\": \"{}\", \"baseline_rss_mib\": {baseline:.1}, \"peak_rss_mib\": {peak:.1}, \"steps\": {steps}}}",
        implementation.name(),
        w.name,
        common::cell_name(cell),
    );
}
