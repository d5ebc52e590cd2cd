// The station form (form#station-form): register a station (POST /v1/stations) or change one
// (PATCH /v1/stations/{id}, a JSON merge patch of the changed fields only).
//
// The location comes from a click on the map or from typed coordinates in the system chosen
// in #f-crs; the county is looked up from the point (GET /v1/regions/lookup). Server
// validation errors appear next to their fields (.field-error[data-field]); a 409 for a
// station within 100 m shows that station on the map and offers "仍然登记" (allow_nearby).

import { api } from './api.js';
import { toWgs84, fromWgs84 } from './coords.js';
import { h, field, select, byId } from './dom.js';
import { clearBanner, clearFieldErrors, reportError, showFieldErrors } from './errors.js';
import { WEEKDAYS } from './format.js';

const CRS_OPTIONS = [['wgs84', 'WGS-84（GPS、天地图）'], ['gcj02', 'GCJ-02（高德、腾讯）'], ['bd09', 'BD-09（百度）']];
const ROLES = ['站长', '调解员', '联络员'];
const DEFAULT_HOURS = ['08:30-11:30', '13:30-17:00'];
const STATION_ID = /\b33\d{4}-\d{4}\b/g;

/**
 * Opens the form in `panel`. options: {mode: 'create' | 'edit', station (edit: the
 * StationDetail in WGS-84), etag, map (StationMap), onSaved(id), onCancel()}.
 * Returns {close()}.
 */
export function openStationForm(panel, options) {
  const form = new StationForm(panel, options);
  return { close: () => form.close() };
}

/** '转塘街道 测试村' or '西湖区转塘街道测试村' -> {town, village}; null when it cannot tell. */
export function splitAddress(text) {
  const t = String(text || '').trim();
  const parts = t.split(/[\s,，、/]+/).filter(Boolean);
  if (parts.length >= 2) return { town: parts[0], village: parts.slice(1).join(' ') };
  for (const suffix of ['街道', '镇', '乡']) {
    const at = t.indexOf(suffix);
    if (at > 0 && at + suffix.length < t.length) return { town: t.slice(0, at + suffix.length), village: t.slice(at + suffix.length) };
  }
  return null;
}

/** '08:30-11:30 13:30-17:00' -> ['08:30-11:30', '13:30-17:00'] (the server checks each). */
function parseIntervals(text) {
  return String(text || '').split(/[\s,，;；、]+/).filter(Boolean);
}

