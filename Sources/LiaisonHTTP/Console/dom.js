// Building the page from JavaScript without innerHTML: every string goes in as text, so
// nothing the server sends can become markup (XSS), and no style="" attribute is ever
// written (the Content-Security-Policy forbids inline styles).

/**
 * h('a', {href: '#/map', class: 'nav', text: '地图'}, child, ...) makes an element.
 * Props: class, text, dataset {..}, for, on<event> (a function), anything else as an
 * attribute (true: present and empty; false, null, undefined: left out).
 * Children: nodes, strings (as text), arrays of them; null and false are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props || {});
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'for') el.htmlFor = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
}

/** Appends children (nodes or text; arrays are flattened; null/false skipped). */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces all children of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function byId(id) {
  return document.getElementById(id);
}

/** A <dl> from [label, value] pairs; pairs whose value is empty are left out. */
export function definitionList(pairs, className = 'facts') {
  const dl = h('dl', { class: className });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    dl.append(h('dt', { text: label }), h('dd', null, value));
  }
  return dl;
}

/** A label + control pair in a div.field; returns the div. */
export function field(labelText, control, hint) {
  const wrapper = h('div', { class: 'field' }, h('label', { for: control.id, text: labelText }), control);
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: control.id + '-hint', text: hint });
    control.setAttribute('aria-describedby', hintEl.id);
    wrapper.append(hintEl);
  }
  return wrapper;
}

/** A <select> with [value, label] options and one selected value. */
export function select(id, options, selected = '') {
  const el = h('select', { id, name: id });
  for (const [value, label] of options) {
    el.append(h('option', { value, text: label, selected: value === selected }));
  }
  return el;
}

/** A scrolling wrapper for a wide table (the page itself never scrolls sideways). */
export function tableWrap(table, label) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}
