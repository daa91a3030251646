//! Time-series classification on real data: a UCR/UEA dataset in the `.ts` format.
//!
//! ```text
//! cargo run --example 07_ucr -- tests/data/ucr/ItalyPowerDemand_TRAIN.ts tests/data/ucr/ItalyPowerDemand_TEST.ts
//! cargo run --example 07_ucr -- tests/data/ucr/BasicMotions_TRAIN.ts tests/data/ucr/BasicMotions_TEST.ts
//! cargo run --example 07_ucr -- TRAIN.ts TEST.ts --cell gru --hidden 32 --epochs 100 --seed 3 --out runs/gru
//! ```
//!
//! It reads both files (univariate or multivariate, equal or unequal lengths), standardises
//! each feature with the training set's mean and standard deviation, picks a model by the
//! series' length (`--model auto`), trains it with cross-entropy, Adam and gradient clipping,
//! and prints the test accuracy and the confusion matrix.
//!
//! - Series of at most 100 steps, or of unequal lengths: a recurrent layer whose final state
//!   and mean output feed a linear head; 100 epochs, batch 16, learning rate 0.01. Sequences of
//!   different lengths are padded per batch and masked (packed-sequence semantics), so the
//!   final state and the mean are each sequence's own.
//! - Longer series of equal length: LSTM-FCN (an LSTM beside three convolution blocks with
//!   batch norm, 64/128/64 filters); 300 epochs, the whole training set (up to 128 series) per
//!   batch, learning rate 0.001. Its batch norms need the large batches: with batches of 16,
//!   their running statistics made it predict a single class on ArrowHead's test set.
//!
//! Under `--model auto` a flag that only one model reads (`--cell`, `--layers`, `--readout`,
//! `--bidirectional`, `--front*`; `--filters`, `--kernels`, `--shuffle`) picks that model; such
//! a flag given with the other model is refused, not dropped.
//!
//! Options (defaults in brackets): `--model auto|recurrent|lstm-fcn` [auto, as above],
//! `--cell lstm|gru|rnn` [lstm], `--hidden N` [64], `--layers N` [1], `--bidirectional` (a
//! flag), `--readout last|mean|last-and-mean` [last-and-mean], `--epochs N` [the model's],
//! `--batch N` [the model's], `--lr X` [the model's], `--clip NORM` [1; 0 for none],
//! `--cosine` (cosine learning-rate decay, a flag), `--seed N` [1],
//! `--znorm` (each series standardised by its own statistics, the UCR convention, instead of
//! the training set's), `--valid F` (hold out this fraction of the training set, stratified,
//! for early stopping with `--patience N` [20], restoring the best epoch), `--plateau`
//! (halve the rate after 10 epochs without improvement, down to 1e-4), `--find-lr` (run the
//! learning-rate range test first and train at its suggestion); for the recurrent model
//! `--front C` [0: none] puts a convolutional front end of `C` channels before the layer
//! (`--front-kernel 5`, `--front-stride 2`, `--front-layers 1`, `--front-pool 1`); for
//! LSTM-FCN `--hidden` [8], `--filters` [64,128,64; Karim et al.'s 128,256,128 took 2.5 times
//! as long on ArrowHead for no better accuracy], `--kernels` [8,5,3] and `--shuffle` (the
//! dimension shuffle),
//! `--backend flex|ndarray|wgpu` [flex], `--out DIR` [target/example-runs/07_ucr]: where it
//! writes `model.json` and `model.bpk` (which `SequenceModel::load(DIR, &device)`, or
//! `LstmFcn::load` for LSTM-FCN, reads back), `normalizer.json`, `history.json`, the loss and
//! accuracy curves `history.svg` (`--plot PATH.svg` puts them elsewhere) and a checkpoint
//! every 10 epochs in `checkpoints/`; `--resume` continues from that checkpoint (with the same
//! other arguments).
//!
//! Ctrl-C stops training after the current step and saves a checkpoint; the model trained so
//! far is then evaluated, reported and saved.
//!
//! These defaults reach 0.945-0.973 on ItalyPowerDemand (mean 0.959; 0.969 with the default
//! seed) and 0.975-1.0 on BasicMotions over seeds 1 to 10 (the recurrent model), and 0.771-0.834
//! on ArrowHead (mean 0.810) and 0.921-0.967 on OSULeaf (mean 0.939) over seeds 1 to 5
//! (LSTM-FCN); docs/data.md has the tables, PyTorch's figures and the training times.

