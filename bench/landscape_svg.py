#!/usr/bin/python3
"""Draws `landscape --out` JSON files as SVG, without dependencies (no matplotlib):

- the plane: a heat map of log10(loss) over (alpha, beta) with a viridis colour scale, contour
  lines (marching squares on the grid points) at round losses (1, 1.25, 1.5, 2, ... x 10^k), the model itself marked;
- a colour legend with the contour levels;
- the line: the loss along the first direction (beta = 0) on the same log scale, the other
  files' lines in grey for comparison.

All files share one colour scale and one loss axis, so that their figures compare.

    /usr/bin/python3 bench/landscape_svg.py --plot A.json A.svg "title A" --plot B.json B.svg "title B"
"""
import argparse
import json
import math

VIRIDIS = [(68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142), (33, 145, 140),
           (34, 168, 132), (68, 191, 112), (122, 209, 81), (189, 223, 38), (253, 231, 37)]


def colour(t):
    """viridis at t in [0, 1], linearly between matplotlib's colours at 0, 0.1, ..., 1."""
    t = min(1.0, max(0.0, t)) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    f = t - i
    c = [round(a + (b - a) * f) for a, b in zip(VIRIDIS[i], VIRIDIS[i + 1])]
    return "#%02x%02x%02x" % tuple(c)


def finite_losses(doc):
    values = list(doc["line"]["loss"])
    if doc.get("plane"):
        values += [v for row in doc["plane"]["loss"] for v in row]
    return [v for v in values if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]


def levels(lo, hi):
    """Contour levels m x 10^k strictly inside (lo, hi) (losses, not logs), for the finest of the
    mantissa sequences below that gives at most 12."""
    out = []
    for mantissas in ((1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8), (1, 1.5, 2, 3, 5, 7), (1, 2, 5), (1,)):
        out = [m * 10 ** k for k in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
               for m in mantissas if lo < m * 10 ** k < hi]
        if len(out) <= 12:
            break
    return out


def label(v):
    return ("%.3g" % v).replace("e-0", "e-").replace("e+0", "e")


def marching_squares(grid, level, xs, ys):
    """Segments where grid (grid[i][j] at (xs[i], ys[j])) crosses level; saddles split by the cell's mean."""
    segs = []
    n, m = len(xs), len(ys)
    for i in range(n - 1):
        for j in range(m - 1):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            v = [grid[a][b] for a, b in corners]
            above = [x >= level for x in v]
            if all(above) or not any(above):
                continue
            points = []
            for e in range(4):
                a, b = e, (e + 1) % 4
                if above[a] != above[b]:
                    t = (level - v[a]) / (v[b] - v[a])
                    (ia, ja), (ib, jb) = corners[a], corners[b]
                    points.append((e, xs[ia] + t * (xs[ib] - xs[ia]), ys[ja] + t * (ys[jb] - ys[ja])))
            if len(points) == 2:
                segs.append((points[0][1:], points[1][1:]))
            else:  # a saddle: four crossings, on edges 0..3 in order
                p = {e: (x, y) for e, x, y in points}
                if (sum(v) / 4 >= level) == above[0]:  # the centre joins corners 0 and 2: cut off 1 and 3
                    segs += [(p[0], p[1]), (p[2], p[3])]
                else:
                    segs += [(p[3], p[0]), (p[1], p[2])]
    return segs


