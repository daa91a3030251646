//! The `.ts` reader (`recurrent::data::ts`): header fields, every malformed case with its line,
//! missing-value policies, the dimension-major to step-major transpose, unequal lengths, line
//! endings, and the real UCR/UEA files in `tests/data/ucr/`.

use std::path::PathBuf;

use recurrent::DataError;
use recurrent::data::ts::*;
use recurrent::data::{Target, Targets};

/// A header that every small text below shares, so each test adds only what it is about.
const CLASSES: &str = "@classLabel true a b\n@data\n";

fn parse(text: &str) -> Result<TsData, DataError> {
    parse_ts(text, &TsOptions::default())
}

fn parse_with(text: &str, missing: MissingValues) -> Result<TsData, DataError> {
    parse_ts(text, &TsOptions::default().with_missing(missing))
}

/// The line and problem of a text that must fail with a format error.
fn format_error_with(text: &str, missing: MissingValues) -> (usize, TsProblem) {
    match parse_with(text, missing) {
        Err(DataError::TsFormat {
            file,
            line,
            problem,
        }) => {
            assert_eq!(file, "<text>");
            (line, problem)
        }
        other => panic!("expected a TsFormat error for {text:?}, found {other:?}"),
    }
}

fn format_error(text: &str) -> (usize, TsProblem) {
    format_error_with(text, MissingValues::Error)
}

fn header(text: &str) -> TsHeader {
    parse(text).unwrap().header
}

fn ucr(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ucr")
        .join(name)
}

fn class_counts(data: &TsData) -> Vec<usize> {
    let Targets::Class {
        labels,
        num_classes,
    } = data.dataset.targets()
    else {
        panic!("expected class targets, found {:?}", data.dataset.targets());
    };
    let mut counts = vec![0; *num_classes];
    for &label in labels {
        counts[label] += 1;
    }
    counts
}

// ---- header fields ----

#[test]
fn minimal_header_leaves_every_optional_field_unset() {
    let expected = TsHeader {
        problem_name: None,
        timestamps: false,
        missing: None,
        univariate: None,
        dimensions: None,
        equal_length: None,
        series_length: None,
        class_labels: Some(vec!["a".into(), "b".into()]),
        target_label: false,
    };
    assert_eq!(header(&format!("{CLASSES}1,2:a\n")), expected);
}

#[test]
fn problem_name_is_parsed() {
    let text = format!("@problemName ItalyPowerDemand\n{CLASSES}1:a\n");
    assert_eq!(
        header(&text).problem_name.as_deref(),
        Some("ItalyPowerDemand")
    );
}

#[test]
fn timestamps_false_is_parsed() {
    assert!(!header(&format!("@timeStamps false\n{CLASSES}1:a\n")).timestamps);
}

#[test]
fn missing_is_parsed() {
    assert_eq!(
        header(&format!("@missing true\n{CLASSES}1:a\n")).missing,
        Some(true)
    );
    assert_eq!(
        header(&format!("@missing false\n{CLASSES}1:a\n")).missing,
        Some(false)
    );
}

#[test]
fn univariate_is_parsed() {
    assert_eq!(
        header(&format!("@univariate true\n{CLASSES}1:a\n")).univariate,
        Some(true)
    );
    assert_eq!(
        header(&format!("@univariate false\n{CLASSES}1:2:a\n")).univariate,
        Some(false)
    );
}

#[test]
fn dimensions_is_parsed_in_either_spelling() {
    assert_eq!(
        header(&format!("@dimensions 2\n{CLASSES}1:2:a\n")).dimensions,
        Some(2)
    );
    assert_eq!(
        header(&format!("@dimension 3\n{CLASSES}1:2:3:a\n")).dimensions,
        Some(3)
    );
}

#[test]
fn equal_length_is_parsed() {
    assert_eq!(
        header(&format!("@equalLength true\n{CLASSES}1:a\n")).equal_length,
        Some(true)
    );
    assert_eq!(
        header(&format!("@equalLength false\n{CLASSES}1:a\n")).equal_length,
        Some(false)
    );
}

#[test]
fn series_length_is_parsed() {
    let text = format!("@equalLength true\n@seriesLength 2\n{CLASSES}1,2:a\n");
    assert_eq!(header(&text).series_length, Some(2));
}

#[test]
fn class_labels_are_parsed_in_order() {
    let data =
        parse("@classLabel true Standing Running Walking\n@data\n1:Walking\n2:Standing\n").unwrap();
    assert_eq!(data.class_names(), ["Standing", "Running", "Walking"]);
    assert_eq!(data.num_classes(), 3);
    assert_eq!(
        data.dataset.targets(),
        &Targets::Class {
            labels: vec![2, 0],
            num_classes: 3
        }
    );
}

