#!/usr/bin/env python3
"""Side-by-side speed of `recurrent`, Burn's stock `burn::nn` layers, PyTorch and ONNX Runtime.

Runs the criterion bench `benches/recurrent.rs` and `scripts/bench_pytorch.py` on the same
workloads, interleaved for several rounds (ours, then PyTorch, then the other way round), takes
the median of each benchmark's per-round medians, and prints one table with the ratios
ours / PyTorch, ours / ONNX Runtime (inference) and ours / burn-nn, checked against the targets
of the CPU issue (19) on flex:

- every workload and mode at most 0.8x PyTorch, inference at most 1.0x ONNX Runtime;
- the seed workload keeps its lead: training <= 0.33x PyTorch and <= 0.5x burn-nn, inference
  <= 0.5x PyTorch.

On the CPU backends each round also runs the `peak` group of `benches/products.rs` (the packed
product on every thread at once) and the table gives each workload's roofline: its FLOPs (the
matrix products: forward `2 * seq * batch * G*H * (in + H)` per layer, G the gate count;
training three times that, the backward pass making a data and a weight gradient of each
product), our GFLOP/s and that as a fraction of the measured peak.

--streaming instead times one step of one sequence (batch 1, hidden 128 and 256, LSTM and GRU):
`benches/streaming.rs` against PyTorch's cells, its one-step layers and ONNX Runtime; target
at most 0.5x the faster of PyTorch's two.

Examples:

    python3 scripts/bench_compare.py                          # flex, all workloads, 3 rounds
    python3 scripts/bench_compare.py --backends flex,ndarray --workloads seed --rounds 5
    python3 scripts/bench_compare.py --streaming --markdown   # the streaming table
    python3 scripts/bench_compare.py --memory                 # peak RSS, large LSTM training
    python3 scripts/bench_compare.py --markdown               # the table as docs/performance.md has it
    python3 scripts/bench_compare.py --backends wgpu --torch-device cuda --workloads seed,large
    python3 scripts/bench_compare.py --backends wgpu --no-pytorch --workloads seed,medium
    scripts/gpu_bench.sh                                      # the same on a GPU machine, no Rust there

PyTorch's side needs `pip install torch onnx onnxruntime` (--no-ort: torch only).
Criterion's window per benchmark is 0.5 s warm-up and 2 s of 10 samples (set in the bench);
PyTorch's is the same order (bench_pytorch.py: 1 s warm-up, 20 samples of 0.1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ["seed", "medium", "large", "wide"]
# (input, hidden, seq, batch, layers), as benches/common/mod.rs and scripts/bench_pytorch.py.
SHAPES = {
    "seed": (1, 32, 10, 32, 1),
    "medium": (16, 128, 50, 64, 1),
    "large": (32, 256, 100, 64, 2),
    "wide": (32, 256, 50, 256, 1),
}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
STREAM_HIDDEN = [128, 256]
STREAM_CELLS = ["lstm", "gru"]
STREAM_TORCH = ["pytorch-cell", "pytorch-layer", "onnxruntime"]
CELLS = ["rnn", "lstm", "gru"]
MODES = ["train", "infer"]


def bench_executable(name: str, features: list[str]) -> Path:
    """Builds a bench target with `cargo bench --no-run` and returns its executable."""
    command = ["cargo", "bench", "--bench", name, "--no-run", "--message-format=json"]
    if features:
        command += ["--features", ",".join(features)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"cargo bench --no-run failed:\n{result.stderr}")
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if (
            message.get("reason") == "compiler-artifact"
            and message["target"]["name"] == name
            and message.get("executable")
        ):
            return Path(message["executable"])
    sys.exit(f"no executable for bench {name} in cargo's output")


def run_criterion(exe: Path, pattern: str, round_dir: Path, verbose: bool) -> dict:
    """One criterion run of the benchmarks matching `pattern`; returns {(group, function,
    value): median seconds}."""
    env = dict(os.environ, CRITERION_HOME=str(round_dir))
    subprocess.run(
        [str(exe), "--bench", "--noplot", pattern],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=None if verbose else subprocess.DEVNULL,
    )
    results = {}
    for estimates in round_dir.glob("*/*/*/new/estimates.json"):
        value_dir = estimates.parent.parent
        median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
        results[(value_dir.parent.parent.name, value_dir.parent.name, value_dir.name)] = median_ns * 1e-9
    return results


def run_ours(exe: Path, args, round_dir: Path) -> dict:
    """One criterion run; returns {(workload, mode, implementation-backend, cell): seconds}."""
    pattern = "^({})-({})/(recurrent|burn-nn)-({})/({})$".format(
        "|".join(args.workloads), "|".join(args.modes), "|".join(args.backends), "|".join(args.cells)
    )
    results = {}
    for (group, implementation, cell), seconds in run_criterion(exe, pattern, round_dir, args.verbose).items():
        workload, mode = group.rsplit("-", 1)
        results[(workload, mode, implementation, cell)] = seconds
    return results


def run_peak(exe: Path, round_dir: Path, verbose: bool) -> dict:
    """The packed product's best GFLOP/s on every thread at once: {("peak",): GFLOP/s}."""
    best = 0.0
    for (group, label, shape), seconds in run_criterion(exe, "^peak/", round_dir, verbose).items():
        threads, reps = (int(part.rstrip("threadsrep")) for part in label.split("-")[1:])
        m, k, n = (int(v) for v in shape.split("x"))
        best = max(best, threads * reps * 2 * m * k * n / seconds * 1e-9)
    return {("peak",): best}


