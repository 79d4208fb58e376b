// The comparison peer for bench/run: node-oidc-provider (single Node process,
// its in-memory adapter) configured like Tessera's bench realm.
//
//   node server.mjs setup <config.json>   generate the keys (like a realm's: RSA-2048 x3, P-256,
//                                         Ed25519, with certificates) and the user's argon2id hash
//   node server.mjs <config.json> <port>  serve on 127.0.0.1:<port>, issuer http://127.0.0.1:<port>
//
// Equivalence with Tessera's realm (bench/run):
// - clients, all client_secret_basic: cc-rs / cc-es (client_credentials; JWT access
//   tokens signed RS256 / ES256 for the resource server urn:bench:api), app (code
//   flow, PKCE S256 required, refresh tokens, ID tokens RS256), rs (introspection);
// - the user bench / bench-password, hashed with argon2id t=5 m=7168 KiB p=1
//   (Keycloak's default, Tessera's) by the npm argon2 package (libargon2);
// - consent is granted inside the login interaction (Tessera's app has consent off);
// - refresh tokens may be reused (no rotation), as in Tessera's realm.
// The login interaction is app-specific in node-oidc-provider, so this file has a
// minimal one: GET /interaction/:uid renders a form, POST checks the password.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import argon2 from 'argon2';

const ARGON2 = { type: argon2.argon2id, timeCost: 5, memoryCost: 7168, parallelism: 1, hashLength: 32 };
const RESOURCE = 'urn:bench:api';

if (process.argv[2] === 'setup') {
  // The same key set as a Keycloak/Tessera realm's JWKS: RSA-2048 for RS256, for
  // PS256 and for RSA-OAEP, P-256, Ed25519, each with a self-signed certificate (x5c).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-keys-'));
  const key = (algorithm, options, kid, use, alg) => {
    const pem = crypto.generateKeyPairSync(algorithm, options).privateKey.export({ format: 'pem', type: 'pkcs8' });
    fs.writeFileSync(path.join(dir, 'k.pem'), pem);
    const der = execFileSync('openssl', ['req', '-x509', '-key', path.join(dir, 'k.pem'), '-subj', '/CN=bench',
      '-days', '365', '-outform', 'DER'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const jwk = crypto.createPrivateKey(pem).export({ format: 'jwk' });
    return { ...jwk, kid, use, alg, x5c: [der.toString('base64')] };
  };
  const config = {
    keys: [
      key('rsa', { modulusLength: 2048 }, 'rsa-rs256', 'sig', 'RS256'),
      key('rsa', { modulusLength: 2048 }, 'rsa-ps256', 'sig', 'PS256'),
      key('rsa', { modulusLength: 2048 }, 'rsa-enc', 'enc', 'RSA-OAEP'),
      key('ec', { namedCurve: 'P-256' }, 'ec-es256', 'sig', 'ES256'),
      key('ed25519', {}, 'okp-eddsa', 'sig', 'EdDSA'),
    ],
    cookieKey: crypto.randomBytes(32).toString('base64url'),
    passwordHash: await argon2.hash('bench-password', ARGON2),
  };
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(process.argv[3], JSON.stringify(config));
  process.exit(0);
}

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const port = Number(process.argv[3] ?? 18780);
const issuer = `http://127.0.0.1:${port}`;

const USER = {
  sub: 'f6a0e1b2-0b6e-4c44-9d1e-6f1f2d3c4b5a',
  preferred_username: 'bench',
  name: 'Bench User',
  given_name: 'Bench',
  family_name: 'User',
  email: 'bench@example.com',
  email_verified: true,
};

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'cc-rs', client_secret: 'cc-rs-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    { client_id: 'cc-es', client_secret: 'cc-es-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    {
      client_id: 'app', client_secret: 'app-secret',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      redirect_uris: ['http://localhost:3000/cb'],
    },
    { client_id: 'rs', client_secret: 'rs-secret', grant_types: [], response_types: [], redirect_uris: [] },
  ],
  clientDefaults: { token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'RS256' },
  jwks: { keys: config.keys },
  cookies: { keys: [config.cookieKey] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api'],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name', 'given_name', 'family_name'],
    email: ['email', 'email_verified'],
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    encryption: { enabled: true }, // only so that the RSA-OAEP key is accepted, as in Tessera's JWKS
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // client_credentials without a resource parameter gets the bench API; the code
      // flow gets it when it asks for it (else an opaque token for userinfo).
      defaultResource: async (ctx, client, oneOf) => oneOf ?? (ctx.oidc.params?.grant_type === 'client_credentials' ? RESOURCE : undefined),
      useGrantedResource: async () => false,
      getResourceServerInfo: async (ctx, resource, client) => {
        if (resource !== RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: 'api',
          audience: RESOURCE,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: client.clientId === 'cc-es' ? 'ES256' : 'RS256' } },
        };
      },
    },
  },
  // Tessera issues a refresh token with every code exchange and allows reuse.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: false,
  ttl: {
    AccessToken: 300, ClientCredentials: 300, IdToken: 300, AuthorizationCode: 60,
    RefreshToken: 1800, Session: 36000, Interaction: 600, Grant: 36000,
  },
  findAccount: async (ctx, sub) => (sub === USER.sub ? { accountId: sub, claims: async () => ({ ...USER }) } : undefined),
  interactions: { url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function page(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(html);
}

function loginForm(uid, error) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in to bench</title></head><body><main>
<h1>Sign in to your account</h1>
<form id="kc-form-login" method="post" action="/interaction/${escape(uid)}">
<label for="username">Username or email</label><input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
${error ? `<span id="input-error">${escape(error)}</span>` : ''}
<button type="submit" id="kc-login" name="login">Sign In</button>
</form></main></body></html>`;
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') return page(res, 200, loginForm(details.uid));
  if (req.method !== 'POST') return page(res, 405, 'method not allowed');
  const form = new URLSearchParams(await readBody(req));
  const ok = form.get('username') === USER.preferred_username
    && await argon2.verify(config.passwordHash, form.get('password') ?? '');
  if (!ok) return page(res, 200, loginForm(details.uid, 'Invalid username or password.'));
  // Login and consent in one step: the grant holds what the client asked for.
  const { params } = details;
  const grant = new provider.Grant({ accountId: USER.sub, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope ?? 'openid'));
  if (params.resource) grant.addResourceScope(RESOURCE, 'api');
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, {
    login: { accountId: USER.sub },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => page(res, err.statusCode ?? 500, escape(err.message)));
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