#[test]
fn target_label_gives_real_targets() {
    let data = parse("@classLabel false\n@targetLabel true\n@data\n1,2:0.5\n3:-2e1\n").unwrap();
    assert!(data.header.target_label);
    assert_eq!(data.header.class_labels, None);
    assert!(data.class_names().is_empty());
    assert_eq!(data.num_classes(), 0);
    assert_eq!(
        data.dataset.targets(),
        &Targets::Real {
            values: vec![0.5, -20.0],
            outputs: 1
        }
    );
}

#[test]
fn full_header_is_parsed() {
    let text = "@problemName Full\n@timeStamps false\n@missing true\n@univariate false\n\
                @dimensions 2\n@equalLength true\n@seriesLength 3\n@classLabel true x y\n\
                @targetLabel false\n@data\n1,2,3:4,5,6:y\n";
    let expected = TsHeader {
        problem_name: Some("Full".into()),
        timestamps: false,
        missing: Some(true),
        univariate: Some(false),
        dimensions: Some(2),
        equal_length: Some(true),
        series_length: Some(3),
        class_labels: Some(vec!["x".into(), "y".into()]),
        target_label: false,
    };
    assert_eq!(header(text), expected);
}

// ---- malformed headers ----

#[test]
fn unknown_tag_is_rejected() {
    let (line, problem) =
        format_error("@problemName P\n@colour blue\n@classLabel true a\n@data\n1:a\n");
    assert_eq!(line, 2);
    assert_eq!(
        problem,
        TsProblem::UnknownTag {
            tag: "colour".into()
        }
    );
    assert!(problem.to_string().contains("expected one of @problemName"));
}

#[test]
fn tag_without_value_is_rejected() {
    let (line, problem) = format_error(&format!("@problemName\n{CLASSES}1:a\n"));
    assert_eq!(line, 1);
    assert!(matches!(
        problem,
        TsProblem::MissingTagValue {
            tag: "problemName",
            ..
        }
    ));
    let (line, problem) = format_error(&format!("@missing\n{CLASSES}1:a\n"));
    assert_eq!(line, 1);
    assert!(matches!(
        problem,
        TsProblem::MissingTagValue { tag: "missing", .. }
    ));
    let (line, problem) = format_error(&format!("@seriesLength   \n{CLASSES}1:a\n"));
    assert_eq!(line, 1);
    assert!(matches!(
        problem,
        TsProblem::MissingTagValue {
            tag: "seriesLength",
            ..
        }
    ));
    let (line, problem) = format_error("@classLabel\n@data\n1:a\n");
    assert_eq!(line, 1);
    assert!(matches!(
        problem,
        TsProblem::MissingTagValue {
            tag: "classLabel",
            ..
        }
    ));
}

#[test]
fn bool_that_is_not_true_or_false_is_rejected() {
    let (line, problem) = format_error(&format!("# c\n@univariate yes\n{CLASSES}1:a\n"));
    assert_eq!(line, 2);
    assert_eq!(
        problem,
        TsProblem::InvalidBool {
            tag: "univariate",
            found: "yes".into()
        }
    );
    assert!(
        problem
            .to_string()
            .contains("expected @univariate true or false, found \"yes\"")
    );
    let (_, problem) = format_error("@classLabel maybe a b\n@data\n1:a\n");
    assert!(matches!(
        problem,
        TsProblem::InvalidBool {
            tag: "classLabel",
            ..
        }
    ));
}

#[test]
fn count_that_is_not_a_positive_integer_is_rejected() {
    for value in ["0", "-3", "two", "1.5", "2 3"] {
        let (line, problem) = format_error(&format!("@dimensions {value}\n{CLASSES}1:a\n"));
        assert_eq!(line, 1);
        assert_eq!(
            problem,
            TsProblem::InvalidCount {
                tag: "dimensions",
                found: value.into()
            }
        );
    }
    let (line, problem) = format_error(&format!(
        "@equalLength true\n@seriesLength x\n{CLASSES}1:a\n"
    ));
    assert_eq!(line, 2);
    assert!(matches!(
        problem,
        TsProblem::InvalidCount {
            tag: "seriesLength",
            ..
        }
    ));
}

#[test]
fn repeated_tag_is_rejected() {
    let (line, problem) = format_error(&format!(
        "@missing false\n# c\n@MISSING false\n{CLASSES}1:a\n"
    ));
    assert_eq!(line, 3);
    assert_eq!(
        problem,
        TsProblem::RepeatedTag {
            tag: "missing",
            first_line: 1
        }
    );
}

