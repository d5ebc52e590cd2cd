// The map view (#/map): counties, station markers and the filtered list beside the map, the
// add/edit form (station-form.js), and the station page (#/stations/{id}).

import { api } from './api.js';
import { loadCounties, countyOptions } from './counties.js';
import { fromWgs84 } from './coords.js';
import { h, byId, replace, definitionList, tableWrap } from './dom.js';
import { clearBanner, problemText, reportError } from './errors.js';
import { STATUS_LABELS, WEEKDAYS, OPEN_STATUSES, formatTime, label, modeKind, modesText } from './format.js';
import { StationMap, loadConfig } from './map.js';
import { openStationForm } from './station-form.js';

/** At most this many stations are listed (the ones in the map's view): a longer list is slow to use. */
const LIST_LIMIT = 150;

const view = {
  map: null, // StationMap, made the first time the map view is shown
  stations: [], // the stations of the current filters
  loadedKey: null, // the filters those stations are for (null: reload)
  loadSeq: 0,
  form: null, // the open station form, if any
  countiesDrawn: false,
};

/** Forget the loaded stations (after a station was added, changed or retired). */
export function invalidateStations() {
  view.loadedKey = null;
}

function filters() {
  return { county: byId('filter-county').value, mode: byId('filter-mode').value, status: byId('filter-status').value };
}

// ---- the map view ------------------------------------------------------------------------------

/** Wires the map view's static controls (index.html) once. */
export function setUpMapView(app) {
  for (const id of ['filter-county', 'filter-mode', 'filter-status']) {
    byId(id).addEventListener('change', () => {
      app.setReady(null);
      if (id === 'filter-county' && view.map) view.map.fitCounty(byId(id).value);
      refreshStations(app).then(() => app.setReady('map'));
    });
  }
  // The button shows only on the map view (hidden while the form is open).
  byId('add-station').addEventListener('click', () => {
    if (view.map) openForm(app, { mode: 'create' }); // (the map is made when the view first loads)
  });
}

/** Shows #map-view: makes the map once, draws the counties, loads the stations. */
async function ensureMap(app, ctx) {
  byId('map-view').hidden = false;
  if (!view.map) {
    const config = await loadConfig();
    if (!ctx.isCurrent()) return false;
    view.map = new StationMap(byId('map'), config);
    view.map.onMove(() => renderList());
  }
  view.map.refreshSize();
  if (!view.countiesDrawn) {
    const counties = await loadCounties();
    if (!ctx.isCurrent()) return false;
    fillCountyFilter(counties, app.session);
    const own = app.session.county && app.session.county.code;
    view.map.drawCounties(counties, own);
    view.map.fitCounty(own);
    view.countiesDrawn = true;
  }
  return true;
}

function fillCountyFilter(counties, session) {
  const selectEl = byId('filter-county');
  if (selectEl.options.length > 1) return;
  for (const [code, name] of countyOptions(counties)) selectEl.append(h('option', { value: code, text: name }));
  if (session.county) selectEl.value = session.county.code; // a county's staff start with their own
}

/** #/map */
export async function showMap(app, ctx) {
  closeForm();
  try {
    if (!(await ensureMap(app, ctx))) return;
    await refreshStations(app);
  } catch (error) {
    reportError(error);
  }
  if (ctx.isCurrent()) app.setReady('map');
}

/** #/stations/{id}/edit: the map view with the form filled from the station. */
export async function showStationEdit(app, ctx, id) {
  closeForm();
  try {
    if (!(await ensureMap(app, ctx))) return;
    const { data: station, headers } = await api('GET', `/v1/stations/${encodeURIComponent(id)}`, { query: { coordsys: 'wgs84' }, withHeaders: true });
    if (!ctx.isCurrent()) return;
    await refreshStations(app);
    if (!ctx.isCurrent()) return;
    if (station.status === 'retired') {
      reportError({ status: 409, problem: { detail: `联络站 ${id} 已撤销，不能再修改。` } });
    } else {
      openForm(app, { mode: 'edit', station, etag: headers.get('ETag') });
    }
  } catch (error) {
    reportError(error);
  }
  if (ctx.isCurrent()) app.setReady('station-edit');
}