use std::path::Path;

use recurrent::data::{Normalizer, SequenceDataset, read_ts};
use recurrent::model::{
    CellType, ConvFrontEndConfig, LstmFcnConfig, ModelError, Readout, SequenceModelConfig,
    Trainable,
};
use recurrent::train::{
    CheckpointConfig, EarlyStoppingConfig, LrFinderConfig, LrSchedule, Objective, ProgressMode,
    Trainer, TrainerConfig,
};

mod common;

const USAGE: &str = "usage: 07_ucr TRAIN.ts TEST.ts [--cell lstm|gru|rnn] [--hidden 64] [--layers 1] [--bidirectional] [--readout last-and-mean] [--epochs 100|300] [--batch 16|N] [--lr 0.01|0.001] [--clip 1] [--cosine] [--plateau] [--znorm] [--valid F] [--patience 20] [--find-lr] [--model auto|recurrent|lstm-fcn] [--front C] [--front-kernel 5] [--front-stride 2] [--front-layers 1] [--front-pool 1] [--filters 64,128,64] [--kernels 8,5,3] [--shuffle] [--seed 1] [--backend flex] [--out DIR] [--plot PATH.svg] [--resume]";

/// `--readout`'s value.
fn parse_readout(value: &str) -> Result<Readout, String> {
    match value {
        "last" => Ok(Readout::Last),
        "mean" => Ok(Readout::Mean),
        "last-and-mean" => Ok(Readout::LastAndMean),
        other => Err(format!(
            "--readout: expected last, mean or last-and-mean, found {other:?}"
        )),
    }
}

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let (flags, run) = common::Run::parse_with_files(
        "07_ucr",
        &[
            "model",
            "cell",
            "hidden",
            "layers",
            "readout",
            "epochs",
            "batch",
            "lr",
            "clip",
            "seed",
            "backend",
            "valid",
            "patience",
            "front",
            "front-kernel",
            "front-stride",
            "front-layers",
            "front-pool",
            "filters",
            "kernels",
        ],
        &[
            "bidirectional",
            "cosine",
            "znorm",
            "plateau",
            "find-lr",
            "shuffle",
        ],
    )
    .map_err(|e| format!("{e}\n{USAGE}"))?;
    let [train_path, test_path] = flags.positional.as_slice() else {
        return Err(format!(
            "expected two files, TRAIN.ts and TEST.ts, found {}\n{USAGE}",
            flags.positional.len()
        )
        .into());
    };
    let device = flags.device()?;
    let train = read_ts(train_path)?;
    let test = read_ts(test_path)?;
    if train.class_names().is_empty() {
        return Err(format!("{train_path:?} has no class labels: this example classifies").into());
    }
    if test.class_names() != train.class_names() {
        return Err(format!(
            "the test file's classes {:?} differ from the training file's {:?}",
            test.class_names(),
            train.class_names()
        )
        .into());
    }
    let classes = train.class_names().to_vec();
    let name = train
        .header
        .problem_name
        .clone()
        .unwrap_or_else(|| "dataset".into());
    let lengths = |d: &SequenceDataset| {
        let (min, max) = (d.lengths().iter().min(), d.lengths().iter().max());
        match (min, max) {
            (Some(a), Some(b)) if a == b => format!("length {a}"),
            (Some(a), Some(b)) => format!("lengths {a} to {b}"),
            _ => "no sequences".into(),
        }
    };
    println!(
        "{name}: {} training and {} test sequences, {} feature(s), {}, classes {classes:?}",
        train.dataset.len(),
        test.dataset.len(),
        train.dataset.num_features(),
        lengths(&train.dataset),
    );

    // Standardise with the training set's statistics only (or each series by its own).
    let normalizer = if flags.switch("znorm") {
        Normalizer::per_series(train.dataset.num_features())?
    } else {
        Normalizer::fit(&train.dataset)?
    };
    let train_data = normalizer.transform(&train.dataset)?;
    let test_data = normalizer.transform(&test.dataset)?;
    std::fs::create_dir_all(&run.out)?;
    normalizer.save(run.out.join("normalizer.json"))?;

    let (kind, why) = model_kind(&flags, &train_data)?;
    let config = trainer_config(&flags, &run, kind.recipe(train_data.len()))?;
    println!(
        "model: {} ({why}); epochs {}, batch {}, learning rate {}",
        kind.name(),
        config.epochs,
        config.batch_size,
        config.learning_rate
    );
    let data = Data {
        train: &train_data,
        test: &test_data,
        classes: &classes,
    };
    let features = train_data.num_features();
    match kind {
        ModelKind::Recurrent => {
            let front_channels: usize = flags.value("front", 0)?; // 0: no front end
            let front_end = (front_channels > 0)
                .then(|| -> Result<ConvFrontEndConfig, String> {
                    Ok(ConvFrontEndConfig::new(front_channels)
                        .with_kernel_size(flags.value("front-kernel", 5)?)
                        .with_stride(flags.value("front-stride", 2)?)
                        .with_num_layers(flags.value("front-layers", 1)?)
                        .with_pool(flags.value("front-pool", 1)?))
                })
                .transpose()?;
            let model = SequenceModelConfig::new(
                flags.value("cell", CellType::Lstm)?,
                features,
                flags.value("hidden", 64)?,
                classes.len(),
            )
            .with_num_layers(flags.value("layers", 1)?)
            .with_bidirectional(flags.switch("bidirectional"))
            .with_seed(Some(config.seed))
            .with_readout(parse_readout(
                &flags.value("readout", "last-and-mean".to_string())?,
            )?)
            .with_front_end(front_end)
            .try_init(&device)?;
            train_and_report(model, config, &flags, &run, data, |m, dir| m.save(dir))
        }
        ModelKind::LstmFcn => {
            let length = train_data.lengths().first().copied().unwrap_or(0);
            let model = LstmFcnConfig::new(features, classes.len())
                .with_lstm_hidden(flags.value("hidden", 8)?)
                .with_filters(parse_list(
                    "filters",
                    &flags.value("filters", "64,128,64".to_string())?,
                )?)
                .with_kernel_sizes(parse_list(
                    "kernels",
                    &flags.value("kernels", "8,5,3".to_string())?,
                )?)
                .with_dimension_shuffle(flags.switch("shuffle").then_some(length))
                .with_seed(Some(config.seed))
                .try_init(&device)?;
            train_and_report(model, config, &flags, &run, data, |m, dir| m.save(dir))
        }
    }
}

