// Hardening of the browser flow found by review: what a password alone may
// not unlock, what the claims parameter and later grants may not widen, CSRF
// on the logout confirmation, bounded requests, cross-realm and double posts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import {
  realmDir, user, endpoints, authUrl, CookieJar, send, parseForm, fetchLogin, redirectParams, tokenRequest, jwtPayload,
} from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const client = (clientId, extra = {}) => ({ clientId, publicClient: false, secret: 's', redirectUris: [CB], ...extra });
const realm = (name, extra = {}) => ({
  realm: name,
  users: [
    user('alice', 'alice-pw', { email: 'alice@example.com', attributes: { phoneNumber: ['+100'] } }),
    user('bob', 'bob-pw', { email: 'bob@example.com' }),
    user('todo', 'todo-pw', { requiredActions: ['UPDATE_PASSWORD'] }),
    { ...user('otp', 'otp-pw'), credentials: [{ type: 'password', value: 'otp-pw' },
      { type: 'otp', secretData: '{"value":"JBSWY3DPEHPK3PXP"}', credentialData: '{"subType":"totp","digits":6,"period":30,"algorithm":"HmacSHA1","counter":0}' }] },
  ],
  clients: [client('web'), client('noemail', { defaultClientScopes: ['profile'] })],
  ...extra,
});
const params = (extra = {}) => ({ client_id: 'web', response_type: 'code', redirect_uri: CB, scope: 'openid', state: 'st', ...extra });

