// Two tessera nodes on one PostgreSQL database behind Debian's nginx
// (round-robin): every state a flow needs lives in the database, so any node
// continues what another began. Needs $TESSERA_TEST_PG_URL (scripts/test starts
// the server) and nginx; skipped otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freePort } from './lib/server.mjs';
import { launchBrowser, startCallbackServer } from './lib/browser.mjs';
import {
  realmDir, user, endpoints, authUrl, fetchLogin, pkcePair, send, show, sleep, tokenRequest,
} from './lib/flow.mjs';
import { pgServerUrl, createDatabase } from './lib/pg.mjs';
import { nginxAvailable, startBalancer } from './lib/nginx.mjs';

const REALM = 'cluster';
const USERS = Array.from({ length: 16 }, (_, i) => `user${i}`);
const skip = !pgServerUrl ? 'TESSERA_TEST_PG_URL is not set (scripts/test starts PostgreSQL)'
  : !(await nginxAvailable()) ? 'nginx is not installed (scripts/install-deps installs nginx-light)' : false;

let db; let lb; let nodeA; let nodeB; let cb; let browser;
const ep = {};  // balancer, a, b: endpoint URLs (all with the public issuer's host)
const WEB = ['web', 'web-secret'];

// Both nodes are told the balancer's URL as their public hostname, so tokens
// carry one issuer whichever node issued them, as in a real deployment.
async function startNode(hostname, importRealm) {
  return startServer({
    realm: importRealm, omit: ['db-url'],
    args: [...db.args, `--hostname=${hostname}`, '--db-pool-max-size=8'],
  });
}

before(async () => {
  if (skip) return;
  db = await createDatabase('cluster');
  cb = await startCallbackServer();
  const realm = {
    realm: REALM, enabled: true, accessTokenLifespan: 300,
    clients: [{
      clientId: 'web', secret: 'web-secret', publicClient: false, standardFlowEnabled: true, directAccessGrantsEnabled: true,
      redirectUris: [`${cb.origin}/*`], attributes: { 'post.logout.redirect.uris': '+' },
    }],
    users: [user('alice', 'alice-pw', { email: 'alice@example.com', firstName: 'Alice', lastName: 'A', emailVerified: true }),
      ...USERS.map((u) => user(u, `${u}-pw`, { email: `${u}@example.com`, firstName: u, lastName: 'U', emailVerified: true }))],
  };
  const lbPort = await freePort();
  const hostname = `http://127.0.0.1:${lbPort}`;
  nodeA = await startNode(hostname, await realmDir(realm));
  nodeB = await startNode(hostname, null);
  lb = await startBalancer(lbPort, [nodeA.httpPort, nodeB.httpPort]);
  ep.lb = endpoints(lb.url, REALM);
  ep.a = endpoints(nodeA.baseUrl, REALM);
  ep.b = endpoints(nodeB.baseUrl, REALM);
});

after(async () => {
  await browser?.close();
  await lb?.stop();
  await nodeA?.stop().catch(() => {});
  await nodeB?.stop();
  await cb?.close();
  await db?.drop();
});

const passwordLogin = (e, username, password) =>
  tokenRequest(e, { grant_type: 'password', username, password, scope: 'openid' }, { basic: WEB });
const refresh = (e, refreshToken) => tokenRequest(e, { grant_type: 'refresh_token', refresh_token: refreshToken }, { basic: WEB });
const userinfo = (e, accessToken) => send(e.userinfo, { headers: { authorization: `Bearer ${accessToken}` } });

