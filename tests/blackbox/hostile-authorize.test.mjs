// Hostile-request catalogue (issue 8), part 2: the authorization and logout
// endpoints. Redirect URI tricks must end on an HTML error page and never in
// a redirect (RFC 6749 §3.1.2.4, §4.1.2.1; OIDC Core 3.1.2.4; RP-Initiated
// Logout §3; keycloak-compat §5.2, §5.7, §6.4; oidf-catalogue §8 items 1, 7, 16);
// CR/LF in echoed values must never split a header; values shown on pages
// are escaped; duplicated parameters are refused.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { realmDir, endpoints, authUrl, send, tokenRequest, redirectParams, show } from './lib/flow.mjs';
import {
  hostileUsers, rawCall, assertNoInjectedHeader, assertErrorPage, assertNotFramable, assertEscaped, HOSTILE_MARKER,
} from './lib/hostile.mjs';

const CB = 'https://rp.example/cb';
const LOGGED_OUT = 'https://rp.example/logged-out';
const WILD = 'https://wild.example/app/';
const LOOP = 'http://127.0.0.1/cb';
const INJECT = `x\r\nSet-Cookie: ${HOSTILE_MARKER}=1\r\n${HOSTILE_MARKER}: yes`;
const XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

const conf = (clientId, redirectUris, extra = {}) => ({
  clientId, publicClient: false, secret: `${clientId}-secret`, directAccessGrantsEnabled: true, redirectUris, ...extra,
});
const REALM = {
  realm: 'authz', enabled: true, users: hostileUsers(),
  clients: [
    conf('web', [CB], { attributes: { 'post.logout.redirect.uris': LOGGED_OUT } }),
    conf('wild', [`${WILD}*`]),
    conf('other', ['https://other.example/cb'], { attributes: { 'post.logout.redirect.uris': '+' } }),
    { clientId: 'native', publicClient: true, redirectUris: [LOOP] },
  ],
};