function openForm(app, options) {
  closeForm();
  clearBanner();
  byId('station-browser').hidden = true;
  byId('add-station').hidden = true;
  view.form = openStationForm(byId('station-form-panel'), {
    ...options,
    map: view.map,
    onSaved: (id) => {
      view.form = null;
      invalidateStations();
      window.location.hash = `#/stations/${id}`;
    },
    onCancel: () => {
      view.form = null;
      showBrowser();
      if (options.mode === 'edit') window.location.hash = `#/stations/${options.station.id}`;
    },
  });
  byId('f-name').focus();
}

function closeForm() {
  if (view.form) view.form.close();
  view.form = null;
  showBrowser();
}

function showBrowser() {
  byId('station-browser').hidden = false;
  byId('add-station').hidden = false;
}

/** Loads the stations of the filters (unless already loaded) and draws markers and list. */
async function refreshStations(app) {
  const f = filters();
  const key = JSON.stringify(f);
  if (key === view.loadedKey) return;
  const seq = ++view.loadSeq;
  byId('station-count').textContent = '正在加载联络站…';
  try {
    const stations = await fetchStations(f);
    if (seq !== view.loadSeq) return;
    view.stations = stations;
    view.loadedKey = key;
    view.map.setStations(stations, (id) => { window.location.hash = `#/stations/${id}`; });
    renderList();
  } catch (error) {
    if (seq === view.loadSeq) {
      byId('station-count').textContent = '联络站加载失败。';
      reportError(error);
    }
  }
}

