#!/usr/bin/python3
"""The tables and verdicts of bench/run.sh, from the raw results it left in OUT:

    /usr/bin/python3 bench/report.py OUT [--smoke] [--allow-missing]

Reads jmh-*.json (JMH -rf json), pytorch.jsonl (bench/pytorch_step.py), e2e/e2e.json
(io.streamfit.bench.EndToEndBench), header.txt and parts.tsv; prints the tables and the ratios
against issue 13's targets, each met or not met; writes OUT/results.json. Every JMH figure is the
median of all measured iterations of all forks (rawData), not JMH's mean. Exit code 1 if a part
failed (or is missing, unless --allow-missing); the verdicts never change the exit code.
"""
import glob
import json
import os
import statistics
import sys

out = sys.argv[1]
smoke = "--smoke" in sys.argv
allow_missing = "--allow-missing" in sys.argv


def load_json(path):
    with open(path) as f:
        return json.load(f)


def median_raw(metric):
    values = [v for fork in metric["rawData"] for v in fork]
    return statistics.median(values), len(values), min(values), max(values)


# -- training step (JMH) and PyTorch ------------------------------------------------------------
step = {}  # (arch, optimizer, batch) -> dict
for path in sorted(glob.glob(os.path.join(out, "jmh-step-*.json"))):
    for r in load_json(path):
        p = r["params"]
        b = int(p["batch"])
        med, n, lo, hi = median_raw(r["primaryMetric"])
        arch = p.get("arch", "plain") + ("" if p.get("blas", "bundled") == "bundled" else "+sysblas")
        step[(arch, p["optimizer"], b)] = {
            "arch": arch, "blas": p.get("blas", "bundled"), "optimizer": p["optimizer"], "batch": b,
            "examples_per_s": med * b, "iterations": n, "min": lo * b, "max": hi * b}

torch = {}  # (arch, optimizer, batch) -> {threads -> examples/s}
if os.path.exists(os.path.join(out, "pytorch.jsonl")):
    for line in open(os.path.join(out, "pytorch.jsonl")):
        if line.strip().startswith("{"):
            r = json.loads(line)
            key = (r["arch"], r["optimizer"], int(r["batch"]))
            setting = f"{r['threads']}" + ("f" if r.get("foreach") else "")
            torch.setdefault(key, {})[setting] = max(r["examples_per_s"], torch.get(key, {}).get(setting, 0))

rows = []
for key in sorted(set(step) | set(torch), key=lambda k: (k[1] != "adam", k[0] != "plain", k[1], k[0], k[2])):
    arch, opt, b = key
    s = step.get(key, {}).get("examples_per_s")
    t = torch.get((arch.replace("+sysblas", ""), opt, b), {})
    best = max(t.values()) if t else None
    rows.append({"arch": arch, "optimizer": opt, "batch": b, "streamfit": step.get(key),
                 "pytorch_1_thread": t.get("1"), "pytorch_2_threads": t.get("2"), "pytorch_1_thread_foreach": t.get("1f"),
                 "pytorch_best": best,
                 "ratio": s / best if s and best else None})


