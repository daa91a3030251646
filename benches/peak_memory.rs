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

use burn::module::Module;
use common::{BenchModel, Implementation, adam, batch, train_step};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    kib / 1024.0
}

fn run(
    model: BenchModel,
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
    let implementation_name = args.get(2).map_or("recurrent", String::as_str);
    let implementation = Implementation::from_name(implementation_name)
        .unwrap_or_else(|| panic!("unknown implementation {implementation_name}; {usage}"));
    let backend = args.get(3).map_or("flex", String::as_str);
    let device = recurrent::device::from_name(backend)
        .unwrap_or_else(|err| panic!("backend {backend}: {err}; {usage}"));
    let steps: usize = args.get(4).map_or(Ok(5), |s| s.parse()).expect(usage);
    let model = implementation.model(cell, w, &device);
    let (baseline, peak) = run(model, w, &device, steps);
    println!(
        "{{\"framework\": \"{}\", \"backend\": \"{backend}\", \"workload\": \"{}\", \"cell\": \"{}\", \"baseline_rss_mib\": {baseline:.1}, \"peak_rss_mib\": {peak:.1}, \"steps\": {steps}}}",
        implementation.name(),
        w.name,
        common::cell_name(cell),
    );
}
