#!/usr/bin/env python3
"""PyTorch side of the `recurrent` vs PyTorch CPU benchmark.

Measures, on the CPU, the wall-clock time of the same workloads the Rust criterion bench runs, so a
separate driver can put the two side by side. Every workload is a recurrent layer followed by a
linear head on the last time step:

    model(x) = Linear(hidden, 1)(layer(x)[0][:, -1, :])

with `layer` one of
    rnn    torch.nn.RNN(nonlinearity="tanh")
    lstm   torch.nn.LSTM
    gru    torch.nn.GRU
always batch_first=True, unidirectional, bias=True, float32.

Workloads (input size, hidden size, sequence length, batch, layers):
    seed     input 1,  hidden 32,  seq 10,  batch 32, 1 layer
    medium   input 16, hidden 128, seq 50,  batch 64, 1 layer
    large    input 32, hidden 256, seq 100, batch 64, 2 layers
    wide     input 32, hidden 256, seq 50,  batch 256, 1 layer (throughput)

Data is fixed per workload: torch.manual_seed(0), then
    x = torch.randn(batch, seq, input)
    y = torch.randint(0, 2, (batch, 1)).float()
(the model is built right after, from the same seeded generator).

Modes:
    train   one full training step, with torch.optim.Adam(lr=1e-3):
                optimizer.zero_grad(set_to_none=True)
                logits = model(x)
                loss = BCEWithLogitsLoss()(logits, y)
                loss.backward()
                optimizer.step()
    infer   with torch.inference_mode(): model(x)   (layer + head, same batch)

--ort also times every infer workload in ONNX Runtime (what a user deploying the trained model
for CPU inference picks): the same model exported with torch.onnx.export (opset 17, the
TorchScript exporter, which writes ONNX's own RNN/LSTM/GRU operators), run by an
onnxruntime.InferenceSession on the CPU execution provider with intra_op_num_threads =
--threads and inter_op_num_threads = 1; records have "framework": "onnxruntime".

--streaming times one step of one sequence (batch 1, input 32, hidden 128 and 256, lstm and gru),
the state fed back each call, as a model serving live data runs:
    pytorch-cell    nn.LSTMCell / nn.GRUCell:  h, c = cell(x_t, (h, c))
    pytorch-layer   one-step nn.LSTM / nn.GRU: _, (h, c) = layer(x_t[None], (h, c))
    onnxruntime     the one-step layer exported, run with the state as inputs and outputs
(workload "stream128" / "stream256", mode "step"), under torch.inference_mode().

Timing (modelled on criterion): run the step repeatedly for --warmup seconds; from the warm-up's
second half estimate pick k (at least 1) so that one sample of k back-to-back iterations takes about
--sample-time seconds; take --samples samples; a sample's per-iteration time is its elapsed
time.perf_counter() time divided by k. The median (and min, max) over samples is reported, in
seconds. torch.set_num_threads(--threads, default os.cpu_count()) and, where allowed,
torch.set_num_interop_threads(1).

--peak-memory WORKLOAD CELL runs --steps training steps of that workload in a fresh child process
(this script, re-run with a hidden flag) and reports the child's peak resident set size
(getrusage(RUSAGE_SELF).ru_maxrss) in MiB, both after only building model, optimizer and data
(baseline: import torch included) and after the training steps. The difference is what training
adds.

Output: a table on stdout (median in ms, 3 significant digits) and, with --json PATH, a JSON file
written atomically. Timing runs write a list of
    {"framework": "pytorch", "workload", "cell", "mode", "median_s", "min_s", "max_s",
     "samples", "iters_per_sample", "threads", "torch_version"}
and --peak-memory writes one object
    {"framework": "pytorch", "workload", "cell", "peak_rss_mib", "baseline_rss_mib", "steps"}.

Examples:
    python3 scripts/bench_pytorch.py
    python3 scripts/bench_pytorch.py --workloads seed --samples 5 --warmup 0.2
    python3 scripts/bench_pytorch.py --workloads medium,large --cells lstm --modes train \\
        --threads 1 --json target/bench/pytorch.json
    python3 scripts/bench_pytorch.py --peak-memory large gru --steps 5 --json /tmp/peak.json

Requires torch; --ort and --streaming also onnx and onnxruntime (pip install onnx onnxruntime).

On a machine with an NVIDIA GPU, --device cuda times the same workloads on it (each step is
followed by torch.cuda.synchronize()).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


@dataclass(frozen=True)
class Workload:
    input_size: int
    hidden_size: int
    seq_len: int
    batch: int
    num_layers: int


WORKLOADS: dict[str, Workload] = {
    "seed": Workload(input_size=1, hidden_size=32, seq_len=10, batch=32, num_layers=1),
    "medium": Workload(input_size=16, hidden_size=128, seq_len=50, batch=64, num_layers=1),
    "large": Workload(input_size=32, hidden_size=256, seq_len=100, batch=64, num_layers=2),
    "wide": Workload(input_size=32, hidden_size=256, seq_len=50, batch=256, num_layers=1),
}

STREAM_INPUT = 32
STREAM_HIDDEN = (128, 256)
STREAM_CELLS = ("lstm", "gru")

CELLS: dict[str, Callable[..., nn.Module]] = {
    "rnn": lambda **kw: nn.RNN(nonlinearity="tanh", **kw),
    "lstm": lambda **kw: nn.LSTM(**kw),
    "gru": lambda **kw: nn.GRU(**kw),
}

MODES = ("train", "infer")

CHILD_FLAG = "--_peak-memory-child"


class Model(nn.Module):
    """Recurrent layer followed by Linear(hidden, 1) on the last time step."""

    def __init__(self, cell: str, w: Workload) -> None:
        super().__init__()
        self.layer = CELLS[cell](
            input_size=w.input_size,
            hidden_size=w.hidden_size,
            num_layers=w.num_layers,
            bias=True,
            batch_first=True,
            bidirectional=False,
        )
        self.head = nn.Linear(w.hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.layer(x)
        return self.head(output[:, -1, :])


# The device the timing runs use: "cpu" (the default) or "cuda" (--device).
DEVICE = "cpu"


def build(workload: str, cell: str) -> tuple[Model, torch.Tensor, torch.Tensor]:
    """Seeded data and model for one workload, on DEVICE."""
    w = WORKLOADS[workload]
    torch.manual_seed(0)
    x = torch.randn(w.batch, w.seq_len, w.input_size)
    y = torch.randint(0, 2, (w.batch, 1)).float()
    model = Model(cell, w)
    return model.to(DEVICE), x.to(DEVICE), y.to(DEVICE)


def synchronized(step: Callable[[], None]) -> Callable[[], None]:
    """On CUDA, waits for the queued kernels, so a step's time is its real time."""
    if DEVICE == "cpu":
        return step

    def run() -> None:
        step()
        torch.cuda.synchronize()

    return run


