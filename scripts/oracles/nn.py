"""Oracle fixtures for @mlx/nn: layer outputs and gradients with MLX's own weights, losses,
schedules and 100-step optimizer trajectories. Writes packages/nn/test/fixtures/nn.json.

Every layer case stores its parameters (tree_flatten names, snake_case), inputs, outputs, the
cotangents used for the gradient check (loss = sum(out * cot)), and gradients with respect to the
chosen inputs and to the trainable parameters (nn.value_and_grad)."""
import json
import math
import os
import sys

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten, tree_unflatten

sys.path.insert(0, os.path.dirname(__file__))
from common import encode  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "nn", "test", "fixtures", "nn.json")
rng = np.random.RandomState(7)


def randn(*shape, scale=1.0):
    return mx.array((rng.randn(*shape) * scale).astype(np.float32))


def enc_tree(pairs):
    return {k: encode(v) for k, v in pairs}


HAS_CONV = hasattr(mx, "conv1d")
layer_cases = []


def layer(name, build, inputs, call=None, grad_inputs=None, train=False, grads=True):
    mx.random.seed(len(layer_cases) + 1)
    model = build()
    mx.eval(model.parameters())
    model.train(train)
    call = call or (lambda m, *xs: m(*xs))
    params = tree_flatten(model.parameters())
    outs = call(model, *inputs)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    mx.eval(outs)
    after = tree_flatten(model.parameters())  # BatchNorm updates its running stats in training
    case = {"name": name, "params": enc_tree(params), "inputs": [encode(x) for x in inputs],
            "outputs": [encode(o) for o in outs], "train": train}
    if any(not np.array_equal(np.array(a[1]), np.array(b[1])) for a, b in zip(params, after)):
        case["params_after"] = enc_tree(after)
        model.update(tree_unflatten(params))
    if grads:
        cots = [randn(*o.shape) for o in outs]
        gi = [i for i, x in enumerate(inputs) if mx.issubdtype(x.dtype, mx.floating)] if grad_inputs is None else grad_inputs

        def loss_of(outs_):
            outs_ = list(outs_) if isinstance(outs_, (tuple, list)) else [outs_]
            return sum((o * c).sum() for o, c in zip(outs_, cots))

        def f_inputs(*xs):
            full = list(inputs)
            for i, x in zip(gi, xs):
                full[i] = x
            return loss_of(call(model, *full))

        if gi:
            g_in = mx.grad(f_inputs, argnums=list(range(len(gi))))(*[inputs[i] for i in gi])
            g_in = list(g_in) if isinstance(g_in, (tuple, list)) else [g_in]
        else:
            g_in = []
        if tree_flatten(model.trainable_parameters()):
            loss, g_p = nn.value_and_grad(model, lambda *xs: loss_of(call(model, *xs)))(*inputs)
        else:
            loss, g_p = loss_of(call(model, *inputs)), {}
        mx.eval(g_in, g_p, loss)
        case.update({"cots": [encode(c) for c in cots], "grad_inputs": gi, "grads_in": [encode(g) for g in g_in],
                     "grads_params": enc_tree(tree_flatten(g_p)), "loss": float(loss.item())})
    layer_cases.append(case)


# --- linear, embedding, containers
layer("linear", lambda: nn.Linear(5, 3), [randn(2, 4, 5)])
layer("linear_nobias", lambda: nn.Linear(5, 3, bias=False), [randn(7, 5)])
layer("bilinear", lambda: nn.Bilinear(3, 4, 5), [randn(2, 3), randn(2, 4)])
layer("embedding", lambda: nn.Embedding(10, 4), [mx.array(rng.randint(0, 10, (2, 3)).astype(np.int32))])
layer("sequential", lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), [randn(3, 4)])
layer("identity", lambda: nn.Identity(), [randn(2, 3)])