/// Series longer than this go to LSTM-FCN under `--model auto`: on ArrowHead (251 steps) the
/// recurrent model lands at chance and LSTM-FCN above 1-NN (docs/data.md).
const LONG_SERIES: usize = 100;

/// The model `--model` names, or `auto` chose.
#[derive(Clone, Copy, PartialEq)]
enum ModelKind {
    Recurrent,
    LstmFcn,
}

/// Flags that only the recurrent model reads, and those only LSTM-FCN reads: under `auto` they
/// pick their model, and given with the other model they are a mistake, not silently dropped.
const RECURRENT_FLAGS: [&str; 9] = [
    "cell",
    "layers",
    "readout",
    "bidirectional",
    "front",
    "front-kernel",
    "front-stride",
    "front-layers",
    "front-pool",
];
const LSTM_FCN_FLAGS: [&str; 3] = ["filters", "kernels", "shuffle"];

/// The training defaults a model comes with; every one has its flag.
struct Recipe {
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
}

impl ModelKind {
    fn name(self) -> &'static str {
        match self {
            ModelKind::Recurrent => "recurrent",
            ModelKind::LstmFcn => "lstm-fcn",
        }
    }

    /// The other model's flags: a mistake with this model.
    fn foreign_flags(self) -> &'static [&'static str] {
        match self {
            ModelKind::Recurrent => &LSTM_FCN_FLAGS,
            ModelKind::LstmFcn => &RECURRENT_FLAGS,
        }
    }

    /// The recurrent model's recipe is the one tuned on ItalyPowerDemand and BasicMotions.
    /// LSTM-FCN's follows Karim et al. (Adam at 1e-3, batches of 128) for fewer epochs: its
    /// batch norms need large batches, since on ArrowHead batches of 16 (and a last one of 4)
    /// left running statistics that predicted one class at test time.
    fn recipe(self, train_len: usize) -> Recipe {
        match self {
            ModelKind::Recurrent => Recipe {
                epochs: 100,
                batch_size: 16,
                learning_rate: 0.01,
            },
            ModelKind::LstmFcn => Recipe {
                epochs: 300,
                batch_size: train_len.clamp(1, 128),
                learning_rate: 0.001,
            },
        }
    }
}

