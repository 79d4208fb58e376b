// Admin REST API, second part: groups (tree, members, rename, delete), key rotation through
// key-provider components, realm sessions (delete one, logout-all, a client's sessions) and
// partial-export / partialImport (FAIL, SKIP, OVERWRITE). Every change must take effect at
// once, without a restart. Driven by @keycloak/keycloak-admin-client, raw fetch where the
// status code or body matters.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import KcAdminClient, { NetworkError } from '@keycloak/keycloak-admin-client';
import { startServer } from './lib/server.mjs';
import { realmDir, endpoints, tokenRequest, jwtPayload, jwtHeader, send, show } from './lib/flow.mjs';

const REALM = 'crew';
const KEY_PROVIDER = 'org.keycloak.keys.KeyProvider';
const WEB = {
  clientId: 'web', publicClient: false, secret: 'web-secret', standardFlowEnabled: true,
  directAccessGrantsEnabled: true, redirectUris: ['https://web.example/cb'],
};
const pw = (value) => [{ type: 'password', value, temporary: false }];
/** A user complete enough for the default user profile (no required action on login). */
const person = (username, password, extra = {}) => ({
  username, email: `${username}@crew.example`, firstName: username, lastName: 'Tester', enabled: true,
  emailVerified: true, ...(password ? { credentials: pw(password) } : {}), ...extra,
});

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
  assert.fail(`${what}: expected HTTP ${status}, the call succeeded with ${JSON.stringify(value)}`);
}

