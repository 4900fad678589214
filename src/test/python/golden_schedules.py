#!/usr/bin/python3
"""Golden test vectors for the learning-rate schedules, produced by real PyTorch where torch has
the schedule (torch.optim.lr_scheduler) and by the published formula where it has not.

Run from the repository root:

    /usr/bin/python3 src/test/python/golden_schedules.py > src/test/resources/golden/schedules.json

Semantics: the schedule is stepped once per optimizer step; "lrs"[t] is the learning rate used by
optimizer step t+1 (t = 0..N-1), i.e. optimizer.param_groups[0]['lr'] recorded before each
optimizer.step(), with scheduler.step() after it. The optimizer is a dummy SGD on one parameter.

Each case's "schedule" object is the project's spec JSON; "lr" is the optimizer's base lr and
"batch_size" only matters with "linear_scaling". Schedules without a torch class:
  natural_exp   TensorFlow natural_exp_decay:   lr * exp(-decay_rate * p)
  inverse_time  TensorFlow inverse_time_decay:  lr / (1 + decay_rate * p)
                with p = t / decay_steps (floor(t / decay_steps) if staircase)
  warm-up mode "exponential": lr_inner(0) * start_factor ** (1 - t / W) for t < W, then
                lr_inner(t - W)
Warm-up mode "linear" is torch SequentialLR([LinearLR(start_factor=F, end_factor=1.0,
total_iters=W), inner], milestones=[W]); the intended semantics are
lr_inner(0) * (F + (1 - F) * t / W) for t < W, then lr_inner(t - W), and any difference between
that and torch's numbers is recorded in the case's "note".
"plateau_cases": ReduceLROnPlateau stepped with "metrics" (one per period); "lrs"[t] is the rate
after step(metrics[t]), the rate of the next period.
"linear_scaling": {"reference_batch_size": R} multiplies every learning rate the schedule yields
by batch_size / R; the torch reference is built with every lr argument (base lr, eta_min,
base_lr/max_lr of CyclicLR, max_lr of OneCycleLR) multiplied by batch_size / R.
For "cyclic" and "one_cycle" torch overwrites the optimizer's lr (with base_lr, resp.
max_lr / div_factor); the cases set "lr" to that same value.
"""
import json
import math
import warnings

import torch

from golden_json import to_json
from torch.optim import lr_scheduler as S

COMMAND = ("/usr/bin/python3 src/test/python/golden_schedules.py"
           " > src/test/resources/golden/schedules.json")
N_DEFAULT = 120


def make_inner(opt, spec, k):
    """The torch scheduler for a spec without warm-up; k = linear-scaling factor. None = none."""
    t = spec["type"]
    if t == "constant":
        return None, "none (constant)"
    if t == "step":
        return S.StepLR(opt, step_size=spec["step_size"], gamma=spec["gamma"]), "StepLR"
    if t == "multistep":
        return S.MultiStepLR(opt, milestones=spec["milestones"], gamma=spec["gamma"]), "MultiStepLR"
    if t == "exponential":
        return S.ExponentialLR(opt, gamma=spec["gamma"]), "ExponentialLR"
    if t == "polynomial":
        return S.PolynomialLR(opt, total_iters=spec["total_iters"], power=spec["power"]), \
            "PolynomialLR"
    if t == "cosine":
        return S.CosineAnnealingLR(opt, T_max=spec["T_max"], eta_min=spec["eta_min"] * k), \
            "CosineAnnealingLR"
    if t == "cyclic":
        return S.CyclicLR(opt, base_lr=spec["base_lr"] * k, max_lr=spec["max_lr"] * k,
                          step_size_up=spec["step_size_up"],
                          step_size_down=spec.get("step_size_down"), mode=spec["mode"],
                          gamma=spec["gamma"], cycle_momentum=False), "CyclicLR"
    if t == "cosine_warm_restarts":
        return S.CosineAnnealingWarmRestarts(opt, T_0=spec["T_0"], T_mult=spec["T_mult"],
                                             eta_min=spec["eta_min"] * k), \
            "CosineAnnealingWarmRestarts"
    if t == "one_cycle":
        return S.OneCycleLR(opt, max_lr=spec["max_lr"] * k, total_steps=spec["total_steps"],
                            pct_start=spec["pct_start"], anneal_strategy=spec["anneal_strategy"],
                            div_factor=spec["div_factor"],
                            final_div_factor=spec["final_div_factor"],
                            three_phase=spec["three_phase"], cycle_momentum=False), "OneCycleLR"
    raise ValueError(t)