describe('browser flow hardening', () => {
  let srv; let ep; let ep2;
  before(async () => {
    srv = await startServer({ realm: await realmDir(realm('hard'), realm('other')) });
    ep = endpoints(srv.baseUrl, 'hard');
    ep2 = endpoints(srv.baseUrl, 'other');
  });
  after(async () => { await srv?.stop(); });

  const exchange = async (location) => (await tokenRequest(ep, { grant_type: 'authorization_code',
    code: redirectParams(location).code, redirect_uri: CB }, { basic: [redirectParams(location).code ? 'web' : 'web', 's'] })).json;

  it('refuses users with pending required actions or a second factor (no code on the password alone)', async () => {
    for (const [name, pw] of [['todo', 'todo-pw'], ['otp', 'otp-pw']]) {
      const r = await fetchLogin(authUrl(ep, params()), { username: name, password: pw });
      assert.equal(r.final.status, 400, `${name}: ${r.final.status} ${r.location ?? ''}`);
      assert.ok(!r.location, r.location);
      assert.match(r.final.text, /not fully set up/);
    }
  });

  it('the claims parameter never releases claims of scopes that were not granted', async () => {
    const claims = JSON.stringify({ userinfo: { email: null, phone_number: null }, id_token: { email: null, phone_number: null } });
    const r = await fetchLogin(authUrl(ep, params({ client_id: 'noemail', claims })), { username: 'alice', password: 'alice-pw' });
    const t = (await tokenRequest(ep, { grant_type: 'authorization_code', code: redirectParams(r.location).code, redirect_uri: CB },
      { basic: ['noemail', 's'] })).json;
    const id = jwtPayload(t.id_token);
    assert.equal(id.email, undefined);
    assert.equal(id.phone_number, undefined);
    const info = await send(ep.userinfo, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(info.json.email, undefined);
    assert.equal(info.json.phone_number, undefined);
  });

  it('userinfo answers from the token\'s own scope, not what a later grant added', async () => {
    const r = await fetchLogin(authUrl(ep, params({ scope: 'openid phone' })), { username: 'alice', password: 'alice-pw' });
    const t = await exchange(r.location);
    const narrow = (await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: 'openid' },
      { basic: ['web', 's'] })).json;
    const info = await send(ep.userinfo, { headers: { authorization: `Bearer ${narrow.access_token}` } });
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json.phone_number, undefined);
  });

  it('the logout confirmation only works in the browser that was asked', async () => {
    const victim = new CookieJar();
    const login = await fetchLogin(authUrl(ep, params()), { jar: victim, username: 'alice', password: 'alice-pw' });
    assert.ok(redirectParams(login.location).code);
    // The attacker fetches a confirmation page with their own (empty) cookie jar ...
    const page = await send(`${ep.logout}?client_id=web&post_logout_redirect_uri=${encodeURIComponent(CB)}&state=x`, { jar: new CookieJar() });
    const form = parseForm(page.text, 'kc-logout-confirm');
    // ... and makes the victim's browser post it.
    const forged = await send(form.action, { jar: victim, form: form.fields });
    assert.equal(forged.status, 400, `forged confirmation: ${forged.status} ${forged.location ?? ''}`);
    const still = await send(authUrl(ep, params({ prompt: 'none' })), { jar: victim });
    assert.ok(redirectParams(still.location).code, 'the victim is still logged in');
    // The victim's own confirmation works.
    const own = await send(`${ep.logout}`, { jar: victim });
    const ownForm = parseForm(own.text, 'kc-logout-confirm');
    const done = await send(ownForm.action, { jar: victim, form: ownForm.fields });
    assert.equal(done.status, 200);
  });

  it('bounds what an unauthenticated request may store, and refuses request objects', async () => {
    const big = await send(authUrl(ep, params({ state: 'x'.repeat(5000) })));
    assert.equal(redirectParams(big.location).error, 'invalid_request');
    const request = await send(authUrl(ep, params({ request: 'eyJhbGciOiJub25lIn0.e30.' })));
    assert.equal(redirectParams(request.location).error, 'request_not_supported');
    const requestUri = await send(authUrl(ep, params({ request_uri: 'https://rp.example/r' })));
    assert.equal(redirectParams(requestUri.location).error, 'request_uri_not_supported');
  });

  it('a login form of one realm cannot be posted to another', async () => {
    const jar = new CookieJar();
    const first = await send(authUrl(ep, params()), { jar });
    const form = parseForm(first.text, 'kc-form-login');
    const foreign = form.action.replace('/realms/hard/', '/realms/other/');
    const r = await send(foreign, { jar, form: { ...form.fields, username: 'alice', password: 'alice-pw' } });
    assert.ok(!r.location, `cross-realm post redirected to ${r.location}`);
    void ep2;
  });

  it('a login form posted twice yields one code', async () => {
    const jar = new CookieJar();
    const first = await send(authUrl(ep, params()), { jar });
    const form = parseForm(first.text, 'kc-form-login');
    const fields = { ...form.fields, username: 'bob', password: 'bob-pw' };
    const [a, b] = await Promise.all([send(form.action, { jar, form: fields }), send(form.action, { jar, form: fields })]);
    const codes = [a, b].filter((r) => r.location && redirectParams(r.location).code);
    assert.equal(codes.length, 1, `${a.status} ${b.status}`);
  });

  it('a login form replayed after it succeeded is refused and changes nothing', async () => {
    const jar = new CookieJar();
    const first = await send(authUrl(ep, params()), { jar });
    assert.ok(jar.get('TESSERA_AUTH'), 'the login in progress is carried in its signed cookie');
    const form = parseForm(first.text, 'kc-form-login');
    const fields = { ...form.fields, username: 'alice', password: 'alice-pw' };
    const preLogin = new CookieJar();
    for (const [k, v] of jar.cookies) preLogin.cookies.set(k, v);
    const ok = await send(form.action, { jar, form: fields });
    const tokens = await exchange(ok.location);
    assert.ok(tokens.refresh_token, JSON.stringify(tokens));
    // The same post again, from this browser (now logged in) and from a copy of its cookies before the login.
    for (const replayJar of [jar, preLogin]) {
      const again = await send(form.action, { jar: replayJar, form: fields });
      assert.ok(!again.location, `a replayed login form redirected to ${again.location}`);
      assert.equal(again.status, 400, again.text.slice(0, 200));
    }
    const refreshed = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { basic: ['web', 's'] });
    assert.equal(refreshed.status, 200, 'the replay ended or replaced the session the real login made');
  });

  it('a login in progress whose cookie was altered is refused', async () => {
    const jar = new CookieJar();
    const first = await send(authUrl(ep, params()), { jar });
    const form = parseForm(first.text, 'kc-form-login');
    const cookie = jar.cookies.get('TESSERA_AUTH');
    const [h, p, s] = cookie.value.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    claims.state.request.redirect_uri = 'https://evil.example/cb';
    cookie.value = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    const r = await send(form.action, { jar, form: { ...form.fields, username: 'alice', password: 'alice-pw' } });
    assert.ok(!r.location, `an altered login cookie redirected to ${r.location}`);
  });

  it('an authorization request too large for a cookie is kept on the server and still completes', async () => {
    const state = 's'.repeat(3000);
    const jar = new CookieJar();
    const r = await fetchLogin(authUrl(ep, params({ state })), { jar, username: 'alice', password: 'alice-pw' });
    assert.equal(jar.raw.some((l) => l.startsWith('TESSERA_AUTH=') && !l.startsWith('TESSERA_AUTH=;')), false,
      'a cookie too large for browsers was set');
    assert.equal(redirectParams(r.location).state, state);
    assert.ok(redirectParams(r.location).code);
  });

  it('a new login in the same browser ends the previous SSO session', async () => {
    const jar = new CookieJar();
    const one = await fetchLogin(authUrl(ep, params()), { jar, username: 'alice', password: 'alice-pw' });
    const alice = await exchange(one.location);
    const two = await fetchLogin(authUrl(ep, params({ prompt: 'login' })), { jar, username: 'bob', password: 'bob-pw' });
    assert.ok(redirectParams(two.location).code);
    const refreshed = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: alice.refresh_token }, { basic: ['web', 's'] });
    assert.equal(refreshed.status, 400, 'the first user\'s session was left alive');
  });
});
