// The complaint queue (#/complaints) and the complaint page (#/complaints/{number}) with
// the staff actions the API allows now (the complaint's allowed_actions).

import { api } from './api.js';
import { toWgs84 } from './coords.js';
import { loadCounties } from './counties.js';
import { h, byId, replace, definitionList, field, select, tableWrap } from './dom.js';
import { clearBanner, clearFieldErrors, problemText, reportError, showFieldErrors } from './errors.js';
import {
  ACTION_LABELS, CATEGORY_LABELS, DEADLINE_LABELS, MODE_LABELS, NOTIFICATION_STATUS, OPEN_STATUSES, RECIPIENT_LABELS,
  STATUS_LABELS, WEEKDAYS, DECLINE_REASONS, actionLabel, actorText, formatTime, label, runningDeadlines, staffActionsOf, timeLeft,
} from './format.js';
import { StationMap, loadConfig } from './map.js';

const PAGE_SIZE = 20;
/** Columns left out on a phone (class "optional"): category, mode, consumer's phone. */
const OPTIONAL_COLUMNS = [2, 3, 5];

/** The queue's filters and page, kept while the console is open. */
const queue = { status: '', overdue: false, pages: [null] }; // pages: the `after` of each page seen

// ---- the queue ---------------------------------------------------------------------------------

/** #/complaints */
export async function showComplaints(app, ctx) {
  replace(ctx.view, queueSection(app, ctx));
  await loadQueue(app, ctx);
}

function queueSection(app, ctx) {
  const statusOptions = [['', '全部状态'], [OPEN_STATUSES.join(','), '全部未办结'],
    ...Object.entries(STATUS_LABELS).map(([value, text]) => [value, text])];
  const statusSelect = select('filter-complaint-status', statusOptions, queue.status);
  const overdue = h('input', { type: 'checkbox', id: 'filter-overdue', name: 'overdue', checked: queue.overdue });
  const reload = () => {
    queue.status = statusSelect.value;
    queue.overdue = overdue.checked;
    queue.pages = [null];
    loadQueue(app, ctx);
  };
  statusSelect.addEventListener('change', reload);
  overdue.addEventListener('change', reload);
  const title = app.session.county ? `投诉工单 · ${app.session.county.name}` : '投诉工单 · 全省';
  return h('section', { class: 'view', 'aria-labelledby': 'complaints-title' },
    h('h2', { id: 'complaints-title', text: title }),
    h('div', { class: 'filters' },
      field('状态', statusSelect),
      h('div', { class: 'check' }, overdue, h('label', { for: 'filter-overdue', text: '只看已超时' }))),
    h('p', { id: 'complaint-count', class: 'hint', 'aria-live': 'polite' }),
    tableWrap(h('table', { id: 'complaint-list', class: 'data queue' },
      h('caption', { class: 'visually-hidden', text: '投诉列表，最新在前' }),
      h('thead', null, h('tr', null, ...['编号', '状态', '类别', '方式', '联络站', '消费者电话', '提交时间', '时限']
        .map((t, i) => h('th', { scope: 'col', class: OPTIONAL_COLUMNS.includes(i) ? 'optional' : null, text: t })))),
      h('tbody')), '投诉列表'),
    h('div', { class: 'pager' },
      h('button', { type: 'button', id: 'prev-page', text: '上一页', onclick: () => turnPage(app, ctx, -1) }),
      h('span', { id: 'page-number', class: 'hint' }),
      h('button', { type: 'button', id: 'next-page', text: '下一页', onclick: () => turnPage(app, ctx, +1) })));
}

function turnPage(app, ctx, step) {
  if (step < 0 && queue.pages.length > 1) queue.pages.pop();
  if (step > 0 && queue.next) queue.pages.push(queue.next);
  loadQueue(app, ctx);
}

let queueSeq = 0;

