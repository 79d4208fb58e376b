// Error paths of the browser login / authorization code flow, driven with
// plain fetch (cookie jar, login form parsed from the HTML).
// References: keycloak-compat.md §5.1-5.3, §5.7, §6; oidf-catalogue.md §1.4, §1.5, §2.4, §2.5.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import {
  realmDir, user, endpoints, authUrl, CookieJar, send, parseForm, fetchLogin, redirectParams, tokenRequest,
  pkcePair, jwtHeader, jwtPayload, sleep, show,
} from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const ODD_SECRET = 'a:b+c/d=e%f g&h';
const client = (clientId, extra = {}) => ({
  clientId, publicClient: false, secret: `${clientId}-secret`, redirectUris: [CB], ...extra,
  attributes: { 'post.logout.redirect.uris': '+', ...(extra.attributes ?? {}) },
});
const realm = (name, extra = {}) => ({
  realm: name, enabled: true,
  users: [user('alice', 'alice-pw', { email: 'alice@example.com' }), user('bob', 'bob-pw')],
  clients: [client('web'), client('other')], ...extra,
});
const REALMS = [
  realm('err', {
    clients: [client('web'), client('other'), client('pkce', { attributes: { 'pkce.code.challenge.method': 'S256' } }),
      client('consent', { consentRequired: true }), client('odd', { secret: ODD_SECRET }),
      { clientId: 'spa', publicClient: true, redirectUris: [CB] }],
  }),
  realm('short', { accessCodeLifespan: 1 }),
  realm('tab', { accessCodeLifespanLogin: 2 }),
  realm('rot', { revokeRefreshToken: true, refreshTokenMaxReuse: 0 }),
  realm('bf', {
    bruteForceProtected: true, failureFactor: 2, waitIncrementSeconds: 2, maxFailureWaitSeconds: 2,
    quickLoginCheckMilliSeconds: 1, minimumQuickLoginWaitSeconds: 1, permanentLockout: false,
  }),
];

