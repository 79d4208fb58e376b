// Hostile-request catalogue (issue 8), part 4: what a browser is shown and what
// it may be tricked into posting. Every HTML page refuses to be framed
// (X-Frame-Options / CSP frame-ancestors) and escapes whatever the request put
// into it; every state-changing form needs its CSRF token and the browser's own
// cookie; admin and registration JSON that is oversized, deeply nested, invalid
// UTF-8 or full of SQL metacharacters is refused or stored verbatim.
// References: keycloak-compat §5.2, §5.7, §6, §9; RFC 7591 §3.2.2; RFC 8259 §8.1.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import {
  realmDir, endpoints, authUrl, send, tokenRequest, fetchLogin, parseForm, CookieJar, pkcePair, show,
} from './lib/flow.mjs';
import { hostileUsers, assertErrorPage, assertNotFramable, assertEscaped } from './lib/hostile.mjs';

const CB = 'https://rp.example/cb';
const XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
const SQLS = "robert'); DROP TABLE users; --";
const REALM = {
  realm: 'pages', enabled: true, users: hostileUsers(),
  clients: [
    { clientId: 'web', publicClient: false, secret: 'web-secret', directAccessGrantsEnabled: true, redirectUris: [CB],
      attributes: { 'post.logout.redirect.uris': '+' } },
    { clientId: 'consent', name: XSS, publicClient: false, secret: 'consent-secret', consentRequired: true, redirectUris: [CB] },
    { clientId: 'tv', publicClient: true, attributes: { 'oauth2.device.authorization.grant.enabled': 'true' } },
  ],
};

