// Test-only admin API under /_admin/, guarded by a bearer token, and the
// per-route request counter it reports. It edits the provider's storage
// directly, the way an administrator editing the server by hand would.

import crypto from 'node:crypto';

const CLIENT_PATH = /^\/_admin\/clients\/([^/]+)$/;

/** RequestCounter counts requests by "METHOD /route" (ids folded to :id). */
export class RequestCounter {
  constructor() {
    this.counts = {};
  }

  /** add counts one request; /_admin itself is not counted. */
  add(method, pathname) {
    if (pathname === '/_admin' || pathname.startsWith('/_admin/')) return;
    const key = `${method} ${routeOf(pathname)}`;
    this.counts[key] = (this.counts[key] || 0) + 1;
  }

  reset() {
    this.counts = {};
  }
}

// routeOf folds the client id of the RFC 7592 management URL.
function routeOf(pathname) {
  return pathname.replace(/^\/reg\/[^/]+$/, '/reg/:id');
}

function tokenMatches(expected, header) {
  const got = /^Bearer (.+)$/i.exec(header || '')?.[1] || '';
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(got).digest();
  return crypto.timingSafeEqual(a, b);
}

function send(res, status, body) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJSON(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('body must be a JSON object');
  }
  return value;
}

// mergePatch applies an RFC 7396 style patch: null removes a field.
function mergePatch(target, patch) {
  const out = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * adminHandler returns (req, res, pathname) => Promise<void> serving /_admin/.
 * @param {{token: string, store: import('./store.mjs').Store, provider: any, counter: RequestCounter}} deps
 */
export function adminHandler({ token, store, provider, counter }) {
  return async function handle(req, res, pathname) {
    if (!token) {
      send(res, 404, { error: 'not_found', error_description: 'admin API is off (no --admin-token)' });
      return;
    }
    if (!tokenMatches(token, req.headers.authorization)) {
      send(res, 401, { error: 'invalid_token' });
      return;
    }

    const { method } = req;
    if (pathname === '/_admin/requests' && method === 'GET') {
      send(res, 200, counter.counts);
      return;
    }
    if (pathname === '/_admin/requests/reset' && method === 'POST') {
      counter.reset();
      send(res, 204);
      return;
    }
    if (pathname === '/_admin/clients' && method === 'GET') {
      send(res, 200, store.list('Client'));
      return;
    }

    const match = CLIENT_PATH.exec(pathname);
    if (!match) {
      send(res, 404, { error: 'not_found' });
      return;
    }
    const id = decodeURIComponent(match[1]);
    const key = `Client:${id}`;
    const entry = store.get(key);
    if (!entry) {
      send(res, 404, { error: 'not_found', error_description: 'no such client' });
      return;
    }

    switch (method) {
      case 'GET':
        send(res, 200, entry.payload);
        return;
      case 'DELETE':
        // The client and everything issued to it goes, as when removed by hand.
        store.deleteWhere((payload, k) => k === key || payload.clientId === id);
        send(res, 204);
        return;
      case 'PATCH': {
        let patched;
        try {
          patched = mergePatch(entry.payload, await readJSON(req));
          patched.client_id = id;
          await provider.Client.validate(patched);
        } catch (err) {
          send(res, 400, { error: 'invalid_client_metadata', error_description: err.error_description || err.message });
          return;
        }
        store.set(key, patched);
        send(res, 200, patched);
        return;
      }
      default:
        send(res, 405, { error: 'method_not_allowed' });
    }
  };
}