#[test]
fn header_tag_after_data_is_rejected() {
    let (line, problem) = format_error(&format!("{CLASSES}1:a\n@missing false\n2:b\n"));
    assert_eq!(line, 4);
    assert_eq!(
        problem,
        TsProblem::HeaderAfterData {
            tag: "missing".into()
        }
    );
}

#[test]
fn data_before_the_data_tag_is_rejected() {
    let (line, problem) = format_error("@classLabel true a\n1,2:a\n@data\n1:a\n");
    assert_eq!(line, 2);
    assert_eq!(problem, TsProblem::DataBeforeHeader);
}

#[test]
fn missing_data_tag_is_reported_at_the_last_line() {
    let (line, problem) = format_error("@problemName P\n@classLabel true a\n\n");
    assert_eq!(line, 3);
    assert_eq!(problem, TsProblem::NoDataTag);
    assert_eq!(format_error("").1, TsProblem::NoDataTag);
}

#[test]
fn no_series_is_reported_at_the_data_line() {
    let (line, problem) = format_error("@classLabel true a\n# c\n@data\n\n# only a comment\n");
    assert_eq!(line, 3);
    assert_eq!(problem, TsProblem::NoSeries);
}

#[test]
fn timestamps_are_explicitly_unsupported() {
    let (line, problem) =
        format_error(&format!("@problemName P\n@timeStamps TRUE\n{CLASSES}1:a\n"));
    assert_eq!(line, 2);
    assert_eq!(problem, TsProblem::TimestampsUnsupported);
    assert!(problem.to_string().contains("not supported"));
}

#[test]
fn class_label_true_needs_labels() {
    let (line, problem) = format_error("@classLabel true\n@data\n1:a\n");
    assert_eq!(line, 1);
    assert_eq!(problem, TsProblem::NoClassLabels);
}

#[test]
fn duplicate_class_labels_are_rejected() {
    let (line, problem) = format_error("@problemName P\n@classLabel true a b a\n@data\n1:a\n");
    assert_eq!(line, 2);
    assert_eq!(
        problem,
        TsProblem::DuplicateClassLabel { label: "a".into() }
    );
}

#[test]
fn class_and_target_labels_together_are_rejected() {
    let (line, problem) = format_error("@classLabel true a b\n@targetLabel true\n@data\n1:a\n");
    assert_eq!(line, 2);
    assert_eq!(problem, TsProblem::ClassAndTarget);
    let (line, problem) = format_error("@targetLabel true\n@classLabel true a b\n@data\n1:a\n");
    assert_eq!(line, 2);
    assert_eq!(problem, TsProblem::ClassAndTarget);
}

#[test]
fn file_without_labels_is_rejected_at_the_data_line() {
    let (line, problem) =
        format_error("@problemName P\n@classLabel false\n@targetLabel false\n@data\n1\n");
    assert_eq!(line, 4);
    assert_eq!(problem, TsProblem::NoLabels);
    assert!(problem.to_string().contains("no class or target labels"));
    assert_eq!(format_error("@data\n1:2\n"), (1, TsProblem::NoLabels));
}

#[test]
fn univariate_contradicting_dimensions_is_rejected() {
    let (line, problem) = format_error(&format!("@univariate true\n@dimensions 3\n{CLASSES}1:a\n"));
    assert_eq!(line, 2);
    assert_eq!(problem, TsProblem::UnivariateDimensions { dimensions: 3 });
    let (line, problem) = format_error(&format!("@dimensions 2\n@univariate true\n{CLASSES}1:a\n"));
    assert_eq!(line, 2);
    assert_eq!(problem, TsProblem::UnivariateDimensions { dimensions: 2 });
}

#[test]
fn text_after_a_tag_that_takes_none_is_rejected() {
    let (line, problem) = format_error("@classLabel true a\n@data now\n1:a\n");
    assert_eq!(line, 2);
    assert!(matches!(
        problem,
        TsProblem::UnexpectedTagValue { tag: "data", .. }
    ));
    let (line, problem) = format_error("@classLabel false a b\n@targetLabel true\n@data\n1:1\n");
    assert_eq!(line, 1);
    assert_eq!(
        problem,
        TsProblem::UnexpectedTagValue {
            tag: "classLabel",
            found: "a b".into()
        }
    );
}

// ---- series against the header ----

