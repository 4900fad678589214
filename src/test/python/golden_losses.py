#!/usr/bin/python3
"""Reference numbers from PyTorch for cross-entropy with label smoothing and for LayerNorm.

    /usr/bin/python3 src/test/python/golden_losses.py > src/test/resources/golden/losses.json

Cross-entropy: torch.nn.CrossEntropyLoss(label_smoothing=eps) (mean over the batch) on float64
logits, its value and d loss / d logits from autograd. LayerNorm: torch.nn.LayerNorm(width, eps)
with non-trivial weight and bias on float64 input; its output, and the gradients of
sum(output * upstream) with respect to the input, the weight and the bias.
"""
import json

import torch

torch.manual_seed(0)
out = {"command": "/usr/bin/python3 src/test/python/golden_losses.py > src/test/resources/golden/losses.json",
       "torch_version": torch.__version__, "cross_entropy": [], "layer_norm": []}

logits = (torch.randn(5, 4, dtype=torch.float64) * 3)
targets = torch.tensor([0, 3, 1, 1, 2])
for eps in (0.0, 0.1, 0.3, 1.0):
    z = logits.clone().requires_grad_(True)
    loss = torch.nn.CrossEntropyLoss(label_smoothing=eps)(z, targets)
    loss.backward()
    out["cross_entropy"].append({"label_smoothing": eps, "logits": logits.tolist(), "targets": targets.tolist(),
                                 "loss": loss.item(), "grad": z.grad.tolist()})

for eps in (1e-5, 1e-2):
    x = (torch.randn(4, 6, dtype=torch.float64) * 2 + 0.5).requires_grad_(True)
    ln = torch.nn.LayerNorm(6, eps=eps).double()
    with torch.no_grad():
        ln.weight.copy_(torch.randn(6, dtype=torch.float64))
        ln.bias.copy_(torch.randn(6, dtype=torch.float64))
    upstream = torch.randn(4, 6, dtype=torch.float64)
    y = ln(x)
    (y * upstream).sum().backward()
    out["layer_norm"].append({"eps": eps, "x": x.tolist(), "weight": ln.weight.tolist(), "bias": ln.bias.tolist(),
                              "upstream": upstream.tolist(), "y": y.tolist(), "dx": x.grad.tolist(),
                              "dweight": ln.weight.grad.tolist(), "dbias": ln.bias.grad.tolist()})
print(json.dumps(out, indent=1))
