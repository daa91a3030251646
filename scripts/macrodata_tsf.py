"""Writes tests/data/tsf/macrodata.tsf: the twelve quarterly US macroeconomic series of
statsmodels' `macrodata` dataset (public domain; FRED and the Bureau of Labor Statistics,
1959 Q1 to 2009 Q3, compiled by Skipper Seabold), as one Monash `.tsf` file.

    python3 -m venv /tmp/sm && /tmp/sm/bin/pip install statsmodels
    /tmp/sm/bin/python scripts/macrodata_tsf.py tests/data/tsf/macrodata.tsf
    /tmp/sm/bin/python scripts/macrodata_tsf.py --ets   # ETS and naive MASE, last 8 held out

`--ets` scores the lowest-AICc ExponentialSmoothing of forecast_reference.py and the naive
forecast on the Monash split (the last 8 quarters of each series held out, MASE at lag 4).
"""

import statistics
import sys

import statsmodels
import statsmodels.api as sm


def main(path):
    data = sm.datasets.macrodata.load_pandas().data
    lines = [
        "# Quarterly US macroeconomic series, 1959 Q1 to 2009 Q3: statsmodels "
        f"{statsmodels.__version__} datasets.macrodata",
        "# (public domain; FRED, Federal Reserve Bank of St. Louis, and the Bureau of Labor "
        "Statistics), written by scripts/macrodata_tsf.py.",
        "@relation macrodata",
        "@attribute series_name string",
        "@attribute start_timestamp date",
        "@frequency quarterly",
        "@horizon 8",
        "@missing false",
        "@equallength true",
        "@data",
    ]
    for column in data.columns:
        if column in ("year", "quarter"):
            continue
        values = ",".join(repr(float(v)) for v in data[column])
        lines.append(f"{column}:1959-01-01 00-00-00:{values}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def score_ets():
    import forecast_reference as reference

    data = sm.datasets.macrodata.load_pandas().data
    ets, naive = [], []
    for column in data.columns[2:]:
        values = [float(v) for v in data[column]]
        history, actual = values[:-8], values[-8:]
        ets.append(reference.mase(history, actual, reference.ets(history, 8, 4)[1], 4))
        naive.append(reference.mase(history, actual, [history[-1]] * 8, 4))
        print(f"{column:<10} ETS {ets[-1]:.3f}  naive {naive[-1]:.3f}")
    for name, scores in (("ETS", ets), ("naive", naive)):
        print(f"{name:<6} mean MASE {statistics.mean(scores):.3f}, "
              f"median MASE {statistics.median(scores):.3f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--ets"]:
        score_ets()
    else:
        main(sys.argv[1])
