#!/usr/bin/env python3
"""PyTorch reference accuracies on UCR/UEA time-series classification problems.

Trains, in PyTorch, the same model that the Rust example `examples/07_ucr.rs` trains, on datasets in
the sktime/aeon `.ts` text format, so the docs can quote PyTorch's test accuracy next to ours.

Usage:
    python3 scripts/ucr_pytorch.py                                   # both datasets, seeds 1..10
    python3 scripts/ucr_pytorch.py --json docs/ucr-pytorch-results.json
    python3 scripts/ucr_pytorch.py --datasets BasicMotions --epochs 100 --cell gru
    python3 scripts/ucr_pytorch.py --datasets ArrowHead OSULeaf --seeds 1 2 3 4 5

Run from the repository root (or pass --data-dir). It reads `<data-dir>/<NAME>_TRAIN.ts` and
`<NAME>_TEST.ts` with the small parser below (no aeon/sktime needed; it asserts equal lengths and
no missing values) and, for each dataset and seed:

    standardise   each feature with the mean and population std over all steps of all training
                  series (std 1 where it is 0), applied to train and test
    model         nn.LSTM(features, H, num_layers=1, batch_first=True) (or nn.GRU / nn.RNN(tanh)
                  with --cell), then nn.Linear on the readout: the final hidden state h_n[-1]
                  (`last`), the mean output over time (`mean`), or both concatenated
                  (`last-and-mean`, [h_n[-1], mean_t out_t])
    training      cross-entropy, torch.optim.Adam(lr), gradient-norm clipping at --clip (0: none,
                  clip_grad_norm_), mini-batches of B series reshuffled every epoch by a seeded
                  torch.Generator, E epochs; no scheduler, no early stopping
    evaluation    test accuracy after the last epoch only

The defaults mirror `examples/07_ucr.rs`, whose `--model auto` picks the model by series length:
up to 100 steps, LSTM with 64 hidden units, the last-and-mean readout, Adam with lr 0.01, batch 16,
100 epochs; longer, LSTM-FCN (`--model lstm-fcn`: the class LstmFcn below, LSTM 8 with dropout 0.8
beside Conv1d blocks of 64/128/64 filters, kernels 8/5/3, padding 'same', BatchNorm1d, ReLU, mean
over time) with Adam at 0.001, the whole training set (up to 128) per batch, 300 epochs. Both
clip the gradient norm at 1 and standardise on the training set.
The issue's plainer recipe is `--readout last --clip 0 --epochs 60`. PyTorch runs on
the CPU with one thread (torch.set_num_threads(1)). Class labels map to indices in the order of the
file's `@classLabel` line. Requires torch only.
"""

import argparse
import json
import os
import time

import torch
from torch import nn


def read_ts(path):
    """Parse a `.ts` file: returns (series float tensor [n, length, dims], labels long [n], classes).

    Assumes (and asserts) equal lengths and no missing values; `@classLabel true a b ...` gives
    the class order.
    """
    classes = None
    in_data = False
    series, labels = [], []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if not line.startswith("@"):
                    raise ValueError(f"{path}:{lineno}: expected a header line before @data")
                words = line.split()
                key = words[0].lower()
                if key == "@classlabel":
                    assert len(words) >= 3 and words[1].lower() == "true", (
                        f"{path}:{lineno}: need `@classLabel true <labels...>`"
                    )
                    classes = words[2:]
                elif key == "@missing":
                    assert words[1].lower() == "false", f"{path}: missing values not supported"
                elif key == "@equallength":
                    assert words[1].lower() == "true", f"{path}: unequal lengths not supported"
                elif key == "@timestamps":
                    assert words[1].lower() == "false", f"{path}: timestamps not supported"
                elif key == "@data":
                    in_data = True
                continue
            assert classes is not None, f"{path}: no @classLabel line before @data"
            fields = line.split(":")
            assert len(fields) >= 2, f"{path}:{lineno}: no class label"
            label = fields[-1].strip()
            assert label in classes, f"{path}:{lineno}: label {label!r} not in {classes}"
            dims = []
            for dim in fields[:-1]:
                values = [v.strip() for v in dim.split(",")]
                assert all(v and v != "?" for v in values), f"{path}:{lineno}: missing value"
                dims.append([float(v) for v in values])
            series.append(dims)
            labels.append(classes.index(label))
    assert in_data and series, f"{path}: no data"
    n_dims = len(series[0])
    length = len(series[0][0])
    for i, s in enumerate(series):
        assert len(s) == n_dims, f"{path}: series {i} has {len(s)} dimensions, expected {n_dims}"
        for d in s:
            assert len(d) == length, f"{path}: series {i} has length {len(d)}, expected {length}"
    values = torch.tensor(series, dtype=torch.float64)  # [n, dims, length]
    assert torch.isfinite(values).all(), f"{path}: non-finite values"
    return values.transpose(1, 2).contiguous(), torch.tensor(labels, dtype=torch.long), classes


