//! Your own data: a CSV file of labelled sequences of different lengths to a trained and saved
//! classifier, then the saved model read back to label a new sequence.
//!
//! ```text
//! cargo run --example 06_own_data                    # writes a demo file and trains on it
//! cargo run --example 06_own_data -- my_series.csv   # your file
//! cargo run --example 06_own_data -- my_series.csv --out runs/mine --epochs 100 --backend flex
//! ```
//!
//! The file has a header line and then one row per time step, `id,label,feature1,feature2,...`:
//! consecutive rows with the same `id` are one sequence, so sequences can have any length, and
//! labels are any text. Without a file the example writes a demo to `<out>/demo.csv`: two-axis
//! accelerometer traces of 30 to 80 steps labelled `idle`, `walking` or `running`.
//!
//! What it does, in the order a real project would:
//! 1. reads the rows into `Vec<Vec<Vec<f32>>>` (sequence, step, feature) and class indices, and
//!    builds a `SequenceDataset::from_vecs` (sequences of different lengths are padded per batch
//!    and masked, so nothing needs cutting or padding here);
//! 2. splits off 20% for testing and 20% of the rest for validation (`SequenceDataset::split`);
//! 3. standardises each feature with the training part's mean and deviation (`Normalizer`);
//! 4. trains a GRU classifier with early stopping on the validation loss, keeping the best
//!    epoch's weights, and prints the test accuracy and the confusion matrix;
//! 5. saves the model (`model.bpk`, with a readable copy of its config in `model.json`) and the
//!    normaliser to `<out>`
//!    [target/example-runs/06_own_data];
//! 6. loads both back, as a separate program would, and labels a new sequence.
//!
//! Checkpoints (every 5 epochs, in `<out>/checkpoints`), Ctrl-C, `--resume` and the loss and
//! accuracy curves (`<out>/history.svg`) work as in `01_seed`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use recurrent::data::{Normalizer, SequenceDataset, Targets};
use recurrent::model::{CellType, Readout, SequenceModel, SequenceModelConfig};
use recurrent::train::{
    CheckpointConfig, EarlyStoppingConfig, Fitted, Objective, Trainer, TrainerConfig,
};

type Error = Box<dyn std::error::Error>;

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let (flags, run) = common::Run::parse_with_files("06_own_data", &["epochs", "backend"], &[])?;
    let out = run.out.clone();
    let epochs: usize = flags.value("epochs", 60)?;
    let device = flags.device()?;
    let file: Option<PathBuf> = match flags.positional.as_slice() {
        [] => None,
        [file] => Some(file.into()),
        more => {
            return Err(format!("one data file expected, found {}: {more:?}", more.len()).into());
        }
    };
    let file = match file {
        Some(file) => file,
        None => {
            let demo = out.join("demo.csv");
            write_demo_csv(&demo, 600, 7)?;
            println!("wrote a demo data set to {}", demo.display());
            demo
        }
    };

    // 1. Your data, as plain vectors.
    let Labelled {
        sequences,
        labels,
        class_names,
    } = read_csv(&file)?;
    let lengths: Vec<usize> = sequences.iter().map(Vec::len).collect();
    println!(
        "{}: {} sequences of {} to {} steps, {} features, classes {class_names:?}",
        file.display(),
        sequences.len(),
        lengths.iter().min().unwrap_or(&0),
        lengths.iter().max().unwrap_or(&0),
        sequences[0][0].len(),
    );
    let num_classes = class_names.len();
    let data = SequenceDataset::from_vecs(
        sequences,
        Targets::Class {
            labels,
            num_classes,
        },
    )?;

    // 2. Test, validation and training parts (shuffled with a seed, so reproducible).
    let (rest, test) = data.split(0.8, 1)?;
    let (train, valid) = rest.split(0.8, 2)?;

    // 3. Statistics from the training part only, applied to all three.
    let normalizer = Normalizer::fit(&train)?;
    let (train, valid, test) = (
        normalizer.transform(&train)?,
        normalizer.transform(&valid)?,
        normalizer.transform(&test)?,
    );

    // 4. A GRU whose last valid step and mean output feed a linear layer, one logit per class.
    let model = SequenceModelConfig::new(CellType::Gru, train.num_features(), 32, num_classes)
        .with_readout(Readout::LastAndMean)
        .with_seed(Some(1))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::MultiClass)
        .with_epochs(epochs)
        .with_batch_size(16)
        .with_grad_clip_norm(Some(1.0))
        .with_early_stopping(Some(EarlyStoppingConfig::new(10).with_restore_best(true)))
        .with_checkpoint(Some(CheckpointConfig::new(run.checkpoints()).with_every(5)));
    let mut trainer = Trainer::new(config);
    common::stop_on_ctrl_c(&trainer)?;
    let fitted = if run.resume {
        println!("resuming from {}", run.checkpoints().display());
        trainer.resume(run.checkpoints(), model, &train, Some(&valid))?
    } else {
        trainer.fit(model, &train, Some(&valid))?
    };
    run.report_interruption(&fitted);
    println!(
        "stopped: {:?}; best epoch {:?} of {}",
        fitted.stop_reason,
        fitted.best_epoch,
        fitted.history.epochs.len()
    );
    let matrix = fitted
        .confusion_matrix(&test)?
        .with_class_names(&class_names)?;
    println!("test accuracy {:.3}\n{matrix}", matrix.accuracy());
    run.plot(&fitted.history)?;

    // 5. Everything a later program needs: the model with its config, and the normaliser.
    fitted.model.save(&out)?;
    normalizer.save(out.join("normalizer.json"))?;
    println!("saved the model and the normaliser to {}", out.display());

    // 6. A later program: load both, normalise a new raw sequence the same way, predict.
    let model = SequenceModel::load(&out, &device)?;
    let normalizer = Normalizer::load(out.join("normalizer.json"))?;
    let predictor = Fitted::from_model(model, Objective::MultiClass);
    let mut rng = StdRng::seed_from_u64(99);
    let mut new_sequence = trace(2, 45, &mut rng); // DEMO_CLASSES[2], "running"
    for step in &mut new_sequence {
        normalizer.transform_values(step)?;
    }
    let probabilities = predictor.predict_proba_one(&new_sequence)?;
    println!("a new 45-step trace of someone running, labelled by the reloaded model:");
    for (name, p) in class_names.iter().zip(&probabilities) {
        println!("P({name}) = {p:.3}");
    }
    Ok(())
}

