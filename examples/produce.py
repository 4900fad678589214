#!/usr/bin/python3
"""Writes training examples for a model with input_width 4 and 10 classes, in both encodings.

    python3 examples/produce.py BOOTSTRAP_SERVERS TOPIC      # needs confluent-kafka
"""
import json
import struct
import sys

import numpy as np
from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})

# JSON: one example (a mini-batch record is {"x": [[...], ...], "y": [...]})
p.produce(topic, json.dumps({"x": [0.1, 0.5, 0.0, 1.2], "y": 3}))

# binary: magic "SF", version 1, label kind 0 (int32 classes), n, width, m=1, then x and y
x = np.random.rand(16, 4).astype("<f4")
y = np.random.randint(0, 10, 16).astype("<i4")
p.produce(topic, b"SF" + bytes([1, 0]) + struct.pack("<III", 16, 4, 1) + x.tobytes() + y.tobytes())
p.flush()
