// Showing problems: the global banner #problem (role="alert") for a problem's detail, and
// .field-error elements next to the inputs that invalid_params names.

import { h, byId } from './dom.js';

/** Shows text in the banner (hidden when empty). */
export function showBanner(text) {
  const banner = byId('problem');
  banner.textContent = text || '';
  banner.hidden = !text;
}

export function clearBanner() {
  showBanner('');
}

/** The words for an error: the problem's detail, its title, or the message. */
export function problemText(error) {
  const p = (error && error.problem) || {};
  return p.detail || p.title || (error && error.message) || '操作失败';
}

/**
 * Shows an error from api() in the banner, with each invalid parameter's reason.
 * A 401 is not shown: the sign-in screen has already replaced the page.
 */
export function reportError(error) {
  if (error && error.status === 401) return;
  if (!error || error.status === undefined) console.warn(error); // a bug, not a problem answer
  const params = (error && error.invalidParams) || [];
  const extra = params.map((p) => `${p.name}：${p.reason}`).join('；');
  showBanner(extra ? `${problemText(error)}（${extra}）` : problemText(error));
}

/** Removes every .field-error of a form (and the inputs' aria-invalid and references to them). */
export function clearFieldErrors(form) {
  const ids = [...form.querySelectorAll('.field-error')].map((el) => el.id);
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('[aria-describedby]')) {
    const kept = el.getAttribute('aria-describedby').split(' ').filter((id) => id && !ids.includes(id));
    if (kept.length) el.setAttribute('aria-describedby', kept.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * Puts one .field-error[data-field=name] per invalid parameter next to the input that
 * findInput(name) returns (or in `fallback` when there is none). Returns how many were shown.
 */
export function showFieldErrors(form, params, findInput, fallback) {
  let shown = 0;
  for (const param of params) {
    const input = findInput(param.name);
    const error = h('p', { class: 'field-error', dataset: { field: param.name }, id: `err-${form.id}-${shown}`, text: param.reason });
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      addDescribedBy(input, error.id);
      const container = input.closest('.field, fieldset') || input.parentElement;
      container.append(error);
    } else {
      fallback.append(error);
    }
    shown += 1;
  }
  return shown;
}

function addDescribedBy(input, id) {
  const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (!ids.includes(id)) ids.push(id);
  input.setAttribute('aria-describedby', ids.join(' '));
}
