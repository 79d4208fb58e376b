// Keycloak-compatible admin REST API (keycloak-compat §9), driven by the official
// @keycloak/keycloak-admin-client, with raw requests where status codes, bodies and
// headers matter. The server starts with the harness's bootstrap admin admin/admin;
// admin tokens come from master's admin-cli via the password grant.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import KcAdminClient, { NetworkError } from '@keycloak/keycloak-admin-client';
import { startServer } from './lib/server.mjs';
import { endpoints, tokenRequest, jwtPayload, send, authUrl, show } from './lib/flow.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const APP = {
  clientId: 'app', publicClient: false, secret: 'app-secret', standardFlowEnabled: true,
  directAccessGrantsEnabled: true, redirectUris: ['https://app.example/cb'],
};
/** A user representation complete enough for Keycloak's default user profile (no VERIFY_PROFILE on login). */
const person = (username, password, extra = {}) => ({
  username, email: `${username}@acme.example`, firstName: username.split('-').pop(), lastName: 'Tester',
  enabled: true, emailVerified: true,
  ...(password ? { credentials: [{ type: 'password', value: password, temporary: false }] } : {}), ...extra,
});
const hardcodedClaim = (name, claim, value) => ({
  name, protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-claim-mapper',
  config: {
    'claim.name': claim, 'claim.value': value, 'jsonType.label': 'String',
    'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true',
  },
});
const credential = (value) => ({ type: 'password', value, temporary: false });

/** Awaits an admin-client call that must fail with HTTP `status` and JSON `body`. */
async function httpError(promise, status, body, what) {
  let value;
  try {
    value = await promise;
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    assert.deepEqual({ status: e.response.status, body: e.responseData }, { status, body }, what);
    return;
  }
  assert.fail(`${what}: expected HTTP ${status} ${JSON.stringify(body)}, the call succeeded with ${JSON.stringify(value)}`);
}

/** A JSON error response: status, exact body, application/json. */
function expectJson(r, status, body, what) {
  assert.deepEqual([r.status, r.json], [status, body], `${what}: ${show(r)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${what}: content-type`);
}

/** Token endpoint error: status, error, error_description. */
function expectTokenError(r, error, description, what) {
  assert.deepEqual([r.status, r.json], [400, { error, error_description: description }], `${what}: ${show(r)}`);
}