# --- activations (classes, default arguments plus a few variants)
xa = mx.array(np.concatenate([np.linspace(-4, 4, 34), [-0.5, 0.5, 0.0, 1e-3, -1e-3, 7.0]]).astype(np.float32).reshape(4, 10))
acts = {
    "Sigmoid": nn.Sigmoid, "Mish": nn.Mish, "ReLU": nn.ReLU, "ReLU2": nn.ReLU2, "ReLU6": nn.ReLU6,
    "LeakyReLU": nn.LeakyReLU, "LeakyReLU_0.2": lambda: nn.LeakyReLU(0.2), "ELU": nn.ELU, "ELU_0.5": lambda: nn.ELU(0.5),
    "Softmax": nn.Softmax, "Softplus": nn.Softplus, "Softsign": nn.Softsign, "Softshrink": nn.Softshrink,
    "Softshrink_1": lambda: nn.Softshrink(1.0), "CELU": nn.CELU, "CELU_2": lambda: nn.CELU(2.0), "SiLU": nn.SiLU,
    "LogSoftmax": nn.LogSoftmax, "LogSigmoid": nn.LogSigmoid, "PReLU": nn.PReLU, "PReLU_4": lambda: nn.PReLU(10, 0.1),
    "GELU": nn.GELU, "GELU_precise": lambda: nn.GELU("precise"), "GELU_tanh": lambda: nn.GELU("tanh"),
    "GELU_fast": lambda: nn.GELU("fast"), "Tanh": nn.Tanh, "Hardswish": nn.Hardswish, "Step": nn.Step,
    "Step_0.5": lambda: nn.Step(0.5), "SELU": nn.SELU, "HardTanh": nn.HardTanh, "HardShrink": nn.HardShrink,
    "HardShrink_1": lambda: nn.HardShrink(1.0), "Softmin": nn.Softmin, "GLU": nn.GLU,
}
for k, ctor in acts.items():
    layer("act_" + k, ctor, [xa])

# --- normalization
layer("layernorm", lambda: nn.LayerNorm(6), [randn(2, 3, 6)])
layer("layernorm_noaffine", lambda: nn.LayerNorm(6, eps=1e-3, affine=False), [randn(2, 3, 6)])
layer("layernorm_nobias", lambda: nn.LayerNorm(6, bias=False), [randn(4, 6)])
layer("rmsnorm", lambda: nn.RMSNorm(6), [randn(2, 3, 6)])
layer("groupnorm", lambda: nn.GroupNorm(2, 6), [randn(2, 3, 4, 6)])
layer("groupnorm_pt", lambda: nn.GroupNorm(3, 6, pytorch_compatible=True), [randn(2, 5, 6)])
layer("instancenorm", lambda: nn.InstanceNorm(6, affine=True), [randn(2, 3, 3, 6)])
layer("instancenorm_plain", lambda: nn.InstanceNorm(4), [randn(2, 5, 4)])


def bn_eval():
    m = nn.BatchNorm(6)
    m.running_mean = randn(6, scale=0.5)
    m.running_var = mx.abs(randn(6)) + 0.5
    return m


layer("batchnorm_eval", bn_eval, [randn(4, 6)])
layer("batchnorm_train", lambda: nn.BatchNorm(6, momentum=0.3), [randn(4, 3, 6)], train=True, grads=False)
layer("batchnorm_train_noaffine", lambda: nn.BatchNorm(5, affine=False), [randn(2, 3, 3, 5)], train=True, grads=False)
layer("dropout_eval", lambda: nn.Dropout(0.5), [randn(3, 4)])

# --- pooling
layer("maxpool1d", lambda: nn.MaxPool1d(3, 2, 1), [randn(2, 9, 3)])
layer("avgpool1d", lambda: nn.AvgPool1d(2), [randn(2, 8, 3)])
layer("maxpool2d", lambda: nn.MaxPool2d(2), [randn(2, 6, 6, 3)])
layer("avgpool2d", lambda: nn.AvgPool2d((3, 2), (2, 1), 1), [randn(2, 7, 5, 3)])
layer("maxpool3d", lambda: nn.MaxPool3d(2, 1), [randn(1, 4, 4, 3, 2)])
layer("avgpool3d", lambda: nn.AvgPool3d(2), [randn(1, 4, 4, 4, 2)])

