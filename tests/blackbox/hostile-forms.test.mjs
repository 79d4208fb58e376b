// Hostile-request catalogue (issue 8), part 3: the token, introspection,
// revocation and device endpoints and the login form fed duplicated, misplaced,
// malformed, invalid-UTF-8 and SQL-laden parameters; code and refresh token
// replay (also racing); cross-origin reads. Expected answers: RFC 6749 §3.2,
// §4.1.2, §5.2, §10.5; RFC 7662 §2.2; RFC 7009 §2.2; RFC 8628 §3.5; RFC 8259
// §8.1 (JSON is UTF-8); keycloak-compat §5.1, §5.4-5.6.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import {
  realmDir, endpoints, authUrl, send, tokenRequest, fetchLogin, parseForm, CookieJar, show,
} from './lib/flow.mjs';
import { hostileUsers, fetchBytes, isUtf8, assertOAuthError, assertErrorPage } from './lib/hostile.mjs';

const CB = 'https://rp.example/cb';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const clients = () => [
  { clientId: 'web', publicClient: false, secret: 'web-secret', directAccessGrantsEnabled: true, redirectUris: [CB] },
  { clientId: 'rs', publicClient: false, secret: 'rs-secret', standardFlowEnabled: false },
  { clientId: 'tv', publicClient: true, attributes: { 'oauth2.device.authorization.grant.enabled': 'true' } },
];
const REALMS = [
  { realm: 'forms', enabled: true, users: hostileUsers(), clients: clients() },
  { realm: 'rot', enabled: true, users: hostileUsers(), clients: clients(), revokeRefreshToken: true, refreshTokenMaxReuse: 0 },
];
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const WEB = basic('web', 'web-secret');
const FORM = 'application/x-www-form-urlencoded';
const SQL = ["' OR '1'='1", "alice'--", "'; DROP TABLE users; --", '" OR ""="', "') OR ('a'='a", '1; SELECT * FROM sqlite_master'];

