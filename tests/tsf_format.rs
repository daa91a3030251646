//! The Monash `.tsf` reader: every header field, real files (`tests/data/tsf/`, see its README),
//! and every malformed case with the file, line and problem in its error.

use recurrent::DataError;
use recurrent::data::tsf::{
    AttributeKind, AttributeValue, Frequency, TsfAttribute, TsfDate, TsfProblem, parse_tsf,
    read_tsf,
};

fn tsf(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tsf")
        .join(name)
}

const HEADER: &str = "@relation test\n@attribute series_name string\n@attribute start date\n@frequency daily\n@horizon 3\n@missing true\n@equallength false\n@data\n";

/// The problem and line of parsing `HEADER` and then `data`.
fn problem_of(text: &str) -> (usize, TsfProblem) {
    match parse_tsf(text).unwrap_err() {
        DataError::TsfFormat {
            file,
            line,
            problem,
        } => {
            assert_eq!(file, "<text>");
            (line, problem)
        }
        other => panic!("expected a TsfFormat error, found {other:?}"),
    }
}

#[test]
fn every_header_field_is_read() {
    let text = format!(
        "# a comment\n\n{HEADER}A:2020-02-29 23-59-58:1,2.5,?,-4e2\nB:1999-12-31 00-00-00:7\n"
    );
    let data = parse_tsf(&text).unwrap();
    let header = &data.header;
    assert_eq!(header.relation.as_deref(), Some("test"));
    assert_eq!(
        header.attributes,
        vec![
            TsfAttribute {
                name: "series_name".into(),
                kind: AttributeKind::String
            },
            TsfAttribute {
                name: "start".into(),
                kind: AttributeKind::Date
            },
        ]
    );
    assert_eq!(header.frequency, Some(Frequency::Daily));
    assert_eq!(header.horizon, Some(3));
    assert_eq!(
        (header.missing, header.equal_length),
        (Some(true), Some(false))
    );
    assert_eq!(data.series.len(), 2);
    let a = &data.series[0];
    assert_eq!(a.name, "A");
    assert_eq!(a.values, vec![Some(1.0), Some(2.5), None, Some(-400.0)]);
    assert_eq!(
        a.attributes[1],
        AttributeValue::Date(TsfDate {
            year: 2020,
            month: 2,
            day: 29,
            hour: 23,
            minute: 59,
            second: 58
        })
    );
    assert_eq!(data.series[1].values, vec![Some(7.0)]);
}

#[test]
fn optional_tags_may_be_left_out_and_series_are_named_by_position_without_a_string() {
    let data = parse_tsf("@attribute id numeric\n@data\n1:5,6\n2.5:7\n").unwrap();
    assert_eq!(data.header.relation, None);
    assert_eq!((data.header.frequency, data.header.horizon), (None, None));
    assert_eq!(
        data.series[0].attributes,
        vec![AttributeValue::Numeric(1.0)]
    );
    assert_eq!(data.series[1].name, "series 2");
    // Tags in any case, a byte-order mark and Windows line endings.
    let data = parse_tsf("\u{feff}@ATTRIBUTE name string\r\n@Frequency yearly\r\n@DATA\r\nx:1\r\n")
        .unwrap();
    assert_eq!(data.header.frequency, Some(Frequency::Yearly));
}

#[test]
fn frequencies_parse_from_their_names_and_give_the_archives_seasons() {
    for (frequency, name) in Frequency::ALL.iter().zip(Frequency::NAMES) {
        assert_eq!(name.parse::<Frequency>().unwrap(), *frequency);
        assert_eq!(frequency.to_string(), name);
    }
    let seasons: Vec<usize> = Frequency::ALL.iter().map(|f| f.season()).collect();
    assert_eq!(seasons, vec![1, 1440, 144, 48, 24, 7, 52, 12, 4, 1]);
}