async function loadQueue(app, ctx) {
  const seq = ++queueSeq;
  app.setReady(null);
  clearBanner();
  const after = queue.pages[queue.pages.length - 1];
  const query = { status: queue.status, overdue: queue.overdue ? 'true' : '', after, limit: PAGE_SIZE };
  let answer;
  try {
    answer = await api('GET', '/v1/complaints', { query });
  } catch (error) {
    if (!ctx.isCurrent() || seq !== queueSeq) return;
    reportError(error);
    answer = { complaints: [] };
  }
  if (!ctx.isCurrent() || seq !== queueSeq) return;
  queue.next = answer.next || null;
  const rows = (answer.complaints || []).map((c) => queueRow(c));
  replace(byId('complaint-list').tBodies[0], rows.length ? rows.map((r) => r.tr)
    : h('tr', null, h('td', { colspan: '8', text: '没有符合条件的投诉。' })));
  byId('complaint-count').textContent = `第 ${queue.pages.length} 页，本页 ${rows.length} 件`;
  byId('page-number').textContent = `第 ${queue.pages.length} 页`;
  byId('next-page').disabled = !queue.next;
  byId('prev-page').disabled = queue.pages.length <= 1;
  for (const row of rows) showDeadline(row, nextDeadline(row.summary));
  if (ctx.isCurrent() && seq === queueSeq) app.setReady('complaints');
}

function queueRow(c) {
  const deadlineCell = h('td', { class: 'deadline' });
  const tr = h('tr', { dataset: { number: c.number, status: c.status } },
    h('td', null, h('a', { href: `#/complaints/${c.number}`, text: c.number }), c.urgent ? h('span', { class: 'badge urgent', text: '紧急' }) : null),
    h('td', { text: label(STATUS_LABELS, c.status) }),
    h('td', { class: 'optional', text: label(CATEGORY_LABELS, c.category) }),
    h('td', { class: 'optional', text: label(MODE_LABELS, c.mode) }),
    h('td', { text: c.station_id || '—' }),
    h('td', { class: 'optional', text: c.consumer_phone }),
    h('td', { text: formatTime(c.submitted_at) }),
    deadlineCell);
  // The whole row opens the complaint (the number is the keyboard's link).
  tr.addEventListener('click', (event) => {
    if (event.target.closest('a')) return;
    window.location.hash = `#/complaints/${c.number}`;
  });
  if (queue.overdue) tr.classList.add('overdue'); // the server's own judgement
  return { tr, cell: deadlineCell, summary: c };
}

/** The earliest running deadline of a queue row, from its summary (`next_deadline`), as time left. */
function nextDeadline(summary) {
  const next = summary.next_deadline;
  return next ? { kind: next.kind, due: next.due_by, ...timeLeft(next.due_by) } : null;
}

function showDeadline(row, deadline) {
  if (!deadline) {
    row.cell.textContent = '—';
  } else {
    row.cell.replaceChildren(
      h('span', { class: 'deadline-kind', text: `${label(DEADLINE_LABELS, deadline.kind)}：` }),
      h('span', { text: deadline.text }));
    if (deadline.overdue) row.tr.classList.add('overdue');
  }
}

// ---- the complaint page ----------------------------------------------------------------------------

let miniMap = null; // the reassign form's map, removed with the form

/** Removes what the complaint page made outside the DOM (a Leaflet map). */
export function leaveComplaint() {
  if (miniMap) miniMap.remove();
  miniMap = null;
}

/** #/complaints/{number} */
export async function showComplaint(app, ctx, number, note) {
  leaveComplaint();
  const path = `/v1/complaints/${encodeURIComponent(number)}`;
  let complaint;
  try {
    complaint = await api('GET', path);
  } catch (error) {
    if (!ctx.isCurrent()) return;
    reportError(error);
    replace(ctx.view, h('section', { class: 'view' }, h('h2', { text: `投诉 ${number}` }), h('p', { text: '无法显示该投诉。' })));
    app.setReady('complaint');
    return;
  }
  const notes = await api('GET', `${path}/notifications`).catch((error) => ({ error }));
  if (!ctx.isCurrent()) return;
  replace(ctx.view, complaintPage(app, ctx, complaint, notes, note));
  app.setReady('complaint');
}

