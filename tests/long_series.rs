//! A small LSTM-FCN learns ArrowHead (a long UCR series) in CI time.
//!
//! In a test binary of its own: LSTM-FCN's dropout draws its masks from flex's generator, which
//! the whole process shares, so another test training in parallel in the same process
//! interleaves its draws with this one's (1 run in about 5 scored 0.503 instead of 0.743; alone
//! it scores 0.743 every time). docs/training.md, "Determinism", has the rule; tests/checkpoints.rs
//! serialises its exact comparisons for the same reason.

mod common;

use recurrent::model::LstmFcnConfig;
use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};

/// ArrowHead (251 steps, 3 classes, 36 training series) through a small LSTM-FCN in CI time:
/// `07_ucr`'s LSTM-FCN recipe (the whole training set in each batch, so the batch norms' running
/// statistics are those of the data they will see; Adam at 1e-3), with 32/64/32 filters
/// instead of 64/128/64 and 150 epochs instead of 300. Measured 0.743 with seed 1, recalls
/// 0.90 / 0.32 / 0.96 (guessing scores 0.33; the largest class for all, 0.39).
#[test]
fn arrow_head_is_learned_by_a_small_lstm_fcn_above_guessing() {
    let (_, train_data, test_data) = common::standardised("ArrowHead");
    let model = LstmFcnConfig::new(1, 3)
        .with_filters(vec![32, 64, 32])
        .with_seed(Some(1))
        .try_init(&common::default_cpu())
        .unwrap();
    let config = TrainerConfig::new(Objective::MultiClass)
        .with_epochs(150)
        .with_batch_size(train_data.len())
        .with_learning_rate(1e-3)
        .with_grad_clip_norm(Some(1.0))
        .with_seed(1)
        .with_progress(ProgressMode::Quiet);
    let fitted = Trainer::new(config).fit(model, &train_data, None).unwrap();
    let matrix = fitted.confusion_matrix(&test_data).unwrap();
    assert_eq!(matrix.total(), 175);
    assert!(matrix.accuracy() >= 0.6, "test accuracy\n{matrix}");
    // Every class is predicted: the batch norms' test-time statistics do not collapse the
    // predictions onto one class, as batches of 16 and 4 made them do.
    for class in 0..3 {
        let recall = matrix.recall(class).unwrap();
        assert!(recall > 0.1, "class {class} recall {recall}\n{matrix}");
    }
}