def make_step(workload: str, cell: str, mode: str) -> Callable[[], None]:
    return synchronized(make_unsynchronized_step(workload, cell, mode))


def make_unsynchronized_step(workload: str, cell: str, mode: str) -> Callable[[], None]:
    model, x, y = build(workload, cell)
    if mode == "train":
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.BCEWithLogitsLoss()

        def train_step() -> None:
            optimizer.zero_grad(set_to_none=True)
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            optimizer.step()

        return train_step

    model.eval()

    def infer_step() -> None:
        with torch.inference_mode():
            model(x)

    return infer_step


def ort_session(model: nn.Module, inputs: tuple, input_names: list[str],
                output_names: list[str], threads: int):
    """`model` exported to ONNX and loaded in ONNX Runtime's CPU provider."""
    import io
    import warnings

    import onnxruntime as ort

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(model, inputs, buffer, input_names=input_names,
                          output_names=output_names, opset_version=17, dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])


def make_ort_step(workload: str, cell: str, threads: int) -> Callable[[], None]:
    """The infer step of `workload` in ONNX Runtime, from the same seeded model and data."""
    model, x, _ = build(workload, cell)
    model.eval()
    session = ort_session(model, (x,), ["x"], ["logits"], threads)
    feed = {"x": x.numpy()}
    return lambda: session.run(None, feed)


def make_stream_step(hidden: int, cell: str, framework: str, threads: int) -> Callable[[], None]:
    """One streaming step (batch 1) in `framework`, its state carried between calls."""
    torch.manual_seed(0)
    x_t = torch.randn(1, STREAM_INPUT)
    h = torch.zeros(1, hidden)
    lstm = cell == "lstm"
    if framework == "pytorch-cell":
        module = (nn.LSTMCell if lstm else nn.GRUCell)(STREAM_INPUT, hidden).eval()
        state = [(h, h.clone()) if lstm else h]

        def cell_step() -> None:
            with torch.inference_mode():
                state[0] = module(x_t, state[0])

        return cell_step
    layer = (nn.LSTM if lstm else nn.GRU)(STREAM_INPUT, hidden, batch_first=True).eval()
    x_seq, h0 = x_t[None], h[None]
    if framework == "pytorch-layer":
        state = [(h0, h0.clone()) if lstm else h0]

        def layer_step() -> None:
            with torch.inference_mode():
                state[0] = layer(x_seq, state[0])[1]

        return layer_step
    names = ["x", "h0", "c0"] if lstm else ["x", "h0"]
    inputs = (x_seq, (h0, h0.clone())) if lstm else (x_seq, h0)
    outputs = ["y", "h", "c"] if lstm else ["y", "h"]
    session = ort_session(layer, inputs, names, outputs, threads)
    feed = {name: (x_seq if name == "x" else h0).numpy() for name in names}

    def ort_step() -> None:
        new_state = session.run(outputs[1:], feed)
        feed.update(zip(names[1:], new_state))

    return ort_step