def flops(workload: str, cell: str, mode: str) -> float:
    """The workload's matrix-product FLOPs per call (see the module's docs)."""
    input_size, hidden, seq, batch, layers = SHAPES[workload]
    forward = sum(
        2 * seq * batch * GATES[cell] * hidden * ((input_size if k == 0 else hidden) + hidden)
        for k in range(layers)
    )
    return forward * (3 if mode == "train" else 1)


def run_pytorch(args, json_path: Path) -> dict:
    command = [
        sys.executable,
        str(ROOT / "scripts" / "bench_pytorch.py"),
        "--workloads", ",".join(args.workloads),
        "--cells", ",".join(args.cells),
        "--modes", ",".join(args.modes),
        "--json", str(json_path),
        "--device", args.torch_device,
    ]
    if not args.no_ort and args.torch_device == "cpu" and "infer" in args.modes:
        command.append("--ort")
    subprocess.run(command, cwd=ROOT, check=True, stdout=None if args.verbose else subprocess.DEVNULL)
    records = json.loads(json_path.read_text())
    return {(r["workload"], r["mode"], r["framework"], r["cell"]): r["median_s"] for r in records}


def run_pytorch_streaming(args, json_path: Path) -> dict:
    command = [sys.executable, str(ROOT / "scripts" / "bench_pytorch.py"), "--streaming",
               "--json", str(json_path)]
    subprocess.run(command, cwd=ROOT, check=True, stdout=None if args.verbose else subprocess.DEVNULL)
    records = json.loads(json_path.read_text())
    return {(r["workload"], r["mode"], r["framework"], r["cell"]): r["median_s"] for r in records}


def run_ours_streaming(exe: Path, args, round_dir: Path) -> dict:
    pattern = "^stream[0-9]+-step/recurrent-({})/".format("|".join(args.backends))
    results = {}
    for (group, implementation, cell), seconds in run_criterion(exe, pattern, round_dir, args.verbose).items():
        workload, mode = group.rsplit("-", 1)
        results[(workload, mode, implementation, cell)] = seconds
    return results


def target(workload: str, mode: str, backend: str = "flex",
           torch_device: str = "cpu") -> tuple[float | None, float | None]:
    """(max ours/PyTorch, max ours/burn-nn), None where no target is set, from the issues:
    the CPU ones (issue 19, the seed workload's lead from issue 4) for flex; for wgpu, the training step of issue 16: at most 0.25x
    burn-nn on lavapipe (PyTorch on the CPU is no reference for it), and on a GPU with PyTorch on
    CUDA ahead of PyTorch at the seed size, within 1.5x at the others, at most 0.2x burn-nn."""
    if backend == "wgpu":
        if mode != "train":
            return None, None
        if torch_device == "cpu":
            return None, 0.25
        return (1.0 if workload == "seed" else 1.5), 0.2
    if backend != "flex":
        return None, None
    if workload == "seed":
        return (0.5, None) if mode == "infer" else (0.33, 0.5)
    return 0.8, None