#[test]
fn the_airline_uschange_and_macrodata_files_read_whole() {
    let airline = read_tsf(tsf("airline.tsf")).unwrap();
    assert_eq!(airline.header.frequency, Some(Frequency::Monthly));
    assert_eq!(airline.header.horizon, Some(12));
    let passengers = &airline.series[0];
    assert_eq!(passengers.name, "Passengers");
    assert_eq!(passengers.values.len(), 144);
    assert_eq!(
        passengers.values[..3],
        [Some(112.0), Some(118.0), Some(132.0)]
    );
    assert_eq!(passengers.values[143], Some(432.0));

    let uschange = read_tsf(tsf("uschange.tsf")).unwrap();
    let names: Vec<&str> = uschange.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Consumption",
            "Income",
            "Production",
            "Savings",
            "Unemployment"
        ]
    );
    assert!(uschange.series.iter().all(|s| s.values.len() == 187));
    assert_eq!(uschange.series[0].values[0], Some(0.615986218));
    assert_eq!(uschange.header.frequency.map(Frequency::season), Some(4));
    let macrodata = read_tsf(tsf("macrodata.tsf")).unwrap();
    assert_eq!(macrodata.series.len(), 12);
    assert!(macrodata.series.iter().all(|s| s.values.len() == 203));
    assert_eq!(macrodata.series[0].name, "realgdp");
    assert_eq!(macrodata.series[0].values[0], Some(2710.349));
}

#[test]
fn a_missing_file_is_unreadable_naming_the_path() {
    let err = read_tsf(tsf("no-such.tsf")).unwrap_err();
    assert!(
        matches!(&err, DataError::FileUnreadable { path, .. } if path.ends_with("no-such.tsf")),
        "{err:?}"
    );
}

#[test]
fn each_header_mistake_is_its_own_problem_with_its_line() {
    let cases: Vec<(&str, usize, TsfProblem)> = vec![
        (
            "@relation x\n@colour red\n",
            2,
            TsfProblem::UnknownTag {
                tag: "colour".into(),
            },
        ),
        (
            "@relation\n",
            1,
            TsfProblem::MissingTagValue {
                tag: "relation",
                expected: "a name",
            },
        ),
        (
            "@attribute name\n",
            1,
            TsfProblem::MissingTagValue {
                tag: "attribute",
                expected: "a name and a kind (numeric, string or date)",
            },
        ),
        (
            "@attribute name string extra\n",
            1,
            TsfProblem::UnexpectedTagValue {
                tag: "attribute",
                found: "extra".into(),
            },
        ),
        (
            "@horizon 3 4\n",
            1,
            TsfProblem::UnexpectedTagValue {
                tag: "horizon",
                found: "4".into(),
            },
        ),
        (
            "@horizon 3\n\n@horizon 4\n",
            3,
            TsfProblem::RepeatedTag {
                tag: "horizon",
                first_line: 1,
            },
        ),
        (
            "@missing maybe\n",
            1,
            TsfProblem::InvalidBool {
                tag: "missing",
                found: "maybe".into(),
            },
        ),
        (
            "@equallength yes\n",
            1,
            TsfProblem::InvalidBool {
                tag: "equallength",
                found: "yes".into(),
            },
        ),
        (
            "@horizon 0\n",
            1,
            TsfProblem::InvalidHorizon { found: "0".into() },
        ),
        (
            "@horizon twelve\n",
            1,
            TsfProblem::InvalidHorizon {
                found: "twelve".into(),
            },
        ),
        (
            "@frequency fortnightly\n",
            1,
            TsfProblem::UnknownFrequency {
                found: "fortnightly".into(),
            },
        ),
        (
            "@attribute name text\n",
            1,
            TsfProblem::UnknownAttributeKind {
                name: "name".into(),
                found: "text".into(),
            },
        ),
        (
            "@attribute a string\n@attribute a date\n",
            2,
            TsfProblem::DuplicateAttribute { name: "a".into() },
        ),
        ("@relation x\n@data\n", 2, TsfProblem::NoAttributes),
        (
            "@attribute a string\n@data now\n",
            2,
            TsfProblem::UnexpectedTagValue {
                tag: "data",
                found: "now".into(),
            },
        ),
        (
            "@attribute a string\n@data\nx:1\n@horizon 2\n",
            4,
            TsfProblem::HeaderAfterData {
                tag: "horizon".into(),
            },
        ),
        (
            "@attribute a string\nx:1\n",
            2,
            TsfProblem::DataBeforeHeader,
        ),
        ("@attribute a string\n# no data\n", 2, TsfProblem::NoDataTag),
        ("@attribute a string\n@data\n\n", 3, TsfProblem::NoSeries),
    ];
    for (text, line, problem) in cases {
        assert_eq!(problem_of(text), (line, problem), "{text:?}");
    }
}