def standardise(train, test):
    """Per-feature mean and population std over every step of every training series."""
    flat = train.reshape(-1, train.shape[-1])
    mean = flat.mean(dim=0)
    std = flat.std(dim=0, unbiased=False)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    return ((train - mean) / std).float(), ((test - mean) / std).float()


class Classifier(nn.Module):
    CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}

    def __init__(self, cell, features, hidden, classes, readout):
        super().__init__()
        kwargs = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        self.rnn = self.CELLS[cell](
            input_size=features, hidden_size=hidden, num_layers=1, batch_first=True, **kwargs
        )
        self.readout = readout
        self.head = nn.Linear(2 * hidden if readout == "last-and-mean" else hidden, classes)

    def forward(self, x):
        out, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM returns (h_n, c_n)
        last, mean = h_n[-1], out.mean(dim=1)
        if self.readout == "last":
            return self.head(last)
        if self.readout == "mean":
            return self.head(mean)
        return self.head(torch.cat([last, mean], dim=1))


class LstmFcn(nn.Module):
    """Karim et al. 2017, as `recurrent::model::LstmFcn`: an LSTM's final state (after dropout)
    beside three Conv1d/BatchNorm/ReLU blocks averaged over time, concatenated into a Linear."""

    def __init__(self, features, length, hidden, filters, kernels, classes, dropout, shuffle):
        super().__init__()
        self.shuffle = shuffle
        self.lstm = nn.LSTM(length if shuffle else features, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        blocks, channels = [], features
        for out, kernel in zip(filters, kernels):
            blocks += [
                nn.Conv1d(channels, out, kernel, padding="same"),
                nn.BatchNorm1d(out),
                nn.ReLU(),
            ]
            channels = out
        self.fcn = nn.Sequential(*blocks)
        self.head = nn.Linear(hidden + channels, classes)

    def forward(self, x):  # x: [batch, length, features]
        _, (h_n, _) = self.lstm(x.transpose(1, 2) if self.shuffle else x)
        recurrent = self.dropout(h_n[-1])
        convolutional = self.fcn(x.transpose(1, 2)).mean(dim=2)
        return self.head(torch.cat([recurrent, convolutional], dim=1))


# The example's recipe per model (`examples/07_ucr.rs`, `ModelKind::recipe`): epochs, batch
# (None: the whole training set, up to 128), learning rate.
RECIPES = {"recurrent": (100, 16, 0.01), "lstm-fcn": (300, None, 0.001)}
LONG_SERIES = 100  # `--model auto`: longer series go to LSTM-FCN, as in the example


def model_kind(args, train_x):
    if args.model != "auto":
        return args.model
    return "lstm-fcn" if train_x.shape[1] > LONG_SERIES else "recurrent"


def build(kind, args, train_x, classes):
    features, length = train_x.shape[-1], train_x.shape[1]
    if kind == "recurrent":
        return Classifier(args.cell, features, args.hidden or 64, classes, args.readout)
    return LstmFcn(
        features, length, args.hidden or 8, args.filters, args.kernels, classes,
        args.dropout, args.shuffle,
    )


def run(name, args, seed):
    train_x, train_y, classes = read_ts(os.path.join(args.data_dir, f"{name}_TRAIN.ts"))
    test_x, test_y, test_classes = read_ts(os.path.join(args.data_dir, f"{name}_TEST.ts"))
    assert classes == test_classes, f"{name}: train and test class lists differ"
    assert train_x.shape[1:] == test_x.shape[1:], f"{name}: train and test shapes differ"
    train_x, test_x = standardise(train_x, test_x)

    kind = model_kind(args, train_x)
    n = train_x.shape[0]
    epochs, batch, lr = RECIPES[kind]
    epochs = args.epochs or epochs
    batch = args.batch or batch or min(n, 128)
    lr = args.lr or lr
    torch.manual_seed(seed)
    model = build(kind, args, train_x, len(classes))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(seed)

    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=shuffle)
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            optimiser.zero_grad()
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            loss.backward()
            if args.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimiser.step()
    seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        predicted = model(test_x).argmax(dim=1)
    accuracy = (predicted == test_y).sum().item() / test_y.shape[0]
    return accuracy, seconds, train_x.shape, test_x.shape[0], len(classes), (kind, epochs, batch, lr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["ItalyPowerDemand", "BasicMotions"])
    parser.add_argument("--model", choices=["auto", "recurrent", "lstm-fcn"], default="auto")
    parser.add_argument("--hidden", type=int, help="64 (recurrent) or 8 (LSTM-FCN)")
    parser.add_argument("--lr", type=float, help="the model's recipe: 0.01 or 0.001")
    parser.add_argument("--batch", type=int, help="16, or the training set up to 128")
    parser.add_argument("--epochs", type=int, help="100 or 300")
    parser.add_argument("--filters", type=int, nargs="+", default=[64, 128, 64])
    parser.add_argument("--kernels", type=int, nargs="+", default=[8, 5, 3])
    parser.add_argument("--dropout", type=float, default=0.8, help="LSTM-FCN's, on the LSTM")
    parser.add_argument("--shuffle", action="store_true", help="LSTM-FCN's dimension shuffle")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--readout", choices=["last", "mean", "last-and-mean"], default="last-and-mean")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping, 0 for none")
    parser.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    parser.add_argument("--json", metavar="PATH", help="write the results to this JSON file")
    parser.add_argument("--data-dir", default="tests/data/ucr")
    args = parser.parse_args()

    torch.set_num_threads(1)
    settings = {
        "model": args.model,
        "filters": args.filters,
        "kernels": args.kernels,
        "dropout": args.dropout,
        "shuffle": args.shuffle,
        "cell": args.cell,
        "hidden": args.hidden,
        "lr": args.lr,
        "batch": args.batch,
        "epochs": args.epochs,
        "readout": args.readout,
        "clip": args.clip,
        "seeds": args.seeds,
        "optimizer": "Adam",
        "threads": torch.get_num_threads(),
    }
    print(f"torch {torch.__version__}, {settings}")

    results = {}
    for name in args.datasets:
        accuracies, times = [], []
        for seed in args.seeds:
            accuracy, seconds, shape, n_test, n_classes, recipe = run(name, args, seed)
            if not accuracies:
                print(
                    f"{name}: train {shape[0]} x {shape[1]} steps x {shape[2]} features, "
                    f"test {n_test}, {n_classes} classes; {recipe[0]}, {recipe[1]} epochs, "
                    f"batch {recipe[2]}, lr {recipe[3]}"
                )
            accuracies.append(accuracy)
            times.append(seconds)
            print(f"  seed {seed}: test accuracy {accuracy:.4f}  ({seconds:.2f} s training)")
        mean = sum(accuracies) / len(accuracies)
        print(
            f"{name}: mean {mean:.4f}  min {min(accuracies):.4f}  max {max(accuracies):.4f}  "
            f"[{', '.join(f'{a:.4f}' for a in accuracies)}]"
        )
        results[name] = {
            "recipe": dict(zip(["model", "epochs", "batch", "lr"], recipe)),
            "accuracies": accuracies,
            "mean": mean,
            "min": min(accuracies),
            "max": max(accuracies),
            "seconds": times,
        }

    if args.json:
        out = {"torch": torch.__version__, "settings": settings, "results": results}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