describe('admin REST API (Keycloak-compatible, via @keycloak/keycloak-admin-client)', () => {
  let srv;
  let ep;
  before(async () => {
    srv = await startServer({ realm: null });
    ep = endpoints(srv.baseUrl, 'acme');
  });
  after(async () => { await srv?.stop(); });

  /** An admin client logged in as `user` of `authRealm` (admin-cli, password grant), then aimed at `realm`. */
  async function admin(realm = 'acme', user = { username: 'admin', password: 'admin' }, authRealm = 'master') {
    const kc = new KcAdminClient({ baseUrl: srv.baseUrl, realmName: authRealm });
    await kc.auth({ grantType: 'password', clientId: 'admin-cli', ...user });
    kc.setConfig({ realmName: realm });
    return kc;
  }

  /** Realm acme and its client `app` exist (the first test creates acme; the others do not depend on it). */
  async function ensureAcme(kc) {
    if (!(await kc.realms.findOne({ realm: 'acme' }))) await kc.realms.create({ realm: 'acme', enabled: true });
    if ((await kc.clients.find({ clientId: 'app' })).length === 0) await kc.clients.create(APP);
  }

  /** Raw request to {base}/admin/realms{path}; token null sends no Authorization header. */
  function api(path, { token, method, body } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    const url = path.startsWith('http') ? path : `${srv.baseUrl}/admin/realms${path}`;
    return send(url, { method, headers, body: payload });
  }

  const login = (username, password, basic = ['app', 'app-secret']) =>
    tokenRequest(ep, { grant_type: 'password', username, password, scope: 'openid' }, { basic });

  it('story: realm, client, secret, role, user, mapper via the admin client; then openid-client logs in', async () => {
    const kc = await admin();
    assert.deepEqual(await kc.realms.create({ realm: 'acme', enabled: true }), { realmName: 'acme' });
    const realm = await kc.realms.findOne({ realm: 'acme' });
    assert.equal(realm?.realm, 'acme', JSON.stringify(realm));
    assert.equal(realm.enabled, true);

    const { id: cid } = await kc.clients.create({
      clientId: 'shop', publicClient: false, standardFlowEnabled: true, directAccessGrantsEnabled: true,
      redirectUris: ['https://shop.example/cb'],
    });
    assert.match(cid, UUID);
    const found = await kc.clients.find({ clientId: 'shop' });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].id, cid);
    assert.deepEqual(found[0].redirectUris, ['https://shop.example/cb']);
    assert.equal(found[0].directAccessGrantsEnabled, true);
    assert.equal(found[0].publicClient, false);
    const secret = await kc.clients.getClientSecret({ id: cid });
    assert.equal(secret?.type, 'secret', JSON.stringify(secret));
    assert.ok(typeof secret.value === 'string' && secret.value.length >= 16, `generated secret: ${JSON.stringify(secret)}`);

    assert.deepEqual(await kc.roles.create({ name: 'shopper', description: 'May shop' }), { roleName: 'shopper' });
    const role = await kc.roles.findOneByName({ name: 'shopper' });
    assert.equal(role?.name, 'shopper', JSON.stringify(role));
    assert.equal(role.description, 'May shop');
    assert.match(role.id, UUID);

    const { id: uid } = await kc.users.create(person('alice'));
    assert.match(uid, UUID);
    await kc.users.resetPassword({ id: uid, credential: credential('alice-pw') });
    await kc.users.addRealmRoleMappings({ id: uid, roles: [{ id: role.id, name: role.name }] });
    const mapped = (await kc.users.listRealmRoleMappings({ id: uid })).map((r) => r.name);
    assert.ok(mapped.includes('shopper'), `realm role mappings: ${mapped}`);

    await kc.clients.addProtocolMapper({ id: cid }, hardcodedClaim('shop-tier', 'shop_tier', 'gold'));
    const mappers = await kc.clients.listProtocolMappers({ id: cid });
    const mapper = mappers.find((m) => m.name === 'shop-tier');
    assert.ok(mapper, `protocol mappers: ${JSON.stringify(mappers)}`);
    assert.equal(mapper.protocolMapper, 'oidc-hardcoded-claim-mapper');
    assert.equal(mapper.config['claim.name'], 'shop_tier');
    assert.match(mapper.id, UUID);

    const issuer = `${srv.baseUrl}/realms/acme`;
    const config = await oidc.discovery(new URL(issuer), 'shop', secret.value, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const tokens = await oidc.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope: 'openid' });
    const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/protocol/openid-connect/certs`));
    const { payload: at } = await jose.jwtVerify(tokens.access_token, jwks, { issuer });
    assert.equal(at.azp, 'shop');
    assert.equal(at.preferred_username, 'alice');
    assert.ok(at.realm_access?.roles?.includes('shopper'), `realm_access: ${JSON.stringify(at.realm_access)}`);
    assert.equal(at.shop_tier, 'gold', 'hardcoded claim in the access token');
    assert.equal(tokens.claims()?.shop_tier, 'gold', 'hardcoded claim in the ID token');
  });

  it('realms: find, update, delete', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const names = (await kc.realms.find()).map((r) => r.realm);
    assert.ok(names.includes('master') && names.includes('acme'), `realms: ${names}`);
    await kc.realms.update({ realm: 'acme' }, { displayName: 'Acme Inc.' });
    const acme = await kc.realms.findOne({ realm: 'acme' });
    assert.deepEqual([acme.displayName, acme.enabled], ['Acme Inc.', true], 'partial update keeps enabled');
    await kc.realms.create({ realm: 'doomed', enabled: true });
    assert.equal((await send(`${srv.baseUrl}/realms/doomed/.well-known/openid-configuration`)).status, 200);
    await kc.realms.del({ realm: 'doomed' });
    assert.equal(await kc.realms.findOne({ realm: 'doomed' }), null);
    expectJson(await api('/doomed', { token: kc.accessToken }), 404, { error: 'Realm not found.' }, 'GET deleted realm');
    assert.equal((await send(`${srv.baseUrl}/realms/doomed/.well-known/openid-configuration`)).status, 404);
  });

  it('users: find (username/email/search, exact, first/max), count, update, disable, delete', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const ids = {};
    for (const [name, email] of [['u2-bob', 'bob@u2.example'], ['u2-carol', 'carol@u2.example'], ['u2-dave', 'dave@other.example']]) {
      ({ id: ids[name] } = await kc.users.create(person(name, `${name}-pw`, { email })));
    }
    const usernames = (list) => list.map((u) => u.username);
    assert.deepEqual(usernames(await kc.users.find({ username: 'u2-bob', exact: true })), ['u2-bob']);
    assert.deepEqual(usernames(await kc.users.find({ username: 'u2-' })), ['u2-bob', 'u2-carol', 'u2-dave'], 'username is a substring match');
    assert.deepEqual(usernames(await kc.users.find({ username: 'u2-', first: 1, max: 1 })), ['u2-carol'], 'first/max');
    assert.deepEqual(usernames(await kc.users.find({ email: 'u2.example' })), ['u2-bob', 'u2-carol']);
    assert.deepEqual(usernames(await kc.users.find({ email: 'carol@u2.example', exact: true })), ['u2-carol']);
    assert.deepEqual(usernames(await kc.users.find({ search: 'u2-', first: 0, max: 2 })), ['u2-bob', 'u2-carol']);
    assert.deepEqual(await kc.users.find({ username: 'u2-nobody', exact: true }), []);
    assert.equal(await kc.users.count({ search: 'u2-' }), 3);

    const carol = await kc.users.findOne({ id: ids['u2-carol'] });
    assert.deepEqual([carol?.id, carol?.username, carol?.email, carol?.enabled], [ids['u2-carol'], 'u2-carol', 'carol@u2.example', true]);
    assert.equal(carol.credentials, undefined, 'no credentials in the representation');
    await kc.users.update({ id: ids['u2-carol'] }, { email: 'carol@new.example' });
    const carol2 = await kc.users.findOne({ id: ids['u2-carol'] });
    assert.deepEqual([carol2.email, carol2.firstName, carol2.enabled], ['carol@new.example', 'carol', true], 'partial update');

    assert.equal((await login('u2-dave', 'u2-dave-pw')).status, 200);
    await kc.users.update({ id: ids['u2-dave'] }, { enabled: false });
    assert.equal((await kc.users.findOne({ id: ids['u2-dave'] })).enabled, false);
    expectTokenError(await login('u2-dave', 'u2-dave-pw'), 'invalid_grant', 'Account disabled', 'disabled user');

    await kc.users.del({ id: ids['u2-bob'] });
    assert.equal(await kc.users.findOne({ id: ids['u2-bob'] }), null);
    expectJson(await api(`/acme/users/${ids['u2-bob']}`, { token: kc.accessToken }), 404, { error: 'User not found' }, 'GET deleted user');
    await httpError(kc.users.del({ id: ids['u2-bob'] }), 404, { error: 'User not found' }, 'DELETE deleted user');
    assert.equal(await kc.users.count({ search: 'u2-' }), 2);
    expectTokenError(await login('u2-bob', 'u2-bob-pw'), 'invalid_grant', 'Invalid user credentials', 'deleted user');
  });

  it('clients: find by clientId, update, regenerate secret, service-account user, delete', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const { id } = await kc.clients.create({
      clientId: 'c3-web', publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: true,
      redirectUris: ['https://web.example/cb'],
    });
    const [web, ...rest] = await kc.clients.find({ clientId: 'c3-web' });
    assert.deepEqual([web?.id, web?.clientId, rest.length], [id, 'c3-web', 0]);
    assert.deepEqual(await kc.clients.find({ clientId: 'c3-nothing' }), []);
    await kc.clients.update({ id }, { redirectUris: ['https://web.example/cb', 'https://web.example/other'] });
    const web2 = await kc.clients.findOne({ id });
    assert.deepEqual(web2.redirectUris.toSorted(), ['https://web.example/cb', 'https://web.example/other']);
    assert.deepEqual([web2.clientId, web2.serviceAccountsEnabled], ['c3-web', true], 'partial update keeps the rest');

    const cc = (secret) => tokenRequest(ep, { grant_type: 'client_credentials' }, { basic: ['c3-web', secret] });
    const { value: s1 } = await kc.clients.getClientSecret({ id });
    const ok1 = await cc(s1);
    assert.equal(ok1.status, 200, show(ok1));
    assert.equal(jwtPayload(ok1.json.access_token).preferred_username, 'service-account-c3-web');
    const fresh = await kc.clients.generateNewClientSecret({ id });
    assert.equal(fresh?.type, 'secret', JSON.stringify(fresh));
    assert.ok(fresh.value && fresh.value !== s1, 'a new secret');
    assert.equal((await kc.clients.getClientSecret({ id })).value, fresh.value);
    const old = await cc(s1); // error code: keycloak-compat §5.1 says unauthorized_client, the token tests say invalid_client
    assert.deepEqual([old.status, old.json?.error_description], [401, 'Invalid client or Invalid client credentials'], `old secret: ${show(old)}`);
    assert.equal((await cc(fresh.value)).status, 200, 'new secret works');

    const sa = await kc.clients.getServiceAccountUser({ id });
    assert.deepEqual([sa?.username, sa?.enabled], ['service-account-c3-web', true], JSON.stringify(sa));
    assert.match(sa.id, UUID);

    await kc.clients.del({ id });
    assert.equal(await kc.clients.findOne({ id }), null);
    assert.deepEqual(await kc.clients.find({ clientId: 'c3-web' }), []);
    expectJson(await api(`/acme/clients/${id}`, { token: kc.accessToken }), 404, { error: 'Could not find client' }, 'GET deleted client');
    const gone = await cc(fresh.value);
    assert.deepEqual([gone.status, gone.json?.error], [401, 'invalid_client'], `deleted client: ${show(gone)}`);
  });

  it('roles: create, find, findOneByName, update, delete; client roles', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    assert.deepEqual(await kc.roles.create({ name: 'r4-editor', description: 'Edits' }), { roleName: 'r4-editor' });
    const names = (await kc.roles.find()).map((r) => r.name);
    for (const n of ['r4-editor', 'offline_access', 'uma_authorization', 'default-roles-acme']) {
      assert.ok(names.includes(n), `realm roles lack ${n}: ${names}`);
    }
    const editor = await kc.roles.findOneByName({ name: 'r4-editor' });
    assert.deepEqual([editor?.name, editor?.description, editor?.composite, editor?.clientRole], ['r4-editor', 'Edits', false, false]);
    await kc.roles.updateByName({ name: 'r4-editor' }, { name: 'r4-editor', description: 'Edits things' });
    assert.equal((await kc.roles.findOneByName({ name: 'r4-editor' })).description, 'Edits things');
    await kc.roles.delByName({ name: 'r4-editor' });
    assert.equal(await kc.roles.findOneByName({ name: 'r4-editor' }), null);
    expectJson(await api('/acme/roles/r4-editor', { token: kc.accessToken }), 404, { error: 'Could not find role' }, 'GET deleted role');

    const [app] = await kc.clients.find({ clientId: 'app' });
    assert.deepEqual(await kc.clients.createRole({ id: app.id, name: 'r4-reader', description: 'Reads' }), { roleName: 'r4-reader' });
    const clientRoles = await kc.clients.listRoles({ id: app.id });
    const reader = clientRoles.find((r) => r.name === 'r4-reader');
    assert.deepEqual([reader?.description, reader?.clientRole], ['Reads', true], JSON.stringify(clientRoles));
    const { id: uid } = await kc.users.create(person('u4-reader', 'u4-pw'));
    await kc.users.addClientRoleMappings({ id: uid, clientUniqueId: app.id, roles: [{ id: reader.id, name: reader.name }] });
    assert.deepEqual((await kc.users.listClientRoleMappings({ id: uid, clientUniqueId: app.id })).map((r) => r.name), ['r4-reader']);
    const t = await login('u4-reader', 'u4-pw');
    assert.equal(t.status, 200, show(t));
    assert.deepEqual(jwtPayload(t.json.access_token).resource_access?.app?.roles, ['r4-reader']);
  });

  it('403: realm-management client roles grant exactly their operations, only in their realm', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const [rm] = await kc.clients.find({ clientId: 'realm-management' });
    assert.ok(rm, 'realm acme has a realm-management client');
    const rmRoles = await kc.clients.listRoles({ id: rm.id });
    const grant = async (username, roleName) => {
      const role = rmRoles.find((r) => r.name === roleName);
      assert.ok(role, `realm-management lacks ${roleName}: ${rmRoles.map((r) => r.name)}`);
      const { id } = await kc.users.create(person(username, 'pw'));
      await kc.users.addClientRoleMappings({ id, clientUniqueId: rm.id, roles: [{ id: role.id, name: role.name }] });
      return id;
    };
    const forbidden = { error: 'HTTP 403 Forbidden' };

    const viewerId = await grant('u5-viewer', 'view-users');
    assert.deepEqual((await kc.users.listClientRoleMappings({ id: viewerId, clientUniqueId: rm.id })).map((r) => r.name), ['view-users']);
    const viewer = await admin('acme', { username: 'u5-viewer', password: 'pw' }, 'acme');
    assert.deepEqual((await viewer.users.find({ username: 'u5-viewer', exact: true })).map((u) => u.id), [viewerId]);
    assert.equal((await viewer.users.findOne({ id: viewerId }))?.username, 'u5-viewer');
    await httpError(viewer.users.create(person('u5-new', 'pw')), 403, forbidden, 'view-users: create user');
    await httpError(viewer.users.update({ id: viewerId }, { firstName: 'x' }), 403, forbidden, 'view-users: update user');
    await httpError(viewer.clients.find(), 403, forbidden, 'view-users: list clients');
    await httpError(viewer.users.find({ realm: 'master' }), 403, forbidden, 'acme token on realm master');
    await httpError(viewer.realms.create({ realm: 'u5-realm' }), 403, forbidden, 'acme token: create realm');

    await grant('u5-clients', 'manage-clients');
    const clientAdmin = await admin('acme', { username: 'u5-clients', password: 'pw' }, 'acme');
    assert.ok((await clientAdmin.clients.find({ clientId: 'app' })).length === 1, 'manage-clients implies view');
    const { id: made } = await clientAdmin.clients.create({ clientId: 'u5-made' });
    await clientAdmin.clients.del({ id: made });
    await httpError(clientAdmin.users.find(), 403, forbidden, 'manage-clients: list users');

    await grant('u5-boss', 'realm-admin');
    const boss = await admin('acme', { username: 'u5-boss', password: 'pw' }, 'acme');
    const { id: bossMade } = await boss.users.create(person('u5-by-boss'));
    assert.match(bossMade, UUID, 'realm-admin (composite) may create users');
    assert.ok((await boss.clients.find()).length > 0);
    await httpError(boss.users.find({ realm: 'master' }), 403, forbidden, 'realm-admin of acme on realm master');

    const master = await admin('master');
    await master.users.create(person('u5-plain', 'pw'));
    const plain = await admin('acme', { username: 'u5-plain', password: 'pw' });
    await httpError(plain.users.find(), 403, forbidden, 'master user without admin role on acme');
    await httpError(plain.users.find({ realm: 'master' }), 403, forbidden, 'master user without admin role on master');
  });

  it('errors: 401 without or with a bad token, 404, 409, 400 on bad JSON; shape of a create', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const token = kc.accessToken;
    for (const bad of [null, 'garbage', 'a.b.c']) {
      for (const path of ['', '/acme/users', '/master/clients', '/nope/users']) {
        const r = await api(path, { token: bad });
        expectJson(r, 401, { error: 'HTTP 401 Unauthorized' }, `GET ${path || '/'} with token ${bad}`);
        assert.equal(r.headers.get('www-authenticate'), null, 'no WWW-Authenticate');
      }
    }
    expectJson(await api('/acme/users', { token: null, body: person('u6-anon') }), 401, { error: 'HTTP 401 Unauthorized' }, 'POST without token');

    const uuid = crypto.randomUUID();
    expectJson(await api('/nope', { token }), 404, { error: 'Realm not found.' }, 'unknown realm');
    expectJson(await api('/nope/users', { token }), 404, { error: 'Realm not found.' }, 'users of unknown realm');
    assert.equal(await kc.realms.findOne({ realm: 'nope' }), null);
    expectJson(await api(`/acme/users/${uuid}`, { token }), 404, { error: 'User not found' }, 'unknown user');
    expectJson(await api(`/acme/clients/${uuid}`, { token }), 404, { error: 'Could not find client' }, 'unknown client');
    expectJson(await api(`/acme/client-scopes/${uuid}`, { token }), 404, { error: 'Could not find client scope' }, 'unknown scope');
    await httpError(kc.users.update({ id: uuid }, { email: 'x@y.example' }), 404, { error: 'User not found' }, 'PUT unknown user');
    await httpError(kc.clients.getClientSecret({ id: uuid }), 404, { error: 'Could not find client' }, 'secret of unknown client');

    await httpError(kc.clients.create({ clientId: 'app' }), 409, { errorMessage: 'Client app already exists' }, 'duplicate clientId');
    await kc.users.create(person('u6-dup'));
    await httpError(kc.users.create(person('u6-dup', undefined, { email: 'other@acme.example' })), 409,
      { errorMessage: 'User exists with same username' }, 'duplicate username');

    const cannotParse = { error: 'invalid_request', error_description: 'Cannot parse the JSON' };
    expectJson(await api('/acme/users', { token, body: '{"username": ' }), 400, cannotParse, 'truncated JSON user');
    expectJson(await api('/acme/clients', { token, body: 'not json' }), 400, cannotParse, 'garbage client');
    expectJson(await api('/acme/roles', { token, body: '{"name": "r", }' }), 400, cannotParse, 'trailing comma role');

    const creates = [
      ['/acme/users', person('u6-raw'), new RegExp(`^${srv.baseUrl}/admin/realms/acme/users/[0-9a-f-]{36}$`), 'username', 'u6-raw'],
      ['/acme/clients', { clientId: 'u6-raw' }, new RegExp(`^${srv.baseUrl}/admin/realms/acme/clients/[0-9a-f-]{36}$`), 'clientId', 'u6-raw'],
      ['/acme/roles', { name: 'u6-raw' }, new RegExp(`^${srv.baseUrl}/admin/realms/acme/roles/u6-raw$`), 'name', 'u6-raw'],
      ['', { realm: 'u6-raw', enabled: true }, new RegExp(`^${srv.baseUrl}/admin/realms/u6-raw$`), 'realm', 'u6-raw'],
    ];
    for (const [path, body, location, key, value] of creates) {
      const r = await api(path, { token, body });
      assert.equal(r.status, 201, `POST ${path}: ${show(r)}`);
      assert.equal(r.text, '', `POST ${path}: empty body`);
      assert.equal(r.headers.get('content-type'), null, `POST ${path}: no Content-Type`);
      assert.match(r.location ?? '', location, `POST ${path}: Location`);
      const read = await api(r.location, { token });
      assert.equal(read.status, 200, `GET ${r.location}: ${show(read)}`);
      assert.equal(read.json?.[key], value);
    }
  });

  it('changes take effect at once: redirect URIs, password reset, enabled flag, admin logout', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const [app] = await kc.clients.find({ clientId: 'app' });
    const moved = 'https://app.example/moved';
    const authorize = (redirect_uri) =>
      send(authUrl(ep, { client_id: 'app', response_type: 'code', scope: 'openid', redirect_uri, state: 's7' }));
    const before1 = await authorize(moved);
    assert.equal(before1.status, 400, `unregistered redirect_uri: ${show(before1)}`);
    await kc.clients.update({ id: app.id }, { ...app, redirectUris: [moved] });
    try {
      const now = await authorize(moved);
      assert.equal(now.status, 200, `newly registered redirect_uri: ${show(now)}`);
      assert.match(now.text, /id="kc-form-login"/);
      const old = await authorize('https://app.example/cb');
      assert.equal(old.status, 400, `removed redirect_uri: ${show(old)}`);
      assert.match(old.text, /Invalid parameter: redirect_uri/);
    } finally {
      await kc.clients.update({ id: app.id }, { redirectUris: APP.redirectUris });
    }

    const { id: uid } = await kc.users.create(person('u7-erin', 'old-pw'));
    const first = await login('u7-erin', 'old-pw');
    assert.equal(first.status, 200, show(first));
    const sessions = await kc.users.listSessions({ id: uid });
    assert.equal(sessions.length, 1, JSON.stringify(sessions));
    assert.deepEqual([sessions[0].userId, sessions[0].username, Object.values(sessions[0].clients ?? {})], [uid, 'u7-erin', ['app']]);
    await kc.users.logout({ id: uid });
    assert.deepEqual(await kc.users.listSessions({ id: uid }), []);
    const refreshed = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, { basic: ['app', 'app-secret'] });
    expectTokenError(refreshed, 'invalid_grant', 'Session not active', 'refresh after admin logout');

    await kc.users.resetPassword({ id: uid, credential: credential('new-pw') });
    expectTokenError(await login('u7-erin', 'old-pw'), 'invalid_grant', 'Invalid user credentials', 'old password after reset');
    assert.equal((await login('u7-erin', 'new-pw')).status, 200, 'new password after reset');
    await kc.users.update({ id: uid }, { enabled: false });
    expectTokenError(await login('u7-erin', 'new-pw'), 'invalid_grant', 'Account disabled', 'disabled at once');
    await kc.users.update({ id: uid }, { enabled: true });
    assert.equal((await login('u7-erin', 'new-pw')).status, 200, 're-enabled at once');

    await kc.roles.create({ name: 'u7-role' });
    const u7role = await kc.roles.findOneByName({ name: 'u7-role' });
    await kc.users.addRealmRoleMappings({ id: uid, roles: [{ id: u7role.id, name: 'u7-role' }] });
    assert.ok(jwtPayload((await login('u7-erin', 'new-pw')).json.access_token).realm_access.roles.includes('u7-role'));
    await kc.users.delRealmRoleMappings({ id: uid, roles: [{ id: u7role.id, name: 'u7-role' }] });
    const names = (await kc.users.listRealmRoleMappings({ id: uid })).map((r) => r.name);
    assert.ok(!names.includes('u7-role'), `role mapping removed: ${names}`);
    const roles = jwtPayload((await login('u7-erin', 'new-pw')).json.access_token).realm_access?.roles ?? [];
    assert.ok(!roles.includes('u7-role'), `role gone from the next token: ${roles}`);
  });

  it('client scopes: find, create, findOne, update, protocol mapper, delete', async () => {
    const kc = await admin();
    await ensureAcme(kc);
    const names = (await kc.clientScopes.find()).map((s) => s.name);
    for (const n of ['profile', 'email', 'roles']) assert.ok(names.includes(n), `built-in client scope ${n} missing: ${names}`);
    const { id } = await kc.clientScopes.create({ name: 'c8-scope', protocol: 'openid-connect', description: 'first' });
    assert.match(id, UUID);
    const scope = await kc.clientScopes.findOne({ id });
    assert.deepEqual([scope?.name, scope?.protocol, scope?.description], ['c8-scope', 'openid-connect', 'first']);
    await kc.clientScopes.update({ id }, { ...scope, description: 'second' });
    assert.equal((await kc.clientScopes.findOne({ id })).description, 'second');
    await kc.clientScopes.addProtocolMapper({ id }, hardcodedClaim('c8-claim', 'c8', 'yes'));
    const mappers = await kc.clientScopes.listProtocolMappers({ id });
    assert.deepEqual(mappers.map((m) => [m.name, m.protocolMapper]), [['c8-claim', 'oidc-hardcoded-claim-mapper']]);
    await kc.clientScopes.del({ id });
    assert.equal(await kc.clientScopes.findOne({ id }), null);
    expectJson(await api(`/acme/client-scopes/${id}`, { token: kc.accessToken }), 404, { error: 'Could not find client scope' }, 'deleted scope');
  });
});