describe('hostile authorization and logout requests', () => {
  let srv; let ep;
  before(async () => {
    srv = await startServer({ realm: await realmDir(REALM) });
    ep = endpoints(srv.baseUrl, 'authz');
  });
  after(async () => { await srv?.stop(); });
  afterEach(async () => {
    const r = await send(ep.discovery);
    assert.equal(r.status, 200, `server stopped serving: ${show(r)}`);
  });

  const params = (client_id, redirect_uri, extra = {}) => ({
    client_id, response_type: 'code', scope: 'openid', redirect_uri, state: 'st', nonce: 'n', ...extra,
  });
  const tokens = async (clientId = 'web') => {
    const r = await tokenRequest(ep, { grant_type: 'password', username: 'alice', password: 'alice-pw', scope: 'openid' },
      { basic: [clientId, `${clientId}-secret`] });
    assert.equal(r.status, 200, show(r));
    return r.json;
  };
  const sessionAlive = async (t, clientId = 'web') => {
    const r = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, { basic: [clientId, `${clientId}-secret`] });
    assert.equal(r.status, 200, `the session did not survive a refused logout: ${show(r)}`);
  };

  /** [client, redirect_uri, what]: each must give the HTML 400 "Invalid parameter: redirect_uri" page, no Location. */
  const REDIRECTS = [
    ['web', 'https://rp.example@evil.example/cb', 'registered host as user-info of another host'],
    ['web', 'https://rp.example.evil.example/cb', 'registered host as a prefix of another host'],
    ['web', 'https://evil.example/cb?https://rp.example/cb', 'registered URI inside the query of another host'],
    ['web', 'https://rp.example%2f%2f@evil.example/cb', 'encoded slashes in user-info'],
    ['web', 'https://rp.example/cb%2f..%2f..%2fevil', 'encoded slashes and dot segments after the path'],
    ['web', 'https://rp.example/cb/../evil', 'dot segments after the path'],
    ['web', 'https://rp.example:444/cb', 'different port'],
    ['web', 'https://rp.example/cb/extra', 'added path'],
    ['web', 'https://user:pw@rp.example/cb', 'user-info on the registered host'],
    ['web', 'https://rp.example/cb#frag', 'fragment'],
    ['web', 'https://rp.example/cb#@evil.example', 'fragment hiding another host'],
    ['web', 'javascript:alert(document.domain)//https://rp.example/cb', 'javascript: scheme'],
    ['web', 'JaVaScRiPt:alert(1)', 'javascript: scheme in mixed case'],
    ['web', 'data:text/html,<script>alert(1)</script>', 'data: scheme'],
    ['web', 'http://rp.example/cb', 'scheme downgraded to http'],
    ['web', '//evil.example/cb', 'scheme-relative URI'],
    ['web', 'https://rp.example\\@evil.example/cb', 'backslash before @'],
    ['web', `${CB}\r\nLocation: https://evil.example/`, 'raw CR/LF after the registered URI'],
    ['web', `${CB}%0d%0aSet-Cookie:%20${HOSTILE_MARKER}=1`, 'encoded CR/LF after the registered URI'],
    ['web', `${CB}\u0000`, 'NUL byte after the registered URI'],
    ['web', `${CB}?next=https://evil.example/`, 'added query naming another host'],
    ['wild', `${WILD}../../evil`, 'wildcard: dot segments'],
    ['wild', `${WILD}%2e%2e/%2e%2e/evil`, 'wildcard: encoded dot segments'],
    ['wild', `${WILD}..%2f..%2fevil`, 'wildcard: dot segments with encoded slashes'],
    ['wild', `${WILD}..%5c..%5cevil`, 'wildcard: dot segments with encoded backslashes'],
    ['wild', 'https://wild.example/app/\\..\\..\\evil', 'wildcard: dot segments with backslashes'],
    ['wild', 'https://user@wild.example/app/cb', 'wildcard: user-info'],
    ['wild', 'https://wild.example.evil.example/app/cb', 'wildcard: registered host as a prefix of another host'],
    ['wild', 'https://wild.example:8443/app/cb', 'wildcard: different port'],
    ['wild', 'https://wild.example/application', 'wildcard: path prefix without the slash'],
    ['wild', `${WILD}cb#frag`, 'wildcard: fragment'],
    ['wild', `${WILD}cb\r\nSet-Cookie: ${HOSTILE_MARKER}=1`, 'wildcard: raw CR/LF'],
    ['wild', 'http://wild.example/app/cb', 'wildcard: scheme downgraded to http'],
    ['native', 'http://127.0.0.1:80@evil.example/cb', 'loopback: loopback address as user-info of another host'],
    ['native', 'http://127.0.0.1.evil.example/cb', 'loopback: loopback address as a prefix of another host'],
    ['native', 'http://127.0.0.1:8080/cb/../../evil', 'loopback: any port, but dot segments'],
  ];
  for (const [client, uri, what] of REDIRECTS) {
    it(`/auth ${what} (${JSON.stringify(uri).slice(1, 60)}): 400 page, no redirect`, async () => {
      assertErrorPage(await send(authUrl(ep, params(client, uri))), { message: 'Invalid parameter: redirect_uri' });
    });
  }

  it('/auth duplicated redirect_uri (registered, then another host): 400 page, no redirect', async () => {
    assertErrorPage(await send(`${authUrl(ep, params('web', CB))}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`));
  });

  it('/auth duplicated redirect_uri (another host, then registered): 400 page, no redirect', async () => {
    const p = params('web', 'https://evil.example/cb');
    assertErrorPage(await send(`${authUrl(ep, p)}&redirect_uri=${encodeURIComponent(CB)}`));
  });

  it('/auth duplicated client_id (two clients): 400 page, no redirect', async () => {
    assertErrorPage(await send(`${authUrl(ep, params('web', CB))}&client_id=wild`));
  });

  for (const dup of ['state=again', `code_challenge=${'a'.repeat(43)}`, 'prompt=login']) {
    it(`/auth duplicated ${dup.split('=')[0]}: redirect with invalid_request, no code`, async () => {
      const r = await send(`${authUrl(ep, params('web', CB, { prompt: 'none', code_challenge: 'b'.repeat(43) }))}&${dup}`);
      assert.equal(r.status, 302, show(r));
      assert.ok(r.location.startsWith(`${CB}?`), r.location);
      const p = redirectParams(r.location);
      assert.equal(p.error, 'invalid_request', r.location);
      assert.equal(p.code, undefined);
    });
  }

  it('/auth state with CR/LF (prompt=none error redirect): no header split, state round-trips encoded', async () => {
    const q = new URLSearchParams(params('web', CB, { prompt: 'none', state: INJECT }));
    const r = await rawCall(srv.httpPort, 'GET', `/realms/authz/protocol/openid-connect/auth?${q}`);
    assertNoInjectedHeader(r);
    assert.equal(r.status, 302, r.head);
    const p = redirectParams(r.headers.location);
    assert.deepEqual([p.error, p.state], ['login_required', INJECT], r.headers.location);
  });

  it('/auth response_mode with CR/LF: invalid_request redirect, no header split', async () => {
    const q = new URLSearchParams(params('web', CB, { response_mode: `query\r\n${HOSTILE_MARKER}: 1` }));
    const r = await rawCall(srv.httpPort, 'GET', `/realms/authz/protocol/openid-connect/auth?${q}`);
    assertNoInjectedHeader(r);
    assert.equal(r.status, 302, r.head);
    assert.equal(redirectParams(r.headers.location).error, 'invalid_request', r.headers.location);
  });

  it('/auth form_post error page: state with markup is escaped, the page cannot be framed', async () => {
    const r = await send(authUrl(ep, params('web', CB, { prompt: 'none', response_mode: 'form_post', state: XSS })));
    assert.equal(r.status, 200, show(r));
    assert.equal(r.location, null);
    assertEscaped(r.text, XSS, 'form_post page');
    assert.match(r.text, /name="error" value="login_required"/);
    assertNotFramable(r.headers, 'form_post page');
  });

  it('/auth login_hint with markup: the login page escapes it', async () => {
    const r = await send(authUrl(ep, params('web', CB, { login_hint: XSS })));
    assert.equal(r.status, 200, show(r));
    assert.match(r.text, /id="kc-form-login"/);
    assertEscaped(r.text, XSS, 'login page');
  });

  it('/auth ui_locales with markup: the login page does not echo it', async () => {
    const r = await send(authUrl(ep, params('web', CB, { ui_locales: XSS })));
    assert.equal(r.status, 200, show(r));
    assertEscaped(r.text, XSS, 'login page');
  });

  it('/auth client_id with markup: "Client not found." page, nothing echoed', async () => {
    const r = await send(authUrl(ep, params(XSS, CB)));
    assertErrorPage(r, { message: 'Client not found.' });
    assertEscaped(r.text, XSS, 'error page');
  });

  it('/auth (POST) claims nested 1300 objects deep: invalid_request redirect', async () => {
    const claims = `${'{"a":'.repeat(1300)}null${'}'.repeat(1300)}`;
    const r = await send(ep.auth, { form: params('web', CB, { claims }) });
    assert.equal(r.status, 302, show(r));
    assert.equal(redirectParams(r.location).error, 'invalid_request', r.location);
  });

  it('/auth claims with invalid UTF-8: invalid_request redirect', async () => {
    const r = await send(`${authUrl(ep, params('web', CB))}&claims=${encodeURIComponent('{"userinfo":{"')}%FF%FE${encodeURIComponent('":null}}')}`);
    assert.equal(r.status, 302, show(r));
    assert.equal(redirectParams(r.location).error, 'invalid_request', r.location);
  });

  /** Logout: [what, query (a function of fresh tokens)]; each must give the 400 page, no redirect, and keep the session. */
  const LOGOUTS = [
    ['post_logout_redirect_uri on another host', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://evil.example/' })],
    ['registered host as user-info of another host', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://rp.example@evil.example/logged-out' })],
    ['registered host as a prefix of another host', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://rp.example.evil.example/logged-out' })],
    ['fragment hiding another host', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: `${LOGGED_OUT}#@evil.example` })],
    ['javascript: URI', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'javascript:alert(document.cookie)' })],
    ['scheme-relative URI', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: '//evil.example/logged-out' })],
    ['different port', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://rp.example:8443/logged-out' })],
    ['dot segments', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: `${LOGGED_OUT}/../../evil` })],
    ['raw CR/LF after the registered URI', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: `${LOGGED_OUT}\r\nLocation: https://evil.example/` })],
    ['a redirect URI (not a post-logout URI) of the client', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: CB })],
    ['the post-logout URI of another client', (t) => ({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://other.example/cb' })],
    ['client_id naming another client than the hint', (t) => ({ id_token_hint: t.id_token, client_id: 'other', post_logout_redirect_uri: 'https://other.example/cb' })],
    ['client_id without a hint, URI on another host', () => ({ client_id: 'web', post_logout_redirect_uri: 'https://evil.example/' })],
    ['registered URI without a hint or client_id', () => ({ post_logout_redirect_uri: LOGGED_OUT })],
    ['legacy redirect_uri parameter', (t) => ({ id_token_hint: t.id_token, redirect_uri: 'https://evil.example/' })],
  ];
  for (const [what, query] of LOGOUTS) {
    it(`logout: ${what}: 400 page, no redirect, session kept`, async () => {
      const t = await tokens();
      assertErrorPage(await send(`${ep.logout}?${new URLSearchParams({ ...query(t), state: 's' })}`));
      await sessionAlive(t);
    });
  }

  it('logout POST form: post_logout_redirect_uri on another host: 400 page, no redirect, session kept', async () => {
    const t = await tokens();
    assertErrorPage(await send(ep.logout, { form: { id_token_hint: t.id_token, post_logout_redirect_uri: 'https://evil.example/', state: 's' } }));
    await sessionAlive(t);
  });

  it('logout with a valid hint and state with CR/LF: one clean redirect to the registered URI', async () => {
    const t = await tokens();
    const q = new URLSearchParams({ id_token_hint: t.id_token, post_logout_redirect_uri: LOGGED_OUT, state: INJECT });
    const r = await rawCall(srv.httpPort, 'GET', `/realms/authz/protocol/openid-connect/logout?${q}`);
    assertNoInjectedHeader(r);
    assert.equal(r.status, 302, r.head);
    assert.ok(r.headers.location.startsWith(`${LOGGED_OUT}?`), r.headers.location);
    assert.deepEqual(redirectParams(r.headers.location), { state: INJECT });
  });

  it('logout confirmation page (no hint) with state and markup: nothing unescaped, cannot be framed', async () => {
    const r = await send(`${ep.logout}?${new URLSearchParams({ client_id: 'web', post_logout_redirect_uri: LOGGED_OUT, state: XSS, ui_locales: XSS })}`);
    assert.equal(r.status, 200, show(r));
    assert.match(r.text, /id="kc-logout-confirm"/);
    assertEscaped(r.text, XSS, 'logout confirmation');
    assertNotFramable(r.headers, 'logout confirmation');
  });
});
