//! Helpers shared by the integration tests: the CPU devices compiled in, fixture reading, and
//! a tolerance check.
#![allow(dead_code)]

pub mod parity;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::store::{ModuleStore, SafetensorsStore, bridge};
use burn::tensor::{Device, Tensor, TensorData};

/// Every CPU backend this build has, by name. CI runs the tests with both features on.
pub fn cpu_devices() -> Vec<(&'static str, Device)> {
    let devices: Vec<_> = recurrent::device::available()
        .into_iter()
        .filter(|name| *name != "wgpu")
        .map(|name| {
            (
                name,
                recurrent::device::from_name(name).expect("a compiled-in backend"),
            )
        })
        .collect();
    assert!(
        !devices.is_empty(),
        "no CPU backend compiled in: enable the `flex` or `ndarray` feature"
    );
    devices
}

/// Every device a module on `reference` can move to, other than `reference` itself, with the
/// tolerance to compare its numbers against `reference`'s: the other CPU backends compiled in,
/// the autodiff variant of every CPU backend (which runs the fused kernel's tracked path, not
/// the inference one) and, with the `wgpu` feature, wgpu and its autodiff variant (GPUs
/// reorder float sums: 1e-4). Never empty: the reference's autodiff variant is always there.
pub fn other_devices(reference: &Device) -> Vec<(String, Device, f32)> {
    let mut targets = Vec::new();
    for (name, device) in cpu_devices() {
        targets.push((name.to_string(), device.clone(), 1e-6));
        targets.push((format!("{name} (autodiff)"), device.autodiff(), 1e-6));
    }
    #[cfg(feature = "wgpu")]
    {
        let wgpu = recurrent::device::from_name("wgpu").unwrap_or_else(|e| panic!("{e}"));
        targets.push(("wgpu".to_string(), wgpu.clone(), 1e-4));
        targets.push(("wgpu (autodiff)".to_string(), wgpu.autodiff(), 1e-4));
    }
    targets.retain(|(_, device, _)| device != reference);
    assert!(
        !targets.is_empty(),
        "no device to move to other than {reference:?}"
    );
    targets
}

/// The default CPU backend (flex when compiled in): tests pin it, because with the `wgpu`
/// feature `Device::default()` is the GPU.
pub fn default_cpu() -> Device {
    cpu_devices()[0].1.clone()
}

/// A scratch folder under cargo's per-target temporary directory, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytorch")
}

/// A tensor read from a fixture: its values and shape.
#[derive(Clone, Debug)]
pub struct Array {
    pub values: Vec<f32>,
    pub shape: Vec<usize>,
}

impl Array {
    pub fn tensor<const D: usize>(&self, device: &Device) -> Tensor<D> {
        Tensor::from_data(
            TensorData::new(self.values.clone(), self.shape.clone()),
            device,
        )
    }
}

/// Reads every tensor of a safetensors file (through burn-store, as the crate does).
pub fn read_safetensors(path: &Path) -> BTreeMap<String, Array> {
    let mut store = SafetensorsStore::from_file(path);
    let tensors = store
        .get_all_tensors()
        .unwrap_or_else(|e| panic!("reading {path:?}: {e}"));
    tensors
        .iter()
        .map(|(name, t)| {
            let data = bridge::to_data(t).unwrap_or_else(|e| panic!("{name} in {path:?}: {e}"));
            let values = data
                .try_to_vec::<f32>()
                .unwrap_or_else(|e| panic!("{name} in {path:?}: {e:?}"));
            (
                name.clone(),
                Array {
                    values,
                    shape: t.shape.to_vec(),
                },
            )
        })
        .collect()
}

pub fn values<const D: usize>(tensor: Tensor<D>) -> (Vec<f32>, Vec<usize>) {
    let shape = tensor.dims().to_vec();
    let data = tensor.into_data().convert::<f32>();
    (data.try_to_vec::<f32>().expect("f32 data"), shape)
}

/// Asserts equal shapes and `|actual - expected| <= tol + tol * |expected|` element-wise.
///
/// A NaN passes only where both are NaN, an infinity only where both are the same infinity;
/// any other non-finite value on either side fails, whatever the tolerance.
pub fn assert_close<const D: usize>(what: &str, actual: Tensor<D>, expected: &Array, tol: f32) {
    let (actual, shape) = values(actual);
    assert_close_values(what, &actual, &shape, expected, tol);
}

/// [`assert_close`] on plain values of the given shape.
pub fn assert_close_values(
    what: &str,
    actual: &[f32],
    shape: &[usize],
    expected: &Array,
    tol: f32,
) {
    assert_eq!(shape, expected.shape.as_slice(), "{what}: shape");
    assert_eq!(
        actual.len(),
        expected.values.len(),
        "{what}: number of values"
    );
    assert_eq!(
        actual.len(),
        shape.iter().product::<usize>(),
        "{what}: values for the shape"
    );
    let mut worst: Option<(f32, usize)> = None;
    for (i, (&a, &e)) in actual.iter().zip(&expected.values).enumerate() {
        if a.is_nan() || e.is_nan() || a.is_infinite() || e.is_infinite() {
            let same = (a.is_nan() && e.is_nan()) || a == e;
            assert!(
                same,
                "{what}: element {i} is {a}, expected {e} (non-finite values must match exactly)"
            );
            continue;
        }
        let err = (a - e).abs();
        if err > tol + tol * e.abs() && worst.is_none_or(|(w, _)| err > w) {
            worst = Some((err, i));
        }
    }
    if let Some((err, i)) = worst {
        panic!(
            "{what}: element {i} differs by {err:e} (actual {}, expected {}), over the tolerance {tol:e}",
            actual[i], expected.values[i]
        );
    }
}

/// A file of the UCR/UEA datasets in `tests/data/ucr/` (its README names the source).
pub fn ucr(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ucr")
        .join(name)
}

/// `dataset`'s training file, and its training and test series standardised with the
/// training set's statistics.
pub fn standardised(
    dataset: &str,
) -> (
    recurrent::data::TsData,
    recurrent::data::SequenceDataset,
    recurrent::data::SequenceDataset,
) {
    let train = recurrent::data::read_ts(ucr(&format!("{dataset}_TRAIN.ts"))).unwrap();
    let test = recurrent::data::read_ts(ucr(&format!("{dataset}_TEST.ts"))).unwrap();
    assert_eq!(train.class_names(), test.class_names());
    let normalizer = recurrent::data::Normalizer::fit(&train.dataset).unwrap();
    let (train_data, test_data) = (
        normalizer.transform(&train.dataset).unwrap(),
        normalizer.transform(&test.dataset).unwrap(),
    );
    (train, train_data, test_data)
}
