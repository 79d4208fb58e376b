// The offline CLI: `tessera export` writes Keycloak realm-export JSON (users with hashed
// credentials, key providers with their keys) that --import-realm reads back unchanged, and
// `tessera apply` reconciles a realm with such a file in one transaction, printing its plan
// (--dry-run, --prune), refusing a broken file without touching the database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir, copyFile, rm, access } from 'node:fs/promises';
import path from 'node:path';
import * as jose from 'jose';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { startServer, runTessera, tempDir } from './lib/server.mjs';
import { realmDir, user, endpoints, tokenRequest, send, show } from './lib/flow.mjs';

const BUILTIN_CLIENTS = ['account', 'account-console', 'admin-cli', 'broker', 'realm-management', 'security-admin-console'];
const person = (username, password) => user(username, password, {
  email: `${username}@shop.example`, firstName: username, lastName: 'Tester', emailVerified: true,
});
const SHOP = {
  realm: 'shop', enabled: true, displayName: 'Shop',
  clients: [
    { clientId: 'web', publicClient: false, secret: 'web-secret', directAccessGrantsEnabled: true, redirectUris: ['https://web.example/cb'] },
    { clientId: 'legacy', publicClient: true, redirectUris: ['https://legacy.example/cb'] },
  ],
  roles: { realm: [{ name: 'buyer', description: 'Buys things' }] },
  groups: [{ name: 'staff', subGroups: [{ name: 'admins' }] }],
  users: [
    { ...person('alice', 'alice-pw'), groups: ['/staff/admins'], realmRoles: ['buyer', 'default-roles-shop'] },
    person('bob', 'bob-pw'),
  ],
};

const tmpDirs = [];
async function scratch() {
  const d = await tempDir('tessera-ea-');
  tmpDirs.push(d);
  return d;
}
const run = (...args) => runTessera(args);
const describeRun = (r) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
/** The "  + client x" lines of an apply run, trimmed, in printed order. */
const planLines = (stdout) => stdout.split('\n').filter((l) => /^ {2}[+~-] /.test(l)).map((l) => l.trim());
const kidsOf = async (srv) => (await send(endpoints(srv.baseUrl, 'shop').certs)).json.keys.map((k) => k.kid).sort();
const passwordLogin = (srv, username, password) => tokenRequest(endpoints(srv.baseUrl, 'shop'),
  { grant_type: 'password', username, password, scope: 'openid' }, { basic: ['web', 'web-secret'] });

/** `tessera export` of realm shop from `db` to a fresh file; returns the parsed document. */
async function exportJson(db, ...extra) {
  const file = path.join(await scratch(), 'shop.json');
  const r = await run('export', `--db-url=${db}`, '--realm', 'shop', '--file', file, ...extra);
  assert.equal(r.code, 0, describeRun(r));
  return JSON.parse(await readFile(file, 'utf8'));
}

/** A copy of the database `db` (with any WAL files) in a new data dir; returns its path. */
async function copyDb(db) {
  const dir = await scratch();
  for (const suffix of ['', '-wal', '-shm']) {
    try { await copyFile(db + suffix, path.join(dir, `tessera.db${suffix}`)); } catch (e) { if (suffix === '') throw e; }
  }
  return path.join(dir, 'tessera.db');
}

async function writeJson(doc) {
  const file = path.join(await scratch(), 'realm.json');
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}