# --- positional
layer("rope", lambda: nn.RoPE(8), [randn(2, 5, 8)], call=lambda m, x: m(x, offset=3))
layer("rope_trad", lambda: nn.RoPE(6, traditional=True, base=100, scale=0.5), [randn(1, 2, 4, 8)])
layer("sinusoidal", lambda: nn.SinusoidalPositionalEncoding(8), [mx.arange(6).astype(mx.float32)])
layer("sinusoidal_cos", lambda: nn.SinusoidalPositionalEncoding(6, 0.01, 2.0, 1.5, cos_first=True, full_turns=True), [randn(2, 3)])
layer("alibi", lambda: nn.ALiBi(), [randn(2, 4, 5, 5)])
layer("alibi_mask_offset", lambda: nn.ALiBi(), [randn(1, 6, 3, 7), randn(3, 7)], call=lambda m, s, mask: m(s, offset=2, mask=mask))

# --- attention and transformer
causal = nn.MultiHeadAttention.create_additive_causal_mask(4)
layer("mha", lambda: nn.MultiHeadAttention(8, 2), [randn(2, 4, 8), randn(2, 6, 8), randn(2, 6, 8)])
layer("mha_causal", lambda: nn.MultiHeadAttention(8, 4, bias=True), [randn(2, 4, 8), causal],
      call=lambda m, x, mask: m(x, x, x, mask), grad_inputs=[0])
layer("mha_dims", lambda: nn.MultiHeadAttention(8, 2, 6, 5, 7, 4, 3, True), [randn(2, 3, 6), randn(2, 5, 5), randn(2, 5, 7)])
layer("encoder_layer", lambda: nn.TransformerEncoderLayer(8, 2, 16), [randn(2, 4, 8), causal], grad_inputs=[0])
layer("encoder_layer_post", lambda: nn.TransformerEncoderLayer(8, 2, 16, norm_first=False, activation=nn.gelu),
      [randn(2, 4, 8), causal], grad_inputs=[0])
layer("encoder", lambda: nn.TransformerEncoder(2, 8, 2), [randn(2, 4, 8), causal], grad_inputs=[0])
layer("decoder_layer", lambda: nn.TransformerDecoderLayer(8, 2, 16), [randn(2, 4, 8), randn(2, 3, 8), causal],
      call=lambda m, x, mem, mask: m(x, mem, mask, None), grad_inputs=[0, 1])
layer("decoder_layer_post", lambda: nn.TransformerDecoderLayer(8, 2, 16, norm_first=False), [randn(2, 4, 8), randn(2, 3, 8), causal],
      call=lambda m, x, mem, mask: m(x, mem, mask, None), grad_inputs=[0, 1])
layer("transformer", lambda: nn.Transformer(8, 2, 1, 1, 16), [randn(2, 3, 8), randn(2, 4, 8), causal],
      call=lambda m, src, tgt, mask: m(src, tgt, None, mask, None), grad_inputs=[0, 1])

# --- recurrent
layer("rnn", lambda: nn.RNN(3, 4), [randn(2, 5, 3)])
layer("rnn_hidden_nobias", lambda: nn.RNN(3, 4, bias=False, nonlinearity=nn.relu), [randn(2, 5, 3), randn(2, 4)],
      call=lambda m, x, h: m(x, h))
layer("gru", lambda: nn.GRU(3, 4), [randn(2, 5, 3)])
layer("gru_hidden", lambda: nn.GRU(3, 4), [randn(5, 3), randn(4)], call=lambda m, x, h: m(x, h))
layer("gru_nobias", lambda: nn.GRU(3, 4, bias=False), [randn(2, 4, 3)])
layer("lstm", lambda: nn.LSTM(3, 4), [randn(2, 5, 3)])
layer("lstm_state", lambda: nn.LSTM(3, 4), [randn(2, 5, 3), randn(2, 4), randn(2, 4)], call=lambda m, x, h, c: m(x, h, c))

