//! Series CSV files: the six real series of `tests/data/forecasting/` (see its README) read
//! whole, and every mistake as its own `CsvProblem` with the file and line.

use recurrent::DataError;
use recurrent::data::{CsvProblem, SeriesCsvOptions, parse_series_csv, read_series_csv};

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/forecasting")
        .join(name)
}

#[test]
fn the_shared_series_read_whole_with_their_times_and_names() {
    let defaults = SeriesCsvOptions::default();
    // (file, series names, length, first time, first value, last value)
    let cases = [
        (
            "Airline.csv",
            vec!["Passengers"],
            144,
            "1949-01",
            112.0,
            432.0,
        ),
        (
            "ShampooSales.csv",
            vec!["Sales"],
            36,
            "1991-01",
            266.0,
            646.9,
        ),
        (
            "PBS_dataset.csv",
            vec!["Scripts"],
            204,
            "1991 Jul",
            1.0,
            f64::NAN,
        ),
        ("Lynx.csv", vec!["0"], 114, "1821", 269.0, 3396.0),
        (
            "solar.csv",
            vec!["solar_gen"],
            289,
            "2021-05-01 00:00:00+00:00",
            0.0,
            f64::NAN,
        ),
    ];
    for (file, names, length, first_time, first, last) in cases {
        let csv = read_series_csv(data(file), &defaults).unwrap();
        assert_eq!(csv.names, names, "{file}");
        assert_eq!(
            (csv.time.len(), csv.series[0].len()),
            (length, length),
            "{file}"
        );
        assert_eq!(csv.time[0], first_time, "{file}");
        assert_eq!(csv.series[0][0], Some(first), "{file}");
        if !last.is_nan() {
            assert_eq!(csv.series[0][length - 1], Some(last), "{file}");
        }
        assert!(csv.series[0].iter().all(Option::is_some), "{file}");
    }
    // Uschange: an index column, then the quarter, then five variables.
    let options = SeriesCsvOptions {
        time_column: Some(1),
        columns: Some(vec!["Consumption".into(), "Unemployment".into()]),
    };
    let csv = read_series_csv(data("Uschange.csv"), &options).unwrap();
    assert_eq!(csv.names, ["Consumption", "Unemployment"]);
    assert_eq!((csv.time[0].as_str(), csv.time.len()), ("1970 Q1", 187));
    assert_eq!(csv.series[0][0], Some(0.615986218));
    assert_eq!(csv.series[1][0], Some(0.9));
}

#[test]
fn quotes_missing_values_and_no_time_column() {
    let text = "\"a, b\",\"say \"\"hi\"\"\"\n1,\n NA ,2.5\n\n?,-1e3\n";
    let options = SeriesCsvOptions {
        time_column: None,
        columns: None,
    };
    let csv = parse_series_csv(text, &options).unwrap();
    assert_eq!(csv.names, ["a, b", "say \"hi\""]);
    assert!(csv.time.is_empty());
    assert_eq!(csv.series[0], [Some(1.0), None, None]);
    assert_eq!(csv.series[1], [None, Some(2.5), Some(-1000.0)]);
}

fn problem_of(text: &str, options: &SeriesCsvOptions) -> (usize, CsvProblem) {
    match parse_series_csv(text, options).unwrap_err() {
        DataError::CsvFormat {
            file,
            line,
            problem,
        } => {
            assert_eq!(file, "<text>");
            (line, problem)
        }
        other => panic!("expected CsvFormat, found {other:?}"),
    }
}

#[test]
fn each_mistake_is_its_own_problem_with_its_line() {
    let defaults = SeriesCsvOptions::default();
    assert_eq!(problem_of("", &defaults), (1, CsvProblem::Empty));
    assert_eq!(problem_of("t,x\n\n", &defaults), (1, CsvProblem::NoRows));
    assert_eq!(
        problem_of("t,x\n1,2\n2,3,4\n", &defaults),
        (
            3,
            CsvProblem::FieldCount {
                expected: 2,
                found: 3
            }
        )
    );
    assert_eq!(
        problem_of("t,x\n\"1,2\n", &defaults),
        (2, CsvProblem::UnterminatedQuote)
    );
    for bad in ["abc", "inf", "1.2.3"] {
        assert_eq!(
            problem_of(&format!("t,x\n1,2\n2,{bad}\n"), &defaults),
            (
                3,
                CsvProblem::NotANumber {
                    column: 2,
                    name: "x".into(),
                    found: bad.into()
                }
            ),
            "{bad}"
        );
    }
    let far = SeriesCsvOptions {
        time_column: Some(5),
        columns: None,
    };
    assert_eq!(
        problem_of("t,x\n1,2\n", &far),
        (
            1,
            CsvProblem::NoSuchTimeColumn {
                column: 6,
                columns: 2
            }
        )
    );
    let unknown = SeriesCsvOptions {
        time_column: Some(0),
        columns: Some(vec!["y".into()]),
    };
    assert_eq!(
        problem_of("t,x\n1,2\n", &unknown),
        (
            1,
            CsvProblem::UnknownColumn {
                name: "y".into(),
                available: vec!["t".into(), "x".into()]
            }
        )
    );
    assert_eq!(
        problem_of("t\n1\n", &defaults),
        (1, CsvProblem::NoValueColumns)
    );
    let err = parse_series_csv("t,x\n1,oops\n", &defaults).unwrap_err();
    assert_eq!(
        err.to_string(),
        "<text>: line 2: column 2 (\"x\"): expected a finite number or a missing value (empty, NA, NaN, ?), found \"oops\""
    );
    let err = read_series_csv(data("none.csv"), &defaults).unwrap_err();
    assert!(matches!(err, DataError::FileUnreadable { .. }), "{err:?}");
}
