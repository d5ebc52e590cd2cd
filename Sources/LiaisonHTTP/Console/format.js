// Chinese labels of the API's values, and formatting of times, durations and shares.

export const STATUS_LABELS = {
  submitted: '待分派',
  assigned: '待受理',
  accepted: '已受理',
  refused: '已拒收（待改派）',
  mediating: '调解中',
  resolved: '调解成功',
  failed: '调解未成',
  closed: '已办结',
  withdrawn: '已撤回',
  with_enterprise: '企业处理中（直通车）',
  settlement_offered: '待消费者确认和解',
  declined: '不予受理',
};

/** The open states (the queue's "未办结" filter). */
export const OPEN_STATUSES = ['submitted', 'assigned', 'accepted', 'refused', 'mediating', 'with_enterprise', 'settlement_offered'];

export const ACTION_LABELS = {
  // Staff actions (POST /v1/complaints/{number}/events).
  accept: '受理',
  refuse: '拒收',
  reassign: '改派',
  schedule: '预约调解时间',
  start_mediation: '开始调解',
  resolve: '调解成功',
  fail: '调解未成',
  close: '办结',
  claim: '认领（边界投诉）',
  mark_urgent: '标记紧急',
  verify: '核实紧急投诉',
  hand_off: '移交法院诉调对接',
  uphold: '复核：维持结果',
  reopen: '复核：重新调解',
  return_visit: '记录回访',
  // Recorded by the service, the consumer or the enterprise (timeline only).
  submit: '提交投诉',
  assign: '分派联络站',
  overdue: '超时',
  refer: '转企业直通车',
  timeout: '企业处理超时',
  recall: '收回企业处理',
  lapse: '和解方案逾期视为接受',
  open_review: '启动复核',
  deadline_update: '时限调整',
  settle: '企业提出和解',
  decline: '企业不予和解',
  confirm_appointment: '消费者确认预约',
  withdraw: '消费者撤回',
  feedback: '消费者评价',
  accept_settlement: '消费者接受和解',
  reject_settlement: '消费者拒绝和解',
};

/** The actions staff send; anything else in allowed_actions is not ours to offer. */
export const STAFF_ACTIONS = ['accept', 'refuse', 'reassign', 'schedule', 'start_mediation', 'resolve', 'fail', 'close',
  'claim', 'mark_urgent', 'verify', 'hand_off', 'uphold', 'reopen', 'return_visit', 'decline'];

/** Why staff do not accept a complaint (不予受理, SAMR Order No. 20 art. 15): the API's reason codes. */
export const DECLINE_REASONS = {
  outside_remit: '不属于职责范围或无处理权限',
  handled_elsewhere: '同一争议已由法院、仲裁或调解组织受理或处理',
  not_consumer_dispute: '非生活消费或不能证明存在消费者权益争议',
  time_barred: '超过三年',
  incomplete: '未提供真实身份、联系方式或具体事实，无法核实',
  other_legal: '法律、法规、规章规定的其他情形（须在说明中写明）',
};

/** An action's name as staff see it: `decline` is the enterprise's 不予和解 while the complaint is
 * with it, staff's 不予受理 otherwise (an event says which by where it led). */
export function actionLabel(action, event) {
  if (action === 'decline' && (!event || event.to === 'declined')) return '不予受理';
  return label(ACTION_LABELS, action);
}

/**
 * Staff actions by status, from the lifecycle (Sources/LiaisonCore/ComplaintLifecycle.swift),
 * for a complaint without allowed_actions; the API's own list is used whenever it is there.
 */
const LIFECYCLE_STAFF_ACTIONS = {
  submitted: ['reassign', 'claim', 'mark_urgent', 'uphold', 'decline'],
  assigned: ['accept', 'refuse', 'reassign', 'claim', 'mark_urgent', 'verify', 'uphold', 'decline'],
  accepted: ['reassign', 'schedule', 'start_mediation', 'mark_urgent', 'verify', 'uphold'],
  refused: ['reassign', 'claim', 'mark_urgent', 'uphold', 'decline'],
  mediating: ['schedule', 'resolve', 'fail', 'mark_urgent', 'verify', 'uphold'],
  resolved: ['close', 'uphold', 'reopen'],
  failed: ['close', 'hand_off', 'uphold', 'reopen'],
  closed: ['hand_off', 'uphold', 'reopen', 'return_visit'],
  with_enterprise: ['reassign', 'mark_urgent'],
  settlement_offered: [],
  withdrawn: ['uphold'],
  declined: [],
};

/** The staff actions to offer now: the API's allowed_actions, else the lifecycle's. */
export function staffActionsOf(c) {
  if (Array.isArray(c.allowed_actions)) return c.allowed_actions.filter((a) => STAFF_ACTIONS.includes(a));
  const reviewOpen = Boolean(c.review && !c.review.finding);
  return (LIFECYCLE_STAFF_ACTIONS[c.status] || []).filter((a) => {
    if (a === 'claim') return (c.border_counties || []).length > 0;
    if (a === 'mark_urgent') return !c.urgent;
    if (a === 'verify') return Boolean(c.urgent && !c.urgent.met_at);
    if (a === 'uphold' || a === 'reopen') return reviewOpen;
    if (a === 'return_visit') return Boolean(c.return_visit && !c.return_visit.done_at);
    if (a === 'hand_off') return !c.court_handoff && (c.status === 'failed' || (c.events || []).some((e) => e.action === 'fail'));
    return true;
  });
}