# --- upsample
layer("up_nearest2", lambda: nn.Upsample(2), [randn(1, 3, 3, 2)])
layer("up_nearest_frac", lambda: nn.Upsample((1.5, 2.5)), [randn(1, 4, 3, 2)])
layer("up_nearest_down", lambda: nn.Upsample(0.5), [randn(1, 6, 2)])
layer("up_linear", lambda: nn.Upsample(2, "linear"), [randn(1, 3, 4, 2)])
layer("up_linear_ac", lambda: nn.Upsample(2, "linear", align_corners=True), [randn(1, 3, 4, 2)])
layer("up_linear_1d", lambda: nn.Upsample(2.5, "linear"), [randn(2, 4, 3)])
layer("up_cubic", lambda: nn.Upsample(2, "cubic"), [randn(1, 3, 3, 2)])
layer("up_cubic_ac", lambda: nn.Upsample((2, 1.5), "cubic", align_corners=True), [randn(1, 3, 4, 1)])
layer("up_linear_aa", lambda: nn.Upsample(0.5, "linear", antialias=True), [randn(1, 8, 6, 2)])
layer("up_cubic_aa", lambda: nn.Upsample(0.5, "cubic", antialias=True), [randn(1, 8, 8, 1)])

# --- convolution (tests skip these where @mlx/core has no conv yet)
layer("conv1d", lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), [randn(2, 9, 3)])
layer("conv1d_groups", lambda: nn.Conv1d(4, 6, 2, dilation=2, groups=2, bias=False), [randn(1, 8, 4)])
layer("conv2d", lambda: nn.Conv2d(3, 4, (3, 2), padding=1), [randn(2, 5, 6, 3)])
layer("conv3d", lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), [randn(1, 4, 5, 3, 2)])
layer("convT1d", lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1), [randn(2, 5, 3)])
layer("convT2d", lambda: nn.ConvTranspose2d(2, 3, 2, stride=2), [randn(1, 3, 3, 2)])
layer("convT3d", lambda: nn.ConvTranspose3d(2, 2, 2), [randn(1, 2, 3, 2, 2)])


# --- quantized (tests skip where @mlx/core has no quantize yet)
def qmodel():
    m = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 128, bias=False))
    nn.quantize(m, 32, 4, class_predicate=lambda p, l: isinstance(l, nn.Linear) and l.weight.shape[-1] % 32 == 0)
    return m


layer("quantized_seq", qmodel, [randn(3, 64)])
layer("quantized_linear_8bit", lambda: nn.QuantizedLinear(64, 16, True, 64, 8), [randn(2, 64)])
layer("quantized_embedding", lambda: nn.QuantizedEmbedding(12, 64, 32, 4), [mx.array(rng.randint(0, 12, (2, 3)).astype(np.int32))])


def qemb_linear():
    e = nn.Embedding(12, 64)
    return nn.QuantizedEmbedding.from_embedding(e, 64, 4)


layer("quantized_embedding_as_linear", qemb_linear, [randn(2, 64)], call=lambda m, x: m.as_linear(x))