/** Every page of GET /v1/stations for the filters (WGS-84). */
async function fetchStations(f) {
  const query = { coordsys: 'wgs84', limit: 500, county: f.county, mode: f.mode === 'both' ? '' : f.mode };
  if (f.status && f.status !== 'active') query.status = f.status;
  const all = [];
  let cursor = null;
  for (let page = 0; page < 40; page++) {
    const answer = await api('GET', '/v1/stations', { query: { ...query, cursor } });
    for (const station of answer.stations || []) all.push({ status: f.status === 'retired' ? 'retired' : 'active', ...station });
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return f.mode === 'both' ? all.filter((s) => modeKind(s.modes) === 'both') : all;
}

/** Lists the loaded stations inside the map's view (the first LIST_LIMIT of them). */
function renderList() {
  if (!view.map || view.loadedKey === null) return;
  const inView = view.stations.filter((s) => s.location && view.map.inView(s.location));
  const shown = inView.slice(0, LIST_LIMIT);
  byId('station-count').textContent = `地图范围内 ${inView.length} 个联络站（筛选结果共 ${view.stations.length} 个）`
    + (inView.length > shown.length ? `，列出前 ${shown.length} 个；放大地图或选择区县可查看其余。` : '。');
  const items = shown.map((s) => h('li', { dataset: { stationId: s.id } },
    h('a', { href: `#/stations/${s.id}` },
      h('span', { class: `swatch mode-${modeKind(s.modes)}`, 'aria-hidden': 'true' }),
      h('span', { class: 'station-name', text: s.name }),
      h('span', { class: 'station-meta', text: `${s.county_name} · ${modesText(s.modes)}${s.status === 'retired' ? ' · 已撤销' : ''}` }))));
  replace(byId('station-list'), items);
}

// ---- the station page -----------------------------------------------------------------------------

/** #/stations/{id}: fields, history and open complaints. */
export async function showStation(app, ctx, id) {
  const path = `/v1/stations/${encodeURIComponent(id)}`;
  let station;
  try {
    station = await api('GET', path, { query: { coordsys: 'wgs84' } });
  } catch (error) {
    if (!ctx.isCurrent()) return;
    reportError(error);
    replace(ctx.view, h('section', { class: 'view' }, h('h2', { text: `联络站 ${id}` }), h('p', { text: '无法显示该联络站。' })));
    app.setReady('station');
    return;
  }
  const mayWrite = app.session.role === 'admin' || (app.session.county && app.session.county.code === station.county_code);
  const [history, complaints] = await Promise.all([
    api('GET', `${path}/history`).catch((error) => ({ error })),
    mayWrite ? api('GET', `${path}/complaints`, { query: { limit: 200 } }).catch((error) => ({ error })) : Promise.resolve(null),
  ]);
  if (!ctx.isCurrent()) return;
  replace(ctx.view, stationPage(app, station, history, complaints, mayWrite));
  app.setReady('station');
}

function stationPage(app, s, history, complaints, mayWrite) {
  const active = s.status === 'active';
  const gcj = fromWgs84('gcj02', s.location.lat, s.location.lng);
  const bd = fromWgs84('bd09', s.location.lat, s.location.lng);
  const actions = h('div', { class: 'page-actions' },
    h('button', { type: 'button', id: 'edit-station', disabled: !(active && mayWrite), text: '编辑',
      onclick: () => { window.location.hash = `#/stations/${s.id}/edit`; } }),
    h('button', { type: 'button', id: 'retire-station', class: 'danger', disabled: !(active && mayWrite), text: '撤销联络站',
      onclick: () => openRetireForm(app, s) }),
    !mayWrite ? h('p', { class: 'hint', text: '其他区县的联络站：只能查看。' }) : null,
    !active ? h('p', { class: 'hint', text: '该联络站已撤销。' }) : null);
  return h('section', { id: 'station-detail', class: 'view', dataset: { stationId: s.id }, 'aria-labelledby': 'station-title' },
    h('p', { class: 'back' }, h('a', { href: '#/map', text: '← 返回地图' })),
    h('h2', { id: 'station-title', text: s.name }),
    actions,
    h('div', { id: 'retire-panel' }),
    definitionList([
      ['编号', s.id],
      ['状态', active ? '在用' : '已撤销'],
      ['区县', `${s.city_name} ${s.county_name}`],
      ['地址', s.address_line],
      ['电话', s.phone],
      ['调解方式', modesText(s.modes)],
      ['承接能力', `${s.capacity} 件`],
      ['坐标 WGS-84', `${s.location.lat}, ${s.location.lng}`],
      ['坐标 GCJ-02', `${gcj.lat.toFixed(7)}, ${gcj.lng.toFixed(7)}`],
      ['坐标 BD-09', `${bd.lat.toFixed(7)}, ${bd.lng.toFixed(7)}`],
      ['星级', s.rating && s.rating.stars ? `${'★'.repeat(s.rating.stars)}（${s.rating.score} 分）` : ''],
    ]),
    h('h3', { text: '开放时间' }),
    hoursTable(s.hours),
    h('h3', { text: '工作人员' }),
    staffTable(s.staff),
    h('h3', { text: '未办结投诉' }),
    h('div', { id: 'station-complaints' }, complaintsBlock(complaints, mayWrite)),
    h('h3', { text: '变更记录' }),
    h('div', { id: 'station-history' }, historyBlock(history)));
}

function hoursTable(hours) {
  const rows = WEEKDAYS.map(([day, dayLabel]) => h('tr', null,
    h('th', { scope: 'row', text: dayLabel }),
    h('td', { text: (hours && hours[day] && hours[day].length) ? hours[day].join('，') : '不开放' })));
  return tableWrap(h('table', { class: 'data' }, h('caption', { class: 'visually-hidden', text: '开放时间' }),
    h('thead', null, h('tr', null, h('th', { scope: 'col', text: '星期' }), h('th', { scope: 'col', text: '时段' }))),
    h('tbody', null, rows)), '开放时间');
}

function staffTable(staff) {
  const rows = (staff || []).map((m) => h('tr', null, h('td', { text: m.name }), h('td', { text: m.role }), h('td', { text: m.mobile_masked })));
  return tableWrap(h('table', { class: 'data' }, h('caption', { class: 'visually-hidden', text: '工作人员' }),
    h('thead', null, h('tr', null, ...['姓名', '职务', '手机号'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', null, rows)), '工作人员');
}

function complaintsBlock(answer, mayWrite) {
  if (!mayWrite) return h('p', { class: 'hint', text: '其他区县联络站的投诉不可查看。' });
  if (!answer || answer.error) {
    return h('p', { class: 'hint', text: `投诉加载失败：${(answer && answer.error && answer.error.message) || ''}` });
  }
  const open = (answer.complaints || []).filter((c) => OPEN_STATUSES.includes(c.status));
  if (!open.length) return h('p', { text: '没有未办结的投诉。' });
  const rows = open.map((c) => h('tr', { dataset: { number: c.number } },
    h('td', null, h('a', { href: `#/complaints/${c.number}`, text: c.number })),
    h('td', { text: label(STATUS_LABELS, c.status) }),
    h('td', { text: formatTime(c.submitted_at) })));
  return tableWrap(h('table', { class: 'data' }, h('caption', { class: 'visually-hidden', text: '未办结投诉' }),
    h('thead', null, h('tr', null, ...['编号', '状态', '提交时间'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', null, rows)), '未办结投诉');
}

const HISTORY_ACTIONS = { create: '登记', update: '修改', retire: '撤销', import: '导入' };
const PROPERTY_LABELS = {
  name: '名称', county_code: '区县', address: '地址', phone: '电话', hours: '开放时间', modes: '调解方式',
  capacity: '承接能力', status: '状态', staff: '工作人员', geometry: '位置',
};

function historyBlock(answer) {
  if (!answer || answer.error) {
    return h('p', { class: 'hint', text: `变更记录加载失败：${(answer && answer.error && answer.error.message) || ''}` });
  }
  const entries = answer.entries || [];
  if (!entries.length) return h('p', { text: '没有变更记录。' });
  return h('ol', { class: 'history' }, entries.slice().reverse().map((e) => h('li', null,
    h('p', { class: 'history-head' },
      h('strong', { text: label(HISTORY_ACTIONS, e.action) }),
      ` · ${formatTime(e.at)} · ${e.actor}`),
    e.reason ? h('p', { text: `原因：${e.reason}` }) : null,
    changesList(e))));
}

/** What an entry changed: each property whose value differs between before and after. */
function changesList(entry) {
  if (!entry.before || !entry.after) return null;
  const before = { ...(entry.before.properties || {}), geometry: entry.before.geometry };
  const after = { ...(entry.after.properties || {}), geometry: entry.after.geometry };
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (!changed.length) return null;
  return h('ul', { class: 'changes' }, changed.map((k) => h('li', null,
    h('span', { class: 'change-key', text: `${PROPERTY_LABELS[k] || k}：` }),
    h('span', { class: 'change-before', text: valueText(k, before[k]) }),
    ' → ',
    h('span', { class: 'change-after', text: valueText(k, after[k]) }))));
}

function valueText(key, value) {
  if (value === undefined || value === null) return '（无）';
  if (key === 'geometry' && value.coordinates) return `${value.coordinates[1]}, ${value.coordinates[0]}`;
  if (key === 'status') return value === 'retired' ? '已撤销' : value === 'active' ? '在用' : String(value);
  if (key === 'modes') return modesText(value);
  if (key === 'address' && typeof value === 'object') return [value.city, value.county, value.town, value.village].filter(Boolean).join(' ');
  if (key === 'staff' && Array.isArray(value)) return value.map((m) => `${m.name}（${m.role}）`).join('、');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// ---- retiring -----------------------------------------------------------------------------------------

function openRetireForm(app, station) {
  const panel = byId('retire-panel');
  const reason = h('textarea', { id: 'retire-reason', name: 'reason', rows: '3', maxlength: '500', 'aria-required': 'true' });
  const error = h('p', { id: 'retire-error', class: 'form-errors', role: 'alert' });
  const form = h('form', { id: 'retire-form', class: 'inline-form', novalidate: true, 'aria-labelledby': 'retire-title' },
    h('h3', { id: 'retire-title', text: `撤销 ${station.name}` }),
    h('p', { class: 'hint', text: '撤销后该站不再接收新投诉，记录保留。' }),
    h('div', { class: 'field' }, h('label', { for: 'retire-reason', text: '撤销原因' }), reason),
    error,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', id: 'retire-submit', class: 'danger', text: '确认撤销' }),
      h('button', { type: 'button', text: '取消', onclick: () => panel.replaceChildren() })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!reason.value.trim()) {
      error.textContent = '请填写撤销原因。';
      reason.focus();
      return;
    }
    try {
      await api('POST', `/v1/stations/${encodeURIComponent(station.id)}/retire`, { body: { reason: reason.value.trim() } });
      invalidateStations();
      app.rerender();
    } catch (e) {
      if (e.status === 401) return;
      const params = (e.invalidParams || []).map((p) => p.reason).join('；');
      error.textContent = params || problemText(e);
    }
  });
  panel.replaceChildren(form);
  reason.focus();
}


/** Forgets the signed-in user's view of the map (on sign-out). */
export function resetMapView() {
  closeForm();
  view.countiesDrawn = false;
  view.loadedKey = null;
  view.loadSeq += 1;
  const county = byId('filter-county');
  while (county.options.length > 1) county.remove(1);
  county.value = '';
  byId('filter-mode').value = '';
  byId('filter-status').value = 'active';
  if (view.map) view.map.setStations([], () => {});
  replace(byId('station-list'));
  byId('station-count').textContent = '';
}
