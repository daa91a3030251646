#!/usr/bin/env python3
"""PyTorch reference fixtures for `recurrent`'s parity tests.

Usage:
    python3 scripts/pytorch_reference.py generate [OUT_DIR]   # default tests/fixtures/pytorch
    python3 scripts/pytorch_reference.py generate-packed [OUT_DIR]   # default tests/fixtures/pytorch_packed
    python3 scripts/pytorch_reference.py generate-cells [OUT_DIR]    # default tests/fixtures/pytorch_cells
    python3 scripts/pytorch_reference.py generate-proj [OUT_DIR]     # default tests/fixtures/pytorch_proj
    python3 scripts/pytorch_reference.py check-export DIR     # files written by `cargo run --example 09_export_pytorch`

`generate` writes one folder per case with
    weights.pt            the layer's state_dict, saved by torch.save (PyTorch's own names)
    weights.safetensors   the same state_dict through safetensors.torch.save_file
    data.safetensors      input, initial state (h0, c0 when given), output, h_n, c_n, the random
                          projections that define the scalar loss below, and its gradients
and a `cases.txt` index (one line per case: name and configuration). The loss is
    L = sum(output * proj_output) + sum(h_n * proj_hidden) [+ sum(c_n * proj_cell)]
a random linear function of everything the layer returns, so its gradient checks every output.
Gradients are stored as `grad_input`, `grad_h0`, `grad_c0` and `grad.<parameter name>`.

`generate-packed` writes the same files for padded batches of sequences of different lengths run
as packed sequences:
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = layer(packed, h0);  out, _ = pad_packed_sequence(out, batch_first=True, total_length=seq)
with the lengths in `cases.txt` (`lengths=6,2,5,1`); the loss and gradients are as above.

`generate-proj` writes the same files for `nn.LSTM(3, 4, proj_size=2)` (every depth up to 2,
direction, bias setting and state; packed batches; `proj=2` in `cases.txt`); `h0` and `h_n` are
`[layers * dirs, batch, 2]`, and the state_dict has `weight_hr_l{k}` `[2, 4]`.

`generate-cells` writes one folder per PyTorch cell (`nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`,
3 inputs, 4 hidden units) with
    weights.pt            the cell's state_dict (keys weight_ih, weight_hh, bias_ih, bias_hh: no _l0)
    weights.safetensors   the same
    data.safetensors      input [steps, batch, 3], h0 (c0) [batch, 4], and after every step of
                          h, c = cell(x[t], (h, c)) the states h [steps, batch, 4] (c for the LSTM)
and, for the LSTM, `model.pt`: a module holding the cell as `cell` beside a `head` Linear.

`check-export` loads each `<name>.safetensors` written by `save_pytorch` into a fresh PyTorch layer
with `load_state_dict(strict=True)`, runs it on the input stored beside it and compares with the
output Rust computed. It exits non-zero on any mismatch.

Tests never run Python: the fixtures are committed. Requires torch and safetensors (pip).
"""

import itertools
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

INPUT_SIZE = 3
HIDDEN_SIZE = 4
BATCH = 2
SEQ = 5
LONG_SEQ = 60

