// --root-realm: one realm served at the root (issuer = base URL), while the
// /realms/{realm} layout keeps working.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { getJson200, assertKeycloakOrder, assertSecurityHeaders } from './lib/http.mjs';

describe('root realm layout (--root-realm=test)', () => {
  let srv;
  let base;
  before(async () => {
    srv = await startServer({ args: ['--root-realm=test'] });
    base = srv.baseUrl;
  });
  after(async () => { await srv?.stop(); });

  it('serves discovery at the root with issuer = base URL and jwks at /.well-known/jwks.json', async () => {
    const { json: doc, headers } = await getJson200(`${base}/.well-known/openid-configuration`);
    assert.equal(doc.issuer, base, 'issuer must be the base URL with no path and no trailing slash');
    assertKeycloakOrder(doc);
    assert.equal(doc.jwks_uri, `${base}/.well-known/jwks.json`);
    assert.ok(doc.id_token_signing_alg_values_supported?.includes('RS256'));
    for (const [k, v] of Object.entries(doc)) {
      if (k.endsWith('_endpoint')) {
        assert.ok(v.startsWith(`${base}/`), `${k}=${v} not under the root issuer`);
        assert.ok(!v.includes('/realms/'), `${k}=${v} uses the realm layout under a root issuer`);
      }
    }
    assertSecurityHeaders(headers, 'root discovery');
    assert.equal(headers.get('access-control-allow-origin'), '*');
  });

  it('/.well-known/jwks.json holds the same keys as the realm certs', async () => {
    const { json: root, headers } = await getJson200(`${base}/.well-known/jwks.json`);
    const { json: realm } = await getJson200(`${base}/realms/test/protocol/openid-connect/certs`);
    assert.ok(root.keys.length > 0);
    assert.deepEqual(root, realm);
    assert.ok(headers.get('cache-control'), 'Cache-Control missing');
    const set = jose.createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
    const rs = root.keys.find((k) => k.alg === 'RS256');
    assert.ok(await set({ alg: 'RS256', kid: rs.kid }));
  });

  it('openid-client discovers the root issuer', async () => {
    const config = await client.discovery(new URL(base), 'app', 'app-secret', undefined, {
      execute: [client.allowInsecureRequests],
    });
    assert.equal(config.serverMetadata().issuer, base);
    assert.equal(config.serverMetadata().jwks_uri, `${base}/.well-known/jwks.json`);
  });

  it('keeps the /realms/{realm} layout working for the root realm and for master', async () => {
    const { json: doc } = await getJson200(`${base}/realms/test/.well-known/openid-configuration`);
    assert.equal(doc.issuer, `${base}/realms/test`);
    assert.equal(doc.jwks_uri, `${base}/realms/test/protocol/openid-connect/certs`);
    const config = await client.discovery(new URL(`${base}/realms/test`), 'app', 'app-secret', undefined, {
      execute: [client.allowInsecureRequests],
    });
    assert.equal(config.serverMetadata().issuer, `${base}/realms/test`);
    const { json: master } = await getJson200(`${base}/realms/master/.well-known/openid-configuration`);
    assert.equal(master.issuer, `${base}/realms/master`);
  });
});

describe('--root-realm naming a realm that does not exist', () => {
  it('fails start-up with exit code 2 naming root-realm', async () => {
    let srv;
    let failure;
    try {
      srv = await startServer({ realm: null, args: ['--root-realm=nope'], readyTimeoutMs: 5000 });
    } catch (e) {
      failure = e;
    }
    if (srv) {
      await srv.stop();
      assert.fail('server started with --root-realm naming an unknown realm');
    }
    assert.match(failure.message, /exited before becoming ready \(code 2,/, failure.message);
    assert.match(failure.message, /root-realm/);
  });
});
