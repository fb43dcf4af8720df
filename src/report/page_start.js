// Draws every scenario of the page. Runs last.
const main = document.getElementById('report');
const toc = document.getElementById('toc');
main.replaceChildren();
document.title = 'entralab report: ' + DATA.scenarios.map((s) => s.name).join(', ');
const views = DATA.scenarios.map((s, i) => {
  const a = el('a', null, s.name);
  a.href = '#scenario-' + i;
  toc.append(a);
  const view = new ScenarioView(s, i);
  main.append(view.section);
  return view;
});
// Canvas sizes are known once the sections are in the page.
views.forEach((v) => v.draw());
if (!views.length) main.append(el('p', 'empty', 'No scenario.'));
document.body.dataset.ready = 'true';
