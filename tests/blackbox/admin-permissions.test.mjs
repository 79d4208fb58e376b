// Security review 1 (../shared/reference/security-review-1.md), findings 1, 3 and 7, reproduced
// step by step and now refused with Keycloak's answers: delegated administrators cannot give
// themselves (or anyone) admin roles they may not give, through role mappings, group membership,
// composites, the default role, group roles, partialImport or apply (Keycloak's
// RolePermissions.checkAdminRoles); the admin API honours the token client's role scope
// (AdminAuth: user.hasRole && client.hasScope); a caller without view-realm reads only the realm's
// name; conflicts never name another realm or a database constraint. The legitimate paths work.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { realmDir, endpoints, tokenRequest, send, user } from './lib/flow.mjs';

const RM = 'realm-management';
const withRoles = (name, roles) => user(name, `${name}pw`, roles.length ? { clientRoles: { [RM]: roles } } : {});
const ACME = {
  realm: 'acme', enabled: true,
  roles: { realm: [{ name: 'app-user' }] },
  clients: [
    { clientId: 'web', publicClient: false, secret: 'websecret', directAccessGrantsEnabled: true, fullScopeAllowed: false },
    { clientId: 'webfull', publicClient: false, secret: 'websecret', directAccessGrantsEnabled: true },
    { clientId: 'tools', publicClient: false, secret: 'toolssecret' },
  ],
  users: [
    withRoles('alice', []), withRoles('bob', []), withRoles('carol', []),
    withRoles('uadmin', ['manage-users']), withRoles('cadmin', ['manage-clients']),
    withRoles('rmadmin', ['manage-realm']), withRoles('radmin', ['realm-admin']), withRoles('qadmin', ['query-users']),
  ],
};
const OTHER = { realm: 'other', enabled: true, users: [user('olga', 'olgapw')] };
const FORBIDDEN = { error: 'HTTP 403 Forbidden' };

