#!/usr/bin/env python3
"""Reference forecasts and metrics on the shared real series, for `recurrent::forecast`.

For each series in `tests/data/forecasting/` it holds out the last `horizon` points (the Monash
protocol), forecasts them with the naive and seasonal-naive baselines and with statsmodels' ETS
(Holt-Winters `ExponentialSmoothing`, the configuration with the lowest AICc among additive or
damped trend and additive or multiplicative season), and scores each with MAE, RMSE, sMAPE and
MASE computed by the formulas below (the Monash archive's):

    sMAPE = 200/h sum |f - y| / (|f| + |y|)            (a step with f = y = 0 counts 0)
    MASE  = MAE / mean_{t>m} |y_t - y_{t-m}|  over the training part, lag 1 when it has <= m points

It writes `tests/fixtures/forecasting/reference.json`, which `tests/forecast_reference.rs` reads
to check that our baselines and metrics give the same numbers, and which docs/forecasting.md
quotes for ETS (the bar a model must come near). Requires statsmodels, numpy and pandas.

Usage: python3 scripts/forecast_reference.py [--out PATH]
"""

import argparse
import csv
import json
import math
import warnings

import numpy as np
import statsmodels
from statsmodels.tsa.holtwinters import ExponentialSmoothing

DATA = "tests/data/forecasting/"
# (file, value column, seasonal lag m, horizon h): the README's protocol.
SERIES = [
    ("Airline.csv", "Passengers", 12, 12),
    ("ShampooSales.csv", "Sales", 12, 12),
    ("PBS_dataset.csv", "Scripts", 12, 12),
    ("Lynx.csv", "0", 1, 6),
    ("Uschange.csv", "Consumption", 4, 8),
    ("Uschange.csv", "Income", 4, 8),
    ("Uschange.csv", "Production", 4, 8),
    ("Uschange.csv", "Savings", 4, 8),
    ("Uschange.csv", "Unemployment", 4, 8),
    ("solar.csv", "solar_gen", 48, 48),
]


def read(file, column):
    with open(DATA + file, newline="", encoding="utf-8") as f:
        return [float(row[column]) for row in csv.DictReader(f)]


def mae(y, f):
    return sum(abs(a - b) for a, b in zip(y, f)) / len(y)


def rmse(y, f):
    return math.sqrt(sum((a - b) ** 2 for a, b in zip(y, f)) / len(y))


def smape(y, f):
    terms = [0.0 if abs(a) + abs(b) == 0 else 200 * abs(b - a) / (abs(a) + abs(b)) for a, b in zip(y, f)]
    return sum(terms) / len(terms)


def mase(history, y, f, m):
    lag = m if len(history) > m else 1
    scale = sum(abs(history[t] - history[t - lag]) for t in range(lag, len(history))) / (len(history) - lag)
    return None if scale == 0 else mae(y, f) / scale


def seasonal_naive(history, h, m):
    last = history[-m:]
    return [last[k % m] for k in range(h)]


def ets(history, h, m):
    """The ExponentialSmoothing fit with the lowest AICc among a few standard configurations."""
    positive = min(history) > 0
    configs = [(trend, damped, seasonal)
               for trend in (None, "add")
               for damped in ((False, True) if trend else (False,))
               for seasonal in ((None, "add", "mul") if m > 1 and len(history) >= 2 * m else (None,))
               if seasonal != "mul" or positive]
    best = None
    for trend, damped, seasonal in configs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ExponentialSmoothing(
                np.asarray(history), trend=trend, damped_trend=damped, seasonal=seasonal,
                seasonal_periods=m if seasonal else None, initialization_method="estimated",
            ).fit()
        if best is None or fit.aicc < best[0]:
            best = (fit.aicc, (trend, damped, seasonal), fit.forecast(h).tolist())
    return best[1], best[2]


def scores(history, y, f, m):
    return {"mae": mae(y, f), "rmse": rmse(y, f), "smape": smape(y, f), "mase": mase(history, y, f, m)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="tests/fixtures/forecasting/reference.json")
    args = parser.parse_args()
    results = []
    for file, column, m, h in SERIES:
        values = read(file, column)
        history, actual = values[:-h], values[-h:]
        naive = [history[-1]] * h
        seasonal = seasonal_naive(history, h, m)
        config, ets_forecast = ets(history, h, m)
        results.append({
            "file": file, "column": column, "season": m, "horizon": h,
            "naive": {"forecast": naive, **scores(history, actual, naive, m)},
            "seasonal_naive": {"forecast": seasonal, **scores(history, actual, seasonal, m)},
            "ets": {"config": {"trend": config[0], "damped": config[1], "seasonal": config[2]},
                    "forecast": ets_forecast, **scores(history, actual, ets_forecast, m)},
        })
        r = results[-1]
        print(f"{file}:{column} m={m} h={h}: MASE naive {r['naive']['mase']:.3f}, "
              f"seasonal naive {r['seasonal_naive']['mase']:.3f}, ETS {r['ets']['mase']:.3f} {config}; "
              f"sMAPE {r['naive']['smape']:.2f} / {r['seasonal_naive']['smape']:.2f} / {r['ets']['smape']:.2f}")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"statsmodels": statsmodels.__version__, "series": results}, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