/// `--model auto|recurrent|lstm-fcn` [auto], and why: under `auto`, a flag of one model
/// picks it, else series longer than [`LONG_SERIES`] go to LSTM-FCN.
///
/// # Errors
/// An unknown model, or a flag of the other model.
fn model_kind(
    flags: &common::Flags,
    train: &SequenceDataset,
) -> Result<(ModelKind, String), String> {
    let given = |names: &[&'static str]| names.iter().find(|name| flags.given(name)).copied();
    let (kind, why) = match flags.value("model", "auto".to_string())?.as_str() {
        "recurrent" => (ModelKind::Recurrent, "--model".to_string()),
        "lstm-fcn" => (ModelKind::LstmFcn, "--model".to_string()),
        "auto" => match (given(&RECURRENT_FLAGS), given(&LSTM_FCN_FLAGS)) {
            (Some(flag), None) => (ModelKind::Recurrent, format!("--model auto, by --{flag}")),
            (None, Some(flag)) => (ModelKind::LstmFcn, format!("--model auto, by --{flag}")),
            (None, None) if train.is_equal_length() && train.seq_len() > LONG_SERIES => (
                ModelKind::LstmFcn,
                format!(
                    "--model auto: series longer than {LONG_SERIES} steps; --model recurrent for the recurrent model"
                ),
            ),
            (None, None) => (
                ModelKind::Recurrent,
                format!(
                    "--model auto: series of at most {LONG_SERIES} steps or of unequal lengths"
                ),
            ),
            (Some(a), Some(b)) => {
                return Err(format!(
                    "--{a} is the recurrent model's and --{b} LSTM-FCN's: give --model, or flags of one model"
                ));
            }
        },
        other => {
            return Err(format!(
                "--model: expected auto, recurrent or lstm-fcn, found {other:?}"
            ));
        }
    };
    match given(kind.foreign_flags()) {
        Some(flag) => Err(format!(
            "--{flag} does not apply to --model {}",
            kind.name()
        )),
        None => Ok((kind, why)),
    }
}

/// The training and test data, normalised, and the class names.
#[derive(Clone, Copy)]
struct Data<'a> {
    train: &'a SequenceDataset,
    test: &'a SequenceDataset,
    classes: &'a [String],
}

/// `--filters`' and `--kernels`' comma-separated sizes.
fn parse_list(flag: &str, value: &str) -> Result<Vec<usize>, String> {
    value
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("--{flag}: expected sizes like 128,256,128, found {value:?}"))
        })
        .collect()
}

