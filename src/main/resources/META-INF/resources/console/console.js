// streamfit console: the API client, the models table, the selected model's panel (polled every
// 2 s), its actions, and the add-model form with the validator's messages beside their lines.
(() => {
  'use strict';

  const $ = (sel, root = document) => root.querySelector(sel);
  const POLL_MS = 2000;
  const KEY_STORE = 'streamfit.apiKey';
  const enc = encodeURIComponent;
  const fmtNum = SFCharts.fmtNum;

  const state = {
    models: new Map(),   // id -> Status, from the last GET /models
    selected: null,      // the selected model's id
    missing: 0,          // lists in a row without the selected model
    polling: false, again: false, timer: 0,
    charts: null,
    listSeq: 0,          // GET /models requests sent so far
    listStale: 0,        // list answers to requests numbered up to this are older than an action's answer
  };

  // ---- API ----

  /** A failed request: the problem's fields, or what could be made of the answer. */
  class ApiError extends Error {
    constructor(status, title, detail, errors = []) {
      super(detail || title);
      Object.assign(this, {status, title, detail, errors});
    }
  }

  /** "401 Unauthorized — detail", or the message of any other error. */
  function describe(e) {
    if (!(e instanceof ApiError)) return String((e && e.message) || e);
    const head = e.status ? `${e.status} ${e.title || ''}`.trim() : e.title;
    const body = e.detail || e.errors.join('; ');
    const text = body && body !== e.title ? `${head} — ${body}` : head;
    return e.status === 401 && !/API key/i.test(text) ? `${text} (enter the API key above)` : text;
  }

  function apiKey() {
    return $('#api-key').value.trim();
  }

  /** fetch with the API key; JSON in and out (or a Blob); any non-2xx answer throws an ApiError. */
  async function api(method, path, {body, type = 'application/json', blob = false} = {}) {
    const headers = {Accept: (blob ? 'application/octet-stream' : 'application/json') + ', application/problem+json'};
    const key = apiKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = type;
    let res;
    try {
      res = await fetch(path, {method, headers, body, cache: 'no-store'});
    } catch (e) {
      throw new ApiError(0, 'Network error', `${method} ${path}: ${e.message}`);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let p = null;
      try { p = JSON.parse(text); } catch { /* not JSON: use the text */ }
      if (p && typeof p === 'object') {
        throw new ApiError(res.status, p.title || res.statusText, p.detail, Array.isArray(p.errors) ? p.errors.map(String) : []);
      }
      throw new ApiError(res.status, res.statusText, text.slice(0, 300));
    }
    if (blob) return res.blob();
    const text = await res.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(res.status, 'Unreadable answer', `${method} ${path}: ${text.slice(0, 200)}`);
    }
  }

  // ---- messages: one line per source (models, history, search, action, landscape) in #message ----

  function say(source, text, kind = 'info') {
    const box = $('#message');
    let line = box.querySelector(`[data-source="${source}"]`);
    if (!line) {
      line = document.createElement('span');
      line.dataset.source = source;
      box.append(line);
    }
    line.className = `msg ${kind}`;
    line.dataset.kind = kind;
    line.textContent = text;
  }

  function unsay(source) {
    const line = $(`#message [data-source="${source}"]`);
    if (line) line.remove();
  }

  function report(source, what, e) {
    say(source, `${what}: ${describe(e)}`, 'error');
  }

  // ---- formatting ----

  const fmtPct = v => (typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : fmtNum(v));
  const fmtRate = v => (typeof v === 'number' && !Number.isInteger(v) && Math.abs(v) >= 10 ? fmtNum(Math.round(v)) : fmtNum(v));

  /** Sets a cell's text and its exact value (data-value, '' for null). */
  function setCell(td, raw, text) {
    td.dataset.value = raw == null ? '' : String(raw);
    td.textContent = text;
  }

  // ---- models table ----

  const COLUMNS = [
    ['phase', m => m.phase, v => v || '—'],
    ['version', m => m.version, fmtNum],
    ['examples_per_second', m => m.examples_per_second, fmtRate],
    ['consumer_lag', m => m.consumer_lag, fmtNum],
    ['loss', m => m.prequential && m.prequential.loss, fmtNum],
    ['accuracy', m => m.prequential && m.prequential.accuracy, fmtPct],
    ['steps', m => m.steps, fmtNum],
  ];

  async function refreshModels() {
    const seq = ++state.listSeq;
    let body;
    try {
      body = await api('GET', '/models');
    } catch (e) {
      if (seq > state.listStale) report('models', 'Loading the models failed', e);
      return;
    }
    unsay('models');
    // Requested before an action's answer arrived: it may show the state from before the action
    // (took() has asked for another round, which brings a newer list).
    if (seq <= state.listStale) return;
    const list = body && Array.isArray(body.models) ? body.models : [];
    state.models = new Map(list.map(m => [m.id, m]));
    renderModels(list);
    renderRejected((body && body.rejected_specs) || {});
    // A selected model missing from 3 lists in a row (a new one may take a moment) is let go.
    state.missing = state.selected && !state.models.has(state.selected) ? state.missing + 1 : 0;
    if (state.missing >= 3) {
      say('action', `Model ${state.selected} is no longer listed.`);
      select(null);
    } else if (state.selected) {
      renderDetail(state.models.get(state.selected));
    }
  }

  function renderModels(list) {
    const tbody = $('#models tbody');
    const seen = new Set();
    for (const m of list) {
      seen.add(m.id);
      let tr = [...tbody.rows].find(r => r.dataset.model === m.id);
      if (!tr) {
        tr = document.createElement('tr');
        tr.dataset.model = m.id;
        tr.tabIndex = 0;
        const th = document.createElement('th');
        th.scope = 'row';
        th.dataset.field = 'id';
        tr.append(th);
        for (const [field, , , ] of COLUMNS) {
          const td = document.createElement('td');
          td.dataset.field = field;
          if (field !== 'phase') td.className = 'num';
          tr.append(td);
        }
        tbody.append(tr);
      }
      const th = tr.cells[0];
      th.textContent = m.id;
      if (m.paused) th.insertAdjacentHTML('beforeend', ' <span class="badge">paused</span>');
      else if (m.pause_requested) th.insertAdjacentHTML('beforeend', ' <span class="badge">pausing…</span>');
      COLUMNS.forEach(([, get, fmt], i) => {
        const v = get(m);
        setCell(tr.cells[i + 1], v, fmt(v));
      });
      tr.dataset.phase = m.phase || '';
      tr.classList.toggle('selected', m.id === state.selected);
      tr.setAttribute('aria-selected', String(m.id === state.selected));
    }
    for (const tr of [...tbody.rows]) if (!seen.has(tr.dataset.model)) tr.remove();
    $('#no-models').hidden = list.length > 0;
  }

  function renderRejected(rejected) {
    const ul = $('#rejected-specs');
    ul.replaceChildren(...Object.entries(rejected).map(([id, reason]) => {
      const li = document.createElement('li');
      li.dataset.spec = id;
      li.textContent = `${id}: ${reason}`;
      return li;
    }));
    $('#rejected').hidden = ul.children.length === 0;
  }

  function select(id) {
    state.selected = id;
    state.missing = 0;
    for (const tr of $('#models tbody').rows) {
      tr.classList.toggle('selected', tr.dataset.model === id);
      tr.setAttribute('aria-selected', String(tr.dataset.model === id));
    }
    history.replaceState(null, '', id ? `#${enc(id)}` : location.pathname + location.search);
    $('#model-detail').hidden = !id;
    state.charts.clear();
    renderAlarms([]);
    $('#search-section').hidden = true;
    SFLandscape.select(id);
    unsay('history');
    unsay('search');
    if (id) {
      renderDetail(state.models.get(id));
      poll();
    }
  }

  // ---- the selected model ----

  /**
   * paused: the training thread has stopped (paused_by "user" or "early_stopping");
   * pause_requested: a pause was accepted but the thread has not stopped yet.
   */
  function pausedText(m) {
    if (!m) return 'training';
    if (!m.paused) return m.pause_requested ? 'pausing…' : 'training';
    if (m.paused_by === 'early_stopping') return 'paused by early stopping';
    if (m.paused_by === 'user') return 'paused by user';
    return 'paused';
  }

  /** Pause: not while one is pending or the user's pause holds (an early-stopping pause may be made the user's). */
  const canPause = m => !m.pause_requested && !(m.paused && m.paused_by !== 'early_stopping');
  /** Resume: while paused, and while a pause is pending (resume cancels it). */
  const canResume = m => !!(m.paused || m.pause_requested);

  let busyActions = 0; // actions in flight: their buttons stay disabled

  function renderDetail(m) {
    if (!m) return;
    $('#detail-id').textContent = m.id;
    const phase = $('#detail-phase');
    phase.textContent = m.phase || '—';
    phase.dataset.value = m.phase || '';
    const ps = $('#paused-state');
    ps.textContent = pausedText(m);
    ps.dataset.paused = String(!!m.paused);
    ps.dataset.pausedBy = m.paused_by || '';
    ps.dataset.pauseRequested = String(!!m.pause_requested);
    if (!busyActions) {
      $('button[data-action="pause"]').disabled = !canPause(m);
      $('button[data-action="resume"]').disabled = !canResume(m);
    }
    const facts = [
      ['topic', m.topic], ['ready', m.ready], ['optimizer', m.optimizer], ['schedule', m.schedule],
      ['learning_rate', m.learning_rate], ['parameters', m.parameters], ['examples_seen', m.examples_seen],
      ['examples_per_second', m.examples_per_second], ['skipped_steps', m.skipped_steps],
      ['clipped_steps', m.clipped_steps], ['window_batches', m.prequential && m.prequential.window_batches],
    ];
    const es = m.early_stopping;
    if (es) {
      facts.push(['early_stopping', `${es.state || ''}; validation loss ${fmtNum(es.validation_loss)}, best ${fmtNum(es.best_validation_loss)}, `
        + `${es.checks_without_improvement ?? '?'}/${es.patience ?? '?'} checks without improvement`]);
    }
    const d = m.drift;
    if (d) facts.push(['drift', `${d.detector} on ${d.signal}: ${d.alarms} alarm(s)${d.last_alarm_step != null ? `, last at step ${d.last_alarm_step}` : ''}`]);
    const s = m.search;
    if (s) {
      facts.push(['search', `${s.strategy}, ${s.done ? 'done' : `stage ${s.stage}`}, lead ${s.lead}, `
        + `${s.winner != null && s.winner >= 0 ? `winner ${s.winner}, ` : ''}${s.trials_started} trials started`]);
    }
    facts.push(['last_error', m.last_error]);
    // One <div> per term and value (allowed in a <dl>), so that each pair stays together in the grid.
    $('#detail-facts').replaceChildren(...facts.map(([name, v]) => {
      const pair = document.createElement('div');
      if (name === 'last_error') pair.className = 'wide';
      const dt = document.createElement('dt');
      dt.textContent = name.replace(/_/g, ' ');
      const dd = document.createElement('dd');
      dd.dataset.field = name;
      setCell(dd, typeof v === 'object' ? null : v, typeof v === 'string' ? v : fmtNum(v));
      if (name === 'last_error' && v) dd.className = 'error';
      pair.append(dt, dd);
      return pair;
    }));
    $('#search-section').hidden = !s;
  }

  const windowSeconds = () => parseInt($('#window').value, 10) || 300;

  async function refreshHistory() {
    const id = state.selected;
    let h;
    try {
      h = await api('GET', `/models/${enc(id)}/history?seconds=${windowSeconds()}`);
    } catch (e) {
      if (id === state.selected) report('history', `Loading the history of ${id} failed`, e);
      return;
    }
    if (id !== state.selected || !h) return;
    unsay('history');
    state.charts.update(h);
    renderAlarms(Array.isArray(h.drift_alarms) ? h.drift_alarms : []);
  }

  function renderAlarms(alarms) {
    $('#drift-alarms').replaceChildren(...alarms.map(a => {
      const li = document.createElement('li');
      li.dataset.t = String(a.t);
      li.dataset.step = String(a.step);
      li.textContent = `${new Date(a.t * 1000).toLocaleTimeString()} — step ${fmtNum(a.step)}`;
      return li;
    }));
    $('#drift-none').hidden = alarms.length > 0;
  }

  async function refreshSearch() {
    const id = state.selected;
    const m = state.models.get(id);
    if (!m || !m.search) return;
    let board;
    try {
      board = await api('GET', `/models/${enc(id)}/search`);
    } catch (e) {
      if (id === state.selected) report('search', `Loading the leaderboard of ${id} failed`, e);
      return;
    }
    if (id !== state.selected || !board) return;
    unsay('search');
    renderLeaderboard(board);
  }

  /** The trials as a table: a column per key, with the `values` object flattened into columns. */
  function renderLeaderboard(board) {
    // The trial rows: `trials` when it is a list (else `leaderboard`, where `trials` is a count).
    const trials = Array.isArray(board.trials) ? board.trials : Array.isArray(board.leaderboard) ? board.leaderboard : [];
    const cols = [];
    const rows = trials.map(t => {
      const flat = {};
      const put = (k, v) => { if (!cols.includes(k)) cols.push(k); flat[k] = v; };
      for (const [k, v] of Object.entries(t)) {
        if (k === 'values' && v && typeof v === 'object' && !Array.isArray(v)) {
          for (const [vk, vv] of Object.entries(v)) put(vk in t ? `values.${vk}` : vk, vv);
        } else {
          put(k, v);
        }
      }
      return flat;
    });
    const table = $('#leaderboard');
    const head = document.createElement('tr');
    for (const c of cols) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c;
      head.append(th);
    }
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren(...rows.map(r => {
      const tr = document.createElement('tr');
      if (r.trial != null) tr.dataset.trial = String(r.trial);
      if (board.winner != null && board.winner !== -1 && String(r.trial) === String(board.winner)) tr.className = 'winner';
      for (const c of cols) {
        const td = document.createElement('td');
        td.dataset.field = c;
        const v = r[c];
        const isObj = v != null && typeof v === 'object';
        setCell(td, isObj ? JSON.stringify(v) : v, isObj ? JSON.stringify(v) : fmtNum(v));
        if (typeof v === 'number') td.className = 'num';
        tr.append(td);
      }
      return tr;
    }));
    const winner = board.winner != null && board.winner !== -1 ? `, winner: trial ${board.winner}` : '';
    $('#search-summary').textContent = `(${board.strategy || 'search'}, ${board.done ? 'done' : 'running'}${winner})`;
  }

  // ---- polling: never two rounds at once; a round asked for during one runs right after it ----

  async function poll() {
    if (state.polling) {
      state.again = true;
      return;
    }
    clearTimeout(state.timer);
    state.polling = true;
    try {
      await refreshModels();
      if (state.selected) await Promise.all([refreshHistory(), refreshSearch()]);
      $('#last-update').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } finally {
      state.polling = false;
      if (state.again) {
        state.again = false;
        poll();
      } else {
        state.timer = setTimeout(poll, POLL_MS);
      }
    }
  }

  // ---- actions on the selected model ----

  async function act(button, what, fn) {
    busyActions++;
    button.disabled = true;
    try {
      const text = await fn();
      if (text) say('action', text);
    } catch (e) {
      report('action', `${what} failed`, e);
    } finally {
      busyActions--;
      button.disabled = false;
      renderDetail(state.models.get(state.selected));
    }
  }

  /**
   * After an action's answer: lists already requested are older than it and are dropped (see
   * refreshModels); the Status in the answer (if any) is used at once; then a new round.
   */
  function took(status) {
    state.listStale = state.listSeq;
    if (status && status.id) {
      state.models.set(status.id, status);
      renderModels([...state.models.values()]);
    }
    poll();
  }

  const actions = {
    pause: id => api('POST', `/models/${enc(id)}/pause`).then(s => {
      took(s);
      return s && s.pause_requested && !s.paused ? `Pause of ${id} requested: it stops after the records in hand.` : `Paused ${id}.`;
    }),
    resume: id => api('POST', `/models/${enc(id)}/resume`).then(s => { took(s); return `Resumed ${id}.`; }),
    async download(id) {
      const tag = $('#snapshot-tag').value;
      const blob = await api('GET', `/models/${enc(id)}/snapshot${tag ? `?tag=${enc(tag)}` : ''}`, {blob: true});
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = tag ? `${id}-${tag}.safetensors` : `${id}.safetensors`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      return `Downloaded the ${tag || 'latest'} snapshot of ${id} (${fmtNum(blob.size)} bytes).`;
    },
    async delete(id) {
      if (!window.confirm(`Delete model ${id}? Its training stops and it is removed from the service.`)) return 'Delete cancelled.';
      await api('DELETE', `/models/${enc(id)}`);
      state.models.delete(id);
      renderModels([...state.models.values()]);
      select(null);
      took(null); // a list requested before the delete would bring the model back for a moment
      return `Deleted ${id}.`;
    },
  };

  // ---- add a model: the spec editor and the validator's messages by line ----

  const EXAMPLE = `id: my-model
topic: my-model.examples
input_width: 32
task: {type: classification, classes: 10}
layers:
  - {type: dense, units: 64}
  - {type: gelu}
  - {type: dense, units: 10}
loss: softmax_cross_entropy
optimizer: {type: adam, lr: 0.001}
gradient_clipping: {max_norm: 5.0}
batch_size: 32
seed: 42
`;

  let notes = new Map(); // line (1-based) -> [{path, message}]

  /**
   * YAML lines as entries: a key `{line, col, key, inline}` (inline: the value on the same line),
   * and for each list dash `{line, col, dash: true}`; "  - type: x" gives a dash at 2 and a key at 4.
   */
  function yamlEntries(text) {
    const out = [];
    text.split('\n').forEach((raw, line) => {
      let col = raw.search(/\S/);
      if (col < 0) return;
      let rest = raw.slice(col);
      if (rest.startsWith('#')) return;
      let dash;
      while ((dash = rest.match(/^-(\s+|$)/))) {
        out.push({line, col, dash: true});
        col += dash[0].length;
        rest = rest.slice(dash[0].length);
      }
      const k = rest.match(/^(?:"([^"]*)"|'([^']*)'|([^\s{}[\],"'#][^:#]*?))\s*:(?:\s+|$)/);
      if (k) out.push({line, col, key: k[1] ?? k[2] ?? k[3], inline: rest.slice(k[0].length).replace(/^#.*/, '').trim()});
    });
    return out;
  }

  /** The 0-based line of a path like `layers[1].units`: its deepest part found, else the top. */
  function lineOfPath(text, path) {
    const tokens = [];
    path.replace(/\[(\d+)\]|([^.[\]]+)/g, (_, n, k) => tokens.push(n !== undefined ? Number(n) : k));
    const es = yamlEntries(text);
    let from = 0, to = es.length, found = 0;
    for (const tok of tokens) {
      if (from >= to) break;
      const base = Math.min(...es.slice(from, to).map(e => e.col));
      let at = -1;
      if (typeof tok === 'number') {
        let n = -1;
        for (let i = from; i < to && at < 0; i++) if (es[i].dash && es[i].col === base && ++n === tok) at = i;
      } else {
        for (let i = from; i < to && at < 0; i++) if (es[i].key === tok && es[i].col === base) at = i;
      }
      if (at < 0) break;
      found = es[at].line;
      // The node's children: the entries after it, down to the next one at its level or above
      // (a dash at a key's own column still belongs to that key's list).
      const key = !es[at].dash;
      let end = at + 1;
      while (end < to && (es[end].col > base || (key && es[end].col === base && es[end].dash))) end++;
      from = at + 1;
      to = end;
      if (key && es[at].inline) break; // a flow value: the rest of the path is on this line
    }
    return found;
  }

  /** The path an error message starts with: the text up to the first space or colon. */
  function pathOf(message) {
    const p = message.split(/[\s:]/, 1)[0];
    return /^[A-Za-z_][\w-]*(\[\d+\]|\.[\w-]+)*$/.test(p) ? p : '';
  }

  function annotate(errors) {
    const text = $('#spec').value;
    notes = new Map();
    const items = errors.map(message => {
      const path = pathOf(message);
      let line = path ? lineOfPath(text, path) : 0;
      const at = /\bline:?\s*(\d+)/i.exec(message); // parse errors name their line
      if (at && (!path || line === 0)) line = Math.max(0, Number(at[1]) - 1);
      const n = line + 1;
      if (!notes.has(n)) notes.set(n, []);
      notes.get(n).push({path, message});
      const li = document.createElement('li');
      li.dataset.line = String(n);
      li.dataset.path = path;
      li.className = 'error';
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link';
      b.textContent = `line ${n}`;
      b.addEventListener('click', () => goToLine(n));
      li.append(b, `: ${message}`);
      return li;
    });
    $('#spec-errors').replaceChildren(...items);
    renderEditor();
  }

  function clearAnnotations() {
    notes = new Map();
    $('#spec-errors').replaceChildren();
    renderEditor();
  }

  /** Line numbers in the gutter; behind the textarea, the annotated lines with their messages. */
  function renderEditor() {
    const ta = $('#spec');
    const lines = ta.value.split('\n');
    const gutter = $('.editor .gutter');
    gutter.replaceChildren(...lines.map((_, i) => {
      const div = document.createElement('div');
      div.dataset.line = String(i + 1);
      div.textContent = String(i + 1);
      const ns = notes.get(i + 1);
      if (ns) {
        div.className = 'bad';
        div.title = ns.map(x => x.message).join('\n');
      }
      return div;
    }));
    // Every line is there (as invisible text) so that the backdrop scrolls exactly as the textarea.
    const back = $('.editor .backdrop');
    back.replaceChildren(...(notes.size ? lines : []).map((text, i) => {
      const div = document.createElement('div');
      div.className = 'line';
      const ghost = document.createElement('span');
      ghost.className = 'ghost';
      ghost.textContent = text;
      div.append(ghost);
      const ns = notes.get(i + 1);
      if (ns) {
        div.classList.add('bad');
        div.dataset.line = String(i + 1);
        div.dataset.path = ns.map(x => x.path).join(' ');
        const note = document.createElement('span');
        note.className = 'note';
        note.textContent = `  ◀ ${ns.map(x => x.message).join(' · ')}`;
        div.append(note);
      }
      return div;
    }));
    syncScroll();
  }

  function syncScroll() {
    const ta = $('#spec');
    $('.editor .gutter').scrollTop = ta.scrollTop;
    const back = $('.editor .backdrop');
    back.scrollTop = ta.scrollTop;
    back.scrollLeft = ta.scrollLeft;
  }

  function goToLine(n) {
    const ta = $('#spec');
    const lines = ta.value.split('\n');
    const start = lines.slice(0, n - 1).reduce((s, l) => s + l.length + 1, 0);
    ta.focus();
    ta.setSelectionRange(start, start + (lines[n - 1] || '').length);
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (n - 3) * lh);
    syncScroll();
  }

  async function submitSpec(kind, button) {
    const text = $('#spec').value;
    if (!text.trim()) {
      say('action', 'The spec is empty: write one, or insert the example.', 'error');
      return;
    }
    button.disabled = true;
    clearAnnotations();
    try {
      const r = await api('POST', kind === 'validate' ? '/models/validate' : '/models', {body: text, type: 'application/yaml'});
      const id = r && r.id;
      if (kind === 'validate') {
        say('action', `The spec is valid${id ? ` (model ${id})` : ''}.`);
      } else {
        say('action', `Created model ${id || ''}.`);
        took(r);
        if (id) select(id);
      }
    } catch (e) {
      report('action', kind === 'validate' ? 'Validation failed' : 'Creating the model failed', e);
      if (e instanceof ApiError && e.errors.length) annotate(e.errors);
    } finally {
      button.disabled = false;
    }
  }

  // ---- wiring ----

  function init() {
    state.charts = new SFCharts.HistoryCharts($('#model-detail'));
    SFLandscape.init({api, report, say, unsay});

    const key = $('#api-key');
    key.value = sessionStorage.getItem(KEY_STORE) || '';
    key.addEventListener('change', () => {
      if (apiKey()) sessionStorage.setItem(KEY_STORE, apiKey());
      else sessionStorage.removeItem(KEY_STORE);
      poll();
    });
    $('#window').addEventListener('change', poll);

    const tbody = $('#models tbody');
    tbody.addEventListener('click', e => {
      const tr = e.target.closest('tr[data-model]');
      if (tr) select(tr.dataset.model);
    });
    tbody.addEventListener('keydown', e => {
      const tr = e.target.closest('tr[data-model]');
      if (tr && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        select(tr.dataset.model);
      }
    });

    for (const name of Object.keys(actions)) {
      const button = $(`#model-detail button[data-action="${name}"]`);
      button.addEventListener('click', () => {
        const id = state.selected;
        if (id) act(button, `${name[0].toUpperCase()}${name.slice(1)} ${id}`, () => actions[name](id));
      });
    }

    const ta = $('#spec');
    ta.placeholder = EXAMPLE;
    ta.addEventListener('input', () => {
      if (notes.size) {
        notes = new Map(); // the lines may have moved: the messages stay listed, unanchored
        $('#spec-errors').classList.add('stale');
      }
      renderEditor();
    });
    ta.addEventListener('scroll', syncScroll);
    $('button[data-action="example"]').addEventListener('click', () => {
      ta.value = EXAMPLE;
      clearAnnotations();
    });
    for (const kind of ['validate', 'create']) {
      const button = $(`button[data-action="${kind}"]`);
      button.addEventListener('click', () => {
        $('#spec-errors').classList.remove('stale');
        submitSpec(kind, button);
      });
    }
    renderEditor();

    let fromHash = '';
    try {
      fromHash = decodeURIComponent(location.hash.slice(1));
    } catch {
      fromHash = ''; // a malformed hash (e.g. "#%E0"): no selection
    }
    if (fromHash) select(fromHash);
    else poll();
  }

  init();
})();
