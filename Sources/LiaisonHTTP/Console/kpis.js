// Service-level KPIs (#/kpis): GET /v1/stats for the caller's scope and a period, as tiles
// and a bar chart by county (province-wide) or by station (one county), drawn with plain DOM.

import { api } from './api.js';
import { loadCounties, countyOptions } from './counties.js';
import { h, byId, replace, field, select } from './dom.js';
import { clearBanner, reportError } from './errors.js';
import { percent } from './format.js';

/** The form's values, kept while the console is open. */
const period = { from: '', to: '', county: '', metric: 'complaints' };

const METRICS = [
  ['complaints', '投诉数', (g) => g.complaints, (g) => String(g.complaints)],
  ['resolution_rate', '调解成功率', (g) => share(g.resolution_rate), (g) => percent(share(g.resolution_rate))],
  ['satisfaction_rate', '满意率', (g) => share(g.satisfaction_rate), (g) => percent(share(g.satisfaction_rate))],
  ['answered_within_24h', '24 小时内响应率', (g) => share(g.answered_within_24h), (g) => percent(share(g.answered_within_24h))],
  ['overdue', '当前超时件数', (g) => g.overdue, (g) => String(g.overdue)],
];

function share(s) {
  return s && typeof s.share === 'number' ? s.share : null;
}

function metOf(s) {
  return s ? `${s.met} / ${s.of}` : '';
}

/** YYYY-MM-DD plus one day (the API's `to` is exclusive; the form's is inclusive). */
function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** '2026/3/1' or '2026-03-01' -> '2026-03-01'; anything else unchanged (checked before sending). */
function normalDate(text) {
  const m = String(text || '').trim().match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : String(text || '').trim();
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** #/kpis */
export async function showKpis(app, ctx) {
  replace(ctx.view, await kpiSection(app, ctx));
  await loadStats(app, ctx);
}

async function kpiSection(app, ctx) {
  // Plain text (YYYY-MM-DD): typed the same way in every browser and locale.
  const dateInput = (id, value) => h('input', { type: 'text', id, name: id.slice(4), value, inputmode: 'numeric', placeholder: 'YYYY-MM-DD', autocomplete: 'off' });
  const from = dateInput('kpi-from', period.from);
  const to = dateInput('kpi-to', period.to);
  const metric = select('kpi-metric', METRICS.map(([key, name]) => [key, name]), period.metric);
  const form = h('form', { id: 'kpi-form', class: 'filters', novalidate: true },
    field('开始日期（含，YYYY-MM-DD）', from),
    field('结束日期（含，YYYY-MM-DD）', to),
    app.session.role === 'admin' ? await countyField() : null,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'kpi-apply', class: 'primary', text: '查询' })));
  const apply = () => {
    period.from = normalDate(from.value);
    period.to = normalDate(to.value);
    from.value = period.from;
    to.value = period.to;
    period.county = byId('kpi-county') ? byId('kpi-county').value : '';
    loadStats(app, ctx);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  // A changed date or county applies at once too (the button is for those who look for it).
  form.addEventListener('change', (event) => { if (event.target !== metric) apply(); });
  metric.addEventListener('change', () => {
    period.metric = metric.value;
    if (lastReport) drawChart(lastReport, app);
  });
  const scope = app.session.county ? app.session.county.name : '全省';
  return h('section', { class: 'view', 'aria-labelledby': 'kpi-title' },
    h('h2', { id: 'kpi-title', text: `服务指标 · ${scope}` }),
    form,
    h('p', { id: 'kpi-period', class: 'hint' }),
    h('div', { id: 'kpi-tiles', class: 'kpi-tiles' }),
    h('h3', { id: 'kpi-chart-title', text: '分组对比' }),
    field('对比指标', metric),
    h('div', { id: 'kpi-chart', class: 'bar-chart', role: 'list', 'aria-labelledby': 'kpi-chart-title' }),
    definitions());
}

async function countyField() {
  let options = [];
  try {
    options = countyOptions(await loadCounties());
  } catch (error) {
    reportError(error);
  }
  return field('区县', select('kpi-county', [['', '全省'], ...options], period.county));
}

let lastReport = null;
let statsSeq = 0;

async function loadStats(app, ctx) {
  const seq = ++statsSeq;
  app.setReady(null);
  clearBanner();
  const badDate = [period.from, period.to].some((d) => d && (!DATE.test(d) || Number.isNaN(Date.parse(d))));
  if (badDate || (period.from && period.to && period.to < period.from)) {
    reportError({ status: 400, problem: { detail: badDate ? '日期格式应为 YYYY-MM-DD，例如 2026-03-01。' : '结束日期不能早于开始日期。' } });
    app.setReady('kpis');
    return;
  }
  const query = { from: period.from, to: period.to ? nextDay(period.to) : '', county: period.county };
  let report;
  try {
    report = await api('GET', '/v1/stats', { query });
  } catch (error) {
    if (ctx.isCurrent() && seq === statsSeq) {
      reportError(error);
      app.setReady('kpis');
    }
    return;
  }
  if (!ctx.isCurrent() || seq !== statsSeq) return;
  lastReport = report;
  byId('kpi-period').textContent = `统计范围：${period.from || '最早'} 至 ${period.to || '今天'}（按投诉提交时间），数据截至 ${new Date(report.as_of).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })}`;
  drawTiles(report.totals || {});
  drawChart(report, app);
  app.setReady('kpis');
}

function tile(key, name, value, detail) {
  return h('div', { class: 'kpi-tile', dataset: { kpi: key } },
    h('p', { class: 'kpi-name', text: name }),
    h('p', { class: 'kpi-value', text: value }),
    detail ? h('p', { class: 'kpi-detail', text: detail }) : null);
}