describe('admin API: groups, keys, sessions, partial export/import', () => {
  let srv;
  let ep;
  let kc;
  before(async () => {
    const realm = {
      realm: REALM, enabled: true, clients: [WEB],
      users: [person('alice', 'alice-pw'), person('bob', 'bob-pw'), person('erin', 'erin-pw')],
    };
    srv = await startServer({ realm: await realmDir(realm) });
    ep = endpoints(srv.baseUrl, REALM);
    kc = new KcAdminClient({ baseUrl: srv.baseUrl, realmName: 'master' });
    await kc.auth({ grantType: 'password', clientId: 'admin-cli', username: 'admin', password: 'admin' });
    kc.setConfig({ realmName: REALM });
  });
  after(async () => { await srv?.stop(); });

  /** Raw admin request to /admin/realms/crew{path} with a fresh admin token. */
  async function api(path, { method, body } = {}) {
    const headers = { authorization: `Bearer ${await kc.getAccessToken()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return send(`${srv.baseUrl}/admin/realms/${REALM}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  const login = (username, password) =>
    tokenRequest(ep, { grant_type: 'password', username, password, scope: 'openid' }, { basic: ['web', 'web-secret'] });
  const refresh = (rt) => tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: rt }, { basic: ['web', 'web-secret'] });
  const userId = async (username) => (await kc.users.find({ username, exact: true }))[0]?.id;
  const jwks = async () => (await send(ep.certs)).json;
  const kids = async () => (await jwks()).keys.map((k) => k.kid);
  const introspect = (token) => send(`${ep.token}/introspect`, {
    form: { token }, headers: { authorization: `Basic ${Buffer.from('web:web-secret').toString('base64')}` },
  });

  it('groups: a tree with children and members; rename rewrites paths; delete ends membership; duplicates 409', async () => {
    const { id: staff } = await kc.groups.create({ name: 'staff' });
    const { id: admins } = await kc.groups.createChildGroup({ id: staff }, { name: 'admins' });
    assert.ok(staff && admins && staff !== admins, `ids ${staff} ${admins}`);

    const top = await kc.groups.find();
    assert.deepEqual(top.map((g) => g.name), ['staff'], `only top-level groups: ${JSON.stringify(top)}`);
    assert.equal(top[0].path, '/staff');
    assert.equal(top[0].subGroupCount, 1, JSON.stringify(top[0]));
    assert.deepEqual(top[0].subGroups.map((g) => [g.id, g.name, g.path]), [[admins, 'admins', '/staff/admins']]);
    const children = await api(`/groups/${staff}/children`);
    assert.equal(children.status, 200, show(children));
    assert.deepEqual(children.json.map((g) => g.path), ['/staff/admins']);

    await httpError(kc.groups.create({ name: 'staff' }), 409,
      { errorMessage: "Top level group named 'staff' already exists." }, 'duplicate top-level group');
    await httpError(kc.groups.createChildGroup({ id: staff }, { name: 'admins' }), 409,
      { errorMessage: "Sibling group named 'admins' already exists." }, 'duplicate child group');

    const alice = await userId('alice');
    await kc.users.addToGroup({ id: alice, groupId: admins });
    assert.deepEqual((await kc.groups.listMembers({ id: admins })).map((u) => u.username), ['alice']);
    assert.deepEqual((await kc.groups.listMembers({ id: staff })).map((u) => u.username), [], 'membership is not inherited upwards');
    assert.deepEqual((await kc.users.listGroups({ id: alice })).map((g) => g.path), ['/staff/admins']);

    // Rename the parent: the child's path and the user's membership follow.
    await kc.groups.update({ id: staff }, { name: 'team' });
    assert.equal((await kc.groups.findOne({ id: staff })).path, '/team');
    assert.equal((await kc.groups.findOne({ id: admins }))?.path, '/team/admins');
    assert.deepEqual((await kc.users.listGroups({ id: alice })).map((g) => [g.id, g.path]), [[admins, '/team/admins']]);
    assert.deepEqual((await kc.groups.listMembers({ id: admins })).map((u) => u.username), ['alice']);
    const { id: other } = await kc.groups.create({ name: 'other' });
    await httpError(kc.groups.update({ id: other }, { name: 'team' }), 409,
      { errorMessage: "Group named 'team' already exists." }, 'rename onto an existing name');

    // Delete the parent: the subtree and the membership go.
    await kc.groups.del({ id: staff });
    assert.equal(await kc.groups.findOne({ id: admins }), null, 'the child group survived its parent');
    assert.deepEqual(await kc.users.listGroups({ id: alice }), []);
    assert.deepEqual((await kc.groups.find()).map((g) => g.name), ['other']);
    await kc.groups.del({ id: other });
  });

  it('groups: POST /groups/{id}/children naming an existing group id moves it (groups.updateChildGroup)', async () => {
    const { id: a } = await kc.groups.create({ name: 'move-a' });
    const { id: b } = await kc.groups.create({ name: 'move-b' });
    try {
      const bob = await userId('bob');
      await kc.users.addToGroup({ id: bob, groupId: b });
      const r = await api(`/groups/${a}/children`, { method: 'POST', body: { id: b, name: 'move-b' } });
      assert.equal(r.status, 204, `move: ${show(r)}`);
      assert.deepEqual((await kc.groups.find()).map((g) => g.name).filter((n) => n.startsWith('move-')), ['move-a']);
      assert.equal((await kc.groups.findOne({ id: b }))?.path, '/move-a/move-b');
      assert.deepEqual((await kc.users.listGroups({ id: bob })).map((g) => [g.id, g.path]), [[b, '/move-a/move-b']]);
    } finally {
      for (const g of await kc.groups.find()) if (g.name.startsWith('move-')) await kc.groups.del({ id: g.id });
    }
  });

  it('groups: GET /groups/count (groups.count) answers {count}', async () => {
    const { id: p } = await kc.groups.create({ name: 'count-p' });
    try {
      await kc.groups.createChildGroup({ id: p }, { name: 'count-c' });
      assert.deepEqual(await kc.groups.count(), { count: 2 });
      assert.deepEqual(await kc.groups.count({ top: true }), { count: 1 });
    } finally {
      await kc.groups.del({ id: p });
    }
  });

  it('keys: a new rsa-generated provider signs at once; the old key verifies until its component is deleted', async () => {
    const before = await kc.realms.getKeys({ realm: REALM });
    const oldKid = before.active?.RS256;
    assert.ok(oldKid, `no active RS256 key: ${JSON.stringify(before)}`);
    const oldKey = before.keys.find((k) => k.kid === oldKid);
    assert.deepEqual([oldKey.status, oldKey.type, oldKey.algorithm, oldKey.use], ['ACTIVE', 'RSA', 'RS256', 'SIG']);
    const oldComponent = oldKey.providerId;
    assert.equal((await kc.components.findOne({ id: oldComponent }))?.providerType, KEY_PROVIDER);

    const t1 = await login('alice', 'alice-pw');
    assert.equal(t1.status, 200, show(t1));
    assert.equal(jwtHeader(t1.json.access_token).kid, oldKid);

    const created = await api('/components', {
      method: 'POST',
      body: { name: 'rotated', providerId: 'rsa-generated', providerType: KEY_PROVIDER, config: { priority: ['500'], algorithm: ['RS256'] } },
    });
    assert.equal(created.status, 201, show(created));
    const newComponent = created.location?.split('/').pop();
    assert.match(created.location ?? '', new RegExp(`/admin/realms/${REALM}/components/[^/]+$`), 'Location of the new component');

    const after = await kc.realms.getKeys({ realm: REALM });
    const newKid = after.active.RS256;
    assert.notEqual(newKid, oldKid, 'the priority-500 key did not become the active RS256 key');
    assert.equal(after.keys.find((k) => k.kid === newKid)?.providerId, newComponent);
    const t2 = await login('alice', 'alice-pw');
    assert.equal(jwtHeader(t2.json.access_token).kid, newKid, 'new tokens are signed with the new key');
    assert.equal(jwtHeader(t2.json.id_token).kid, newKid);
    assert.ok((await kids()).includes(oldKid) && (await kids()).includes(newKid), `JWKS: ${await kids()}`);
    const verifyOld = async () => jose.jwtVerify(t1.json.access_token, jose.createLocalJWKSet(await jwks()));
    await verifyOld();
    assert.equal((await introspect(t1.json.access_token)).json?.active, true, 'a token of the old key still introspects');

    // Passive: no longer signs (it did not before either), still verifies.
    const passive = await api(`/components/${oldComponent}`, {
      method: 'PUT', body: { ...(await kc.components.findOne({ id: oldComponent })), config: { active: ['false'] } },
    });
    assert.equal(passive.status, 204, show(passive));
    assert.equal((await kc.realms.getKeys({ realm: REALM })).keys.find((k) => k.kid === oldKid)?.status, 'PASSIVE');
    assert.ok((await kids()).includes(oldKid), 'a passive key left the JWKS');
    await verifyOld();
    assert.equal((await introspect(t1.json.access_token)).json?.active, true);

    // Deleted: gone from the JWKS, its tokens no longer verify.
    const del = await api(`/components/${oldComponent}`, { method: 'DELETE' });
    assert.equal(del.status, 204, show(del));
    assert.ok(!(await kids()).includes(oldKid), `deleted key still in the JWKS: ${await kids()}`);
    await assert.rejects(verifyOld(), /no applicable key|JWKSNoMatchingKey/i);
    assert.equal((await introspect(t1.json.access_token)).json?.active, false, 'a token of a deleted key is still active');
    assert.equal((await introspect(t2.json.access_token)).json?.active, true);
    assert.equal((await api(`/components/${oldComponent}`, { method: 'DELETE' })).status, 404);
  });

  it('sessions: a client lists its sessions; DELETE /sessions/{id} and logout-all end them', async () => {
    const a = await login('alice', 'alice-pw');
    const b = await login('bob', 'bob-pw');
    assert.equal(a.status, 200, show(a));
    const sidA = jwtPayload(a.json.access_token).sid;
    const sidB = jwtPayload(b.json.access_token).sid;
    assert.ok(sidA && sidB && sidA !== sidB, `sids ${sidA} ${sidB}`);
    const web = (await kc.clients.find({ clientId: 'web' }))[0];
    const listed = async () => (await kc.clients.listSessions({ id: web.id })).map((s) => `${s.username}:${s.id}`).sort();
    const sessions = await kc.clients.listSessions({ id: web.id });
    const sa = sessions.find((s) => s.id === sidA);
    assert.ok(sa, `alice's session missing: ${JSON.stringify(sessions)}`);
    assert.equal(sa.userId, await userId('alice'));
    assert.deepEqual(sa.clients, { [web.id]: 'web' });
    assert.ok((await listed()).includes(`bob:${sidB}`));

    const del = await api(`/sessions/${sidA}`, { method: 'DELETE' });
    assert.equal(del.status, 204, show(del));
    const r = await refresh(a.json.refresh_token);
    assert.equal(r.status, 400, `refresh after the session was deleted: ${show(r)}`);
    assert.equal(r.json?.error, 'invalid_grant');
    assert.ok(!(await listed()).some((s) => s.endsWith(sidA)), 'a deleted session is still listed');
    assert.equal((await refresh(b.json.refresh_token)).status, 200, "bob's session must survive alice's deletion");
    assert.equal((await api(`/sessions/${sidA}`, { method: 'DELETE' })).status, 404);

    const all = await api('/logout-all', { method: 'POST', body: {} });
    assert.equal(all.status, 200, show(all));
    assert.equal((await refresh(b.json.refresh_token)).status, 400, 'refresh after logout-all');
    assert.deepEqual(await listed(), []);
    assert.equal((await login('bob', 'bob-pw')).status, 200, 'new logins work after logout-all');
  });

  it('partial-export: clients with masked secrets, roles and groups on request, never keys or users', async () => {
    const bare = await kc.realms.export({ realm: REALM });
    assert.equal(bare.realm, REALM);
    for (const k of ['clients', 'roles', 'groups', 'users', 'components'])
      assert.ok(!(k in bare), `${k} in a partial export without options`);
    const full = await kc.realms.export({ realm: REALM, exportClients: true, exportGroupsAndRoles: true });
    const web = full.clients.find((c) => c.clientId === 'web');
    assert.equal(web?.secret, '**********', `web's secret: ${web?.secret}`);
    assert.ok(!JSON.stringify(full).includes('web-secret'), 'a client secret leaked into the partial export');
    assert.ok(Array.isArray(full.roles?.realm) && full.roles.realm.some((r) => r.name === 'offline_access'));
    assert.ok(Array.isArray(full.groups));
    assert.ok(!('components' in full) && !('users' in full), `keys/users exported: ${Object.keys(full)}`);
  });

  it('partialImport FAIL: a conflict anywhere changes nothing (409)', async () => {
    const web = (await kc.clients.find({ clientId: 'web' }))[0];
    const body = {
      ifResourceExists: 'FAIL',
      clients: [{ clientId: 'fresh-app', publicClient: true }, { ...WEB, redirectUris: ['https://evil.example/cb'] }],
      roles: { realm: [{ name: 'importer' }] },
      users: [person('carol', 'carol-pw')],
    };
    const r = await api('/partialImport', { method: 'POST', body });
    assert.deepEqual([r.status, r.json], [409, { errorMessage: "Client 'web' already exists" }], show(r));
    // Conflict only among the users: the clients before it must be rolled back too.
    const r2 = await api('/partialImport', {
      method: 'POST', body: { ifResourceExists: 'FAIL', clients: [{ clientId: 'fresh-app' }], users: [person('dave', 'dave-pw'), person('alice', 'x')] },
    });
    assert.equal(r2.status, 409, show(r2));
    assert.deepEqual(await kc.clients.find({ clientId: 'fresh-app' }), [], 'fresh-app was created by a failed import');
    assert.deepEqual(await kc.users.find({ username: 'carol', exact: true }), [], 'carol was created by a failed import');
    assert.deepEqual(await kc.users.find({ username: 'dave', exact: true }), [], 'dave was created by a failed import');
    assert.equal(await kc.roles.findOneByName({ name: 'importer' }), null, 'role created by a failed import');
    assert.deepEqual((await kc.clients.findOne({ id: web.id })).redirectUris, WEB.redirectUris);
    assert.equal((await login('alice', 'alice-pw')).status, 200, 'alice unchanged');
  });

  it('partialImport SKIP and OVERWRITE: counts, results, and the changes are live', async () => {
    const web = (await kc.clients.find({ clientId: 'web' }))[0];
    const alice = await userId('alice');
    const skip = await api('/partialImport', {
      method: 'POST',
      body: {
        ifResourceExists: 'SKIP',
        clients: [{ ...WEB, redirectUris: ['https://skipped.example/cb'] }, { clientId: 'new-app', publicClient: true }],
        roles: { realm: [{ name: 'auditor', description: 'Audits' }] },
        users: [person('alice', 'not-applied'), person('frank', 'frank-pw')],
      },
    });
    assert.equal(skip.status, 200, show(skip));
    assert.deepEqual([skip.json.added, skip.json.skipped, skip.json.overwritten], [3, 2, 0], JSON.stringify(skip.json));
    const row = (res, type, name) => res.json.results.find((x) => x.resourceType === type && x.resourceName === name);
    assert.deepEqual(row(skip, 'CLIENT', 'web'), { action: 'SKIPPED', resourceType: 'CLIENT', resourceName: 'web', id: web.id });
    assert.deepEqual(row(skip, 'USER', 'alice'), { action: 'SKIPPED', resourceType: 'USER', resourceName: 'alice', id: alice });
    assert.equal(row(skip, 'REALM_ROLE', 'auditor')?.action, 'ADDED');
    assert.equal(row(skip, 'USER', 'frank')?.id, await userId('frank'));
    assert.equal(row(skip, 'CLIENT', 'new-app')?.id, (await kc.clients.find({ clientId: 'new-app' }))[0]?.id);
    assert.deepEqual((await kc.clients.findOne({ id: web.id })).redirectUris, WEB.redirectUris, 'SKIP changed web');
    assert.equal((await kc.roles.findOneByName({ name: 'auditor' }))?.description, 'Audits');
    assert.equal((await login('frank', 'frank-pw')).status, 200, 'an imported user logs in without a restart');
    assert.equal((await login('alice', 'alice-pw')).status, 200, 'SKIP changed alice');

    const over = await api('/partialImport', {
      method: 'POST',
      body: {
        ifResourceExists: 'OVERWRITE',
        clients: [{ ...WEB, secret: 'web-secret', redirectUris: ['https://web.example/new-cb'] }],
        users: [person('alice', 'alice-new-pw', { firstName: 'Alicia' })],
      },
    });
    assert.equal(over.status, 200, show(over));
    assert.deepEqual([over.json.added, over.json.skipped, over.json.overwritten], [0, 0, 2], JSON.stringify(over.json));
    assert.deepEqual(row(over, 'CLIENT', 'web'), { action: 'OVERWRITTEN', resourceType: 'CLIENT', resourceName: 'web', id: web.id });
    assert.deepEqual(row(over, 'USER', 'alice'), { action: 'OVERWRITTEN', resourceType: 'USER', resourceName: 'alice', id: alice });
    assert.deepEqual((await kc.clients.findOne({ id: web.id })).redirectUris, ['https://web.example/new-cb']);
    assert.equal((await kc.users.findOne({ id: alice })).firstName, 'Alicia');
    const old = await login('alice', 'alice-pw');
    assert.deepEqual([old.status, old.json?.error], [400, 'invalid_grant'], `the overwritten password still works: ${show(old)}`);
    const t = await login('alice', 'alice-new-pw');
    assert.equal(t.status, 200, show(t));
    assert.equal(jwtPayload(t.json.access_token).sub, alice, 'OVERWRITE keeps the user id');
  });
});
