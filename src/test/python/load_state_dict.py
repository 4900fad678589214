#!/usr/bin/python3
"""Loads a streamfit snapshot into the equivalent torch.nn.Sequential with load_state_dict
(strict) and prints the model's outputs for the given inputs, as JSON.

    load_state_dict.py SNAPSHOT.safetensors INPUTS.json

Parses safetensors by hand (json + numpy) because Debian's torch 1.13 ships no safetensors
package: that also checks the file against the format's definition rather than one reader.
"""
import json
import struct
import sys

import numpy as np
import torch


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


def build(spec):
    return torch.nn.Sequential(*modules(spec["layers"], spec["input_width"]))


def modules(layers, width):
    out = []
    for layer in layers:
        kind = layer["type"]
        if kind == "residual":
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