# --- losses
L = nn.losses
logits = randn(6, 5)
tgt = mx.array(rng.randint(0, 5, (6,)).astype(np.int32))
probs = mx.softmax(randn(6, 5), axis=-1)
w6 = mx.abs(randn(6))
pred = randn(4, 3)
targ = randn(4, 3)
p01 = mx.sigmoid(randn(4, 3))
b01 = mx.array((rng.rand(4, 3) > 0.5).astype(np.float32))
logp = nn.log_softmax(randn(4, 5))
logq = nn.log_softmax(randn(4, 5))
anc, pos, neg = randn(4, 6), randn(4, 6), randn(4, 6)
pm1 = mx.array(np.sign(rng.randn(4, 3)).astype(np.float32))
var = mx.abs(randn(4, 3)) + 0.1
x1, x2 = randn(4, 6), randn(4, 6)
in1, in2 = randn(8), randn(8)
rk = mx.array(np.sign(rng.randn(8)).astype(np.float32))
loss_specs = [
    ("cross_entropy", "crossEntropy", [logits, tgt], {}),
    ("cross_entropy", "crossEntropy", [logits, tgt, w6], {"reduction": "mean"}),
    ("cross_entropy", "crossEntropy", [logits, tgt, None, -1, 0.1], {"reduction": "sum"}),
    ("cross_entropy", "crossEntropy", [logits, probs], {"label_smoothing": 0.2}),
    ("cross_entropy", "crossEntropy", [logits.T, tgt, None, 0], {}),
    ("binary_cross_entropy", "binaryCrossEntropy", [pred, b01], {}),
    ("binary_cross_entropy", "binaryCrossEntropy", [p01, b01, None, False], {"reduction": "none"}),
    ("binary_cross_entropy", "binaryCrossEntropy", [pred, p01, mx.abs(targ)], {"reduction": "sum"}),
    ("l1_loss", "l1Loss", [pred, targ], {}),
    ("l1_loss", "l1Loss", [pred, targ], {"reduction": "none"}),
    ("mse_loss", "mseLoss", [pred, targ], {}),
    ("mse_loss", "mseLoss", [pred, targ], {"reduction": "sum"}),
    ("nll_loss", "nllLoss", [nn.log_softmax(logits), tgt], {}),
    ("nll_loss", "nllLoss", [nn.log_softmax(logits), tgt], {"reduction": "mean"}),
    ("kl_div_loss", "klDivLoss", [logp, logq], {}),
    ("kl_div_loss", "klDivLoss", [logp, logq], {"reduction": "sum"}),
    ("smooth_l1_loss", "smoothL1Loss", [pred, targ], {}),
    ("smooth_l1_loss", "smoothL1Loss", [pred, targ, 0.5], {"reduction": "none"}),
    ("triplet_loss", "tripletLoss", [anc, pos, neg], {}),
    ("triplet_loss", "tripletLoss", [anc, pos, neg, -1, 1, 0.5], {"reduction": "mean"}),
    ("hinge_loss", "hingeLoss", [pred, pm1], {}),
    ("hinge_loss", "hingeLoss", [pred, pm1], {"reduction": "mean"}),
    ("huber_loss", "huberLoss", [pred, targ], {}),
    ("huber_loss", "huberLoss", [pred, targ, 0.5], {"reduction": "sum"}),
    ("log_cosh_loss", "logCoshLoss", [pred, targ], {}),
    ("log_cosh_loss", "logCoshLoss", [pred, targ], {"reduction": "mean"}),
    ("cosine_similarity_loss", "cosineSimilarityLoss", [x1, x2], {}),
    ("cosine_similarity_loss", "cosineSimilarityLoss", [x1.T, x2.T, 0], {"reduction": "mean"}),
    ("margin_ranking_loss", "marginRankingLoss", [in1, in2, rk], {}),
    ("margin_ranking_loss", "marginRankingLoss", [in1, in2, rk, 0.3], {"reduction": "sum"}),
    ("gaussian_nll_loss", "gaussianNllLoss", [pred, targ, var], {}),
    ("gaussian_nll_loss", "gaussianNllLoss", [pred, targ, var, True], {"reduction": "none"}),
]
# positional order of each loss's optional arguments (the TS test passes them positionally)
order = {
    "cross_entropy": ["weights", "axis", "label_smoothing", "reduction"],
    "binary_cross_entropy": ["weights", "with_logits", "reduction"],
    "l1_loss": ["reduction"], "mse_loss": ["reduction"], "nll_loss": ["axis", "reduction"],
    "kl_div_loss": ["axis", "reduction"], "smooth_l1_loss": ["beta", "reduction"],
    "triplet_loss": ["axis", "p", "margin", "eps", "reduction"], "hinge_loss": ["reduction"],
    "huber_loss": ["delta", "reduction"], "log_cosh_loss": ["reduction"],
    "cosine_similarity_loss": ["axis", "eps", "reduction"], "margin_ranking_loss": ["margin", "reduction"],
    "gaussian_nll_loss": ["full", "eps", "reduction"],
}
n_arrays = {"triplet_loss": 3, "margin_ranking_loss": 3, "gaussian_nll_loss": 3}
loss_cases = []
for py, ts, args, kw in loss_specs:
    na = n_arrays.get(py, 2)
    out = getattr(L, py)(*args, **kw)
    # all arguments after the arrays, positionally, with MLX defaults filled in
    import inspect
    sig = inspect.signature(getattr(L, py))
    names = list(sig.parameters)[na:]
    extra = list(args[na:])
    full = []
    for i, n in enumerate(names):
        if i < len(extra):
            v = extra[i]
        elif n in kw:
            v = kw[n]
        else:
            v = sig.parameters[n].default
        full.append({"array": encode(v)} if isinstance(v, mx.array) else v)
    # gradient of sum(loss) w.r.t. the first argument
    g = mx.grad(lambda a: getattr(L, py)(a, *args[1:], **kw).sum())(args[0])
    loss_cases.append({"name": py, "fn": ts, "arrays": [encode(a) for a in args[:na]], "rest": full,
                       "expected": encode(out), "grad0": encode(g)})