describe('authorization code flow: error paths', () => {
  let srv; let ep; let eps;
  before(async () => {
    srv = await startServer({ realm: await realmDir(...REALMS) });
    eps = Object.fromEntries(REALMS.map((r) => [r.realm, endpoints(srv.baseUrl, r.realm)]));
    ep = eps.err;
  });
  after(async () => { await srv?.stop(); });

  const params = (clientId = 'web', extra = {}) => ({
    client_id: clientId, response_type: 'code', redirect_uri: CB, scope: 'openid', state: 'st-123', nonce: 'n-1', ...extra,
  });
  const secret = (clientId) => (clientId === 'odd' ? ODD_SECRET : `${clientId}-secret`);

  /** Logs in with fetch; returns {code, params, jar}. */
  async function getCode({ e = ep, clientId = 'web', extra = {}, username = 'alice', password = `${username}-pw`, jar } = {}) {
    const r = await fetchLogin(authUrl(e, params(clientId, extra)), { jar, username, password });
    assert.equal(r.final.status, 302, `login did not redirect: ${show(r.final)}`);
    assert.ok(r.params?.code, `no code: ${r.location}`);
    return { code: r.params.code, params: r.params, jar: r.jar, location: r.location };
  }
  const exchange = (code, { e = ep, clientId = 'web', form = {}, auth = clientId } = {}) => tokenRequest(e,
    { grant_type: 'authorization_code', code, redirect_uri: CB, ...form }, { basic: auth ? [auth, secret(auth)] : undefined });
  async function tokens(opts = {}) {
    const { code, jar } = await getCode(opts);
    const r = await exchange(code, opts);
    assert.equal(r.status, 200, show(r));
    return { ...r.json, jar };
  }
  const refresh = (rt, { e = ep, clientId = 'web' } = {}) =>
    tokenRequest(e, { grant_type: 'refresh_token', refresh_token: rt }, { basic: [clientId, secret(clientId)] });

  function assertErrorPage(r, message) {
    assert.equal(r.status, 400, `expected an HTML 400 error page: ${show(r)}`);
    assert.equal(r.location, null, `error page must not redirect: ${r.location}`);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(r.text, /id="kc-error-message"/);
    if (message) assert.ok(r.text.includes(message), `error page lacks "${message}": ${r.text.slice(-600)}`);
  }
  function assertTokenError(r, status, error, description) {
    assert.equal(r.status, status, show(r));
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.json?.error, error, show(r));
    if (description !== undefined) assert.equal(r.json.error_description, description, show(r));
    assert.match(r.headers.get('cache-control') ?? '', /no-store/, 'token error without Cache-Control: no-store');
  }
  /** An authorization error redirect: error (+description), state, iss, no code; description in the allowed charset. */
  function assertAuthError(r, error, description, { state = 'st-123' } = {}) {
    assert.equal(r.status, 302, show(r));
    assert.ok(r.location?.startsWith(CB), `redirect to ${r.location}`);
    const p = redirectParams(r.location);
    assert.equal(p.error, error, r.location);
    if (description !== undefined) assert.equal(p.error_description, description, r.location);
    if (p.error_description) assert.match(p.error_description, /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/, 'error_description charset');
    assert.equal(p.state, state ?? undefined, `state in ${r.location}`);
    assert.equal(p.iss, ep.issuer, `iss in ${r.location}`);
    assert.equal(p.code, undefined);
    const extra = Object.keys(p).filter((k) => !['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss'].includes(k));
    assert.deepEqual(extra, [], 'unexpected parameters in an error response');
  }

  for (const redirect_uri of [`${CB}/x`, `${CB}?foo=bar`, 'https://rp.example/cb2', 'https://evil.example/cb', 'https://rp.example/CB', undefined]) {
    it(`redirect_uri ${redirect_uri ?? '(missing, scope openid)'}: HTML 400 page, no redirect`, async () => {
      const p = params('web', { redirect_uri });
      if (redirect_uri === undefined) delete p.redirect_uri;
      assertErrorPage(await send(authUrl(ep, p)), 'Invalid parameter: redirect_uri');
    });
  }

  it('unknown client_id: HTML 400 page "Client not found.", no redirect', async () => {
    assertErrorPage(await send(authUrl(ep, params('no-such-client'))), 'Client not found.');
  });

  it('missing client_id: HTML 400 page "Missing parameter: client_id", no redirect', async () => {
    const p = params();
    delete p.client_id;
    assertErrorPage(await send(authUrl(ep, p)), 'Missing parameter: client_id');
  });

  const AUTH_ERRORS = [
    ['response_type=token', 'web', { response_type: 'token' }, 'unsupported_response_type'],
    ['response_type missing', 'web', { response_type: undefined }, 'invalid_request', 'Missing parameter: response_type'],
    ['response_mode=bogus', 'web', { response_mode: 'bogus' }, 'invalid_request'],
    ['PKCE-enforced client without PKCE', 'pkce', {}, 'invalid_request', 'Missing parameter: code_challenge_method'],
    ['PKCE-enforced client with plain', 'pkce', { code_challenge: pkcePair().challenge, code_challenge_method: 'plain' },
      'invalid_request', 'Invalid parameter: code challenge method is not configured one'],
    ['PKCE-enforced client without code_challenge', 'pkce', { code_challenge_method: 'S256' }, 'invalid_request', 'Missing parameter: code_challenge'],
    ['PKCE-enforced client with a malformed code_challenge', 'pkce', { code_challenge: 'short', code_challenge_method: 'S256' },
      'invalid_request', 'Invalid parameter: code_challenge'],
    // Keycloak's checkValidScope: a scope the client does not have is refused, not ignored.
    ['an unknown scope', 'web', { scope: 'openid no-such-scope' }, 'invalid_scope', 'Invalid scopes: openid no-such-scope'],
    // Keycloak's order: the scope is checked before PKCE.
    ['an unknown scope on a PKCE-enforced client without PKCE', 'pkce', { scope: 'openid nope' },
      'invalid_scope', 'Invalid scopes: openid nope'],
  ];
  for (const [what, clientId, extra, error, description] of AUTH_ERRORS) {
    it(`${what}: redirect with ${error}, state and iss`, async () => {
      const p = params(clientId, extra);
      for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
      assertAuthError(await send(authUrl(ep, p)), error, description);
    });
  }

  it('a duplicated parameter at /auth is rejected (no login page, no code)', async () => {
    for (const dup of ['scope=openid', 'response_type=code', 'nonce=other']) {
      const r = await send(`${authUrl(ep, params())}&${dup}`);
      if (r.status === 302) {
        const p = redirectParams(r.location);
        assert.equal(p.error, 'invalid_request', `${dup}: ${r.location}`);
        assert.equal(p.error_description, 'duplicated parameter');
        assert.equal(p.state, 'st-123', `${dup}: state not echoed on the error: ${r.location}`);
        assert.equal(p.iss, ep.issuer);
        assert.equal(p.code, undefined);
      } else {
        assertErrorPage(r);
      }
    }
    assertErrorPage(await send(`${authUrl(ep, params())}&client_id=web`));
    assertErrorPage(await send(`${authUrl(ep, params())}&redirect_uri=${encodeURIComponent(CB)}`));
  });

  it('prompt=none without a session: login_required with state and iss', async () => {
    assertAuthError(await send(authUrl(ep, params('web', { prompt: 'none' }))), 'login_required', undefined);
  });

  it('login POST without or with a wrong csrf_token: error page, nobody logged in', async () => {
    for (const mutate of [(f) => { delete f.csrf_token; }, (f) => { f.csrf_token = `x${f.csrf_token.slice(1)}`; }, (f) => { f.csrf_token = ''; }]) {
      const jar = new CookieJar();
      const page = await send(authUrl(ep, params()), { jar });
      const form = parseForm(page.text, 'kc-form-login');
      assert.ok(form?.fields.csrf_token, 'login form without csrf_token');
      const fields = { ...form.fields, username: 'alice', password: 'alice-pw' };
      mutate(fields);
      const r = await send(form.action, { jar, form: fields });
      assertErrorPage(r);
      assert.equal(jar.get('KEYCLOAK_IDENTITY'), undefined, 'SSO cookie set despite the CSRF failure');
      assertAuthError(await send(authUrl(ep, params('web', { prompt: 'none' })), { jar }), 'login_required');
    }
  });

  it('wrong password and unknown user re-render the login page with the same message', async () => {
    for (const [username, password] of [['alice', 'nope'], ['nobody', 'alice-pw']]) {
      const r = await fetchLogin(authUrl(ep, params()), { username, password });
      assert.equal(r.login.status, 200, show(r.login));
      assert.ok(r.login.text.includes('Invalid username or password.'), `${username}: ${r.login.text.slice(-800)}`);
      assert.ok(parseForm(r.login.text, 'kc-form-login'), 'login form not re-rendered');
    }
  });

  it('code reuse: 400 Code not valid, and the first exchange\'s refresh token stops working', async () => {
    const { code } = await getCode();
    const first = await exchange(code);
    assert.equal(first.status, 200, show(first));
    assertTokenError(await exchange(code), 400, 'invalid_grant', 'Code not valid');
    const r = await refresh(first.json.refresh_token);
    assertTokenError(r, 400, 'invalid_grant');
  });

  it('code reuse revokes only what the code issued: the SSO session and another client\'s tokens stay', async () => {
    // Keycloak detaches the code's client session, not the user session.
    const { code, jar } = await getCode();
    const first = await exchange(code);
    assert.equal(first.status, 200, show(first));
    const other = await getCode({ clientId: 'other', jar });
    const second = await exchange(other.code, { clientId: 'other' });
    assert.equal(second.status, 200, show(second));
    assertTokenError(await exchange(code), 400, 'invalid_grant', 'Code not valid');
    const info = await send(ep.userinfo, { headers: { authorization: `Bearer ${first.json.access_token}` } });
    assert.equal(info.status, 401, `access token of the replayed code still works: ${show(info)}`);
    assert.equal((await refresh(second.json.refresh_token, { clientId: 'other' })).status, 200, 'other client\'s refresh token');
    const sso = await fetchLogin(authUrl(ep, params()), { jar });
    assert.equal(sso.login, undefined, 'the SSO session ended: the login form was shown again');
    assert.ok(sso.params?.code, `no code from the SSO session: ${show(sso.final)}`);
    assert.equal((await exchange(sso.params.code)).status, 200);
  });

  it('wrong redirect_uri or another client at the token endpoint: invalid_grant, and the code is spent', async () => {
    let { code } = await getCode();
    assertTokenError(await exchange(code, { form: { redirect_uri: `${CB}/other` } }), 400, 'invalid_grant', 'Incorrect redirect_uri');
    assertTokenError(await exchange(code), 400, 'invalid_grant', 'Code not valid');
    ({ code } = await getCode());
    assertTokenError(await exchange(code, { auth: 'other' }), 400, 'invalid_grant', 'Auth error: Found different client_id in clientSession');
    assertTokenError(await exchange(code), 400, 'invalid_grant', 'Code not valid');
    assertTokenError(await exchange('garbage'), 400, 'invalid_grant', 'Code not valid');
    assertTokenError(await tokenRequest(ep, { grant_type: 'authorization_code', redirect_uri: CB }, { basic: ['web', 'web-secret'] }),
      400, 'invalid_request', 'Missing parameter: code');
  });

  it('PKCE: missing, malformed, mismatching and unexpected verifiers give Keycloak\'s messages', async () => {
    const withPkce = async (method = 'S256', clientId = 'web') => {
      const pk = pkcePair();
      const challenge = method === 'plain' ? pk.verifier : pk.challenge;
      const { code } = await getCode({ clientId, extra: { code_challenge: challenge, code_challenge_method: method } });
      return { code, ...pk };
    };
    let c = await withPkce();
    assertTokenError(await exchange(c.code), 400, 'invalid_grant', 'PKCE code verifier not specified');
    assertTokenError(await exchange(c.code, { form: { code_verifier: c.verifier } }), 400, 'invalid_grant', 'Code not valid');
    c = await withPkce('S256', 'pkce');
    assertTokenError(await exchange(c.code, { clientId: 'pkce', form: { code_verifier: pkcePair().verifier } }),
      400, 'invalid_grant', 'PKCE verification failed: Code mismatch');
    c = await withPkce('plain');
    assertTokenError(await exchange(c.code, { form: { code_verifier: 'too-short' } }), 400, 'invalid_grant', 'PKCE verification failed: Invalid code verifier');
    c = await withPkce('plain');
    assertTokenError(await exchange(c.code, { form: { code_verifier: pkcePair().verifier } }), 400, 'invalid_grant', 'PKCE verification failed: Code mismatch');
    const { code } = await getCode();
    assertTokenError(await exchange(code, { form: { code_verifier: pkcePair().verifier } }), 400, 'invalid_grant',
      'PKCE code verifier specified but challenge not present in authorization');
    c = await withPkce('S256', 'pkce');
    const ok = await exchange(c.code, { clientId: 'pkce', form: { code_verifier: c.verifier } });
    assert.equal(ok.status, 200, show(ok));
  });

  it('an expired code (accessCodeLifespan 1 s, used after 2 s) is refused', async () => {
    const e = eps.short;
    const { code } = await getCode({ e });
    await sleep(2100);
    assertTokenError(await exchange(code, { e }), 400, 'invalid_grant', 'Code not valid');
  });

  it('client authentication failures: 401 invalid_client with WWW-Authenticate: Basic; the code survives', async () => {
    const { code } = await getCode();
    const form = { grant_type: 'authorization_code', code, redirect_uri: CB };
    const cases = [
      ['wrong secret (basic)', () => tokenRequest(ep, form, { basic: ['web', 'wrong'] })],
      ['wrong secret (post)', () => tokenRequest(ep, { ...form, client_id: 'web', client_secret: 'wrong' })],
      ['no secret', () => tokenRequest(ep, { ...form, client_id: 'web' })],
      ['unknown client', () => tokenRequest(ep, form, { basic: ['nobody', 'x'] })],
      ['unparsable Basic header', () => send(ep.token, { form, headers: { authorization: 'Basic !!!' } })],
    ];
    for (const [what, call] of cases) {
      const r = await call();
      assert.equal(r.status, 401, `${what}: ${show(r)}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm="err"/, `${what}: WWW-Authenticate`);
      assert.equal(r.json?.error, 'invalid_client', `${what}: ${show(r)}`);
      if (what !== 'unparsable Basic header') {
        assert.equal(r.json.error_description, 'Invalid client or Invalid client credentials', what);
      }
      assert.match(r.headers.get('cache-control') ?? '', /no-store/, `${what}: Cache-Control`);
    }
    const ok = await tokenRequest(ep, { ...form, client_id: 'web', client_secret: 'web-secret' });
    assert.equal(ok.status, 200, `client_secret_post after failed attempts: ${show(ok)}`);
  });

  it('client_secret_basic decodes form-urlencoded halves (secret with : + / = % space &); public clients send client_id only', async () => {
    const odd = await getCode({ clientId: 'odd' });
    const r = await exchange(odd.code, { clientId: 'odd' });
    assert.equal(r.status, 200, show(r));
    const spa = await getCode({ clientId: 'spa' });
    const p = await tokenRequest(ep, { grant_type: 'authorization_code', code: spa.code, redirect_uri: CB, client_id: 'spa' });
    assert.equal(p.status, 200, show(p));
  });

  it('a duplicated body parameter at /token: 400 duplicated parameter, before the code is looked at', async () => {
    const { code } = await getCode();
    const body = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&redirect_uri=${encodeURIComponent(CB)}`;
    const auth = `Basic ${Buffer.from('web:web-secret').toString('base64')}`;
    const r = await send(ep.token, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth } });
    assertTokenError(r, 400, 'invalid_request', 'duplicated parameter');
    const ok = await exchange(code);
    assert.equal(ok.status, 200, `code spent by the duplicated-parameter request: ${show(ok)}`);
  });

  it('Cache-Control: no-store and Keycloak member order on token responses', async () => {
    const t = await exchange((await getCode()).code);
    assert.match(t.headers.get('cache-control') ?? '', /no-store/);
    assert.deepEqual(Object.keys(t.json), ['access_token', 'expires_in', 'refresh_expires_in', 'refresh_token', 'token_type',
      'id_token', 'not-before-policy', 'session_state', 'scope']);
    assert.equal(t.json.token_type, 'Bearer');
    const r = await refresh(t.json.refresh_token);
    assert.equal(r.status, 200, show(r));
    assert.match(r.headers.get('cache-control') ?? '', /no-store/, 'refresh response');
    assertTokenError(await refresh('not-a-token'), 400, 'invalid_grant', 'Invalid refresh token');
    assertTokenError(await refresh(r.json.refresh_token, { clientId: 'other' }), 400, 'invalid_grant',
      'Invalid refresh token. Token client and authorized client don\'t match');
  });

  it('revokeRefreshToken: a used refresh token is refused', async () => {
    const e = eps.rot;
    const t = await tokens({ e });
    const r1 = await refresh(t.refresh_token, { e });
    assert.equal(r1.status, 200, show(r1));
    assertTokenError(await refresh(t.refresh_token, { e }), 400, 'invalid_grant', 'Maximum allowed refresh token reuse exceeded');
  });

  it('consent: cancel → access_denied; prompt=none without stored consent → consent_required', async () => {
    const r = await fetchLogin(authUrl(ep, params('consent')), { username: 'bob', password: 'bob-pw', consent: 'cancel' });
    assert.ok(r.consent, `no consent page: ${show(r.final)}`);
    assertAuthError(r.final, 'access_denied');
    assertAuthError(await send(authUrl(ep, params('consent', { prompt: 'none' })), { jar: r.jar }), 'consent_required');
  });

  it('userinfo refusals: empty body, error in WWW-Authenticate', async () => {
    const none = await send(ep.userinfo);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="err"');
    assert.equal(none.text, '');
    for (const token of ['garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
      const bad = await send(ep.userinfo, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(bad.status, 401, show(bad));
      assert.equal(bad.headers.get('www-authenticate'),
        'Bearer realm="err", error="invalid_token", error_description="Token verification failed"');
      assert.equal(bad.text, '');
    }
    const t = await tokens({ extra: { scope: 'profile' } });
    assert.ok(!t.scope.split(' ').includes('openid'), t.scope);
    assert.ok(!('id_token' in t), 'id_token issued without the openid scope');
    const noOpenid = await send(ep.userinfo, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(noOpenid.status, 403, show(noOpenid));
    assert.equal(noOpenid.headers.get('www-authenticate'),
      'Bearer realm="err", error="insufficient_scope", error_description="Missing openid scope"');
    assert.equal(noOpenid.text, '');
  });

  it('logout with a forged id_token_hint or an unregistered post_logout_redirect_uri: 400 page, no redirect, session kept', async () => {
    const t = await tokens();
    const header = jwtHeader(t.id_token);
    const payload = jwtPayload(t.id_token);
    const { privateKey } = await jose.generateKeyPair('RS256');
    const resigned = await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${t.id_token.split('.')[1]}.`;
    const tampered = t.id_token.replace(/\.([^.]+)\./, (_m, p) => `.${Buffer.from(JSON.stringify({ ...payload, sub: 'x' })).toString('base64url')}.`);
    for (const hint of [resigned, none, tampered]) {
      const q = new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: CB, state: 's' });
      assertErrorPage(await send(`${ep.logout}?${q}`, { jar: t.jar }));
    }
    const q = new URLSearchParams({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://evil.example/', state: 's' });
    assertErrorPage(await send(`${ep.logout}?${q}`, { jar: t.jar }));
    const r = await refresh(t.refresh_token);
    assert.equal(r.status, 200, `session did not survive refused logouts: ${show(r)}`);
  });

  it('logout with a valid hint redirects with state; without a hint a confirmation page logs out on submit', async () => {
    const a = await tokens();
    const q = new URLSearchParams({ id_token_hint: a.id_token, post_logout_redirect_uri: CB, state: 'bye' });
    const r = await send(`${ep.logout}?${q}`, { jar: a.jar });
    assert.equal(r.status, 302, show(r));
    assert.equal(redirectParams(r.location).state, 'bye');
    assertTokenError(await refresh(a.refresh_token), 400, 'invalid_grant', 'Session not active');

    const b = await tokens();
    const page = await send(ep.logout, { jar: b.jar });
    assert.equal(page.status, 200, show(page));
    const form = parseForm(page.text, 'kc-logout-confirm');
    assert.ok(form, `no form#kc-logout-confirm: ${page.text.slice(-600)}`);
    assert.match(page.text, /id="kc-logout"/);
    assert.equal((await refresh(b.refresh_token)).status, 200, 'showing the confirmation page must not log out');
    const done = await send(form.action, { jar: b.jar, form: { ...form.fields, confirmLogout: 'Logout' } });
    assert.ok(done.status < 400, show(done));
    assertTokenError(await refresh(b.refresh_token), 400, 'invalid_grant', 'Session not active');
    assertAuthError(await send(authUrl(ep, params('web', { prompt: 'none' })), { jar: b.jar }), 'login_required');
  });

  it('back-channel logout: POST refresh_token + client credentials → 204, then the refresh token is dead', async () => {
    const t = await tokens();
    const r = await send(ep.logout, { form: { refresh_token: t.refresh_token, client_id: 'web', client_secret: 'web-secret' } });
    assert.equal(r.status, 204, show(r));
    assert.equal(r.text, '');
    assertTokenError(await refresh(t.refresh_token), 400, 'invalid_grant', 'Session not active');
    assertAuthError(await send(authUrl(ep, params('web', { prompt: 'none' })), { jar: t.jar }), 'login_required');
  });

  it('brute force: after failureFactor failures even the right password is refused until the wait passes', async () => {
    const e = eps.bf;
    const jar = new CookieJar();
    let page = await send(authUrl(e, params()), { jar });
    const attempt = async (password) => {
      const form = parseForm(page.text, 'kc-form-login');
      assert.ok(form, `no login form: ${show(page)}`);
      const r = await send(form.action, { jar, form: { ...form.fields, username: 'bob', password } });
      if (r.status === 200) page = r;
      return r;
    };
    for (let i = 0; i < 2; i++) {
      const r = await attempt('wrong');
      assert.equal(r.status, 200, show(r));
      assert.ok(r.text.includes('Invalid username or password.'));
    }
    const locked = await attempt('bob-pw');
    assert.equal(locked.status, 200, `right password accepted during lockout: ${show(locked)}`);
    assert.ok(locked.text.includes('Invalid username or password.'), 'lockout must look like a wrong password');
    await sleep(2600);
    const ok = await attempt('bob-pw');
    assert.equal(ok.status, 302, `right password refused after the wait: ${show(ok)}`);
    assert.ok(redirectParams(ok.location).code);
  });

  it('(Keycloak order) a success redirect lists state, session_state, iss, code in that order', async () => {
    const { location, params: p } = await getCode();
    assert.equal(p.session_state, jwtPayload((await exchange(p.code)).json.id_token).sid);
    assert.deepEqual(Object.keys(redirectParams(location)), ['state', 'session_state', 'iss', 'code'], location);
  });

  it('expired login page while logged in: posting it → temporarily_unavailable / authentication_expired', async () => {
    const e = eps.tab;
    const { jar } = await getCode({ e });
    const page = await send(authUrl(e, params('web', { prompt: 'login', state: 'old-tab' })), { jar });
    const form = parseForm(page.text, 'kc-form-login');
    assert.ok(form, `prompt=login did not show the login page: ${show(page)}`);
    await sleep(3100); // accessCodeLifespanLogin is 2 s
    const r = await send(form.action, { jar, form: { ...form.fields, username: 'alice', password: 'alice-pw' } });
    assert.equal(r.status, 302, show(r));
    const p = redirectParams(r.location);
    assert.equal(p.error, 'temporarily_unavailable', r.location);
    assert.equal(p.error_description, 'authentication_expired');
    assert.equal(p.state, 'old-tab');
    assert.equal(p.iss, e.issuer);
  });
});