test('the balancer spreads requests over both nodes', { skip }, async () => {
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    const r = await send(ep.lb.discovery);
    assert.equal(r.status, 200, show(r));
    seen.add(r.headers.get('x-upstream'));
  }
  assert.deepEqual([...seen].sort(), [`127.0.0.1:${nodeA.httpPort}`, `127.0.0.1:${nodeB.httpPort}`].sort());
  const [a, b] = await Promise.all([send(ep.a.discovery), send(ep.b.discovery)]);
  assert.equal(a.json.issuer, `${lb.url}/realms/${REALM}`);
  assert.equal(b.json.issuer, a.json.issuer, 'both nodes publish one issuer');
  const [ka, kb] = await Promise.all([send(ep.a.certs), send(ep.b.certs)]);
  assert.deepEqual(kb.json, ka.json, 'both nodes publish the same keys');
});

test('browser login through nginx; code exchanged on node A, refreshed on node B; logout on one ends it on both', { skip }, async () => {
  browser = await launchBrowser();
  const page = await (await browser.newContext()).newPage();
  const pkce = pkcePair();
  const params = {
    client_id: 'web', redirect_uri: `${cb.origin}/cb`, response_type: 'code', scope: 'openid', state: 'st-1', nonce: 'n-1',
    code_challenge: pkce.challenge, code_challenge_method: 'S256',
  };
  cb.drain();
  await page.goto(authUrl(ep.lb, params));
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-pw');
  const [hit] = await Promise.all([cb.next(15000), page.click('#kc-login')]);
  const got = Object.fromEntries(new URLSearchParams(hit.query));
  assert.equal(got.state, 'st-1', hit.url);
  assert.ok(got.code, `no code: ${hit.url}`);

  const exchanged = await tokenRequest(ep.a, {
    grant_type: 'authorization_code', code: got.code, redirect_uri: params.redirect_uri, code_verifier: pkce.verifier,
  }, { basic: WEB });
  assert.equal(exchanged.status, 200, `code on node A: ${show(exchanged)}`);
  const refreshed = await refresh(ep.b, exchanged.json.refresh_token);
  assert.equal(refreshed.status, 200, `refresh on node B: ${show(refreshed)}`);
  const info = await userinfo(ep.b, refreshed.json.access_token);
  assert.equal(info.status, 200, show(info));
  assert.equal(info.json.preferred_username, 'alice');

  // SSO: the browser's session (made on whichever node) is known to both nodes.
  for (const [name, e] of [['A', ep.a], ['B', ep.b]]) {
    cb.drain();
    await page.goto(authUrl(e, { ...params, prompt: 'none', state: 'sso' }));
    const sso = await cb.next(10000);
    assert.ok(new URLSearchParams(sso.query).get('code'), `prompt=none on node ${name}: ${sso.url}`);
  }

  // RP-initiated logout through node A (the browser's cookies are the balancer's:
  // the nodes share its host name, so node A reads them).
  cb.drain();
  const logoutUrl = `${ep.a.logout}?${new URLSearchParams({
    id_token_hint: exchanged.json.id_token, post_logout_redirect_uri: `${cb.origin}/after-logout`, state: 'bye',
  })}`;
  await page.goto(logoutUrl);
  const back = await cb.next(10000);
  assert.equal(back.path, '/after-logout');
  const again = await refresh(ep.b, refreshed.json.refresh_token);
  assert.equal(again.status, 400, `refresh on node B after logout on node A: ${show(again)}`);
  assert.equal(again.json.error, 'invalid_grant');
  const infoAfter = await userinfo(ep.b, refreshed.json.access_token);
  assert.equal(infoAfter.status, 401, `userinfo on node B after logout: ${show(infoAfter)}`);
  cb.drain();
  await page.goto(authUrl(ep.b, { ...params, prompt: 'none', state: 'after' }));
  const none = await cb.next(10000);
  assert.equal(new URLSearchParams(none.query).get('error'), 'login_required', none.url);
});

test('a back-channel logout on node B ends a session made on node A', { skip }, async () => {
  const t = await passwordLogin(ep.a, 'alice', 'alice-pw');
  assert.equal(t.status, 200, show(t));
  const out = await send(ep.b.logout, {
    form: { refresh_token: t.json.refresh_token, client_id: WEB[0], client_secret: WEB[1] },
  });
  assert.equal(out.status, 204, show(out));
  const r = await refresh(ep.a, t.json.refresh_token);
  assert.equal(r.status, 400, show(r));
});

