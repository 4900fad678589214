#!/usr/bin/python3
"""Draws `train --metrics` files of adding-problem runs (bench/adding_problem.sh) as one SVG, without
dependencies (no matplotlib), and prints their markdown table.

The figure: each run's prequential MSE (each batch scored before the step on it; the steps'
`loss` in the metrics file) as a trailing mean over --window steps, against the examples seen,
on a log scale; one line per run, a dashed line at the baseline of always answering 1 (1/6, the
variance of the sum of two U(0, 1)), a dotted one at the --threshold, and a dot where each curve
first falls below it.

The table: configuration, examples seen when the smoothed curve first falls below --threshold
(only full windows count; "not reached" otherwise), held-out MSE (`final.test_loss`, from
`train --test`), prequential MSE over the whole pass, clipped and skipped steps, and the time of
the whole `train` run (`final.seconds`).

    /usr/bin/python3 bench/adding_svg.py --out docs/figures/adding-problem.svg \
        --run A.json "textbook" --run B.json "no clipping" [--window 50] [--threshold 0.05] [--title T]
    # under a second
"""
import argparse
import json
import math

COLOURS = ["#440154", "#21918c", "#e07b00", "#3b528b", "#5ec962"]  # viridis ends and an orange
BASELINE = 1 / 6


def number(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def curve(doc, window):
    """[(examples seen, trailing mean of the per-step prequential loss over `window` steps)], full windows only."""
    out = []
    recent = []  # (examples in the step, loss) of the last `window` training steps
    before = 0
    for s in doc["steps"]:
        if s.get("role"):  # a held-out batch (early stopping), not part of the prequential pass
            continue
        seen = s["examples"]
        n, before = seen - before, seen
        loss = number(s.get("loss"))
        if loss is None or n <= 0:
            # a NaN loss (diverged, or a skipped step's batch): the window restarts after it
            recent = []
            continue
        recent.append((n, loss))
        if len(recent) > window:
            recent.pop(0)
        if len(recent) == window:
            out.append((seen, sum(k * v for k, v in recent) / sum(k for k, _ in recent)))
    return out


def reached(points, threshold):
    return next((x for x, v in points if v < threshold), None)


def label_examples(v):
    if v == 0:
        return "0"
    if v >= 1e6 and v % 1e5 == 0:
        return "%gM" % (v / 1e6)
    return "%gk" % (v / 1e3) if v >= 1000 else "%d" % v


def nice_step(span, ticks=6):
    raw = span / ticks
    k = 10 ** math.floor(math.log10(raw))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= raw)