/// The trainer's options from the flags.
fn trainer_config(
    flags: &common::Flags,
    run: &common::Run,
    recipe: Recipe,
) -> Result<TrainerConfig, String> {
    let epochs: usize = flags.value("epochs", recipe.epochs)?;
    let learning_rate: f64 = flags.value("lr", recipe.learning_rate)?;
    let clip: f64 = flags.value("clip", 1.0)?; // 0: no clipping
    let valid: f64 = flags.value("valid", 0.0)?; // 0: no validation split
    let patience: usize = flags.value("patience", 20)?;
    Ok(TrainerConfig::new(Objective::MultiClass)
        .with_epochs(epochs)
        .with_batch_size(flags.value("batch", recipe.batch_size)?)
        .with_learning_rate(learning_rate)
        .with_seed(flags.value("seed", 1)?)
        .with_grad_clip_norm((clip != 0.0).then_some(clip))
        .with_lr_schedule(if flags.switch("cosine") {
            LrSchedule::Cosine { min_lr: 0.0 }
        } else if flags.switch("plateau") {
            LrSchedule::ReduceOnPlateau {
                factor: 0.5,
                patience: 10,
                cooldown: 0,
                min_lr: 1e-4f64.min(learning_rate),
            }
        } else {
            LrSchedule::Constant
        })
        .with_validation_fraction((valid > 0.0).then_some(valid))
        .with_early_stopping((valid > 0.0).then(|| EarlyStoppingConfig::new(patience)))
        .with_progress(ProgressMode::BarOnly)
        .with_checkpoint(Some(
            CheckpointConfig::new(run.checkpoints()).with_every(10),
        )))
}

/// Trains `model` (after the learning-rate range test with `--find-lr`), reports the test
/// accuracy and the confusion matrix, and saves the model with `save`, the normaliser's
/// inputs aside, with its history and curves.
fn train_and_report<M: Trainable>(
    model: M,
    config: TrainerConfig,
    flags: &common::Flags,
    run: &common::Run,
    data: Data,
    save: impl Fn(&M, &Path) -> Result<(), ModelError>,
) -> common::Outcome {
    let epochs = config.epochs;
    let config = if flags.switch("find-lr") {
        let finder = LrFinderConfig::new().with_start_lr(1e-5).with_end_lr(1.0);
        let found = Trainer::new(config.clone()).find_learning_rate(&model, data.train, &finder)?;
        let lr = found.suggestion.unwrap_or(config.learning_rate);
        println!(
            "learning-rate range test: {} steps, suggested {lr:.2e}",
            found.losses.len()
        );
        let min_lr = 1e-4f64.min(lr);
        config
            .clone()
            .with_learning_rate(lr)
            .with_lr_schedule(match config.lr_schedule {
                LrSchedule::ReduceOnPlateau {
                    factor,
                    patience,
                    cooldown,
                    ..
                } => LrSchedule::ReduceOnPlateau {
                    factor,
                    patience,
                    cooldown,
                    min_lr,
                },
                other => other,
            })
    } else {
        config
    };
    let mut trainer = Trainer::new(config).with_callback(move |r| {
        if r.epoch % 10 == 0 || r.epoch == epochs {
            println!(
                "epoch {:>3}/{epochs}: loss {:.4}, training accuracy {:.3}",
                r.epoch, r.train_loss, r.train_metric
            );
        }
    });
    // Ctrl-C finishes the current step, saves a checkpoint and goes on to the report with
    // the model trained so far.
    common::stop_on_ctrl_c(&trainer)?;
    let fitted = if run.resume {
        println!("resuming from {}", run.checkpoints().display());
        trainer.resume(run.checkpoints(), model, data.train, None)?
    } else {
        trainer.fit(model, data.train, None)?
    };
    run.report_interruption(&fitted);
    let seconds: f64 = fitted.history.epochs.iter().map(|e| e.seconds).sum();

    let matrix = fitted
        .confusion_matrix(data.test)?
        .with_class_names(data.classes)?;
    println!(
        "\ntest accuracy: {:.4} ({} of {}), training took {seconds:.1} s on {}\n",
        matrix.accuracy(),
        matrix.correct(),
        matrix.total(),
        flags.backend()
    );
    print!("{matrix}");

    // The model with its config (SequenceModel::load needs nothing else), the normaliser its
    // inputs need, the history and its curves.
    let dir = &run.out;
    save(&fitted.model, dir)?;
    fitted.history.write_json(dir.join("history.json"))?;
    println!(
        "\nsaved model.json, model.bpk, normalizer.json and history.json in {}",
        dir.display()
    );
    run.plot(&fitted.history)?;
    Ok(())
}
