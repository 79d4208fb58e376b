// Implicit and hybrid flows (OIDC Core 3.2, 3.3): tokens in the fragment
// (or form_post), nonce required, hash claims, no refresh token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { createHash } from 'node:crypto';
import { startServer } from './lib/server.mjs';
import { realmDir, user, endpoints, authUrl, CookieJar, send, fetchLogin, redirectParams, tokenRequest } from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const realm = {
  realm: 'imp', users: [user('alice', 'alice-pw', { email: 'alice@example.com' })],
  clients: [
    { clientId: 'imp', publicClient: false, secret: 'imp-secret', redirectUris: [CB], implicitFlowEnabled: true },
    { clientId: 'codeonly', publicClient: false, secret: 'c-secret', redirectUris: [CB] },
  ],
};
const half = (s) => createHash('sha256').update(s).digest().subarray(0, 16).toString('base64url');

describe('implicit and hybrid flows', () => {
  let srv; let ep; let jwks;
  before(async () => {
    srv = await startServer({ realm: await realmDir(realm) });
    ep = endpoints(srv.baseUrl, 'imp');
    jwks = jose.createRemoteJWKSet(new URL(ep.certs));
  });
  after(async () => { await srv?.stop(); });

  const params = (response_type, extra = {}) => ({
    client_id: 'imp', response_type, redirect_uri: CB, scope: 'openid', state: 'st+1 &x', nonce: 'nonce-1', ...extra });

  for (const type of ['id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token']) {
    it(`response_type=${type}: fragment with the right members and hash claims`, async () => {
      const r = await fetchLogin(authUrl(ep, params(type)), { username: 'alice', password: 'alice-pw' });
      assert.equal(r.final.status, 302);
      const url = new URL(r.location);
      assert.equal(url.search, '', `nothing in the query: ${r.location}`);
      const p = redirectParams(r.location, 'hash');
      assert.equal(p.state, 'st+1 &x');
      assert.equal(p.iss, ep.issuer);
      assert.equal(p.refresh_token, undefined);
      const words = type.split(' ');
      assert.equal(Boolean(p.code), words.includes('code'));
      assert.equal(Boolean(p.access_token), words.includes('token'));
      assert.equal(Boolean(p.id_token), words.includes('id_token'));
      if (p.access_token) assert.equal(p.token_type, 'Bearer');
      if (p.id_token) {
        const { payload } = await jose.jwtVerify(p.id_token, jwks, { issuer: ep.issuer, audience: 'imp' });
        assert.equal(payload.nonce, 'nonce-1');
        assert.equal(payload.at_hash, p.access_token ? half(p.access_token) : undefined);
        assert.equal(payload.c_hash, p.code ? half(p.code) : undefined);
        assert.equal(payload.s_hash, half('st+1 &x'));
      }
      if (p.code) {
        const t = await tokenRequest(ep, { grant_type: 'authorization_code', code: p.code, redirect_uri: CB }, { basic: ['imp', 'imp-secret'] });
        assert.equal(t.status, 200, t.text);
      }
    });
  }

  it('requires a nonce when an ID token comes from the authorization endpoint', async () => {
    const jar = new CookieJar();
    const r = await send(authUrl(ep, params('id_token', { nonce: '' })), { jar });
    const p = redirectParams(r.location, 'hash');
    assert.deepEqual([p.error, p.error_description, p.state], ['invalid_request', 'Missing parameter: nonce', 'st+1 &x']);
  });

  it('refuses response_mode=query for front-channel tokens, answering in the fragment', async () => {
    const r = await send(authUrl(ep, params('id_token token', { response_mode: 'query' })));
    const p = redirectParams(r.location, 'hash');
    assert.equal(p.error, 'invalid_request');
  });

  it('refuses the implicit flow to a client without implicitFlowEnabled', async () => {
    const r = await send(authUrl(ep, params('id_token', { client_id: 'codeonly' })));
    assert.equal(redirectParams(r.location, 'hash').error, 'unauthorized_client');
  });

  it('lists the implicit and hybrid response types and the implicit grant in discovery', async () => {
    const d = await (await fetch(ep.discovery)).json();
    for (const t of ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'])
      assert.ok(d.response_types_supported.includes(t), t);
    assert.ok(d.grant_types_supported.includes('implicit'));
  });
});