describe('tessera export and tessera apply', () => {
  let db; // a stopped server's database holding realm shop
  let kids; // that server's JWKS kids for shop
  let doc1; // its export
  before(async () => {
    const srv = await startServer({ dataDir: await scratch(), realm: await realmDir(SHOP) });
    try {
      kids = await kidsOf(srv);
      const t = await passwordLogin(srv, 'alice', 'alice-pw');
      assert.equal(t.status, 200, show(t));
    } finally {
      assert.equal(await srv.stop(), 0);
    }
    db = srv.dbPath;
    doc1 = await exportJson(db);
  });
  after(async () => { for (const d of tmpDirs) await rm(d, { recursive: true, force: true }); });

  it('export → import into an empty server → export: identical files; passwords and key ids survive', async () => {
    const file = path.join(await scratch(), 'shop.json');
    const r = await run('export', `--db-url=${db}`, '--realm', 'shop', '--file', file);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /exported realm 'shop' to .*shop\.json \(\d+ clients, 2 users\)/);
    const text = await readFile(file, 'utf8');
    assert.deepEqual(JSON.parse(text), doc1, 'two exports of the same database differ');
    assert.ok(!text.includes('alice-pw') && !text.includes('bob-pw'), 'a plaintext password in the export');
    const alice = doc1.users.find((u) => u.username === 'alice');
    assert.equal(alice?.credentials?.[0]?.type, 'password');
    assert.match(alice.credentials[0].secretData, /"value"/, 'hashed credential with its secretData');
    assert.deepEqual(alice.groups, ['/staff/admins']);
    const exportedKids = doc1.components['org.keycloak.keys.KeyProvider'].map((c) => c.config.kid[0]);
    for (const kid of kids) assert.ok(exportedKids.includes(kid), `JWKS kid ${kid} missing from the exported components`);
    assert.ok(doc1.clients.some((c) => c.clientId === 'web' && c.secret === 'web-secret'), 'full export keeps client secrets');

    const srv2 = await startServer({ realm: file });
    try {
      assert.deepEqual(await kidsOf(srv2), kids, 'JWKS kids differ after the round trip');
      // Exported while the server runs, and before any login can touch the user.
      const doc2 = await exportJson(srv2.dbPath);
      assert.deepEqual(doc2, doc1, 'export → import → export is not the identity');
      const t = await passwordLogin(srv2, 'alice', 'alice-pw');
      assert.equal(t.status, 200, `original password on the new server: ${show(t)}`);
      const jwks = jose.createLocalJWKSet((await send(endpoints(srv2.baseUrl, 'shop').certs)).json);
      const { protectedHeader } = await jose.jwtVerify(t.json.access_token, jwks);
      assert.ok(kids.includes(protectedHeader.kid), `signed with an old kid: ${protectedHeader.kid}`);
      assert.equal((await passwordLogin(srv2, 'bob', 'wrong')).status, 400);
    } finally {
      await srv2.stop();
    }
  });

  it('--users skip writes no users; --dir writes {realm}-realm.json for every realm', async () => {
    const skipped = await exportJson(db, '--users', 'skip');
    assert.ok(!('users' in skipped), `users written with --users skip: ${JSON.stringify(skipped.users)?.slice(0, 200)}`);
    const { users, ...rest } = doc1;
    assert.deepEqual(skipped, rest, 'apart from the users, --users skip writes the same document');

    const dir = path.join(await scratch(), 'out');
    const r = await run('export', `--db-url=${db}`, '--dir', dir);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual((await readdir(dir)).sort(), ['master-realm.json', 'shop-realm.json']);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'shop-realm.json'), 'utf8')), doc1);
    const master = JSON.parse(await readFile(path.join(dir, 'master-realm.json'), 'utf8'));
    assert.equal(master.realm, 'master');
    assert.ok(master.users.some((u) => u.username === 'admin'), 'bootstrap admin in the master export');
  });

  it('export errors: no --file/--dir, unknown realm, several realms into one file, no database → exit 2', async () => {
    const dir = await scratch();
    const file = path.join(dir, 'x.json');
    const cases = [
      [['export', `--db-url=${db}`, '--realm', 'shop'], /export needs one of --file or --dir/],
      [['export', `--db-url=${db}`, '--realm', 'shop', '--file', file, '--dir', dir], /export needs one of --file or --dir/],
      [['export', `--db-url=${db}`, '--realm', 'nope', '--file', file], /no realm 'nope'/],
      [['export', `--db-url=${db}`, '--file', file], /several realms/],
      [['export', `--db-url=${path.join(dir, 'missing.db')}`, '--realm', 'shop', '--file', file], /no database/],
    ];
    for (const [args, message] of cases) {
      const r = await runTessera(args);
      assert.equal(r.code, 2, `tessera ${args.join(' ')}: ${describeRun(r)}`);
      assert.match(r.stderr, message, `tessera ${args.join(' ')}`);
    }
    await assert.rejects(access(file), 'a failed export wrote its file');
    await assert.rejects(access(path.join(dir, 'missing.db')), 'export created a database');
  });

  it('apply: prints its plan, --dry-run changes nothing, applies once, then plans no changes; a server sees it', async () => {
    const db2 = await copyDb(db);
    const same = await run('apply', `--db-url=${db2}`, '--file', await writeJson(doc1));
    assert.equal(same.code, 0, describeRun(same));
    assert.match(same.stdout, /plan for realm 'shop': no changes/, `applying the realm's own export: ${same.stdout}`);

    const mod = structuredClone(doc1);
    mod.clients.find((c) => c.clientId === 'web').redirectUris = ['https://web.example/new-cb'];
    mod.clients.push({ clientId: 'new-app', publicClient: true, redirectUris: ['https://new.example/cb'] });
    mod.roles.realm.push({ name: 'auditor', description: 'Audits' });
    mod.displayName = 'Shop Renamed';
    const file = await writeJson(mod);
    const expected = ['+ client new-app', '+ role auditor', '~ client web', '~ realm settings'];

    const before = await exportJson(db2);
    const dry = await run('apply', `--db-url=${db2}`, '--file', file, '--dry-run');
    assert.equal(dry.code, 0, describeRun(dry));
    assert.deepEqual(planLines(dry.stdout).sort(), expected, dry.stdout);
    assert.match(dry.stdout, /dry run: nothing was changed/);
    assert.deepEqual(await exportJson(db2), before, '--dry-run changed the database');

    const applied = await run('apply', `--db-url=${db2}`, '--file', file);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.deepEqual(planLines(applied.stdout).sort(), expected, applied.stdout);
    assert.match(applied.stdout, /applied 4 change\(s\)/);
    const again = await run('apply', `--db-url=${db2}`, '--file', file);
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /no changes/, `second apply of the same file: ${again.stdout}`);
    assert.deepEqual(planLines(again.stdout), []);

    const afterDoc = await exportJson(db2);
    assert.deepEqual(afterDoc.users, before.users, 'apply touched the users');
    assert.deepEqual(afterDoc.components, before.components, 'apply touched the keys');

    const srv = await startServer({ dataDir: path.dirname(db2), realm: null });
    try {
      const kc = new KcAdminClient({ baseUrl: srv.baseUrl, realmName: 'master' });
      await kc.auth({ grantType: 'password', clientId: 'admin-cli', username: 'admin', password: 'admin' });
      kc.setConfig({ realmName: 'shop' });
      assert.equal((await kc.realms.findOne({ realm: 'shop' }))?.displayName, 'Shop Renamed');
      assert.deepEqual((await kc.clients.find({ clientId: 'web' }))[0]?.redirectUris, ['https://web.example/new-cb']);
      assert.deepEqual((await kc.clients.find({ clientId: 'new-app' }))[0]?.redirectUris, ['https://new.example/cb']);
      assert.equal((await kc.roles.findOneByName({ name: 'auditor' }))?.description, 'Audits');
      const t = await passwordLogin(srv, 'alice', 'alice-pw');
      assert.equal(t.status, 200, `users survive an apply: ${show(t)}`);
    } finally {
      await srv.stop();
    }
  });

  it('apply --prune removes a client the file no longer names, never the built-in clients', async () => {
    const db2 = await copyDb(db);
    const slim = structuredClone(doc1);
    slim.clients = slim.clients.filter((c) => c.clientId === 'web'); // the built-ins are not named either
    delete slim.roles.client.legacy;
    const file = await writeJson(slim);
    const plain = await run('apply', `--db-url=${db2}`, '--file', file);
    assert.equal(plain.code, 0, describeRun(plain));
    assert.match(plain.stdout, /no changes/, `without --prune nothing is removed: ${plain.stdout}`);
    assert.ok((await exportJson(db2)).clients.some((c) => c.clientId === 'legacy'));

    const dry = await run('apply', `--db-url=${db2}`, '--file', file, '--prune', '--dry-run');
    assert.deepEqual(planLines(dry.stdout), ['- client legacy'], dry.stdout);
    assert.ok((await exportJson(db2)).clients.some((c) => c.clientId === 'legacy'), '--prune --dry-run removed legacy');

    const pruned = await run('apply', `--db-url=${db2}`, '--file', file, '--prune');
    assert.equal(pruned.code, 0, describeRun(pruned));
    assert.deepEqual(planLines(pruned.stdout), ['- client legacy'], pruned.stdout);
    const ids = (await exportJson(db2)).clients.map((c) => c.clientId).sort();
    assert.deepEqual(ids, [...BUILTIN_CLIENTS, 'web'].sort());
  });

  it('a broken file: non-zero exit, stderr names the JSON path, the database is unchanged', async () => {
    const db2 = await copyDb(db);
    const before = await exportJson(db2);
    const broken = structuredClone(doc1);
    broken.displayName = 'Never Applied';
    broken.clients.push({ clientId: 'never', publicClient: true });
    const i = broken.clients.findIndex((c) => c.clientId === 'web');
    broken.clients[i].clientId = 42;
    const r = await run('apply', `--db-url=${db2}`, '--file', await writeJson(broken));
    assert.notEqual(r.code, 0, describeRun(r));
    assert.ok(r.stderr.includes(`clients[${i}].clientId`), `stderr should name clients[${i}].clientId: ${r.stderr}`);
    assert.match(r.stderr, /nothing was changed/);
    assert.deepEqual(await exportJson(db2), before, 'a refused apply changed the database');

    const notJson = path.join(await scratch(), 'bad.json');
    await writeFile(notJson, '{"realm": "shop", ');
    const r2 = await run('apply', `--db-url=${db2}`, '--file', notJson);
    assert.equal(r2.code, 2, describeRun(r2));
    assert.match(r2.stderr, /not a JSON object/);
    assert.deepEqual(await exportJson(db2), before);
  });
});
