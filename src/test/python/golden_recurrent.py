#!/usr/bin/python3
"""Reference numbers from PyTorch for the recurrent layers (rnn, lstm, gru) with a many-to-one output.

Run from the repository root:

    /usr/bin/python3 src/test/python/golden_recurrent.py > src/test/resources/golden/recurrent.json

A layer is one torch.nn.RNN (nonlinearity tanh or relu), torch.nn.LSTM or torch.nn.GRU with
batch_first=True, bias=True, input_size F, hidden_size H, num_layers L and bidirectional B (D = 2
directions if B, else 1), in float64, followed by a many-to-one reduction "output":
  last  the final hidden state of the last layer, [forward, reverse] concatenated (h_n of the last
        layer; the reverse direction ends at step 0), D*H wide;
  mean  the mean of the last layer's output[n, t, :] over the sequence's own steps t < len_n.
Every example n has its own length len_n in [1, T]; steps >= len_n are padding and influence
nothing (PyTorch's packed-sequence semantics). The reference runs the module on each sequence
alone (a batch of one on x[n, :len_n]), which is exact; the script checks it against a packed
batch (pack_padded_sequence, enforce_sorted=False) and, where every length is T, against a plain
batched call, to 1e-12.

Gradients are those of loss = sum_n dot(out[n], d_out[n]), d_out drawn from a standard normal.
Truncated BPTT ("truncate" k > 0, unidirectional only): each sequence with len_n > k first runs
its first len_n - k steps under torch.no_grad(), then its last k steps with grad from that state
(h, and c for the LSTM) detached; stacked layers are split at the same step. With "mean" the
outputs of the no-grad steps still count in the mean, as constants. The script checks this
against a step-by-step run that detaches the state at step len_n - k, and that the gradients
differ from the untruncated ones (the outputs are the same).

Parameters are drawn uniform(-0.6, 0.6) from a seeded numpy generator (not PyTorch's
initialisation: the cases test the arithmetic), x from a standard normal.

Input rows (io.streamfit.nn.SequenceRows): example n is one flat row of T*F + 1 values, step t's
feature f at t*F + f, zeros for t >= len_n, and the length as a number in the last column. "x"
holds these rows as they are fed to the layer, and "dx" the gradient with respect to them (0 at
padding and at the length column).

Output JSON: {"command", "torch_version", "cases": [{"name", "mode" (rnn_tanh, rnn_relu, lstm,
gru), "input_size", "hidden_size", "num_layers", "bidirectional", "output", "steps", "truncate",
"params": [[name, shape, flat row-major values]] in state_dict() order (weight_ih_l0,
weight_hh_l0, bias_ih_l0, bias_hh_l0, the same with _reverse, then l1 ...), "x" [N][T*F+1],
"d_out" [N][D*H], "out" [N][D*H], "grads": [[name, flat values]] in the params' order,
"dx" [N][T*F+1]}]}.
"""
import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from golden_json import to_json

COMMAND = "/usr/bin/python3 src/test/python/golden_recurrent.py > src/test/resources/golden/recurrent.json"
F_IN = 3
HIDDEN = 4
TOL = 1e-12