async function adminToken(e) {
  const r = await send(`${e.issuer.replace(`/realms/${REALM}`, '')}/realms/master/protocol/openid-connect/token`, {
    form: { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' },
  });
  assert.equal(r.status, 200, show(r));
  return r.json.access_token;
}

test('a client created through the admin API on node A is usable on node B within a second', { skip }, async () => {
  const clientCredentials = (e) => tokenRequest(e, { grant_type: 'client_credentials' }, { basic: ['made-on-a', 'made-secret'] });
  // Node B has the realm cached and does not know the client yet.
  const unknown = await clientCredentials(ep.b);
  assert.equal(unknown.status, 401, show(unknown));
  const token = await adminToken(ep.a);
  const created = await send(`${nodeA.baseUrl}/admin/realms/${REALM}/clients`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'made-on-a', secret: 'made-secret', publicClient: false, serviceAccountsEnabled: true }),
  });
  assert.equal(created.status, 201, show(created));
  const start = Date.now();
  let last;
  while (Date.now() - start < 3000) {
    last = await clientCredentials(ep.b);
    if (last.status === 200) break;
    await sleep(20);
  }
  const elapsed = Date.now() - start;
  assert.equal(last.status, 200, show(last));
  assert.ok(elapsed <= 1000, `node B accepted the new client after ${elapsed} ms (must be within 1 s)`);
});

test('a key added on node A signs on node A and verifies on node B', { skip }, async () => {
  const token = await adminToken(ep.a);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await send(`${nodeA.baseUrl}/admin/realms/${REALM}/components`, {
    method: 'POST', headers,
    body: JSON.stringify({ name: 'rotated', providerId: 'rsa-generated', providerType: 'org.keycloak.keys.KeyProvider',
      config: { priority: ['500'], algorithm: ['RS256'] } }),
  });
  assert.equal(created.status, 201, show(created));
  const t = await passwordLogin(ep.a, 'alice', 'alice-pw');
  assert.equal(t.status, 200, show(t));
  const kid = JSON.parse(Buffer.from(t.json.access_token.split('.')[0], 'base64url')).kid;
  const start = Date.now();
  let kids = [];
  while (Date.now() - start < 3000 && !kids.includes(kid)) {
    kids = (await send(ep.b.certs)).json.keys.map((k) => k.kid);
    if (!kids.includes(kid)) await sleep(20);
  }
  assert.ok(kids.includes(kid), `node B's JWKS lacks the new key ${kid}`);
  assert.ok(Date.now() - start <= 1000, `node B served the new key after ${Date.now() - start} ms`);
  const info = await userinfo(ep.b, t.json.access_token);
  assert.equal(info.status, 200, `node B verifies a token signed with the new key: ${show(info)}`);
});

test('the same code sent to both nodes at the same instant is accepted once', { skip }, async () => {
  const rounds = 8;
  for (let i = 0; i < rounds; i++) {
    const pkce = pkcePair();
    const redirect = `${cb.origin}/cb`;
    const login = await fetchLogin(authUrl(ep.lb, {
      client_id: 'web', redirect_uri: redirect, response_type: 'code', scope: 'openid', state: `race-${i}`,
      code_challenge: pkce.challenge, code_challenge_method: 'S256',
    }), { username: 'alice', password: 'alice-pw' });
    assert.ok(login.params?.code, show(login.final));
    const form = { grant_type: 'authorization_code', code: login.params.code, redirect_uri: redirect, code_verifier: pkce.verifier };
    const answers = await Promise.all([tokenRequest(ep.a, form, { basic: WEB }), tokenRequest(ep.b, form, { basic: WEB })]);
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400], `round ${i}: ${answers.map(show).join(' | ')}`);
    assert.equal(answers.find((r) => r.status === 400).json.error, 'invalid_grant');
  }
});

