// streamfit console: the loss landscape of the selected model (POST/GET /models/{id}/landscape):
// the loss along alpha (uPlot), the (alpha, beta) plane as a heat map with iso-lines (canvas), and
// the sharpness. Exposes window.SFLandscape = {init, select}.
(() => {
  'use strict';

  const $ = sel => document.querySelector(sel);
  const BUSY = new Set(['capturing', 'computing']);
  // Viridis at ten evenly spaced stops; colors in between are interpolated.
  const VIRIDIS = ['#440154', '#482878', '#3e4a89', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6dcd59', '#b4de2c', '#fde725']
    .map(h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)));
  const NO_VALUE = '#bbb'; // a heat-map cell whose loss is not finite (null in the answer)

  let deps = null;     // {api, report, say, unsay} from console.js
  let modelId = null;
  let gen = 0;         // bumped on each model change: answers for an older one are dropped
  let chain = 0;       // bumped when a new polling chain starts: an older chain's answers are dropped, and it stops
  let timer = 0;
  let line = null;
  let plane = null;    // the last plane drawn, redrawn on resize

  function init(d) {
    deps = d;
    line = SFCharts.lineChart($('[data-chart="landscape_line"]'));
    $('#landscape-form').addEventListener('submit', start);
    let width = 0;
    new ResizeObserver(() => {
      const w = $('#landscape-map-figure').clientWidth;
      if (plane && w !== width) { width = w; drawMap(plane); }
    }).observe($('#landscape-map-figure'));
  }

  /** Follows the model id (or null): clears the results and reads its landscape state. */
  function select(id) {
    if (id === modelId) return;
    modelId = id;
    gen++;
    const c = ++chain;
    clearTimeout(timer);
    deps.unsay('landscape');
    show({state: 'none'});
    if (id) read(gen, c, 'none');
  }

  const path = () => `/models/${encodeURIComponent(modelId)}/landscape`;
  const int = sel => parseInt($(sel).value, 10);

  async function start(event) {
    event.preventDefault();
    if (!modelId) return;
    const body = {
      directions: int('#landscape-directions'), points: int('#landscape-points'), span: parseFloat($('#landscape-span').value),
      rows: int('#landscape-rows'), sharpness: $('#landscape-sharpness').checked,
    };
    const button = $('button[data-action="landscape"]');
    const id = modelId, g = gen;
    button.disabled = true;
    try {
      await deps.api('POST', path(), {body: JSON.stringify(body)});
      if (g !== gen) return;
      deps.say('landscape', `Landscape of ${id} requested.`);
      // A new chain: a read of the old one still in flight neither shows its answer nor re-arms.
      const c = ++chain;
      clearTimeout(timer);
      setState('capturing');
      read(g, c, 'capturing');
    } catch (e) {
      deps.report('landscape', `Landscape of ${id} refused`, e);
    } finally {
      button.disabled = false;
    }
  }

  /**
   * GET the state; polls every second while the landscape is being captured or computed. One
   * chain at a time: a read whose chain (c) is no longer the current one ends it.
   */
  async function read(g, c, lastState) {
    const id = modelId;
    const current = () => g === gen && c === chain;
    let s;
    try {
      s = await deps.api('GET', path());
    } catch (e) {
      if (!current()) return;
      deps.report('landscape', `Reading the landscape of ${id} failed`, e);
      if (BUSY.has(lastState)) timer = setTimeout(() => read(g, c, lastState), 2000); // keep trying
      return;
    }
    if (!current()) return;
    show(s || {state: 'none'});
    if (s && s.state === 'failed') deps.report('landscape', `Landscape of ${id} failed`, {message: s.error || 'no reason given'});
    if (s && BUSY.has(s.state)) timer = setTimeout(() => read(g, c, s.state), 1000);
  }

  function setState(state) {
    const el = $('#landscape-state');
    el.textContent = state;
    el.dataset.state = state;
  }

  function show(s) {
    setState(s.state || 'none');
    const r = s.result;
    const info = [];
    if (s.state === 'failed' && s.error) info.push(s.error);
    if (r) {
      info.push(`version ${r.version}`, `${SFCharts.fmtNum(r.steps)} steps`, `${SFCharts.fmtNum(r.rows)} rows`,
        `${SFCharts.fmtNum(r.seconds)} s`, `loss at the centre ${SFCharts.fmtNum(r.center_loss)}`);
    }
    $('#landscape-info').textContent = info.join(' · ');
    line.set(lineData(r && r.line));
    plane = r && r.plane && Array.isArray(r.plane.loss) ? r.plane : null;
    $('#landscape-map-figure').hidden = !plane;
    if (plane) drawMap(plane);
    showSharpness(r && r.sharpness);
  }

  const finite = v => typeof v === 'number' && Number.isFinite(v);

  /**
   * [alphas, loss] for uPlot: a loss that is not a finite number (the API sends null for NaN or
   * an infinity) is null, a gap in the line; a point without a finite alpha is left out.
   */
  function lineData(l) {
    if (!l || !Array.isArray(l.alphas)) return [[], []];
    const loss = Array.isArray(l.loss) ? l.loss : [];
    const xs = [], ys = [];
    l.alphas.forEach((a, i) => {
      if (!finite(a)) return;
      xs.push(a);
      ys.push(finite(loss[i]) ? loss[i] : null);
    });
    return [xs, ys];
  }

  function showSharpness(sh) {
    const el = $('#sharpness');
    if (!sh) {
      el.textContent = 'not computed';
      el.dataset.value = '';
      delete el.dataset.converged;
      return;
    }
    const ok = finite(sh.lambda_max);
    el.dataset.value = ok ? String(sh.lambda_max) : '';
    el.dataset.converged = String(!!sh.converged);
    const details = [];
    if (sh.iterations != null) details.push(`${SFCharts.fmtNum(sh.iterations)} iterations`);
    details.push(sh.converged ? 'converged' : 'not converged');
    if (sh.method) details.push(sh.method);
    el.textContent = `λmax = ${ok ? SFCharts.fmtNum(sh.lambda_max) : 'not finite'} (${details.join(', ')})`;
  }

  // ---- the heat map ----

  function viridis(f) {
    const x = Math.min(1, Math.max(0, f)) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(x)), w = x - i;
    const c = VIRIDIS[i].map((v, k) => Math.round(v + (VIRIDIS[i + 1][k] - v) * w));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  /**
   * z[i][j] = the loss at (alphas[i], betas[j]). The API does not say which index is which; a
   * grid with one row per beta (and as many columns as alphas) is transposed.
   */
  function gridOf(p) {
    const A = p.alphas || [], B = p.betas || [], Z = p.loss;
    const at = (row, k) => (Array.isArray(row) ? row[k] : null); // a row may be null or missing
    if (Z.length !== A.length && Z.length === B.length) return A.map((_, i) => B.map((_, j) => at(Z[j], i)));
    return A.map((_, i) => B.map((_, j) => at(Z[i], j)));
  }

  function drawMap(p) {
    const canvas = $('#landscape-map');
    const A = p.alphas || [], B = p.betas || [], Z = gridOf(p);
    const nA = A.length, nB = B.length;
    const cssW = Math.max(280, Math.min(720, $('#landscape-map-figure').clientWidth));
    const cssH = Math.round(Math.min(cssW * 0.8, 520));
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    if (!nA || !nB) return;

    // Loss range over the finite values (null: not finite, drawn in a neutral grey); a log color
    // scale when the loss spans more than a decade.
    const all = Z.flat().filter(finite);
    const missing = nA * nB - all.length;
    canvas.dataset.cells = String(nA * nB);
    canvas.dataset.missing = String(missing);
    if (!all.length) {
      ctx.fillStyle = NO_VALUE;
      ctx.fillRect(0, 0, cssW, cssH);
      ctx.fillStyle = '#222';
      ctx.font = '13px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('no finite loss in the plane', cssW / 2, cssH / 2);
      delete canvas.dataset.min;
      delete canvas.dataset.max;
      canvas.setAttribute('aria-label', `Heat map of the loss over ${nA} × ${nB} points (α, β): no finite value`);
      return;
    }
    const min = Math.min(...all), max = Math.max(...all);
    const log = min > 0 && max / min > 10;
    const f = v => (log ? Math.log(v) : v);
    const f0 = f(min), span = (f(max) - f0) || 1;
    const norm = v => (f(v) - f0) / span;

    const m = {l: 52, r: 100, t: 12, b: 42};
    const w = cssW - m.l - m.r, h = cssH - m.t - m.b;
    const cw = w / nA, ch = h / nB;
    const X = i => m.l + (i + 0.5) * cw;       // (fractional) alpha index -> x
    const Y = j => m.t + h - (j + 0.5) * ch;   // (fractional) beta index -> y

    for (let i = 0; i < nA; i++) {
      for (let j = 0; j < nB; j++) {
        const v = Z[i][j];
        ctx.fillStyle = finite(v) ? viridis(norm(v)) : NO_VALUE;
        ctx.fillRect(m.l + i * cw, m.t + h - (j + 1) * ch, Math.ceil(cw), Math.ceil(ch));
      }
    }

    // Iso-lines at 7 evenly spaced levels of the (possibly log) color scale.
    const G = A.map((_, i) => B.map((_, j) => (finite(Z[i][j]) ? norm(Z[i][j]) : NaN)));
    ctx.strokeStyle = 'rgba(255,255,255,0.75)';
    ctx.lineWidth = 1;
    for (let k = 1; k <= 7; k++) contour(ctx, G, k / 8, X, Y);

    // Centre (the current parameters) and axes.
    const pos = (vals, v, toPx) => (vals.length > 1 ? toPx((v - vals[0]) / (vals[vals.length - 1] - vals[0]) * (vals.length - 1)) : toPx(0));
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    const cx = pos(A, 0, X), cy = pos(B, 0, Y);
    ctx.beginPath();
    ctx.moveTo(cx - 6, cy); ctx.lineTo(cx + 6, cy); ctx.moveTo(cx, cy - 6); ctx.lineTo(cx, cy + 6);
    ctx.stroke();

    ctx.fillStyle = '#222';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const i of ticks(nA)) ctx.fillText(SFCharts.fmtNum(A[i]), X(i), m.t + h + 4);
    ctx.fillText('α', m.l + w / 2, m.t + h + 22);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const j of ticks(nB)) ctx.fillText(SFCharts.fmtNum(B[j]), m.l - 4, Y(j));
    ctx.save();
    ctx.translate(12, m.t + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('β', 0, 0);
    ctx.restore();

    // Legend: the color bar with the loss range.
    const lx = m.l + w + 16, lw = 14;
    for (let y = 0; y < h; y++) {
      ctx.fillStyle = viridis(1 - y / h);
      ctx.fillRect(lx, m.t + y, lw, 1);
    }
    ctx.strokeStyle = '#444';
    ctx.lineWidth = 1;
    ctx.strokeRect(lx, m.t, lw, h);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#222';
    ctx.fillText(SFCharts.fmtNum(max), lx + lw + 4, m.t);
    ctx.textBaseline = 'bottom';
    ctx.fillText(SFCharts.fmtNum(min), lx + lw + 4, m.t + h);
    ctx.textBaseline = 'middle';
    ctx.fillText(log ? 'loss (log)' : 'loss', lx - 2, m.t + h + 22);
    if (missing) {
      // The neutral colour's meaning, under the color bar.
      ctx.fillStyle = NO_VALUE;
      ctx.fillRect(lx, m.t + h + 31, lw, 10);
      ctx.strokeRect(lx, m.t + h + 31, lw, 10);
      ctx.fillStyle = '#222';
      ctx.fillText('not finite', lx + lw + 4, m.t + h + 36);
    }

    canvas.dataset.min = String(min);
    canvas.dataset.max = String(max);
    canvas.setAttribute('aria-label', `Heat map of the loss over ${nA} × ${nB} points (α, β): from ${min} to ${max}`
      + (log ? ', log color scale' : '') + (missing ? `; ${missing} point(s) not finite, in grey` : ''));
  }

  /** About five evenly spaced indices out of n, always the first and the last. */
  function ticks(n) {
    const step = Math.max(1, Math.round((n - 1) / 4));
    const out = [];
    for (let i = 0; i < n - 1; i += step) out.push(i);
    out.push(n - 1);
    return out;
  }

  /** Marching squares: the iso-line G = level, G[i][j] at grid point (i, j). */
  function contour(ctx, G, level, X, Y) {
    ctx.beginPath();
    for (let i = 0; i + 1 < G.length; i++) {
      for (let j = 0; j + 1 < G[i].length; j++) {
        // Corners counter-clockwise from bottom-left; edges bottom, right, top, left.
        const c = [[i, j, G[i][j]], [i + 1, j, G[i + 1][j]], [i + 1, j + 1, G[i + 1][j + 1]], [i, j + 1, G[i][j + 1]]];
        if (c.some(p => Number.isNaN(p[2]))) continue;
        const pts = [];
        for (let e = 0; e < 4; e++) {
          const [x1, y1, v1] = c[e], [x2, y2, v2] = c[(e + 1) % 4];
          if ((v1 < level) !== (v2 < level)) {
            const t = (level - v1) / (v2 - v1);
            pts.push([X(x1 + (x2 - x1) * t), Y(y1 + (y2 - y1) * t)]);
          } else {
            pts.push(null);
          }
        }
        const hits = pts.filter(Boolean);
        let pairs;
        if (hits.length === 2) {
          pairs = [hits];
        } else if (hits.length === 4) {
          // Saddle: decide by the centre which two corners the lines cut off.
          const centre = (c[0][2] + c[1][2] + c[2][2] + c[3][2]) / 4;
          pairs = (centre < level) === (c[0][2] < level) ? [[pts[0], pts[1]], [pts[2], pts[3]]] : [[pts[3], pts[0]], [pts[1], pts[2]]];
        } else {
          continue;
        }
        for (const [p, q] of pairs) {
          ctx.moveTo(p[0], p[1]);
          ctx.lineTo(q[0], q[1]);
        }
      }
    }
    ctx.stroke();
  }

  window.SFLandscape = {init, select};
})();
