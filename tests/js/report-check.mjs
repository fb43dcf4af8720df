// Loads `entralab report` pages in headless Chromium (Debian's, through playwright-core) and
// prints, per page, what a reader would see: console errors, network requests, the rendered
// rows, state gauges and windows, verify outcomes, and the Graph JSON of the first row once
// clicked. tests/integration/report.rs runs it and checks the result.
//
// usage: node report-check.mjs CHROMIUM PAGE.html[=SHOT.png] ...
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [executablePath, ...pages] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const results = [];
try {
  for (const spec of pages) {
    const [file, shot] = spec.split('=');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.type() + ': ' + m.text()); });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) problems.push('network request: ' + r.url()); });
    page.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss(); });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60000 });
    const seen = await page.evaluate(() => {
      const text = (e) => (e ? e.textContent.trim() : null);
      return {
        title: document.title,
        images: document.images.length,
        sections: [...document.querySelectorAll('section.scenario')].map((s) => ({
          name: s.dataset.scenario,
          description: text(s.querySelector('.description')),
          rows: [...s.querySelectorAll('tr.row')].map((tr) => [...tr.children].slice(0, 5).map(text)),
          gauges: [...s.querySelectorAll('.gauge')].map(text),
          windows: [...s.querySelectorAll('.window')].map((w) => w.dataset.kind + ': ' + text(w)),
          outcomes: [...s.querySelectorAll('.outcome')].map((o) => (o.classList.contains('pass') ? 'pass: ' : 'fail: ') + text(o.querySelector('.name'))),
          rules: [...s.querySelectorAll('.rule[data-rule]')].map((r) => r.dataset.rule),
          canvas: s.querySelector('canvas').height,
        })),
      };
    });
    // Filter by the last code or result offered: the rows left all have it.
    const filter = await page.evaluate(() => {
      const select = document.querySelector('section.scenario select[data-filter=code]');
      const option = select.options[select.options.length - 1];
      select.value = option.value;
      select.dispatchEvent(new Event('change'));
      const codes = [...document.querySelector('section.scenario').querySelectorAll('tr.row')]
        .map((tr) => tr.children[3].textContent);
      select.value = '-1';
      select.dispatchEvent(new Event('change'));
      return { code: option.textContent, codes };
    });
    // The first real row of the first scenario, opened: its Graph JSON.
    const first = page.locator('section.scenario tr.row:not(.norow)').first();
    let json = null;
    if (await first.count()) {
      await first.click();
      json = await page.locator('section.scenario tr.detail pre.json').first().textContent();
    }
    // Hover the middle of the first timeline: the tooltip must not throw.
    const canvas = page.locator('section.scenario canvas').first();
    const box = await canvas.boundingBox();
    if (box) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height - 20);
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -300);
      await page.mouse.wheel(0, 600);
      await page.keyboard.up('Control');
    }
    if (shot) {
      await page.mouse.move(0, 0);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: shot, fullPage: true });
    }
    results.push({ file, problems, json, filter, ...seen });
    await page.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