# --- schedules
sched = []
for name, fn, ts in [
    ("exponential_decay", optim.exponential_decay(0.1, 0.9), ["exponentialDecay", 0.1, 0.9]),
    ("step_decay", optim.step_decay(0.1, 0.5, 3), ["stepDecay", 0.1, 0.5, 3]),
    ("cosine_decay", optim.cosine_decay(0.1, 10, 0.01), ["cosineDecay", 0.1, 10, 0.01]),
    ("linear_schedule", optim.linear_schedule(0.0, 0.1, 5), ["linearSchedule", 0.0, 0.1, 5]),
]:
    vals = [float(fn(mx.array(s, mx.uint64)).item()) for s in range(15)]
    sched.append({"name": name, "ts": ts, "values": vals})

# --- optimizers: 100 steps on a small MLP regression
X = randn(16, 4)
Y = randn(16, 3)


def mlp():
    mx.random.seed(123)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


init_params = tree_flatten(mlp().parameters())


def run(opt, clip=None, steps=100):
    m = mlp()
    vg = nn.value_and_grad(m, lambda x, y: nn.losses.mse_loss(m(x), y))
    losses = []
    for _ in range(steps):
        loss, g = vg(X, Y)
        if clip is not None:
            g, _ = optim.clip_grad_norm(g, clip)
        opt.update(m, g)
        mx.eval(m.parameters(), opt.state)
        losses.append(float(loss.item()))
    return m, losses