/** The finite number in a text field, or null. */
function numberIn(input) {
  const text = input.value.trim();
  if (text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function round7(value) {
  return Math.round(value * 1e7) / 1e7;
}

class StationForm {
  constructor(panel, options) {
    this.panel = panel;
    this.options = options;
    this.map = options.map;
    this.editing = options.mode === 'edit';
    this.station = options.station || null;
    this.lookupSeq = 0;
    this.build();
    this.initial = this.editing ? this.collect().body : null;
    // A new station is placed by clicking the map at once; a moved one after "在地图上选点".
    if (!this.editing) this.setPicking(true);
    if (this.editing) this.previewLocation(false);
  }

  // ---- building -------------------------------------------------------------------------

  build() {
    const s = this.station;
    const title = this.editing ? `编辑联络站 ${s.id}` : '新增联络站';
    this.form = h('form', { id: 'station-form', class: 'station-form', novalidate: true, 'aria-labelledby': 'station-form-title' },
      h('h3', { id: 'station-form-title', text: title }),
      h('p', { class: 'hint', text: this.editing ? '只提交修改过的项目。' : '在地图上点击选择位置，或选择坐标系后输入经纬度。' }),
      h('div', { id: 'station-form-error', class: 'form-errors' }),
      field('名称', h('input', { id: 'f-name', name: 'name', type: 'text', maxlength: '64', autocomplete: 'off', 'aria-required': 'true', value: s ? s.name : '' })),
      this.buildLocation(),
      field('所在区县', h('input', { id: 'f-county', name: 'county', type: 'text', readonly: true, value: s ? s.county_name : '', dataset: s ? { code: s.county_code } : {} }),
        s ? `${s.city_name}；由位置自动确定` : '由位置自动确定'),
      field('地址（街道/乡镇 村/社区）', h('input', { id: 'f-address', name: 'address', type: 'text', autocomplete: 'off', 'aria-required': 'true', value: s ? `${s.address.town} ${s.address.village}` : '' }),
        '街道或乡镇与村或社区之间用空格分开，例如：转塘街道 龙坞村'),
      field('联系电话', h('input', { id: 'f-phone', name: 'phone', type: 'tel', 'aria-required': 'true', value: s ? s.phone : '' })),
      this.buildModes(),
      field('承接能力（同时办理的投诉数）', h('input', { id: 'f-capacity', name: 'capacity', type: 'number', min: '1', max: '1000', step: '1', value: s ? s.capacity : 10 })),
      this.buildHours(),
      this.buildStaff(),
      this.buildConflict(),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'station-submit', class: 'primary', text: this.editing ? '保存修改' : '登记' }),
        h('button', { type: 'button', id: 'station-cancel', text: '取消', onclick: () => this.cancel() })));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit(false);
    });
    this.panel.replaceChildren(this.form);
    this.panel.hidden = false;
  }

  buildLocation() {
    const loc = this.station && this.station.location;
    const crs = select('f-crs', CRS_OPTIONS, 'wgs84');
    const lat = h('input', { id: 'f-lat', name: 'lat', type: 'text', inputmode: 'decimal', autocomplete: 'off', value: loc ? loc.lat : '' });
    const lng = h('input', { id: 'f-lng', name: 'lng', type: 'text', inputmode: 'decimal', autocomplete: 'off', value: loc ? loc.lng : '' });
    for (const input of [lat, lng]) input.addEventListener('input', () => this.previewSoon());
    crs.addEventListener('change', () => this.previewLocation(false));
    const fieldset = h('fieldset', { id: 'f-location', class: 'location' },
      h('legend', { text: '位置' }),
      field('坐标系', crs),
      h('div', { class: 'row' }, field('纬度', lat), field('经度', lng)));
    if (this.editing) {
      this.pickButton = h('button', { type: 'button', id: 'pick-location', 'aria-pressed': 'false', text: '在地图上选点', onclick: () => this.setPicking(!this.picking) });
      fieldset.append(this.pickButton);
    }
    return fieldset;
  }

  buildModes() {
    const modes = (this.station && this.station.modes) || [];
    const box = (id, value, text) => h('div', { class: 'check' },
      h('input', { type: 'checkbox', id, name: 'modes', value, checked: modes.includes(value) }),
      h('label', { for: id, text }));
    return h('fieldset', { id: 'f-modes', class: 'modes' },
      h('legend', { text: '调解方式（至少一项）' }),
      box('f-mode-offline', 'offline', '线下调解（到站）'),
      box('f-mode-video', 'video', '视频调解（线上多方）'));
  }

  buildHours() {
    const hours = (this.station && this.station.hours) || null;
    const fieldset = h('fieldset', { id: 'f-hours', class: 'hours' },
      h('legend', { text: '开放时间' }),
      h('p', { class: 'hint', id: 'f-hours-hint', text: '每天填写时段 HH:MM-HH:MM，多个时段用空格分开；不开放则留空。' }));
    for (const [day, dayLabel] of WEEKDAYS) {
      const value = hours ? (hours[day] || []).join(' ') : (['sat', 'sun'].includes(day) ? '' : DEFAULT_HOURS.join(' '));
      const input = h('input', { id: `f-hours-${day}`, name: `hours.${day}`, type: 'text', autocomplete: 'off', value, 'aria-describedby': 'f-hours-hint' });
      fieldset.append(field(dayLabel, input));
    }
    return fieldset;
  }

  buildStaff() {
    this.staffList = h('div', { class: 'staff-rows' });
    const members = this.station ? this.station.staff.map((m) => ({ id: m.id, name: m.name, role: m.role, mobile: '', masked: m.mobile_masked })) : [{ name: '', role: '站长', mobile: '' }];
    this.renderStaffRows(members);
    return h('fieldset', { id: 'f-staff', class: 'staff' },
      h('legend', { text: '工作人员（至少一人）' }),
      this.editing ? h('p', { class: 'hint', text: '手机号已脱敏显示；留空则保留原号码，新增的工作人员需填写完整手机号。' }) : null,
      this.staffList,
      h('button', { type: 'button', id: 'add-staff', text: '添加工作人员', onclick: () => this.addStaff() }));
  }

  /** The staff rows' current values (id: the member's, for rows read from the station;
   * masked: the mobile shown as placeholder). */
  staffValues() {
    return [...this.staffList.querySelectorAll('.staff-row')].map((row, i) => ({
      id: row.dataset.staffId || undefined,
      name: byIdIn(row, `f-staff-${i}-name`).value.trim(),
      role: byIdIn(row, `f-staff-${i}-role`).value,
      mobile: byIdIn(row, `f-staff-${i}-mobile`).value.trim(),
      masked: byIdIn(row, `f-staff-${i}-mobile`).placeholder,
    }));
  }

  renderStaffRows(members) {
    this.staffList.replaceChildren(...members.map((member, i) => this.staffRow(member, i, members.length)));
  }

  staffRow(member, i, count) {
    const roles = ROLES.includes(member.role) || !member.role ? ROLES : [...ROLES, member.role];
    const row = h('div', { class: 'staff-row', role: 'group', 'aria-label': `工作人员 ${i + 1}`, dataset: member.id ? { staffId: member.id } : undefined },
      field('姓名', h('input', { id: `f-staff-${i}-name`, type: 'text', autocomplete: 'off', value: member.name })),
      field('职务', select(`f-staff-${i}-role`, roles.map((r) => [r, r]), member.role || '站长')),
      field('手机号', h('input', { id: `f-staff-${i}-mobile`, type: 'tel', value: member.mobile, placeholder: member.masked || '' })));
    if (count > 1) {
      row.append(h('button', { type: 'button', class: 'link-button', text: `删除工作人员 ${i + 1}`, onclick: () => this.removeStaff(i) }));
    }
    return row;
  }

  addStaff() {
    const members = this.staffValues();
    members.push({ name: '', role: '调解员', mobile: '' });
    this.renderStaffRows(members);
    byId(`f-staff-${members.length - 1}-name`).focus();
  }

  removeStaff(index) {
    const members = this.staffValues().filter((_, i) => i !== index);
    this.renderStaffRows(members);
  }

  buildConflict() {
    this.conflict = h('div', { id: 'conflict', class: 'conflict', role: 'alert', hidden: true });
    return this.conflict;
  }

  // ---- location ---------------------------------------------------------------------------

  setPicking(on) {
    this.picking = on;
    this.map.onPick(on ? (point) => this.placeAt(point) : null);
    if (this.pickButton) {
      this.pickButton.setAttribute('aria-pressed', String(on));
      this.pickButton.textContent = on ? '停止选点' : '在地图上选点';
    }
  }

  /** A click on the map (WGS-84): fills lat/lng in the chosen system. */
  placeAt(wgs) {
    const crs = byId('f-crs').value;
    const p = fromWgs84(crs, wgs.lat, wgs.lng);
    byId('f-lat').value = String(round7(p.lat));
    byId('f-lng').value = String(round7(p.lng));
    this.previewLocation(false);
  }

  previewSoon() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.previewLocation(true), 400);
  }

  /** Shows the typed point on the map and fills the county from it. */
  previewLocation(move) {
    const lat = numberIn(byId('f-lat')), lng = numberIn(byId('f-lng'));
    const crs = byId('f-crs').value;
    if (lat === null || lng === null || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      this.map.showPlacement(null);
      return;
    }
    const wgs = toWgs84(crs, lat, lng);
    this.map.showPlacement(wgs);
    if (move || this.editing) this.map.focus(wgs, 13);
    this.lookupCounty(lat, lng, crs);
  }

  async lookupCounty(lat, lng, crs) {
    const seq = ++this.lookupSeq;
    const county = byId('f-county');
    const hint = byId('f-county-hint');
    let answer;
    try {
      answer = await api('GET', '/v1/regions/lookup', { query: { lat, lng, coordsys: crs } });
    } catch (error) {
      if (seq === this.lookupSeq) reportError(error);
      return;
    }
    if (seq !== this.lookupSeq || !county) return;
    if (answer.inside_zhejiang && answer.region) {
      county.value = answer.region.county_name;
      county.dataset.code = answer.region.county_code;
      const border = (answer.border_counties || []).map((b) => `${b.county_name}（${Math.round(b.distance_m)} 米）`).join('、');
      hint.textContent = `${answer.region.city_name}；${border ? `靠近区县边界，也可能属于：${border}` : '由位置自动确定'}`;
    } else {
      county.value = '';
      delete county.dataset.code;
      const n = answer.nearest;
      hint.textContent = n ? `该点不在浙江省内（最近：${n.city_name} ${n.county_name}，约 ${(n.distance_m / 1000).toFixed(1)} 公里）` : '该点不在浙江省内';
    }
  }

  // ---- collecting and sending ---------------------------------------------------------------

  /** The draft from the inputs: {body, errors} (errors: what the client cannot send at all). */
  collect() {
    const errors = [];
    const lat = numberIn(byId('f-lat')), lng = numberIn(byId('f-lng'));
    if (lat === null) errors.push({ name: 'location.lat', reason: '请在地图上点击选择位置，或输入纬度（数字）' });
    if (lng === null) errors.push({ name: 'location.lng', reason: '请在地图上点击选择位置，或输入经度（数字）' });
    const address = splitAddress(byId('f-address').value);
    if (!address) errors.push({ name: 'address', reason: '请填写街道/乡镇和村/社区，中间用空格分开，例如：转塘街道 龙坞村' });
    const capacityText = byId('f-capacity').value.trim();
    const capacity = Number(capacityText);
    if (capacityText === '' || !Number.isInteger(capacity)) errors.push({ name: 'capacity', reason: '请填写 1 到 1000 的整数' });
    const hours = {};
    for (const [day] of WEEKDAYS) hours[day] = parseIntervals(byId(`f-hours-${day}`).value);
    const modes = ['offline', 'video'].filter((m) => byId(`f-mode-${m}`).checked);
    // A member read from the station keeps its id; left empty, its mobile goes back in the
    // masked form reads show, which the server takes as "keep the stored number".
    const staff = this.staffValues().map(({ id, name, role, mobile, masked }) =>
      (id ? { id, name, role, mobile: mobile || masked } : { name, role, mobile }));
    const body = {
      name: byId('f-name').value.trim(),
      location: { lat, lng, coordsys: byId('f-crs').value },
      address: address || { town: '', village: '' },
      phone: byId('f-phone').value.trim(),
      hours,
      modes,
      capacity,
      staff,
    };
    return { body, errors };
  }

  /** The merge patch: only the fields that differ from the station as opened. */
  patchOf(body) {
    const patch = {};
    for (const key of Object.keys(body)) {
      if (JSON.stringify(body[key]) !== JSON.stringify(this.initial[key])) patch[key] = body[key];
    }
    return patch;
  }

  /** `allow`: the flag the last 409 asked for (allow_nearby or allow_duplicate), kept with
   * the ones granted before, so that a draft past one conflict can meet the other. */
  async submit(allow) {
    clearBanner();
    clearFieldErrors(this.form);
    this.hideConflict();
    const { body, errors } = this.collect();
    let payload = body;
    if (this.editing) {
      payload = this.patchOf(body);
      if (payload.staff) {
        payload.staff.forEach((m, i) => {
          if (!m.mobile) errors.push({ name: `staff[${i}].mobile`, reason: '新增的工作人员需填写完整手机号' });
        });
      }
    }
    if (errors.length) {
      this.showErrors(errors);
      return;
    }
    if (this.editing && Object.keys(payload).length === 0) {
      this.showErrors([{ name: 'form', reason: '没有修改任何项目。' }]);
      return;
    }
    if (allow) (this.allowed = this.allowed || new Set()).add(allow);
    for (const flag of this.allowed || []) payload[flag] = true;
    await this.send(payload);
  }

  async send(payload) {
    const button = byId('station-submit');
    button.disabled = true;
    try {
      const station = this.editing
        ? await api('PATCH', `/v1/stations/${encodeURIComponent(this.station.id)}`, {
          body: payload, contentType: 'application/merge-patch+json', headers: this.options.etag ? { 'If-Match': this.options.etag } : {},
        })
        : await api('POST', '/v1/stations', { body: payload });
      this.close();
      this.options.onSaved(station.id);
    } catch (error) {
      this.failed(error);
    } finally {
      if (button.isConnected) button.disabled = false;
    }
  }

  failed(error) {
    if (error.status === 409 && this.conflictId(error)) {
      this.showConflict(error);
    } else if (error.status === 400 && (error.invalidParams || []).length) {
      this.showErrors(error.invalidParams);
    } else if (error.status === 412) {
      reportError({ status: 412, problem: { detail: '该联络站在您打开后已被修改，请重新打开后再编辑。' } });
    } else {
      reportError(error);
    }
  }

  showErrors(params) {
    const shown = showFieldErrors(this.form, params, (name) => this.inputFor(name), byId('station-form-error'));
    if (shown) {
      const first = this.form.querySelector('[aria-invalid="true"]');
      if (first) first.focus();
    }
  }

  /** The input an invalid_params name belongs to (null: the form's own error area). */
  inputFor(name) {
    const aliases = {
      location: 'f-lat', 'location.lat': 'f-lat', 'location.lng': 'f-lng', 'location.coordsys': 'f-crs',
      county_code: 'f-county', address: 'f-address', 'address.town': 'f-address', 'address.village': 'f-address',
      modes: 'f-modes', hours: 'f-hours', staff: 'f-staff',
    };
    if (aliases[name]) return byId(aliases[name]);
    if (/^modes\[\d+\]$/.test(name)) return byId('f-modes');
    let m = name.match(/^hours\.(\w+)/);
    if (m) return byId(`f-hours-${m[1]}`) || byId('f-hours');
    m = name.match(/^staff\[(\d+)\](?:\.(\w+))?$/);
    if (m) return byId(`f-staff-${m[1]}-${m[2] || 'name'}`) || byId('f-staff');
    return byId(`f-${name}`);
  }

  // ---- the 100 m conflict -----------------------------------------------------------------------

  conflictId(error) {
    const ids = String(error.problem.detail || '').match(STATION_ID) || [];
    return ids.find((id) => !this.station || id !== this.station.id) || null;
  }

  async showConflict(error) {
    const id = this.conflictId(error);
    const distance = String(error.problem.detail || '').match(/([\d.]+) m away/);
    let other = null;
    try {
      other = await api('GET', `/v1/stations/${encodeURIComponent(id)}`, { query: { coordsys: 'wgs84' } });
    } catch (e) {
      if (e.status === 401) return;
    }
    const name = other ? other.name : id;
    const duplicate = String(error.problem.type || '').endsWith('duplicate-station');
    const sameMobile = /same staff mobile/.test(String(error.problem.detail || ''));
    const text = duplicate
      ? `疑似重复登记：在用联络站 ${name}（${id}）${sameMobile ? '登记了相同的工作人员手机号' : `名称相同${distance ? `，相距约 ${distance[1]} 米` : ''}`}。已在地图上用红色标记显示；如确为另一联络站，可仍然登记。`
      : `100 米内已有在用联络站：${name}（${id}）${distance ? `，相距约 ${distance[1]} 米` : ''}。已在地图上用红色标记显示。`;
    this.conflict.replaceChildren(
      h('p', { text }),
      h('p', null, h('a', { href: `#/stations/${id}`, text: `查看 ${name}` })),
      h('button', { type: 'button', id: 'register-anyway', class: 'primary', text: '仍然登记',
        onclick: () => this.submit(duplicate ? 'allow_duplicate' : 'allow_nearby') }));
    this.conflict.hidden = false;
    if (other) {
      this.map.showConflict(other);
      this.map.focus(other.location, 16);
    }
  }

  hideConflict() {
    this.conflict.hidden = true;
    this.conflict.replaceChildren();
    this.map.showConflict(null);
  }

  // ---- closing ------------------------------------------------------------------------------------

  cancel() {
    this.close();
    this.options.onCancel();
  }

  close() {
    clearTimeout(this.previewTimer);
    this.lookupSeq += 1;
    this.setPicking(false);
    this.map.showPlacement(null);
    this.map.showConflict(null);
    this.panel.replaceChildren();
    this.panel.hidden = true;
  }
}

function byIdIn(root, id) {
  return root.querySelector(`#${CSS.escape(id)}`);
}