CELLS = {
    "rnn_tanh": lambda **kw: torch.nn.RNN(nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: torch.nn.RNN(nonlinearity="relu", **kw),
    "lstm": lambda **kw: torch.nn.LSTM(**kw),
    "gru": lambda **kw: torch.nn.GRU(**kw),
}


def build(cell, num_layers, bidirectional, bias, input_size=INPUT_SIZE, hidden=HIDDEN_SIZE, proj_size=0):
    extra = {"proj_size": proj_size} if proj_size else {}
    return CELLS[cell](
        input_size=input_size,
        hidden_size=hidden,
        num_layers=num_layers,
        bias=bias,
        batch_first=True,
        bidirectional=bidirectional,
        **extra,
    )


def write_case_files(out_dir, name, module, data):
    """Writes a case's folder: the module's state_dict as weights.pt and weights.safetensors,
    and `data` as data.safetensors. Returns the folder."""
    case_dir = os.path.join(out_dir, name)
    os.makedirs(case_dir, exist_ok=True)
    state_dict = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    torch.save(state_dict, os.path.join(case_dir, "weights.pt"))
    save_file(state_dict, os.path.join(case_dir, "weights.safetensors"))
    save_file({k: v.contiguous() for k, v in data.items()}, os.path.join(case_dir, "data.safetensors"))
    return case_dir


def write_case(out_dir, name, cell, num_layers, bidirectional, bias, given_state, seq, seed, lengths=None, proj_size=0):
    torch.manual_seed(seed)
    layer = build(cell, num_layers, bidirectional, bias, proj_size=proj_size)
    dirs = 2 if bidirectional else 1
    batch = len(lengths) if lengths else BATCH
    x = torch.randn(batch, seq, INPUT_SIZE, requires_grad=True)
    h0 = torch.randn(num_layers * dirs, batch, proj_size or HIDDEN_SIZE, requires_grad=True)
    c0 = torch.randn(num_layers * dirs, batch, HIDDEN_SIZE, requires_grad=True)
    is_lstm = cell == "lstm"

    inputs = x
    if lengths:
        inputs = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    if given_state:
        state = (h0, c0) if is_lstm else h0
        out, st = layer(inputs, state)
    else:
        out, st = layer(inputs)
    if lengths:
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=seq)
    hn, cn = st if is_lstm else (st, None)

    proj_out = torch.randn_like(out)
    proj_h = torch.randn_like(hn)
    loss = (out * proj_out).sum() + (hn * proj_h).sum()
    data = {
        "input": x.detach(),
        "output": out.detach(),
        "h_n": hn.detach(),
        "proj_output": proj_out,
        "proj_hidden": proj_h,
    }
    if is_lstm:
        proj_c = torch.randn_like(cn)
        loss = loss + (cn * proj_c).sum()
        data["c_n"] = cn.detach()
        data["proj_cell"] = proj_c

    loss.backward()
    data["grad_input"] = x.grad
    if given_state:
        data["h0"] = h0.detach()
        data["grad_h0"] = h0.grad
        if is_lstm:
            data["c0"] = c0.detach()
            data["grad_c0"] = c0.grad
    for pname, p in layer.named_parameters():
        data["grad." + pname] = p.grad

    write_case_files(out_dir, name, layer, data)
    line = f"{name} cell={cell} layers={num_layers} bidirectional={int(bidirectional)} bias={int(bias)} state={int(given_state)} seq={seq}"
    if lengths:
        line += " lengths=" + ",".join(str(n) for n in lengths)
    if proj_size:
        line += f" proj={proj_size}"
    return line


def write_prefixed(out_dir):
    """A bigger model's state_dict: `rnn.` (an LSTM) next to a `head.` Linear."""

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = build("lstm", 2, True, True)
            self.head = torch.nn.Linear(2 * HIDDEN_SIZE, 1)

    torch.manual_seed(1234)
    model = Model()
    x = torch.randn(BATCH, SEQ, INPUT_SIZE)
    out, (hn, cn) = model.rnn(x)
    case_dir = os.path.join(out_dir, "prefixed_model")
    os.makedirs(case_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(case_dir, "model.pt"))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(case_dir, "model.safetensors"))
    save_file(
        {"input": x, "output": out.detach().contiguous(), "h_n": hn.detach().contiguous(), "c_n": cn.detach().contiguous()},
        os.path.join(case_dir, "data.safetensors"),
    )


def generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    seed = 0
    for cell, num_layers, bidirectional, bias, given in itertools.product(
        CELLS, (1, 2, 3), (False, True), (True, False), (False, True)
    ):
        name = f"{cell}_l{num_layers}_{'bi' if bidirectional else 'uni'}_{'bias' if bias else 'nobias'}_{'state' if given else 'zero'}"
        lines.append(write_case(out_dir, name, cell, num_layers, bidirectional, bias, given, SEQ, seed))
        seed += 1
    for cell in CELLS:
        name = f"{cell}_long"
        lines.append(write_case(out_dir, name, cell, 2, True, True, True, LONG_SEQ, seed))
        seed += 1
    write_prefixed(out_dir)
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write(f"# torch {torch.__version__}; input_size={INPUT_SIZE} hidden_size={HIDDEN_SIZE} batch={BATCH}\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cases and prefixed_model to {out_dir}")


PACKED_SEQ = 6
PACKED_LENGTHS = [6, 2, 5, 1]  # unsorted, with a full-length and a one-step sequence
LONG_LENGTHS = [60, 17, 1]


def generate_packed(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    seed = 1000
    for cell, num_layers, bidirectional, given in itertools.product(CELLS, (1, 2), (False, True), (False, True)):
        name = f"{cell}_l{num_layers}_{'bi' if bidirectional else 'uni'}_{'state' if given else 'zero'}_packed"
        lines.append(write_case(out_dir, name, cell, num_layers, bidirectional, True, given, PACKED_SEQ, seed, PACKED_LENGTHS))
        seed += 1
    for cell in CELLS:
        name = f"{cell}_long_packed"
        lines.append(write_case(out_dir, name, cell, 2, True, True, True, LONG_SEQ, seed, LONG_LENGTHS))
        seed += 1
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write(f"# torch {torch.__version__}; input_size={INPUT_SIZE} hidden_size={HIDDEN_SIZE}; packed sequences\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} packed cases to {out_dir}")


PROJ_SIZE = 2


def generate_proj(out_dir):
    """nn.LSTM(3, 4, proj_size=2): every depth (1, 2), direction, bias setting and state, then
    packed batches (lengths 6, 2, 5, 1) of each depth and direction, and a long packed case."""
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    seed = 3000
    for num_layers, bidirectional, bias, given in itertools.product((1, 2), (False, True), (True, False), (False, True)):
        name = f"lstm_proj_l{num_layers}_{'bi' if bidirectional else 'uni'}_{'bias' if bias else 'nobias'}_{'state' if given else 'zero'}"
        lines.append(write_case(out_dir, name, "lstm", num_layers, bidirectional, bias, given, SEQ, seed, proj_size=PROJ_SIZE))
        seed += 1
    for num_layers, bidirectional in itertools.product((1, 2), (False, True)):
        name = f"lstm_proj_l{num_layers}_{'bi' if bidirectional else 'uni'}_state_packed"
        lines.append(write_case(out_dir, name, "lstm", num_layers, bidirectional, True, True, PACKED_SEQ, seed, PACKED_LENGTHS, proj_size=PROJ_SIZE))
        seed += 1
    lines.append(write_case(out_dir, "lstm_proj_long_packed", "lstm", 2, True, True, True, LONG_SEQ, seed, LONG_LENGTHS, proj_size=PROJ_SIZE))
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write(f"# torch {torch.__version__}; nn.LSTM input_size={INPUT_SIZE} hidden_size={HIDDEN_SIZE} proj_size={PROJ_SIZE}\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} projected-LSTM cases to {out_dir}")


CELL_STEPS = 4
CELL_MODULES = {
    "rnn_tanh": lambda bias: torch.nn.RNNCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias, nonlinearity="tanh"),
    "rnn_relu": lambda bias: torch.nn.RNNCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias, nonlinearity="relu"),
    "lstm": lambda bias: torch.nn.LSTMCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias),
    "gru": lambda bias: torch.nn.GRUCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias),
}