# Issue 19: inference at most 1.0x ONNX Runtime on flex.
ORT_TARGET = 1.0
# Issue 19: a streaming step at most 0.5x PyTorch's (the faster of its cell and one-step layer).
STREAM_TARGET = 0.5


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 1000 else f"{ms:.0f}"


def fmt_ratio(ratio: float | None, limit: float | None) -> str:
    if ratio is None:
        return "-"
    text = f"{ratio:.2f}x"
    if limit is not None:
        text += " ok" if ratio <= limit else " MISS"
    return text


def table(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(row) + " |" for row in rows]
    rows = [header] + rows
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]


def ratio(ours: float | None, theirs: float | None) -> float | None:
    return ours / theirs if ours and theirs else None


def report(args, medians: dict) -> list[str]:
    peak = medians.get(("peak",))
    header = ["workload", "mode", "cell", "GFLOP", "PyTorch ms", "ORT ms"]
    for backend in args.backends:
        header += [f"ours {backend} ms", f"burn-nn {backend} ms", f"ours/PyTorch ({backend})",
                   f"ours/ORT ({backend})", f"ours/burn-nn ({backend})"]
        if peak and backend != "wgpu":
            header += [f"GFLOP/s ({backend})", f"of peak ({backend})"]
    rows = []
    for workload in args.workloads:
        for mode in args.modes:
            for cell in args.cells:
                work = flops(workload, cell, mode)
                torch_s = medians.get((workload, mode, "pytorch", cell))
                ort_s = medians.get((workload, mode, "onnxruntime", cell))
                row = [workload, mode, cell, f"{work * 1e-9:.3g}", fmt_ms(torch_s), fmt_ms(ort_s)]
                for backend in args.backends:
                    limit_torch, limit_burn = target(workload, mode, backend, args.torch_device)
                    ours = medians.get((workload, mode, f"recurrent-{backend}", cell))
                    stock = medians.get((workload, mode, f"burn-nn-{backend}", cell))
                    limit_ort = ORT_TARGET if backend == "flex" else None
                    row += [
                        fmt_ms(ours),
                        fmt_ms(stock),
                        fmt_ratio(ratio(ours, torch_s), limit_torch),
                        fmt_ratio(ratio(ours, ort_s), limit_ort),
                        fmt_ratio(ratio(ours, stock), limit_burn),
                    ]
                    if peak and backend != "wgpu":
                        rate = work / ours * 1e-9 if ours else None
                        row += ["-" if rate is None else f"{rate:.0f}",
                                "-" if rate is None else f"{rate / peak:.0%}"]
                rows.append(row)
    lines = table(header, rows, args.markdown)
    if peak:
        lines.append(f"peak (benches/products.rs `peak`, every thread): {peak:.0f} GFLOP/s")
    return lines


def report_streaming(args, medians: dict) -> list[str]:
    header = ["hidden", "cell", "PyTorch cell us", "PyTorch layer us", "ORT us"]
    for backend in args.backends:
        header += [f"ours {backend} us", f"ours/PyTorch ({backend})", f"ours/ORT ({backend})"]
    rows = []
    us = lambda seconds: "-" if seconds is None else f"{seconds * 1e6:.1f}"
    for hidden in STREAM_HIDDEN:
        for cell in STREAM_CELLS:
            workload = f"stream{hidden}"
            theirs = [medians.get((workload, "step", framework, cell)) for framework in STREAM_TORCH]
            torch_best = min((t for t in theirs[:2] if t), default=None)
            row = [str(hidden), cell] + [us(t) for t in theirs]
            for backend in args.backends:
                ours = medians.get((workload, "step", f"recurrent-{backend}", cell))
                row += [us(ours), fmt_ratio(ratio(ours, torch_best), STREAM_TARGET),
                        fmt_ratio(ratio(ours, theirs[2]), None)]
            rows.append(row)
    return table(header, rows, args.markdown)


