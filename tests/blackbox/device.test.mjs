// OAuth 2.0 Device Authorization Grant (RFC 8628): the device authorization
// endpoint, polling at the token endpoint (authorization_pending, slow_down,
// expired_token, access_denied, one-time codes) and the verification page
// driven through headless Chromium (code entry, login or SSO, consent).
// References: keycloak-compat.md §4.2, §5.5; RFC 8628 §3.1-3.5.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { realmDir, user, endpoints, tokenRequest, send, parseForm, CookieJar, jwtPayload, sleep, show, fetchLogin } from './lib/flow.mjs';

const REALM = 'dev';
const OTHER = 'dev2';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const ENABLED = 'oauth2.device.authorization.grant.enabled';
const SUCCESS = 'Device Login Successful. You may now return to your device.';
const DENIED = 'Consent denied for connecting the device.';
const INVALID_CODE = 'Invalid code, please try again.';
const UNAUTHORIZED_CLIENT = 'Client is not allowed to use this flow.';
const EXPIRED_CODE = 'The code has expired. Please go back to your device and try connecting again.';

const pub = (clientId, attributes = {}) => ({ clientId, publicClient: true, attributes });
const realm = {
  realm: REALM, enabled: true,
  users: [user('alice', 'alice-pw', { email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell' })],
  clients: [
    pub('tv', { [ENABLED]: 'true', 'oauth2.device.polling.interval': '1' }),
    pub('tv2', { [ENABLED]: 'true', 'oauth2.device.polling.interval': '1' }),
    pub('tv-short', { [ENABLED]: 'true', 'oauth2.device.polling.interval': '1', 'oauth2.device.code.lifespan': '2' }),
    pub('nodevice'),
    { clientId: 'conf-tv', publicClient: false, secret: 'conf-secret', attributes: { [ENABLED]: 'true' } },
  ],
};
// Another realm with a client of the same client_id: codes must not cross realms.
const other = {
  realm: OTHER, enabled: true,
  users: [user('alice', 'alice-pw')],
  clients: [
    pub('tv', { [ENABLED]: 'true', 'oauth2.device.polling.interval': '1' }),
    pub('tv-toggle', { [ENABLED]: 'true', 'oauth2.device.polling.interval': '1' }),
  ],
};

describe('device authorization grant (RFC 8628)', () => {
  let srv; let browser; let ep; let deviceEp; let verifyUri; let JWKS; let ctx; let firstAuthTime;

  before(async () => {
    const [srvR, browserR] = await Promise.all([
      realmDir(realm, other).then((dir) => startServer({ realm: dir })),
      launchBrowser(),
    ]);
    srv = srvR; browser = browserR;
    ep = endpoints(srv.baseUrl, REALM);
    deviceEp = `${ep.issuer}/protocol/openid-connect/auth/device`;
    verifyUri = `${ep.issuer}/device`;
    JWKS = jose.createRemoteJWKSet(new URL(ep.certs));
    ctx = await browser.newContext(); // one person's browser: the SSO session carries over between tests
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await srv?.stop();
  });

  /** POST /auth/device; `basic` = [id, secret] for a confidential client, else client_id in the form. */
  async function deviceAuth(clientId, form = {}, { basic } = {}) {
    const headers = basic ? { authorization: `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}` } : {};
    return send(deviceEp, { form: basic ? form : { client_id: clientId, ...form }, headers });
  }
  async function initiate(clientId = 'tv', scope = 'openid') {
    const r = await deviceAuth(clientId, { scope });
    assert.equal(r.status, 200, `device authorization for ${clientId}: ${show(r)}`);
    return r.json;
  }
  const poll = (device_code, clientId = 'tv') => tokenRequest(ep, { grant_type: DEVICE_GRANT, device_code, client_id: clientId });
  const assertError = (r, status, error, description, what = '') => {
    assert.equal(r.status, status, `${what}: ${show(r)}`);
    assert.equal(r.json?.error, error, `${what}: ${show(r)}`);
    if (description !== undefined) assert.equal(r.json.error_description, description, `${what}: ${show(r)}`);
  };

  /** In `page` (at the consent page), clicks accept or deny and returns the info page message. */
  async function decide(page, accept) {
    await page.waitForSelector('#kc-oauth', { timeout: 10000 });
    await page.click(accept ? 'button[name=accept]' : 'button[name=cancel]');
    await page.waitForSelector('#kc-info-message', { timeout: 10000 });
    return (await page.locator('#kc-info-message .instruction').textContent()).trim();
  }

  /** Opens verification_uri_complete in the shared context, which must go straight to consent. */
  async function approveWithSso(dev, accept = true) {
    const page = await ctx.newPage();
    try {
      await page.goto(dev.verification_uri_complete);
      assert.equal(await page.locator('#kc-form-login').count(), 0, `login form shown despite SSO session at ${page.url()}`);
      assert.equal(await page.locator('#kc-user-verify-device-user-code-form').count(), 0, 'code form shown for verification_uri_complete');
      return await decide(page, accept);
    } finally {
      await page.close();
    }
  }

  it('complete flow: openid-client polls while Chromium enters the code in lower case, logs in and consents', async () => {
    const config = await client.discovery(new URL(ep.issuer), 'tv', undefined, client.None(),
      { execute: [client.allowInsecureRequests] });
    const seen = []; // token endpoint answers as the poller saw them
    config[client.customFetch] = async (url, options) => {
      const res = await fetch(url, options);
      if (String(url) === ep.token) seen.push(`${res.status} ${(await res.clone().json()).error ?? 'tokens'}`);
      return res;
    };
    const dev = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
    assert.match(dev.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(dev.verification_uri, verifyUri);
    assert.equal(dev.verification_uri_complete, `${verifyUri}?user_code=${dev.user_code}`);
    assert.equal(dev.interval, 1);
    assert.equal(dev.expires_in, 600);

    const ac = new AbortController();
    const polling = client.pollDeviceAuthorizationGrant(config, dev, undefined, { signal: ac.signal });
    polling.catch(() => {}); // awaited below; abort must not surface as an unhandled rejection
    const page = await ctx.newPage();
    try {
      await page.goto(dev.verification_uri);
      const form = page.locator('form#kc-user-verify-device-user-code-form');
      assert.equal(await form.count(), 1, `no code form at ${page.url()}`);
      assert.equal(await form.locator('input[type=hidden][name=csrf_token]').count(), 1, 'hidden csrf_token missing');
      assert.ok((await ctx.cookies()).some((c) => c.name === 'DEVICE_FORM' && c.httpOnly), 'no HttpOnly DEVICE_FORM cookie');
      await sleep(1500); // let the poller hear authorization_pending at least once
      await page.fill('#device-user-code', dev.user_code.replace('-', '').toLowerCase());
      await page.click('#kc-login');
      await page.waitForSelector('#kc-form-login', { timeout: 10000 });
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-pw');
      await page.click('#kc-login');
      assert.equal(await decide(page, true), SUCCESS);

      const tokens = await polling;
      assert.ok(tokens.access_token && tokens.refresh_token && tokens.id_token, `tokens missing: ${JSON.stringify(tokens)}`);
      const { payload: id } = await jose.jwtVerify(tokens.id_token, JWKS, { issuer: ep.issuer, audience: 'tv' });
      assert.equal(id.preferred_username, 'alice');
      assert.equal(typeof id.auth_time, 'number', 'ID token without auth_time');
      assert.ok(Math.abs(id.auth_time - Date.now() / 1000) < 30, `auth_time ${id.auth_time} is not the login time`);
      firstAuthTime = id.auth_time;
      const { payload: at } = await jose.jwtVerify(tokens.access_token, JWKS, { issuer: ep.issuer });
      assert.equal(at.azp, 'tv');
      assert.equal(at.sid, id.sid);
      assert.ok(seen.includes('400 authorization_pending'), `poller never saw authorization_pending: ${seen}`);
      assert.ok(!seen.includes('400 slow_down'), `slow_down although the poller kept the 1 s interval: ${seen}`);
      assert.equal(seen.at(-1), '200 tokens');
    } finally {
      ac.abort();
      await page.close();
    }
  });

  it('SSO: a second device authorization in the same browser goes straight to consent', async () => {
    const dev = await initiate('tv2', 'openid');
    assert.equal(await approveWithSso(dev, true), SUCCESS);
    const r = await poll(dev.device_code, 'tv2');
    assert.equal(r.status, 200, show(r));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.ok(r.json.access_token && r.json.refresh_token && r.json.id_token, show(r));
    const id = jwtPayload(r.json.id_token);
    assert.equal(id.aud, 'tv2');
    assert.equal(id.auth_time, firstAuthTime, 'SSO reuse changed auth_time (no new login happened)');
    // Consent is asked every time, even now that tv2 has been consented to.
    const again = await initiate('tv2', 'openid');
    assert.equal(await approveWithSso(again, true), SUCCESS);
  });

  it('denied: the denial page is shown and the device hears access_denied, once', async () => {
    const dev = await initiate('tv');
    assertError(await poll(dev.device_code), 400, 'authorization_pending', undefined, 'before the decision');
    assert.equal(await approveWithSso(dev, false), DENIED);
    assertError(await poll(dev.device_code), 400, 'access_denied', undefined, 'after deny');
    assertError(await poll(dev.device_code), 400, 'invalid_grant', 'Device code not valid', 'poll after access_denied');
  });

  it('polling faster than the interval is answered slow_down; after the interval authorization_pending again', async () => {
    const dev = await initiate('tv');
    assertError(await poll(dev.device_code), 400, 'authorization_pending', undefined, 'first poll');
    assertError(await poll(dev.device_code), 400, 'slow_down', undefined, 'immediate second poll');
    await sleep(dev.interval * 1000 + 150);
    assertError(await poll(dev.device_code), 400, 'authorization_pending', undefined, 'poll after the interval');
  });

  it('expired device code: expired_token at the token endpoint, refused on the verification page', async () => {
    const dev = await initiate('tv-short');
    assert.equal(dev.expires_in, 2);
    assert.equal(dev.interval, 1);
    assertError(await poll(dev.device_code, 'tv-short'), 400, 'authorization_pending', undefined, 'fresh code');
    const page = await ctx.newPage();
    try {
      await page.goto(dev.verification_uri_complete); // SSO: consent is on screen while the code expires
      await page.waitForSelector('#kc-oauth', { timeout: 10000 });
      await sleep(3100);
      assertError(await poll(dev.device_code, 'tv-short'), 400, 'expired_token', undefined, 'poll after expires_in');
      assert.equal(await decide(page, true), EXPIRED_CODE, 'late consent to an expired code');
      assertError(await poll(dev.device_code, 'tv-short'), 400, 'expired_token', undefined, 'poll after the late consent');
      await page.goto(verifyUri);
      await page.fill('#device-user-code', dev.user_code);
      await page.click('#kc-login');
      await page.waitForSelector('#input-error', { timeout: 10000 });
      assert.equal(await page.locator('#kc-oauth').count(), 0, 'consent offered for an expired code');
      const msg = (await page.locator('#input-error').textContent()).trim();
      assert.equal(msg, EXPIRED_CODE, 'an expired code is named as expired while it is still kept');
      assert.equal(await page.inputValue('#device-user-code'), dev.user_code, 'typed code not kept in the field');
    } finally {
      await page.close();
    }
  });

  it('a device code gives tokens once; it is bound to its client', async () => {
    const dev = await initiate('tv');
    assert.equal(await approveWithSso(dev, true), SUCCESS);
    assertError(await poll(dev.device_code, 'tv2'), 400, 'invalid_grant', 'Device code not valid', 'code of another client');
    const r = await poll(dev.device_code);
    assert.equal(r.status, 200, `the other client's attempt spent the code: ${show(r)}`);
    assertError(await poll(dev.device_code), 400, 'invalid_grant', 'Device code not valid', 'second poll after success');
    // The user code was used too: entering it again is refused.
    const jar = new CookieJar();
    const entry = await send(dev.verification_uri_complete, { jar });
    assert.equal(entry.status, 200);
    assert.ok(entry.text.includes(INVALID_CODE), `used user code accepted again: ${show(entry)}`);
  });

  it('device authorization response and endpoint errors', async () => {
    const ok = await deviceAuth(undefined, { scope: 'openid' }, { basic: ['conf-tv', 'conf-secret'] });
    assert.equal(ok.status, 200, show(ok));
    assert.deepEqual(Object.keys(ok.json), ['device_code', 'user_code', 'verification_uri', 'verification_uri_complete', 'expires_in', 'interval']);
    assert.equal(ok.json.expires_in, 600); // realm oauth2DeviceCodeLifespan default
    assert.equal(ok.json.interval, 5); // realm oauth2DevicePollingInterval default
    assert.match(ok.headers.get('cache-control') ?? '', /no-store/);
    assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
    const confPoll = await tokenRequest(ep, { grant_type: DEVICE_GRANT, device_code: ok.json.device_code }, { basic: ['conf-tv', 'conf-secret'] });
    assertError(confPoll, 400, 'authorization_pending', undefined, 'confidential client poll');

    assertError(await deviceAuth(undefined, {}, { basic: ['conf-tv', 'wrong'] }), 401, 'invalid_client', undefined, 'wrong secret at /auth/device');
    assertError(await deviceAuth('nodevice'), 400, 'unauthorized_client',
      'Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client.', '/auth/device, grant disabled');
    assertError(await poll('whatever', 'nodevice'), 400, 'unauthorized_client', undefined, '/token, grant disabled');
    assertError(await poll('no-such-device-code'), 400, 'invalid_grant', 'Device code not valid', 'unknown device_code');
    assertError(await tokenRequest(ep, { grant_type: DEVICE_GRANT, client_id: 'tv' }), 400, 'invalid_request', 'Missing parameter: device_code', 'no device_code');
    const dup = await send(deviceEp, { form: [['client_id', 'tv'], ['scope', 'openid'], ['scope', 'profile']] });
    assertError(dup, 400, 'invalid_request', undefined, 'repeated scope at /auth/device');
    // The authorization request's scope step runs here too (Keycloak's DeviceEndpoint checks the scope).
    assertError(await deviceAuth('tv', { scope: 'openid no-such-scope' }), 400, 'invalid_scope',
      'Invalid scopes: openid no-such-scope', 'unknown scope at /auth/device');
    const known = await deviceAuth('tv', { scope: 'openid profile email' });
    assert.equal(known.status, 200, show(known));
  });

  it('verification page: a wrong code shows the form again; the form is CSRF protected', async () => {
    const jar = new CookieJar();
    const page = await send(verifyUri, { jar });
    assert.equal(page.status, 200, show(page));
    const form = parseForm(page.text, 'kc-user-verify-device-user-code-form');
    assert.ok(form, `no code form: ${show(page)}`);
    assert.equal(form.action, verifyUri);
    assert.ok(form.fields.csrf_token, 'no csrf_token in the form');
    assert.equal(jar.get('DEVICE_FORM'), form.fields.csrf_token, 'DEVICE_FORM cookie does not carry the form token');

    const wrong = await send(form.action, { jar, form: { ...form.fields, device_user_code: 'zzzz-zzzq' } });
    assert.equal(wrong.status, 200, show(wrong));
    assert.ok(parseForm(wrong.text, 'kc-user-verify-device-user-code-form'), `code form not shown again: ${show(wrong)}`);
    assert.match(wrong.text, new RegExp(`id="input-error"[^>]*>${INVALID_CODE.replace(/[.,]/g, '\\$&')}<`));

    // A real code, but without the cookie / with another token: refused before the code is looked at.
    const dev = await initiate('tv');
    const noCookie = await send(form.action, { form: { ...form.fields, device_user_code: dev.user_code } });
    assert.equal(noCookie.status, 400, `POST without DEVICE_FORM cookie: ${show(noCookie)}`);
    assert.ok(!noCookie.text.includes('id="kc-form-login"'), 'login page shown without the CSRF cookie');
    const fresh = new CookieJar();
    await send(verifyUri, { jar: fresh });
    const badToken = await send(form.action, { jar: fresh, form: { csrf_token: 'A'.repeat(form.fields.csrf_token.length), device_user_code: dev.user_code } });
    assert.equal(badToken.status, 400, `POST with a wrong csrf_token: ${show(badToken)}`);
    const good = await send(form.action, { jar: fresh, form: { csrf_token: fresh.get('DEVICE_FORM'), device_user_code: dev.user_code.toLowerCase() } });
    assert.equal(good.status, 200, show(good));
    assert.ok(good.text.includes('id="kc-form-login"'), `valid code and token did not lead to the login page: ${show(good)}`);
  });

  it("codes are bound to their realm: another realm's page says invalid code, its token endpoint invalid_grant", async () => {
    const dev = await initiate('tv');
    const otherEp = endpoints(srv.baseUrl, OTHER);
    const otherVerify = `${otherEp.issuer}/device`;
    const page = await send(`${otherVerify}?user_code=${encodeURIComponent(dev.user_code)}`, { jar: new CookieJar() });
    assert.equal(page.status, 200, show(page));
    assert.ok(page.text.includes(INVALID_CODE), `${OTHER} accepted ${REALM}'s user code: ${show(page)}`);
    assert.ok(!page.text.includes('id="kc-form-login"'), `${OTHER} offered a login for ${REALM}'s user code`);
    const jar = new CookieJar();
    const form = parseForm((await send(otherVerify, { jar })).text, 'kc-user-verify-device-user-code-form');
    const posted = await send(form.action, { jar, form: { ...form.fields, device_user_code: dev.user_code } });
    assert.ok(posted.text.includes(INVALID_CODE), `${OTHER} accepted ${REALM}'s user code (form): ${show(posted)}`);
    const crossPoll = await tokenRequest(otherEp, { grant_type: DEVICE_GRANT, device_code: dev.device_code, client_id: 'tv' });
    assertError(crossPoll, 400, 'invalid_grant', 'Device code not valid', `${REALM}'s device code polled at ${OTHER}`);
    // Still alive where it was issued.
    assertError(await poll(dev.device_code), 400, 'authorization_pending', undefined, 'own realm after the cross-realm tries');
  });

  it("approval checks the client's device grant switch as it is at consent time", async () => {
    const otherEp = endpoints(srv.baseUrl, OTHER);
    const r = await send(`${otherEp.issuer}/protocol/openid-connect/auth/device`, { form: { client_id: 'tv-toggle', scope: 'openid' } });
    assert.equal(r.status, 200, show(r));
    const dev = r.json;
    const flow = await fetchLogin(dev.verification_uri_complete, { username: 'alice', password: 'alice-pw' });
    const consentForm = parseForm(flow.final.text, 'kc-oauth');
    assert.ok(consentForm, `no consent page: ${show(flow.final)}`);
    // Meanwhile an administrator switches the device grant off for the client.
    const admin = await tokenRequest(endpoints(srv.baseUrl, 'master'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' });
    const auth = { authorization: `Bearer ${admin.json.access_token}` };
    const clientsUrl = `${srv.baseUrl}/admin/realms/${OTHER}/clients`;
    const [rep] = (await send(`${clientsUrl}?clientId=tv-toggle`, { headers: auth })).json;
    const setGrant = async (on) => {
      const put = await send(`${clientsUrl}/${rep.id}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...rep, attributes: { ...rep.attributes, [ENABLED]: on ? 'true' : 'false' } }) });
      assert.equal(put.status, 204, show(put));
    };
    await setGrant(false);
    const accepted = await send(consentForm.action, { jar: flow.jar, form: { ...consentForm.fields, accept: 'yes' } });
    assert.equal(accepted.status, 400, show(accepted));
    assert.ok(accepted.text.includes(UNAUTHORIZED_CLIENT), `approval with the grant switched off: ${show(accepted)}`);
    assert.ok(!accepted.text.includes(SUCCESS));
    // Switched on again, the code was not approved by that consent.
    await setGrant(true);
    const polled = await tokenRequest(otherEp, { grant_type: DEVICE_GRANT, device_code: dev.device_code, client_id: 'tv-toggle' });
    assertError(polled, 400, 'authorization_pending', undefined, 'poll after the refused approval');
  });

  it('discovery lists the device authorization endpoint and grant type', async () => {
    const d = await (await fetch(ep.discovery)).json();
    assert.equal(d.device_authorization_endpoint, deviceEp);
    assert.ok(d.grant_types_supported.includes(DEVICE_GRANT), `grant_types_supported: ${d.grant_types_supported}`);
  });
});
