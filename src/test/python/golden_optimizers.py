#!/usr/bin/python3
"""Golden test vectors for the optimizers, produced by real PyTorch.

Run from the repository root:

    /usr/bin/python3 src/test/python/golden_optimizers.py > src/test/resources/golden/optimizers.json

Every case optimizes one float32 parameter tensor of 12 elements for 25 steps. Before each step
p.grad is set to a pre-drawn float32 gradient whose scale varies widely from step to step
(0.05 .. 10), with some steps having 3 of the 12 elements exactly 0 and some steps whose signs are
all flipped relative to the previous gradient, so that the adaptive methods are really exercised.
Cases with "lrs" set param_groups[0]['lr'] = lrs[t] before step t+1 (checks that the learning
rate is read at every step). Cases with "momentums" set the group's momentum (SGD, RMSprop) or
betas[0] (Adam, AdamW, Adamax) to momentums[t] before step t+1, as a scheduler's cycle_momentum
does (bias corrections read the current beta1).

All optimizers are the real torch.optim classes (foreach=False where the argument exists,
maximize=False), except NAdam: torch 1.13's NAdam computes
mu_product_next = mu_product * mu * mu_next after already doing mu_product *= mu (fixed in
PyTorch 2.x, which computes mu_product_next = mu_product * mu_next). The project implements the
2.x semantics, so the nadam cases use a float32 transcription of PyTorch 2.x's
_single_tensor_nadam (non-differentiable branch) written with torch tensor ops below.

Output JSON: {"command", "torch_version", "cases": [{"name", "optimizer", "hyper", "reference",
"initial", "grads", "lrs" (optional), "trajectory" (parameter after steps 1..25), "final_state"
(every per-element state tensor torch keeps, under torch's state names), "final_step"}]}.
Floats are the exact float32 values written as Python floats (repr round-trips).

The low bits depend on the CPU torch runs on: on an x86-64 machine with FMA (where this file was
generated), torch 1.13's CPU kernels for 12-element float32 tensors compute x.add_(y, alpha=a) as
fma(a, y, x), x.addcmul_(t1, t2, value=v) as fma(v*t1, t2, x), x.lerp_(e, w) (w < 0.5) as
fma(w, e - x, x) and x.addcdiv_(t1, t2, value=v) as x + (v*t1)/t2, with every Python scalar
rounded to float32 first.
"""
import json
import math

import torch

from golden_json import to_json

COMMAND = ("/usr/bin/python3 src/test/python/golden_optimizers.py"
           " > src/test/resources/golden/optimizers.json")

N = 12
STEPS = 25
SCALES = [0.05, 0.3, 1.0, 3.0, 10.0]
NADAM_REFERENCE = "PyTorch 2.x NAdam transcribed (torch 1.13 has the mu_product_next bug)"


def floats(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def draw_inputs(seed):
    """Initial parameter and the 25 gradients of one case, all float32."""
    torch.manual_seed(seed)
    initial = torch.randn(N, dtype=torch.float32) * 0.5
    grads = []
    prev = None
    for t in range(STEPS):
        scale = SCALES[t % len(SCALES)]
        g = torch.randn(N, dtype=torch.float32) * scale
        if prev is not None and t % 7 == 4:
            # every element's sign opposite to the previous gradient's (new magnitudes)
            sign = torch.where(prev > 0, -1.0, 1.0).to(torch.float32)
            g = sign * g.abs()
        if t % 5 == 2 or t % 7 == 1:
            # 3 of the 12 elements (25 %) exactly zero
            idx = torch.randperm(N)[:3]
            g[idx] = 0.0
        grads.append(g)
        prev = g
    return initial, grads


class NAdam2x:
    """PyTorch 2.x _single_tensor_nadam (non-differentiable branch), float32, one parameter.

    The state mirrors torch's: step and mu_product are float32 0-dim tensors (as in 2.x),
    exp_avg and exp_avg_sq are float32 tensors like the parameter.
    """

    def __init__(self, param, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3):
        self.param = param
        self.param_groups = [dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                  momentum_decay=momentum_decay)]
        self.state = {param: dict(step=torch.tensor(0.0), mu_product=torch.tensor(1.0),
                                  exp_avg=torch.zeros_like(param),
                                  exp_avg_sq=torch.zeros_like(param))}

    @torch.no_grad()
    def step(self):
        group = self.param_groups[0]
        lr = group['lr']
        beta1, beta2 = group['betas']
        eps = group['eps']
        weight_decay = group['weight_decay']
        momentum_decay = group['momentum_decay']
        param = self.param
        grad = param.grad
        state = self.state[param]
        exp_avg = state['exp_avg']
        exp_avg_sq = state['exp_avg_sq']
        mu_product = state['mu_product']
        step_t = state['step']

        step_t += 1
        step = step_t.item()

        bias_correction2 = 1 - beta2 ** step

        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)

        mu = beta1 * (1. - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))

        mu_product *= mu

        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt()

        mu_product_next = mu_product.item() * mu_next
        denom.add_(eps)
        param.addcdiv_(grad, denom, value=(-lr * (1. - mu) / (1. - mu_product.item())))
        param.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1. - mu_product_next))