def make_module(mode, layers, bidirectional):
    common = dict(input_size=F_IN, hidden_size=HIDDEN, num_layers=layers, bidirectional=bidirectional,
                  batch_first=True, bias=True)
    if mode in ("rnn_tanh", "rnn_relu"):
        return torch.nn.RNN(nonlinearity=mode[4:], **common).double()
    return {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[mode](**common).double()


def last_of(h_n, directions):
    """[forward, reverse] final states of the last layer from h_n [L*D, batch, H] -> [batch, D*H]."""
    return torch.cat([h_n[-directions + d] for d in range(directions)], dim=1)


def hidden(state, mode):
    return state[0] if mode == "lstm" else state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def per_sequence(module, mode, directions, output, x, lengths, d_out, truncate):
    """The reference: each sequence alone; returns (out [N, D*H], loss)."""
    outs = []
    loss = 0
    for n, length in enumerate(lengths):
        xs = x[n:n + 1, :length]
        split = max(length - truncate, 0) if truncate > 0 else 0
        early = None
        state = None
        if split > 0:
            with torch.no_grad():
                early, state = module(xs[:, :split])
            state = detach(state)
        y, state = module(xs[:, split:], state) if state is not None else module(xs[:, split:])
        if output == "last":
            o = last_of(hidden(state, mode), directions)[0]
        else:
            seq = y[0] if early is None else torch.cat([early[0], y[0]], dim=0)
            assert seq.shape[0] == length
            o = seq.mean(dim=0)
        outs.append(o)
        loss = loss + torch.dot(o, d_out[n])
    return torch.stack(outs), loss


def packed_batch(module, mode, directions, output, x, lengths, d_out):
    """The same (untruncated) through one packed batch."""
    lens = torch.tensor(lengths)
    packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
    y, state = module(packed)
    if output == "last":
        o = last_of(hidden(state, mode), directions)
    else:
        padded, _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
        o = padded.sum(dim=1) / lens.to(torch.float64).unsqueeze(1)
    return o, (o * d_out).sum()


def plain_batch(module, mode, directions, output, x, d_out):
    """The same with every length T: one ordinary batched call."""
    y, state = module(x)
    o = last_of(hidden(state, mode), directions) if output == "last" else y.mean(dim=1)
    return o, (o * d_out).sum()


def step_by_step_truncated(module, mode, output, x, lengths, d_out, truncate):
    """Truncated BPTT another way: one step per call, the state (and earlier outputs) detached at len - k."""
    outs = []
    loss = 0
    for n, length in enumerate(lengths):
        state = None
        ys = []
        for t in range(length):
            if t > 0 and t == length - truncate:
                state = detach(state)
                ys = [v.detach() for v in ys]
            xt = x[n:n + 1, t:t + 1]
            y, state = module(xt, state) if state is not None else module(xt)
            ys.append(y[0, 0])
        o = hidden(state, mode)[-1, 0] if output == "last" else torch.stack(ys).mean(dim=0)
        outs.append(o)
        loss = loss + torch.dot(o, d_out[n])
    return torch.stack(outs), loss


def gradients(module, x, loss):
    module.zero_grad()
    if x.grad is not None:
        x.grad = None
    loss.backward()
    return [p.grad.clone() for p in module.parameters()], x.grad.clone()


def assert_close(a, b, what):
    err = (a - b).abs().max().item()
    assert err <= TOL, "%s: max difference %g" % (what, err)


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, mode, layers, bidirectional, output, steps, lengths, truncate, seed):
    assert not (bidirectional and truncate), "truncation is unidirectional only"
    assert all(1 <= n <= steps for n in lengths)
    directions = 2 if bidirectional else 1
    rng = np.random.default_rng(seed)
    module = make_module(mode, layers, bidirectional)
    names = list(module.state_dict().keys())
    assert names == [n for n, _ in module.named_parameters()]
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.6, 0.6, size=tuple(p.shape))))
    batch = len(lengths)
    x_np = rng.standard_normal((batch, steps, F_IN))
    for n, length in enumerate(lengths):
        x_np[n, length:] = 0.0
    d_out = torch.from_numpy(rng.standard_normal((batch, directions * HIDDEN)))
    x = torch.from_numpy(x_np).requires_grad_(True)

    out, loss = per_sequence(module, mode, directions, output, x, lengths, d_out, truncate)
    grads, dx = gradients(module, x, loss)

    if truncate == 0:
        o2, l2 = packed_batch(module, mode, directions, output, x, lengths, d_out)
        g2, dx2 = gradients(module, x, l2)
        assert_close(out, o2, name + " packed out")
        for nm, a, b in zip(names, grads, g2):
            assert_close(a, b, name + " packed grad " + nm)
        assert_close(dx, dx2, name + " packed dx")
        if all(n == steps for n in lengths):
            o3, l3 = plain_batch(module, mode, directions, output, x, d_out)
            g3, dx3 = gradients(module, x, l3)
            assert_close(out, o3, name + " plain out")
            for nm, a, b in zip(names, grads, g3):
                assert_close(a, b, name + " plain grad " + nm)
            assert_close(dx, dx3, name + " plain dx")
    else:
        o2, l2 = step_by_step_truncated(module, mode, output, x, lengths, d_out, truncate)
        g2, dx2 = gradients(module, x, l2)
        assert_close(out, o2, name + " stepwise out")
        for nm, a, b in zip(names, grads, g2):
            assert_close(a, b, name + " stepwise grad " + nm)
        assert_close(dx, dx2, name + " stepwise dx")
        o3, l3 = per_sequence(module, mode, directions, output, x, lengths, d_out, 0)
        g3, dx3 = gradients(module, x, l3)
        assert_close(out, o3, name + " untruncated out")
        assert max((a - b).abs().max().item() for a, b in zip(grads, g3)) > 1e-6, name + ": truncation changed nothing"
        assert (dx - dx3).abs().max().item() > 1e-6, name + ": truncation changed nothing in dx"
        for n, length in enumerate(lengths):
            assert not dx[n, :max(length - truncate, 0)].any(), name + ": gradient before the last k steps"
    for n, length in enumerate(lengths):
        assert not dx[n, length:].any(), name + ": gradient at padding"

    rows = np.concatenate([x_np.reshape(batch, steps * F_IN), np.array(lengths, dtype=np.float64)[:, None]], axis=1)
    drows = np.concatenate([dx.numpy().reshape(batch, steps * F_IN), np.zeros((batch, 1))], axis=1)
    params = dict(module.named_parameters())
    return {"name": name, "mode": mode, "input_size": F_IN, "hidden_size": HIDDEN, "num_layers": layers,
            "bidirectional": bidirectional, "output": output, "steps": steps, "truncate": truncate,
            "params": [[nm, list(params[nm].shape), floats(params[nm])] for nm in names],
            "x": [[float(v) for v in r] for r in rows], "d_out": d_out.tolist(), "out": out.tolist(),
            "grads": [[nm, floats(g)] for nm, g in zip(names, grads)],
            "dx": [[float(v) for v in r] for r in drows]}


