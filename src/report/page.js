// entralab report: draws each scenario from the JSON in #report-data. Every string from the
// data reaches the page as a DOM text node (textContent, append of strings) or canvas text,
// never as markup. Times are UTC.
// This file, page_timeline.js and page_start.js run in that order inside one function (see
// page.html): they share its constants and helpers.

const DATA = JSON.parse(document.getElementById('report-data').textContent);
const TEXTS = DATA.texts;
const STATUS = ['Success', 'Failure', 'Interrupted', '(no row)'];
const COLORS = ['#2e8540', '#d13438', '#c27c0e', '#8a8886'];
const WINDOW_FILL = { lockout: 'rgba(209,52,56,0.16)', sspr_block: 'rgba(130,80,223,0.14)' };
const WINDOW_EDGE = { lockout: 'rgba(209,52,56,0.75)', sspr_block: 'rgba(130,80,223,0.75)' };
// More rows than this in view: draw counts per time bucket instead of one mark per row.
const POINT_LIMIT = 1500;
const PAGE = 250;
const tooltip = document.getElementById('tooltip');

function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
const iso = (ms) => new Date(ms).toISOString();
const clock = (ms) => iso(ms).slice(11, 19);

// The record's exact Graph JSON (v1.0, as served): its properties joined back together.
function recordJson(entry) {
  const keys = DATA.json.keys, values = DATA.json.values;
  const shape = DATA.json.shapes[entry[0]];
  const parts = [];
  for (let i = 0; i < shape.length; i++) parts.push(keys[shape[i]] + ':' + values[entry[i + 1]]);
  return '{' + parts.join(',') + '}';
}

// Indents JSON text without parsing it, so every number and escape stays as served.
function pretty(text) {
  let out = '', depth = 0, inString = false;
  const pad = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') { out += text[++i]; } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') { inString = true; out += c; }
    else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) { out += c + close; i++; } else { depth++; out += c + pad(); }
    } else if (c === '}' || c === ']') { depth--; out += pad() + c; }
    else if (c === ',') out += ',' + pad();
    else if (c === ':') out += ': ';
    else out += c;
  }
  return out;
}

function niceStep(span, target) {
  const steps = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5,
    108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5];
  for (const s of steps) if (span / s <= target) return s;
  return steps[steps.length - 1] * Math.ceil(span / target / steps[steps.length - 1]);
}

function lowerBound(arr, x) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

class ScenarioView {
  constructor(s, index) {
    this.s = s; this.index = index; this.rows = s.rows;
    this.n = s.rows.t.length;
    this.hits = new Map(s.rows.hits.map(([row, rules]) => [row, rules]));
    this.evidence = new Map();
    (s.verify || []).forEach((o, i) => o.rows.forEach((r) => {
      if (!this.evidence.has(r)) this.evidence.set(r, []);
      this.evidence.get(r).push(i);
    }));
    this.filter = { user: -1, app: -1, code: -1, rule: -1, status: [true, true, true, true] };
    this.selected = -1; this.shownRows = PAGE; this.marks = [];
    this.build();
    this.applyFilter(true);
  }

  build() {
    const s = this.s;
    const sec = el('section', 'scenario');
    sec.id = 'scenario-' + this.index;
    sec.dataset.scenario = s.name;
    sec.append(el('h2', null, s.name));
    if (s.description) sec.append(el('p', 'description', s.description));
    sec.append(el('p', 'meta', s.source + ' · tenant ' + s.tenant + ' (' + s.tenant_id + ') · seed ' + s.seed));
    const counts = [0, 0, 0], status = [0, 0, 0, 0];
    for (let i = 0; i < this.n; i++) { counts[this.rows.k[i]]++; status[this.rows.s[i]]++; }
    sec.append(el('p', 'counts',
      el('span', null, counts[0] + ' sign-in rows'), el('span', null, counts[1] + ' audit rows'),
      el('span', null, counts[2] + ' events without a row'),
      el('span', null, status[0] + ' success · ' + status[1] + ' failure · ' + status[2] + ' interrupted'),
      el('span', null, s.users.length + ' users')));
    sec.append(this.buildControls());
    const grid = el('div', 'grid');
    const tl = el('div', 'timeline');
    this.canvas = el('canvas');
    this.zoomNote = el('div', 'zoomnote');
    tl.append(this.zoomNote, this.canvas);
    grid.append(tl, this.buildState());
    sec.append(grid);
    if (s.verify) sec.append(this.buildVerify());
    if (s.rules) sec.append(this.buildRules());
    const panel = el('div', 'panel');
    this.tableNote = el('span', 'shown');
    panel.append(el('h3', null, 'Rows in view ', this.tableNote));
    this.tbody = el('tbody');
    const head = el('tr');
    for (const h of ['time (UTC)', 'user', 'app / activity', 'code / result', 'status', 'meaning']) head.append(el('th', null, h));
    this.tableBox = el('div', 'rowtable', el('table', 'rows', el('thead', null, head), this.tbody));
    panel.append(this.tableBox);
    sec.append(panel);
    this.section = sec;
    this.attachCanvas();
  }