def measure(
    step: Callable[[], None], warmup: float, samples: int, sample_time: float
) -> tuple[list[float], int]:
    """Per-iteration times (seconds) of `samples` samples, and the iterations per sample."""
    # Warm up; estimate the per-iteration time from the second half of the warm-up only, since the
    # first iterations (allocator, thread pool, Adam state) are much slower than steady state.
    iters = 0
    mark_iters, mark_time = 0, 0.0
    start = time.perf_counter()
    while True:
        step()
        iters += 1
        elapsed = time.perf_counter() - start
        if mark_iters == 0 and elapsed >= warmup / 2:
            mark_iters, mark_time = iters, elapsed
        if elapsed >= warmup:
            break
    if iters > mark_iters:
        per_iter = (elapsed - mark_time) / (iters - mark_iters)
    else:  # one iteration covered the whole warm-up: time one more, warm, iteration
        t0 = time.perf_counter()
        step()
        per_iter = time.perf_counter() - t0
    k = max(1, round(sample_time / per_iter)) if per_iter > 0 else 1

    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(k):
            step()
        times.append((time.perf_counter() - t0) / k)
    return times, k


def set_threads(threads: int) -> None:
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set, or inter-op work already started


def fmt_ms(seconds: float) -> str:
    """Milliseconds to 3 significant digits, without exponent notation."""
    ms = seconds * 1e3
    if ms == 0 or not math.isfinite(ms):
        return f"{ms:g}"
    decimals = 2 - math.floor(math.log10(abs(ms)))
    if decimals >= 0:
        return f"{ms:.{decimals}f}"
    return f"{round(ms, decimals):.0f}"


def write_json_atomic(path: str, data: object) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".bench_pytorch.", suffix=".json.tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def max_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def parse_list(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(
            f"invalid {what} {', '.join(bad) or repr(value)}; choose from {','.join(allowed)}"
        )
    return items


def run_timing(args: argparse.Namespace) -> int:
    threads = torch.get_num_threads()
    records = []
    header = f"{'workload':<8}  {'cell':<4}  {'mode':<5}  {'median ms':>9}"
    print(f"pytorch {torch.__version__}, {threads} threads, {args.samples} samples")
    print(header)
    print("-" * len(header))
    for workload in args.workloads:
        for cell in args.cells:
            for mode in args.modes:
                step = make_step(workload, cell, mode)
                times, k = measure(step, args.warmup, args.samples, args.sample_time)
                rec = {
                    "framework": "pytorch",
                    "workload": workload,
                    "cell": cell,
                    "mode": mode,
                    "median_s": statistics.median(times),
                    "min_s": min(times),
                    "max_s": max(times),
                    "samples": len(times),
                    "iters_per_sample": k,
                    "threads": threads,
                    "torch_version": torch.__version__,
                    "device": DEVICE,
                }
                records.append(rec)
                print(f"{workload:<8}  {cell:<4}  {mode:<5}  {fmt_ms(rec['median_s']):>9}", flush=True)
                if args.ort and mode == "infer":
                    step = make_ort_step(workload, cell, threads)
                    records.append(timed("onnxruntime", workload, cell, mode, step, args))
                    print(f"{workload:<8}  {cell:<4}  ort    {fmt_ms(records[-1]['median_s']):>9}",
                          flush=True)
    if args.json:
        write_json_atomic(args.json, records)
    return 0


def timed(framework: str, workload: str, cell: str, mode: str, step: Callable[[], None],
          args: argparse.Namespace) -> dict:
    """`step` measured, as one JSON record."""
    times, k = measure(step, args.warmup, args.samples, args.sample_time)
    return {
        "framework": framework, "workload": workload, "cell": cell, "mode": mode,
        "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
        "samples": len(times), "iters_per_sample": k, "threads": torch.get_num_threads(),
        "torch_version": torch.__version__, "device": "cpu",
    }


