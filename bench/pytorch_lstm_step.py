#!/usr/bin/python3
"""The PyTorch side of the LSTM step benchmark: one training step of a one-layer LSTM classifier
in float32, examples/s. Input [batch 64, seq 32, features F] (batch_first), nn.LSTM(F, 128),
the last hidden state h_T into nn.Linear(128, 10), cross-entropy, loss.backward(), SGD (lr 0.01)
step; no gradient clipping. --forward-only times the LSTM's forward pass alone (no head, no loss)
under torch.no_grad().

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_lstm_step.py
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_lstm_step.py --forward-only
    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_lstm_step.py --threads 2 \
        --features 2,32,128 --seconds 4 [--batch 64 --seq 32 --hidden 128]
        # one JSON object per line and configuration (median of 5 intervals of --seconds / 5):
        # {"peer":"pytorch","threads":1,"mode":"train","batch":64,"seq":32,"hidden":128,
        #  "features":128,"examples_per_s":1234.5}

--features takes one width or a comma-separated list (one line each); --batch, --seq and --hidden
change the shape (bench/adding_problem.sh's model: --features 2 --seq 50 --hidden 64). --threads sets
torch.set_num_threads; for a fair 1-thread figure also export OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS to the same number, as bench/compare.sh does for pytorch_step.py. Each
configuration takes 1 s of warm-up plus --seconds (default 4): about 5 s.

On this 2-core machine 2 threads are slower than 1 for this model (PyTorch 1.13 runs the 32 steps
as a few dozen small ops each, and OpenMP's threads meet at every one): training at 128 features
about 600 examples/s on 2 threads against about 2,400 on 1, quiet; with a build running beside it
2 threads fell to 60-190.
"""
import argparse
import json
import time

import torch


def examples_per_second(features, batch=64, seq=32, hidden=128, seconds=4.0, forward_only=False):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(features, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 10)
    opt = torch.optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(batch, seq, features)
    y = torch.randint(0, 10, (batch,))

    def train_step():
        opt.zero_grad(set_to_none=True)
        _, (h, _) = lstm(x)  # h: [num_layers = 1, batch, hidden], the state after the last step
        loss = loss_fn(head(h[-1]), y)
        loss.backward()
        opt.step()

    def forward_step():
        with torch.no_grad():
            lstm(x)

    step = forward_step if forward_only else train_step
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


def main():
    ap = argparse.ArgumentParser(description="PyTorch LSTM training-step throughput, one JSON object per line")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--features", default="128", help="input features per step; a comma-separated list for several")
    ap.add_argument("--forward-only", action="store_true", help="the LSTM forward pass alone, under no_grad")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seq", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=4.0, help="measured seconds per configuration (5 intervals)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for f in (int(v) for v in a.features.split(",")):
        rate = examples_per_second(f, a.batch, a.seq, a.hidden, a.seconds, a.forward_only)
        print(json.dumps({"peer": "pytorch", "threads": a.threads, "mode": "forward" if a.forward_only else "train",
                          "batch": a.batch, "seq": a.seq, "hidden": a.hidden, "features": f,
                          "examples_per_s": round(rate, 1)}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
