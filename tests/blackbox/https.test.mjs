// HTTPS listener with a generated self-signed certificate.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import * as client from 'openid-client';
import * as jose from 'jose';
import { startServer, makeCert } from './lib/server.mjs';
import { request, assertSecurityHeaders, assertKeycloakOrder } from './lib/http.mjs';

/** TLS handshake with the given version bounds: resolves the negotiated protocol or the error. */
function handshake(port, ca, { minVersion = 'TLSv1.2', maxVersion = 'TLSv1.3' } = {}) {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca, minVersion, maxVersion });
    const timer = setTimeout(() => { s.destroy(); resolve({ error: new Error('handshake timeout') }); }, 5000);
    s.on('secureConnect', () => { clearTimeout(timer); const protocol = s.getProtocol(); s.end(); resolve({ protocol }); });
    s.on('error', (error) => { clearTimeout(timer); resolve({ error }); });
  });
}

describe('HTTPS', () => {
  let cert;
  let srv;
  let dispatcher;
  let tlsFetch;
  before(async () => {
    cert = await makeCert();
    srv = await startServer({ https: cert });
    dispatcher = new Agent({ connect: { ca: cert.certPem } });
    tlsFetch = (url, options = {}) => undiciFetch(url, { ...options, dispatcher });
  });
  after(async () => {
    await srv?.stop();
    await dispatcher?.close();
    if (cert) await rm(cert.dir, { recursive: true, force: true });
  });

  it('serves discovery over HTTPS with https:// URLs, HSTS and security headers', async () => {
    const issuer = `${srv.httpsUrl}/realms/test`;
    const res = await tlsFetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.jwks_uri, `${issuer}/protocol/openid-connect/certs`);
    assertKeycloakOrder(doc);
    assertSecurityHeaders(res.headers, 'https discovery', { https: true });
  });

  it('sends HSTS on HTTPS error responses too', async () => {
    const res = await tlsFetch(`${srv.httpsUrl}/realms/nope/.well-known/openid-configuration`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    assertSecurityHeaders(res.headers, 'https 404', { https: true });
  });

  it('does not send HSTS over plain HTTP', async () => {
    const r = await request(`${srv.baseUrl}/realms/test/.well-known/openid-configuration`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('strict-transport-security'), null);
    assert.equal(r.json.issuer, `${srv.baseUrl}/realms/test`, 'the HTTP listener must derive http:// URLs');
  });

  it('openid-client discovery over HTTPS (custom CA via customFetch) validates the issuer', async () => {
    const issuer = `${srv.httpsUrl}/realms/test`;
    const config = await client.discovery(new URL(issuer), 'app', 'app-secret', undefined, {
      [client.customFetch]: tlsFetch,
    });
    assert.equal(config.serverMetadata().issuer, issuer);
  });

  it('jose fetches the JWKS over HTTPS', async () => {
    const url = new URL(`${srv.httpsUrl}/realms/test/protocol/openid-connect/certs`);
    const res = await tlsFetch(url);
    const { keys } = await res.json();
    const set = jose.createRemoteJWKSet(url, { [jose.customFetch]: tlsFetch });
    const rs = keys.find((k) => k.alg === 'RS256');
    assert.ok(await set({ alg: 'RS256', kid: rs.kid }));
  });

  it('presents the configured certificate', async () => {
    const peer = await new Promise((resolve, reject) => {
      const s = tls.connect({ port: srv.httpsPort, host: '127.0.0.1', servername: 'localhost', ca: cert.certPem }, () => {
        const c = s.getPeerX509Certificate();
        s.end();
        resolve(c);
      });
      s.on('error', reject);
    });
    const mine = new X509Certificate(cert.certPem);
    assert.equal(peer.fingerprint256, mine.fingerprint256);
  });

  it('defaults to TLSv1.3 only: a TLSv1.2-only client is refused', async () => {
    const ok = await handshake(srv.httpsPort, cert.certPem, { minVersion: 'TLSv1.3' });
    assert.equal(ok.protocol, 'TLSv1.3', `TLSv1.3 handshake failed: ${ok.error?.message}`);
    const old = await handshake(srv.httpsPort, cert.certPem, { maxVersion: 'TLSv1.2' });
    assert.ok(old.error, `a TLSv1.2 handshake succeeded (${old.protocol}) though the default is TLSv1.3`);
  });

  it('a plain-HTTP request to the HTTPS port does not get a 200', async () => {
    const r = await fetch(`http://127.0.0.1:${srv.httpsPort}/realms/test/.well-known/openid-configuration`,
      { signal: AbortSignal.timeout(3000) }).then((x) => x.status, (e) => e);
    assert.ok(r instanceof Error || r >= 400, `plain HTTP on the TLS port answered ${r}`);
    // And the server is still fine.
    const res = await tlsFetch(`${srv.httpsUrl}/realms/test/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });
});

describe('HTTPS with --https-protocols=TLSv1.3,TLSv1.2', () => {
  let cert;
  let srv;
  before(async () => {
    cert = await makeCert();
    srv = await startServer({ https: cert, args: ['--https-protocols=TLSv1.3,TLSv1.2'] });
  });
  after(async () => {
    await srv?.stop();
    if (cert) await rm(cert.dir, { recursive: true, force: true });
  });

  it('accepts both TLSv1.2 and TLSv1.3 clients', async () => {
    const v12 = await handshake(srv.httpsPort, cert.certPem, { maxVersion: 'TLSv1.2' });
    assert.equal(v12.protocol, 'TLSv1.2', `TLSv1.2 handshake: ${v12.error?.message}`);
    const v13 = await handshake(srv.httpsPort, cert.certPem, { minVersion: 'TLSv1.3' });
    assert.equal(v13.protocol, 'TLSv1.3', `TLSv1.3 handshake: ${v13.error?.message}`);
  });
});
