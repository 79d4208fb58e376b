// Concurrent admin configuration changes of one realm all land. Each change
// reads the realm's configuration, changes it and writes it back in one
// transaction; on PostgreSQL (READ COMMITTED) a later transaction used to
// write back the configuration it had read before an earlier one committed,
// so clients, roles and groups created at the same moment were lost although
// every creation had been answered 201 (found by crash-durability.test.mjs).
// Runs on SQLite, and on PostgreSQL when TESSERA_TEST_PG_URL is set.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { send, show } from './lib/flow.mjs';
import { pgServerUrl, createDatabase } from './lib/pg.mjs';

const N = 16;

async function concurrentCreations(serverOptions) {
  const srv = await startServer({ realm: null, ...serverOptions });
  try {
    const tok = await send(`${srv.baseUrl}/realms/master/protocol/openid-connect/token`, {
      form: { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' },
    });
    assert.equal(tok.status, 200, show(tok));
    const headers = { authorization: `Bearer ${tok.json.access_token}`, 'content-type': 'application/json' };
    const admin = (p, body) => send(`${srv.baseUrl}/admin/realms${p}`, { headers, body: body && JSON.stringify(body) });
    assert.equal((await admin('', { realm: 'busy', enabled: true })).status, 201);

    // Clients, roles and groups of one realm, all at once.
    const created = await Promise.all([
      ...Array.from({ length: N }, (_, i) => admin('/busy/clients', { clientId: `client-${i}` })),
      ...Array.from({ length: N }, (_, i) => admin('/busy/roles', { name: `role-${i}` })),
      ...Array.from({ length: N }, (_, i) => admin('/busy/groups', { name: `group-${i}` })),
    ]);
    for (const r of created) assert.equal(r.status, 201, show(r));

    const clients = (await admin('/busy/clients?max=1000')).json.map((c) => c.clientId);
    const roles = (await admin('/busy/roles?max=1000')).json.map((r) => r.name);
    const groups = (await admin('/busy/groups?max=1000')).json.map((g) => g.name);
    const missing = (names, have) => names.filter((n) => !have.includes(n));
    assert.deepEqual(missing(Array.from({ length: N }, (_, i) => `client-${i}`), clients), [], 'clients answered 201 but lost');
    assert.deepEqual(missing(Array.from({ length: N }, (_, i) => `role-${i}`), roles), [], 'roles answered 201 but lost');
    assert.deepEqual(missing(Array.from({ length: N }, (_, i) => `group-${i}`), groups), [], 'groups answered 201 but lost');
  } finally {
    assert.equal(await srv.stop(), 0);
  }
}

describe('concurrent admin changes of one realm', () => {
  it('SQLite: every creation answered 201 is there', () => concurrentCreations({}));

  const skip = !pgServerUrl && 'TESSERA_TEST_PG_URL is not set (scripts/test starts PostgreSQL)';
  it('PostgreSQL: every creation answered 201 is there', { skip }, async () => {
    const db = await createDatabase('concurrent');
    try {
      await concurrentCreations({ omit: ['db-url'], args: db.args });
    } finally {
      await db.drop();
    }
  });
});