#[test]
fn each_series_mistake_is_its_own_problem_with_its_line() {
    let line = HEADER.lines().count() + 1;
    let cases: Vec<(&str, TsfProblem)> = vec![
        (
            "A:1,2\n",
            TsfProblem::FieldCount {
                expected: 3,
                found: 2,
            },
        ),
        (
            "A:2020-01-01 00-00-00:1:2\n",
            TsfProblem::FieldCount {
                expected: 3,
                found: 4,
            },
        ),
        (
            "A:2020-13-01 00-00-00:1\n",
            TsfProblem::InvalidDate {
                name: "start".into(),
                field: 2,
                found: "2020-13-01 00-00-00".into(),
            },
        ),
        (
            "A:2019-02-29 00-00-00:1\n",
            TsfProblem::InvalidDate {
                name: "start".into(),
                field: 2,
                found: "2019-02-29 00-00-00".into(),
            },
        ),
        (
            "A:2020-01-01 00:00:00:1\n",
            TsfProblem::FieldCount {
                expected: 3,
                found: 5,
            },
        ),
        (
            "A:2020-01-01 24-00-00:1\n",
            TsfProblem::InvalidDate {
                name: "start".into(),
                field: 2,
                found: "2020-01-01 24-00-00".into(),
            },
        ),
        (
            "A:2020-01-01 00-00-00:1,x,3\n",
            TsfProblem::InvalidValue {
                position: 2,
                found: "x".into(),
            },
        ),
        (
            "A:2020-01-01 00-00-00:1,inf\n",
            TsfProblem::InvalidValue {
                position: 2,
                found: "inf".into(),
            },
        ),
        (
            "A:2020-01-01 00-00-00:1,,3\n",
            TsfProblem::InvalidValue {
                position: 2,
                found: "".into(),
            },
        ),
        (
            "A:2020-01-01 00-00-00:\n",
            TsfProblem::NoValues { found: "nothing" },
        ),
        (
            "A:2020-01-01 00-00-00:?,?\n",
            TsfProblem::NoValues { found: "only ?" },
        ),
    ];
    for (data, problem) in cases {
        let text = format!("{HEADER}{data}");
        assert_eq!(problem_of(&text), (line, problem), "{data:?}");
    }
    let numeric = "@attribute id numeric\n@data\nseven:1\n";
    assert_eq!(
        problem_of(numeric),
        (
            3,
            TsfProblem::InvalidNumber {
                name: "id".into(),
                field: 1,
                found: "seven".into()
            }
        )
    );
    let strict = "@attribute a string\n@missing false\n@equallength true\n@data\nx:1,2\ny:1,?\n";
    assert_eq!(
        problem_of(strict),
        (6, TsfProblem::UndeclaredMissingValue { position: 2 })
    );
    let equal = "@attribute a string\n@equallength true\n@data\nx:1,2\ny:1,2,3\n";
    assert_eq!(
        problem_of(equal),
        (
            5,
            TsfProblem::UnequalLength {
                expected: 2,
                found: 3
            }
        )
    );
}

#[test]
fn error_messages_name_the_file_the_line_and_what_was_expected_and_found() {
    let err = parse_tsf("@attribute a string\n@data\nx:1:2\n").unwrap_err();
    let message = err.to_string();
    assert_eq!(
        message,
        "<text>: line 3: expected 2 ':'-separated fields (one per @attribute, then the values), found 3"
    );
    let message = parse_tsf("@frequency fortnightly\n")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(
            "<text>: line 1: unknown frequency \"fortnightly\": expected one of 4_seconds,"
        ),
        "{message}"
    );
}