#[test]
fn dimension_count_is_checked_against_dimensions() {
    let (line, problem) = format_error(&format!("@dimensions 2\n{CLASSES}1:2:a\n1:2:3:b\n"));
    assert_eq!(line, 5);
    assert_eq!(
        problem,
        TsProblem::DimensionCount {
            expected: 2,
            expected_from: "@dimensions",
            found: 3
        }
    );
    assert!(
        problem
            .to_string()
            .contains("expected 2 dimensions (from @dimensions), found 3")
    );
}

#[test]
fn dimension_count_is_checked_against_univariate() {
    let (line, problem) = format_error(&format!("@univariate true\n{CLASSES}1,2:3,4:a\n"));
    assert_eq!(line, 4);
    assert_eq!(
        problem,
        TsProblem::DimensionCount {
            expected: 1,
            expected_from: "@univariate true",
            found: 2
        }
    );
    assert_eq!(
        problem.to_string(),
        "expected 1 dimension (from @univariate true), found 2"
    );
}

#[test]
fn dimension_count_is_checked_against_the_first_series() {
    let (line, problem) = format_error(&format!("{CLASSES}1:2:a\n\n1:b\n"));
    assert_eq!(line, 5);
    assert_eq!(
        problem,
        TsProblem::DimensionCount {
            expected: 2,
            expected_from: "the first series",
            found: 1
        }
    );
}

#[test]
fn series_without_label_is_rejected() {
    let (line, problem) = format_error(&format!("{CLASSES}1,2,3\n"));
    assert_eq!(line, 3);
    assert_eq!(problem, TsProblem::MissingLabel);
}

#[test]
fn unknown_class_label_names_it_and_the_allowed_ones() {
    let (line, problem) = format_error(&format!("{CLASSES}1:a\n2:c\n"));
    assert_eq!(line, 4);
    assert_eq!(
        problem,
        TsProblem::UnknownClass {
            label: "c".into(),
            allowed: vec!["a".into(), "b".into()]
        }
    );
    let message = problem.to_string();
    assert!(
        message.contains("\"c\"") && message.contains("[\"a\", \"b\"]"),
        "{message}"
    );
}

#[test]
fn regression_target_must_be_a_finite_number() {
    for target in ["abc", "inf", "?", "NaN", ""] {
        let (line, problem) =
            format_error(&format!("@targetLabel true\n@data\n1:2\n1,2:{target}\n"));
        assert_eq!(line, 4);
        assert_eq!(
            problem,
            TsProblem::InvalidTarget {
                found: target.into()
            }
        );
    }
}

#[test]
fn value_that_is_not_a_number_names_dimension_and_position() {
    let (line, problem) = format_error(&format!("{CLASSES}1,2:3,x4,5:a\n"));
    assert_eq!(line, 3);
    assert_eq!(
        problem,
        TsProblem::NotANumber {
            dimension: 2,
            position: 2,
            found: "x4".into()
        }
    );
    assert!(
        problem
            .to_string()
            .contains("expected a number at dimension 2, position 2, found \"x4\"")
    );
    // A trailing comma leaves an empty value.
    let (_, problem) = format_error(&format!("{CLASSES}1,2,:a\n"));
    assert!(matches!(problem, TsProblem::NotANumber { position: 3, .. }));
}

#[test]
fn infinite_values_are_rejected() {
    for value in ["inf", "-Infinity", "1e39"] {
        let (line, problem) = format_error(&format!("{CLASSES}1,{value}:a\n"));
        assert_eq!(line, 3);
        assert_eq!(
            problem,
            TsProblem::InfiniteValue {
                dimension: 1,
                position: 2,
                found: value.into()
            }
        );
    }
}

#[test]
fn missing_value_under_missing_false_is_rejected_whatever_the_policy() {
    let text = format!("@missing false\n{CLASSES}1,2:a\n1,?:b\n");
    for policy in [
        MissingValues::Error,
        MissingValues::Fill(0.0),
        MissingValues::Interpolate,
    ] {
        let (line, problem) = format_error_with(&text, policy);
        assert_eq!(line, 5);
        assert_eq!(
            problem,
            TsProblem::UndeclaredMissingValue {
                dimension: 1,
                position: 2,
                found: "?".into()
            }
        );
    }
}

#[test]
fn missing_value_under_the_default_policy_is_rejected() {
    let (line, problem) = format_error(&format!("@missing true\n{CLASSES}1:2,3,NaN:a\n"));
    assert_eq!(line, 4);
    assert_eq!(
        problem,
        TsProblem::MissingValueRejected {
            dimension: 2,
            position: 3,
            found: "NaN".into()
        }
    );
    let (line, problem) = format_error(&format!("{CLASSES}?:a\n"));
    assert_eq!(line, 3);
    assert!(matches!(
        problem,
        TsProblem::MissingValueRejected {
            dimension: 1,
            position: 1,
            ..
        }
    ));
}