def write_cell_case(out_dir, name, cell, bias, seed):
    torch.manual_seed(seed)
    module = CELL_MODULES[cell](bias)
    is_lstm = cell == "lstm"
    x = torch.randn(CELL_STEPS, BATCH, INPUT_SIZE)
    h0 = torch.randn(BATCH, HIDDEN_SIZE)
    c0 = torch.randn(BATCH, HIDDEN_SIZE)
    hs, cs = [], []
    h, c = h0, c0
    with torch.no_grad():
        for t in range(CELL_STEPS):
            if is_lstm:
                h, c = module(x[t], (h, c))
                cs.append(c)
            else:
                h = module(x[t], h)
            hs.append(h)
    data = {"input": x, "h0": h0, "h": torch.stack(hs)}
    if is_lstm:
        data["c0"] = c0
        data["c"] = torch.stack(cs)
    case_dir = write_case_files(out_dir, name, module, data)
    if is_lstm and bias:
        model = torch.nn.Module()
        model.cell = module
        model.head = torch.nn.Linear(HIDDEN_SIZE, 1)
        torch.save(model.state_dict(), os.path.join(case_dir, "model.pt"))
    return f"{name} cell={cell} bias={int(bias)} steps={CELL_STEPS}"


def generate_cells(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    seed = 2000
    for cell, bias in [("rnn_tanh", True), ("rnn_relu", True), ("lstm", True), ("gru", True), ("lstm", False)]:
        name = f"{cell}_cell_{'bias' if bias else 'nobias'}"
        lines.append(write_cell_case(out_dir, name, cell, bias, seed))
        seed += 1
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write(f"# torch {torch.__version__}; nn.RNNCell/LSTMCell/GRUCell({INPUT_SIZE}, {HIDDEN_SIZE}); batch={BATCH}\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cell cases to {out_dir}")


def check_export(export_dir):
    with open(os.path.join(export_dir, "layers.json")) as f:
        layers = json.load(f)
    failures = 0
    for spec in layers:
        name = spec["name"]
        cell = spec["cell"]
        if cell == "rnn":
            cell = "rnn_relu" if spec.get("nonlinearity") == "relu" else "rnn_tanh"
        layer = CELLS[cell](
            input_size=spec["input_size"],
            hidden_size=spec["hidden_size"],
            num_layers=spec["num_layers"],
            bias=spec["bias"],
            batch_first=True,
            bidirectional=spec["bidirectional"],
            **({"proj_size": spec["proj_size"]} if spec.get("proj_size") else {}),
        )
        state = load_file(os.path.join(export_dir, name + ".safetensors"))
        layer.load_state_dict(state, strict=True)
        data = load_file(os.path.join(export_dir, name + ".data.safetensors"))
        with torch.no_grad():
            out, _ = layer(data["input"])
        err = (out - data["output"]).abs().max().item()
        ok = torch.allclose(out, data["output"], atol=1e-5, rtol=1e-5)
        failures += not ok
        print(f"{name}: load_state_dict(strict=True) ok; max |torch - rust| = {err:.3e} {'OK' if ok else 'MISMATCH'}")
    print(f"torch {torch.__version__}: {len(layers) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    torch.set_num_threads(1)
    command = sys.argv[1] if len(sys.argv) > 1 else "generate"
    if command == "generate":
        generate(sys.argv[2] if len(sys.argv) > 2 else os.path.join("tests", "fixtures", "pytorch"))
    elif command == "generate-packed":
        generate_packed(sys.argv[2] if len(sys.argv) > 2 else os.path.join("tests", "fixtures", "pytorch_packed"))
    elif command == "generate-proj":
        generate_proj(sys.argv[2] if len(sys.argv) > 2 else os.path.join("tests", "fixtures", "pytorch_proj"))
    elif command == "generate-cells":
        generate_cells(sys.argv[2] if len(sys.argv) > 2 else os.path.join("tests", "fixtures", "pytorch_cells"))
    elif command == "check-export":
        check_export(sys.argv[2])
    else:
        sys.exit(__doc__)
