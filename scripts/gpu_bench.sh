#!/usr/bin/env bash
# The wgpu benchmarks on a GPU machine, side by side with PyTorch on CUDA, in one table with the
# ratios and issue 16's targets (scripts/bench_compare.py prints it).
#
# Two steps, because a GPU machine may have the NVIDIA driver and PyTorch but no Rust toolchain
# and no network:
#
#   scripts/gpu_bench.sh bundle     # here: builds the release bench binaries (wgpu), compresses
#                                   # them with xz (about 140 MiB stripped, 22 MiB compressed)
#                                   # and downloads the Vulkan loader into gpu-bundle/ (< 64 MiB)
#   scripts/gpu_bench.sh run [ARGS] # there, from the repository root with gpu-bundle/ beside it:
#                                   # installs the loader if the machine has none, prints the
#                                   # Vulkan adapter, the launch counts, then the table
#
# ARGS go to bench_compare.py (default: --rounds 2 --workloads seed,medium,large). On a machine
# with Rust and a GPU, `python3 scripts/bench_compare.py --backends wgpu --torch-device cuda`
# does the same in one step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/gpu-bundle"

# The loader and what it loads; the NVIDIA driver brings its own ICD (nvidia_icd.json).
LOADER_PACKAGES=(libvulkan1)

bench_executable() { # name -> path of the release bench executable cargo builds
  cargo bench --features ndarray,wgpu --bench "$1" --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
name = sys.argv[1]
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == name and m.get("executable"):
        print(m["executable"])
' "$1" | tail -n 1
}

bundle() {
  cd "$ROOT"
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE"
  for name in recurrent dispatches; do
    exe="$(bench_executable "$name")"
    [[ -n "$exe" ]] || { echo "cargo built no '$name' bench executable" >&2; exit 1; }
    cp "$exe" "$BUNDLE/$name"
    strip "$BUNDLE/$name" 2>/dev/null || true
    # Compressed, so that both fit the 64 MiB a device machine's working tree may carry.
    xz -9 -T0 -f "$BUNDLE/$name"
  done
  # amd64 packages whatever this machine is, with their own package lists (no root needed).
  lists=/tmp/gpu-bundle-apt && mkdir -p "$lists/partial"
  apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$BUNDLE" && apt-get "${apt_opts[@]}" download "${LOADER_PACKAGES[@]}")
  du -sh "$BUNDLE"
  echo "gpu-bundle/ is ready: copy it with the repository (ignored by git) and run 'scripts/gpu_bench.sh run' there"
}

run() {
  cd "$ROOT"
  [[ -f "$BUNDLE/recurrent.xz" ]] || { echo "no $BUNDLE/recurrent.xz: run 'scripts/gpu_bench.sh bundle' first" >&2; exit 1; }
  # Python's lzma, since the GPU machine may have no xz.
  bin="${TMPDIR:-/tmp}/gpu-bench-bin" && mkdir -p "$bin"
  for name in recurrent dispatches; do
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      "$BUNDLE/$name.xz" "$bin/$name"
    chmod +x "$bin/$name"
  done
  if ! ldconfig -p | grep -q libvulkan.so.1; then
    echo "== no Vulkan loader here: installing it from gpu-bundle/"
    for deb in "$BUNDLE"/*.deb; do dpkg -x "$deb" /; done
    ldconfig
  fi
  # Where the driver's ICD is not registered in the usual place (some containers).
  nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [[ -z "${VK_DRIVER_FILES:-}" && -f "$nvidia_icd" ]]; then
    export VK_DRIVER_FILES="$nvidia_icd"
  fi
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-gpu-bench}" && mkdir -p "$XDG_RUNTIME_DIR"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' || echo "no PyTorch here"
  echo "== launches per step (CubeCL's launch observer)"
  "$bin/dispatches"
  echo "== training step and inference, medians (ms) and ratios"
  if [[ $# -eq 0 ]]; then
    set -- --rounds 2 --workloads seed,medium,large
  fi
  python3 scripts/bench_compare.py --exe "$bin/recurrent" --backends wgpu --torch-device cuda --markdown "$@"
}

case "${1:-}" in
  bundle) bundle ;;
  run) shift; run "$@" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