describe('hostile pages, forms and JSON', () => {
  let srv; let ep; let adminToken; let regUrl;
  before(async () => {
    srv = await startServer({ realm: await realmDir(REALM) });
    ep = endpoints(srv.baseUrl, 'pages');
    regUrl = `${ep.issuer}/clients-registrations/openid-connect`;
    const a = await tokenRequest(endpoints(srv.baseUrl, 'master'), { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' });
    assert.equal(a.status, 200, show(a));
    adminToken = a.json.access_token;
  });
  after(async () => { await srv?.stop(); });
  afterEach(async () => {
    const r = await send(ep.discovery);
    assert.equal(r.status, 200, `server stopped serving: ${show(r)}`);
  });

  const params = (client_id = 'web', extra = {}) => ({ client_id, response_type: 'code', redirect_uri: CB, scope: 'openid', state: 's', ...extra });
  const loginPage = async (jar = new CookieJar(), clientId = 'web') => {
    const page = await send(authUrl(ep, params(clientId)), { jar });
    const form = parseForm(page.text, 'kc-form-login');
    assert.ok(form, `no login form: ${show(page)}`);
    return { jar, page, form };
  };
  const consentPage = async (username = 'alice') => {
    const r = await fetchLogin(authUrl(ep, params('consent')), { username, password: `${username}-pw` });
    const form = parseForm(r.final.text, 'kc-oauth');
    assert.ok(form, `no consent page: ${show(r.final)}`);
    return { jar: r.jar, page: r.final, form };
  };
  const loggedIn = async (jar) => {
    const r = await send(authUrl(ep, params('web', { prompt: 'none' })), { jar });
    return r.location ? new URL(r.location).searchParams.has('code') : false;
  };
  const json = (url, body, { token = adminToken, method = 'POST' } = {}) => send(url, {
    method, body: Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const admin = (path, body, opts) => json(`${srv.baseUrl}/admin/realms/pages${path}`, body, opts);

  /** [what, () => response, markup that must not appear unescaped (or null)]: every page refuses framing. */
  const PAGES = [
    ['login page', async () => (await loginPage()).page, null],
    ['login page re-rendered with a hostile username', async () => {
      const { jar, form } = await loginPage();
      return send(form.action, { jar, form: { ...form.fields, username: XSS, password: 'x' } });
    }, XSS],
    ['error page (unknown client)', () => send(authUrl(ep, params('nobody'))), null],
    ['consent page of a client whose name is markup', async () => (await consentPage()).page, XSS],
    ['logged-out page', async () => {
      const t = await tokenRequest(ep, { grant_type: 'password', username: 'bob', password: 'bob-pw', scope: 'openid' }, { basic: ['web', 'web-secret'] });
      return send(`${ep.logout}?id_token_hint=${t.json.id_token}`);
    }, null],
    ['oob page with a hostile code', () => send(`${ep.oob}?code=${encodeURIComponent(XSS)}`), XSS],
    ['oob page with a hostile error', () => send(`${ep.oob}?error=${encodeURIComponent(XSS)}`), XSS],
    ['device verification page with a hostile user_code', () => send(`${ep.issuer}/device?user_code=${encodeURIComponent(XSS)}`), XSS],
    ['device verification page after posting a hostile user code', async () => {
      const jar = new CookieJar();
      const page = await send(`${ep.issuer}/device`, { jar });
      const form = parseForm(page.text, 'kc-user-verify-device-user-code-form');
      return send(form.action, { jar, form: { ...form.fields, device_user_code: XSS } });
    }, XSS],
  ];
  for (const [what, get, markup] of PAGES) {
    it(`${what}: HTML that cannot be framed${markup ? ' and escapes the markup' : ''}`, async () => {
      const r = await get();
      assert.ok(r.status === 200 || r.status === 400, show(r));
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/, show(r));
      assertNotFramable(r.headers, what);
      if (markup) assertEscaped(r.text, markup, what);
    });
  }

  /** CSRF: forms posted without their token, with another browser's token or cookie, or twice. */
  it('login form of the attacker\'s own session posted from the victim\'s browser: 400 page, nobody logged in', async () => {
    const victim = await loginPage();
    const attacker = await loginPage();
    const r = await send(attacker.form.action, { jar: victim.jar, form: { ...attacker.form.fields, username: 'bob', password: 'bob-pw' } });
    assertErrorPage(r);
    assert.equal(victim.jar.get('KEYCLOAK_IDENTITY'), undefined, 'the victim was logged in as bob');
  });

  it('login form posted without any cookie: 400 page, nobody logged in', async () => {
    const { form } = await loginPage();
    const jar = new CookieJar();
    assertErrorPage(await send(form.action, { jar, form: { ...form.fields, username: 'alice', password: 'alice-pw' } }));
    assert.equal(jar.get('KEYCLOAK_IDENTITY'), undefined);
  });

  it('login form with a foreign csrf_token of the right length: 400 page, nobody logged in', async () => {
    const { jar, form } = await loginPage();
    const other = await loginPage();
    assertErrorPage(await send(form.action, { jar, form: { ...form.fields, csrf_token: other.form.fields.csrf_token, username: 'alice', password: 'alice-pw' } }));
    assert.equal(jar.get('KEYCLOAK_IDENTITY'), undefined);
  });

  for (const [what, mutate] of [
    ['without csrf_token', (f) => { delete f.csrf_token; }],
    ['with a wrong csrf_token', (f) => { f.csrf_token = `${f.csrf_token.slice(0, -2)}xx`; }],
    ['with an empty csrf_token', (f) => { f.csrf_token = ''; }],
  ]) {
    it(`consent form ${what}: 400 page, no code`, async () => {
      const { jar, form } = await consentPage();
      const fields = { ...form.fields, accept: 'yes' };
      mutate(fields);
      assertErrorPage(await send(form.action, { jar, form: fields }));
    });
  }

  it('consent form posted from another browser with the right token: 400 page, no code', async () => {
    const { form } = await consentPage();
    assertErrorPage(await send(form.action, { jar: new CookieJar(), form: { ...form.fields, accept: 'yes' } }));
  });

  it('consent form replayed after it was accepted: 400 page, no second code', async () => {
    const { jar, form } = await consentPage('bob'); // bob's consent is stored afterwards; alice's never is
    const first = await send(form.action, { jar, form: { ...form.fields, accept: 'yes' } });
    assert.equal(first.status, 302, show(first));
    assert.ok(new URL(first.location).searchParams.get('code'), first.location);
    assertErrorPage(await send(form.action, { jar, form: { ...form.fields, accept: 'yes' } }));
  });

  it('logout confirmation posted without csrf_token: 400 page, the session survives', async () => {
    const r = await fetchLogin(authUrl(ep, params()), { username: 'alice', password: 'alice-pw' });
    const page = await send(ep.logout, { jar: r.jar });
    const form = parseForm(page.text, 'kc-logout-confirm');
    assert.ok(form, show(page));
    const fields = { ...form.fields };
    delete fields.csrf_token;
    assertErrorPage(await send(form.action, { jar: r.jar, form: fields }));
    assert.ok(await loggedIn(r.jar), 'logged out without the CSRF token');
  });

  it('logout confirmation replayed: the second post is a 400 page', async () => {
    const r = await fetchLogin(authUrl(ep, params()), { username: 'alice', password: 'alice-pw' });
    const page = await send(ep.logout, { jar: r.jar });
    const form = parseForm(page.text, 'kc-logout-confirm');
    const first = await send(form.action, { jar: r.jar, form: form.fields });
    assert.equal(first.status, 200, show(first));
    assertErrorPage(await send(form.action, { jar: r.jar, form: form.fields }));
  });

  it('admin API with the master admin\'s browser session cookie but no bearer token: 401', async () => {
    const master = endpoints(srv.baseUrl, 'master');
    const pk = pkcePair();
    const login = await fetchLogin(authUrl(master, { client_id: 'security-admin-console', response_type: 'code', scope: 'openid',
      redirect_uri: `${srv.baseUrl}/admin/master/console/`, state: 's', code_challenge: pk.challenge, code_challenge_method: 'S256' }),
    { username: 'admin', password: 'admin' });
    assert.ok(login.jar.get('KEYCLOAK_IDENTITY'), `admin browser login failed: ${show(login.final)}`);
    const r = await send(`${srv.baseUrl}/admin/realms`, { method: 'POST', body: JSON.stringify({ realm: 'csrf', enabled: true }),
      headers: { 'content-type': 'application/json', cookie: login.jar.header(), origin: 'https://evil.example' } });
    assert.deepEqual([r.status, r.json], [401, { error: 'HTTP 401 Unauthorized' }], show(r));
  });

  /** Admin API JSON: [what, body, status, json body (exact) or error code]. */
  const deepArrays = (n) => `{"username":"deep","attributes":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`;
  const deepObjects = (n) => `{"username":"deep",${'"a":{'.repeat(n)}"b":1${'}'.repeat(n)}}`;
  const CANNOT_PARSE = { error: 'invalid_request', error_description: 'Cannot parse the JSON' };
  const ADMIN = [
    ['100 000 nested arrays', deepArrays(100000), 400, CANNOT_PARSE],
    ['20 000 nested objects', deepObjects(20000), 400, CANNOT_PARSE],
    ['invalid UTF-8 in a string', Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('"}')]), 400, CANNOT_PARSE],
    ['trailing garbage after the object', '{"username":"trail"} {"username":"x"}', 400, CANNOT_PARSE],
    ['a number with 100 000 digits', `{"username":"num","createdTimestamp":${'9'.repeat(100000)}}`, 400, null],
    ['1.5 MiB body', `{"username":"big","firstName":"${'a'.repeat(1536 * 1024)}"}`, 413, 'invalid_request'],
  ];
  for (const [what, body, status, expected] of ADMIN) {
    it(`admin API POST /users with ${what} -> ${status}`, async () => {
      const r = await admin('/users', body);
      if (expected === null) assert.equal(r.status, status, show(r));
      else if (typeof expected === 'string') assert.deepEqual([r.status, r.json?.error], [status, expected], show(r));
      else assert.deepEqual([r.status, r.json], [status, expected], show(r));
      const none = await admin('/users?briefRepresentation=true&max=1000', undefined, { method: 'GET' });
      assert.ok(!none.json.some((u) => ['deep', 'trail', 'num', 'big'].includes(u.username)), 'a refused user was created');
    });
  }

  it('admin API: a username full of SQL metacharacters is stored verbatim and nothing else changes', async () => {
    const before = (await admin('/users/count', undefined, { method: 'GET' })).json;
    const r = await admin('/users', { username: SQLS, enabled: true, firstName: XSS });
    assert.equal(r.status, 201, show(r));
    const found = await admin(`/users?exact=true&username=${encodeURIComponent(SQLS)}`, undefined, { method: 'GET' });
    assert.deepEqual(found.json.map((u) => [u.username, u.firstName]), [[SQLS, XSS]], show(found));
    assert.equal((await admin('/users/count', undefined, { method: 'GET' })).json, before + 1);
  });

  for (const q of [{ search: "' OR 1=1 --" }, { username: "' OR '1'='1", exact: 'true' }, { email: "%' OR '1'='1" },
    { search: '%%%' }, { username: '_lice' }, { email: '%@example.com' }]) {
    it(`admin API user search with SQL metacharacters or LIKE wildcards (${new URLSearchParams(q)}) -> 200 []`, async () => {
      const r = await admin(`/users?${new URLSearchParams(q)}`, undefined, { method: 'GET' });
      assert.deepEqual([r.status, r.json], [200, []], show(r));
    });
  }

  it('admin API user search with a malformed percent-escape (email=%zz) -> 400, never the unfiltered list', async () => {
    const r = await admin('/users?email=%zz', undefined, { method: 'GET' });
    assert.equal(r.status, 400, show(r));
  });

  /** Dynamic registration JSON (RFC 7591 §3.2.2: 400 invalid_client_metadata). */
  let iat;
  const register = async (body) => {
    if (!iat) {
      const t = await admin('/clients-initial-access', { count: 50, expiration: 600 });
      assert.equal(t.status, 200, show(t));
      iat = t.json.token;
    }
    return json(regUrl, body, { token: iat });
  };
  const DCR = [
    ['100 000 nested arrays', `{"redirect_uris":["https://a.example/cb"],"x":${'['.repeat(100000)}${']'.repeat(100000)}}`, 400, 'invalid_client_metadata'],
    ['invalid UTF-8 in client_name', Buffer.concat([Buffer.from('{"redirect_uris":["https://a.example/cb"],"client_name":"'),
      Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), 400, 'invalid_client_metadata'],
    ['a JSON string instead of an object', '"client"', 400, 'invalid_client_metadata'],
    ['1.5 MiB body', `{"redirect_uris":["https://a.example/cb"],"client_name":"${'a'.repeat(1536 * 1024)}"}`, 413, 'invalid_request'],
  ];
  for (const [what, body, status, error] of DCR) {
    it(`registration with ${what} -> ${status} ${error}`, async () => {
      const r = await register(body);
      assert.deepEqual([r.status, r.json?.error], [status, error], show(r));
    });
  }

  it('registration: client_name with markup and SQL metacharacters is stored and echoed verbatim', async () => {
    const name = `${XSS}${SQLS}`;
    const r = await register({ redirect_uris: ['https://a.example/cb'], client_name: name });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.json.client_name, name);
    const read = await json(r.json.registration_client_uri, undefined, { token: r.json.registration_access_token, method: 'GET' });
    assert.equal(read.json?.client_name, name, show(read));
  });
});