def fmt(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"


print()
print("== Training step, 784-256-256-10 MLP, clipping 5.0: examples/s (JMH: median of every iteration of every fork)")
print(f"{'arch':13} {'optimizer':9} {'batch':>5} {'streamfit':>10} {'(min..max)':>19} {'torch 1t':>9} {'torch 2t':>9} {'1t foreach':>10} {'ratio':>6}")
for r in rows:
    s = r["streamfit"]
    spread = f"({fmt(s['min'])}..{fmt(s['max'])})" if s else ""
    ratio = f"{r['ratio']:.2f}x" if r["ratio"] else "-"
    print(f"{r['arch']:13} {r['optimizer']:9} {r['batch']:>5} {fmt(s and s['examples_per_s']):>10} {spread:>19} "
          f"{fmt(r['pytorch_1_thread']):>9} {fmt(r['pytorch_2_threads']):>9} {fmt(r['pytorch_1_thread_foreach']):>10} {ratio:>6}")
print("   ratio = streamfit / PyTorch's best setting (1 or 2 threads with its default update, 1 thread with foreach=True;")
print("   flush_denormal on), same run; each PyTorch figure is its best of the runs of that setting (3 processes in a full run),")
print("   each the median of 5 intervals")
print("   +sysblas = the same step with STREAMFIT_BLAS=system (Debian's OpenBLAS instead of ND4J's bundled 0.3.19)")

# -- decoder --------------------------------------------------------------------------------------
decoder = []
path = os.path.join(out, "jmh-decoder.json")
if os.path.exists(path):
    for r in load_json(path):
        sec = r.get("secondaryMetrics", {})
        rec = next((m for k, m in sec.items() if "example" in k.lower() or "record" in k.lower()), None)
        byt = next((m for k, m in sec.items() if "byte" in k.lower()), None)
        p = r["params"]
        method = r["benchmark"].rsplit(".", 1)[-1]
        what = p.get("decoder", "") if method == "decode" else f"ceiling: {method}"
        decoder.append({"what": what, "format": p.get("format", p.get("text")),
                        "examples_per_s": median_raw(rec)[0] if rec else None,
                        "mb_per_s": median_raw(byt)[0] / 1e6 if byt else None,
                        "ops_per_s": median_raw(r["primaryMetric"])[0]})
    print()
    print("== Record decoder (RecordDecoderBenchmark, one thread, Fashion-MNIST records as Python's json.dumps writes them):")
    print("   median of every iteration; streaming = the service's decoder, tree = the decoder before issue 13")
    print(f"{'decoder':22} {'format':8} {'MB/s':>9} {'examples/s':>11}")
    for d in sorted(decoder, key=lambda d: (d["what"].startswith("ceiling"), d["what"] != "streaming", d["what"], d["format"])):
        print(f"{d['what']:22} {d['format']:8} {fmt(d['mb_per_s'], 1):>9} {fmt(d['examples_per_s']):>11}")

# -- search ----------------------------------------------------------------------------------------
search = []
paths = [os.path.join(out, f"jmh-{n}.json") for n in ("search", "search-base")]
if all(os.path.exists(p) for p in paths):
    micros = {}
    for p in paths:
        for r in load_json(p):
            method = r["benchmark"].rsplit(".", 1)[-1]
            micros[(method, int(r["params"]["trials"]))] = median_raw(r["primaryMetric"])[0]
    decode_us, step_us = micros.get(("decode", 1)), micros.get(("step", 1))
    print()
    print("== Search (SearchStepBenchmark, one thread): microseconds per batch of 32 JSON Fashion-MNIST records, median of every iteration")
    print(f"   decode and batch {fmt(decode_us)}, one model's step {fmt(step_us)}; steps only = the K trials' steps on an assembled batch")
    print(f"{'trials':>6} {'search':>9} {'K steps + 1 decode':>19} {'ratio':>6} {'steps only':>11} {'/ K steps':>10} "
          f"{'K decodes':>10} {'K decodes / search':>19}")
    for k in sorted({k for (m, k) in micros if m == "search"}):
        s_, each, only = micros.get(("search", k)), micros.get(("decodeEach", k)), micros.get(("searchSteps", k))
        ideal = k * step_us + decode_us if step_us and decode_us else None
        row = {"trials": k, "search_us": s_, "ideal_us": ideal, "ratio_to_ideal": s_ / ideal if s_ and ideal else None,
               "steps_only_us": only, "steps_only_over_k_steps": only / (k * step_us) if only and step_us else None,
               "decode_each_us": each, "decode_each_over_search": each / s_ if each and s_ else None}
        search.append(row)
        print(f"{k:>6} {fmt(s_):>9} {fmt(ideal):>19} {fmt(row['ratio_to_ideal'], 2):>6} {fmt(only):>11} "
              f"{fmt(row['steps_only_over_k_steps'], 2):>10} {fmt(each):>10} {fmt(row['decode_each_over_search'], 2):>19}")

# -- end to end -----------------------------------------------------------------------------------
e2e = None
path = os.path.join(out, "e2e", "e2e.json")
if os.path.exists(path):
    e2e = load_json(path)
    wins = list(e2e["windows"])  # first_pass, and later_passes when the topic holds more than one pass
    print()
    print(f"== End to end: {e2e['records']:,} Fashion-MNIST records per topic ({e2e['passes']} pass(es) of the file) on a Kafka 4.1.2 "
          f"broker JVM, one example per record, Adam 1e-3, batch {e2e['batch']}: examples/s over each window of the stream")
    print("   " + "; ".join(f"{w}: examples {e2e['windows'][w]['from']:,} to {e2e['windows'][w]['to']:,}" for w in wins))
    print("   (first_pass includes the warm-up after start; later_passes is after it, as JMH measures the step)")

    def per(party, w, key="examples_per_s"):
        return ((e2e.get(party) or {}).get(w) or {}).get(key)

    print(f"{'':58} " + " ".join(f"{w:>13}" for w in wins))
    lines = [
        ("service, JSON records", "service_json", "examples_per_s"),
        ("  its training step inside that run", "service_json", "step_examples_per_s"),
        ("  cores used by the service / by the broker", "service_json", None),
        ("service, binary records", "service_binary", "examples_per_s"),
        ("  its training step inside that run", "service_binary", "step_examples_per_s"),
        ("  cores used by the service / by the broker", "service_binary", None),
        ("train command, same JSON lines", "train", "examples_per_s"),
        ("Python loop: confluent-kafka, json.loads, numpy, PyTorch", "python_loop", "examples_per_s"),
    ]
    for name, party, key in lines:
        if key is None:
            cells = [f"{per(party, w, 'service_cores') or 0:.2f}/{per(party, w, 'broker_cores') or 0:.2f}" for w in wins]
        else:
            cells = [fmt(per(party, w, key)) for w in wins]
        print(f"{name:58} " + " ".join(f"{c:>13}" for c in cells))
    for name, key in [("JSON", "consumer_json"), ("binary", "consumer_binary")]:
        c = e2e.get(key) or {}
        print(f"{'ceiling: a Java consumer alone draining the ' + name + ' topic':58} {fmt(c.get('records_per_s')):>13} records/s, "
              f"CPU per record: consumer {fmt(c.get('consumer_cpu_us_per_record'), 1)} us, broker {fmt(c.get('broker_cpu_us_per_record'), 1)} us")
    print(f"{'JMH step, adam, plain, batch 64 (above)':58} {fmt((step.get(('plain', 'adam', 64)) or {}).get('examples_per_s')):>13}")
    st = e2e.get("startup_demo") or {"seconds": []}
    print(f"{'start-up to ready, demo (s, each run)':58} {', '.join(f'{s:.1f}' for s in st['seconds']):>13}")
    if e2e.get("startup_demo_appcds"):
        sa = e2e["startup_demo_appcds"]
        print(f"{'  the same with the AppCDS archive (deploy/appcds.sh)':58} {', '.join(f'{s:.1f}' for s in sa['seconds']):>13}")
    print(f"{'start-up to ready, service with one model, own broker (s)':58} "
          f"{e2e['service_json']['ready_seconds']:.1f}, {e2e['service_binary']['ready_seconds']:.1f}")

# -- targets --------------------------------------------------------------------------------------
targets = []


def target(name, value, op, bound, unit="x"):
    met = None if value is None else (value >= bound if op == ">=" else value <= bound)
    targets.append({"target": name, "value": value, "op": op, "bound": bound, "unit": unit,
                    "met": met})


jmh64 = (step.get(("plain", "adam", 64)) or {}).get("examples_per_s")
info = []
if e2e:
    def ratio(a, b):
        return a / b if a and b else None
    # The targets compare with JMH's step, measured after warm-up: so the window after warm-up when there is one.
    tw = wins[-1]
    sj, sb = e2e["service_json"].get(tw, {}), e2e["service_binary"].get(tw, {})
    py = per("python_loop", tw)
    target(f"JSON end to end / JMH step (adam, batch 64), {tw}", ratio(sj.get("examples_per_s"), jmh64), ">=", 0.85)
    target(f"binary end to end / JMH step, {tw}", ratio(sb.get("examples_per_s"), jmh64), ">=", 0.95)
    target(f"train command / JMH step, {tw}", ratio(per("train", tw), jmh64), ">=", 0.85)
    target(f"JSON end to end / Python loop, {tw}", ratio(sj.get("examples_per_s"), py), ">=", 3.0)
    target("start-up to ready with the demo (median)", (e2e.get("startup_demo") or {}).get("median_seconds"), "<=", 5.0, " s")
    if e2e.get("startup_demo_appcds"):
        target("start-up, demo, with the AppCDS archive (median)", e2e["startup_demo_appcds"]["median_seconds"], "<=", 5.0, " s")
    for w in wins:
        info += [(f"JSON end to end / its in-run step, {w}", ratio(per("service_json", w), per("service_json", w, "step_examples_per_s"))),
                 (f"binary end to end / its in-run step, {w}", ratio(per("service_binary", w), per("service_binary", w, "step_examples_per_s"))),
                 (f"binary end to end / Python loop, {w}", ratio(per("service_binary", w), per("python_loop", w)))]
    if len(wins) > 1:
        w = wins[0]
        info += [(f"JSON end to end / JMH step, {w}", ratio(per("service_json", w), jmh64)),
                 (f"train command / JMH step, {w}", ratio(per("train", w), jmh64)),
                 (f"JSON end to end / Python loop, {w}", ratio(per("service_json", w), per("python_loop", w)))]
for r in rows:
    if r["optimizer"] == "adam":
        target(f"step / PyTorch best, adam, {r['arch']}, batch {r['batch']}", r["ratio"], ">=", 3.0 if r["batch"] == 1 else 1.0)

print()
print("== Targets of issue 13" + (" (smoke run: sizes too small for verdicts)" if smoke else ""))
for t in targets:
    value = "-" if t["value"] is None else f"{t['value']:.2f}{t['unit']}"
    verdict = "not measured" if t["met"] is None else "-" if smoke else ("met" if t["met"] else "NOT MET")
    print(f"{t['target']:60} {value:>8}  {t['op']} {t['bound']}{t['unit']:2}  {verdict}")
for name, v in info:
    print(f"{name:60} {('-' if v is None else f'{v:.2f}x'):>8}  (for reading, no target)")

# -- parts, exit code -----------------------------------------------------------------------------
parts = []
for line in open(os.path.join(out, "parts.tsv")):
    f = line.rstrip("\n").split("\t")
    parts.append({"part": f[0], "status": f[1], "seconds": int(f[2]), "load": f[3], "note": f[4] if len(f) > 4 else None})
print()
print("== Parts: " + ", ".join(f"{p['part']} {p['status']} {p['seconds']} s (load {p['load'].split()[0]})" for p in parts))
bad = [p for p in parts if p["status"] == "failed" or (p["status"] == "missing" and not allow_missing)]
header = [l.rstrip("\n") for l in open(os.path.join(out, "header.txt"))]
with open(os.path.join(out, "results.json"), "w") as f:
    json.dump({"header": header, "smoke": smoke, "step": rows, "decoder": decoder, "search": search, "end_to_end": e2e,
               "targets": targets, "ratios_for_reading": dict(info), "parts": parts}, f, indent=1)
print(f"== Written: {os.path.join(out, 'results.json')}")
if bad:
    print("FAILED: " + ", ".join(f"{p['part']} ({p['status']}{': ' + p['note'] if p['note'] else ''})" for p in bad))
    sys.exit(1)
