#!/usr/bin/python3
"""Builds the torch.nn.Sequential a streamfit spec describes, saves its state_dict as safetensors,
and prints the model's outputs (inference mode) for the given inputs, as JSON.

    save_state_dict.py SPEC.json INPUTS.json OUT.safetensors DTYPE

DTYPE (float32, float64, float16, bfloat16) is the dtype the floating-point tensors are saved in;
num_batches_tracked stays int64, as PyTorch keeps it. The outputs are those of the saved
tensors, i.e. of model.to(DTYPE).float(). The batch norm buffers are moved off their defaults
(a few training-mode passes) so that loading them matters.

Debian's torch 1.13 ships no safetensors package, so the file is written here from the format's
definition: 8-byte little-endian header length, JSON header (dtype, shape, data_offsets),
then the raw little-endian bytes.

A spec with a "sequence" section (a recurrent first layer) takes sequence rows (see
load_state_dict.py); the warm-up passes then use random rows of random lengths in
[min_length, length].
"""
import json
import struct
import sys

import torch

from load_state_dict import build

DTYPES = {"float32": (torch.float32, "F32"), "float64": (torch.float64, "F64"),
          "float16": (torch.float16, "F16"), "bfloat16": (torch.bfloat16, "BF16")}
INT_DTYPES = {torch.int64: "I64"}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bits are the top half of a float32
        bits = t.float().view(torch.int32).numpy() >> 16
        return bits.astype("<u2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def warm_up_inputs(spec, n):
    """n random inputs the model takes: plain rows, or sequence rows with zero padding and the length last."""
    sequence = spec.get("sequence")
    if not sequence:
        return torch.randn(n, spec["input_width"]) * 2 + 0.5
    steps, features = sequence["length"], sequence["features"]
    lengths = torch.randint(sequence.get("min_length", steps), steps + 1, (n,))
    values = torch.randn(n, steps, features) * 2 + 0.5
    values[torch.arange(steps).unsqueeze(0) >= lengths.unsqueeze(1)] = 0.0
    return torch.cat([values.reshape(n, steps * features), lengths.unsqueeze(1).float()], dim=1)


def save_safetensors(tensors, path, metadata=None):
    header = {}
    body = b""
    for name, t in tensors.items():
        data = raw_bytes(t)
        dtype = INT_DTYPES.get(t.dtype) or next(code for d, code in DTYPES.values() if d == t.dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + body)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    with open(sys.argv[2]) as f:
        x = torch.tensor(json.load(f), dtype=torch.float32)
    torch.manual_seed(1)
    model = build(spec)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(warm_up_inputs(spec, 8))
    dtype = DTYPES[sys.argv[4]][0]
    model = model.to(dtype)
    save_safetensors(model.state_dict(), sys.argv[3], {"format": "pt"})
    model = model.float().eval()
    with torch.no_grad():
        print(json.dumps(model(x).tolist()))
