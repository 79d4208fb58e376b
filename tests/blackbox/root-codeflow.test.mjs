// The code flow through the issuer-root layout (--root-realm): /authorize,
// /token, /userinfo, /end_session under the root issuer, with SSO.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { realmDir, user, CookieJar, send, fetchLogin, redirectParams, jwtPayload } from './lib/flow.mjs';

const CB = 'https://rp.example/cb';

describe('code flow in the issuer-root layout', () => {
  let srv;
  before(async () => {
    const realm = { realm: 'rooted', clients: [{ clientId: 'web', publicClient: false, secret: 'web-secret', redirectUris: [CB] }],
      users: [user('alice', 'alice-pw', { email: 'alice@example.com', realmRoles: ['default-roles-rooted'] })] };
    srv = await startServer({ realm: await realmDir(realm), args: ['--root-realm=rooted'] });
  });
  after(async () => { await srv?.stop(); });

  const auth = (extra = {}) => `${srv.baseUrl}/authorize?${new URLSearchParams({
    client_id: 'web', response_type: 'code', redirect_uri: CB, scope: 'openid', state: 'r', ...extra })}`;

  it('logs in at /authorize, exchanges at /token, reads /userinfo, all under the root issuer', async () => {
    const discovery = await (await fetch(`${srv.baseUrl}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.authorization_endpoint, `${srv.baseUrl}/authorize`);
    assert.equal(discovery.token_endpoint, `${srv.baseUrl}/token`);
    assert.equal(discovery.userinfo_endpoint, `${srv.baseUrl}/userinfo`);
    assert.equal(discovery.end_session_endpoint, `${srv.baseUrl}/end_session`);
    const jar = new CookieJar();
    const login = await fetchLogin(auth(), { jar, username: 'alice', password: 'alice-pw' });
    const p = redirectParams(login.location);
    assert.equal(p.iss, srv.baseUrl);
    const token = await send(`${srv.baseUrl}/token`, {
      form: { grant_type: 'authorization_code', code: p.code, redirect_uri: CB, client_id: 'web', client_secret: 'web-secret' },
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(jwtPayload(token.json.id_token).iss, srv.baseUrl);
    const info = await send(`${srv.baseUrl}/userinfo`, { headers: { authorization: `Bearer ${token.json.access_token}` } });
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json.email, 'alice@example.com');
    // SSO reaches the root /authorize too.
    const silent = await send(auth({ prompt: 'none' }), { jar });
    assert.ok(redirectParams(silent.location).code, `no silent SSO at the root: ${silent.location}`);
    const out = await send(`${srv.baseUrl}/end_session?id_token_hint=${token.json.id_token}`, { jar });
    assert.equal(out.status, 200);
    const after = await send(auth({ prompt: 'none' }), { jar });
    assert.equal(redirectParams(after.location).error, 'login_required');
  });
});
