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

/// Asserts `|actual - expected| <= tol + tol * |expected|` element-wise, and equal shapes.
pub fn assert_close<const D: usize>(what: &str, actual: Tensor<D>, expected: &Array, tol: f32) {
    let (actual, shape) = values(actual);
    assert_eq!(shape, expected.shape, "{what}: shape");
    let mut worst = (0.0f32, 0usize);
    for (i, (a, e)) in actual.iter().zip(&expected.values).enumerate() {
        let err = (a - e).abs();
        assert!(a.is_finite(), "{what}: element {i} is {a}");
        if err > tol + tol * e.abs() && err > worst.0 {
            worst = (err, i);
        }
    }
    assert!(
        worst.0 == 0.0,
        "{what}: element {} differs by {:e} (actual {}, expected {}), over the tolerance {tol:e}",
        worst.1,
        worst.0,
        actual[worst.1],
        expected.values[worst.1]
    );
}