describe('admin permissions (security review 1: findings 1, 3, 7)', () => {
  let srv;
  const tokens = new Map();
  before(async () => {
    srv = await startServer({ realm: await realmDir(ACME, OTHER) });
  });
  after(async () => { await srv?.stop(); });

  /** A fresh admin-cli access token (or one from `client`) for `username` of `realm`. */
  async function token(realm, username, password = `${username}pw`, client = ['admin-cli']) {
    const form = { grant_type: 'password', username, password, ...(client[1] ? {} : { client_id: client[0] }) };
    const res = await tokenRequest(endpoints(srv.baseUrl, realm), form, client[1] ? { basic: client } : {});
    assert.equal(res.status, 200, `token for ${realm}/${username}: ${res.text}`);
    return res.json.access_token;
  }
  const master = () => token('master', 'admin', 'admin');
  async function api(tok, method, path, body) {
    const headers = { authorization: `Bearer ${tok}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return send(`${srv.baseUrl}/admin/realms${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  async function expectStatus(promise, status, what, body) {
    const res = await promise;
    assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
    if (body) assert.deepEqual(res.json, body, what);
    return res;
  }
  const ids = new Map();
  async function userId(realm, username) {
    const res = await api(await master(), 'GET', `/${realm}/users?username=${username}&exact=true`);
    return res.json[0].id;
  }
  async function clientUuid(realm, clientId) {
    const key = `${realm}/${clientId}`;
    if (!ids.has(key)) ids.set(key, (await api(await master(), 'GET', `/${realm}/clients?clientId=${clientId}`)).json[0].id);
    return ids.get(key);
  }
  async function roleOf(realm, clientId, name) {
    const path = clientId ? `/${realm}/clients/${await clientUuid(realm, clientId)}/roles/${name}` : `/${realm}/roles/${name}`;
    return (await api(await master(), 'GET', path)).json;
  }
  const mapClientRoles = async (tok, realm, uid, clientId, names) =>
    api(tok, 'POST', `/${realm}/users/${uid}/role-mappings/clients/${await clientUuid(realm, clientId)}`, names.map((name) => ({ name })));

  it('manage-users cannot map realm-admin (or roles it lacks) to itself; it maps what it may', async () => {
    const u = await token('acme', 'uadmin');
    const self = await userId('acme', 'uadmin');
    await expectStatus(mapClientRoles(u, 'acme', self, RM, ['realm-admin']), 403, 'manage-users maps realm-admin', FORBIDDEN);
    await expectStatus(mapClientRoles(u, 'acme', self, RM, ['manage-clients']), 403, 'manage-users maps manage-clients', FORBIDDEN);
    await expectStatus(mapClientRoles(u, 'acme', self, RM, ['manage-realm']), 403, 'manage-users maps manage-realm', FORBIDDEN);
    // A fresh token still has no more than before.
    const again = await token('acme', 'uadmin');
    await expectStatus(api(again, 'GET', `/acme/clients`), 403, 'manage-users lists clients after the refusals');
    await expectStatus(api(again, 'PUT', `/acme`, { displayName: 'x' }), 403, 'manage-users edits the realm');
    // Legitimate: a non-admin role, a role its own implies, a query role, and manage-users itself.
    const bob = await userId('acme', 'bob');
    await expectStatus(api(u, 'POST', `/acme/users/${bob}/role-mappings/realm`, [{ name: 'app-user' }]), 204, 'manage-users maps app-user');
    await expectStatus(mapClientRoles(u, 'acme', bob, RM, ['view-users', 'query-groups', 'manage-users']), 204,
      'manage-users maps view-users, query-groups, manage-users');
  });

  it('master: manage-users of master-realm cannot map the master admin role; manage-clients cannot make it a composite', async () => {
    const a = await master();
    await expectStatus(api(a, 'POST', '/master/users', { username: 'mu', enabled: true, credentials: [{ type: 'password', value: 'mupw' }] }), 201, 'create mu');
    await expectStatus(api(a, 'POST', '/master/users', { username: 'mc', enabled: true, credentials: [{ type: 'password', value: 'mcpw' }] }), 201, 'create mc');
    const mu = await userId('master', 'mu');
    const mc = await userId('master', 'mc');
    await expectStatus(mapClientRoles(a, 'master', mu, 'master-realm', ['manage-users']), 204, 'admin gives mu manage-users');
    await expectStatus(mapClientRoles(a, 'master', mc, 'master-realm', ['manage-clients']), 204, 'admin gives mc manage-clients');

    const m = await token('master', 'mu');
    await expectStatus(api(m, 'GET', '/other/users'), 403, 'mu reads another realm');
    await expectStatus(api(m, 'POST', `/master/users/${mu}/role-mappings/realm`, [{ name: 'admin' }]), 403, 'mu maps master admin', FORBIDDEN);
    await expectStatus(api(m, 'POST', `/master/users/${mu}/role-mappings/realm`, [{ name: 'create-realm' }]), 403, 'mu maps create-realm', FORBIDDEN);
    await expectStatus(api(await token('master', 'mu'), 'GET', '/other/users'), 403, 'mu reads another realm after the refusal');

    const c = await token('master', 'mc');
    const mr = await clientUuid('master', 'master-realm');
    await expectStatus(api(c, 'PUT', `/master/clients/${mr}/roles/manage-clients`, { composite: true, composites: { realm: ['admin'] } }),
      403, 'mc makes manage-clients a composite of admin', FORBIDDEN);
    await expectStatus(api(c, 'POST', `/master/clients/${mr}/roles`, { name: 'sneaky', composite: true, composites: { realm: ['admin'] } }),
      403, 'mc creates a role composite of admin', FORBIDDEN);
    const c2 = await token('master', 'mc');
    await expectStatus(api(c2, 'GET', '/other/users'), 403, 'mc reads another realm');
    await expectStatus(api(c2, 'POST', '', { realm: 'made-by-mc' }), 403, 'mc creates a realm');
  });

  it('manage-clients cannot turn a role into a composite of realm-admin, nor rename realm-management', async () => {
    const c = await token('acme', 'cadmin');
    const rm = await clientUuid('acme', RM);
    await expectStatus(api(c, 'PUT', `/acme/clients/${rm}/roles/manage-clients`,
      { composite: true, composites: { client: { [RM]: ['realm-admin'] } } }), 403, 'manage-clients + realm-admin composite', FORBIDDEN);
    const tools = await clientUuid('acme', 'tools');
    await expectStatus(api(c, 'POST', `/acme/clients/${tools}/roles`,
      { name: 'backdoor', composite: true, composites: { client: { [RM]: ['manage-users'] } } }), 403, 'new role composite of manage-users', FORBIDDEN);
    await expectStatus(api(c, 'PUT', `/acme/clients/${rm}/roles/view-users`, { name: 'realm-admin-2' }), 403, 'rename an admin role', FORBIDDEN);
    await expectStatus(api(c, 'PUT', `/acme/clients/${rm}`, { clientId: 'renamed' }), 403, 'rename realm-management', FORBIDDEN);
    await expectStatus(api(await token('acme', 'cadmin'), 'GET', '/acme/users'), 403, 'manage-clients lists users afterwards');
    // Legitimate: roles of an ordinary client, composites among them, and a composite of a role it may give.
    await expectStatus(api(c, 'POST', `/acme/clients/${tools}/roles`, { name: 'reader' }), 201, 'plain client role');
    await expectStatus(api(c, 'POST', `/acme/clients/${tools}/roles`,
      { name: 'writer', composite: true, composites: { client: { tools: ['reader'], [RM]: ['view-clients'] } } }), 201, 'composite of reader + view-clients');
  });

  it('manage-realm cannot add realm-admin to the default role; new users stay ordinary', async () => {
    const r = await token('acme', 'rmadmin');
    const realmAdmin = await roleOf('acme', RM, 'realm-admin');
    await expectStatus(api(r, 'POST', '/acme/roles/default-roles-acme/composites', [{ id: realmAdmin.id }]), 403,
      'realm-admin into default roles', FORBIDDEN);
    await expectStatus(api(r, 'PUT', '/acme/roles/app-user', { composite: true, composites: { client: { [RM]: ['manage-users'] } } }),
      403, 'manage-users into app-user', FORBIDDEN);
    // Legitimate: an ordinary role into the default role.
    const appUser = await roleOf('acme', '', 'app-user');
    await expectStatus(api(r, 'POST', '/acme/roles/default-roles-acme/composites', [{ id: appUser.id }]), 204, 'app-user into default roles');
    const a = await master();
    await expectStatus(api(a, 'POST', '/acme/users', { username: 'newbie', enabled: true, credentials: [{ type: 'password', value: 'newbiepw' }] }), 201, 'newbie');
    await expectStatus(api(await token('acme', 'newbie'), 'PUT', '/acme', { displayName: 'owned' }), 403, 'newbie edits the realm');
  });

  it('group membership and group roles: manage-users cannot reach realm-admin through a group', async () => {
    const a = await master();
    const created = await expectStatus(api(a, 'POST', '/acme/groups', { name: 'admins' }), 201, 'group admins');
    const admins = created.location.split('/').pop();
    await expectStatus(api(a, 'PUT', `/acme/groups/${admins}`, { clientRoles: { [RM]: ['realm-admin'] } }), 204, 'master admin gives the group realm-admin');
    const child = (await expectStatus(api(a, 'POST', `/acme/groups/${admins}/children`, { name: 'juniors' }), 201, 'subgroup')).location.split('/').pop();
    const plain = (await expectStatus(api(a, 'POST', '/acme/groups', { name: 'plain' }), 201, 'group plain')).location.split('/').pop();

    const u = await token('acme', 'uadmin');
    const self = await userId('acme', 'uadmin');
    await expectStatus(api(u, 'PUT', `/acme/users/${self}/groups/${admins}`), 403, 'join a realm-admin group', FORBIDDEN);
    await expectStatus(api(u, 'PUT', `/acme/users/${self}/groups/${child}`), 403, 'join its subgroup (inherits)', FORBIDDEN);
    await expectStatus(api(u, 'PUT', `/acme/groups/${plain}`, { name: 'plain', clientRoles: { [RM]: ['realm-admin'] } }), 403,
      'give a group realm-admin', FORBIDDEN);
    await expectStatus(api(u, 'POST', `/acme/groups/${admins}/children`, { id: plain, name: 'plain' }), 403,
      'move a group under the admin group', FORBIDDEN);
    await expectStatus(api(await token('acme', 'uadmin'), 'GET', '/acme/clients'), 403, 'uadmin lists clients afterwards');
    // Legitimate: an ordinary group.
    await expectStatus(api(u, 'PUT', `/acme/users/${self}/groups/${plain}`), 204, 'join plain');
  });

  it('partialImport and apply cannot give admin roles the caller may not give; nothing is written', async () => {
    const r = await token('acme', 'rmadmin');
    await expectStatus(api(r, 'POST', '/acme/partialImport', {
      ifResourceExists: 'FAIL', users: [withRoles('mallory', ['realm-admin'])],
    }), 403, 'partialImport of a realm-admin user', FORBIDDEN);
    const found = await api(await master(), 'GET', '/acme/users?username=mallory&exact=true');
    assert.deepEqual(found.json, [], 'mallory was not written');
    const self = withRoles('rmadmin', ['manage-realm', 'manage-users']);
    await expectStatus(api(r, 'POST', '/acme/partialImport', { ifResourceExists: 'OVERWRITE', users: [self] }), 403,
      'partialImport overwrites itself with manage-users', FORBIDDEN);
    await expectStatus(api(r, 'POST', '/acme/partialImport', {
      ifResourceExists: 'OVERWRITE', roles: { realm: [{ name: 'app-user', composite: true, composites: { client: { [RM]: ['realm-admin'] } } }] },
    }), 403, 'partialImport of a role composite of realm-admin', FORBIDDEN);
    await expectStatus(api(r, 'POST', '/acme/apply', {
      realm: 'acme', roles: { realm: [{ name: 'app-user', composite: true, composites: { client: { [RM]: ['realm-admin'] } } }] },
    }), 403, 'apply of a role composite of realm-admin', FORBIDDEN);
    assert.ok(!(await roleOf('acme', '', 'app-user')).composites?.client, 'app-user is unchanged');
    // Legitimate: an ordinary user.
    await expectStatus(api(r, 'POST', '/acme/partialImport', { ifResourceExists: 'FAIL', users: [withRoles('trent', [])] }), 200, 'plain user');
  });

  it('legitimate delegation: master admin gives realm-admin; realm-admin gives manage-users but not realm-admin', async () => {
    const a = await master();
    const alice = await userId('acme', 'alice');
    await expectStatus(mapClientRoles(a, 'acme', alice, RM, ['realm-admin']), 204, 'master admin gives alice realm-admin');
    await expectStatus(api(await token('acme', 'alice'), 'GET', '/acme/clients'), 200, 'alice administers acme');
    const ra = await token('acme', 'radmin');
    const carol = await userId('acme', 'carol');
    await expectStatus(mapClientRoles(ra, 'acme', carol, RM, ['manage-users']), 204, 'realm-admin gives manage-users');
    await expectStatus(mapClientRoles(ra, 'acme', carol, RM, ['realm-admin']), 403, 'realm-admin gives realm-admin', FORBIDDEN);
    await expectStatus(api(await token('acme', 'carol'), 'GET', '/acme/users'), 200, 'carol manages users');
  });

  it('the admin API honours the token client\'s scope: fullScopeAllowed=false carries no admin roles', async () => {
    const scoped = await token('acme', 'radmin', 'radminpw', ['web', 'websecret']);
    await expectStatus(api(scoped, 'GET', '/acme/users'), 403, 'realm-admin through a client without full scope');
    await expectStatus(api(scoped, 'GET', '/acme'), 403, 'realm read through a client without full scope');
    const full = await token('acme', 'radmin', 'radminpw', ['webfull', 'websecret']);
    await expectStatus(api(full, 'GET', '/acme/users'), 200, 'realm-admin through a full-scope client');
  });

  it('without view-realm, GET /admin/realms/{realm} gives only the name and what login pages show', async () => {
    const q = await token('acme', 'qadmin');
    const brief = await expectStatus(api(q, 'GET', '/acme'), 200, 'query-users reads the realm');
    assert.equal(brief.json.realm, 'acme');
    for (const hidden of ['id', 'attributes', 'accessTokenLifespan', 'passwordPolicy', 'registrationEmailAsUsername'])
      assert.ok(!(hidden in brief.json), `${hidden} is hidden from query-users: ${brief.text}`);
    const list = await expectStatus(api(q, 'GET', ''), 200, 'query-users lists realms');
    assert.deepEqual(list.json, [{ realm: 'acme' }]);
    const viaUsers = await expectStatus(api(await token('acme', 'uadmin'), 'GET', '/acme'), 200, 'manage-users reads the realm');
    assert.ok('registrationEmailAsUsername' in viaUsers.json && !('attributes' in viaUsers.json), viaUsers.text);
    const full = await expectStatus(api(await token('acme', 'radmin'), 'GET', '/acme'), 200, 'realm-admin reads the realm');
    assert.ok('accessTokenLifespan' in full.json && 'id' in full.json, full.text);
  });

  it('ids used by another realm: a plain 409, no realm named, no database words', async () => {
    const a = await master();
    const otherUser = await userId('other', 'olga');
    const otherClient = await clientUuid('other', 'account');
    const dupClient = await expectStatus(api(a, 'POST', '/acme/clients', { id: otherClient, clientId: 'dup' }), 409, 'client id of another realm');
    const dupUser = await expectStatus(api(a, 'POST', '/acme/partialImport', {
      ifResourceExists: 'FAIL', users: [{ ...withRoles('dupe', []), id: otherUser }],
    }), 409, 'user id of another realm');
    for (const res of [dupClient, dupUser])
      assert.doesNotMatch(res.text, /realm|UNIQUE|constraint|_entity|pkey/i, `conflict message: ${res.text}`);
  });
});