def svg(runs, title, subtitle, threshold):
    W, H = 720, 430
    x0, y0, pw, ph = 70, 62, 450, 300
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="11">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="20" y="22" font-size="14" font-weight="bold">%s</text>' % esc(title),
           '<text x="20" y="40">%s</text>' % esc(subtitle)]
    values = [v for _, pts, _ in runs for _, v in pts] + [BASELINE, threshold]
    xmax = max([x for _, pts, _ in runs for x, _ in pts] + [1])
    lo = max(-6, math.floor(math.log10(min(values))))
    hi = min(2, math.ceil(math.log10(max(values))))
    if hi <= lo:
        hi = lo + 1
    px = lambda x: x0 + x / xmax * pw
    py = lambda v: y0 + ph - (min(hi, max(lo, math.log10(v))) - lo) / (hi - lo) * ph

    # grid and axes: decades labelled, 2 and 5 x 10^k as fainter lines
    for k in range(lo, hi + 1):
        for m in (1, 2, 5):
            v = m * 10.0 ** k
            if not (10.0 ** lo <= v <= 10.0 ** hi):
                continue
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>'
                       % (x0, py(v), x0 + pw, py(v), "#dddddd" if m == 1 else "#f0f0f0"))
            if m == 1 or hi - lo <= 2:
                out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (x0 - 6, py(v) + 4, "%g" % v))
    step = nice_step(xmax)
    x = 0
    while x <= xmax * 1.0001:
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>' % (px(x), y0 + ph, px(x), y0 + ph + 4))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (px(x), y0 + ph + 16, label_examples(x)))
        x += step
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>' % (x0, y0, pw, ph))
    out.append('<text x="%d" y="%d" text-anchor="middle">examples seen</text>' % (x0 + pw / 2, y0 + ph + 32))
    out.append('<text x="%d" y="%d" text-anchor="middle" transform="rotate(-90 %d %d)">prequential MSE (log scale)</text>'
               % (x0 - 48, y0 + ph / 2, x0 - 48, y0 + ph / 2))

    # the baseline and the threshold
    out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#555555" stroke-width="1.2" stroke-dasharray="6 4"/>'
               % (x0, py(BASELINE), x0 + pw, py(BASELINE)))
    out.append('<text x="%d" y="%.1f" text-anchor="end" fill="#555555">always 1: 1/6</text>' % (x0 + pw - 4, py(BASELINE) - 4))
    out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999999" stroke-dasharray="2 3"/>'
               % (x0, py(threshold), x0 + pw, py(threshold)))
    out.append('<text x="%d" y="%.1f" text-anchor="end" fill="#999999">%g</text>' % (x0 + pw - 4, py(threshold) - 4, threshold))

    # the runs, at most ~900 points each (values are clamped to the axis range, so nothing leaves the plot)
    for i, (name, pts, _) in enumerate(runs):
        c = COLOURS[i % len(COLOURS)]
        every = max(1, len(pts) // 900)
        keep = pts[::every] + ([pts[-1]] if pts and (len(pts) - 1) % every else [])
        if keep:
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="1.6" stroke-linejoin="round"/>'
                       % (" ".join("%.1f,%.1f" % (px(x), py(v)) for x, v in keep), c))
        at = reached(pts, threshold)
        if at is not None:
            out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s" stroke="white"/>' % (px(at), py(threshold), c))

    # the legend
    lx, ly = x0 + pw + 20, y0 + 10
    out.append('<text x="%d" y="%d" font-weight="bold">configuration</text>' % (lx, ly))
    for i, (name, pts, final) in enumerate(runs):
        y = ly + 20 + 34 * i
        c = COLOURS[i % len(COLOURS)]
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>' % (lx, y, lx + 24, y, c))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 30, y + 4, esc(name)))
        test = number(final.get("test_loss"))
        out.append('<text x="%d" y="%d" fill="#555555">held-out MSE %s</text>'
                   % (lx + 30, y + 18, "%.4f" % test if test is not None else "n/a"))
    out.append('<text x="20" y="%d" fill="#555555">dots: where each curve first falls below %g; '
               'dashed: always answering 1 (MSE 1/6 = 0.167)</text>' % (H - 10, threshold))
    out.append('</svg>')
    return "\n".join(out) + "\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(runs, threshold, window):
    rows = ["| configuration | examples to MSE < %g (mean of %d steps) | held-out MSE | prequential MSE, whole pass "
            "| clipped steps | skipped steps | train s |" % (threshold, window),
            "|---|---:|---:|---:|---:|---:|---:|"]
    fmt = lambda v, f: f % v if number(v) is not None else "n/a"
    for name, pts, final in runs:
        at = reached(pts, threshold)
        rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            name, format(at, ",") if at is not None else "not reached", fmt(final.get("test_loss"), "%.4f"),
            fmt(final.get("prequential_loss"), "%.4f"), final.get("clipped_steps", "n/a"),
            final.get("skipped_steps", "n/a"), fmt(final.get("seconds"), "%.0f")))
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", nargs=2, action="append", required=True, metavar=("METRICS_JSON", "LABEL"))
    p.add_argument("--out", required=True, help="the SVG to write")
    p.add_argument("--window", type=int, default=50, help="steps in the trailing mean (default 50)")
    p.add_argument("--threshold", type=float, default=0.05)
    p.add_argument("--title", default="The adding problem, T = 50: one LSTM, three ways to start and train it")
    args = p.parse_args()
    runs = []
    for path, name in args.run:
        doc = json.load(open(path))
        runs.append((name, curve(doc, args.window), doc.get("final", {})))
    steps = [s for path, _ in args.run[:1] for s in json.load(open(path))["steps"]]
    batch = steps[0]["examples"] if steps else 0
    subtitle = ("prequential MSE, each batch scored before the step on it; mean over a trailing window of %d steps "
                "(%s examples)" % (args.window, format(args.window * batch, ",")))
    with open(args.out, "w") as f:
        f.write(svg(runs, args.title, subtitle, args.threshold))
    print(table(runs, args.threshold, args.window))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