describe('hostile form parameters', () => {
  let srv; let ep; let rot; let introspectUrl; let revokeUrl; let deviceUrl;
  before(async () => {
    srv = await startServer({ realm: await realmDir(...REALMS) });
    ep = endpoints(srv.baseUrl, 'forms');
    rot = endpoints(srv.baseUrl, 'rot');
    introspectUrl = `${ep.token}/introspect`;
    revokeUrl = `${ep.issuer}/protocol/openid-connect/revoke`;
    deviceUrl = `${ep.issuer}/protocol/openid-connect/auth/device`;
  });
  after(async () => { await srv?.stop(); });
  afterEach(async () => {
    const r = await send(ep.discovery);
    assert.equal(r.status, 200, `server stopped serving: ${show(r)}`);
  });

  /** A raw form body (string) to `url`, Basic auth of web unless `auth` is given. */
  const post = (url, body, { auth = WEB, query = '' } = {}) => fetchBytes(`${url}${query}`, {
    method: 'POST', body, headers: { 'content-type': FORM, ...(auth ? { authorization: auth } : {}) } });
  const password = (username = 'alice', pw = `${username}-pw`, e = ep) =>
    tokenRequest(e, { grant_type: 'password', username, password: pw, scope: 'openid' }, { basic: ['web', 'web-secret'] });
  const tokens = async (e = ep) => {
    const r = await password('alice', 'alice-pw', e);
    assert.equal(r.status, 200, show(r));
    return r.json;
  };
  const code = async () => {
    const r = await fetchLogin(authUrl(ep, { client_id: 'web', response_type: 'code', redirect_uri: CB, scope: 'openid', state: 's' }),
      { username: 'alice', password: 'alice-pw' });
    assert.ok(r.params?.code, `no code: ${show(r.final)}`);
    return r.params.code;
  };
  const exchange = (c, e = ep) => tokenRequest(e, { grant_type: 'authorization_code', code: c, redirect_uri: CB }, { basic: ['web', 'web-secret'] });
  const utf8Json = (r) => {
    assert.ok(isUtf8(r.bytes), `the JSON body is not UTF-8 (RFC 8259 §8.1): ${JSON.stringify(r.bytes.toString('latin1'))}`);
    assert.notEqual(r.json, undefined, `not JSON: ${r.text}`);
  };

  /** [what, body, expected status, expected error]: one request each to the token endpoint (Basic auth of web). */
  const TOKEN = [
    ['duplicated grant_type', 'grant_type=password&grant_type=client_credentials&username=alice&password=alice-pw', 400, 'invalid_request'],
    ['duplicated username (alice, bob)', 'grant_type=password&username=alice&username=bob&password=alice-pw', 400, 'invalid_request'],
    ['duplicated password', 'grant_type=password&username=alice&password=wrong&password=alice-pw', 400, 'invalid_request'],
    ['duplicated scope', 'grant_type=password&username=alice&password=alice-pw&scope=openid&scope=offline_access', 400, 'invalid_request'],
    ['duplicated code', 'grant_type=authorization_code&code=a&code=b&redirect_uri=https%3A%2F%2Frp.example%2Fcb', 400, 'invalid_request'],
    ['malformed percent-encoding', 'grant_type=password&username=%zz&password=x', 400, 'invalid_request'],
    ['truncated percent-encoding', 'grant_type=password&username=alice&password=alice-pw%4', 400, 'invalid_request'],
    ['grant_type with CR/LF', 'grant_type=password%0d%0a&username=alice&password=alice-pw', 400, 'unsupported_grant_type'],
    ['grant_type with a NUL byte', 'grant_type=password%00&username=alice&password=alice-pw', 400, 'unsupported_grant_type'],
    ['grant_type in upper case', 'grant_type=PASSWORD&username=alice&password=alice-pw', 400, 'unsupported_grant_type'],
    ['empty body', '', 400, 'invalid_request'],
    ['username as invalid UTF-8', 'grant_type=password&username=%FF%FE%C0%AF&password=alice-pw', 400, 'invalid_grant'],
    ['password as invalid UTF-8', 'grant_type=password&username=alice&password=%ED%A0%80', 400, 'invalid_grant'],
    ['username with a NUL byte after a real name', 'grant_type=password&username=alice%00&password=alice-pw', 400, 'invalid_grant'],
    ['username of 100 KiB', `grant_type=password&username=${'a'.repeat(100 * 1024)}&password=x`, 400, 'invalid_grant'],
    ['code of 100 KiB', `grant_type=authorization_code&redirect_uri=x&code=${'a'.repeat(100 * 1024)}`, 400, 'invalid_grant'],
    ['device_code with SQL metacharacters (client tv)', `grant_type=${encodeURIComponent(DEVICE)}&client_id=tv&device_code=${encodeURIComponent("' OR 1=1 --")}`, 400, 'invalid_grant'],
    ...SQL.map((s) => [`password grant, SQL metacharacters as username and password: ${s}`,
      `grant_type=password&username=${encodeURIComponent(s)}&password=${encodeURIComponent(s)}`, 400, 'invalid_grant']),
    ['password grant, SQL comment after a real username', `grant_type=password&username=${encodeURIComponent("alice' --")}&password=x`, 400, 'invalid_grant'],
    ['password grant, LIKE wildcard % with the right password', 'grant_type=password&username=al%25&password=alice-pw', 400, 'invalid_grant'],
    ['password grant, LIKE wildcard _ with the right password', 'grant_type=password&username=_lice&password=alice-pw', 400, 'invalid_grant'],
    ['password grant, email LIKE wildcard with the right password', 'grant_type=password&username=%25%40example.com&password=alice-pw', 400, 'invalid_grant'],
    ['authorization_code with SQL metacharacters', `grant_type=authorization_code&redirect_uri=${encodeURIComponent(CB)}&code=${encodeURIComponent("x' OR '1'='1")}`, 400, 'invalid_grant'],
  ];
  for (const [what, body, status, error] of TOKEN) {
    const auth = body.includes('client_id=tv') ? null : WEB;
    it(`token endpoint: ${what} -> ${status} ${error}`, async () => {
      const r = await post(ep.token, body, { auth });
      assertOAuthError(r, status, error, { noStore: true });
      utf8Json(r);
    });
  }

  /** Client authentication with hostile client_id / secrets: 401 invalid_client (RFC 6749 §5.2). */
  const CLIENTS = [
    ['client_id with SQL metacharacters', "web' OR '1'='1", 'x'],
    ['client_id as a LIKE wildcard with the right secret', '%', 'web-secret'],
    ['client_id with a trailing NUL and the right secret', 'web\u0000', 'web-secret'],
    ['client_id as invalid UTF-8 bytes', Buffer.from([0xff, 0xfe]).toString('latin1'), 'x'],
    ['right client_id, secret with SQL metacharacters', 'web', "' OR '1'='1"],
    ['right client_id, secret as a LIKE wildcard', 'web', '%'],
  ];
  for (const [what, id, secret] of CLIENTS) {
    it(`token endpoint: ${what} (client_secret_post) -> 401 invalid_client`, async () => {
      const enc = (s) => Buffer.from(s, 'latin1').toString('hex').replace(/../g, '%$&');
      const r = await post(ep.token, `grant_type=client_credentials&client_id=${enc(id)}&client_secret=${enc(secret)}`, { auth: null });
      assertOAuthError(r, 401, 'invalid_client');
      utf8Json(r);
    });
  }

  it('token endpoint: parameters in the query string, empty body -> 400 invalid_request (Missing form parameter: grant_type)', async () => {
    const r = await post(ep.token, '', { query: '?grant_type=password&username=alice&password=alice-pw' });
    assertOAuthError(r, 400, 'invalid_request', { description: 'Missing form parameter: grant_type' });
  });

  it('token endpoint: client_secret in the query string only -> 401 invalid_client', async () => {
    const r = await post(ep.token, 'grant_type=password&username=alice&password=alice-pw&client_id=web', { auth: null, query: '?client_secret=web-secret' });
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('token endpoint: 10 000 unknown parameters around a valid password grant -> 400 invalid_request within 3 s', async () => {
    // A parameter flood is refused as a whole (Vert.x, under Keycloak, caps form fields too).
    const junk = Array.from({ length: 10000 }, (_, i) => `p${i}=${i}`).join('&');
    const t0 = Date.now();
    const r = await post(ep.token, `${junk}&grant_type=password&username=alice&password=alice-pw`);
    assertOAuthError(r, 400, 'invalid_request');
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });

  it('refresh grant: scope as invalid UTF-8 -> 400 invalid_scope with a UTF-8 JSON body', async () => {
    const t = await tokens();
    const r = await post(ep.token, `grant_type=refresh_token&refresh_token=${t.refresh_token}&scope=openid%20%FF%FE%C0%AF`);
    assertOAuthError(r, 400, 'invalid_scope');
    utf8Json(r);
  });

  it('refresh grant: duplicated refresh_token -> 400 invalid_request, the token still works', async () => {
    const t = await tokens();
    const r = await post(ep.token, `grant_type=refresh_token&refresh_token=${t.refresh_token}&refresh_token=${t.refresh_token}`);
    assertOAuthError(r, 400, 'invalid_request');
    assert.equal((await post(ep.token, `grant_type=refresh_token&refresh_token=${t.refresh_token}`)).status, 200);
  });

  /** Introspection: [what, body, status, expected json or error]. */
  const INTROSPECT = [
    ['token with SQL metacharacters', `token=${encodeURIComponent("' OR '1'='1")}`, 200, { active: false }],
    ['token as invalid UTF-8', 'token=%FF%FE%C0%AF', 200, { active: false }],
    ['token of 512 KiB', `token=${'a'.repeat(512 * 1024)}`, 200, { active: false }],
    ['token_type_hint as invalid UTF-8', 'token=x&token_type_hint=%FF%FE', 400, 'invalid_request'],
    ['token_type_hint with markup', `token=x&token_type_hint=${encodeURIComponent('<script>alert(1)</script>')}`, 400, 'invalid_request'],
    ['no token, malformed percent-encoding', 'token=%G0', 400, 'invalid_request'],
  ];
  for (const [what, body, status, expected] of INTROSPECT) {
    it(`introspection: ${what} -> ${status} ${typeof expected === 'string' ? expected : JSON.stringify(expected)}`, async () => {
      const r = await post(introspectUrl, body, { auth: basic('rs', 'rs-secret') });
      if (typeof expected === 'string') assertOAuthError(r, status, expected);
      else assert.deepEqual([r.status, r.json], [status, expected], `${r.status} ${r.text.slice(0, 300)}`);
      utf8Json(r);
      // An echoed value may only come back as JSON that no browser sniffs into HTML.
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    });
  }

  it('revocation: token with SQL metacharacters -> 200 invalid_token; other sessions untouched', async () => {
    const t = await tokens();
    const r = await post(revokeUrl, `token=${encodeURIComponent("'; DELETE FROM user_session; --")}`);
    assert.deepEqual([r.status, r.json?.error], [200, 'invalid_token'], r.text);
    assert.equal((await post(ep.token, `grant_type=refresh_token&refresh_token=${t.refresh_token}`)).status, 200);
  });

  it('device authorization: client_id with SQL metacharacters -> 401 invalid_client', async () => {
    const r = await post(deviceUrl, `client_id=${encodeURIComponent("tv' OR '1'='1")}`, { auth: null });
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('device verification page: user code with SQL metacharacters -> the code form again, "Invalid code"', async () => {
    const jar = new CookieJar();
    const page = await send(`${ep.issuer}/device`, { jar });
    const form = parseForm(page.text, 'kc-user-verify-device-user-code-form');
    assert.ok(form, show(page));
    const r = await send(form.action, { jar, form: { ...form.fields, device_user_code: "' OR '1'='1" } });
    assert.equal(r.status, 200, show(r));
    assert.ok(parseForm(r.text, 'kc-user-verify-device-user-code-form'), show(r));
    assert.ok(r.text.includes('Invalid code, please try again.'), show(r));
  });

  /** The login form: SQL metacharacters and wildcards never log anybody in. */
  const LOGINS = [...SQL.map((s) => [s, s]), ['al%', 'alice-pw'], ['_lice', 'alice-pw'], ['%@example.com', 'alice-pw'],
    ['alice', "' OR '1'='1"], [Buffer.from([0xff, 0xfe, 0x41]).toString('latin1'), 'alice-pw']];
  for (const [username, pw] of LOGINS) {
    it(`login form: username ${JSON.stringify(username)} -> the login page again, "Invalid username or password."`, async () => {
      const jar = new CookieJar();
      const page = await send(authUrl(ep, { client_id: 'web', response_type: 'code', redirect_uri: CB, scope: 'openid', state: 's' }), { jar });
      const form = parseForm(page.text, 'kc-form-login');
      assert.ok(form, show(page));
      const enc = (s) => Buffer.from(s, 'latin1').toString('hex').replace(/../g, '%$&');
      const fields = { ...form.fields };
      delete fields.username;
      delete fields.password;
      const body = `${new URLSearchParams(fields)}&username=${enc(username)}&password=${encodeURIComponent(pw)}`;
      const r = await send(form.action, { jar, body, headers: { 'content-type': FORM } });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.location, null);
      assert.ok(r.text.includes('Invalid username or password.'), show(r));
      assert.equal(jar.get('KEYCLOAK_IDENTITY'), undefined, 'logged in');
    });
  }

  it('unknown realm name with SQL metacharacters -> 404 {"error":"Realm does not exist"}', async () => {
    const r = await send(`${srv.baseUrl}/realms/${encodeURIComponent("forms' OR '1'='1")}/protocol/openid-connect/certs`);
    assert.deepEqual([r.status, r.json], [404, { error: 'Realm does not exist' }], show(r));
  });

  /** Replay (RFC 6749 §4.1.2, §10.5; §6 with rotation). */
  it('code replay: the second exchange -> 400 invalid_grant, and the tokens of the first are revoked', async () => {
    const c = await code();
    const first = await exchange(c);
    assert.equal(first.status, 200, show(first));
    assertOAuthError(await exchange(c), 400, 'invalid_grant');
    const i = await send(introspectUrl, { form: { token: first.json.access_token }, headers: { authorization: basic('rs', 'rs-secret') } });
    assert.deepEqual(i.json, { active: false }, 'access token of a replayed code is still active');
    assertOAuthError(await post(ep.token, `grant_type=refresh_token&refresh_token=${first.json.refresh_token}`), 400, 'invalid_grant');
  });

  it('code replay, racing: two simultaneous exchanges of one code -> exactly one 200', async () => {
    const c = await code();
    const rs = await Promise.all([exchange(c), exchange(c), exchange(c)]);
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, rs.map((r) => show(r)).join('\n'));
    for (const r of rs.filter((x) => x.status !== 200)) assertOAuthError(r, 400, 'invalid_grant');
  });

  it('a code of one realm at another realm\'s token endpoint (same client id and secret) -> 400 invalid_grant', async () => {
    assertOAuthError(await exchange(await code(), rot), 400, 'invalid_grant');
  });

  it('refresh token replay with rotation -> 400 invalid_grant', async () => {
    const t = await tokens(rot);
    const once = await tokenRequest(rot, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, { basic: ['web', 'web-secret'] });
    assert.equal(once.status, 200, show(once));
    assertOAuthError(await tokenRequest(rot, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, { basic: ['web', 'web-secret'] }),
      400, 'invalid_grant');
  });

  it('refresh token replay with rotation, racing: three simultaneous refreshes -> exactly one 200', async () => {
    const t = await tokens(rot);
    const go = () => tokenRequest(rot, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, { basic: ['web', 'web-secret'] });
    const rs = await Promise.all([go(), go(), go()]);
    assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map((r) => show(r)).join('\n'));
  });

  /** Cross-origin reads: no CORS grant to an origin the client never registered. */
  for (const [what, call] of [
    ['token endpoint', () => send(ep.token, { form: { grant_type: 'password', username: 'alice', password: 'alice-pw' }, headers: { authorization: WEB, origin: 'https://evil.example' } })],
    ['userinfo', async () => send(ep.userinfo, { headers: { authorization: `Bearer ${(await tokens()).access_token}`, origin: 'https://evil.example' } })],
  ]) {
    it(`${what} with Origin: https://evil.example -> no Access-Control-Allow-Origin for it`, async () => {
      const r = await call();
      assert.equal(r.status, 200, show(r));
      const acao = r.headers.get('access-control-allow-origin');
      assert.ok(acao !== 'https://evil.example' && acao !== '*', `Access-Control-Allow-Origin: ${acao}`);
      assert.notEqual(r.headers.get('access-control-allow-credentials'), 'true', 'credentials allowed to a foreign origin');
    });
  }

  it('after all of this, alice still logs in and the error page still renders', async () => {
    assert.equal((await password()).status, 200);
    assertErrorPage(await send(authUrl(ep, { client_id: "' OR ''='", response_type: 'code', redirect_uri: CB })), { message: 'Client not found.' });
  });
});
