#!/usr/bin/python3
"""The PyTorch side of the README's benchmark table: the same training step as
TrainingStepBenchmark (784-256-256-10 ReLU MLP, float32, cross-entropy, clip_grad_norm_(5.0),
Adam lr=1e-3), one thread, examples/s per batch size.

    /usr/bin/python3 bench/pytorch_step.py          # Debian's python3-torch (1.13)
    /usr/bin/python3 bench/pytorch_step.py --optimizers   # every optimizer, flush_denormal on
"""
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)


OPTIMIZERS = {  # the same hyper-parameters as TrainingStepBenchmark.optimizerSpec
    "sgd": lambda p: torch.optim.SGD(p, lr=0.01),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "nesterov": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.01),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.001),
    "adadelta": lambda p: torch.optim.Adadelta(p, lr=1.0),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    "amsgrad": lambda p: torch.optim.Adam(p, lr=1e-3, amsgrad=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-3),
    "nadam": lambda p: torch.optim.NAdam(p, lr=2e-3),
    "adamax": lambda p: torch.optim.Adamax(p, lr=2e-3),
}


def examples_per_second(batch, seconds=4.0, optimizer="adam"):
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10))
    opt = OPTIMIZERS[optimizer](model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()

    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:  # warm-up
        step()
    rates = []
    for _ in range(5):
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds / 5:
            step()
            n += 1
        rates.append(n * batch / (time.perf_counter() - t0))
    rates.sort()
    return rates[len(rates) // 2]


if __name__ == "__main__" and "--optimizers" in sys.argv:
    print("torch", torch.__version__, "threads", torch.get_num_threads())
    torch.set_flush_denormal(True)
    for name in OPTIMIZERS:
        for b in (1, 16, 64, 256):
            print(f"torch {name} batch {b}: {examples_per_second(b, 2.5, name):.0f} examples/s")
elif __name__ == "__main__":
    print("torch", torch.__version__, "threads", torch.get_num_threads())
    # streamfit flushes subnormal optimizer state; PyTorch does only when asked, so both are shown.
    for flush in (False, True):
        torch.set_flush_denormal(flush)
        for b in (1, 16, 64, 256):
            print(f"torch flush_denormal={flush!s:5} batch {b:4d}: {examples_per_second(b):10.0f} examples/s (median of 5)")
