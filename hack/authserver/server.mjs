// Dev and test authorization server: npm oidc-provider with dynamic client
// registration (RFC 7591), registration management (RFC 7592), the
// client_credentials grant, token introspection (RFC 7662) and revocation
// (RFC 7009), over plain http (on 127.0.0.1 unless --host says otherwise).
//
// Flags (each also read from the environment variable in brackets; a flag
// wins over the variable):
//   --port N                      [AUTHSERVER_PORT]  0 picks a free port (default 0)
//   --host ADDRESS                [AUTHSERVER_HOST] address to listen on (default 127.0.0.1);
//                                 e.g. the node address pods reach, or 0.0.0.0 for all
//   --issuer URL                  [AUTHSERVER_ISSUER] default http://HOST:PORT; when set
//                                 (a proxy in front), X-Forwarded-Proto/Host are trusted
//   --initial-access-token T      [AUTHSERVER_INITIAL_ACCESS_TOKEN] empty: open registration
//   --scopes "a b c"              [AUTHSERVER_SCOPES] default "read write admin"
//   --access-token-ttl SECONDS    [AUTHSERVER_ACCESS_TOKEN_TTL] default 600
//   --rotate-registration-access-token true|false [AUTHSERVER_ROTATE_REGISTRATION_ACCESS_TOKEN] default true
//   --admin-token T               [AUTHSERVER_ADMIN_TOKEN] enables /_admin/ (see admin.mjs)
//   --data-file PATH              [AUTHSERVER_DATA_FILE] persist storage; in memory when empty
//
// Stdout carries exactly one line, "READY <issuer>", once the server listens;
// everything else goes to stderr. SIGTERM and SIGINT stop it cleanly.

import crypto from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

import { adminHandler, RequestCounter } from './admin.mjs';
import { Store } from './store.mjs';

// oidc-provider prints notices with console.info; keep stdout for READY only.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

const FLAGS = {
  port: 'AUTHSERVER_PORT',
  host: 'AUTHSERVER_HOST',
  issuer: 'AUTHSERVER_ISSUER',
  'initial-access-token': 'AUTHSERVER_INITIAL_ACCESS_TOKEN',
  scopes: 'AUTHSERVER_SCOPES',
  'access-token-ttl': 'AUTHSERVER_ACCESS_TOKEN_TTL',
  'rotate-registration-access-token': 'AUTHSERVER_ROTATE_REGISTRATION_ACCESS_TOKEN',
  'admin-token': 'AUTHSERVER_ADMIN_TOKEN',
  'data-file': 'AUTHSERVER_DATA_FILE',
};

const DEFAULTS = {
  port: '0',
  host: '127.0.0.1',
  scopes: 'read write admin',
  'access-token-ttl': '600',
  'rotate-registration-access-token': 'true',
};

function readSettings(argv, env) {
  const options = Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string' }]));
  const { values } = parseArgs({ args: argv, options, strict: true });
  const get = (name) => values[name] ?? env[FLAGS[name]] ?? DEFAULTS[name] ?? '';

  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: bad value ${get('port')}`);
  const ttl = Number(get('access-token-ttl'));
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error(`--access-token-ttl: want whole seconds > 0, got ${get('access-token-ttl')}`);
  const rotate = get('rotate-registration-access-token');
  if (rotate !== 'true' && rotate !== 'false') throw new Error(`--rotate-registration-access-token: want true or false, got ${rotate}`);

  return {
    port,
    host: get('host'),
    issuer: get('issuer'),
    initialAccessToken: get('initial-access-token'),
    scopes: get('scopes').split(' ').filter(Boolean),
    accessTokenTTL: ttl,
    rotateRegistrationAccessToken: rotate === 'true',
    adminToken: get('admin-token'),
    dataFile: get('data-file'),
  };
}

// signingKeys returns the JWKS, kept in the data file so a restart reuses it.
function signingKeys(store) {
  if (!store.extra.jwks) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    store.extra.jwks = { keys: [{ ...jwk, kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' }] };
    store.extra.cookieKeys = [crypto.randomBytes(32).toString('base64url')];
    store.flush();
  }
  return store.extra.jwks;
}

function providerConfiguration(settings, store) {
  const ttl = () => settings.accessTokenTTL;
  return {
    adapter: store.adapterFactory(),
    jwks: signingKeys(store),
    cookies: { keys: store.extra.cookieKeys },
    scopes: settings.scopes,
    // No end users here: every account is a bare subject.
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // No browser clients here: no cross-origin calls.
    clientBasedCORS: () => false,
    ttl: { AccessToken: ttl, ClientCredentials: ttl },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: {
        enabled: true,
        initialAccessToken: settings.initialAccessToken || false,
      },
      registrationManagement: {
        enabled: true,
        rotateRegistrationAccessToken: settings.rotateRegistrationAccessToken,
      },
      introspection: {
        enabled: true,
        // Any confidential client may introspect; a public one only its own tokens.
        allowedPolicy: (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        // Only the client a token was issued to may revoke it.
        allowedPolicy: (ctx, client, token) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        // Any resource (RFC 8707 "resource", an audience) gets an opaque token
        // carrying the scopes the client asked for and may have.
        defaultResource: (ctx, client, oneOf) => oneOf,
        useGrantedResource: () => false,
        getResourceServerInfo: (ctx, resource) => ({
          audience: resource,
          scope: settings.scopes.join(' '),
          accessTokenTTL: settings.accessTokenTTL,
          accessTokenFormat: 'opaque',
        }),
      },
    },
  };
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

// urlHost is host as it appears in a URL: IPv6 literals in brackets, and the
// wildcard addresses (which no client can connect to) as loopback.
function urlHost(host) {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function main() {
  const settings = readSettings(process.argv.slice(2), process.env);
  const store = new Store(settings.dataFile);
  const counter = new RequestCounter();

  let handler = (req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  const port = await listen(server, settings.port, settings.host);
  const issuer = settings.issuer || `http://${urlHost(settings.host)}:${port}`;

  const provider = new Provider(issuer, providerConfiguration(settings, store));
  // Behind a proxy (e.g. TLS in front), endpoint URLs follow what the proxy
  // forwards, so they match the advertised issuer's scheme and host.
  if (settings.issuer) provider.proxy = true;
  provider.on('server_error', (ctx, err) => console.error(`server_error on ${ctx.method} ${ctx.path}:`, err));
  const oidc = provider.callback();
  const admin = adminHandler({ token: settings.adminToken, store, provider, counter });

  handler = (req, res) => {
    const pathname = req.url.split('?')[0];
    counter.add(req.method, pathname);
    if (pathname === '/_admin' || pathname.startsWith('/_admin/')) {
      admin(req, res, pathname).catch((err) => {
        console.error('admin API:', err);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    oidc(req, res);
  };

  const stop = () => {
    server.close(() => {
      store.flush();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  process.stdout.write(`READY ${issuer}\n`);
}

main().catch((err) => {
  console.error(`authserver: ${err.message}`);
  process.exit(1);
});