#[test]
fn equal_length_true_rejects_series_of_other_lengths() {
    let (line, problem) = format_error(&format!("@equalLength true\n{CLASSES}1,2,3:a\n1,2:b\n"));
    assert_eq!(line, 5);
    assert_eq!(
        problem,
        TsProblem::UnequalLength {
            expected: 3,
            found: 2
        }
    );
    let (_, problem) = format_error(&format!("@equalLength true\n{CLASSES}1:a\n1,2:b\n"));
    assert_eq!(
        problem.to_string(),
        "@equalLength true: expected 1 value per dimension like the first series, found 2"
    );
}

#[test]
fn series_length_is_checked_under_equal_length() {
    let (line, problem) = format_error(&format!(
        "@equalLength true\n@seriesLength 3\n{CLASSES}1,2,3:a\n1,2,3,4:b\n"
    ));
    assert_eq!(line, 6);
    assert_eq!(
        problem,
        TsProblem::SeriesLength {
            expected: 3,
            found: 4
        }
    );
    assert!(
        problem
            .to_string()
            .contains("expected 3 values per dimension (from @seriesLength), found 4")
    );
    let (_, problem) = format_error(&format!(
        "@equalLength true\n@seriesLength 1\n{CLASSES}1,2:a\n"
    ));
    assert_eq!(
        problem.to_string(),
        "expected 1 value per dimension (from @seriesLength), found 2"
    );
    // Without @equalLength true, @seriesLength is informative only.
    let data = parse(&format!(
        "@equalLength false\n@seriesLength 3\n{CLASSES}1,2:a\n"
    ))
    .unwrap();
    assert_eq!(data.dataset.lengths(), [2]);
}

#[test]
fn dimensions_of_different_lengths_are_unsupported() {
    let (line, problem) = format_error(&format!("{CLASSES}1,2,3:4,5,6:7,8:a\n"));
    assert_eq!(line, 3);
    assert_eq!(
        problem,
        TsProblem::RaggedDimensions {
            dimension: 3,
            expected: 3,
            found: 2
        }
    );
    assert!(problem.to_string().contains("not supported"));
    let (_, problem) = format_error(&format!("{CLASSES}1,2:3:a\n"));
    assert_eq!(
        problem.to_string(),
        "dimension 2 has 1 value, expected 2 like dimension 1 (dimensions of different lengths within a series are not supported)"
    );
}

#[test]
fn empty_dimension_is_rejected() {
    let (line, problem) = format_error(&format!("{CLASSES}1,2: :a\n"));
    assert_eq!(line, 3);
    assert_eq!(problem, TsProblem::EmptyDimension { dimension: 2 });
    let (_, problem) = format_error(&format!("{CLASSES}:a\n"));
    assert_eq!(problem, TsProblem::EmptyDimension { dimension: 1 });
}

// ---- missing-value policies ----

#[test]
fn fill_replaces_missing_values() {
    let text = format!("@missing true\n{CLASSES}1,?,3:?,NaN,6:a\n");
    let data = parse_with(&text, MissingValues::Fill(-1.5)).unwrap();
    assert_eq!(data.dataset.sequence(0), [1.0, -1.5, -1.5, -1.5, 3.0, 6.0]);
}

#[test]
fn interpolate_fills_gaps_linearly() {
    let text = format!("{CLASSES}1,?,3:a\n0,?,?,3:b\n10,?,?,?,20:a\n");
    let data = parse_with(&text, MissingValues::Interpolate).unwrap();
    assert_eq!(data.dataset.sequence(0), [1.0, 2.0, 3.0]);
    assert_eq!(data.dataset.sequence(1), [0.0, 1.0, 2.0, 3.0]);
    assert_eq!(data.dataset.sequence(2), [10.0, 12.5, 15.0, 17.5, 20.0]);
}

#[test]
fn interpolate_holds_the_nearest_value_at_the_edges() {
    let text = format!("{CLASSES}?,?,2,?,4,?:a\n?,7:b\n");
    let data = parse_with(&text, MissingValues::Interpolate).unwrap();
    assert_eq!(data.dataset.sequence(0), [2.0, 2.0, 2.0, 3.0, 4.0, 4.0]);
    assert_eq!(data.dataset.sequence(1), [7.0, 7.0]);
}

#[test]
fn interpolate_works_per_dimension() {
    let text = format!("{CLASSES}1,?,5:?,8,?:a\n");
    let data = parse_with(&text, MissingValues::Interpolate).unwrap();
    // Step-major: [d1, d2] per step.
    assert_eq!(data.dataset.sequence(0), [1.0, 8.0, 3.0, 8.0, 5.0, 8.0]);
}