def make_optimizer(kind, param, hyper):
    h = dict(hyper)
    if kind == 'nadam':
        h.pop('maximize')
        return NAdam2x(param, betas=tuple(h.pop('betas')), **h)
    if 'betas' in h:
        h['betas'] = tuple(h['betas'])
    cls = {
        'sgd': torch.optim.SGD,
        'adagrad': torch.optim.Adagrad,
        'rmsprop': torch.optim.RMSprop,
        'adadelta': torch.optim.Adadelta,
        'adam': torch.optim.Adam,
        'adamw': torch.optim.AdamW,
        'adamax': torch.optim.Adamax,
    }[kind]
    return cls([param], foreach=False, **h)


def reference_name(kind):
    if kind == 'nadam':
        return NADAM_REFERENCE
    cls = {
        'sgd': 'SGD', 'adagrad': 'Adagrad', 'rmsprop': 'RMSprop', 'adadelta': 'Adadelta',
        'adam': 'Adam', 'adamw': 'AdamW', 'adamax': 'Adamax',
    }[kind]
    return "torch.optim.%s %s" % (cls, torch.__version__)


def decaying(lr, factor=0.9):
    return [lr * factor ** t for t in range(STEPS)]


def sgd(lr, momentum=0, dampening=0, weight_decay=0, nesterov=False):
    return dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                nesterov=nesterov, maximize=False)


def adagrad(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
    return dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=False)


def rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
    return dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                centered=centered, maximize=False)


def adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
    return dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=False)


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
    return dict(lr=lr, betas=list(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                maximize=False)


def adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
    return dict(lr=lr, betas=list(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                maximize=False)


def nadam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3):
    return dict(lr=lr, betas=list(betas), eps=eps, weight_decay=weight_decay,
                momentum_decay=momentum_decay, maximize=False)


def adamax(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
    return dict(lr=lr, betas=list(betas), eps=eps, weight_decay=weight_decay, maximize=False)


# (name, optimizer, hyper, lrs or None)
CASES = [
    ("sgd_plain", 'sgd', sgd(0.05), None),
    ("sgd_momentum", 'sgd', sgd(0.05, momentum=0.9), None),
    ("sgd_momentum_dampening_wd", 'sgd', sgd(0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
     decaying(0.05)),
    ("sgd_nesterov_wd", 'sgd', sgd(0.05, momentum=0.9, weight_decay=0.001, nesterov=True), None),
    ("adagrad_defaults", 'adagrad', adagrad(), None),
    ("adagrad_lr_decay_wd_init_acc", 'adagrad',
     adagrad(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-10),
     decaying(0.1)),
    ("rmsprop_defaults", 'rmsprop', rmsprop(), None),
    ("rmsprop_centered_momentum_wd", 'rmsprop',
     rmsprop(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9, centered=True),
     decaying(0.005)),
    ("rmsprop_momentum", 'rmsprop', rmsprop(momentum=0.5, centered=False), None),
    ("adadelta_defaults", 'adadelta', adadelta(), None),
    ("adadelta_wd", 'adadelta', adadelta(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01),
     [0.5 * (0.5 + 0.5 * (t % 4)) for t in range(STEPS)]),
    ("adam_defaults", 'adam', adam(), None),
    ("adam_amsgrad_wd", 'adam',
     adam(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=True),
     decaying(0.01)),
    ("adamw_defaults", 'adamw', adamw(), None),
    ("adamw_amsgrad", 'adamw', adamw(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
     decaying(0.01)),
    ("nadam_defaults", 'nadam', nadam(), None),
    ("nadam_wd_momentum_decay", 'nadam', nadam(lr=0.01, weight_decay=0.01, momentum_decay=0.01),
     decaying(0.01)),
    ("adamax_defaults", 'adamax', adamax(), None),
    ("adamax_wd", 'adamax', adamax(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01), None),
]


# cycle_momentum: the momentum or beta1 changes every step, as CyclicLR and OneCycleLR set them.
ZIGZAG = [0.9 - 0.1 * abs((t % 10) - 5) / 5 for t in range(STEPS)]
MOMENTUM_CASES = [
    ("sgd_cycled_momentum", 'sgd', sgd(0.05, momentum=0.9), decaying(0.05), ZIGZAG),
    ("rmsprop_cycled_momentum", 'rmsprop', rmsprop(momentum=0.9), None, ZIGZAG),
    ("adam_cycled_beta1", 'adam', adam(lr=0.01), decaying(0.01), [m + 0.05 for m in ZIGZAG]),
    ("adamw_cycled_beta1", 'adamw', adamw(lr=0.01), None, [m + 0.05 for m in ZIGZAG]),
    ("adamax_cycled_beta1", 'adamax', adamax(lr=0.01), None, [m + 0.05 for m in ZIGZAG]),
]


def run_case(index, name, kind, hyper, lrs, momentums=None):
    initial, grads = draw_inputs(1000 + index)
    param = initial.clone().requires_grad_(True)
    opt = make_optimizer(kind, param, hyper)
    trajectory = []
    for t in range(STEPS):
        if lrs is not None:
            opt.param_groups[0]['lr'] = lrs[t]
        if momentums is not None:
            group = opt.param_groups[0]
            if 'betas' in group:
                group['betas'] = (momentums[t], group['betas'][1])
            else:
                group['momentum'] = momentums[t]
        param.grad = grads[t].clone()
        opt.step()
        trajectory.append(floats(param))
    state = opt.state[param]
    final_state = {}
    for key in sorted(state):
        value = state[key]
        if key in ('step', 'mu_product') or not torch.is_tensor(value):
            continue
        assert value.dtype == torch.float32 and value.numel() == N, (name, key)
        final_state[key] = floats(value)
    step = state.get('step', None)
    final_step = int(step.item()) if torch.is_tensor(step) else step
    if final_step is None:  # SGD keeps no step counter
        final_step = STEPS
    assert final_step == STEPS, (name, final_step)
    for row in trajectory:
        assert all(math.isfinite(x) for x in row), name
    case = {
        "name": name,
        "optimizer": kind,
        "hyper": hyper,
        "reference": reference_name(kind),
        "initial": floats(initial),
        "grads": [floats(g) for g in grads],
    }
    if lrs is not None:
        case["lrs"] = [float(x) for x in lrs]
    if momentums is not None:
        case["momentums"] = [float(x) for x in momentums]
    case["trajectory"] = trajectory
    case["final_state"] = final_state
    case["final_step"] = final_step
    return case


def main():
    torch.set_num_threads(1)
    cases = [run_case(i, *c) for i, c in enumerate(CASES + MOMENTUM_CASES)]
    out = {"command": COMMAND, "torch_version": torch.__version__, "cases": cases}
    text = to_json(out)
    assert json.loads(text) == out
    print(text)


if __name__ == '__main__':
    main()
