// fetch() wrapper for the console: the session cookie authenticates every call (never an
// Authorization header), state-changing calls carry X-CSRF-Token, errors come back as
// RFC 9457 problems (ApiError), and any 401 sends the user back to the sign-in screen.

let csrfToken = null;
let unauthorizedHandler = () => {};

/** The CSRF token of the current session (kept in memory only, never stored). */
export function setCsrf(token) {
  csrfToken = token || null;
}

/** What to do when a call answers 401 (the session ended or was never there). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** A non-2xx answer: status and the problem document (title, detail, invalid_params...). */
export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.problem = p;
  }

  get invalidParams() {
    return Array.isArray(this.problem.invalid_params) ? this.problem.invalid_params : [];
  }
}

/** ?a=1&b=2 of the non-empty values of an object ('' for none). */
export function queryString(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The path and query of a link of this service (OGC links may be absolute). */
export function localPath(href) {
  const url = new URL(href, window.location.href);
  return url.pathname + url.search;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try { return await response.json(); } catch { return null; }
  }
  return response.text();
}

/**
 * Calls the API. Options: query (object), body (sent as JSON), contentType, headers,
 * quiet401 (a 401 is only thrown, not treated as a lost session), withHeaders (resolve to
 * {data, headers} rather than data). Rejects with ApiError on a non-2xx answer.
 */
export async function api(method, path, options = {}) {
  const headers = { Accept: 'application/json, application/geo+json, application/problem+json', ...options.headers };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-cache' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType || 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(path + queryString(options.query), init);
  } catch (error) {
    throw new ApiError(0, { title: '网络错误', detail: `无法连接服务器，请检查网络后重试（${error.message}）` });
  }
  const data = await readBody(response);
  if (!response.ok) {
    const problem = data && typeof data === 'object' ? data : { title: `HTTP ${response.status}`, detail: `服务器返回 ${response.status}` };
    if (response.status === 401 && !options.quiet401) unauthorizedHandler();
    throw new ApiError(response.status, problem);
  }
  return options.withHeaders ? { data, headers: response.headers } : data;
}