def tf_decay(spec, lr, n):
    out = []
    for t in range(n):
        p = t / spec["decay_steps"]
        if spec["staircase"]:
            p = math.floor(p)
        if spec["type"] == "natural_exp":
            out.append(lr * math.exp(-spec["decay_rate"] * p))
        else:
            out.append(lr / (1 + spec["decay_rate"] * p))
    return out


def new_optimizer(lr):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    return param, opt


def run(opt, param, scheduler, n):
    lrs = []
    for _ in range(n):
        lrs.append(float(opt.param_groups[0]["lr"]))
        param.grad = torch.zeros_like(param)
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return lrs


def torch_lrs(spec, lr, k, n):
    """lrs of a spec without warm-up (torch or formula), with linear-scaling factor k."""
    if spec["type"] in ("natural_exp", "inverse_time"):
        cls = {"natural_exp": "natural_exp_decay", "inverse_time": "inverse_time_decay"}
        return tf_decay(spec, lr * k, n), "none (TensorFlow %s formula)" % cls[spec["type"]]
    param, opt = new_optimizer(lr * k)
    scheduler, cls = make_inner(opt, spec, k)
    return run(opt, param, scheduler, n), cls


def lrs_for(case_spec, lr, batch_size, n):
    """Returns (lrs, torch_class, note)."""
    spec = {key: v for key, v in case_spec.items() if key not in ("warmup", "linear_scaling")}
    scaling = case_spec.get("linear_scaling")
    k = batch_size / scaling["reference_batch_size"] if scaling else 1.0
    warmup = case_spec.get("warmup")
    if warmup is None:
        lrs, cls = torch_lrs(spec, lr, k, n)
        return lrs, cls, None
    w = warmup["steps"]
    f = warmup["start_factor"]
    inner, inner_cls = torch_lrs(spec, lr, k, n - w)  # lr_inner(0 .. n-w-1), standalone
    if warmup["mode"] == "exponential":
        lrs = [inner[0] * f ** (1 - t / w) for t in range(w)] + inner
        return lrs, "none (exponential warm-up formula) then %s" % inner_cls, None
    assert warmup["mode"] == "linear"
    intended = [inner[0] * (f + (1 - f) * t / w) for t in range(w)] + inner
    param, opt = new_optimizer(lr * k)
    linear = S.LinearLR(opt, start_factor=f, end_factor=1.0, total_iters=w)
    inner_scheduler, _ = make_inner(opt, spec, k)
    if inner_scheduler is None:  # constant: SequentialLR needs a scheduler after the milestone
        inner_scheduler = S.LambdaLR(opt, lambda epoch: 1.0)
        inner_cls = "LambdaLR(lambda epoch: 1.0)"
    scheduler = S.SequentialLR(opt, [linear, inner_scheduler], milestones=[w])
    lrs = run(opt, param, scheduler, n)
    cls = "SequentialLR([LinearLR, %s], milestones=[%d])" % (inner_cls, w)
    note = compare(lrs, intended)
    return lrs, cls, note


def compare(lrs, intended):
    diffs = [(i, a, b) for i, (a, b) in enumerate(zip(lrs, intended)) if a != b]
    if not diffs:
        return None
    worst = max(diffs, key=lambda d: abs(d[1] - d[2]) / abs(d[2]))
    rel = abs(worst[1] - worst[2]) / abs(worst[2])
    return ("torch differs from the intended lr_inner(0) * (F + (1 - F) * t / W) warm-up / "
            "lr_inner(t - W) at %d of %d steps (t = %s); largest relative difference %.3g at "
            "t = %d (torch %r, intended %r)"
            % (len(diffs), len(lrs), [d[0] for d in diffs], rel, worst[0], worst[1], worst[2]))


def case(name, lr, schedule, batch_size=64, n=N_DEFAULT):
    lrs, cls, note = lrs_for(schedule, lr, batch_size, n)
    assert len(lrs) == n and all(math.isfinite(x) and x >= 0 for x in lrs), name
    out = {"name": name, "torch_class": cls, "lr": lr, "batch_size": batch_size,
           "schedule": schedule, "lrs": lrs}
    if note is not None:
        out["note"] = note
    return out


