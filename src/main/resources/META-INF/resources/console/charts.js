// streamfit console: the uPlot charts (a model's history and the landscape's loss line).
// Exposes window.SFCharts = {HistoryCharts, lineChart, fmtNum}.
(() => {
  'use strict';

  const HEIGHT = 200;
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

  /** A number for humans: 4 significant digits, grouped thousands, '—' for null. */
  function fmtNum(v) {
    if (v == null || v === '') return '—';
    if (typeof v !== 'number') return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (Number.isInteger(v) && a < 1e15) return v.toLocaleString('en-US');
    if (a >= 1e4) return Math.round(v).toLocaleString('en-US');
    if (a >= 1e-3 || a === 0) return String(Number(v.toPrecision(4)));
    return v.toExponential(2);
  }

  /**
   * One uPlot chart in a container div: it follows the container's width, is rebuilt when its
   * series change (key), and records the number of x points drawn in data-points.
   */
  class Chart {
    constructor(el, makeOpts) {
      this.el = el;
      this.makeOpts = makeOpts;
      this.u = null;
      this.key = null;
      this.width = 0;
      new ResizeObserver(() => {
        const w = this.widthNow();
        if (this.u && w !== this.width) {
          this.width = w;
          this.u.setSize({width: w, height: HEIGHT});
        }
      }).observe(el);
    }

    widthNow() {
      return Math.max(240, Math.floor(this.el.clientWidth));
    }

    set(data, key = '') {
      if (!this.u || key !== this.key) {
        if (this.u) this.u.destroy();
        const opts = this.makeOpts(key);
        this.width = opts.width = this.widthNow();
        opts.height = HEIGHT;
        this.key = key;
        this.u = new uPlot(opts, data, this.el);
      } else {
        this.u.setData(data);
      }
      this.el.dataset.points = String(data[0].length);
    }
  }

  const legendValue = (u, v) => fmtNum(v);

  function series(label, scale, color, extra = {}) {
    return {label, scale, stroke: color, width: 1.5, spanGaps: false, value: legendValue, ...extra};
  }

  function axis(scale, side, label) {
    // Tick labels with the legend's precision: uPlot's own round small rates (7.3e-4 and 7.4e-4 both "0.001").
    return {scale, side, label, size: 64, labelSize: 18, grid: {show: side === 3}, stroke: '#444',
      values: (u, ticks) => ticks.map(fmtNum)};
  }

  function timeOpts(seriesList, axes, scales = {}, hooks = {}) {
    return {
      series: [{label: 'time'}, ...seriesList],
      scales: {x: {time: true}, ...scales},
      axes: [{stroke: '#444'}, ...axes],
      cursor: {sync: {key: 'streamfit-history'}},
      hooks,
    };
  }

  const unit = {range: [0, 1]};
  const fromZero = {range: (u, min, max) => [0, Math.max(1, max || 0)]};

  /** The seven charts of a model's history (GET /models/{id}/history). */
  class HistoryCharts {
    constructor(root) {
      this.alarms = []; // [{t, step}], drawn on the loss chart
      const el = name => root.querySelector(`[data-chart="${name}"]`);
      const drawAlarms = u => this.drawAlarms(u);
      const bars = uPlot.paths.bars ? uPlot.paths.bars({size: [0.8, 24]}) : undefined;
      const stepped = uPlot.paths.stepped ? uPlot.paths.stepped({align: 1}) : undefined;
      // name -> [history fields, chart options]
      this.defs = {
        loss: [['loss', 'accuracy'], () => timeOpts(
          [series('loss', 'loss', COLORS[0]), series('accuracy', 'acc', COLORS[1])],
          [axis('loss', 3, 'loss'), axis('acc', 1, 'accuracy')], {acc: unit}, {draw: [drawAlarms]})],
        learning_rate: [['learning_rate'], () => timeOpts(
          [series('learning rate', 'lr', COLORS[2])], [axis('lr', 3, 'rate')])],
        grad_norm: [['grad_norm', 'clip_fraction'], () => timeOpts(
          [series('gradient norm', 'g', COLORS[4]), series('clip fraction', 'frac', COLORS[3])],
          [axis('g', 3, 'L2 norm'), axis('frac', 1, 'fraction clipped')], {frac: unit})],
        skipped: [['skipped_steps'], () => timeOpts(
          [series('skipped steps', 'n', COLORS[1], {paths: bars, fill: 'rgba(214,39,40,0.35)'})],
          [axis('n', 3, 'steps/s')], {n: fromZero})],
        throughput: [['examples_per_second', 'consumer_lag'], () => timeOpts(
          [series('examples/s', 'eps', COLORS[0]), series('consumer lag', 'lag', COLORS[8])],
          [axis('eps', 3, 'examples/s'), axis('lag', 1, 'records behind')], {eps: fromZero})],
        snapshots: [['snapshot_version'], () => timeOpts(
          [series('snapshot version', 'v', COLORS[5], {paths: stepped})], [axis('v', 3, 'version')])],
      };
      this.charts = {};
      for (const [name, [, make]] of Object.entries(this.defs)) this.charts[name] = new Chart(el(name), make);
      // Dead letters: one series per reason, so the options depend on the reasons seen.
      this.charts.dead_letters = new Chart(el('dead_letters'), key => {
        const reasons = key ? key.split('\n') : ['none'];
        return timeOpts(reasons.map((r, i) => series(r, 'n', COLORS[(i + 1) % COLORS.length])),
          [axis('n', 3, 'records/s')], {n: fromZero});
      });
    }

    /** Draws the history h; alarms come from h.drift_alarms. */
    update(h) {
      const t = Array.isArray(h.t) ? h.t : [];
      const column = a => (Array.isArray(a) && a.length === t.length ? a : t.map(() => null));
      this.alarms = Array.isArray(h.drift_alarms) ? h.drift_alarms : [];
      for (const [name, [fields]] of Object.entries(this.defs)) {
        this.charts[name].set([t, ...fields.map(f => column(h[f]))]);
      }
      const dl = h.dead_letters && typeof h.dead_letters === 'object' ? h.dead_letters : {};
      const reasons = Object.keys(dl).sort();
      const data = reasons.length ? reasons.map(r => column(dl[r])) : [t.map(() => 0)];
      this.charts.dead_letters.set([t, ...data], reasons.join('\n'));
    }

    clear() {
      this.update({t: []});
    }

    /** uPlot draw hook: a dashed vertical line at each drift alarm inside the x range. */
    drawAlarms(u) {
      const {min, max} = u.scales.x;
      if (!this.alarms.length || min == null || max == null) return;
      const {ctx, bbox} = u;
      ctx.save();
      ctx.strokeStyle = '#c2185b';
      ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
      ctx.setLineDash([6, 4]);
      for (const a of this.alarms) {
        if (a.t < min || a.t > max) continue;
        const x = Math.round(u.valToPos(a.t, 'x', true));
        ctx.beginPath();
        ctx.moveTo(x, bbox.top);
        ctx.lineTo(x, bbox.top + bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    }
  }

  /** The landscape's loss against alpha: set([alphas, loss]). */
  function lineChart(el) {
    return new Chart(el, () => ({
      series: [{label: 'α', value: legendValue},
        series('loss', 'loss', COLORS[0], {width: 2, points: {show: true, size: 4}})],
      scales: {x: {time: false}},
      axes: [{label: 'α', stroke: '#444'}, axis('loss', 3, 'loss')],
    }));
  }

  window.SFCharts = {HistoryCharts, lineChart, fmtNum};
})();
