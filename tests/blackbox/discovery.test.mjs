// OIDC discovery, RFC 8414 metadata, realm info and unknown-realm answers
// on the realm path layout (/realms/{realm}/...).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import * as client from 'openid-client';
import { startServer } from './lib/server.mjs';
import { request, getJson200, assertKeycloakOrder, assertSecurityHeaders } from './lib/http.mjs';

/** GET with an explicit Host header (fetch will not let us set one). */
function getWithHost(url, host) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('discovery on the realm layout', () => {
  let srv;
  let issuer;
  before(async () => {
    srv = await startServer();
    issuer = `${srv.baseUrl}/realms/test`;
  });
  after(async () => { await srv?.stop(); });

  it('serves the OpenID configuration with the right issuer, Keycloak member order and headers', async () => {
    const url = `${issuer}/.well-known/openid-configuration`;
    const { json: doc, headers } = await getJson200(url);
    assert.equal(doc.issuer, issuer);
    assertKeycloakOrder(doc);
    assert.equal(doc.jwks_uri, `${issuer}/protocol/openid-connect/certs`);
    assert.ok(Array.isArray(doc.id_token_signing_alg_values_supported), 'id_token_signing_alg_values_supported');
    assert.ok(doc.id_token_signing_alg_values_supported.includes('RS256'),
      `RS256 missing: ${doc.id_token_signing_alg_values_supported}`);
    for (const [k, v] of Object.entries(doc)) {
      if (k.endsWith('_endpoint') || k === 'check_session_iframe') {
        assert.equal(typeof v, 'string', `${k} must be a URL string`);
        assert.ok(v.startsWith(`${issuer}/`), `${k}=${v} is not under the issuer ${issuer}`);
      }
    }
    assert.ok(headers.get('cache-control'), 'Cache-Control header missing');
    assert.equal(headers.get('access-control-allow-origin'), '*');
    assertSecurityHeaders(headers, 'discovery');
  });

  it('advertises only endpoints that exist (no advertised URL answers 404)', async () => {
    const { json: doc } = await getJson200(`${issuer}/.well-known/openid-configuration`);
    const urls = Object.entries(doc).filter(([k, v]) =>
      typeof v === 'string' && (k.endsWith('_endpoint') || k === 'jwks_uri' || k === 'check_session_iframe'));
    assert.ok(urls.length >= 1);
    for (const [k, v] of urls) {
      const r = await request(v);
      // Keycloak answers a wrong method on an existing path with 404 "HTTP 404 Not Found"
      // (the token endpoint is POST-only); only "no such resource" means the URL does not exist.
      const exists = r.status !== 404 || r.json?.error === 'HTTP 404 Not Found';
      assert.ok(exists, `${k} is advertised as ${v} but GET answers ${r.status} ${r.text}`);
      assert.ok(r.status < 500, `${k} ${v} answers ${r.status}: ${r.text.slice(0, 300)}`);
    }
  });

  it('is accepted by openid-client discovery (issuer validation)', async () => {
    const config = await client.discovery(new URL(issuer), 'app', 'app-secret', undefined, {
      execute: [client.allowInsecureRequests],
    });
    const md = config.serverMetadata();
    assert.equal(md.issuer, issuer);
    assert.equal(md.jwks_uri, `${issuer}/protocol/openid-connect/certs`);
  });

  it('serves RFC 8414 authorization server metadata with the same issuer', async () => {
    const { json: md, headers } = await getJson200(`${issuer}/.well-known/oauth-authorization-server`);
    assert.equal(md.issuer, issuer);
    assert.equal(md.jwks_uri, `${issuer}/protocol/openid-connect/certs`);
    assertSecurityHeaders(headers, 'oauth-authorization-server');
    const config = await client.discovery(new URL(issuer), 'app', 'app-secret', undefined, {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    assert.equal(config.serverMetadata().issuer, issuer);
  });

  it('derives URLs from the Host header in start-dev (relaxed hostname)', async () => {
    const r = await getWithHost(`${issuer}/.well-known/openid-configuration`, 'idp.example.test:8181');
    assert.equal(r.status, 200, r.body);
    const doc = JSON.parse(r.body);
    assert.equal(doc.issuer, 'http://idp.example.test:8181/realms/test');
    assert.equal(doc.jwks_uri, 'http://idp.example.test:8181/realms/test/protocol/openid-connect/certs');
    const viaLocalhost = await getJson200(
      `http://localhost:${srv.httpPort}/realms/test/.well-known/openid-configuration`);
    assert.equal(viaLocalhost.json.issuer, `http://localhost:${srv.httpPort}/realms/test`);
  });

  it('serves realm info with Keycloak members in order and an importable RSA public key', async () => {
    const { json: info, headers } = await getJson200(issuer);
    assert.deepEqual(Object.keys(info), ['realm', 'public_key', 'token-service', 'account-service', 'tokens-not-before']);
    assert.equal(info.realm, 'test');
    assert.equal(info['token-service'], `${issuer}/protocol/openid-connect`);
    assert.equal(info['account-service'], `${issuer}/account`);
    assert.equal(typeof info['tokens-not-before'], 'number');
    assert.equal(info['tokens-not-before'], 0);
    assert.match(info.public_key, /^[A-Za-z0-9+/]+=*$/, 'public_key must be plain base64 (no PEM armour)');
    const key = crypto.createPublicKey({ key: Buffer.from(info.public_key, 'base64'), format: 'der', type: 'spki' });
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.ok(key.asymmetricKeyDetails.modulusLength >= 2048, 'RSA key shorter than 2048 bits');
    // It is the realm's RS256 signing key.
    const { json: jwks } = await getJson200(`${issuer}/protocol/openid-connect/certs`);
    const rs = jwks.keys.find((k) => k.alg === 'RS256' && k.use === 'sig');
    assert.ok(rs, 'no RS256 signing key in certs');
    assert.equal(key.export({ format: 'jwk' }).n, rs.n, 'realm info public_key is not the RS256 key from certs');
    assertSecurityHeaders(headers, 'realm info');
  });

  for (const [what, suffix] of [
    ['discovery', '/.well-known/openid-configuration'],
    ['certs', '/protocol/openid-connect/certs'],
    ['realm info', ''],
  ]) {
    it(`answers 404 {"error":"Realm does not exist"} for an unknown realm (${what})`, async () => {
      const r = await request(`${srv.baseUrl}/realms/no-such-realm${suffix}`);
      assert.equal(r.status, 404);
      assert.equal(r.text, '{"error":"Realm does not exist"}');
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assertSecurityHeaders(r.headers, `unknown realm ${what}`);
    });
  }

  it('answers 404 on unknown paths, with security headers', async () => {
    const r = await request(`${srv.baseUrl}/definitely/not/a/route`);
    assert.equal(r.status, 404);
    assertSecurityHeaders(r.headers, 'unknown path');
  });

  it('has no root-level discovery without --root-realm', async () => {
    const r = await request(`${srv.baseUrl}/.well-known/openid-configuration`);
    assert.equal(r.status, 404);
  });

  it('creates the master realm on first start and serves its discovery', async () => {
    const masterIssuer = `${srv.baseUrl}/realms/master`;
    const { json: doc } = await getJson200(`${masterIssuer}/.well-known/openid-configuration`);
    assert.equal(doc.issuer, masterIssuer);
    const config = await client.discovery(new URL(masterIssuer), 'admin-cli', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    assert.equal(config.serverMetadata().issuer, masterIssuer);
    const { json: info } = await getJson200(masterIssuer);
    assert.equal(info.realm, 'master');
  });
});