  buildControls() {
    const s = this.s, c = el('div', 'controls');
    const select = (label, key, options) => {
      const sel = el('select');
      sel.dataset.filter = key;
      sel.append(new Option('all', '-1'));
      for (const [value, text] of options) sel.append(new Option(text, String(value)));
      sel.addEventListener('change', () => { this.filter[key] = Number(sel.value); this.applyFilter(false); });
      c.append(el('label', null, label, sel));
      return sel;
    };
    const distinct = (col) => {
      const seen = new Set();
      for (let i = 0; i < this.n; i++) if (this.rows.k[i] !== 2) seen.add(col[i]);
      return [...seen].filter((v) => TEXTS[v] !== '').sort((a, b) => TEXTS[a].localeCompare(TEXTS[b]))
        .map((v) => [v, TEXTS[v]]);
    };
    this.userSelect = select('user', 'user', s.users.map((u, i) => [i, u]));
    select('app / activity', 'app', distinct(this.rows.a));
    select('code / result', 'code', distinct(this.rows.c));
    if (s.rules) {
      const fired = s.rules.map((r, i) => [i, r]).filter(([, r]) => r.matches > 0);
      this.ruleSelect = select('rule', 'rule', fired.map(([i, r]) => [i, r.title]));
    }
    STATUS.forEach((name, i) => {
      const box = el('input');
      box.type = 'checkbox'; box.checked = true;
      box.addEventListener('change', () => { this.filter.status[i] = box.checked; this.applyFilter(false); });
      c.append(el('label', null, box, el('span', 'dot s' + i), name));
    });
    const button = (text, title, f) => {
      const b = el('button', null, text);
      b.type = 'button'; b.title = title; b.addEventListener('click', f); c.append(b); return b;
    };
    button('−', 'zoom out', () => this.zoom(2, 0.5));
    button('+', 'zoom in', () => this.zoom(0.5, 0.5));
    button('fit', 'show every row that passes the filters', () => this.fit());
    this.shownNote = el('span', 'shown');
    c.append(this.shownNote);
    return c;
  }

  // The state behind the rows: the notes `entralab run` prints, as gauges and windows.
  buildState() {
    const s = this.s, aside = el('aside', 'state');
    aside.append(el('h3', null, 'State behind the rows'));
    if (s.states.length === 0 && s.windows.length === 0) {
      aside.append(el('p', 'empty', 'No smart lockout counter or SSPR verification count changed in this scenario.'));
      return aside;
    }
    const byUser = new Map();
    for (const [row, st] of s.states) {
      const u = this.rows.u[row];
      if (!byUser.has(u)) byUser.set(u, []);
      byUser.get(u).push([row, st]);
    }
    for (const w of s.windows) if (!byUser.has(w.user)) byUser.set(w.user, []);
    const users = [...byUser.keys()].sort((a, b) => a - b);
    if (s.states.some(([, st]) => st.kind === 'lockout')) {
      aside.append(el('p', 'hint', 'Smart lockout: boxes are the threshold (solid) and this cycle\'s drift (dashed); filled ones are the distinct wrong passwords counted. Red: locked.'));
    }
    for (const u of users) {
      const box = users.length > 6 ? el('details', 'user-state') : el('div', 'user-state');
      box.dataset.user = s.users[u];
      const title = users.length > 6 ? el('summary', null, s.users[u]) : el('h4', null, s.users[u]);
      box.append(title);
      // A run of the same wrong password again and again is one line.
      let previous = null;
      for (const [row, st] of byUser.get(u)) {
        if (previous && st.kind === 'repeated' && previous.st.kind === 'repeated' &&
            previous.st.context === st.context && previous.st.failures === st.failures) {
          previous.times++;
          previous.what.textContent = 'same wrong password ×' + previous.times + ': not counted (still ' + st.failures + ', ' + st.context + ')';
          continue;
        }
        const g = this.gauge(row, st);
        box.append(g);
        previous = { st, times: 1, what: g.querySelector('.what') };
      }
      for (const w of s.windows.filter((w) => w.user === u)) {
        const div = el('div', 'window ' + w.kind, w.label + ': ' + iso(s.base + w.from).replace('T', ' ').slice(0, 19) +
          ' → ' + iso(s.base + w.until).replace('T', ' ').slice(0, 19));
        div.dataset.kind = w.kind;
        box.append(div);
      }
      aside.append(box);
    }
    return aside;
  }

