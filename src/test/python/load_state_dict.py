#!/usr/bin/python3
"""Loads a streamfit snapshot into the equivalent torch.nn.Sequential with load_state_dict
(strict) and prints the model's outputs for the given inputs, as JSON.

    load_state_dict.py SNAPSHOT.safetensors INPUTS.json

Parses safetensors by hand (json + numpy) because Debian's torch 1.13 ships no safetensors
package: that also checks the file against the format's definition rather than one reader.

A spec with a "sequence" section starts with a recurrent layer (rnn, lstm, gru): torch.nn.RNN,
LSTM or GRU (batch_first, bias) subclassed to read streamfit's sequence rows (SequenceRows: step
t's feature f at t*F + f, zeros after the example's length, the length in the last column) through
pack_padded_sequence and to return one vector per example, "last" (the last layer's final hidden
state, [forward, reverse]) or "mean" (the last layer's output averaged over the example's own
steps). Being the torch class itself, its tensors keep torch's names (0.weight_ih_l0, ...).
"""
import json
import struct
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, t in header.items():
        assert t["dtype"] == "F32", t
        begin, end = t["data_offsets"]
        arr = np.frombuffer(body[begin:end], dtype="<f4").reshape(t["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


class Residual(torch.nn.Module):
    """x + body(x): the module streamfit's residual block names its tensors after (i.body.j.weight)."""

    def __init__(self, *body):
        super().__init__()
        self.body = torch.nn.Sequential(*body)

    def forward(self, x):
        return x + self.body(x)


class SequenceRows:
    """Mixed into torch.nn.RNN/LSTM/GRU (before them): forward takes rows [N, T*F + 1]."""

    def __init__(self, steps, output, **kwargs):
        super().__init__(batch_first=True, bias=True, **kwargs)
        if output not in ("last", "mean"):
            raise ValueError("recurrent output must be last or mean, got %r" % (output,))
        self.steps = steps
        self.output = output

    def forward(self, rows):
        n, features = rows.shape[0], self.input_size
        if rows.shape[1] != self.steps * features + 1:
            raise ValueError("rows of %d values, expected steps x features + 1 = %d"
                             % (rows.shape[1], self.steps * features + 1))
        x = rows[:, :-1].reshape(n, self.steps, features)
        lengths = rows[:, -1].round().to(torch.int64).cpu()
        y, state = super().forward(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        if self.output == "last":
            h = state[0] if isinstance(state, tuple) else state  # the LSTM's (h_n, c_n)
            directions = 2 if self.bidirectional else 1
            return torch.cat([h[-directions + d] for d in range(directions)], dim=1)
        padded, _ = pad_packed_sequence(y, batch_first=True, total_length=self.steps)
        return padded.sum(dim=1) / lengths.to(padded.dtype).unsqueeze(1)


class SequenceRNN(SequenceRows, torch.nn.RNN):
    pass


class SequenceLSTM(SequenceRows, torch.nn.LSTM):
    pass


class SequenceGRU(SequenceRows, torch.nn.GRU):
    pass


RECURRENT = {"rnn": SequenceRNN, "lstm": SequenceLSTM, "gru": SequenceGRU}


def recurrent(layer, sequence):
    """The torch module of a recurrent layer reading sequence rows; other options (dropouts,
    truncate, forget_bias, hh_init) only matter for training or initialisation."""
    features = sequence["features"]
    if layer.get("input_size") not in (None, 0, features):
        raise ValueError("input_size %s is not the sequence's features %d" % (layer["input_size"], features))
    kwargs = dict(steps=sequence["length"], output=layer.get("output", "last"), input_size=features,
                  hidden_size=layer["hidden_size"], num_layers=layer.get("num_layers", 1),
                  bidirectional=layer.get("bidirectional", False))
    if layer["type"] == "rnn":
        kwargs["nonlinearity"] = layer.get("nonlinearity", "tanh")
    module = RECURRENT[layer["type"]](**kwargs)
    return module, (2 if module.bidirectional else 1) * module.hidden_size


def build(spec):
    sequence = spec.get("sequence")
    if sequence and spec["layers"][0]["type"] not in RECURRENT:
        raise ValueError("with a sequence section the first layer must be rnn, lstm or gru")
    return torch.nn.Sequential(*modules(spec["layers"], None if sequence else spec["input_width"], sequence))


def modules(layers, width, sequence=None):
    """Modules for layers reading width values; with a sequence the first layer is recurrent and reads rows."""
    out = []
    for layer in layers:
        kind = layer["type"]
        if kind in RECURRENT:
            if sequence is None or out or width is not None:
                raise ValueError("a recurrent layer must be the first layer of a spec with a sequence section")
            module, width = recurrent(layer, sequence)
            out.append(module)
        elif kind == "residual":
            out.append(Residual(*modules(layer["layers"], width)))
        elif kind == "dense":
            out.append(torch.nn.Linear(width, layer["units"]))
            width = layer["units"]
        elif kind == "layer_norm":
            out.append(torch.nn.LayerNorm(width, eps=layer.get("eps", 1e-5)))
        elif kind == "batch_norm":
            out.append(torch.nn.BatchNorm1d(width, eps=layer.get("eps", 1e-5), momentum=layer.get("momentum", 0.1)))
        elif kind == "dropout":
            out.append(torch.nn.Dropout(layer.get("p", 0.5)))
        else:
            out.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
                            "gelu": torch.nn.GELU}[kind]())
    return out


if __name__ == "__main__":
    tensors, meta = read_safetensors(sys.argv[1])
    spec = json.loads(meta["spec"])
    model = build(spec)
    state = {k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "replay."))}
    model.load_state_dict(state, strict=True)
    model.eval()  # prediction: running statistics, no dropout
    with open(sys.argv[2]) as f:
        x = torch.tensor(json.load(f), dtype=torch.float32)
    with torch.no_grad():
        print(json.dumps(model(x).tolist()))
