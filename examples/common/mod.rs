//! What the examples share: reading the command line (`--name value` flags, switches, file
//! arguments, the backend by name) and, for the training examples, the chores around their own
//! `trainer.fit(..)` or `trainer.resume(..)` call: the output folder and its checkpoint folder,
//! `--resume`, Ctrl-C, saying where an interrupted run was saved, and the plot. Every library
//! call is in the example itself. `01_seed` needs none of this and shows all of it in one
//! file. Not an example itself (no `main.rs`).

// Each example uses the part it needs.
#![allow(dead_code)]

pub mod forecasting;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::Device;
use recurrent::train::{Fitted, History, StopReason, Trainer};

/// The result of an example's `run`.
pub type Outcome = Result<(), Box<dyn std::error::Error>>;

/// Runs `try_main` and exits with status 1 and the error's message if it fails.
pub fn main(try_main: fn() -> Outcome) {
    if let Err(e) = try_main() {
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

    /// Whether `--name`, valued or a switch, was given.
    pub fn given(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.switches.contains(name)
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
    pub fn device(&self) -> Result<Device, recurrent::DeviceError> {
        recurrent::device::from_name(&self.backend())
    }
}

/// The flags [`Run`] reads: `--out DIR`, `--plot PATH.svg`.
const RUN_FLAGS: [&str; 2] = ["out", "plot"];
/// The switch [`Run`] reads: `--resume`.
const RUN_SWITCHES: [&str; 1] = ["resume"];

/// Where a training example's files go and whether it resumes, the same in every example:
/// - its files go to `--out DIR` [`target/example-runs/<example>`];
/// - its checkpoints to [`checkpoints`](Self::checkpoints), `<out>/checkpoints` (the example
///   puts that folder in its `CheckpointConfig`);
/// - `--resume` ([`resume`](Self::resume)) asks the example to call `trainer.resume` on that
///   folder instead of `trainer.fit`;
/// - the loss and metric curves go to `<out>/history.svg` (or `--plot PATH.svg`).
pub struct Run {
    /// Where the run's files go.
    pub out: PathBuf,
    /// Whether `--resume` was given: continue from the checkpoint in
    /// [`checkpoints`](Self::checkpoints) (with the same other arguments).
    pub resume: bool,
    plot: PathBuf,
}

impl Run {
    /// [`Flags::parse`] with `valued` and `switches` and the run's flags, and what they say;
    /// `example` names the default output folder.
    pub fn parse(
        example: &str,
        valued: &[&str],
        switches: &[&str],
    ) -> Result<(Flags, Self), String> {
        Self::parse_with(Flags::parse, example, valued, switches)
    }

    /// As [`parse`](Self::parse), keeping file arguments ([`Flags::parse_with_files`]).
    pub fn parse_with_files(
        example: &str,
        valued: &[&str],
        switches: &[&str],
    ) -> Result<(Flags, Self), String> {
        Self::parse_with(Flags::parse_with_files, example, valued, switches)
    }

    fn parse_with(
        parse: fn(&[&str], &[&str]) -> Result<Flags, String>,
        example: &str,
        valued: &[&str],
        switches: &[&str],
    ) -> Result<(Flags, Self), String> {
        let flags = parse(
            &[valued, &RUN_FLAGS].concat(),
            &[switches, &RUN_SWITCHES].concat(),
        )?;
        let run = Self::from_flags(&flags, example)?;
        Ok((flags, run))
    }

    fn from_flags(flags: &Flags, example: &str) -> Result<Self, String> {
        let out: PathBuf = flags.value(
            "out",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/example-runs")
                .join(example),
        )?;
        let plot = match flags.values.get("plot").map(PathBuf::from) {
            None => out.join("history.svg"),
            Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) => p,
            Some(p) => {
                return Err(format!(
                    "--plot needs a path ending in .svg, found {p:?} (e.g. --plot history.svg)"
                ));
            }
        };
        Ok(Self {
            out,
            resume: flags.switch("resume"),
            plot,
        })
    }

    /// The checkpoint folder, `<out>/checkpoints`.
    pub fn checkpoints(&self) -> PathBuf {
        self.out.join("checkpoints")
    }

    /// Says where the checkpoint is and how to continue when `fitted` was stopped by Ctrl-C.
    pub fn report_interruption<M>(&self, fitted: &Fitted<M>) {
        if let StopReason::Interrupted { epoch, step } = fitted.stop_reason {
            println!(
                "interrupted in epoch {epoch} after step {step}: checkpoint saved in {}; \
                 the same command with --resume continues from there",
                self.checkpoints().display()
            );
        }
    }

    /// Draws `history`'s loss and metric curves to `<out>/history.svg` (or `--plot`'s path)
    /// with `History::plot` and says where.
    pub fn plot(&self, history: &History) -> Result<(), Box<dyn std::error::Error>> {
        #[cfg(feature = "plot")]
        {
            if let Some(parent) = self.plot.parent() {
                std::fs::create_dir_all(parent)?;
            }
            history.plot(&self.plot)?;
            println!(
                "loss and {} curves: {}",
                history.metric,
                self.plot.display()
            );
        }
        #[cfg(not(feature = "plot"))]
        let _ = history; // built without the `plot` feature: no curves
        Ok(())
    }
}

/// Makes Ctrl-C stop `trainer`'s `fit` or `resume` after the current step, through its
/// `stop_handle()`: the trainer saves a checkpoint (when checkpointing is on) and returns the
/// model trained so far. A second Ctrl-C quits at once.
pub fn stop_on_ctrl_c(trainer: &Trainer) -> Result<(), ctrlc::Error> {
    let stop = trainer.stop_handle();
    let presses = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("\nCtrl-C: stopping after this step (again to quit at once)");
            stop.stop();
        } else {
            std::process::exit(130);
        }
    })
}