def run_streaming(args: argparse.Namespace) -> int:
    threads = torch.get_num_threads()
    print(f"pytorch {torch.__version__}, {threads} threads: streaming steps, batch 1, input {STREAM_INPUT}")
    records = []
    for hidden in STREAM_HIDDEN:
        for cell in STREAM_CELLS:
            for framework in ("pytorch-cell", "pytorch-layer", "onnxruntime"):
                step = make_stream_step(hidden, cell, framework, threads)
                rec = timed(framework, f"stream{hidden}", cell, "step", step, args)
                records.append(rec)
                print(f"hidden {hidden}  {cell:<4}  {framework:<13}  {rec['median_s'] * 1e6:8.1f} us",
                      flush=True)
    if args.json:
        write_json_atomic(args.json, records)
    return 0


def run_peak_child(workload: str, cell: str, steps: int) -> int:
    """In the child: build, record baseline peak RSS, train, record peak RSS, print JSON."""
    step = make_step(workload, cell, "train")
    baseline = max_rss_mib()
    for _ in range(steps):
        step()
    peak = max_rss_mib()
    print(json.dumps({"baseline_rss_mib": baseline, "peak_rss_mib": peak}), flush=True)
    return 0


def run_peak_parent(args: argparse.Namespace) -> int:
    workload, cell = args.peak_memory
    if workload not in WORKLOADS:
        sys.exit(f"unknown workload {workload!r}; choose from {','.join(WORKLOADS)}")
    if cell not in CELLS:
        sys.exit(f"unknown cell {cell!r}; choose from {','.join(CELLS)}")
    if args.steps < 1:
        sys.exit("--steps must be at least 1")
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        CHILD_FLAG, workload, cell, str(args.steps),
        "--threads", str(args.threads),
    ]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"peak-memory child failed with exit status {proc.returncode}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if not lines:
        sys.exit("peak-memory child printed nothing")
    child = json.loads(lines[-1])
    rec = {
        "framework": "pytorch",
        "workload": workload,
        "cell": cell,
        "peak_rss_mib": child["peak_rss_mib"],
        "baseline_rss_mib": child["baseline_rss_mib"],
        "steps": args.steps,
    }
    print(f"pytorch {torch.__version__}, {args.threads} threads: {workload} {cell}, {args.steps} train steps")
    print(f"baseline peak RSS (model + data built): {rec['baseline_rss_mib']:.1f} MiB")
    print(f"peak RSS after training:                {rec['peak_rss_mib']:.1f} MiB")
    print(f"training adds:                          {rec['peak_rss_mib'] - rec['baseline_rss_mib']:.1f} MiB")
    if args.json:
        write_json_atomic(args.json, rec)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="PyTorch CPU timings of the recurrent-layer workloads (see module docstring).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   type=lambda v: parse_list(v, tuple(WORKLOADS), "workload"),
                   help="comma-separated workloads")
    p.add_argument("--cells", default=",".join(CELLS),
                   type=lambda v: parse_list(v, tuple(CELLS), "cell"),
                   help="comma-separated cells")
    p.add_argument("--modes", default=",".join(MODES),
                   type=lambda v: parse_list(v, MODES, "mode"),
                   help="comma-separated modes")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="torch.set_num_threads")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per benchmark")
    p.add_argument("--samples", type=int, default=20, help="samples per benchmark")
    p.add_argument("--sample-time", type=float, default=0.1,
                   help="target seconds per sample (sets iterations per sample)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                   help="where the timing runs (cuda: synchronised after every step)")
    p.add_argument("--json", metavar="PATH", help="write results as JSON (atomically)")
    p.add_argument("--peak-memory", nargs=2, metavar=("WORKLOAD", "CELL"),
                   help="report peak RSS of --steps train steps, run in a fresh child process")
    p.add_argument("--steps", type=int, default=5, help="train steps for --peak-memory")
    p.add_argument("--ort", action="store_true", help="also time the infer workloads in ONNX Runtime")
    p.add_argument("--streaming", action="store_true",
                   help="time the streaming steps (batch 1) instead of the workloads")
    p.add_argument(CHILD_FLAG, nargs=3, metavar=("WORKLOAD", "CELL", "STEPS"),
                   dest="peak_child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be at least 1")
    if args.samples < 1:
        p.error("--samples must be at least 1")
    if args.warmup < 0 or args.sample_time < 0:
        p.error("--warmup and --sample-time must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_threads(args.threads)
    if args.peak_child:
        workload, cell, steps = args.peak_child
        return run_peak_child(workload, cell, int(steps))
    if args.peak_memory:
        return run_peak_parent(args)
    if args.streaming:
        return run_streaming(args)
    global DEVICE
    DEVICE = args.device
    return run_timing(args)


if __name__ == "__main__":
    sys.exit(main())
