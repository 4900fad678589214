#!/usr/bin/python3
"""Reference numbers from PyTorch for cross-entropy with label smoothing, LayerNorm and BatchNorm1d.

    /usr/bin/python3 src/test/python/golden_losses.py > src/test/resources/golden/losses.json

Cross-entropy: torch.nn.CrossEntropyLoss(label_smoothing=eps) (mean over the batch) on float64
logits, its value and d loss / d logits from autograd. LayerNorm: torch.nn.LayerNorm(width, eps)
with non-trivial weight and bias on float64 input; its output, and the gradients of
sum(output * upstream) with respect to the input, the weight and the bias. BatchNorm1d: three
training-mode steps on different batches (outputs and running statistics after each), the
gradients of the third, then the inference-mode output on another batch. Distillation: the
student's loss alpha * CE(hard, label_smoothing) + (1 - alpha) * T^2 * KL(soft) composed from
F.cross_entropy and F.kl_div, and its gradient.
"""
import json

import torch

torch.manual_seed(0)
out = {"command": "/usr/bin/python3 src/test/python/golden_losses.py > src/test/resources/golden/losses.json",
       "torch_version": torch.__version__, "cross_entropy": [], "layer_norm": [], "batch_norm": []}

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
for eps, momentum in ((1e-5, 0.1), (1e-3, 0.5)):
    bn = torch.nn.BatchNorm1d(5, eps=eps, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.copy_(torch.randn(5, dtype=torch.float64))
        bn.bias.copy_(torch.randn(5, dtype=torch.float64))
    case = {"eps": eps, "momentum": momentum, "weight": bn.weight.tolist(), "bias": bn.bias.tolist(), "steps": []}
    bn.train()
    for step in range(3):
        x = (torch.randn(8, 5, dtype=torch.float64) * 3 + 1).requires_grad_(True)
        upstream = torch.randn(8, 5, dtype=torch.float64)
        bn.zero_grad()
        y = bn(x)
        (y * upstream).sum().backward()
        case["steps"].append({"x": x.tolist(), "y": y.tolist(), "upstream": upstream.tolist(), "dx": x.grad.tolist(),
                              "dweight": bn.weight.grad.tolist(), "dbias": bn.bias.grad.tolist(),
                              "running_mean": bn.running_mean.tolist(), "running_var": bn.running_var.tolist(),
                              "num_batches_tracked": int(bn.num_batches_tracked)})
    bn.eval()
    x_eval = torch.randn(4, 5, dtype=torch.float64) * 3 + 1
    with torch.no_grad():
        case["eval_x"] = x_eval.tolist()
        case["eval_y"] = bn(x_eval).tolist()
    out["batch_norm"].append(case)
# Knowledge distillation (Hinton et al. 2015) with label smoothing: the student's loss
#   alpha * cross_entropy(s, y, label_smoothing) + (1 - alpha) * T^2 * kl_div(log_softmax(s / T), softmax(t / T), 'batchmean')
# and its gradient with respect to the student's logits s, from autograd, in float64.
out["distillation"] = []
student = torch.randn(6, 5, dtype=torch.float64) * 2
teacher = torch.randn(6, 5, dtype=torch.float64) * 4
labels = torch.tensor([4, 0, 2, 2, 1, 3])
F = torch.nn.functional
for alpha, temperature, eps in ((0.5, 4.0, 0.0), (0.1, 2.0, 0.1), (1.0, 3.0, 0.0), (0.0, 1.0, 0.0), (0.7, 8.0, 0.2)):
    s = student.clone().requires_grad_(True)
    loss = alpha * F.cross_entropy(s, labels, label_smoothing=eps) + (1 - alpha) * temperature ** 2 * F.kl_div(
        F.log_softmax(s / temperature, dim=1), F.softmax(teacher / temperature, dim=1), reduction="batchmean")
    loss.backward()
    out["distillation"].append({"alpha": alpha, "temperature": temperature, "label_smoothing": eps,
                                "student": student.tolist(), "teacher": teacher.tolist(), "targets": labels.tolist(),
                                "loss": loss.item(), "grad": s.grad.tolist()})
print(json.dumps(out, indent=1))