def svg(doc, title, lo, hi, others):
    """One figure; lo, hi: the shared log10 loss range."""
    W, H = 720, 430
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="11">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    sh = doc.get("sharpness")
    sharp = "not measured" if not sh else "%.3g (%s, %d iterations)" % (
        sh["lambda_max"], "converged" if sh["converged"] else "not converged", sh["iterations"])
    out.append('<text x="20" y="22" font-size="14" font-weight="bold">%s</text>' % esc(title))
    out.append('<text x="20" y="40">center loss %.4f, &#955;_max %s, %d held-out rows, %s parameters</text>' % (
        doc["center_loss"], sharp, doc["rows"], format(doc["parameters"], ",")))

    def t_of(v):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            return None
        return (math.log10(v) - lo) / (hi - lo) if hi > lo else 0.5

    # The plane: one cell per grid point, centred on it.
    x0, y0, size = 60, 62, 300
    plane = doc.get("plane")
    if plane:
        al, be, loss = plane["alphas"], plane["betas"], plane["loss"]
        ha, hb = al[1] - al[0], be[1] - be[0]
        ax_lo, ax_hi = al[0] - ha / 2, al[-1] + ha / 2
        bx_lo, bx_hi = be[0] - hb / 2, be[-1] + hb / 2
        px = lambda a: x0 + (a - ax_lo) / (ax_hi - ax_lo) * size
        py = lambda b: y0 + size - (b - bx_lo) / (bx_hi - bx_lo) * size
        cw, ch = size / len(al), size / len(be)
        out.append('<g shape-rendering="crispEdges">')
        for i, a in enumerate(al):
            for j, b in enumerate(be):
                t = t_of(loss[i][j])
                fill = "#999999" if t is None else colour(t)
                out.append('<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"/>' % (
                    px(a) - cw / 2, py(b) - ch / 2, cw + 0.3, ch + 0.3, fill))
        out.append('</g>')
        logs = [[math.log10(v) if t_of(v) is not None else hi + 1 for v in row] for row in loss]
        for lev in levels(10 ** lo, 10 ** hi):
            segs = marching_squares(logs, math.log10(lev), al, be)
            if segs:
                d = " ".join("M%.1f %.1f L%.1f %.1f" % (px(a[0]), py(a[1]), px(b[0]), py(b[1])) for a, b in segs)
                out.append('<path d="%s" fill="none" stroke="white" stroke-opacity="0.75" stroke-width="0.9"/>' % d)
        out.append('<path d="M%.1f %.1f h10 M%.1f %.1f v10" stroke="red" stroke-width="1.5"/>'
                   % (px(0) - 5, py(0), px(0), py(0) - 5))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>' % (x0, y0, size, size))
        span = al[-1]
        for f in (-1, -0.5, 0, 0.5, 1):
            v = f * span
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>' % (px(v), y0 + size, px(v), y0 + size + 4))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (px(v), y0 + size + 16, v))
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black"/>' % (x0 - 4, py(v), x0, py(v)))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (x0 - 6, py(v) + 4, v))
        out.append('<text x="%d" y="%d" text-anchor="middle">&#945; (direction 1)</text>' % (x0 + size / 2, y0 + size + 32))
        out.append('<text x="%d" y="%d" text-anchor="middle" transform="rotate(-90 %d %d)">&#946; (direction 2)</text>'
                   % (x0 - 36, y0 + size / 2, x0 - 36, y0 + size / 2))

    # The colour legend, with the contour levels marked.
    lx, lw = x0 + size + 18, 14
    steps = 60
    for k in range(steps):
        t0 = k / steps
        out.append('<rect x="%d" y="%.2f" width="%d" height="%.2f" fill="%s"/>' % (
            lx, y0 + size - (k + 1) * size / steps, lw, size / steps + 0.3, colour(t0 + 0.5 / steps)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>' % (lx, y0, lw, size))
    ly = lambda v: y0 + size - (math.log10(v) - lo) / (hi - lo) * size
    for lev in levels(10 ** lo, 10 ** hi):
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="white"/>' % (lx, ly(lev), lx + lw, ly(lev)))
        out.append('<text x="%d" y="%.1f">%s</text>' % (lx + lw + 4, ly(lev) + 4, label(lev)))
    out.append('<text x="%d" y="%d" text-anchor="middle">loss</text>' % (lx + lw / 2, y0 - 6))

    # The line, beta = 0, on the same log scale; other files' lines in grey.
    gx, gy, gw, gh = 470, 92, 225, 170
    a = doc["line"]["alphas"]
    qx = lambda v: gx + (v - a[0]) / (a[-1] - a[0]) * gw
    qy = lambda v: gy + gh - (math.log10(v) - lo) / (hi - lo) * gh
    out.append('<text x="%d" y="%d" font-weight="bold">loss along direction 1 (&#946; = 0)</text>' % (gx, gy - 12))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>' % (gx, gy, gw, gh))
    last = None
    for lev in levels(10 ** lo, 10 ** hi):
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>' % (gx, qy(lev), gx + gw, qy(lev)))
        if last is None or last - qy(lev) >= 11:  # a label only where it does not overlap the one below
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (gx - 4, qy(lev) + 4, label(lev)))
            last = qy(lev)

    def polyline(d, style):
        pts = [(qx(x), qy(v)) for x, v in zip(d["line"]["alphas"], d["line"]["loss"]) if t_of(v) is not None]
        return '<polyline points="%s" fill="none" %s/>' % (" ".join("%.1f,%.1f" % p for p in pts), style)

    for name, other in others:
        out.append(polyline(other, 'stroke="#999999" stroke-width="1.2" stroke-dasharray="4 3"'))
    out.append(polyline(doc, 'stroke="#21918c" stroke-width="2"'))
    out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="red"/>' % (qx(0), qy(doc["center_loss"])))
    for f in (-1, -0.5, 0, 0.5, 1):
        v = f * a[-1]
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (qx(v), gy + gh + 14, v))
    out.append('<text x="%d" y="%d" text-anchor="middle">&#945;</text>' % (gx + gw / 2, gy + gh + 30))
    ky = gy + gh + 50
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#21918c" stroke-width="2"/>' % (gx, ky, gx + 24, ky))
    out.append('<text x="%d" y="%d">this model</text>' % (gx + 30, ky + 4))
    for k, (name, _) in enumerate(others):
        y = ky + 16 * (k + 1)
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999999" stroke-width="1.2" stroke-dasharray="4 3"/>'
                   % (gx, y, gx + 24, y))
        out.append('<text x="%d" y="%d">%s</text>' % (gx + 30, y + 4, esc(name)))
    out.append('<text x="%d" y="%d" fill="#555555">red: the trained model (&#945; = &#946; = 0); '
               'directions filter-normalized (Li et al. 2018)</text>' % (20, H - 10))
    out.append('</svg>')
    return "\n".join(out) + "\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plot", nargs=3, action="append", required=True, metavar=("JSON", "SVG", "TITLE"))
    args = p.parse_args()
    docs = [(json.load(open(j)), s, t) for j, s, t in args.plot]
    values = [v for d, _, _ in docs for v in finite_losses(d)]
    lo, hi = math.log10(min(values)), math.log10(max(values))
    for d, s, t in docs:
        others = [(t2.split(":")[0], d2) for d2, s2, t2 in docs if s2 != s]
        with open(s, "w") as f:
            f.write(svg(d, t, lo, hi, others))
        print("wrote", s)


if __name__ == "__main__":
    main()
