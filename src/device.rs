//! Picking a Burn backend by name, for examples and command-line tools.

use burn::tensor::Device;

use thiserror::Error;

/// A backend that cannot be had by name, one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DeviceError {
    /// A backend name that is none of the crate's.
    #[error("unknown backend {name:?}: expected one of \"flex\", \"ndarray\", \"wgpu\"")]
    UnknownBackend {
        /// The name that was given.
        name: String,
    },
    /// A backend whose cargo feature this build does not have.
    #[error(
        "backend {backend:?} is not compiled in: expected one of [{available}], or rebuild with `--features {backend}`"
    )]
    NotCompiled {
        /// The backend (and cargo feature) asked for.
        backend: &'static str,
        /// The backends this build has, comma-separated.
        available: String,
    },
    /// wgpu found no adapter to run on.
    #[error(
        "no GPU adapter: expected wgpu to find a Vulkan, Metal or DX12 device, found none (on a headless Linux machine, install Mesa's lavapipe: apt-get install mesa-vulkan-drivers)"
    )]
    NoGpuAdapter,
}

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
/// [`UnknownBackend`](DeviceError::UnknownBackend) for a name that is none of the three,
/// [`NotCompiled`](DeviceError::NotCompiled) when its cargo feature is off,
/// [`NoGpuAdapter`](DeviceError::NoGpuAdapter) when wgpu finds no adapter (no Vulkan, Metal
/// or DX12 driver).
pub fn from_name(name: &str) -> Result<Device, DeviceError> {
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
        _ => Err(DeviceError::UnknownBackend {
            name: name.to_string(),
        }),
    }
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, DeviceError> {
    let adapters = Device::enumerate(burn::tensor::DeviceType::Wgpu);
    if adapters.is_empty() {
        return Err(DeviceError::NoGpuAdapter);
    }
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

/// The error for a backend whose feature this build lacks (unused when all are compiled in).
#[allow(dead_code)]
fn not_compiled(backend: &'static str) -> DeviceError {
    DeviceError::NotCompiled {
        backend,
        available: available().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_lists_the_backends() {
        let err = from_name("cuda").unwrap_err();
        assert_eq!(
            err,
            DeviceError::UnknownBackend {
                name: "cuda".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown backend \"cuda\": expected one of \"flex\", \"ndarray\", \"wgpu\""
        );
    }

    #[test]
    fn a_backend_not_compiled_in_names_the_feature_and_the_ones_there_are() {
        // Built from the list this build has, so the message is checked in every build; with
        // a feature off, `from_name` returns exactly this.
        let err = not_compiled("wgpu");
        let message = err.to_string();
        assert!(
            message.starts_with("backend \"wgpu\" is not compiled in: expected one of ["),
            "{message}"
        );
        assert!(message.contains(&available().join(", ")), "{message}");
        assert!(
            message.ends_with("or rebuild with `--features wgpu`"),
            "{message}"
        );
        for name in ["flex", "ndarray", "wgpu"] {
            let compiled = available().contains(&name);
            match from_name(name) {
                Err(DeviceError::NotCompiled { backend, .. }) => {
                    assert!(!compiled && backend == name)
                }
                Err(DeviceError::NoGpuAdapter) => assert!(compiled && name == "wgpu"),
                Err(other) => panic!("{name}: {other}"),
                Ok(_) => assert!(compiled, "{name} is not compiled in but gave a device"),
            }
        }
    }
}
