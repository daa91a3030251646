//! The layers as Burn modules: nesting, devices, records, dropout, initialisation, saving.

mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Device, Distribution, Tensor};
use common::{Array, assert_close, cpu_devices, other_devices, values};
use recurrent::{
    Gru, GruConfig, Lstm, LstmConfig, Recurrent, RecurrentLayer, RecurrentState, SimpleRnnConfig,
};

fn random_input(shape: [usize; 3], device: &Device) -> Tensor<3> {
    device.seed(11);
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

fn as_array<const D: usize>(t: Tensor<D>) -> Array {
    let (values, shape) = values(t);
    Array { values, shape }
}

/// A user's own model around one of our layers, the way the 01_seed example builds it.
#[derive(Module, Debug)]
struct Classifier {
    rnn: Lstm,
    head: Linear,
}

impl Classifier {
    fn new(device: &Device) -> Self {
        Self {
            rnn: LstmConfig::new(1, 8).with_seed(Some(5)).init(device),
            head: LinearConfig::new(8, 1).init(device),
        }
    }

    fn forward(&self, input: Tensor<3>) -> Tensor<2> {
        let (_, state) = self.rnn.forward(input, None);
        let [_, batch, hidden] = state.hidden.dims();
        self.head.forward(state.hidden.reshape([batch, hidden]))
    }
}

#[test]
fn a_layer_nests_in_a_user_module_and_trains() {
    use burn::optim::{AdamConfig, GradientsParams};

    let device = cpu_devices()[0].1.clone().autodiff();
    let mut model = Classifier::new(&device);
    // 4 * 8 * (1 + 8) + 2 * 4 * 8 LSTM parameters, 8 + 1 for the head.
    assert_eq!(model.num_params(), 4 * 8 * 9 + 2 * 32 + 9);
    // One fixed batch; the target is the tanh of each sequence's sum.
    let input = random_input([8, 6, 1], &device);
    let target = input.clone().sum_dim(1).reshape([8, 1]).tanh();
    let loss_of = |model: &Classifier| {
        (model.forward(input.clone()) - target.clone())
            .powi_scalar(2)
            .mean()
    };
    let initial: f32 = loss_of(&model).into_scalar();
    let w_before = values(model.rnn.weights()[0].forward.weight_hh.val());
    let mut optimizer = AdamConfig::new().init();
    for _ in 0..40 {
        let loss = loss_of(&model);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(0.02, model, grads);
    }
    let last: f32 = loss_of(&model).into_scalar();
    assert!(
        last < 0.2 * initial,
        "40 Adam steps took the loss from {initial} to {last} only"
    );
    // The recurrent weights inside the user's module moved, not just the head.
    let w_after = values(model.rnn.weights()[0].forward.weight_hh.val());
    assert_ne!(w_before, w_after, "the LSTM's weights did not change");
}

#[test]
fn a_layer_moves_between_backends_with_the_same_numbers() {
    let reference = cpu_devices()[0].1.clone();
    let gru = GruConfig::new(2, 5)
        .with_num_layers(2)
        .with_bidirectional(true)
        .with_seed(Some(9))
        .init(&reference);
    let input = random_input([2, 7, 2], &reference);
    let (expected, expected_state) = gru.forward(input.clone(), None);
    let (expected, expected_state) = (as_array(expected), as_array(expected_state.hidden));
    let targets = other_devices(&reference);
    assert!(!targets.is_empty(), "no other device to move to");
    for (name, device, tolerance) in targets {
        let moved: Gru = gru.clone().to_device(&device);
        assert_eq!(moved.devices(), vec![device.clone()], "{name}");
        let (out, state) = moved.forward(input.clone().to_device(&device), None);
        assert_close(&format!("moved to {name}"), out, &expected, tolerance);
        assert_close(
            &format!("moved to {name}: h_n"),
            state.hidden,
            &expected_state,
            tolerance,
        );
    }
}

#[test]
fn seeded_weights_are_reproducible_in_pytorchs_range_and_equal_across_cpu_backends() {
    let hidden = 16;
    let bound = 1.0 / (hidden as f32).sqrt();
    let draw = |device: &Device, seed: u64| {
        let lstm = LstmConfig::new(3, hidden)
            .with_num_layers(2)
            .with_seed(Some(seed))
            .init(device);
        values(lstm.weights()[1].forward.weight_ih.val()).0
    };
    let reference_device = cpu_devices()[0].1.clone();
    let reference = draw(&reference_device, 42);
    // A second layer with the same seed: the same weights (nothing else is drawn from).
    assert_eq!(
        reference,
        draw(&reference_device, 42),
        "same seed, new weights"
    );
    // PyTorch's init: every weight in U(-1/sqrt(H), 1/sqrt(H)).
    assert_eq!(reference.len(), 4 * hidden * hidden);
    assert!(
        reference.iter().all(|v| v.abs() <= bound),
        "outside U(-1/sqrt(H), 1/sqrt(H))"
    );
    // Roughly uniform: the mean of |w| is close to bound / 2.
    let mean_abs = reference.iter().map(|v| v.abs()).sum::<f32>() / reference.len() as f32;
    assert!(
        (mean_abs - bound / 2.0).abs() < 0.05 * bound,
        "mean |w| {mean_abs}"
    );
    // The same on every other CPU backend compiled in, and on each one's autodiff variant.
    let others: Vec<_> = other_devices(&reference_device)
        .into_iter()
        .filter(|(name, ..)| !name.starts_with("wgpu"))
        .collect();
    assert!(!others.is_empty());
    for (name, device, _) in others {
        assert_eq!(
            draw(&device, 42),
            reference,
            "{name}: seeded weights differ from {:?}'s",
            cpu_devices()[0].0
        );
    }
    assert_ne!(
        draw(&reference_device, 43),
        reference,
        "different seeds give different weights"
    );
}

#[test]
fn unseeded_weights_follow_the_device_seed() {
    let device = &cpu_devices()[0].1;
    let draw = |seed: u64| {
        device.seed(seed);
        values(
            GruConfig::new(2, 4).init(device).weights()[0]
                .forward
                .weight_ih
                .val(),
        )
    };
    assert_eq!(draw(3), draw(3));
    assert_ne!(draw(3), draw(4), "another device seed, other weights");
}

#[test]
fn dropout_acts_between_layers_only_while_training() {
    let base = cpu_devices()[0].1.clone();
    let train_device = base.clone().autodiff();
    let config = SimpleRnnConfig::new(2, 32)
        .with_num_layers(2)
        .with_dropout(0.5)
        .with_seed(Some(1));
    let rnn = config.init(&train_device);
    let input = random_input([4, 5, 2], &train_device);
    let (trained, _) = rnn.forward(input.clone(), None);
    // The same weights in eval mode (`valid()` drops autodiff and switches dropout off).
    let eval = rnn.valid();
    let (evaluated, _) = eval.forward(input.clone().inner(), None);
    let (evaluated_again, _) = eval.forward(input.clone().inner(), None);
    assert_eq!(
        values(evaluated.clone()),
        values(evaluated_again),
        "eval is deterministic"
    );
    let diff: f32 = (trained.inner() - evaluated.clone())
        .abs()
        .max()
        .into_scalar();
    assert!(diff > 1e-3, "dropout changed nothing while training");
    // Without dropout the training output equals the eval output.
    let plain = config.clone().with_dropout(0.0).init(&train_device);
    let (a, _) = plain.forward(input.clone(), None);
    let (b, _) = plain.valid().forward(input.inner(), None);
    assert_close("no dropout", a.inner(), &as_array(b), 0.0);
    // One layer: dropout has nothing to act on (PyTorch only applies it between layers).
    let single = config
        .with_num_layers(1)
        .with_dropout(0.5)
        .init(&train_device);
    let x = random_input([4, 5, 2], &train_device);
    let (a, _) = single.forward(x.clone(), None);
    let (b, _) = single.valid().forward(x.inner(), None);
    assert_close("one layer", a.inner(), &as_array(b), 0.0);
}

#[test]
fn save_pytorch_then_load_pytorch_round_trips() {
    let dir = common::scratch("layer_behaviour/round_trip");
    for (name, device) in cpu_devices() {
        let path = dir.join(format!("lstm_{name}.safetensors"));
        let build = |seed: u64| {
            LstmConfig::new(3, 6)
                .with_num_layers(3)
                .with_bidirectional(true)
                .with_seed(Some(seed))
                .init(&device)
        };
        let lstm = build(2);
        lstm.save_pytorch(&path).expect("save");
        let input = random_input([2, 4, 3], &device);
        let (a, sa) = lstm.forward(input.clone(), None);
        let other = build(99);
        let (other_out, _) = other.forward(input.clone(), None);
        assert_ne!(
            values(other_out.clone()),
            values(a.clone()),
            "{name}: the seed-99 layer already gives the same output"
        );
        let loaded = build(99).load_pytorch(&path).expect("load");
        let (b, sb) = loaded.forward(input.clone(), None);
        assert_close(&format!("{name}: output"), b, &as_array(a), 0.0);
        assert_close(
            &format!("{name}: cell"),
            sb.cell.expect("an LSTM's cell"),
            &as_array(sa.cell.expect("an LSTM's cell")),
            0.0,
        );
        // Saving another layer over the file replaces it.
        other.save_pytorch(&path).expect("save over");
        let reloaded = build(2).load_pytorch(&path).expect("load again");
        let (c, _) = reloaded.forward(input, None);
        assert_close(
            &format!("{name}: output after saving over"),
            c,
            &as_array(other_out),
            0.0,
        );
    }
}

#[test]
fn a_layer_records_and_loads_with_burns_own_store() {
    let device = &cpu_devices()[0].1;
    let path = common::scratch("layer_behaviour/burnpack").join("gru.bpk");
    let gru = GruConfig::new(3, 4)
        .with_num_layers(2)
        .with_seed(Some(4))
        .init(device);
    gru.save_into(&mut BurnpackStore::from_file(&path))
        .expect("save burnpack");
    let mut fresh = GruConfig::new(3, 4)
        .with_num_layers(2)
        .with_seed(Some(8))
        .init(device);
    let input = random_input([2, 3, 3], device);
    assert_ne!(
        values(gru.forward(input.clone(), None).0),
        values(fresh.forward(input, None).0),
        "the fresh layer must differ before loading"
    );
    fresh
        .load_from(&mut BurnpackStore::from_file(&path))
        .expect("load burnpack");
    let input = random_input([2, 3, 3], device);
    let (a, _) = gru.forward(input.clone(), None);
    let (b, _) = fresh.forward(input, None);
    assert_close("burnpack round trip", b, &as_array(a), 0.0);
}

#[test]
fn a_long_sequence_stays_finite_and_stepping_agrees() {
    let device = &cpu_devices()[0].1;
    let lstm = LstmConfig::new(2, 8)
        .with_num_layers(2)
        .with_seed(Some(6))
        .init(device);
    let input = random_input([3, 300, 2], device);
    let (out, state) = lstm.forward(input.clone(), None);
    let (v, _) = values(out);
    assert!(v.iter().all(|x| x.is_finite()));
    let mut streamed = None;
    let mut last = None;
    for t in 0..300 {
        let (o, s) = lstm.step(input.clone().narrow(1, t, 1).reshape([3, 2]), streamed);
        streamed = Some(s);
        last = Some(o);
    }
    let streamed = streamed.expect("a state");
    // A step's output is exactly the top layer's new hidden state.
    assert_close(
        "last output",
        last.expect("an output"),
        &as_array(streamed.hidden.clone().narrow(0, 1, 1).reshape([3, 8])),
        0.0,
    );
    // Stepping projects each step's input on its own, the whole sequence projects all steps in
    // one product: the same sums, rounded in a different order.
    assert_close(
        "streamed h_n",
        streamed.hidden,
        &as_array(state.hidden.clone()),
        1e-5,
    );
    assert_close(
        "streamed c_n",
        streamed.cell.expect("an LSTM's cell"),
        &as_array(state.cell.expect("an LSTM's cell")),
        1e-5,
    );
}

#[test]
fn a_weight_file_without_extension_is_recognised_by_its_content() {
    let dir = common::scratch("layer_behaviour/sniff");
    let fixture = common::fixture_dir().join("gru_l2_bi_bias_state");
    let device = &cpu_devices()[0].1;
    let build = || {
        GruConfig::new(3, 4)
            .with_num_layers(2)
            .with_bidirectional(true)
            .init(device)
    };
    // The same file under its own name: what the renamed copies must give.
    let input = Tensor::ones([2, 3, 3], device);
    let reference = build()
        .load_pytorch(fixture.join("weights.pt"))
        .expect("the fixture loads");
    let expected = values(reference.forward(input.clone(), None).0);
    assert_ne!(
        values(build().forward(input.clone(), None).0),
        expected,
        "fresh weights already give the fixture's output"
    );
    for source in ["weights.pt", "weights.safetensors"] {
        let path = dir.join(format!("{source}_renamed"));
        std::fs::copy(fixture.join(source), &path).expect("copy");
        let gru = build()
            .load_pytorch(&path)
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(
            values(gru.forward(input.clone(), None).0),
            expected,
            "{source} renamed"
        );
    }
}

/// Padding is never read: a sequence padded with anything gives, within its length, the
/// output and final state it gives alone; past its length the output is zero.
#[test]
fn padding_is_never_read() {
    let device = common::default_cpu();
    let lstm = LstmConfig::new(2, 3)
        .with_num_layers(2)
        .with_bidirectional(true)
        .with_seed(Some(5))
        .init(&device);
    let alone = Tensor::<3>::random([1, 4, 2], Distribution::Normal(0.0, 1.0), &device);
    let padding = Tensor::<3>::random([1, 3, 2], Distribution::Normal(0.0, 100.0), &device);
    let padded = Tensor::cat(vec![alone.clone(), padding], 1);
    let (expected, expected_state) = lstm.forward(alone, None);
    let (output, state) = lstm.forward_with_lengths(padded, &[4], None);
    let within: f32 = (output.clone().narrow(1, 0, 4) - expected)
        .abs()
        .max()
        .into_scalar();
    let past: f32 = output.narrow(1, 4, 3).abs().max().into_scalar();
    let hidden: f32 = (state.hidden - expected_state.hidden)
        .abs()
        .max()
        .into_scalar();
    let cell: f32 = (state.cell.expect("an LSTM's cell")
        - expected_state.cell.expect("an LSTM's cell"))
    .abs()
    .max()
    .into_scalar();
    assert!(
        within < 1e-6 && hidden < 1e-6 && cell < 1e-6,
        "{within} {hidden} {cell}"
    );
    assert_eq!(past, 0.0);
}

/// `zero_state` is exactly what `forward(.., None)` starts from: zeros of
/// `[num_layers * num_directions, batch, hidden]`, with a cell for the LSTM only.
#[test]
fn zero_state_is_what_forward_starts_from() {
    let device = common::default_cpu();
    let layers: Vec<RecurrentLayer> = vec![
        SimpleRnnConfig::new(2, 3)
            .with_num_layers(2)
            .with_seed(Some(1))
            .init(&device)
            .into(),
        LstmConfig::new(2, 3)
            .with_num_layers(2)
            .with_bidirectional(true)
            .with_seed(Some(2))
            .init(&device)
            .into(),
        GruConfig::new(2, 3)
            .with_bidirectional(true)
            .with_seed(Some(3))
            .init(&device)
            .into(),
    ];
    for layer in layers {
        let what = format!("{:?}", layer.cell_type());
        let rows = layer.num_layers() * layer.num_directions();
        let zero = layer.zero_state(4, &device);
        assert_eq!(zero.hidden.dims(), [rows, 4, 3], "{what}");
        assert_eq!(zero.hidden.device(), device, "{what}");
        assert_eq!(
            values(zero.hidden.clone()).0,
            vec![0.0; rows * 4 * 3],
            "{what}"
        );
        match &zero.cell {
            Some(cell) => {
                assert!(layer.has_cell_state(), "{what}: a cell for a non-LSTM");
                assert_eq!(values(cell.clone()).0, vec![0.0; rows * 4 * 3], "{what}");
            }
            None => assert!(!layer.has_cell_state(), "{what}: no cell for an LSTM"),
        }
        let input = random_input([4, 5, 2], &device);
        let (from_none, state_none) = layer.forward(input.clone(), None);
        let (from_zero, state_zero) = layer.forward(input.clone(), Some(zero.clone()));
        assert_close(&what, from_zero, &as_array(from_none.clone()), 0.0);
        assert_close(
            &format!("{what}: h_n"),
            state_zero.hidden,
            &as_array(state_none.hidden),
            0.0,
        );
        assert_eq!(state_zero.cell.is_some(), layer.has_cell_state(), "{what}");
        assert_eq!(state_none.cell.is_some(), layer.has_cell_state(), "{what}");
        if let (Some(a), Some(b)) = (state_zero.cell, state_none.cell) {
            assert_close(&format!("{what}: c_n"), a, &as_array(b), 0.0);
        }
        // A non-zero start gives other numbers, so the comparison above can fail.
        let ones = RecurrentState {
            hidden: zero.hidden.ones_like(),
            cell: zero.cell.map(|c| c.ones_like()),
        };
        let (from_ones, _) = layer.forward(input, Some(ones));
        assert_ne!(values(from_ones), values(from_none), "{what}");
    }
}