/// Labelled sequences as read from a file.
struct Labelled {
    /// `sequences[i][t][f]`: feature `f` at step `t` of sequence `i`.
    sequences: Vec<Vec<Vec<f32>>>,
    /// Each sequence's class index into `class_names`.
    labels: Vec<usize>,
    /// The labels found, sorted.
    class_names: Vec<String>,
}

/// Reads `id,label,feature1,...` rows: consecutive rows with one id are one sequence.
fn read_csv(path: &Path) -> Result<Labelled, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or(format!("{} is empty", path.display()))?;
    let num_features = header.split(',').count().saturating_sub(2);
    if num_features == 0 {
        return Err(format!("header {header:?}: expected id,label,feature1,...").into());
    }
    let mut sequences: Vec<Vec<Vec<f32>>> = Vec::new();
    let mut label_names: Vec<String> = Vec::new();
    let mut last_id: Option<String> = None;
    for (index, line) in lines {
        let at = || format!("{} line {}", path.display(), index + 1);
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != num_features + 2 {
            return Err(format!(
                "{}: expected {} fields (id, label, {num_features} features), found {}",
                at(),
                num_features + 2,
                fields.len()
            )
            .into());
        }
        let step = fields[2..]
            .iter()
            .map(|f| f.parse::<f32>())
            .collect::<Result<Vec<f32>, _>>()
            .map_err(|e| format!("{}: a feature is not a number: {e}", at()))?;
        if last_id.as_deref() != Some(fields[0]) {
            sequences.push(Vec::new());
            label_names.push(fields[1].to_string());
            last_id = Some(fields[0].to_string());
        } else if label_names.last().map(String::as_str) != Some(fields[1]) {
            return Err(
                format!("{}: the label changes within sequence {}", at(), fields[0]).into(),
            );
        }
        sequences.last_mut().expect("pushed above").push(step);
    }
    if sequences.is_empty() {
        return Err(format!("{} has a header but no rows", path.display()).into());
    }
    let classes: BTreeMap<&str, usize> = label_names
        .iter()
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, i))
        .collect();
    let labels = label_names.iter().map(|n| classes[n.as_str()]).collect();
    let class_names = classes.keys().map(|n| n.to_string()).collect();
    Ok(Labelled {
        sequences,
        labels,
        class_names,
    })
}

const DEMO_CLASSES: [&str; 3] = ["idle", "walking", "running"];

/// Writes `count` demo traces of random length and class.
fn write_demo_csv(path: &Path, count: usize, seed: u64) -> Result<(), Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut csv = String::from("id,label,x,y\n");
    for id in 0..count {
        let class = rng.random_range(0..DEMO_CLASSES.len());
        let steps = rng.random_range(30..=80);
        for step in trace(class, steps, &mut rng) {
            csv += &format!(
                "{id},{},{:.4},{:.4}\n",
                DEMO_CLASSES[class], step[0], step[1]
            );
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, csv).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// One two-axis trace at 20 steps a second: sensor noise with a slow drift (idle), or a stride
/// of 1.4 to 2.4 (walking) or 2.0 to 3.2 (running) per second, overlapping on purpose, running
/// a little stronger, all with a random phase and amplitude and noisy.
fn trace(class: usize, steps: usize, rng: &mut StdRng) -> Vec<Vec<f32>> {
    let (frequency, amplitude) = match class {
        0 => (rng.random_range(0.05..0.2), rng.random_range(0.1..0.4)),
        1 => (rng.random_range(1.4..2.4), rng.random_range(0.7..1.3)),
        _ => (rng.random_range(2.0..3.2), rng.random_range(1.0..1.6)),
    };
    let phase: f32 = rng.random_range(0.0..std::f32::consts::TAU);
    let mut noise = || 0.5 * (rng.random::<f32>() - 0.5) * 2.0;
    (0..steps)
        .map(|t| {
            let angle = std::f32::consts::TAU * frequency * t as f32 / 20.0 + phase;
            vec![
                amplitude * angle.sin() + noise(),
                0.5 * amplitude * (2.0 * angle).cos() + noise(),
            ]
        })
        .collect()
}
