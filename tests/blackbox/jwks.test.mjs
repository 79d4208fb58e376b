// The realm's JWKS (protocol/openid-connect/certs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { rm } from 'node:fs/promises';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { getJson200, assertSecurityHeaders } from './lib/http.mjs';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const b64url = (buf) => Buffer.from(buf).toString('base64url');

describe('JWKS endpoint', () => {
  let srv;
  let certsUrl;
  let jwks;
  let headers;
  before(async () => {
    srv = await startServer();
    certsUrl = `${srv.baseUrl}/realms/test/protocol/openid-connect/certs`;
    const r = await getJson200(certsUrl);
    jwks = r.json;
    headers = r.headers;
  });
  after(async () => { await srv?.stop(); });

  it('is a JWK Set with caching and security headers', () => {
    assert.deepEqual(Object.keys(jwks), ['keys']);
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0, 'keys must be a non-empty array');
    assert.ok(headers.get('cache-control'), 'Cache-Control missing');
    assertSecurityHeaders(headers, 'certs');
  });

  it('every key has a unique non-empty kid, kty, alg and use, and no private members', () => {
    const kids = new Set();
    for (const k of jwks.keys) {
      const label = JSON.stringify({ kid: k.kid, alg: k.alg });
      assert.equal(typeof k.kid, 'string', `${label}: kid`);
      assert.ok(k.kid.length > 0, `${label}: empty kid`);
      assert.ok(!kids.has(k.kid), `duplicate kid ${k.kid}`);
      kids.add(k.kid);
      for (const m of ['kty', 'alg', 'use']) {
        assert.equal(typeof k[m], 'string', `${label}: ${m} missing`);
        assert.ok(k[m].length > 0, `${label}: ${m} empty`);
      }
      assert.ok(['sig', 'enc'].includes(k.use), `${label}: use=${k.use}`);
      assert.notEqual(k.kty, 'oct', `${label}: symmetric key published`);
      for (const m of PRIVATE_MEMBERS) assert.ok(!(m in k), `${label}: private member "${m}" published`);
    }
  });

  it('kid is the RFC 7638 SHA-256 thumbprint of each key', async () => {
    for (const k of jwks.keys) {
      const tp = await jose.calculateJwkThumbprint(k, 'sha256');
      assert.equal(k.kid, tp, `kid ${k.kid} (alg ${k.alg}) != thumbprint ${tp}`);
    }
  });

  it('has RS256, ES256 (P-256) and EdDSA (Ed25519) signing keys with the right key types', () => {
    const byAlg = (alg) => jwks.keys.filter((k) => k.alg === alg && k.use === 'sig');
    const [rs] = byAlg('RS256');
    assert.ok(rs, `no RS256 key; algs: ${jwks.keys.map((k) => k.alg)}`);
    assert.equal(rs.kty, 'RSA');
    assert.ok(rs.n && rs.e, 'RSA key without n/e');
    assert.ok(Buffer.from(rs.n, 'base64url').length >= 256, 'RSA modulus shorter than 2048 bits');
    const [es] = byAlg('ES256');
    assert.ok(es, 'no ES256 key');
    assert.equal(es.kty, 'EC');
    assert.equal(es.crv, 'P-256');
    assert.ok(es.x && es.y, 'EC key without x/y');
    const [ed] = byAlg('EdDSA');
    assert.ok(ed, 'no EdDSA key');
    assert.equal(ed.kty, 'OKP');
    assert.equal(ed.crv, 'Ed25519');
    assert.ok(ed.x, 'OKP key without x');
    // PS256 may share the RSA key (then it has no entry of its own) or have its own RSA entry.
    for (const ps of byAlg('PS256')) assert.equal(ps.kty, 'RSA');
  });

  it('x5c / x5t / x5t#S256, where present, describe the same key', () => {
    for (const k of jwks.keys) {
      const label = `kid ${k.kid} (${k.alg})`;
      if (!k.x5c) {
        assert.ok(!k.x5t && !k['x5t#S256'], `${label}: x5t without x5c`);
        continue;
      }
      assert.ok(Array.isArray(k.x5c) && k.x5c.length >= 1, `${label}: x5c must be a non-empty array`);
      for (const c of k.x5c) assert.match(c, /^[A-Za-z0-9+/]+=*$/, `${label}: x5c entries are standard base64`);
      const der = Buffer.from(k.x5c[0], 'base64');
      const cert = new crypto.X509Certificate(der);
      const certJwk = cert.publicKey.export({ format: 'jwk' });
      for (const m of ['n', 'e', 'x', 'y', 'crv']) {
        if (k[m] !== undefined) assert.equal(certJwk[m], k[m], `${label}: certificate ${m} differs from the JWK`);
      }
      if (k.x5t !== undefined) {
        assert.equal(k.x5t, b64url(crypto.createHash('sha1').update(der).digest()), `${label}: x5t`);
      }
      if (k['x5t#S256'] !== undefined) {
        assert.equal(k['x5t#S256'], b64url(crypto.createHash('sha256').update(der).digest()), `${label}: x5t#S256`);
      }
    }
  });

  it('every key imports with jose (importJWK and createRemoteJWKSet)', async () => {
    for (const k of jwks.keys) {
      const key = await jose.importJWK(k, k.alg);
      assert.equal(key.type, 'public');
    }
    const set = jose.createRemoteJWKSet(new URL(certsUrl));
    for (const k of jwks.keys.filter((x) => x.use === 'sig')) {
      const key = await set({ alg: k.alg, kid: k.kid });
      assert.ok(key, `remote set did not resolve kid ${k.kid}`);
    }
  });

  it('the published keys actually verify: an RS256 key rejects a signature by another key', async () => {
    // Guards against keys whose public part is garbage that still parses.
    const rs = jwks.keys.find((k) => k.alg === 'RS256');
    const pub = await jose.importJWK(rs, 'RS256');
    const { privateKey } = await jose.generateKeyPair('RS256');
    const jws = await new jose.CompactSign(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg: 'RS256', kid: rs.kid }).sign(privateKey);
    await assert.rejects(jose.compactVerify(jws, pub), /signature verification failed/);
  });

  it('is stable across requests, differs between realms and survives a restart', async () => {
    const again = (await getJson200(certsUrl)).json;
    assert.deepEqual(again, jwks);
    const master = (await getJson200(`${srv.baseUrl}/realms/master/protocol/openid-connect/certs`)).json;
    const masterKids = new Set(master.keys.map((k) => k.kid));
    for (const k of jwks.keys) assert.ok(!masterKids.has(k.kid), `realm test shares key ${k.kid} with master`);

    const code = await srv.stop({ keepDataDir: true });
    assert.equal(code, 0);
    const srv2 = await startServer({ dataDir: srv.dataDir, realm: null });
    try {
      const after = (await getJson200(`${srv2.baseUrl}/realms/test/protocol/openid-connect/certs`)).json;
      assert.deepEqual(after.keys.map((k) => k.kid).sort(), jwks.keys.map((k) => k.kid).sort(),
        'keys changed across a restart on the same database');
    } finally {
      await srv2.stop();
      await rm(srv.dataDir, { recursive: true, force: true });
    }
  });
});
