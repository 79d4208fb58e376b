// Browser login and authorization code flow, driven through headless Chromium:
// openid-client v6 end to end, then the browser-only behaviours (login page
// options, SSO, prompt/max_age, consent, response modes, OOB).
// References: keycloak-compat.md §3, §5.2, §5.7, §6; oidf-catalogue.md §1.3-1.7, §2.1-2.5.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { launchBrowser, startCallbackServer, waitForUrl } from './lib/browser.mjs';
import { realmDir, user, endpoints, authUrl, tokenRequest, redirectParams, pkcePair, sleep, show } from './lib/flow.mjs';

const REALM = 'flow';

function realm(cbUrl) {
  const conf = (clientId, extra = {}) => ({
    clientId, publicClient: false, secret: `${clientId}-secret`, redirectUris: [cbUrl], webOrigins: ['+'],
    standardFlowEnabled: true, ...extra, attributes: { 'post.logout.redirect.uris': '+', ...(extra.attributes ?? {}) },
  });
  return {
    realm: REALM, enabled: true, rememberMe: true,
    internationalizationEnabled: true, supportedLocales: ['en', 'de'], defaultLocale: 'en',
    users: [
      user('alice', 'alice-pw', { email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell' }),
      user('bob', 'bob-pw', { email: 'bob@example.com', firstName: 'Bob', lastName: 'Builder' }),
      user('carol', 'carol-pw'),
    ],
    clients: [
      conf('rp', { attributes: { 'pkce.code.challenge.method': 'S256' } }),
      conf('rp2'),
      conf('consent-app', { consentRequired: true }),
      conf('oob-app', { redirectUris: ['urn:ietf:wg:oauth:2.0:oob'] }),
    ],
  };
}

describe('browser authorization code flow', () => {
  let srv; let browser; let cb; let ep; let JWKS;

  before(async () => {
    cb = await startCallbackServer();
    const [srvR, browserR] = await Promise.all([
      realmDir(realm(cb.url)).then((dir) => startServer({ realm: dir })),
      launchBrowser(),
    ]);
    srv = srvR; browser = browserR;
    ep = endpoints(srv.baseUrl, REALM);
    JWKS = jose.createRemoteJWKSet(new URL(ep.certs));
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    await cb?.close();
  });

  const base = (clientId = 'rp2', extra = {}) => ({
    client_id: clientId, response_type: 'code', redirect_uri: cb.url, scope: 'openid', state: `st-${Math.random()}`, ...extra,
  });

  /** Asserts a query-mode authorization response at the callback: state and iss always, then returns its params. */
  function callbackParams(url, sent, { part = 'search' } = {}) {
    assert.ok(url.startsWith(cb.url), `expected a redirect to ${cb.url}, browser is at ${url}`);
    const p = redirectParams(url, part);
    assert.equal(p.iss, ep.issuer, `iss missing or wrong in ${url}`);
    if (sent.state !== undefined) assert.equal(p.state, sent.state, `state not echoed in ${url}`);
    else assert.equal(p.state, undefined, 'state returned although none was sent');
    return p;
  }

  /** Goes to /auth; logs in if the login page shows up (it must iff `expectLogin` is true/false when given). */
  async function authorize(page, params, { username = 'alice', password = 'alice-pw', expectLogin, rememberMe } = {}) {
    await page.goto(authUrl(ep, params));
    const loginShown = page.url().startsWith(ep.issuer) && (await page.locator('#kc-form-login').count()) > 0;
    if (expectLogin !== undefined) {
      assert.equal(loginShown, expectLogin, `login page ${expectLogin ? 'not ' : ''}shown for ${authUrl(ep, params)}; at ${page.url()}`);
    }
    if (loginShown) {
      await page.fill('#username', username);
      await page.fill('#password', password);
      if (rememberMe) await page.check('#rememberMe');
      const loginUrl = page.url();
      await Promise.all([page.waitForURL((u) => u.href !== loginUrl, { waitUntil: 'commit' }), page.click('#kc-login')]);
      await page.waitForLoadState('domcontentloaded');
    }
    return page.url();
  }

  async function exchange(code, clientId = 'rp', extra = {}) {
    const r = await tokenRequest(ep, { grant_type: 'authorization_code', code, redirect_uri: cb.url, ...extra },
      { basic: [clientId, `${clientId}-secret`] });
    assert.equal(r.status, 200, `code exchange for ${clientId}: ${show(r)}`);
    return r.json;
  }

  async function idToken(jwt, clientId = 'rp') {
    const { payload } = await jose.jwtVerify(jwt, JWKS, { issuer: ep.issuer, audience: clientId });
    return payload;
  }

  /** Full login with the given client in `page`; returns the verified ID token claims. */
  async function loginAndToken(page, clientId, extra = {}, opts = {}) {
    const sent = base(clientId, extra);
    const url = await authorize(page, sent, opts);
    const p = callbackParams(url, sent);
    assert.ok(p.code, `no code in ${url}`);
    const t = await exchange(p.code, clientId);
    return { claims: await idToken(t.id_token, clientId), tokens: t, params: p };
  }

  it('openid-client: discovery, PKCE code flow, token signatures, refresh, userinfo and end session', async () => {
    const config = await client.discovery(new URL(ep.issuer), 'rp', undefined, client.ClientSecretBasic('rp-secret'),
      { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: cb.url, scope: 'openid profile email', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      await page.goto(url.href);
      assert.ok(await page.locator('form#kc-form-login').count(), `no login form at ${page.url()}`);
      assert.equal(await page.locator('input[type=hidden][name=csrf_token]').count(), 1, 'hidden csrf_token missing');
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-pw');
      await Promise.all([waitForUrl(page, cb.url), page.click('button#kc-login')]);
      const cbUrl = new URL(page.url());
      assert.equal(cbUrl.searchParams.get('iss'), ep.issuer);
      assert.ok(cbUrl.searchParams.get('code').length >= 22, 'authorization code shorter than 128 bits');

      const tokens = await client.authorizationCodeGrant(config, cbUrl,
        { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      assert.equal(tokens.token_type.toLowerCase(), 'bearer'); // oauth4webapi lower-cases it
      const at = await jose.jwtVerify(tokens.access_token, JWKS, { issuer: ep.issuer, typ: 'JWT' });
      assert.equal(at.protectedHeader.alg, 'RS256');
      assert.equal(at.payload.typ, 'Bearer');
      assert.equal(at.payload.azp, 'rp');
      const id = await jose.jwtVerify(tokens.id_token, JWKS, { issuer: ep.issuer, audience: 'rp' });
      assert.equal(id.protectedHeader.alg, 'RS256');
      assert.ok(id.protectedHeader.kid, 'ID token header without kid');
      const claims = tokens.claims();
      assert.equal(claims.nonce, nonce);
      assert.equal(claims.typ, 'ID');
      assert.equal(claims.preferred_username, 'alice');
      assert.equal(claims.sid, at.payload.sid);
      assert.equal(claims.sid, cbUrl.searchParams.get('session_state'), 'session_state != sid');

      await sleep(1100); // a refreshed ID token must have a later iat (oidf §1.6 CompareIdTokenClaims)
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
      const c2 = refreshed.claims();
      await jose.jwtVerify(refreshed.id_token, JWKS, { issuer: ep.issuer, audience: 'rp' });
      await jose.jwtVerify(refreshed.access_token, JWKS, { issuer: ep.issuer });
      assert.equal(c2.sub, claims.sub);
      assert.equal(c2.auth_time, claims.auth_time, 'refresh changed auth_time');
      assert.ok(c2.iat > claims.iat, 'refreshed ID token has the same iat');

      const info = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
      assert.equal(info.sub, claims.sub);
      assert.equal(info.email, 'alice@example.com');
      assert.equal(info.preferred_username, 'alice');

      cb.drain();
      const endState = 'bye+now &=';
      const end = client.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token, post_logout_redirect_uri: cb.url, state: endState });
      await page.goto(end.href);
      assert.ok(page.url().startsWith(cb.url), `end session did not redirect to the post-logout URI: at ${page.url()}`);
      assert.equal(new URL(page.url()).searchParams.get('state'), endState);

      await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token),
        (e) => e.error === 'invalid_grant' && e.error_description === 'Session not active');
      const none = base('rp2', { prompt: 'none' });
      const p = callbackParams(await authorize(page, none, { expectLogin: false }), none);
      assert.equal(p.error, 'login_required');
    } finally {
      await ctx.close();
    }
  });

  it('echoes a long state byte for byte with iss in query, fragment and form_post modes', async () => {
    const longState = `a+b&c=d e/f?g%h#i;é${'x'.repeat(900)}-._~`;
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const q = base('rp2', { state: longState });
      const pq = callbackParams(await authorize(page, q, { expectLogin: true }), q);
      assert.ok(pq.code);

      const f = base('rp2', { state: longState, response_mode: 'fragment' });
      const furl = await authorize(page, f, { expectLogin: false });
      assert.equal(new URL(furl).search, '', `fragment mode put parameters in the query: ${furl}`);
      const pf = callbackParams(furl, f, { part: 'hash' });
      assert.ok(pf.code, `no code in the fragment: ${furl}`);

      cb.drain();
      const fp = base('rp2', { state: longState, response_mode: 'form_post' });
      await page.goto(authUrl(ep, fp));
      const hit = await cb.next();
      await waitForUrl(page, cb.url);
      await page.waitForLoadState('load');
      assert.equal(hit.method, 'POST', 'form_post must deliver with POST');
      assert.match(hit.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
      assert.equal(hit.query, '', `form_post put parameters in the query: ${hit.url}`);
      const body = Object.fromEntries(new URLSearchParams(hit.body));
      assert.equal(body.state, longState);
      assert.equal(body.iss, ep.issuer);
      assert.ok(body.code, `no code in the form_post body: ${hit.body}`);
      await exchange(body.code, 'rp2');

      const noState = base('rp2', { prompt: 'none' });
      delete noState.state;
      callbackParams(await authorize(page, noState, { expectLogin: false }), noState);
    } finally {
      await ctx.close();
    }
  });

  it('login_hint prefills the username; a wrong password re-renders the page with the error', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      await page.goto(authUrl(ep, base('rp2', { login_hint: 'bob@example.com' })));
      assert.equal(await page.inputValue('#username'), 'bob@example.com');
      await page.fill('#password', 'wrong');
      const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#kc-login')]);
      assert.equal(resp.status(), 200);
      assert.match(await page.content(), /Invalid username or password\./);
      assert.ok(await page.locator('form#kc-form-login').count(), 'login form gone after a failed login');
    } finally {
      await ctx.close();
    }
  });

  it('ui_locales=de and Accept-Language: de render the German page; English otherwise', async () => {
    const en = await browser.newContext({ locale: 'en-US' });
    const de = await browser.newContext({ locale: 'de-DE' });
    try {
      const p1 = await en.newPage();
      await p1.goto(authUrl(ep, base('rp2', { ui_locales: 'de' })));
      assert.match(await p1.title(), /^Anmelden bei /);
      assert.equal(await p1.getAttribute('html', 'lang'), 'de');
      await p1.goto(authUrl(ep, base('rp2')));
      assert.match(await p1.title(), /^Sign in to /);
      const p2 = await de.newPage();
      await p2.goto(authUrl(ep, base('rp2')));
      assert.match(await p2.title(), /^Anmelden bei /, 'Accept-Language: de-DE did not select German');
    } finally {
      await en.close();
      await de.close();
    }
  });

  it('remember me makes the SSO cookie persistent; without it the cookie lasts for the browser session', async () => {
    for (const remember of [true, false]) {
      const ctx = await browser.newContext();
      try {
        const page = await ctx.newPage();
        await page.goto(authUrl(ep, base()));
        assert.equal(await page.locator('input[type=checkbox]#rememberMe[name=rememberMe]').count(), 1, 'no rememberMe checkbox');
        const sent = base('rp2');
        const p = callbackParams(await authorize(page, sent, { expectLogin: true, rememberMe: remember }), sent);
        assert.ok(p.code);
        const identity = (await ctx.cookies(ep.issuer + '/')).find((c) => c.name === 'KEYCLOAK_IDENTITY');
        assert.ok(identity, 'no KEYCLOAK_IDENTITY cookie after login');
        if (remember) assert.ok(identity.expires > Date.now() / 1000 + 60, `remember me: cookie expires ${identity.expires}`);
        else assert.equal(identity.expires, -1, 'without remember me KEYCLOAK_IDENTITY must be a session cookie');
      } finally {
        await ctx.close();
      }
    }
  });

  it('cookies are scoped to /realms/{realm}/, HttpOnly, SameSite=Lax and not Secure on plain HTTP', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      await authorize(page, base('rp2'), { expectLogin: true });
      const cookies = await ctx.cookies(ep.issuer + '/');
      const byName = Object.fromEntries(cookies.map((c) => [c.name, c]));
      for (const name of ['AUTH_SESSION_ID', 'KEYCLOAK_IDENTITY']) {
        const c = byName[name];
        assert.ok(c, `${name} missing; cookies: ${Object.keys(byName)}`);
        assert.equal(c.path, `/realms/${REALM}/`, `${name} path`);
        assert.equal(c.httpOnly, true, `${name} HttpOnly`);
        assert.equal(c.sameSite, 'Lax', `${name} SameSite`);
        assert.equal(c.secure, false, `${name} Secure on plain HTTP`);
      }
      for (const c of cookies) assert.equal(c.path, `/realms/${REALM}/`, `${c.name} path`);
    } finally {
      await ctx.close();
    }
  });

  it('SSO: a second /auth for the same or another client is silent; prompt=none works; sub, sid, auth_time unchanged', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const first = await loginAndToken(page, 'rp2', {}, { expectLogin: true });
      await sleep(1100);
      const again = await loginAndToken(page, 'rp2', {}, { expectLogin: false });
      const none = await loginAndToken(page, 'rp2', { prompt: 'none' }, { expectLogin: false });
      for (const c of [again.claims, none.claims]) {
        assert.equal(c.sub, first.claims.sub);
        assert.equal(c.sid, first.claims.sid);
        assert.equal(c.auth_time, first.claims.auth_time, 'silent SSO changed auth_time');
        assert.equal(c.acr, '0', 'acr of an SSO re-use should be "0" (compat §3.3)');
      }
      assert.equal(first.claims.acr, '1');
      // Another client (PKCE-enforced): silent as well.
      const pk = pkcePair();
      const sent = base('rp', { code_challenge: pk.challenge, code_challenge_method: 'S256' });
      const p = callbackParams(await authorize(page, sent, { expectLogin: false }), sent);
      const t = await exchange(p.code, 'rp', { code_verifier: pk.verifier });
      const c = await idToken(t.id_token, 'rp');
      assert.equal(c.sid, first.claims.sid);
      assert.equal(c.auth_time, first.claims.auth_time);
    } finally {
      await ctx.close();
    }
  });

  it('prompt=none without a session: login_required with state and iss in query, fragment and form_post modes', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const sent = base('rp2', { prompt: 'none', state: 'n'.repeat(128) });
      const p = callbackParams(await authorize(page, sent, { expectLogin: false }), sent);
      assert.equal(p.error, 'login_required');
      assert.equal(p.code, undefined);
      // Errors use the requested response mode too (oidf §1.3: never in the query for fragment/form_post).
      const fr = base('rp2', { prompt: 'none', response_mode: 'fragment' });
      const furl = await authorize(page, fr, { expectLogin: false });
      assert.equal(new URL(furl).search, '', `fragment-mode error in the query: ${furl}`);
      assert.equal(callbackParams(furl, fr, { part: 'hash' }).error, 'login_required');
      cb.drain();
      const fp = base('rp2', { prompt: 'none', response_mode: 'form_post' });
      await page.goto(authUrl(ep, fp));
      const hit = await cb.next();
      await waitForUrl(page, cb.url);
      await page.waitForLoadState('load');
      assert.equal(hit.method, 'POST');
      assert.equal(hit.query, '', `form_post error in the query: ${hit.url}`);
      const body = Object.fromEntries(new URLSearchParams(hit.body));
      assert.deepEqual({ error: body.error, state: body.state, iss: body.iss }, { error: 'login_required', state: fp.state, iss: ep.issuer });
    } finally {
      await ctx.close();
    }
  });

  it('prompt=login and an exceeded max_age force the login page and advance auth_time; a generous max_age does not', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const first = await loginAndToken(page, 'rp2', { max_age: '15000' }, { expectLogin: true });
      assert.equal(typeof first.claims.auth_time, 'number');
      await sleep(1100);
      const forced = await loginAndToken(page, 'rp2', { prompt: 'login' }, { expectLogin: true });
      assert.ok(forced.claims.auth_time > first.claims.auth_time, 'prompt=login did not advance auth_time');
      assert.equal(forced.claims.sub, first.claims.sub);
      const silent = await loginAndToken(page, 'rp2', { max_age: '10000' }, { expectLogin: false });
      assert.equal(silent.claims.auth_time, forced.claims.auth_time);
      await sleep(2100);
      const aged = await loginAndToken(page, 'rp2', { max_age: '1' }, { expectLogin: true });
      assert.ok(aged.claims.auth_time > forced.claims.auth_time, 'max_age=1 did not advance auth_time');
      assert.ok(Math.abs(aged.claims.auth_time - Date.now() / 1000) < 5, 'auth_time not recent');
    } finally {
      await ctx.close();
    }
  });

  it('consent: the page is shown once, accepting stores it, prompt=consent asks again', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const sent = base('consent-app');
      await authorize(page, sent, { expectLogin: true, username: 'bob', password: 'bob-pw' });
      assert.ok(await page.locator('form#kc-oauth').count(), `no consent page after login: at ${page.url()}`);
      assert.equal(await page.locator('form#kc-oauth button[name=accept]#kc-login').count(), 1);
      await Promise.all([waitForUrl(page, cb.url), page.click('#kc-login')]);
      const p = callbackParams(page.url(), sent);
      await exchange(p.code, 'consent-app');

      const again = base('consent-app');
      callbackParams(await authorize(page, again, { expectLogin: false }), again);
      const none = base('consent-app', { prompt: 'none' });
      assert.ok(callbackParams(await authorize(page, none, { expectLogin: false }), none).code);

      await page.goto(authUrl(ep, base('consent-app', { prompt: 'consent' })));
      assert.ok(await page.locator('form#kc-oauth').count(), `prompt=consent did not show the consent page: at ${page.url()}`);
    } finally {
      await ctx.close();
    }
  });

  it('consent: cancelling redirects with access_denied, state and iss', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const sent = base('consent-app');
      await authorize(page, sent, { expectLogin: true, username: 'carol', password: 'carol-pw' });
      assert.ok(await page.locator('form#kc-oauth').count(), `no consent page: at ${page.url()}`);
      await Promise.all([waitForUrl(page, cb.url), page.click('#kc-cancel')]);
      const p = callbackParams(page.url(), sent);
      assert.equal(p.error, 'access_denied');
      assert.equal(p.code, undefined);
      // Denial is not remembered as consent.
      await page.goto(authUrl(ep, base('consent-app')));
      assert.ok(await page.locator('form#kc-oauth').count(), 'consent not asked again after a denial');
    } finally {
      await ctx.close();
    }
  });

  it('urn:ietf:wg:oauth:2.0:oob shows the code on the oob page, and the code exchanges', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      const sent = base('oob-app', { redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' });
      const url = await authorize(page, sent, { expectLogin: true });
      assert.ok(url.startsWith(`${ep.oob}?`), `not on the oob page: ${url}`);
      const code = new URL(url).searchParams.get('code');
      assert.ok(code);
      assert.equal(await page.title(), `Success code=${code}`);
      assert.equal(await page.inputValue('input#code'), code);
      const r = await tokenRequest(ep, { grant_type: 'authorization_code', code, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' },
        { basic: ['oob-app', 'oob-app-secret'] });
      assert.equal(r.status, 200, show(r));
      await idToken(r.json.id_token, 'oob-app');
    } finally {
      await ctx.close();
    }
  });
});