opt_specs = [
    ("SGD", [0.1], lambda: optim.SGD(0.1)),
    ("SGD", [0.1, 0.9], lambda: optim.SGD(0.1, 0.9)),
    ("SGD", [0.05, 0.9, 0.01, 0.1], lambda: optim.SGD(0.05, 0.9, 0.01, 0.1)),
    ("SGD", [0.05, 0.9, 0.0, 0.0, True], lambda: optim.SGD(0.05, 0.9, 0.0, 0.0, True)),
    ("RMSprop", [0.01], lambda: optim.RMSprop(0.01)),
    ("RMSprop", [0.003, 0.9, 1e-6], lambda: optim.RMSprop(0.003, 0.9, 1e-6)),  # (0.01, 0.9) is chaotic even within MLX
    ("Adagrad", [0.1], lambda: optim.Adagrad(0.1)),
    ("AdaDelta", [1.0], lambda: optim.AdaDelta(1.0)),
    ("AdaDelta", [0.5, 0.8, 1e-5], lambda: optim.AdaDelta(0.5, 0.8, 1e-5)),
    ("Adam", [0.01], lambda: optim.Adam(0.01)),
    ("Adam", [0.01, [0.8, 0.99], 1e-7, True], lambda: optim.Adam(0.01, [0.8, 0.99], 1e-7, True)),
    ("AdamW", [0.01], lambda: optim.AdamW(0.01)),
    ("AdamW", [0.01, [0.9, 0.999], 1e-8, 0.1, True], lambda: optim.AdamW(0.01, [0.9, 0.999], 1e-8, 0.1, True)),
    ("Adamax", [0.01], lambda: optim.Adamax(0.01)),
    ("Lion", [0.001], lambda: optim.Lion(0.001)),
    ("Lion", [0.001, [0.9, 0.99], 0.1], lambda: optim.Lion(0.001, [0.9, 0.99], 0.1)),
    ("Adafactor", [], lambda: optim.Adafactor()),
    ("Adafactor", [0.01, [1e-30, 1e-3], 1.0, -0.8, 0.9, 0.01, True, False],
     lambda: optim.Adafactor(0.01, (1e-30, 1e-3), 1.0, -0.8, 0.9, 0.01, True, False)),
    ("Adafactor", [None, [1e-30, 1e-3], 1.0, -0.8, None, 0.0, False, True, True],
     lambda: optim.Adafactor(None, (1e-30, 1e-3), 1.0, -0.8, None, 0.0, False, True, True)),
    ("Muon", [0.02], lambda: optim.Muon(0.02)),
    ("Muon", [0.02, 0.9, 0.0, False, 3], lambda: optim.Muon(0.02, 0.9, 0.0, False, 3)),
]
opt_cases = []
for name, args, make in opt_specs:
    m, losses = run(make())
    opt_cases.append({"optimizer": name, "args": args, "params": enc_tree(tree_flatten(m.parameters())),
                      "losses": losses[::10] + [losses[-1]]})
# schedules inside optimizers, MultiOptimizer, clipping
extra_specs = [
    ("SGD+cosine", lambda: optim.SGD(optim.cosine_decay(0.1, 50, 0.01)), None),
    ("Adam+join", lambda: optim.Adam(optim.join_schedules([optim.linear_schedule(0.0, 0.01, 10), optim.exponential_decay(0.01, 0.98)], [10])), None),
    ("SGD+step", lambda: optim.SGD(optim.step_decay(0.1, 0.5, 20), 0.9), None),
    ("Multi", lambda: optim.MultiOptimizer([optim.Adam(0.01), optim.SGD(0.1)], [lambda path, g: "weight" in path]), None),
    ("SGD+clip", lambda: optim.SGD(0.1, 0.9), 0.5),
]
for name, make, clip in extra_specs:
    opt = make()
    m, losses = run(opt, clip)
    case = {"optimizer": name, "params": enc_tree(tree_flatten(m.parameters())), "losses": losses[::10] + [losses[-1]], "clip": clip}
    if name == "Multi":
        case["state"] = enc_tree(tree_flatten(opt.state))
    opt_cases.append(case)
adam = optim.Adam(0.01)
run(adam)
adam_state = enc_tree([(k.replace("learning_rate", "learningRate"), v) for k, v in tree_flatten(adam.state)])
gx = {"a": randn(3, 4), "b": [randn(5), randn(2, 2)]}
clipped, total = optim.clip_grad_norm(gx, 1.0)
clip_case = {"grads": enc_tree(tree_flatten(gx)), "clipped": enc_tree(tree_flatten(clipped)), "total": float(total.item())}

data = {"generator": "scripts/oracles/nn.py", "mlx": mx.__version__, "layers": layer_cases, "losses": loss_cases,
        "schedules": sched, "optim": {"X": encode(X), "Y": encode(Y), "init": enc_tree(init_params), "cases": opt_cases,
                                      "adam_state": adam_state, "clip": clip_case}}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(data, f, separators=(",", ":"))
print(f"wrote {OUT} ({len(layer_cases)} layers, {len(loss_cases)} losses, {len(opt_cases)} optimizer runs, {os.path.getsize(OUT) // 1024} KiB)")
