// The console's entry point: sign-in and sign-out (a session cookie the page never sees; the
// CSRF token lives only in memory), the header, and the hash router.
//
// Routes: #/map (default), #/stations/{id}, #/stations/{id}/edit, #/complaints,
// #/complaints/{number}, #/kpis. Each view sets document.body.dataset.ready to its name once
// its data is shown, and clears it while loading (the browser test waits on it).

import { api, onUnauthorized, setCsrf } from './api.js';
import './coords.js'; // window.liaisonCoords for the browser test
import { byId, h, replace } from './dom.js';
import { clearBanner, problemText, showBanner } from './errors.js';
import { leaveComplaint, resetComplaints, showComplaint, showComplaints } from './complaints.js';
import { resetKpis, showKpis } from './kpis.js';
import { resetMapView, setUpMapView, showMap, showStation, showStationEdit } from './stations.js';

/** What the views share: who is signed in, and the ready flag. */
const app = {
  session: null,
  setReady(name) {
    if (name) document.body.dataset.ready = name;
    else delete document.body.dataset.ready;
  },
  /** Shows the current route again (after a change made on it). */
  rerender() {
    route();
  },
};

let routeToken = 0;

// ---- routing -------------------------------------------------------------------------------------

function parseRoute(hash) {
  const path = (hash || '').replace(/^#/, '') || '/map';
  const match = (re) => path.match(re);
  let m;
  if (path === '/' || path === '/map') return { name: 'map', nav: 'map' };
  if ((m = match(/^\/stations\/([^/]+)\/edit$/))) return { name: 'station-edit', nav: 'map', id: decodeURIComponent(m[1]) };
  if ((m = match(/^\/stations\/([^/]+)$/))) return { name: 'station', nav: 'map', id: decodeURIComponent(m[1]) };
  if (path === '/complaints') return { name: 'complaints', nav: 'complaints' };
  if ((m = match(/^\/complaints\/([^/]+)$/))) return { name: 'complaint', nav: 'complaints', number: decodeURIComponent(m[1]) };
  if (path === '/kpis') return { name: 'kpis', nav: 'kpis' };
  return { name: 'notfound', nav: null };
}

function markNav(current) {
  for (const name of ['map', 'complaints', 'kpis']) {
    const link = byId(`nav-${name}`);
    if (name === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function route() {
  if (!app.session) return;
  const token = ++routeToken;
  const view = byId('view');
  const ctx = { view, isCurrent: () => token === routeToken && app.session !== null };
  const r = parseRoute(window.location.hash);
  app.setReady(null);
  clearBanner();
  leaveComplaint();
  markNav(r.nav);
  const onMap = r.name === 'map' || r.name === 'station-edit';
  byId('map-view').hidden = !onMap;
  view.hidden = onMap;
  view.replaceChildren();
  if (r.name === 'map') await showMap(app, ctx);
  else if (r.name === 'station-edit') await showStationEdit(app, ctx, r.id);
  else if (r.name === 'station') await showStation(app, ctx, r.id);
  else if (r.name === 'complaints') await showComplaints(app, ctx);
  else if (r.name === 'complaint') await showComplaint(app, ctx, r.number);
  else if (r.name === 'kpis') await showKpis(app, ctx);
  else {
    replace(view, h('section', { class: 'view' }, h('h2', { text: '页面不存在' }), h('p', null, h('a', { href: '#/map', text: '返回地图' }))));
    app.setReady('notfound');
  }
}

// ---- session ----------------------------------------------------------------------------------------

function roleText(session) {
  if (session.role === 'admin') return '管理员（全省）';
  return session.county ? session.county.name : session.role;
}

function signedIn(session) {
  app.session = session;
  setCsrf(session.csrf);
  byId('whoami').textContent = `${session.name} · ${roleText(session)}`;
  byId('main-nav').hidden = false;
  byId('user-bar').hidden = false;
  byId('signin-view').hidden = true;
  clearBanner();
  route();
}

function signedOut() {
  routeToken += 1; // whatever was loading is no longer wanted
  app.session = null;
  setCsrf(null);
  leaveComplaint();
  resetMapView();
  resetComplaints();
  resetKpis();
  byId('main-nav').hidden = true;
  byId('user-bar').hidden = true;
  byId('whoami').textContent = '';
  byId('map-view').hidden = true;
  byId('view').hidden = true;
  byId('view').replaceChildren();
  byId('signin-view').hidden = false;
  byId('token').value = '';
  byId('token').focus();
  app.setReady('signin');
}

async function signIn(event) {
  event.preventDefault();
  const input = byId('token');
  const error = byId('signin-error');
  const button = byId('signin-submit');
  const token = input.value.trim();
  error.textContent = '';
  if (!token) {
    error.textContent = '请粘贴工作令牌。';
    input.focus();
    return;
  }
  button.disabled = true;
  app.setReady(null);
  try {
    const session = await api('POST', '/console/session', { body: { token }, quiet401: true });
    input.value = '';
    signedIn(session);
  } catch (e) {
    error.textContent = e.status === 401 ? '令牌无效、已吊销或不是工作人员令牌，请向管理员确认。' : problemText(e);
    input.select();
    app.setReady('signin');
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  try {
    await api('DELETE', '/console/session', { quiet401: true });
  } catch (e) {
    if (e.status !== 401) {
      showBanner(problemText(e));
      return;
    }
  }
  signedOut();
}

async function start() {
  onUnauthorized(() => { if (app.session) signedOut(); });
  byId('signin').addEventListener('submit', signIn);
  byId('signout').addEventListener('click', signOut);
  setUpMapView(app);
  window.addEventListener('hashchange', () => route());
  let session = null;
  try {
    session = await api('GET', '/console/session', { quiet401: true });
  } catch (e) {
    if (e.status !== 401) showBanner(problemText(e));
  }
  // 200 with the session, or (not signed in) 401, 204 or a body without a name.
  if (session && session.name && session.csrf) signedIn(session);
  else signedOut();
}

start();