def cyclic(mode, gamma=1.0, step_size_down=None):
    spec = {"type": "cyclic", "base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 15}
    if step_size_down is not None:
        spec["step_size_down"] = step_size_down
    spec["mode"] = mode
    spec["gamma"] = gamma
    return spec


def one_cycle(anneal_strategy, three_phase):
    return {"type": "one_cycle", "max_lr": 0.05, "total_steps": N_DEFAULT, "pct_start": 0.3,
            "anneal_strategy": anneal_strategy, "div_factor": 25, "final_div_factor": 1e4,
            "three_phase": three_phase}


def momentum_case(name, lr, schedule, optimizer, n=N_DEFAULT):
    """cycle_momentum: the momentum (SGD's, or Adam's betas[0]) the scheduler sets before each step."""
    param = torch.zeros(1, requires_grad=True)
    if optimizer["type"] == "sgd":
        opt = torch.optim.SGD([param], lr=lr, momentum=optimizer["momentum"])
    else:
        opt = torch.optim.Adam([param], lr=lr)
    if schedule["type"] == "cyclic":
        scheduler = S.CyclicLR(opt, base_lr=schedule["base_lr"], max_lr=schedule["max_lr"],
                               step_size_up=schedule["step_size_up"], mode=schedule["mode"],
                               gamma=schedule["gamma"], cycle_momentum=True,
                               base_momentum=schedule["base_momentum"],
                               max_momentum=schedule["max_momentum"])
        cls = "CyclicLR(cycle_momentum=True)"
    else:
        scheduler = S.OneCycleLR(opt, max_lr=schedule["max_lr"], total_steps=schedule["total_steps"],
                                 pct_start=schedule["pct_start"],
                                 anneal_strategy=schedule["anneal_strategy"],
                                 div_factor=schedule["div_factor"],
                                 final_div_factor=schedule["final_div_factor"],
                                 three_phase=schedule["three_phase"], cycle_momentum=True,
                                 base_momentum=schedule["base_momentum"],
                                 max_momentum=schedule["max_momentum"])
        cls = "OneCycleLR(cycle_momentum=True)"
    lrs, momentums = [], []
    for _ in range(n):
        group = opt.param_groups[0]
        lrs.append(float(group["lr"]))
        momentums.append(float(group["momentum"] if "momentum" in group else group["betas"][0]))
        param.grad = torch.zeros_like(param)
        opt.step()
        scheduler.step()
    return {"name": name, "torch_class": cls, "lr": lr, "batch_size": 64, "optimizer": optimizer,
            "schedule": schedule, "lrs": lrs, "momentums": momentums}


def cycled(spec, base, top):
    return dict(spec, cycle_momentum=True, base_momentum=base, max_momentum=top)


def cases():
    cos50 = {"type": "cosine", "T_max": 50, "eta_min": 1e-4}
    return [
        case("constant", 0.1, {"type": "constant"}),
        case("step", 0.1, {"type": "step", "step_size": 7, "gamma": 0.5}),
        case("multistep", 0.1, {"type": "multistep", "milestones": [10, 25, 60], "gamma": 0.3}),
        case("exponential", 0.1, {"type": "exponential", "gamma": 0.97}),
        case("natural_exp", 0.1,
             {"type": "natural_exp", "decay_rate": 0.5, "decay_steps": 20, "staircase": False}),
        case("natural_exp_staircase", 0.1,
             {"type": "natural_exp", "decay_rate": 0.5, "decay_steps": 20, "staircase": True}),
        case("inverse_time", 0.1,
             {"type": "inverse_time", "decay_rate": 0.5, "decay_steps": 10, "staircase": False}),
        case("inverse_time_staircase", 0.1,
             {"type": "inverse_time", "decay_rate": 0.5, "decay_steps": 10, "staircase": True}),
        case("polynomial_power2_past_total", 0.1,
             {"type": "polynomial", "total_iters": 80, "power": 2.0}),
        case("polynomial_power_half", 0.1,
             {"type": "polynomial", "total_iters": 100, "power": 0.5}),
        case("cosine_past_2_T_max", 0.1, dict(cos50)),
        case("cosine_eta_min_0", 0.05, {"type": "cosine", "T_max": 30, "eta_min": 0.0}, n=60),
        case("cyclic_triangular", 1e-3, cyclic("triangular")),
        case("cyclic_triangular2_step_size_down", 1e-3,
             cyclic("triangular2", step_size_down=25)),
        case("cyclic_exp_range", 1e-3, cyclic("exp_range", gamma=0.99)),
        case("cosine_warm_restarts_T_mult_1", 0.1,
             {"type": "cosine_warm_restarts", "T_0": 10, "T_mult": 1, "eta_min": 1e-4}),
        case("cosine_warm_restarts_T_mult_2", 0.1,
             {"type": "cosine_warm_restarts", "T_0": 10, "T_mult": 2, "eta_min": 0.0}),
        case("one_cycle_cos", 0.05 / 25, one_cycle("cos", False)),
        case("one_cycle_linear", 0.05 / 25, one_cycle("linear", False)),
        case("one_cycle_three_phase", 0.05 / 25, one_cycle("cos", True)),
        case("warmup_linear_cosine", 0.1,
             dict(cos50, warmup={"steps": 10, "mode": "linear", "start_factor": 0.1})),
        case("warmup_linear_step", 0.1,
             {"type": "step", "step_size": 7, "gamma": 0.5,
              "warmup": {"steps": 8, "mode": "linear", "start_factor": 0.25}}),
        case("warmup_linear_constant", 0.1,
             {"type": "constant", "warmup": {"steps": 12, "mode": "linear", "start_factor": 0.05}}),
        case("warmup_exponential_cosine", 0.1,
             dict(cos50, warmup={"steps": 10, "mode": "exponential", "start_factor": 0.01})),
        case("linear_scaling_warmup_cosine", 0.1,
             dict(cos50, warmup={"steps": 5, "mode": "linear", "start_factor": 0.1},
                  linear_scaling={"reference_batch_size": 256}),
             batch_size=1024),
        case("linear_scaling_step", 0.1,
             {"type": "step", "step_size": 7, "gamma": 0.5,
              "linear_scaling": {"reference_batch_size": 32}},
             batch_size=8),
        # cycle_momentum (PyTorch's default): CyclicLR cycles SGD's momentum (1.13 cannot cycle
        # Adam's beta1 with CyclicLR), OneCycleLR Adam's betas[0] or SGD's momentum.
        momentum_case("cyclic_triangular_cycle_momentum_sgd", 1e-3, cycled(cyclic("triangular"), 0.8, 0.9),
                      {"type": "sgd", "momentum": 0.9}),
        momentum_case("cyclic_exp_range_cycle_momentum_sgd", 1e-3,
                      cycled(cyclic("exp_range", gamma=0.99), 0.7, 0.95), {"type": "sgd", "momentum": 0.9}),
        momentum_case("one_cycle_cos_cycle_momentum_adam", 0.05 / 25, cycled(one_cycle("cos", False), 0.85, 0.95),
                      {"type": "adam"}),
        momentum_case("one_cycle_three_phase_linear_cycle_momentum_sgd", 0.05 / 25,
                      cycled(one_cycle("linear", True), 0.8, 0.9), {"type": "sgd", "momentum": 0.9}),
    ]


def plateau_metrics(n, seed):
    """A loss that falls, flattens (with noise below and above the threshold), falls again, rises."""
    import random
    rnd = random.Random(seed)
    out = []
    for t in range(n):
        if t < 20:
            m = 1.0 / (1 + t / 5)
        elif t < 60:
            m = 0.2 + rnd.uniform(-1e-5, 1e-5)  # below rel threshold 1e-4 * 0.2 = 2e-5
        elif t < 80:
            m = 0.2 - 0.004 * (t - 59)
        elif t < 120:
            m = 0.12 + rnd.uniform(-0.01, 0.01)
        else:
            m = 0.12 + 0.01 * (t - 119)
        out.append(m)
    return out


def plateau_case(name, lr, params, n=150, seed=1, negate=False):
    """ReduceLROnPlateau stepped with one metric per period; "lrs"[t] is the rate after step(metrics[t])."""
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    scheduler = S.ReduceLROnPlateau(opt, **params)
    metrics = plateau_metrics(n, seed)
    if negate:  # mode max: an accuracy-like metric that rises, flattens, rises, falls
        metrics = [1 - m for m in metrics]
    lrs = []
    for m in metrics:
        param.grad = torch.zeros_like(param)
        opt.step()
        scheduler.step(m)
        lrs.append(float(opt.param_groups[0]["lr"]))
    return {"name": name, "torch_class": "ReduceLROnPlateau", "lr": lr,
            "schedule": dict(params, type="plateau", metric="accuracy" if negate else "loss"),
            "metrics": metrics, "lrs": lrs}


def plateau_cases():
    return [
        plateau_case("plateau_defaults", 0.1, {}),
        plateau_case("plateau_patience_2_cooldown_3", 0.1, {"patience": 2, "cooldown": 3, "factor": 0.5}),
        plateau_case("plateau_abs_threshold", 0.1, {"patience": 3, "threshold": 0.005, "threshold_mode": "abs"}),
        plateau_case("plateau_min_lr_and_eps", 0.01,
                     {"patience": 1, "factor": 0.3, "min_lr": 1e-4, "eps": 1e-5}),
        plateau_case("plateau_max_mode", 0.1, {"mode": "max", "patience": 4, "factor": 0.2}, negate=True),
    ]


def main():
    warnings.simplefilter("ignore")  # torch's EPOCH_DEPRECATION_WARNING from SequentialLR
    out = {"command": COMMAND, "torch_version": torch.__version__, "cases": cases(),
           "plateau_cases": plateau_cases()}
    text = to_json(out)
    assert json.loads(text) == out
    print(text)


if __name__ == '__main__':
    main()