  gauge(row, st) {
    const g = el('div', 'gauge');
    g.dataset.kind = st.kind;
    g.title = TEXTS[this.rows.n[row]];
    g.addEventListener('click', () => this.select(row, true));
    const when = el('span', 'when', clock(this.s.base + this.rows.t[row]));
    const boxes = (filled, solid, dashed, full) => {
      const b = el('span', 'boxes');
      for (let i = 1; i <= solid + dashed; i++) {
        b.append(el('span', 'box' + (i > solid ? ' drift' : '') + (i <= filled ? ' on' : '') + (i <= filled && full ? ' full' : '')));
      }
      return b;
    };
    let what = '', b = null;
    switch (st.kind) {
      case 'lockout':
        b = boxes(st.failure, st.threshold, st.drift, st.locked_ms !== undefined);
        what = st.failure + ' of ' + st.threshold + ' + ' + st.drift + ' (' + st.context + ')' +
          (st.locked_ms !== undefined ? ': locked ' + st.locked_ms / 1000 + ' s' : '');
        break;
      case 'relock': what = 'relocked for ' + st.locked_ms / 1000 + ' s (' + st.context + ')'; break;
      case 'repeated': what = 'same wrong password: not counted (still ' + st.failures + ', ' + st.context + ')'; g.classList.add('muted'); break;
      case 'refused': what = 'refused: locked until ' + clock(Date.parse(st.until)) + ' (' + st.context + ')'; break;
      case 'sspr':
        b = boxes(st.failed, st.limit, 0, st.blocked_until !== undefined);
        what = 'SSPR failed verification ' + st.failed + ' of ' + st.limit + (st.blocked_until ? ': blocked' : '');
        break;
      case 'sspr_unavailable': what = 'SSPR unavailable: blocked until ' + st.until.replace('T', ' ').slice(0, 19); break;
      case 'cleared': what = 'password reset: smart lockout cleared'; g.classList.add('muted'); break;
      default: what = TEXTS[this.rows.n[row]];
    }
    g.append(when);
    if (b) g.append(b);
    g.append(el('span', 'what', what));
    return g;
  }

  buildVerify() {
    const p = el('div', 'panel verify');
    const list = this.s.verify;
    const passed = list.filter((o) => o.passed).length;
    p.append(el('h3', null, 'verify: ' + passed + ' passed, ' + (list.length - passed) + ' failed'));
    list.forEach((o) => {
      const d = el('div', 'outcome ' + (o.passed ? 'pass' : 'fail'));
      d.append(el('span', 'mark', o.passed ? '✓' : '✗'), el('span', 'name', o.name + ' (' + o.records + ', line ' + o.line + ')'));
      d.append(el('span', 'summary', o.summary));
      for (const f of o.failures) d.append(el('span', 'failure', f));
      if (o.rows.length) {
        const ev = el('span', 'summary evidence', 'rows: ');
        o.rows.forEach((r) => {
          const b = el('button', null, clock(this.s.base + this.rows.t[r]));
          b.type = 'button'; b.addEventListener('click', () => this.select(r, true)); ev.append(b, ' ');
        });
        d.append(ev);
      }
      p.append(d);
    });
    return p;
  }

  buildRules() {
    const p = el('div', 'panel rules');
    const rules = this.s.rules.map((r, i) => [i, r]);
    const fired = rules.filter(([, r]) => r.matches > 0);
    p.append(el('h3', null, 'rules: ' + fired.length + ' of ' + rules.length + ' matched'));
    for (const [i, r] of fired) {
      const d = el('div', 'rule');
      d.dataset.rule = r.title;
      const b = el('button', null, 'show rows');
      b.type = 'button';
      b.addEventListener('click', () => { this.ruleSelect.value = String(i); this.filter.rule = i; this.applyFilter(false); this.fit(); });
      d.append(el('span', 'count', String(r.matches)), el('span', null, r.title + ' (' + r.service + ', ' + r.kind + ')'), b);
      p.append(d);
    }
    const quiet = rules.length - fired.length;
    if (quiet) p.append(el('div', 'rule quiet', quiet + ' rule(s) matched nothing here'));
    return p;
  }

  passes(i) {
    const f = this.filter, r = this.rows;
    if (!f.status[r.s[i]]) return false;
    if (f.user >= 0 && r.u[i] !== f.user) return false;
    if (f.app >= 0 && r.a[i] !== f.app) return false;
    if (f.code >= 0 && r.c[i] !== f.code) return false;
    if (f.rule >= 0 && !(this.hits.get(i) || []).includes(f.rule)) return false;
    return true;
  }

  applyFilter(first) {
    const idx = [];
    for (let i = 0; i < this.n; i++) if (this.passes(i)) idx.push(i);
    this.idx = idx;
    this.times = idx.map((i) => this.rows.t[i]);
    this.lanes = this.filter.user >= 0 ? [this.filter.user] : this.s.users.map((_, i) => i);
    this.laneOf = new Map(this.lanes.map((u, k) => [u, k]));
    this.shownNote.textContent = idx.length + ' of ' + this.n + ' rows pass the filters';
    if (first || idx.length) this.fit(); else this.draw();
  }