function complaintPage(app, ctx, c, notes, note) {
  const actions = staffActionsOf(c);
  return h('section', { id: 'complaint-detail', class: 'view', dataset: { number: c.number, status: c.status }, 'aria-labelledby': 'complaint-title' },
    h('p', { class: 'back' }, h('a', { href: '#/complaints', text: '← 返回工单列表' })),
    h('h2', { id: 'complaint-title', text: `投诉 ${c.number}` }),
    h('p', { class: 'status-line' }, '状态：', h('strong', { id: 'complaint-status', class: `status status-${c.status}`, text: label(STATUS_LABELS, c.status) }),
      c.urgent && !c.urgent.met_at ? h('span', { class: 'badge urgent', text: '紧急' }) : null),
    h('p', { id: 'action-result', class: 'success', role: 'status', text: note || '' }),
    h('h3', { text: '可执行的操作' }),
    h('div', { id: 'complaint-actions', class: 'page-actions' },
      actions.length ? actions.map((a) => h('button', { type: 'button', dataset: { action: a }, text: actionLabel(a),
        onclick: () => openActionForm(app, ctx, c, a) }))
        : h('p', { class: 'hint', text: '当前状态下没有可执行的操作。' })),
    h('div', { id: 'action-panel' }),
    h('h3', { text: '概况' }),
    overview(c),
    h('h3', { text: '时限' }),
    deadlinesBlock(c),
    extraBlocks(c),
    h('h3', { text: '处理记录' }),
    timeline(c.events || []),
    h('h3', { text: '短信通知' }),
    notificationsBlock(notes));
}

function overview(c) {
  const station = c.station
    ? h('span', null, h('a', { href: `#/stations/${c.station.id}`, text: `${c.station.name}（${c.station.id}）` }),
      ` · ${c.station.county_name} · ${c.station.phone} · ${c.station.address}`,
      typeof c.station.distance_m === 'number' ? ` · 距投诉地点 ${(c.station.distance_m / 1000).toFixed(2)} 公里` : '')
    : '尚未分派';
  const consumer = c.consumer || {};
  const merchant = c.merchant || {};
  return definitionList([
    ['类别', c.category_label || label(CATEGORY_LABELS, c.category)],
    ['诉求', c.description],
    ['涉及金额', typeof c.amount_yuan === 'number' ? `${c.amount_yuan} 元` : ''],
    ['调解方式', `${label(MODE_LABELS, c.mode)}${c.preferred_mode && c.preferred_mode !== c.mode ? `（消费者选择${label(MODE_LABELS, c.preferred_mode)}）` : ''}`],
    ['所属区县', c.county ? `${c.county.city_name} ${c.county.name}` : ''],
    ['边界', c.county_confidence === 'near_border' ? `靠近区县边界：${(c.border_counties || []).map((b) => b.county_name).join('、')}` : ''],
    ['投诉地点', c.location ? `${c.location.lat}, ${c.location.lng}（${c.location.coordsys}）` : ''],
    ['消费者', [consumer.name, consumer.address].filter(Boolean).join(' · ')],
    ['消费者电话', h('span', { id: 'consumer-phone', text: consumer.phone || '' })],
    ['商家', [merchant.name, merchant.address, merchant.code].filter(Boolean).join(' · ')],
    ['联络站', station],
    ['分派说明', c.assignment_reason],
    ['提交时间', formatTime(c.submitted_at)],
    ['最近更新', formatTime(c.updated_at)],
  ]);
}

