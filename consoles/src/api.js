// A small client of the loyalty API: JSON in and out, the bearer token, errors as ApiError with the API's code.
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || (body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || null;
    this.details = error.details || [];
  }
}

export function apiClient(baseUrl, token) {
  async function call(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const answer = await fetch(baseUrl.replace(/\/$/, '') + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    const doc = text ? JSON.parse(text) : null;
    if (!answer.ok) throw new ApiError(answer.status, doc);
    return doc;
  }
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body === undefined ? {} : body),
    put: (path, body) => call('PUT', path, body),
  };
}

export function newId(prefix) {
  return `${prefix}-${crypto.randomUUID()}`;
}

export const enc = encodeURIComponent;

export function formatPoints(n) {
  return Number(n).toLocaleString('en-US');
}

export function formatMoney(amountMinor, currency) {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amountMinor / 100);
}