  fit() {
    let from = 0, to = 1000;
    if (this.times.length) { from = this.times[0]; to = this.times[this.times.length - 1]; }
    const pad = Math.max(1000, (to - from) * 0.04);
    this.view = [from - pad, to + pad];
    this.shownRows = PAGE;
    this.draw();
  }

  zoom(factor, at) {
    const [a, b] = this.view, span = b - a, mid = a + span * at;
    const next = Math.max(200, Math.min(span * factor, 4e10));
    this.view = [mid - next * at, mid + next * (1 - at)];
    this.shownRows = PAGE;
    this.draw();
  }

  select(row, scroll) {
    this.selected = row;
    const t = this.rows.t[row];
    if (!this.passes(row)) {
      this.filter = { user: -1, app: -1, code: -1, rule: -1, status: [true, true, true, true] };
      this.section.querySelectorAll('select').forEach((s) => { s.value = '-1'; });
      this.section.querySelectorAll('.controls input[type=checkbox]').forEach((b) => { b.checked = true; });
      this.applyFilter(false);
    }
    const [a, b] = this.view;
    if (t < a || t > b) { const span = b - a; this.view = [t - span / 2, t + span / 2]; }
    // Bring the row onto the table's page.
    const lo = lowerBound(this.times, this.view[0]);
    const pos = lowerBound(this.times, t) - lo;
    if (pos >= this.shownRows) this.shownRows = pos + 20;
    this.draw();
    const tr = this.tbody.querySelector('tr.row[data-row="' + row + '"]');
    if (tr) {
      this.toggleDetail(tr, row, true);
      if (scroll) {
        this.tableBox.scrollTop = tr.offsetTop - 40;
        this.section.querySelector('.panel:last-child').scrollIntoView({ block: 'nearest' });
      }
    }
  }

  renderTable(lo, hi) {
    this.tbody.replaceChildren();
    const end = Math.min(hi, lo + this.shownRows);
    const r = this.rows;
    for (let j = lo; j < end; j++) {
      const i = this.idx[j];
      const tr = el('tr', 'row' + (r.k[i] === 2 ? ' norow' : '') + (i === this.selected ? ' selected' : ''));
      tr.dataset.row = String(i);
      tr.dataset.status = STATUS[r.s[i]];
      const meaning = el('td', 'meaning', TEXTS[r.m[i]]);
      if (r.n[i]) meaning.append(el('div', 'note', TEXTS[r.n[i]]));
      for (const rule of this.hits.get(i) || []) meaning.append(el('span', 'badge', 'rule: ' + this.s.rules[rule].title));
      for (const o of this.evidence.get(i) || []) meaning.append(el('span', 'badge evidence', 'evidence: ' + this.s.verify[o].name));
      tr.append(el('td', 'time', iso(this.s.base + r.t[i])), el('td', 'user', this.s.users[r.u[i]]),
        el('td', null, TEXTS[r.a[i]]), el('td', null, TEXTS[r.c[i]]),
        el('td', null, el('span', 'status s' + r.s[i], STATUS[r.s[i]])), meaning);
      tr.addEventListener('click', () => { this.selected = i; this.toggleDetail(tr, i, false); });
      this.tbody.append(tr);
      if (i === this.selected) this.toggleDetail(tr, i, true);
    }
    if (end < hi) {
      const more = el('button', 'more', 'show ' + Math.min(PAGE, hi - end) + ' more of ' + (hi - end));
      more.type = 'button';
      more.addEventListener('click', () => { this.shownRows += PAGE; this.draw(); });
      const td = el('td', null, more); td.colSpan = 6;
      this.tbody.append(el('tr', null, td));
    }
    this.tableNote.textContent = '(' + (end - lo) + ' of ' + (hi - lo) + ' shown; zoom or pan the timeline to change the window)';
  }

  toggleDetail(tr, i, open) {
    const next = tr.nextElementSibling;
    const isOpen = next && next.classList.contains('detail');
    this.tbody.querySelectorAll('tr.row.selected').forEach((x) => x.classList.remove('selected'));
    tr.classList.add('selected');
    if (isOpen) { if (!open) next.remove(); return; }
    const td = el('td');
    td.colSpan = 6;
    const entry = this.rows.j[i];
    if (entry.length) {
      td.append(el('div', 'note-json', 'Graph v1.0 JSON, as the mock serves it:'));
      td.append(el('pre', 'json', pretty(recordJson(entry))));
    } else {
      td.append(el('div', 'empty', 'Nothing was logged for this: ' + TEXTS[this.rows.n[i]]));
    }
    const detail = el('tr', 'detail', td);
    tr.after(detail);
  }
}
