//! What every example needs from its command line: `--name value` flags, switches, file
//! arguments, the backend by name and the plot path. Not an example itself (no `main.rs`).

// Each example uses the part it needs.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::tensor::Device;
use recurrent::train::History;

/// The result of an example's `run`.
pub type Outcome = Result<(), Box<dyn std::error::Error>>;

/// Runs `run` and exits with status 1 and the error's message if it fails.
pub fn main(run: fn() -> Outcome) {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The parsed command line.
pub struct Flags {
    values: BTreeMap<String, String>,
    switches: BTreeSet<String>,
    /// Arguments that are not flags, in order (file paths).
    pub positional: Vec<String>,
}

impl Flags {
    /// Reads the command line: `--name value` for each name in `valued` and `--name` alone for
    /// each in `switches`. An unknown flag, one without its value, or any other argument is an
    /// error naming the flags the example takes.
    pub fn parse(valued: &[&str], switches: &[&str]) -> Result<Self, String> {
        let flags = Self::parse_with_files(valued, switches)?;
        match flags.positional.first() {
            Some(extra) => Err(format!(
                "unexpected argument {extra:?}: this example reads no files"
            )),
            None => Ok(flags),
        }
    }

    /// As [`parse`](Self::parse), keeping arguments that do not start with `--` in
    /// [`positional`](Self::positional).
    pub fn parse_with_files(valued: &[&str], switches: &[&str]) -> Result<Self, String> {
        Self::parse_from(std::env::args().skip(1), valued, switches)
    }

    fn parse_from(
        args: impl Iterator<Item = String>,
        valued: &[&str],
        switches: &[&str],
    ) -> Result<Self, String> {
        let known = || {
            let names: Vec<String> = valued
                .iter()
                .map(|n| format!("--{n} VALUE"))
                .chain(switches.iter().map(|n| format!("--{n}")))
                .collect();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let mut flags = Self {
            values: BTreeMap::new(),
            switches: BTreeSet::new(),
            positional: Vec::new(),
        };
        let mut args = args;
        while let Some(arg) = args.next() {
            let Some(name) = arg.strip_prefix("--") else {
                flags.positional.push(arg);
                continue;
            };
            if switches.contains(&name) {
                flags.switches.insert(name.to_string());
            } else if valued.contains(&name) {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                flags.values.insert(name.to_string(), value);
            } else {
                return Err(format!(
                    "unknown flag {arg:?}; this example takes {}",
                    known()
                ));
            }
        }
        Ok(flags)
    }

    /// `--name`'s value parsed as a `T`, or `default` when the flag is absent.
    pub fn value<T: FromStr>(&self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    /// `--name`'s value parsed as a `T`, if given.
    pub fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, String>
    where
        T::Err: Display,
    {
        self.values
            .get(name)
            .map(|v| v.parse().map_err(|e| format!("--{name} {v:?}: {e}")))
            .transpose()
    }

    /// Whether the switch `--name` was given.
    pub fn switch(&self, name: &str) -> bool {
        self.switches.contains(name)
    }

    /// `--backend`'s name, or the first backend compiled in (`flex` by default).
    pub fn backend(&self) -> String {
        self.values
            .get("backend")
            .cloned()
            .unwrap_or_else(|| recurrent::device::available()[0].to_string())
    }

    /// The device of [`backend`](Self::backend): an error names the backends compiled in when
    /// that one is not, or when wgpu finds no adapter.
    pub fn device(&self) -> Result<Device, recurrent::RecurrentError> {
        recurrent::device::from_name(&self.backend())
    }

    /// `--plot`'s path, which must end in `.svg` (checked before training starts).
    pub fn plot(&self) -> Result<Option<PathBuf>, String> {
        match self.values.get("plot").map(PathBuf::from) {
            None => Ok(None),
            Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) => Ok(Some(p)),
            Some(p) => Err(format!(
                "--plot needs a path ending in .svg, found {p:?} (e.g. --plot history.svg)"
            )),
        }
    }
}

/// Draws `history`'s curves to `path`, if given, and says where.
pub fn write_plot(history: &History, path: Option<&Path>) -> Result<(), recurrent::RecurrentError> {
    if let Some(path) = path {
        history.plot(path)?;
        println!("loss and {} curves: {}", history.metric, path.display());
    }
    Ok(())
}