export const CATEGORY_LABELS = {
  product_quality: '商品质量', service_quality: '服务质量', false_advertising: '虚假宣传', price: '价格收费',
  contract: '合同纠纷', prepaid_card: '预付卡消费', food_safety: '食品安全', after_sales: '售后服务',
  online_shopping: '网络购物', other: '其他',
};

export const MODE_LABELS = { offline: '线下调解', video: '视频调解' };

export const WEEKDAYS = [['mon', '周一'], ['tue', '周二'], ['wed', '周三'], ['thu', '周四'], ['fri', '周五'], ['sat', '周六'], ['sun', '周日']];

export const DEADLINE_LABELS = {
  dispatch: '分派', first_response: '首次响应', acceptance: '受理', mediation: '调解', urgent: '紧急处置', review: '复核',
};

export const NOTIFICATION_STATUS = { pending: '待发送', sent: '已发送', failed: '发送失败' };
export const RECIPIENT_LABELS = { consumer: '消费者', staff: '工作人员', enterprise: '企业' };

export function label(table, value) {
  return (value && table[value]) || value || '';
}

/** 'offline', 'video' or 'both' for a station's modes. */
export function modeKind(modes) {
  const list = Array.isArray(modes) ? modes : [];
  if (list.includes('offline') && list.includes('video')) return 'both';
  return list.includes('video') ? 'video' : 'offline';
}

export function modesText(modes) {
  return (Array.isArray(modes) ? modes : []).map((m) => label(MODE_LABELS, m)).join('、');
}

const timeParts = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** An instant as 2026-11-29 15:38 (Beijing time); '' for nothing. */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const p = Object.fromEntries(timeParts.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A duration in words: 45 分钟, 3 小时, 2 天 5 小时. */
export function durationText(ms) {
  const minutes = Math.max(0, Math.round(ms / 60000));
  if (minutes < 60) return `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} 小时`;
  const days = Math.floor(hours / 24), rest = hours % 24;
  return rest ? `${days} 天 ${rest} 小时` : `${days} 天`;
}

/** Time left to a deadline: {text: '剩余 3 小时' | '已超时 2 小时', overdue}. */
export function timeLeft(iso, now = Date.now()) {
  const due = new Date(iso).getTime();
  if (Number.isNaN(due)) return { text: '', overdue: false };
  const diff = due - now;
  return diff > 0 ? { text: `剩余 ${durationText(diff)}`, overdue: false } : { text: `已超时 ${durationText(-diff)}`, overdue: true };
}

/** A share 0..1 as 85.3%; — for null. */
export function percent(share) {
  return typeof share === 'number' ? `${(share * 100).toFixed(1)}%` : '—';
}

export function actorText(actor) {
  if (actor === 'consumer') return '消费者';
  if (actor === 'system') return '系统';
  if (typeof actor === 'string' && actor.startsWith('enterprise:')) return `企业（${actor.slice(11)}）`;
  if (typeof actor === 'string' && actor.startsWith('open311:')) return `消费者（经 ${actor.slice(8)}）`;
  return actor || '';
}

/** The deadlines whose clock still runs, from a complaint's stored deadlines and its events. */
export function runningDeadlines(complaint, now = Date.now()) {
  const c = complaint || {};
  const d = c.deadlines || {};
  const events = Array.isArray(c.events) ? c.events : [];
  const did = (...actions) => events.some((e) => actions.includes(e.action));
  const running = [];
  const add = (kind, due) => { if (due) running.push({ kind, due, ...timeLeft(due, now) }); };
  if (c.review && !c.review.finding) add('review', c.review.due_by);
  if (c.status === 'closed' || c.status === 'withdrawn' || c.status === 'declined') return running;
  if (c.urgent && !c.urgent.met_at) add('urgent', c.urgent.due_by);
  if (!did('assign', 'reassign', 'claim')) add('dispatch', d.dispatch_by);
  // Each station's own response clock: from its assignment, stopped by its first answer.
  const starts = events.map((e, i) => (['assign', 'reassign', 'claim', 'reopen'].includes(e.action) && e.to === 'assigned' ? i : -1)).filter((i) => i >= 0);
  const since = starts.length ? events.slice(starts[starts.length - 1] + 1) : events;
  if (!since.some((e) => ['accept', 'refuse', 'decline', 'schedule', 'start_mediation', 'resolve', 'fail'].includes(e.action))) add('first_response', d.respond_by);
  if (!did('accept')) add('acceptance', d.acceptance_by);
  else if (!did('resolve', 'fail')) add('mediation', d.mediation_by);
  return running.sort((a, b) => new Date(a.due) - new Date(b.due));
}