test('text PostgreSQL cannot hold (NUL, invalid UTF-8) gets the usual answers, never a 5xx', { skip }, async () => {
  const redirect = `${cb.origin}/cb`;
  const auth = `${ep.a.auth}?client_id=web&redirect_uri=${encodeURIComponent(redirect)}&response_type=code&scope=openid` +
    '&state=a%FFb%00c&nonce=%C0%AF';
  const login = await fetchLogin(auth, { username: 'alice', password: 'alice-pw' });
  assert.equal(login.final.status, 302, show(login.final));
  assert.equal(login.params.state, 'a\uFFFDb\u0000c', 'ill-formed UTF-8 in state comes back as U+FFFD');
  const badUser = await passwordLogin(ep.a, 'ali\u0000ce', 'alice-pw');
  assert.equal(badUser.status, 400, show(badUser));
  assert.equal(badUser.json.error, 'invalid_grant');
  const badBytes = await send(ep.a.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from('web:web-secret').toString('base64')}` },
  body: 'grant_type=password&username=al%FFice&password=x' });
  assert.equal(badBytes.status, 400, show(badBytes));
  assert.equal(badBytes.json.error, "invalid_grant");
  const form = await fetchLogin(authUrl(ep.a, { client_id: 'web', redirect_uri: redirect, response_type: 'code', scope: 'openid' }),
    { username: 'ali\u0000ce', password: 'alice-pw' });
  assert.equal(form.final.status, 200, show(form.final));
  assert.match(form.final.text, /Invalid username or password/);
  const token = await adminToken(ep.a);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await send(`${nodeA.baseUrl}/admin/realms/${REALM}/users`, {
    method: 'POST', headers, body: JSON.stringify({ username: 'nul\u0000name', enabled: true }),
  });
  assert.ok(created.status === 400, `a username with NUL: ${show(created)}`);
  const missing = await send(`${nodeA.baseUrl}/admin/realms/${REALM}/users/%FF%00`, { headers });
  assert.equal(missing.status, 404, show(missing));
});

test('SIGKILL of node A under load loses no session: node B serves every logged-in user', { skip }, async () => {
  const sessions = [];
  for (const u of USERS) {
    const t = await passwordLogin(ep.lb, u, `${u}-pw`);
    assert.equal(t.status, 200, show(t));
    sessions.push({ user: u, refresh: t.json.refresh_token, access: t.json.access_token });
  }
  // Load through the balancer: refreshes and userinfo for every user, 8 at a time.
  let stop = false;
  let served = 0;
  const worker = async (k) => {
    for (let i = k; !stop; i = (i + 8) % sessions.length) {
      const s = sessions[i];
      const r = await refresh(ep.lb, s.refresh).catch(() => null);
      if (r?.status === 200) { s.access = r.json.access_token; served++; }
      await userinfo(ep.lb, s.access).catch(() => null);
    }
  };
  const workers = Array.from({ length: 8 }, (_, k) => worker(k));
  await sleep(800);
  nodeA.proc.kill('SIGKILL');
  await nodeA.exited;
  const servedAtKill = served;
  await sleep(1500);
  stop = true;
  await Promise.all(workers);
  assert.ok(served > servedAtKill, `the balancer served nothing after node A died (${servedAtKill} before)`);

  for (const s of sessions) {
    const r = await refresh(ep.b, s.refresh);
    assert.equal(r.status, 200, `${s.user}'s session on node B after node A was killed: ${show(r)}`);
    const info = await userinfo(ep.b, r.json.access_token);
    assert.equal(info.status, 200, show(info));
    assert.equal(info.json.preferred_username, s.user);
    const viaLb = await refresh(ep.lb, s.refresh);
    assert.equal(viaLb.status, 200, `${s.user} through the balancer: ${show(viaLb)}`);
  }
});