function drawTiles(t) {
  const dt = t.direct_train || {};
  const reviews = t.reviews || {};
  const visits = t.return_visits || {};
  replace(byId('kpi-tiles'),
    tile('complaints', '投诉总数', String(t.complaints ?? 0)),
    tile('dispatched_within_2h', '2 小时内分派率', percent(share(t.dispatched_within_2h)), metOf(t.dispatched_within_2h)),
    tile('answered_within_24h', '24 小时内响应率', percent(share(t.answered_within_24h)), metOf(t.answered_within_24h)),
    tile('accepted_within_7_working_days', '7 个工作日内受理率', percent(share(t.accepted_within_7_working_days)), metOf(t.accepted_within_7_working_days)),
    tile('resolution_rate', '调解成功率', percent(share(t.resolution_rate)), metOf(t.resolution_rate)),
    tile('median_hours_to_resolution', '调解用时中位数', typeof t.median_hours_to_resolution === 'number' ? `${t.median_hours_to_resolution} 小时` : '—'),
    tile('satisfaction_rate', '满意率', percent(share(t.satisfaction_rate)), metOf(t.satisfaction_rate)),
    tile('overdue', '当前超时', `${t.overdue ?? 0} 件`),
    tile('urgent_within_24h', '紧急投诉 24 小时处置率', percent(share(t.urgent_within_24h)), metOf(t.urgent_within_24h)),
    tile('direct_train', '企业自行和解率', percent(share(dt.self_settlement_rate)), `转企业 ${dt.sent ?? 0} 件，处理中 ${dt.pending ?? 0} 件`),
    tile('reviews', '复核率', percent(share(reviews.reviewed)), `进行中 ${reviews.open ?? 0}，超期 ${reviews.overdue ?? 0}，维持 ${reviews.upheld ?? 0}，重新调解 ${reviews.reopened ?? 0}`),
    tile('court_handoffs', '移交法院', `${t.court_handoffs ?? 0} 件`),
    tile('return_visits', '回访', `${visits.done ?? 0} / ${visits.queued ?? 0}`, `联系上 ${visits.reached ?? 0}，满意 ${visits.satisfied ?? 0}`));
}

/** Horizontal bars (div.bar, width by value) per county, or per station in one county. */
function drawChart(report, app) {
  const byCounty = app.session.role === 'admin' && !period.county;
  const groups = (byCounty ? report.by_county : report.by_station) || [];
  const [, metricName, valueOf, textOf] = METRICS.find(([key]) => key === period.metric) || METRICS[0];
  byId('kpi-chart-title').textContent = `${metricName}：按${byCounty ? '区县' : '联络站'}`;
  const chart = byId('kpi-chart');
  if (!groups.length) {
    replace(chart, h('p', { role: 'listitem', text: '该期间没有投诉。' }));
    return;
  }
  const rows = groups.map((g) => ({ g, value: valueOf(g) })).sort((a, b) => (b.value ?? -1) - (a.value ?? -1));
  const max = Math.max(...rows.map((r) => r.value || 0), 0);
  replace(chart, rows.map(({ g, value }) => {
    const bar = h('div', { class: 'bar', dataset: { code: g.code, value: value ?? '' } });
    bar.style.width = `${max > 0 && value ? (value / max) * 100 : 0}%`; // CSSOM, allowed by the CSP
    return h('div', { class: 'bar-row', role: 'listitem' },
      h('span', { class: 'bar-label', text: g.name || g.code }),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'bar-value', text: textOf(g) }));
  }));
}

function definitions() {
  const items = [
    ['统计对象', '所选期间内提交的投诉（开始日期 0 时起，至结束日期 24 时止，北京时间）。投诉计入其所在区县及当前承办的联络站。'],
    ['2 小时内分派率', '在分派时限（提交后 2 小时）内分派到联络站的投诉，占已分派或已超过分派时限的投诉之比。'],
    ['24 小时内响应率', '联络站在 24 小时内首次处理（受理、拒收、预约、调解等）的投诉占比，分母为已响应或已超时的投诉。'],
    ['7 个工作日内受理率', '在 7 个工作日内被联络站受理的投诉占比，分母为已受理或已超过受理时限的投诉。'],
    ['调解成功率', '调解成功的投诉占已有调解结果（成功或未成）的投诉之比。'],
    ['调解用时中位数', '从提交到调解成功的小时数的中位数。'],
    ['满意率', '消费者评价为满意（4–5 星）的投诉占已评价投诉之比。'],
    ['当前超时', '此刻有时限已过且仍在计时的投诉件数。'],
    ['紧急投诉 24 小时处置率', '被标记为紧急后 24 小时内开始调解、得出结果或完成核实的紧急投诉占比。'],
    ['企业自行和解率', '直通车企业和解成功的件数，占企业处理完毕（和解、不予和解、超时或消费者拒绝）的件数之比；收回和撤回的不计。'],
    ['复核率', '有结果的投诉中启动复核的比例；另列进行中、超期、维持和重新调解的件数。'],
    ['移交法院', '调解未成后移交法院诉调对接的件数。'],
    ['回访', '已完成回访数 / 应回访数，以及联系上和满意的件数。'],
  ];
  return h('details', { id: 'kpi-definitions', class: 'definitions' },
    h('summary', { text: '指标定义' }),
    h('dl', null, items.map(([term, text]) => [h('dt', { text: term }), h('dd', { text: text })])));
}

/** Forgets the period and the last report (on sign-out). */
export function resetKpis() {
  Object.assign(period, { from: '', to: '', county: '', metric: 'complaints' });
  lastReport = null;
  statsSeq += 1;
}