#[test]
fn interpolate_needs_a_present_value() {
    let (line, problem) = format_error_with(
        &format!("{CLASSES}1,2:3,4:a\n1,2:?,NaN:b\n"),
        MissingValues::Interpolate,
    );
    assert_eq!(line, 4);
    assert_eq!(problem, TsProblem::NothingToInterpolate { dimension: 2 });
}

// ---- shapes ----

#[test]
fn multivariate_series_are_transposed_to_step_major() {
    let text = format!("@dimensions 2\n{CLASSES}1,2,3:4,5,6:b\n-1,-2,-3:0.25,0.5,0.75:a\n");
    let data = parse(&text).unwrap();
    assert_eq!(data.dataset.num_features(), 2);
    assert_eq!(data.dataset.lengths(), [3, 3]);
    assert!(data.dataset.is_equal_length());
    assert_eq!(data.dataset.sequence(0), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    assert_eq!(
        data.dataset.sequence(1),
        [-1.0, 0.25, -2.0, 0.5, -3.0, 0.75]
    );
    assert_eq!(
        data.dataset.targets(),
        &Targets::Class {
            labels: vec![1, 0],
            num_classes: 2
        }
    );
}

#[test]
fn unequal_lengths_keep_each_series_length() {
    let text =
        format!("@equalLength false\n@dimensions 2\n{CLASSES}1,2,3:4,5,6:a\n7:8:b\n9,10:11,12:a\n");
    let data = parse(&text).unwrap();
    assert_eq!(data.dataset.lengths(), [3, 1, 2]);
    assert!(!data.dataset.is_equal_length());
    assert_eq!(data.dataset.seq_len(), 3);
    assert_eq!(data.dataset.sequence(1), [7.0, 8.0]);
    assert_eq!(data.dataset.sequence(2), [9.0, 11.0, 10.0, 12.0]);
}

#[test]
fn windows_line_endings_are_accepted() {
    let text = "# comment\r\n@problemName P\r\n@dimensions 2\r\n@classLabel true a b\r\n@data\r\n1,2:3,4:b\r\n\r\n5,6:7,8:a\r\n";
    let data = parse(text).unwrap();
    assert_eq!(data.header.problem_name.as_deref(), Some("P"));
    assert_eq!(data.dataset.len(), 2);
    assert_eq!(data.dataset.sequence(0), [1.0, 3.0, 2.0, 4.0]);
    assert_eq!(data.class_names(), ["a", "b"]);
    assert_eq!(
        data.dataset.targets(),
        &Targets::Class {
            labels: vec![1, 0],
            num_classes: 2
        }
    );
    // The line numbers of errors count CRLF lines the same way.
    let (line, problem) = format_error("@classLabel true a\r\n@data\r\n1:a\r\n1:z\r\n");
    assert_eq!(line, 4);
    assert!(matches!(problem, TsProblem::UnknownClass { .. }));
}

#[test]
fn comments_and_blank_lines_may_appear_anywhere() {
    let text = "# first\n\n@problemName P\n# between tags\n   # indented\n@classLabel true a b\n\
                # just before data\n@data\n# among series\n1,2:a\n\n   \n3,4:b\n";
    let data = parse(text).unwrap();
    assert_eq!(data.dataset.len(), 2);
    assert_eq!(data.dataset.sequence(1), [3.0, 4.0]);
}

#[test]
fn tags_and_booleans_are_case_insensitive() {
    let text = "@PROBLEMNAME Caps\n@TimeStamps FALSE\n@MISSING True\n@Univariate FALSE\n\
                @DIMENSIONS 2\n@equallength TRUE\n@SERIESLENGTH 1\n@CLASSLABEL TRUE Up down\n\
                @TargetLabel false\n@DATA\n1:2:down\n";
    let data = parse(text).unwrap();
    let expected = TsHeader {
        problem_name: Some("Caps".into()),
        timestamps: false,
        missing: Some(true),
        univariate: Some(false),
        dimensions: Some(2),
        equal_length: Some(true),
        series_length: Some(1),
        // Labels keep their case: they are data, not tags.
        class_labels: Some(vec!["Up".into(), "down".into()]),
        target_label: false,
    };
    assert_eq!(data.header, expected);
    assert_eq!(
        data.dataset.targets(),
        &Targets::Class {
            labels: vec![1],
            num_classes: 2
        }
    );
}

#[test]
fn whitespace_around_values_and_labels_is_ignored() {
    let data = parse("\u{feff}@classLabel true a b\n@data\n  1 , 2 : 3 , 4 : b  \n").unwrap();
    assert_eq!(data.dataset.sequence(0), [1.0, 3.0, 2.0, 4.0]);
}

/// No input makes the parser panic: small texts of the format's own characters, mutated
/// deterministically.
#[test]
fn arbitrary_input_never_panics() {
    let seeds = [
        "",
        ":",
        "@",
        "@data",
        "@data\n:",
        "@classLabel true a\n@data\n:a",
        "@classLabel true a\n@data\n,:a",
        "@targetLabel true\n@data\n?:?",
        "@classLabel true a b\n@missing true\n@dimensions 2\n@data\n1,?,3:4,5,?:a\n",
    ];
    let alphabet: Vec<char> = "@:,?#\n\r 1.-eaNtrufls\u{feff}".chars().collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        // xorshift64: deterministic, no dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for seed in seeds {
        for _ in 0..300 {
            let mut text: Vec<char> = seed.chars().collect();
            for _ in 0..1 + next(4) {
                let at = next(text.len() + 1);
                match next(3) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    _ => text.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            let text: String = text.into_iter().collect();
            for policy in [
                MissingValues::Error,
                MissingValues::Fill(0.0),
                MissingValues::Interpolate,
            ] {
                let _ = parse_with(&text, policy);
            }
        }
    }
}

// ---- files ----

#[test]
fn missing_file_is_unreadable() {
    let path = ucr("NoSuchProblem_TRAIN.ts");
    match read_ts(&path) {
        Err(DataError::FileUnreadable { path: found, .. }) => assert_eq!(found, path),
        other => panic!("expected DataFileUnreadable, found {other:?}"),
    }
}

#[test]
fn errors_in_files_name_the_file() {
    let path = std::env::temp_dir().join(format!("recurrent_ts_bad_{}.ts", std::process::id()));
    std::fs::write(&path, "@classLabel true a\n@data\n1:a\n1,x:a\n").unwrap();
    let result = read_ts(&path);
    std::fs::remove_file(&path).unwrap();
    match result {
        Err(DataError::TsFormat {
            file,
            line,
            problem,
        }) => {
            assert_eq!(file, path.display().to_string());
            assert_eq!(line, 4);
            assert!(matches!(problem, TsProblem::NotANumber { .. }));
        }
        other => panic!("expected TsFormat, found {other:?}"),
    }
}

/// The first series of a file, read independently of the reader: one `Vec` per dimension,
/// and the label.
fn first_series_in_text(name: &str) -> (Vec<Vec<f32>>, String) {
    let text = std::fs::read_to_string(ucr(name)).unwrap();
    let line = text
        .lines()
        .skip_while(|line| !line.eq_ignore_ascii_case("@data"))
        .nth(1)
        .unwrap();
    let mut fields: Vec<&str> = line.split(':').collect();
    let label = fields.pop().unwrap().to_string();
    let dimensions = fields
        .iter()
        .map(|field| field.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (dimensions, label)
}

/// Checks the dataset's first series against the file text, step-major.
fn assert_first_series_matches_text(data: &TsData, name: &str) {
    let (dimensions, label) = first_series_in_text(name);
    let first = data.dataset.sequence(0);
    assert_eq!(first.len(), dimensions.len() * dimensions[0].len());
    for (d, values) in dimensions.iter().enumerate() {
        for (t, value) in values.iter().enumerate() {
            assert_eq!(
                first[t * dimensions.len() + d],
                *value,
                "dimension {d}, step {t}"
            );
        }
    }
    let class = data.class_names().iter().position(|c| *c == label).unwrap();
    assert_eq!(data.dataset.get(0).unwrap().target, Target::Class(class));
}

#[test]
fn italy_power_demand_train() {
    let data = read_ts(ucr("ItalyPowerDemand_TRAIN.ts")).unwrap();
    assert_eq!(
        data.header.problem_name.as_deref(),
        Some("ItalyPowerDemand")
    );
    assert_eq!(data.header.series_length, Some(24));
    assert_eq!(data.header.missing, Some(false));
    assert_eq!(data.dataset.len(), 67);
    assert_eq!(data.dataset.num_features(), 1);
    assert_eq!(data.dataset.seq_len(), 24);
    assert!(data.dataset.is_equal_length());
    assert_eq!(data.class_names(), ["1", "2"]);
    assert_eq!(class_counts(&data), [34, 33]);
    // The first line after @data begins -0.71051757,-1.1833204 and ends with class 1.
    assert_eq!(
        data.dataset.sequence(0)[..2],
        [
            "-0.71051757".parse::<f32>().unwrap(),
            "-1.1833204".parse().unwrap()
        ]
    );
    assert_eq!(data.dataset.get(0).unwrap().target, Target::Class(0));
    assert_first_series_matches_text(&data, "ItalyPowerDemand_TRAIN.ts");
}

#[test]
fn italy_power_demand_test() {
    let data = read_ts(ucr("ItalyPowerDemand_TEST.ts")).unwrap();
    assert_eq!(data.dataset.len(), 1029);
    assert_eq!(data.dataset.num_features(), 1);
    assert_eq!(data.dataset.seq_len(), 24);
    assert_eq!(data.class_names(), ["1", "2"]);
    assert_eq!(class_counts(&data), [513, 516]);
    assert_first_series_matches_text(&data, "ItalyPowerDemand_TEST.ts");
    // The last series ends with -0.0025421181 and class 2.
    assert_eq!(
        data.dataset.sequence(1028)[23],
        "-0.0025421181".parse::<f32>().unwrap()
    );
    assert_eq!(data.dataset.get(1028).unwrap().target, Target::Class(1));
}

#[test]
fn basic_motions_train() {
    let data = read_ts(ucr("BasicMotions_TRAIN.ts")).unwrap();
    assert_eq!(data.header.problem_name.as_deref(), Some("BasicMotions"));
    assert_eq!(data.header.dimensions, Some(6));
    assert_eq!(data.header.univariate, Some(false));
    assert_eq!(data.dataset.len(), 40);
    assert_eq!(data.dataset.num_features(), 6);
    assert_eq!(data.dataset.seq_len(), 100);
    assert!(data.dataset.is_equal_length());
    assert_eq!(
        data.class_names(),
        ["Standing", "Running", "Walking", "Badminton"]
    );
    assert_eq!(class_counts(&data), [10, 10, 10, 10]);
    // Step 0 holds the first value of each of the six dimensions (the file's text:
    // 0.079106,... : 0.394032,... : 0.551444,... : 0.351565,... : 0.02397,... : 0.633883,...).
    assert_eq!(
        data.dataset.sequence(0)[..6],
        [0.079106, 0.394032, 0.551444, 0.351565, 0.02397, 0.633883]
    );
    assert_eq!(data.dataset.get(0).unwrap().target, Target::Class(0));
    assert_first_series_matches_text(&data, "BasicMotions_TRAIN.ts");
}

#[test]
fn basic_motions_test() {
    let data = read_ts(ucr("BasicMotions_TEST.ts")).unwrap();
    assert_eq!(data.dataset.len(), 40);
    assert_eq!(data.dataset.num_features(), 6);
    assert_eq!(data.dataset.seq_len(), 100);
    assert_eq!(
        data.class_names(),
        ["Standing", "Running", "Walking", "Badminton"]
    );
    assert_eq!(class_counts(&data), [10, 10, 10, 10]);
    assert_first_series_matches_text(&data, "BasicMotions_TEST.ts");
    // The last series (Badminton) ends with these six values at step 99.
    assert_eq!(
        data.dataset.sequence(39)[594..],
        [
            -2.074749, -6.892377, 4.848379, -1.35033, -1.203844, -1.77647
        ]
    );
    assert_eq!(data.dataset.get(39).unwrap().target, Target::Class(3));
}

/// The two long univariate series of issue 17, with their class counts (the `.ts` files' own).
#[test]
fn arrow_head_and_osu_leaf_read_with_their_classes() {
    for (file, len, seq_len, classes, counts) in [
        ("ArrowHead_TRAIN.ts", 36, 251, 3, vec![12, 12, 12]),
        ("ArrowHead_TEST.ts", 175, 251, 3, vec![69, 53, 53]),
        (
            "OSULeaf_TRAIN.ts",
            200,
            427,
            6,
            vec![34, 29, 33, 53, 36, 15],
        ),
        ("OSULeaf_TEST.ts", 242, 427, 6, vec![32, 55, 42, 44, 46, 23]),
    ] {
        let data = read_ts(ucr(file)).unwrap();
        assert_eq!(data.dataset.len(), len, "{file}");
        assert_eq!(data.dataset.num_features(), 1, "{file}");
        assert_eq!(data.dataset.seq_len(), seq_len, "{file}");
        assert!(data.dataset.is_equal_length(), "{file}");
        assert_eq!(data.class_names().len(), classes, "{file}");
        assert_eq!(class_counts(&data), counts, "{file}");
        assert_first_series_matches_text(&data, file);
    }
}