def memory(args, features: list[str]) -> None:
    exe = bench_executable("peak_memory", features)
    lines = ["| implementation | backend | baseline MiB | peak MiB | peak - baseline MiB |", "|---|---|---|---|---|"]
    for implementation in ["recurrent", "burn-nn"]:
        for backend in args.backends:
            out = subprocess.run(
                [str(exe), "--bench", "large", "lstm", implementation, backend, str(args.memory_steps)],
                cwd=ROOT, check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
            r = json.loads(out)
            lines.append(f"| {implementation} | {backend} | {r['baseline_rss_mib']:.0f} | {r['peak_rss_mib']:.0f} | "
                         f"{r['peak_rss_mib'] - r['baseline_rss_mib']:.0f} |")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "memory.json"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench_pytorch.py"), "--peak-memory", "large", "lstm",
             "--steps", str(args.memory_steps), "--json", str(path)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
        r = json.loads(path.read_text())
        lines.append(f"| pytorch | cpu | {r['baseline_rss_mib']:.0f} | {r['peak_rss_mib']:.0f} | "
                     f"{r['peak_rss_mib'] - r['baseline_rss_mib']:.0f} |")
    print(f"Peak RSS, large workload, LSTM, {args.memory_steps} training steps")
    print("\n".join(lines))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--backends", default="flex", help="flex, ndarray and/or wgpu")
    parser.add_argument("--torch-device", default="cpu", choices=["cpu", "cuda"],
                        help="where PyTorch runs (cuda next to --backends wgpu on a GPU machine)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write every per-round median here")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--memory", action="store_true", help="measure peak RSS instead of speed")
    parser.add_argument("--memory-steps", type=int, default=5)
    parser.add_argument("--exe", type=Path,
                        help="a bench executable built before (`recurrent` bench, release), "
                             "instead of building one: for a machine without a Rust toolchain")
    parser.add_argument("--no-pytorch", action="store_true", help="time ours and burn-nn only")
    parser.add_argument("--no-ort", action="store_true", help="leave ONNX Runtime out")
    parser.add_argument("--no-roofline", action="store_true", help="do not measure the peak")
    parser.add_argument("--streaming", action="store_true",
                        help="time the streaming steps (batch 1) instead of the workloads")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    for name, allowed in [("workloads", WORKLOADS), ("cells", CELLS), ("modes", MODES),
                          ("backends", ["flex", "ndarray", "wgpu"])]:
        values = getattr(args, name).split(",")
        unknown = [v for v in values if v not in allowed]
        if unknown:
            parser.error(f"--{name}: unknown {unknown}, expected some of {allowed}")
        setattr(args, name, values)
    features = [b for b in args.backends if b in ("ndarray", "wgpu")]

    if args.memory:
        memory(args, features)
        return

    if args.streaming:
        exe = bench_executable("streaming", features)
        steps = [lambda d: run_ours_streaming(exe, args, d)]
        if not args.no_pytorch:
            steps.append(lambda d: run_pytorch_streaming(args, d / "pytorch.json"))
    else:
        exe = args.exe or bench_executable("recurrent", features)
        steps = [lambda d: run_ours(exe, args, d)]
        if any(b != "wgpu" for b in args.backends) and not args.no_roofline:
            products = bench_executable("products", [])
            steps.append(lambda d: run_peak(products, d / "peak", args.verbose))
        if not args.no_pytorch:
            steps.append(lambda d: run_pytorch(args, d / "pytorch.json"))
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            round_dir = Path(tmp) / f"round{r}"
            (round_dir / "peak").mkdir(parents=True)
            results = {}
            # Alternate who goes first, so neither always runs on a warmer or cooler machine.
            for step in steps if r % 2 == 0 else reversed(steps):
                results.update(step(round_dir))
            rounds.append(results)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    keys = set().union(*rounds)
    medians = {k: statistics.median(r[k] for r in rounds if k in r) for k in keys}
    if args.json:
        records = [{"key": list(k), "median": medians[k], "rounds": [r[k] for r in rounds if k in r]}
                   for k in sorted(keys)]
        tmp_path = args.json.with_suffix(".tmp")
        tmp_path.write_text(json.dumps(records, indent=1))
        os.replace(tmp_path, args.json)
    print("\n".join((report_streaming if args.streaming else report)(args, medians)))


if __name__ == "__main__":
    main()
