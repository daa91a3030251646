//! The tests' own tolerance check, `common::assert_close`: it passes within the tolerance and
//! fails outside it, on a NaN or an infinity on one side only, and on a shape mismatch.

mod common;

use burn::tensor::{Tensor, TensorData};
use common::{Array, assert_close, default_cpu};

fn tensor(values: &[f32]) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [1, values.len()]),
        &default_cpu(),
    )
}

fn array(values: &[f32]) -> Array {
    Array {
        values: values.to_vec(),
        shape: vec![1, values.len()],
    }
}

#[test]
fn passes_within_the_tolerance() {
    // Absolute near zero, relative for large values: 1e-5 + 1e-5 * |expected|.
    assert_close(
        "within",
        tensor(&[1.0, -2.0, 0.0, 1000.0]),
        &array(&[1.000_009, -2.000_02, 0.000_009, 1000.009]),
        1e-5,
    );
    assert_close("exact", tensor(&[0.5, -0.25]), &array(&[0.5, -0.25]), 0.0);
}

#[test]
#[should_panic(expected = "element 1 differs by")]
fn fails_outside_the_tolerance() {
    assert_close(
        "outside",
        tensor(&[1.0, 2.0, 3.0]),
        &array(&[1.0, 2.001, 3.0]),
        1e-5,
    );
}

#[test]
#[should_panic(expected = "element 2 differs by")]
fn fails_on_the_worst_element_when_zero_tolerance_is_asked() {
    assert_close(
        "zero tolerance",
        tensor(&[1.0, 2.0, 3.0]),
        &array(&[1.0, 2.0, 3.000_001]),
        0.0,
    );
}

#[test]
#[should_panic(expected = "element 1 is 2, expected NaN")]
fn fails_on_a_nan_expected() {
    assert_close(
        "nan expected",
        tensor(&[1.0, 2.0]),
        &array(&[1.0, f32::NAN]),
        1e-5,
    );
}

#[test]
#[should_panic(expected = "element 0 is NaN, expected 1")]
fn fails_on_a_nan_actual() {
    assert_close(
        "nan actual",
        tensor(&[f32::NAN, 2.0]),
        &array(&[1.0, 2.0]),
        1e-5,
    );
}

#[test]
#[should_panic(expected = "element 0 is inf, expected 1")]
fn fails_on_an_infinite_actual() {
    assert_close("inf", tensor(&[f32::INFINITY]), &array(&[1.0]), 1e-5);
}

#[test]
#[should_panic(expected = "element 0 is -inf, expected inf")]
fn fails_on_infinities_of_opposite_signs() {
    assert_close(
        "inf",
        tensor(&[f32::NEG_INFINITY]),
        &array(&[f32::INFINITY]),
        1e-5,
    );
}

#[test]
#[should_panic(expected = "over the tolerance")]
fn fails_on_finite_values_too_far_apart_to_subtract() {
    assert_close("huge", tensor(&[f32::MAX]), &array(&[-f32::MAX]), 1e-5);
}

#[test]
#[should_panic(expected = "shape")]
fn fails_on_a_shape_mismatch() {
    let expected = Array {
        values: vec![1.0, 2.0],
        shape: vec![2, 1],
    };
    assert_close("shape", tensor(&[1.0, 2.0]), &expected, 1e-5);
}

#[test]
#[should_panic(expected = "number of values")]
fn fails_when_the_expected_values_do_not_fill_their_shape() {
    let expected = Array {
        values: vec![1.0],
        shape: vec![1, 2],
    };
    assert_close("short", tensor(&[1.0, 2.0]), &expected, 1e-5);
}

#[test]
fn passes_where_both_are_nan_or_the_same_infinity() {
    assert_close(
        "non-finite on both sides",
        tensor(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0]),
        &array(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0]),
        1e-5,
    );
}
