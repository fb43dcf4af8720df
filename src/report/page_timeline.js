// The timeline of a ScenarioView: layout, drawing (a mark per row, or counts per time bucket
// when zoomed out), the lockout and SSPR windows, zoom, pan, hover and click. Runs after
// page.js, in the same function.
Object.assign(ScenarioView.prototype, {
  layout() {
    const lanes = this.lanes.length;
    const laneH = lanes <= 3 ? 56 : lanes <= 12 ? 30 : Math.max(2, Math.min(18, Math.floor(560 / lanes)));
    const gutter = laneH >= 10 ? 200 : 60;
    return { laneH, gutter, axis: 24, hist: 46, top: 24 + 46 + 6, height: 24 + 46 + 6 + lanes * laneH + 8 };
  },

  draw() {
    const c = this.canvas, L = this.layout();
    const width = Math.max(300, c.clientWidth || c.parentElement.clientWidth || 900);
    const dpr = window.devicePixelRatio || 1;
    c.style.height = L.height + 'px';
    c.width = Math.round(width * dpr); c.height = Math.round(L.height * dpr);
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, L.height);
    g.font = '11px system-ui, sans-serif';
    const plotW = width - L.gutter - 10, [a, b] = this.view;
    const x = (t) => L.gutter + ((t - a) / (b - a)) * plotW;
    this.geometry = { L, plotW, x, width };
    const lo = lowerBound(this.times, a), hi = lowerBound(this.times, b + 1);
    const inView = hi - lo;
    // Lanes and their labels.
    for (let k = 0; k < this.lanes.length; k++) {
      const y = L.top + k * L.laneH;
      if (k % 2 === 1) { g.fillStyle = '#f6f8fa'; g.fillRect(L.gutter, y, plotW, L.laneH); }
      if (L.laneH >= 10) {
        g.fillStyle = '#1f2328';
        let label = this.s.users[this.lanes[k]];
        while (label.length > 4 && g.measureText(label).width > L.gutter - 12) label = label.slice(0, -2);
        if (label !== this.s.users[this.lanes[k]]) label += '…';
        g.fillText(label, 6, y + L.laneH / 2 + 4);
      }
    }
    if (L.laneH < 10) { g.fillStyle = '#59636e'; g.fillText(this.lanes.length + ' users', 6, L.top + 12); }
    // Axis.
    const step = niceStep(b - a, Math.max(2, Math.floor(plotW / 110)));
    g.strokeStyle = '#d8dee4'; g.fillStyle = '#59636e'; g.lineWidth = 1;
    const abs = this.s.base;
    for (let t = Math.ceil((a + abs) / step) * step - abs; t <= b; t += step) {
      const px = Math.round(x(t)) + 0.5;
      g.beginPath(); g.moveTo(px, L.axis - 4); g.lineTo(px, L.height - 6); g.stroke();
      const text = step >= 864e5 ? iso(abs + t).slice(0, 10) : step >= 6e4 ? iso(abs + t).slice(5, 16).replace('T', ' ') : clock(abs + t);
      g.fillText(text, px + 3, 14);
    }
    // Lockout and SSPR windows on their user's lane.
    for (const w of this.s.windows) {
      const k = this.laneOf.get(w.user);
      if (k === undefined || w.until < a || w.from > b) continue;
      const x0 = Math.max(L.gutter, x(w.from)), x1 = Math.min(L.gutter + plotW, x(w.until));
      const y = L.top + k * L.laneH + 1, h = Math.max(2, L.laneH - 2);
      g.fillStyle = WINDOW_FILL[w.kind]; g.fillRect(x0, y, Math.max(2, x1 - x0), h);
      g.strokeStyle = WINDOW_EDGE[w.kind]; g.strokeRect(x0 + 0.5, y + 0.5, Math.max(2, x1 - x0) - 1, h - 1);
      if (L.laneH >= 18 && x1 - x0 > 40) {
        g.save();
        g.beginPath(); g.rect(x0, y, x1 - x0, h); g.clip();
        g.fillStyle = WINDOW_EDGE[w.kind];
        g.fillText(w.label, x0 + 4, y + 11);
        g.restore();
      }
    }
    // Counts per time bucket: the histogram band always, the lanes when zoomed out.
    const bucketPx = 4, buckets = Math.max(1, Math.floor(plotW / bucketPx)), bucketMs = (b - a) / buckets;
    const hist = new Int32Array(buckets * 4);
    const aggregate = inView > POINT_LIMIT;
    const cells = aggregate ? new Int32Array(this.lanes.length * buckets * 4) : null;
    for (let j = lo; j < hi; j++) {
      const i = this.idx[j], bk = Math.min(buckets - 1, Math.floor((this.times[j] - a) / bucketMs));
      hist[bk * 4 + this.rows.s[i]]++;
      if (aggregate) {
        const k = this.laneOf.get(this.rows.u[i]);
        cells[(k * buckets + bk) * 4 + this.rows.s[i]]++;
      }
    }
    let max = 1;
    for (let bk = 0; bk < buckets; bk++) max = Math.max(max, hist[bk * 4] + hist[bk * 4 + 1] + hist[bk * 4 + 2] + hist[bk * 4 + 3]);
    for (let bk = 0; bk < buckets; bk++) {
      let y = L.axis + L.hist;
      for (const st of [1, 2, 0, 3]) {
        const n = hist[bk * 4 + st];
        if (!n) continue;
        const h = (n / max) * (L.hist - 4);
        g.fillStyle = COLORS[st]; g.fillRect(L.gutter + bk * bucketPx, y - h, bucketPx - 1, h);
        y -= h;
      }
    }
    const per = 'rows per ' + (bucketMs >= 6e4 ? (bucketMs / 6e4).toFixed(1) + ' min' : (bucketMs / 1e3).toFixed(1) + ' s') + ' (max ' + max + ')';
    if (L.gutter >= 150) { g.fillStyle = '#59636e'; g.fillText(per, 6, L.axis + 14); }
    this.marks = [];
    this.cells = null;
    if (aggregate) {
      let cmax = 1;
      for (let q = 0; q < cells.length; q += 4) cmax = Math.max(cmax, cells[q] + cells[q + 1] + cells[q + 2] + cells[q + 3]);
      for (let k = 0; k < this.lanes.length; k++) {
        for (let bk = 0; bk < buckets; bk++) {
          const q = (k * buckets + bk) * 4, n = cells[q] + cells[q + 1] + cells[q + 2] + cells[q + 3];
          if (!n) continue;
          // Any failure shows; a KMSI interrupt is followed by its success, so success
          // outranks interrupted.
          const st = cells[q + 1] ? 1 : cells[q] ? 0 : cells[q + 2] ? 2 : 3;
          g.globalAlpha = 0.35 + 0.65 * Math.min(1, n / cmax);
          g.fillStyle = COLORS[st];
          g.fillRect(L.gutter + bk * bucketPx, L.top + k * L.laneH + (L.laneH > 4 ? 1 : 0), bucketPx - 1, Math.max(1, L.laneH - (L.laneH > 4 ? 2 : 0)));
        }
      }
      g.globalAlpha = 1;
      this.cells = { cells, buckets, bucketMs, bucketPx };
      this.zoomNote.textContent = inView + ' rows in view, drawn as ' + per + '; zoom in (Ctrl + wheel, +, or click a cell) to see each row';
    } else {
      const last = new Map();
      const r = Math.max(2, Math.min(5, L.laneH / 2 - 2));
      for (let j = lo; j < hi; j++) {
        const i = this.idx[j], k = this.laneOf.get(this.rows.u[i]);
        // In a tall lane, events without a row sit on their own line below the rows.
        const below = L.laneH >= 40 && this.rows.k[i] === 2;
        const line = 2 * k + (below ? 1 : 0);
        let px = x(this.times[j]);
        // Rows of one instant (the KMSI interrupt and its success) side by side.
        if (last.has(line) && px < last.get(line) + 2 * r + 1) px = last.get(line) + 2 * r + 1;
        last.set(line, px);
        const py = L.top + k * L.laneH + (L.laneH >= 40 ? L.laneH * (below ? 0.78 : 0.5) : L.laneH / 2);
        this.mark(g, this.rows.k[i], this.rows.s[i], px, py, r, i === this.selected);
        this.marks.push([px, py, i]);
      }
      this.zoomNote.textContent = inView + ' rows in view · ' + per + ' · Ctrl + wheel zooms, drag pans, click a mark for its row';
    }
    this.renderTable(lo, hi);
  },

  mark(g, kind, status, px, py, r, selected) {
    g.fillStyle = COLORS[status]; g.strokeStyle = COLORS[status]; g.lineWidth = 1.5;
    g.beginPath();
    if (kind === 0) { g.arc(px, py, r, 0, Math.PI * 2); g.fill(); }
    else if (kind === 1) { g.fillRect(px - r, py - r, 2 * r, 2 * r); }
    else { g.moveTo(px, py - r); g.lineTo(px + r, py); g.lineTo(px, py + r); g.lineTo(px - r, py); g.closePath(); g.stroke(); }
    if (selected) { g.strokeStyle = '#0969da'; g.lineWidth = 2; g.beginPath(); g.arc(px, py, r + 3, 0, Math.PI * 2); g.stroke(); }
  },

  attachCanvas() {
    const c = this.canvas;
    let drag = null;
    // Ctrl (or ⌘) + wheel, and a touchpad pinch, zoom; the plain wheel still scrolls the page.
    c.addEventListener('wheel', (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const { L, plotW } = this.geometry;
      const at = Math.min(1, Math.max(0, (e.offsetX - L.gutter) / plotW));
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, at);
    }, { passive: false });
    c.addEventListener('mousedown', (e) => { drag = { x: e.clientX, view: this.view.slice(), moved: false }; c.classList.add('dragging'); });
    window.addEventListener('mouseup', () => { drag = null; c.classList.remove('dragging'); });
    c.addEventListener('mousemove', (e) => {
      if (drag) {
        const dx = e.clientX - drag.x;
        if (Math.abs(dx) > 3) drag.moved = true;
        if (drag.moved) {
          const ms = (dx / this.geometry.plotW) * (drag.view[1] - drag.view[0]);
          this.view = [drag.view[0] - ms, drag.view[1] - ms];
          this.draw();
        }
        return;
      }
      this.hover(e);
    });
    c.addEventListener('mouseleave', () => { tooltip.hidden = true; });
    c.addEventListener('click', (e) => {
      if (drag && drag.moved) return;
      const hit = this.hit(e.offsetX, e.offsetY);
      if (hit && hit.row !== undefined) this.select(hit.row, true);
      else if (hit && hit.bucket) { const { bucketMs } = this.cells; this.view = [hit.from - bucketMs * 8, hit.from + bucketMs * 9]; this.draw(); }
      else if (this.cells) {
        // Zoomed out: a click anywhere zooms in around it.
        const { L, plotW } = this.geometry;
        this.zoom(1 / 8, Math.min(1, Math.max(0, (e.offsetX - L.gutter) / plotW)));
      }
    });
    window.addEventListener('resize', () => this.draw());
  },

  hit(mx, my) {
    let best = null, bestD = 64;
    for (const [px, py, i] of this.marks) {
      const d = (px - mx) ** 2 + (py - my) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    if (best !== null) return { row: best };
    const { L, x } = this.geometry;
    const lane = Math.floor((my - L.top) / L.laneH);
    for (const w of this.s.windows) {
      if (this.laneOf.get(w.user) === lane && mx >= x(w.from) && mx <= x(w.until)) return { window: w };
    }
    if (this.cells) {
      const { L } = this.geometry, { cells, buckets, bucketMs, bucketPx } = this.cells;
      const k = Math.floor((my - L.top) / L.laneH), bk = Math.floor((mx - L.gutter) / bucketPx);
      if (k >= 0 && k < this.lanes.length && bk >= 0 && bk < buckets) {
        const q = (k * buckets + bk) * 4;
        const counts = [cells[q], cells[q + 1], cells[q + 2], cells[q + 3]];
        if (counts.some((n) => n > 0)) return { bucket: true, user: this.lanes[k], counts, from: this.view[0] + bk * bucketMs, bucketMs };
      }
    }
    return null;
  },

  hover(e) {
    const hit = this.hit(e.offsetX, e.offsetY);
    if (!hit) { tooltip.hidden = true; return; }
    tooltip.replaceChildren();
    if (hit.window) {
      const w = hit.window;
      tooltip.append(el('div', 't-head', w.label));
      tooltip.append(el('div', null, this.s.users[w.user]));
      tooltip.append(el('div', null, iso(this.s.base + w.from) + ' → ' + iso(this.s.base + w.until)));
    } else if (hit.row !== undefined) {
      const i = hit.row, r = this.rows;
      tooltip.append(el('div', 't-head', iso(this.s.base + r.t[i]) + '  ' + STATUS[r.s[i]]));
      tooltip.append(el('div', null, this.s.users[r.u[i]]));
      if (r.k[i] !== 2) tooltip.append(el('div', null, TEXTS[r.a[i]] + '  ' + TEXTS[r.c[i]] + '  ' + TEXTS[r.m[i]]));
      if (r.n[i]) tooltip.append(el('div', null, '└ ' + TEXTS[r.n[i]]));
      for (const rule of this.hits.get(i) || []) tooltip.append(el('div', null, 'rule: ' + this.s.rules[rule].title));
      tooltip.append(el('div', null, '(click for the Graph JSON)'));
    } else {
      tooltip.append(el('div', 't-head', this.s.users[hit.user]));
      tooltip.append(el('div', null, iso(this.s.base + hit.from).slice(0, 19) + ' + ' + (hit.bucketMs / 1e3).toFixed(1) + ' s'));
      tooltip.append(el('div', null, hit.counts[0] + ' success, ' + hit.counts[1] + ' failure, ' + hit.counts[2] + ' interrupted, ' + hit.counts[3] + ' without a row'));
      tooltip.append(el('div', null, '(click to zoom in)'));
    }
    tooltip.hidden = false;
    const left = Math.min(e.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
    tooltip.style.left = left + 'px'; tooltip.style.top = (e.clientY + 14) + 'px';
  },
});