CASES = [
    # name, mode, num_layers, bidirectional, output, steps, lengths, truncate
    ("rnn_tanh_1layer_last", "rnn_tanh", 1, False, "last", 5, [5, 2, 1, 4], 0),
    ("rnn_tanh_1layer_bidir_last", "rnn_tanh", 1, True, "last", 6, [3, 6, 1], 0),
    ("rnn_relu_1layer_last_full", "rnn_relu", 1, False, "last", 5, [5, 5, 5], 0),
    ("rnn_relu_2layer_bidir_mean", "rnn_relu", 2, True, "mean", 6, [6, 3, 1, 5], 0),
    ("rnn_tanh_1layer_last_truncate2", "rnn_tanh", 1, False, "last", 6, [6, 4, 2, 1], 2),
    ("lstm_1layer_last", "lstm", 1, False, "last", 5, [5, 1, 3], 0),
    ("lstm_1layer_mean", "lstm", 1, False, "mean", 6, [6, 4, 1, 2], 0),
    ("lstm_2layer_bidir_last", "lstm", 2, True, "last", 5, [5, 2, 1, 5], 0),
    ("lstm_1layer_bidir_mean_full", "lstm", 1, True, "mean", 5, [5, 5, 5], 0),
    ("lstm_2layer_mean_truncate2", "lstm", 2, False, "mean", 6, [6, 3, 1, 2], 2),
    ("lstm_1layer_last_truncate3", "lstm", 1, False, "last", 6, [6, 5, 3, 1], 3),
    ("lstm_1layer_mean_truncate2_full", "lstm", 1, False, "mean", 5, [5, 5, 5], 2),
    ("gru_1layer_last", "gru", 1, False, "last", 5, [5, 3, 1], 0),
    ("gru_2layer_bidir_mean", "gru", 2, True, "mean", 6, [6, 2, 1, 4], 0),
    ("gru_1layer_bidir_last_full", "gru", 1, True, "last", 5, [5, 5, 5], 0),
    ("gru_1layer_mean_truncate2", "gru", 1, False, "mean", 5, [5, 4, 1, 3], 2),
    ("gru_2layer_last_truncate3", "gru", 2, False, "last", 6, [2, 6, 4], 3),
]
# Checked (per sequence = packed batch = plain batch) but not written, to keep the file small.
CHECK_ONLY = [
    ("rnn_tanh_1layer_mean_full", "rnn_tanh", 1, False, "mean", 5, [5, 5, 5], 0),
    ("lstm_1layer_last_full", "lstm", 1, False, "last", 5, [5, 5, 5, 5], 0),
    ("lstm_2layer_bidir_mean_full", "lstm", 2, True, "mean", 5, [5, 5, 5], 0),
    ("gru_2layer_bidir_last_full", "gru", 2, True, "last", 5, [5, 5, 5], 0),
    ("rnn_relu_2layer_bidir_last_full", "rnn_relu", 2, True, "last", 4, [4, 4], 0),
    ("lstm_3layer_bidir_mean", "lstm", 3, True, "mean", 6, [6, 1, 3, 5, 2], 0),
    ("gru_3layer_last_truncate1", "gru", 3, False, "last", 5, [5, 1, 2, 4], 1),
    ("rnn_relu_2layer_mean_truncate4", "rnn_relu", 2, False, "mean", 6, [6, 4, 5, 1], 4),
]

if __name__ == "__main__":
    torch.set_grad_enabled(True)
    for i, c in enumerate(CHECK_ONLY):
        case(*c, seed=900 + i)
    cases = [case(*c, seed=100 + i) for i, c in enumerate(CASES)]
    print(to_json({"command": COMMAND, "torch_version": torch.__version__, "cases": cases}))
