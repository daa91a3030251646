//! What every example needs from its command line (`--name value` flags, switches, file
//! arguments, the backend by name) and what every training example does around
//! `Trainer::fit`: an output folder, checkpoints, Ctrl-C, `--resume` and the plot. Not an
//! example itself (no `main.rs`).

// Each example uses the part it needs.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::Device;
use recurrent::data::SequenceDataset;
use recurrent::model::Trainable;
use recurrent::train::{CheckpointConfig, Fitted, History, StopReason, Trainer, TrainerConfig};

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
}

/// The flags [`Training`] reads: `--out DIR`, `--plot PATH.svg`.
const TRAINING_FLAGS: [&str; 2] = ["out", "plot"];
/// The switch [`Training`] reads: `--resume`.
const TRAINING_SWITCHES: [&str; 1] = ["resume"];

/// What a training example does around `Trainer::fit`, the same in every example:
/// - its files go to `--out DIR` [`target/example-runs/<example>`];
/// - a checkpoint is saved to `<out>/checkpoints` every few epochs and after the last;
/// - Ctrl-C finishes the current step, saves a checkpoint and goes on with the model trained
///   so far (a second Ctrl-C quits at once);
/// - `--resume` continues from that checkpoint (with the same other arguments);
/// - the loss and metric curves are drawn to `<out>/history.svg` (or `--plot PATH.svg`).
pub struct Training {
    /// Where the run's files go.
    pub out: PathBuf,
    plot: PathBuf,
    resume: bool,
}

impl Training {
    /// [`Flags::parse`] with `valued` and `switches` and the training flags, and what they
    /// say; `example` names the default output folder.
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
            &[valued, &TRAINING_FLAGS].concat(),
            &[switches, &TRAINING_SWITCHES].concat(),
        )?;
        let training = Self::from_flags(&flags, example)?;
        Ok((flags, training))
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
            plot,
            resume: flags.switch("resume"),
        })
    }

    /// The checkpoint folder, `<out>/checkpoints`.
    pub fn checkpoints(&self) -> PathBuf {
        self.out.join("checkpoints")
    }

    /// `config` with a checkpoint saved every `every` epochs (and after the last, and on
    /// Ctrl-C) to [`checkpoints`](Self::checkpoints).
    pub fn checkpointed(&self, config: TrainerConfig, every: usize) -> TrainerConfig {
        config.with_checkpoint(Some(
            CheckpointConfig::new(self.checkpoints()).with_every(every),
        ))
    }

    /// `trainer.fit`, or `trainer.resume` from the checkpoint with `--resume`, with Ctrl-C
    /// stopping it after the current step; says where it stopped when it was interrupted.
    pub fn fit<M: Trainable>(
        &self,
        mut trainer: Trainer,
        model: M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, Box<dyn std::error::Error>> {
        let stop = trainer.stop_handle();
        let presses = AtomicUsize::new(0);
        ctrlc::set_handler(move || {
            if presses.fetch_add(1, Ordering::SeqCst) == 0 {
                eprintln!("\nCtrl-C: stopping after this step (again to quit at once)");
                stop.stop();
            } else {
                std::process::exit(130);
            }
        })?;
        let fitted = if self.resume {
            println!("resuming from {}", self.checkpoints().display());
            trainer.resume(self.checkpoints(), model, train, valid)?
        } else {
            trainer.fit(model, train, valid)?
        };
        if let StopReason::Interrupted { epoch, step } = fitted.stop_reason {
            println!(
                "interrupted in epoch {epoch} after step {step}: checkpoint saved in {}; \
                 the same command with --resume continues from there",
                self.checkpoints().display()
            );
        }
        Ok(fitted)
    }

    /// Draws `history`'s loss and metric curves to `<out>/history.svg` (or `--plot`'s path)
    /// and says where.
    pub fn plot(&self, history: &History) -> Result<(), recurrent::RecurrentError> {
        #[cfg(feature = "plot")]
        {
            if let Some(parent) = self.plot.parent() {
                let _ = std::fs::create_dir_all(parent);
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