function deadlinesBlock(c) {
  const d = c.deadlines || {};
  const provisional = d.provisional || [];
  const running = new Set(runningDeadlines(c).map((r) => r.kind));
  const items = [['dispatch', d.dispatch_by], ['first_response', d.respond_by], ['acceptance', d.acceptance_by], ['mediation', d.mediation_by]]
    .filter(([, at]) => at)
    .map(([kind, at]) => {
      const left = timeLeft(at);
      const state = running.has(kind) ? left.text : '已完成或已停止计时';
      return h('li', { class: running.has(kind) && left.overdue ? 'overdue' : null },
        `${label(DEADLINE_LABELS, kind)}时限：${formatTime(at)}（${state}）${provisional.includes(kind) ? '，暂定' : ''}`);
    });
  return items.length ? h('ul', { class: 'deadlines' }, items) : h('p', { text: '暂无时限。' });
}

/** Appointment, video, urgent, review, return visit, court, direct train, feedback, links. */
function extraBlocks(c) {
  const pairs = [];
  if (c.appointment) {
    pairs.push(['线下调解预约', `${formatTime(c.appointment.starts_at)} 至 ${formatTime(c.appointment.ends_at)}，${c.appointment.status === 'confirmed' ? '消费者已确认' : '待消费者确认'}${c.appointment.place ? `，${c.appointment.place}` : ''}`]);
  }
  if (c.video) {
    const link = c.video.links && c.video.links.mediator;
    pairs.push(['视频调解', h('span', null, `${formatTime(c.video.scheduled_at)}，房间 ${c.video.room}，${c.video.status === 'confirmed' ? '已确认' : '待确认'}`,
      link && /^https:\/\//.test(link) ? h('span', null, '，', h('a', { href: link, rel: 'noopener noreferrer', target: '_blank', text: '调解员入口' })) : null)]);
  }
  if (c.urgent) pairs.push(['紧急', `${c.urgent.reason}；须于 ${formatTime(c.urgent.due_by)} 前处置${c.urgent.met_at ? `，已于 ${formatTime(c.urgent.met_at)} 处置` : ''}`]);
  if (c.review) pairs.push(['复核', `${c.review.trigger === 'dissatisfied' ? '消费者不满意' : '消费者拒绝和解'}，${formatTime(c.review.opened_at)} 启动${c.review.due_by ? `，期限 ${formatTime(c.review.due_by)}` : ''}${c.review.finding ? `，结论：${c.review.finding === 'upheld' ? '维持' : '重新调解'}` : ''}`]);
  if (c.return_visit) pairs.push(['回访', c.return_visit.done_at ? `${formatTime(c.return_visit.done_at)} 完成，${c.return_visit.reached ? (c.return_visit.satisfied ? '联系上，满意' : '联系上') : '未联系上'}` : `待回访（${formatTime(c.return_visit.queued_at)} 起）`]);
  if (c.court_handoff) pairs.push(['诉调对接', `${c.court_handoff.court ? c.court_handoff.court.name || c.court_handoff.court_id : c.court_handoff.court_id}，${formatTime(c.court_handoff.at)}`]);
  if (c.direct_train) {
    const t = c.direct_train;
    pairs.push(['企业直通车', `${t.enterprise.name}（${t.enterprise.credit_code}），自行和解期限 ${formatTime(t.settle_by)}${t.settlement ? `；和解方案：${t.settlement}` : ''}${t.outcome ? `；结果：${t.outcome}` : ''}`]);
  }
  if (c.feedback) pairs.push(['消费者评价', `${'★'.repeat(c.feedback.satisfaction)}（${c.feedback.satisfaction}/5）${c.feedback.comment ? `：${c.feedback.comment}` : ''}`]);
  if (c.decline) pairs.push(['不予受理', `${c.decline.reason_label}（${formatTime(c.decline.at)}）`]);
  if (c.next_steps) pairs.push(['后续途径', c.next_steps]);
  if (c.links) {
    if (c.links.repeat_of) pairs.push(['重复投诉', h('a', { href: `#/complaints/${c.links.repeat_of}`, text: `30 天内同一消费者：${c.links.repeat_of}` })]);
    const same = c.links.same_consumer || [];
    if (same.length) pairs.push(['同一消费者其他投诉', same.map((r, i) => [i ? '、' : '', h('a', { href: `#/complaints/${r.number}`, text: r.number })])]);
    if (c.links.merchant_case) pairs.push(['同一商家', `${c.links.merchant_case.complaints} 件投诉，${c.links.merchant_case.consumers} 位消费者`]);
  }
  if (!pairs.length) return null;
  return [h('h3', { text: '其他信息' }), definitionList(pairs)];
}

function timeline(events) {
  if (!events.length) return h('ol', { id: 'timeline', class: 'timeline' });
  return h('ol', { id: 'timeline', class: 'timeline' }, events.map((e) => h('li', { dataset: { action: e.action } },
    h('span', { class: 'when', text: formatTime(e.at) }),
    h('span', { class: 'what', text: actionLabel(e.action, e) }),
    h('span', { class: 'who', text: actorText(e.actor) }),
    e.to && e.from !== e.to ? h('span', { class: 'transition', text: `${e.from ? `${label(STATUS_LABELS, e.from)} → ` : ''}${label(STATUS_LABELS, e.to)}` }) : null,
    e.station_id ? h('span', { class: 'station', text: `联络站 ${e.station_id}` }) : null,
    e.note ? h('span', { class: 'note', text: `说明：${e.note}` }) : null)));
}

function notificationsBlock(answer) {
  if (!answer || answer.error) {
    return h('div', { id: 'notifications' }, h('p', { class: 'hint', text: `短信记录加载失败：${answer && answer.error ? problemText(answer.error) : ''}` }));
  }
  const list = answer.notifications || [];
  if (!list.length) return h('div', { id: 'notifications' }, h('p', { text: '没有短信。' }));
  return h('ul', { id: 'notifications', class: 'notifications' }, list.map((n) => h('li', { class: `sms sms-${n.status}`, dataset: { status: n.status } },
    h('p', { class: 'sms-head' },
      h('strong', { text: label(NOTIFICATION_STATUS, n.status) }),
      ` · ${label(RECIPIENT_LABELS, n.recipient)} ${n.phone}`,
      n.sent_at ? ` · ${formatTime(n.sent_at)}` : '',
      n.attempts ? ` · 尝试 ${n.attempts} 次` : ''),
    h('p', { class: 'sms-text', text: n.text }),
    n.last_error ? h('p', { class: 'sms-error', text: `错误：${n.last_error}` }) : null)));
}

// ---- actions ----------------------------------------------------------------------------------------

/** Actions whose note (why) the API requires. */
const NOTE_REQUIRED = ['refuse', 'reassign', 'fail', 'mark_urgent', 'verify', 'uphold', 'reopen'];

function openActionForm(app, ctx, c, action) {
  leaveComplaint();
  const panel = byId('action-panel');
  const noteRequired = NOTE_REQUIRED.includes(action);
  const note = h('textarea', { id: 'action-note', name: 'note', rows: '3', maxlength: '500', 'aria-required': String(noteRequired) });
  const fields = [...extraFields(app, c, action), field(noteRequired ? '说明（必填）' : '说明（可选）', note)];
  const form = h('form', { id: 'action-form', class: 'inline-form', novalidate: true, dataset: { action }, 'aria-labelledby': 'action-title' },
    h('h3', { id: 'action-title', text: actionLabel(action) }),
    ...fields,
    h('p', { id: 'action-error', class: 'form-errors', role: 'alert' }),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', id: 'action-submit', class: 'primary', text: `确认${actionLabel(action)}` }),
      h('button', { type: 'button', id: 'action-cancel', text: '取消', onclick: () => { leaveComplaint(); panel.replaceChildren(); } })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sendAction(app, ctx, c, action, form);
  });
  panel.replaceChildren(form);
  const first = form.querySelector('input, select, textarea');
  if (first) first.focus();
}

/** The inputs an action needs besides the note. */
function extraFields(app, c, action) {
  if (action === 'schedule') {
    // Plain text rather than datetime-local: typed the same way in every browser and locale.
    const when = h('input', { id: 'action-when', name: 'starts_at', type: 'text', autocomplete: 'off', placeholder: 'YYYY-MM-DD HH:MM', 'aria-required': 'true' });
    return [field('调解时间（北京时间，YYYY-MM-DD HH:MM）', when, `须在联络站开放时间内、60 天以内。${hoursText(c.station && c.station.hours)}`)];
  }
  if (action === 'reassign' || action === 'reopen') return stationPicker(c, action);
  if (action === 'hand_off') {
    return [field('法院诉调对接点编号（可选）', h('input', { id: 'action-court', name: 'court_id', type: 'text', autocomplete: 'off', placeholder: '330106-C01' }),
      '留空则移交投诉所在区县的法院。')];
  }
  if (action === 'decline') {
    const reason = select('action-reason', [['', '请选择不予受理的理由'], ...Object.entries(DECLINE_REASONS)], '');
    reason.setAttribute('aria-required', 'true');
    return [field('不予受理理由（必选）', reason, '依据《市场监督管理投诉举报处理暂行办法》第十五条；将以短信告知消费者理由及12315、仲裁、诉讼等途径。')];
  }
  if (action === 'return_visit') {
    const reached = select('action-reached', [['true', '已联系上消费者'], ['false', '未联系上']], 'true');
    const satisfied = select('action-satisfied', [['', '未表态'], ['true', '满意'], ['false', '不满意']], '');
    reached.addEventListener('change', () => { satisfied.disabled = reached.value !== 'true'; });
    return [field('回访结果', reached), field('消费者是否满意', satisfied)];
  }
  return [];
}

function hoursText(hours) {
  if (!hours) return '';
  const days = WEEKDAYS.filter(([day]) => hours[day] && hours[day].length).map(([day, name]) => `${name} ${hours[day].join('、')}`);
  return days.length ? `开放时间：${days.join('；')}。` : '该站没有登记开放时间。';
}

/** #action-station (typed id), a list of nearby stations, and a map to pick one on. */
function stationPicker(c, action) {
  const input = h('input', { id: 'action-station', name: 'station_id', type: 'text', autocomplete: 'off', placeholder: '330106-0003' });
  const pick = h('select', { id: 'action-station-pick' }, h('option', { value: '', text: '正在加载附近联络站…' }));
  pick.addEventListener('change', () => { if (pick.value) input.value = pick.value; });
  const mapBox = h('div', { id: 'reassign-map', class: 'mini-map', role: 'region', 'aria-label': '附近联络站地图，点击标记选择联络站', hidden: true });
  const toggle = h('button', { type: 'button', id: 'pick-station-on-map', text: '在地图上选择' });
  const nearby = loadNearby(c);
  toggle.addEventListener('click', () => showPickMap(mapBox, c, nearby, input));
  nearby.then((stations) => {
    const options = stations.map((s) => h('option', { value: s.id, text: `${s.name}（${s.id}，${(s.distance_m / 1000).toFixed(1)} 公里）` }));
    pick.replaceChildren(h('option', { value: '', text: stations.length ? '选择附近联络站…' : '附近没有可选联络站' }), ...options);
  });
  const hint = action === 'reopen' ? '留空则先尝试原联络站，再按规则选择。' : '留空则由系统按规则选择最近的有空余能力的联络站。';
  return [field('目标联络站编号', input, hint), field('附近联络站', pick), toggle, mapBox];
}

/** Up to 30 active stations near the complaint, offering its mode (WGS-84); [] on failure. */
async function loadNearby(c) {
  if (!c.location) return [];
  const p = toWgs84(c.location.coordsys || 'wgs84', c.location.lat, c.location.lng);
  try {
    const answer = await api('GET', '/v1/stations/nearest', { query: { lat: p.lat, lng: p.lng, coordsys: 'wgs84', limit: 30, mode: c.mode } });
    return (answer.stations || []).filter((s) => !c.station || s.id !== c.station.id);
  } catch (error) {
    reportError(error);
    return [];
  }
}

async function showPickMap(box, c, nearby, input) {
  if (miniMap) return;
  box.hidden = false;
  try {
    const [config, stations, counties] = await Promise.all([loadConfig(), nearby, loadCounties()]);
    if (!box.isConnected || miniMap) return;
    miniMap = new StationMap(box, config);
    miniMap.drawCounties(counties, c.county && c.county.code);
    miniMap.setStations(stations, (id) => {
      input.value = id;
      byId('action-station-pick').value = id;
      input.focus();
    });
    const center = c.location ? toWgs84(c.location.coordsys || 'wgs84', c.location.lat, c.location.lng) : null;
    if (center) {
      miniMap.showPlacement(center);
      miniMap.focus(center, 12);
    }
  } catch (error) {
    reportError(error);
  }
}

/**
 * '2026-12-08 10:00' (Beijing time) -> '2026-12-08T10:00:00+08:00'; an RFC 3339 time with
 * its offset is sent as typed, and anything else too (the server names what is wrong).
 */
function startsAt(text) {
  const m = text.match(/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$/);
  return m ? `${m[1]}T${m[2]}${m[3] || ':00'}+08:00` : text;
}

/** The request body from the action form. */
function actionBody(action, form) {
  const body = { action };
  const value = (id) => { const el = form.querySelector(`#${id}`); return el ? el.value.trim() : ''; };
  if (value('action-note')) body.note = value('action-note');
  if (value('action-station')) body.station_id = value('action-station');
  if (value('action-when')) body.starts_at = startsAt(value('action-when'));
  if (value('action-court')) body.court_id = value('action-court');
  if (value('action-reason')) body.reason = value('action-reason');
  if (action === 'return_visit') {
    body.reached = value('action-reached') === 'true';
    if (body.reached && value('action-satisfied')) body.satisfied = value('action-satisfied') === 'true';
  }
  return body;
}

const ACTION_INPUTS = { note: 'action-note', station_id: 'action-station', starts_at: 'action-when', court_id: 'action-court', reason: 'action-reason', reached: 'action-reached', satisfied: 'action-satisfied' };

async function sendAction(app, ctx, c, action, form) {
  clearBanner();
  clearFieldErrors(form);
  const errorBox = byId('action-error');
  errorBox.textContent = '';
  const submit = byId('action-submit');
  submit.disabled = true;
  app.setReady(null);
  try {
    await api('POST', `/v1/complaints/${encodeURIComponent(c.number)}/events`, { body: actionBody(action, form) });
  } catch (error) {
    submit.disabled = false;
    if (error.status !== 401) {
      const params = error.invalidParams || [];
      const reasons = params.map((p) => `${p.name}：${p.reason}`).join('；');
      errorBox.textContent = reasons ? `${problemText(error)}（${reasons}）` : problemText(error);
      showFieldErrors(form, params, (name) => (ACTION_INPUTS[name] ? form.querySelector(`#${ACTION_INPUTS[name]}`) : null), errorBox.parentElement);
    }
    app.setReady('complaint');
    return;
  }
  await showComplaint(app, ctx, c.number, `已完成：${actionLabel(action)}`);
}

/** Forgets the queue's filters (on sign-out). */
export function resetComplaints() {
  queue.status = '';
  queue.overdue = false;
  queue.pages = [null];
  queue.next = null;
  queueSeq += 1;
}
