//! The layers as Burn modules: nesting, devices, records, dropout, initialisation, saving.

mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Device, Distribution, Tensor};
use common::{Array, assert_close, cpu_devices, values};
use recurrent::{Gru, GruConfig, Lstm, LstmConfig, SimpleRnnConfig};

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
    let device = cpu_devices()[0].1.clone().autodiff();
    let model = Classifier::new(&device);
    // 4 * 8 * (1 + 8) + 2 * 4 * 8 LSTM parameters, 8 + 1 for the head.
    assert_eq!(model.num_params(), 4 * 8 * 9 + 2 * 32 + 9);
    let input = random_input([3, 6, 1], &device);
    let loss = model.forward(input).powi_scalar(2).sum();
    let grads = loss.backward();
    let w = &model.rnn.weights()[0].forward.weight_hh;
    let grad = w
        .val()
        .grad(&grads)
        .expect("the recurrent weights get a gradient");
    let norm: f32 = grad.abs().sum().into_scalar();
    assert!(norm > 0.0);
}

#[test]
fn a_layer_moves_between_backends_with_the_same_numbers() {
    let devices = cpu_devices();
    let (first, rest) = devices.split_first().expect("a device");
    let gru = GruConfig::new(2, 5)
        .with_num_layers(2)
        .with_bidirectional(true)
        .with_seed(Some(9))
        .init(&first.1);
    let input = random_input([2, 7, 2], &first.1);
    let (expected, _) = gru.forward(input.clone(), None);
    let expected = as_array(expected);
    for (name, device) in rest.iter().chain(std::iter::once(first)) {
        let moved: Gru = gru.clone().to_device(device);
        let (out, _) = moved.forward(input.clone().to_device(device), None);
        assert_close(&format!("moved to {name}"), out, &expected, 1e-6);
    }
}

#[test]
fn seeded_weights_are_the_same_on_every_backend_and_drawn_like_pytorch() {
    let hidden = 16;
    let bound = 1.0 / (hidden as f32).sqrt();
    let mut reference: Option<Vec<f32>> = None;
    for (name, device) in cpu_devices() {
        let lstm = LstmConfig::new(3, hidden)
            .with_num_layers(2)
            .with_seed(Some(42))
            .init(&device);
        let (w, _) = values(lstm.weights()[1].forward.weight_ih.val());
        assert_eq!(w.len(), 4 * hidden * hidden);
        assert!(
            w.iter().all(|v| v.abs() <= bound),
            "{name}: outside U(-1/sqrt(H), 1/sqrt(H))"
        );
        // Roughly uniform: the mean of |w| is close to bound / 2.
        let mean_abs = w.iter().map(|v| v.abs()).sum::<f32>() / w.len() as f32;
        assert!(
            (mean_abs - bound / 2.0).abs() < 0.05 * bound,
            "{name}: mean |w| {mean_abs}"
        );
        match &reference {
            None => reference = Some(w),
            Some(r) => assert_eq!(r, &w, "{name}: seeded weights differ between backends"),
        }
    }
    let device = &cpu_devices()[0].1;
    let a = values(
        LstmConfig::new(3, hidden)
            .with_seed(Some(42))
            .init(device)
            .weights()[0]
            .forward
            .weight_hh
            .val(),
    );
    let b = values(
        LstmConfig::new(3, hidden)
            .with_seed(Some(43))
            .init(device)
            .weights()[0]
            .forward
            .weight_hh
            .val(),
    );
    assert_ne!(a, b, "different seeds give different weights");
}

#[test]
fn unseeded_weights_follow_the_device_seed() {
    let device = &cpu_devices()[0].1;
    let draw = || {
        device.seed(3);
        values(
            GruConfig::new(2, 4).init(device).weights()[0]
                .forward
                .weight_ih
                .val(),
        )
    };
    assert_eq!(draw(), draw());
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
        let lstm = LstmConfig::new(3, 6)
            .with_num_layers(3)
            .with_bidirectional(true)
            .with_seed(Some(2))
            .init(&device);
        lstm.save_pytorch(&path).expect("save");
        let loaded = LstmConfig::new(3, 6)
            .with_num_layers(3)
            .with_bidirectional(true)
            .with_seed(Some(99))
            .init(&device)
            .load_pytorch(&path)
            .expect("load");
        let input = random_input([2, 4, 3], &device);
        let (a, sa) = lstm.forward(input.clone(), None);
        let (b, sb) = loaded.forward(input, None);
        assert_close(&format!("{name}: output"), b, &as_array(a), 0.0);
        assert_close(&format!("{name}: cell"), sb.cell, &as_array(sa.cell), 0.0);
        // Saving again over the file replaces it.
        loaded.save_pytorch(&path).expect("save over");
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
    assert_close("streamed c_n", streamed.cell, &as_array(state.cell), 1e-5);
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
    let mut outputs = Vec::new();
    for source in ["weights.pt", "weights.safetensors"] {
        let path = dir.join(format!("{source}_renamed"));
        std::fs::copy(fixture.join(source), &path).expect("copy");
        let gru = build()
            .load_pytorch(&path)
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        outputs.push(values(gru.forward(Tensor::ones([2, 3, 3], device), None).0));
    }
    assert_eq!(outputs[0], outputs[1]);
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
    let cell: f32 = (state.cell - expected_state.cell).abs().max().into_scalar();
    assert!(
        within < 1e-6 && hidden < 1e-6 && cell < 1e-6,
        "{within} {hidden} {cell}"
    );
    assert_eq!(past, 0.0);
}
