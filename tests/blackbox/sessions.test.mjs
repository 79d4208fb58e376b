// Session lifetimes and the tokens that outlive them: offline tokens survive
// logout, an idle SSO session ends, cookies over HTTPS are Secure +
// SameSite=None, and issued tokens are counted in /metrics.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeCert, tempDir } from './lib/server.mjs';
import {
  realmDir, user, endpoints, authUrl, CookieJar, send, fetchLogin, redirectParams, tokenRequest, jwtPayload, sleep,
} from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const client = { clientId: 'web', publicClient: false, secret: 'web-secret', redirectUris: [CB] };
const realm = (name, extra = {}) => ({
  realm: name, enabled: true, clients: [client],
  users: [user('alice', 'alice-pw', { realmRoles: [`default-roles-${name}`] }), user('noroles', 'noroles-pw')],
  ...extra,
});
const params = (scope = 'openid', extra = {}) => ({
  client_id: 'web', response_type: 'code', redirect_uri: CB, scope, state: 'st', nonce: 'n', ...extra,
});

async function loginAndExchange(ep, scope, username = 'alice', password = 'alice-pw') {
  const jar = new CookieJar();
  const r = await fetchLogin(authUrl(ep, params(scope)), { jar, username, password });
  assert.equal(r.final.status, 302, `login failed: ${r.final.status}`);
  const { code } = redirectParams(r.location);
  const t = await tokenRequest(ep, { grant_type: 'authorization_code', code, redirect_uri: CB }, { basic: ['web', 'web-secret'] });
  return { jar, tokens: t };
}

describe('sessions and offline tokens', () => {
  let srv;
  before(async () => {
    srv = await startServer({ realm: await realmDir(realm('off'), realm('idle', { ssoSessionIdleTimeout: 2 }),
      realm('idle4', { ssoSessionIdleTimeout: 4 })) });
  });
  after(async () => { await srv?.stop(); });

  it('offline_access gives an Offline refresh token that survives logout', async () => {
    const ep = endpoints(srv.baseUrl, 'off');
    const { jar, tokens } = await loginAndExchange(ep, 'openid offline_access');
    assert.equal(tokens.status, 200, tokens.text);
    const rt = jwtPayload(tokens.json.refresh_token);
    assert.equal(rt.typ, 'Offline');
    assert.equal(rt.exp, undefined, 'offline token without offlineSessionMaxLifespanEnabled has no exp');
    assert.equal(tokens.json.refresh_expires_in, 0);
    const logout = await send(`${ep.logout}?id_token_hint=${tokens.json.id_token}`, { jar });
    assert.equal(logout.status, 200);
    // The browser session is gone ...
    const silent = await send(authUrl(ep, params('openid', { prompt: 'none' })), { jar });
    assert.equal(redirectParams(silent.location).error, 'login_required');
    // ... the offline one is not.
    const refreshed = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token },
      { basic: ['web', 'web-secret'] });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(jwtPayload(refreshed.json.refresh_token).typ, 'Offline');
  });

  it('refuses offline tokens to a user without the offline_access role', async () => {
    const ep = endpoints(srv.baseUrl, 'off');
    const { tokens } = await loginAndExchange(ep, 'openid offline_access', 'noroles', 'noroles-pw');
    assert.equal(tokens.status, 400);
    assert.deepEqual(tokens.json, { error: 'not_allowed', error_description: 'Offline tokens not allowed for the user or client' });
  });

  it('an online refresh token stops working after logout', async () => {
    const ep = endpoints(srv.baseUrl, 'off');
    const { jar, tokens } = await loginAndExchange(ep, 'openid');
    assert.equal(jwtPayload(tokens.json.refresh_token).typ, 'Refresh');
    await send(`${ep.logout}?id_token_hint=${tokens.json.id_token}`, { jar });
    const refreshed = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token },
      { basic: ['web', 'web-secret'] });
    assert.equal(refreshed.status, 400);
    assert.equal(refreshed.json.error_description, 'Session not active');
  });

  it('an SSO session idle longer than ssoSessionIdleTimeout ends', async () => {
    const ep = endpoints(srv.baseUrl, 'idle');
    const { jar, tokens } = await loginAndExchange(ep, 'openid');
    assert.equal(tokens.status, 200);
    const soon = await send(authUrl(ep, params('openid', { prompt: 'none' })), { jar });
    assert.ok(redirectParams(soon.location).code, `still logged in right after: ${soon.location}`);
    await sleep(3100);
    const later = await send(authUrl(ep, params('openid', { prompt: 'none' })), { jar });
    assert.equal(redirectParams(later.location).error, 'login_required');
  });

  it('every refresh restarts the idle timer; an idle session ends for refresh too', async () => {
    const ep = endpoints(srv.baseUrl, 'idle4');
    const { tokens } = await loginAndExchange(ep, 'openid');
    let rt = tokens.json.refresh_token;
    // Three refreshes 2 s apart: 6 s in all, past the 4 s idle timeout of the login alone.
    for (let i = 0; i < 3; i++) {
      await sleep(2000);
      const r = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: rt }, { basic: ['web', 'web-secret'] });
      assert.equal(r.status, 200, `refresh ${i + 1}: ${r.text}`);
      rt = r.json.refresh_token;
    }
    await sleep(5100);
    const late = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: rt }, { basic: ['web', 'web-secret'] });
    assert.equal(late.status, 400, late.text);
    assert.equal(late.json.error, 'invalid_grant');
  });

  it('counts issued tokens by grant type in /metrics', async () => {
    const ep = endpoints(srv.baseUrl, 'off');
    const { tokens } = await loginAndExchange(ep, 'openid');
    await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token }, { basic: ['web', 'web-secret'] });
    const text = await (await fetch(`${srv.mgmtUrl}/metrics`)).text();
    assert.match(text, /^tessera_tokens_issued_total\{grant_type="authorization_code"\} [1-9]\d*$/m);
    assert.match(text, /^tessera_tokens_issued_total\{grant_type="refresh_token"\} [1-9]\d*$/m);
  });
});

describe('login cookies over HTTPS', () => {
  let srv;
  let cert;
  before(async () => {
    const dir = await tempDir();
    cert = await makeCert(dir);
    srv = await startServer({ realm: await realmDir(realm('tls')), https: cert });
  });
  after(async () => { await srv?.stop(); });

  it('marks the login cookies Secure and SameSite=None, scoped to the realm', async () => {
    const { Agent, fetch: undiciFetch } = await import('undici');
    const dispatcher = new Agent({ connect: { ca: cert.certPem } });
    const ep = endpoints(srv.httpsUrl, 'tls');
    const r = await undiciFetch(authUrl(ep, params()), { dispatcher, redirect: 'manual' });
    assert.equal(r.status, 200);
    const cookies = r.headers.getSetCookie();
    const auth = cookies.find((c) => c.startsWith('AUTH_SESSION_ID='));
    assert.ok(auth, cookies.join('\n'));
    assert.match(auth, /;Path=\/realms\/tls\/;/);
    assert.match(auth, /;Secure;/);
    assert.match(auth, /;HttpOnly;/);
    assert.match(auth, /;SameSite=None$/);
    await dispatcher.close();
  });
});
