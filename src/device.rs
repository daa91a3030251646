//! Picking a Burn backend by name, for examples and command-line tools.

use burn::tensor::Device;

use crate::RecurrentError;

/// The backends this build of the crate was compiled with, by name, in order of preference.
pub fn available() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "flex") {
        names.push("flex");
    }
    if cfg!(feature = "ndarray") {
        names.push("ndarray");
    }
    if cfg!(feature = "wgpu") {
        names.push("wgpu");
    }
    names
}

/// A device of the backend called `name`: `"flex"`, `"ndarray"` or `"wgpu"` (case-insensitive).
///
/// `"wgpu"` gives wgpu's default adapter (a discrete GPU first, a software one such as Mesa's
/// lavapipe last), after checking that wgpu finds at least one.
///
/// ```
/// let device = recurrent::device::from_name("flex").unwrap();
/// assert!(!device.is_autodiff());
/// let err = recurrent::device::from_name("cuda").unwrap_err();
/// assert!(err.to_string().contains("expected one of"));
/// ```
///
/// # Errors
/// [`UnknownBackend`](RecurrentError::UnknownBackend) for a name that is none of the three,
/// [`BackendNotCompiled`](RecurrentError::BackendNotCompiled) when its cargo feature is off,
/// [`NoGpuAdapter`](RecurrentError::NoGpuAdapter) when wgpu finds no adapter (no Vulkan, Metal
/// or DX12 driver).
pub fn from_name(name: &str) -> Result<Device, RecurrentError> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "flex" => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
            #[cfg(not(feature = "flex"))]
            Err(not_compiled("flex"))
        }
        "ndarray" => {
            // Deprecated upstream in 0.22, still a supported backend of this crate.
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            return Ok(Device::ndarray());
            #[cfg(not(feature = "ndarray"))]
            Err(not_compiled("ndarray"))
        }
        "wgpu" => {
            #[cfg(feature = "wgpu")]
            return wgpu_device();
            #[cfg(not(feature = "wgpu"))]
            Err(not_compiled("wgpu"))
        }
        _ => Err(RecurrentError::UnknownBackend {
            name: name.to_string(),
        }),
    }
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, RecurrentError> {
    let adapters = Device::enumerate(burn::tensor::DeviceType::Wgpu);
    if adapters.is_empty() {
        return Err(RecurrentError::NoGpuAdapter);
    }
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

/// The error for a backend whose feature this build lacks (unused when all are compiled in).
#[allow(dead_code)]
fn not_compiled(backend: &'static str) -> RecurrentError {
    RecurrentError::BackendNotCompiled {
        backend,
        available: available().join(", "),
    }
}
