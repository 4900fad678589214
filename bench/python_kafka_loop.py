#!/usr/bin/python3
"""The peer anchor of the end-to-end benchmark: the loop a user would write instead of streamfit.
A confluent-kafka consumer, json.loads, numpy, and a PyTorch step of the same model (784-256-256-10
ReLU MLP, Adam lr 1e-3, clip_grad_norm_ 5.0, batch 64, one thread). Prints one JSON object with,
for each window FROM:TO, the examples/s between the FROM-th and the TO-th example trained
(bench/run.sh runs it with the windows it measures the service over).

    /usr/bin/python3 bench/python_kafka_loop.py BOOTSTRAP TOPIC FROM:TO [FROM:TO ...]
"""
import json, sys, time, uuid
import numpy as np
import torch
from confluent_kafka import Consumer

bootstrap, topic = sys.argv[1], sys.argv[2]
windows = [tuple(int(v) for v in w.split(":")) for w in sys.argv[3:]]
if not windows or any(len(w) != 2 or not 0 <= w[0] < w[1] for w in windows):
    sys.exit("usage: python_kafka_loop.py BOOTSTRAP TOPIC FROM:TO [FROM:TO ...] (0 <= FROM < TO)")
stop_at = max(w[1] for w in windows)
marks = {}  # window -> [(time, seen) at its start, (time, seen) at its end]
torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                            torch.nn.ReLU(), torch.nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-loop-" + uuid.uuid4().hex,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
consumer.subscribe([topic])
xs, ys, seen = [], [], 0
while seen < stop_at:
    for msg in consumer.consume(num_messages=64, timeout=1.0):
        if msg.error():
            continue
        record = json.loads(msg.value())
        xs.append(record["x"])
        ys.append(record["y"])
        if len(xs) == 64:
            opt.zero_grad()
            loss = loss_fn(model(torch.from_numpy(np.asarray(xs, dtype=np.float32))), torch.tensor(ys))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            seen += len(xs)
            xs, ys = [], []
            now = time.perf_counter()
            for w in windows:
                m = marks.setdefault(w, [])
                if (len(m) == 0 and seen >= w[0]) or (len(m) == 1 and seen >= w[1]):
                    m.append((now, seen))
consumer.close()
result = []
for w in windows:
    (t0, s0), (t1, s1) = marks[w]
    result.append({"from": w[0], "to": w[1], "examples": s1 - s0, "seconds": round(t1 - t0, 3),
                   "examples_per_s": round((s1 - s0) / (t1 - t0), 1)})
print(json.dumps({"peer": "python_kafka_loop", "torch": torch.__version__, "windows": result}))
