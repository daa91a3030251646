#!/usr/bin/env python3
"""Side-by-side speed of `recurrent`, Burn's stock `burn::nn` layers and PyTorch.

Runs the criterion bench `benches/recurrent.rs` and `scripts/bench_pytorch.py` on the same
workloads, interleaved for several rounds (ours, then PyTorch, then the other way round), takes
the median of each benchmark's per-round medians, and prints one table with the ratios
ours / PyTorch and ours / burn-nn, checked against the targets of the performance issue:

- training step, seed workload: <= 0.33x PyTorch and <= 0.5x burn-nn on the same backend;
- training step, medium and large: <= 1.0x PyTorch;
- inference: <= 0.5x PyTorch on every workload.

Examples:

    python3 scripts/bench_compare.py                          # flex, all workloads, 3 rounds
    python3 scripts/bench_compare.py --backends flex,ndarray --workloads seed --rounds 5
    python3 scripts/bench_compare.py --memory                 # peak RSS, large LSTM training
    python3 scripts/bench_compare.py --markdown               # the table as docs/performance.md has it
    python3 scripts/bench_compare.py --backends wgpu --torch-device cuda --workloads seed,large
    python3 scripts/bench_compare.py --backends wgpu --no-pytorch --workloads seed,medium
    scripts/gpu_bench.sh                                      # the same on a GPU machine, no Rust there

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
WORKLOADS = ["seed", "medium", "large"]
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


def run_ours(exe: Path, args, round_dir: Path) -> dict:
    """One criterion run; returns {(workload, mode, implementation-backend, cell): seconds}."""
    pattern = "^({})-({})/(recurrent|burn-nn)-({})/({})$".format(
        "|".join(args.workloads), "|".join(args.modes), "|".join(args.backends), "|".join(args.cells)
    )
    env = dict(os.environ, CRITERION_HOME=str(round_dir))
    subprocess.run(
        [str(exe), "--bench", "--noplot", pattern],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if not args.verbose else None,
    )
    results = {}
    for estimates in round_dir.glob("*/*/*/new/estimates.json"):
        cell_dir = estimates.parent.parent
        implementation = cell_dir.parent.name
        workload, mode = cell_dir.parent.parent.name.rsplit("-", 1)
        median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
        results[(workload, mode, implementation, cell_dir.name)] = median_ns * 1e-9
    return results


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
    subprocess.run(command, cwd=ROOT, check=True, stdout=None if args.verbose else subprocess.DEVNULL)
    records = json.loads(json_path.read_text())
    return {(r["workload"], r["mode"], "pytorch", r["cell"]): r["median_s"] for r in records}


def target(workload: str, mode: str, backend: str = "flex",
           torch_device: str = "cpu") -> tuple[float | None, float | None]:
    """(max ours/PyTorch, max ours/burn-nn), None where no target is set, from the issues:
    the CPU ones (issue 4) for flex; for wgpu, the training step of issue 16: at most 0.25x
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
    if mode == "infer":
        return 0.5, None
    if workload == "seed":
        return 0.33, 0.5
    return 1.0, None


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


def report(args, medians: dict) -> list[str]:
    header = ["workload", "mode", "cell", "PyTorch ms"]
    for backend in args.backends:
        header += [f"ours {backend} ms", f"burn-nn {backend} ms", f"ours/PyTorch ({backend})",
                   f"ours/burn-nn ({backend})"]
    rows = [header]
    for workload in args.workloads:
        for mode in args.modes:
            for cell in args.cells:
                torch_s = medians.get((workload, mode, "pytorch", cell))
                row = [workload, mode, cell, fmt_ms(torch_s)]
                for backend in args.backends:
                    limit_torch, limit_burn = target(workload, mode, backend, args.torch_device)
                    ours = medians.get((workload, mode, f"recurrent-{backend}", cell))
                    stock = medians.get((workload, mode, f"burn-nn-{backend}", cell))
                    row += [
                        fmt_ms(ours),
                        fmt_ms(stock),
                        fmt_ratio(ours / torch_s if ours and torch_s else None, limit_torch),
                        fmt_ratio(ours / stock if ours and stock else None, limit_burn),
                    ]
                rows.append(row)
    if args.markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return lines
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]


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

    exe = args.exe or bench_executable("recurrent", features)
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            round_dir = Path(tmp) / f"round{r}"
            round_dir.mkdir()
            results = {}
            # Alternate who goes first, so neither always runs on a warmer or cooler machine.
            steps = [lambda: run_ours(exe, args, round_dir)]
            if not args.no_pytorch:
                steps.append(lambda: run_pytorch(args, round_dir / "pytorch.json"))
            for step in steps if r % 2 == 0 else reversed(steps):
                results.update(step())
            rounds.append(results)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    keys = set().union(*rounds)
    medians = {k: statistics.median(r[k] for r in rounds if k in r) for k in keys}
    if args.json:
        records = [{"workload": k[0], "mode": k[1], "implementation": k[2], "cell": k[3],
                    "median_s": medians[k], "rounds_s": [r[k] for r in rounds if k in r]}
                   for k in sorted(keys)]
        tmp_path = args.json.with_suffix(".tmp")
        tmp_path.write_text(json.dumps(records, indent=1))
        os.replace(tmp_path, args.json)
    print("\n".join(report(args, medians)))


if __name__ == "__main__":
    main()
