// Crash durability (hardening §3): logins, token grants, admin changes and
// revocations run under load while the server is SIGKILLed at random moments
// and restarted on the same data (SQLite data dir, or the same PostgreSQL
// database). After every restart each ACKNOWLEDGED write must be there:
//   - users and clients created through the admin API (201 received), with
//     their credentials (password grant / client_credentials work) and the
//     last acknowledged firstName of an updated user;
//   - sessions of completed logins (password grant or code flow whose token
//     response was received): the latest refresh token works, userinfo with
//     the fresh access token works, the SSO cookie of a code-flow login still
//     logs in silently; without rotation the first refresh token of the
//     session and one in between work too; with rotation a rotated-out one
//     stays refused; a code received but not yet exchanged is still good;
//   - consents given on the consent page (the redirect with the code
//     received): a new login to that client asks no consent;
//   - revocations: a refresh token whose /revoke got 200 stays refused, a
//     logged-out session (RP-initiated or back-channel) stays logged out
//     (refresh refused, prompt=none gives login_required), a revoked access
//     token stays refused at userinfo.
// Writes whose response never arrived may go either way but must be whole:
// a user that exists can log in, a client that exists has its service
// account, a session is either refreshable and logged in or refused
// everywhere. No response is ever a 5xx, every restart becomes ready, its
// log shows no database error, and (SQLite) a copy of the database taken
// right after each kill passes PRAGMA integrity_check.
//
// The PostgreSQL half runs when TESSERA_TEST_PG_URL names a server
// (scripts/test starts one); it creates and drops its own database there.
// TESSERA_CRASH_TRIALS (default 20) sets the number of kills under load,
// TESSERA_CRASH_SEED replays a sequence of operations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, stat, rm } from 'node:fs/promises';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { createServer } from 'node:net';
import { startServer, tempDir } from './lib/server.mjs';
import { realmDir, CookieJar, parseForm, redirectParams, show } from './lib/flow.mjs';
import { pgServerUrl, createDatabase } from './lib/pg.mjs';

const TRIALS = Number(process.env.TESSERA_CRASH_TRIALS) || 20;
const STARTUP_KILLS = 3; // kills while the server starts (the first one on an empty database)
const WORKERS = 6;
const SEED = Number(process.env.TESSERA_CRASH_SEED) || (Date.now() % 1e9);
const VERIFY_CONCURRENCY = 8;
const SAMPLE = 25; // older items re-checked per restart (the last restart checks everything)
const CB = 'https://rp.example/cb';

/** Start-up output that means the store did not come back cleanly: a warning or error line, or SQLite's words for trouble. */
const BAD_STARTUP = /^\S+ \S+ (warn|error|critical)\b|database is locked|malformed|corrupt|not a database|disk I\/O error/i;

// ---------------------------------------------------------------- randomness

/** mulberry32: a small seeded PRNG, so that a failing sequence of operations can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- realms

const person = (username, password) => ({
  username, email: `${username}@crash.example`, firstName: 'f0', lastName: 'Tester', enabled: true, emailVerified: true,
  credentials: [{ type: 'password', value: password, temporary: false }],
});
const IMPORTED_USERS = Array.from({ length: 6 }, (_, i) => `u${i}`);
const realmRep = (name, rotation) => ({
  realm: name, enabled: true,
  revokeRefreshToken: rotation, refreshTokenMaxReuse: 0,
  // Cheap hashes keep logins from being bound by the hash pool.
  passwordPolicy: 'hashAlgorithm(pbkdf2-sha256) and hashIterations(1)',
  clients: [
    {
      clientId: 'web', publicClient: false, secret: 'web-secret', standardFlowEnabled: true,
      directAccessGrantsEnabled: true, redirectUris: [CB],
    },
    {
      clientId: 'consent-app', publicClient: false, secret: 'consent-secret', standardFlowEnabled: true,
      consentRequired: true, redirectUris: [CB],
    },
  ],
  users: IMPORTED_USERS.map((u) => person(u, `${u}-pw`)),
});
const REALMS = { dur: { rotation: false }, rot: { rotation: true } };
const SECRETS = { web: 'web-secret', 'consent-app': 'consent-secret' };

// ---------------------------------------------------------------- HTTP

/** A request whose response did not (completely) arrive: the server may or may not have acted on it. */
class NoResponse extends Error {}

const basicAuth = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * HTTP against one server instance: its own connection pool (dropped with
 * the instance), every 5xx recorded in `errors`, a missing response thrown
 * as NoResponse.
 */
class Net {
  constructor(baseUrl, errors) {
    this.baseUrl = baseUrl;
    this.errors = errors;
    this.agent = new Agent({ keepAliveTimeout: 4000, connections: 32 });
  }

  async send(pathOrUrl, { method, form, json, jar, basic, bearer } = {}) {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    const headers = {};
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (json !== undefined) {
      body = JSON.stringify(json);
      headers['content-type'] = 'application/json';
    }
    if (jar && jar.cookies.size) headers.cookie = jar.header();
    if (basic) headers.authorization = basicAuth(...basic);
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    method ??= body !== undefined ? 'POST' : 'GET';
    let res;
    let text;
    try {
      res = await undiciFetch(url, {
        method, headers, body, redirect: 'manual', dispatcher: this.agent, signal: AbortSignal.timeout(15000),
      });
      text = await res.text();
    } catch (e) {
      throw new NoResponse(`${method} ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
    }
    jar?.store(res.headers);
    let parsed;
    try { parsed = JSON.parse(text); } catch { parsed = undefined; }
    const r = { status: res.status, headers: res.headers, text, json: parsed, location: res.headers.get('location') };
    if (r.status >= 500) this.errors.push(`${method} ${url.replace(this.baseUrl, '')} -> ${show(r)}`);
    return r;
  }

  close() { return this.agent.destroy(); }
}

/**
 * A free port below the ephemeral range (Linux's starts at 32768). The server restarts on the same
 * ports (its tokens name the issuer, port included); a port from the
 * ephemeral range (freePort) could be handed to another test's freePort()
 * while the killed server is down, and with SO_REUSEPORT both servers
 * would then share it.
 */
async function stablePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise((resolve) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

// ---------------------------------------------------------------- databases

function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 30000 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`${cmd} ${args.join(' ')}: ${e.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The SQLite backend: one data dir for every start. */
async function sqliteBackend() {
  const dataDir = await tempDir('tessera-crash-');
  const dbPath = path.join(dataDir, 'tessera.db');
  return {
    name: 'sqlite',
    serverOptions: { dataDir },
    /** A copy of the database as the kill left it (main file and WAL) must pass integrity_check; the original is untouched. */
    async checkAfterKill() {
      const copy = await tempDir('tessera-crash-copy-');
      try {
        const target = path.join(copy, 'tessera.db');
        try {
          await copyFile(dbPath, target);
        } catch (e) {
          if (e.code === 'ENOENT') return; // killed before the database was created
          throw e;
        }
        let walBytes = 0;
        try {
          await copyFile(`${dbPath}-wal`, `${target}-wal`);
          walBytes = (await stat(`${target}-wal`)).size;
        } catch (e) {
          if (e.code !== 'ENOENT') throw e;
        }
        const out = (await run('sqlite3', [target, 'PRAGMA integrity_check;'])).trim();
        assert.equal(out, 'ok', `integrity_check of the database left by the kill: ${out}`);
        return walBytes > 0; // the restart has a WAL to recover
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    },
    /** After a clean stop the WAL is checkpointed into the database and removed. */
    async checkAfterStop() {
      const out = (await run('sqlite3', [dbPath, 'PRAGMA integrity_check;'])).trim();
      assert.equal(out, 'ok', `integrity_check after the last stop: ${out}`);
      const wal = await stat(`${dbPath}-wal`).catch(() => null);
      assert.ok(!wal || wal.size === 0, `the WAL still holds ${wal?.size} bytes after a clean stop`);
    },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** The PostgreSQL backend: a database of its own on the server TESSERA_TEST_PG_URL names, dropped afterwards. */
async function postgresBackend() {
  const db = await createDatabase('crash');
  return {
    name: 'postgres',
    serverOptions: { omit: ['db-url'], args: db.args },
    async checkAfterKill() {},
    /** No transaction of a killed server is left open (holding locks) once the last server stopped. */
    async checkAfterStop() {
      const [open] = await db.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${db.name}' AND state LIKE 'idle in transaction%'`);
      assert.equal(open, '0', 'transactions left open in the database after the last stop');
    },
    cleanup: () => db.drop(),
  };
}

// ---------------------------------------------------------------- the model

/**
 * What the test knows was acknowledged, and what is in doubt. Items carry
 * `fresh` until the first restart after they were acknowledged (those are
 * always verified; older ones are sampled).
 */
class World {
  constructor(rand) {
    this.rand = rand;
    this.errors = []; // 5xx responses and broken expectations during load
    this.seq = 0;
    this.users = []; // {realm, username, password, id?, state: acked|maybe, firstName, firstNameMaybe, consent: no|yes|maybe, busy, fresh}
    this.clients = []; // {realm, clientId, secret, state, fresh}
    this.sessions = []; // {realm, client, username, rts, stale, at, jar?, idToken?, state, busy, fresh}
    this.revokedAccess = []; // {realm, token, state, fresh}
    this.codes = []; // codes received but not exchanged (issued), or whose exchange got no response: {realm, client, code, issued}
    this.stats = { ops: 0, noResponse: 0, kills: 0, startupKills: 0, verified: 0, walKills: 0, verifyMs: 0 };
    this.outcomes = {}; // how writes in doubt turned out: "user: present" → count
    for (const realm of Object.keys(REALMS)) {
      for (const u of IMPORTED_USERS) {
        this.users.push({ realm, username: u, password: `${u}-pw`, state: 'acked', firstName: 'f0', consent: 'no', imported: true });
      }
    }
  }

  pick(list) { return list.length ? list[Math.floor(this.rand() * list.length)] : undefined; }
  realm() { return this.rand() < 0.5 ? 'dur' : 'rot'; }
  fail(msg) { this.errors.push(msg); }
  outcome(what) { this.outcomes[what] = (this.outcomes[what] ?? 0) + 1; }
}

const ep = (realm) => `/realms/${realm}/protocol/openid-connect`;

async function adminToken(net) {
  const r = await net.send('/realms/master/protocol/openid-connect/token', {
    form: { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' },
  });
  assert.equal(r.status, 200, `admin token: ${show(r)}`);
  return r.json.access_token;
}

const authParams = (client, extra = {}) => new URLSearchParams({
  client_id: client, response_type: 'code', redirect_uri: CB, scope: 'openid', state: 's', nonce: 'n', ...extra,
});

/** The code of a redirect to CB, or undefined. */
const codeOf = (r) => (r.status === 302 && r.location?.startsWith(CB) ? redirectParams(r.location).code : undefined);

function newSession(w, realm, client, username, tokens, extra = {}) {
  const s = {
    realm, client, username, rts: [tokens.refresh_token], stale: [], at: tokens.access_token,
    state: 'live', busy: false, fresh: true, ...extra,
  };
  w.sessions.push(s);
  return s;
}

/** Token response for a code: a session, or (no response) the code kept for a later exchange. */
async function exchange(w, net, realm, client, username, code, jar) {
  let t;
  try {
    t = await net.send(`${ep(realm)}/token`, {
      form: { grant_type: 'authorization_code', code, redirect_uri: CB }, basic: [client, SECRETS[client]],
    });
  } catch (e) {
    if (e instanceof NoResponse) w.codes.push({ realm, client, code });
    throw e;
  }
  if (t.status !== 200) return w.fail(`code exchange (${realm}/${client}/${username}): ${show(t)}`);
  return newSession(w, realm, client, username, t.json, { jar, idToken: t.json.id_token });
}

// ---------------------------------------------------------------- operations under load

const OPS = {
  async passwordLogin(w, net) {
    const u = w.pick(w.users.filter((x) => x.state === 'acked'));
    const r = await net.send(`${ep(u.realm)}/token`, {
      form: { grant_type: 'password', username: u.username, password: u.password, scope: 'openid' },
      basic: ['web', SECRETS.web],
    });
    if (r.status !== 200) return w.fail(`password grant for ${u.realm}/${u.username}: ${show(r)}`);
    newSession(w, u.realm, 'web', u.username, r.json, { idToken: r.json.id_token });
  },

  async codeLogin(w, net) {
    const u = w.pick(w.users.filter((x) => x.state === 'acked'));
    const jar = new CookieJar();
    const page = await net.send(`${ep(u.realm)}/auth?${authParams('web')}`, { jar });
    const form = page.status === 200 ? parseForm(page.text, 'kc-form-login') : null;
    if (!form) return w.fail(`login page (${u.realm}): ${show(page)}`);
    if (w.stopping) return;
    const login = await net.send(form.action, { jar, form: { ...form.fields, username: u.username, password: u.password } });
    const code = codeOf(login);
    if (!code) return w.fail(`code-flow login of ${u.realm}/${u.username}: ${show(login)}`);
    if (w.stopping) return w.codes.push({ realm: u.realm, client: 'web', code, issued: true });
    await exchange(w, net, u.realm, 'web', u.username, code, jar);
  },

  async consentLogin(w, net) {
    const u = w.pick(w.users.filter((x) => x.state === 'acked' && x.consent === 'no' && !x.busy));
    if (!u) return;
    u.busy = true;
    try {
      const jar = new CookieJar();
      const page = await net.send(`${ep(u.realm)}/auth?${authParams('consent-app')}`, { jar });
      const form = page.status === 200 ? parseForm(page.text, 'kc-form-login') : null;
      if (!form) return w.fail(`login page (${u.realm}, consent-app): ${show(page)}`);
      if (w.stopping) return;
      const login = await net.send(form.action, { jar, form: { ...form.fields, username: u.username, password: u.password } });
      const consentForm = login.status === 200 ? parseForm(login.text, 'kc-oauth') : null;
      if (!consentForm) return w.fail(`${u.realm}/${u.username} has given no consent yet, but no consent page came: ${show(login)}`);
      if (w.stopping) return;
      u.consent = 'maybe';
      const accepted = await net.send(consentForm.action, { jar, form: { ...consentForm.fields, accept: 'yes' } });
      const code = codeOf(accepted);
      if (!code) return w.fail(`consent of ${u.realm}/${u.username}: ${show(accepted)}`);
      u.consent = 'yes';
      u.freshConsent = true;
      if (w.stopping) return w.codes.push({ realm: u.realm, client: 'consent-app', code, issued: true });
      await exchange(w, net, u.realm, 'consent-app', u.username, code, jar);
    } finally {
      u.busy = false;
    }
  },

  async refresh(w, net) {
    const s = w.pick(w.sessions.filter((x) => x.state === 'live' && !x.busy));
    if (!s) return;
    s.busy = true;
    try {
      const rt = s.rts.at(-1);
      let r;
      try {
        r = await net.send(`${ep(s.realm)}/token`, { form: { grant_type: 'refresh_token', refresh_token: rt }, basic: [s.client, SECRETS[s.client]] });
      } catch (e) {
        // With rotation the unseen new token may have replaced this one; without, nothing changes.
        if (e instanceof NoResponse && REALMS[s.realm].rotation) s.state = 'maybe-rotated';
        throw e;
      }
      if (r.status !== 200) return w.fail(`refresh of a live session (${s.realm}/${s.client}/${s.username}): ${show(r)}`);
      if (REALMS[s.realm].rotation) s.stale.push(rt);
      s.rts.push(r.json.refresh_token);
      s.at = r.json.access_token;
      s.fresh = true;
    } finally {
      s.busy = false;
    }
  },

  async revokeRefresh(w, net) {
    const s = w.pick(w.sessions.filter((x) => x.state === 'live' && !x.busy && x.client === 'web'));
    if (!s) return;
    s.busy = true;
    try {
      s.state = 'maybe-revoked';
      const r = await net.send(`${ep(s.realm)}/revoke`, {
        form: { token: s.rts.at(-1), token_type_hint: 'refresh_token' }, basic: ['web', SECRETS.web],
      });
      if (r.status !== 200) return w.fail(`revoke (${s.realm}): ${show(r)}`);
      s.state = 'revoked';
      s.fresh = true;
    } finally {
      s.busy = false;
    }
  },

  async logout(w, net) {
    const s = w.pick(w.sessions.filter((x) => x.state === 'live' && !x.busy && x.client === 'web'));
    if (!s) return;
    s.busy = true;
    try {
      s.state = 'maybe-loggedout';
      let r;
      if (s.jar) {
        // RP-initiated, with the browser's cookies.
        r = await net.send(`${ep(s.realm)}/logout?${new URLSearchParams({ id_token_hint: s.idToken, client_id: 'web' })}`, { jar: s.jar });
        if (r.status !== 200) return w.fail(`RP-initiated logout (${s.realm}): ${show(r)}`);
      } else {
        r = await net.send(`${ep(s.realm)}/logout`, { form: { refresh_token: s.rts.at(-1) }, basic: ['web', SECRETS.web] });
        if (r.status !== 204) return w.fail(`back-channel logout (${s.realm}): ${show(r)}`);
      }
      s.state = 'loggedout';
      s.fresh = true;
    } finally {
      s.busy = false;
    }
  },

  async revokeAccess(w, net) {
    const s = w.pick(w.sessions.filter((x) => x.state === 'live' && x.at && x.client === 'web'));
    if (!s) return;
    const token = s.at;
    s.at = null;
    const item = { realm: s.realm, token, state: 'maybe', fresh: true };
    w.revokedAccess.push(item);
    const r = await net.send(`${ep(s.realm)}/revoke`, { form: { token, token_type_hint: 'access_token' }, basic: ['web', SECRETS.web] });
    if (r.status !== 200) return w.fail(`access token revocation (${s.realm}): ${show(r)}`);
    item.state = 'acked';
  },

  async createUser(w, net) {
    const realm = w.realm();
    const username = `cu${++w.seq}`;
    const u = { realm, username, password: `${username}-pw`, state: 'maybe', firstName: 'f0', consent: 'no', fresh: true };
    w.users.push(u);
    const r = await net.send(`/admin/realms/${realm}/users`, { json: person(username, u.password), bearer: w.adminToken });
    if (r.status !== 201) return w.fail(`create user ${realm}/${username}: ${show(r)}`);
    u.id = r.location.split('/').pop();
    u.state = 'acked';
  },

  async updateUser(w, net) {
    const u = w.pick(w.users.filter((x) => x.state === 'acked' && x.id && !x.busy));
    if (!u) return;
    u.busy = true;
    try {
      const next = `f${Number(u.firstName.slice(1)) + 1}`;
      u.firstNameMaybe = next;
      const r = await net.send(`/admin/realms/${u.realm}/users/${u.id}`, { method: 'PUT', json: { firstName: next }, bearer: w.adminToken });
      if (r.status !== 204) return w.fail(`update user ${u.realm}/${u.username}: ${show(r)}`);
      u.firstName = next;
      u.firstNameMaybe = undefined;
      u.fresh = true;
    } finally {
      u.busy = false;
    }
  },

  async createClient(w, net) {
    const realm = w.realm();
    const clientId = `cc${++w.seq}`;
    const c = { realm, clientId, secret: `${clientId}-secret`, state: 'maybe', fresh: true };
    w.clients.push(c);
    const r = await net.send(`/admin/realms/${realm}/clients`, {
      json: {
        clientId, secret: c.secret, publicClient: false, serviceAccountsEnabled: true,
        standardFlowEnabled: false, directAccessGrantsEnabled: false,
      },
      bearer: w.adminToken,
    });
    if (r.status !== 201) return w.fail(`create client ${realm}/${clientId}: ${show(r)}`);
    c.state = 'acked';
  },
};

const WEIGHTS = [
  ['passwordLogin', 18], ['codeLogin', 10], ['consentLogin', 4], ['refresh', 24], ['revokeRefresh', 6], ['logout', 6],
  ['revokeAccess', 4], ['createUser', 8], ['updateUser', 5], ['createClient', 4],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((a, [, n]) => a + n, 0);

function pickOp(w) {
  let x = w.rand() * TOTAL_WEIGHT;
  for (const [name, n] of WEIGHTS) {
    if ((x -= n) < 0) return name;
  }
  return WEIGHTS[0][0];
}

/** Runs operations until w.stopping; a missing response ends nothing but that operation. */
async function worker(w, net) {
  while (!w.stopping) {
    const name = pickOp(w);
    try {
      w.stats.ops++;
      await OPS[name](w, net);
    } catch (e) {
      if (!(e instanceof NoResponse)) throw e;
      w.stats.noResponse++;
      if (!w.stopping) w.fail(`${name}: no response while the server was up: ${e.message}`);
    }
  }
}

// ---------------------------------------------------------------- verification after a restart

/** Runs fn over items with at most `n` at a time. */
async function eachLimit(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

/** The fresh items and a sample of the others (all of them when `full`). */
function selection(w, items, full) {
  if (full) return items;
  const fresh = items.filter((x) => x.fresh);
  const old = items.filter((x) => !x.fresh);
  for (let i = old.length - 1; i > 0; i--) {
    const j = Math.floor(w.rand() * (i + 1));
    [old[i], old[j]] = [old[j], old[i]];
  }
  return [...fresh, ...old.slice(0, SAMPLE)];
}

async function refreshWith(net, s, rt) {
  return net.send(`${ep(s.realm)}/token`, { form: { grant_type: 'refresh_token', refresh_token: rt }, basic: [s.client, SECRETS[s.client]] });
}

/** prompt=none with the session's cookies: 'code' or the error the client got. */
async function silentLogin(net, s) {
  const r = await net.send(`${ep(s.realm)}/auth?${authParams(s.client, { prompt: 'none' })}`, { jar: s.jar });
  assert.ok(r.status === 302 && r.location?.startsWith(CB), `prompt=none (${s.realm}/${s.username}): ${show(r)}`);
  const p = redirectParams(r.location);
  return p.code ? 'code' : p.error;
}

async function passwordGrant(net, u) {
  return net.send(`${ep(u.realm)}/token`, {
    form: { grant_type: 'password', username: u.username, password: u.password, scope: 'openid' }, basic: ['web', SECRETS.web],
  });
}

/** Login to consent-app with fresh cookies up to the page after the password: 'consent' (page) or 'code' (none asked). */
async function consentProbe(net, u) {
  const jar = new CookieJar();
  const page = await net.send(`${ep(u.realm)}/auth?${authParams('consent-app')}`, { jar });
  const form = parseForm(page.text, 'kc-form-login');
  assert.ok(page.status === 200 && form, `consent-app login page: ${show(page)}`);
  const login = await net.send(form.action, { jar, form: { ...form.fields, username: u.username, password: u.password } });
  if (codeOf(login)) return 'code';
  assert.ok(login.status === 200 && parseForm(login.text, 'kc-oauth'), `after the password (${u.realm}/${u.username}, consent-app): ${show(login)}`);
  return 'consent';
}

const KEEP_LIVE = async (net, s, what) => {
  const r = await refreshWith(net, s, s.rts.at(-1));
  assert.equal(r.status, 200, `${what}: the latest refresh token of ${s.realm}/${s.client}/${s.username} is refused: ${show(r)}`);
  if (REALMS[s.realm].rotation) s.stale.push(s.rts.at(-1));
  s.rts.push(r.json.refresh_token);
  s.at = r.json.access_token;
  return r;
};

async function verify(w, net, full) {
  w.adminToken = await adminToken(net);
  const admin = { bearer: w.adminToken };
  const checks = [];

  // Users: an acknowledged one is there with its last acknowledged firstName; one in doubt is whole or absent.
  for (const u of selection(w, w.users.filter((x) => !x.imported), full)) {
    checks.push(async () => {
      if (u.state === 'maybe') {
        const r = await net.send(`/admin/realms/${u.realm}/users?${new URLSearchParams({ username: u.username, exact: 'true' })}`, admin);
        assert.equal(r.status, 200, show(r));
        if (r.json.length === 0) { w.users.splice(w.users.indexOf(u), 1); w.outcome('user creation: absent'); return; }
        assert.equal(r.json.length, 1, show(r));
        u.id = r.json[0].id;
        const login = await passwordGrant(net, u);
        assert.equal(login.status, 200, `user ${u.realm}/${u.username} (creation unacknowledged) exists but cannot log in: ${show(login)}`);
        u.state = 'acked';
        w.outcome('user creation: present');
        return;
      }
      const r = await net.send(`/admin/realms/${u.realm}/users/${u.id}`, admin);
      assert.equal(r.status, 200, `acknowledged user ${u.realm}/${u.username} is gone: ${show(r)}`);
      assert.equal(r.json.username, u.username);
      const allowed = [u.firstName, u.firstNameMaybe].filter(Boolean);
      if (u.firstNameMaybe) w.outcome(`user update: ${r.json.firstName === u.firstNameMaybe ? 'applied' : 'not applied'}`);
      assert.ok(allowed.includes(r.json.firstName), `user ${u.realm}/${u.username}: firstName ${r.json.firstName}, acknowledged ${u.firstName}${u.firstNameMaybe ? ` (or unacknowledged ${u.firstNameMaybe})` : ''}`);
      u.firstName = r.json.firstName;
      u.firstNameMaybe = undefined;
      if (u.fresh || full) {
        const login = await passwordGrant(net, u);
        assert.equal(login.status, 200, `acknowledged user ${u.realm}/${u.username} cannot log in: ${show(login)}`);
      }
    });
  }

  // Clients: there (with the service account client_credentials needs), or, if unacknowledged, absent.
  for (const c of selection(w, w.clients, full)) {
    checks.push(async () => {
      const r = await net.send(`/admin/realms/${c.realm}/clients?clientId=${c.clientId}`, admin);
      assert.equal(r.status, 200, show(r));
      if (c.state === 'maybe' && r.json.length === 0) { w.clients.splice(w.clients.indexOf(c), 1); w.outcome('client creation: absent'); return; }
      assert.equal(r.json.length, 1, `${c.state} client ${c.realm}/${c.clientId}: ${show(r)}`);
      if (c.fresh || c.state === 'maybe' || full) {
        const cc = await net.send(`${ep(c.realm)}/token`, { form: { grant_type: 'client_credentials' }, basic: [c.clientId, c.secret] });
        assert.equal(cc.status, 200, `client ${c.realm}/${c.clientId} (${c.state}) is there but client_credentials fails: ${show(cc)}`);
      }
      if (c.state === 'maybe') w.outcome('client creation: present');
      c.state = 'acked';
    });
  }

  // Sessions.
  const sessions = w.sessions.filter((s) => s.state !== 'gone');
  for (const s of selection(w, sessions, full)) {
    checks.push(async () => {
      const what = `session ${s.realm}/${s.client}/${s.username} (${s.state}${s.jar ? ', code flow' : ''})`;
      const rotation = REALMS[s.realm].rotation;
      switch (s.state) {
        case 'live': {
          const first = s.rts[0];
          const r = await KEEP_LIVE(net, s, what);
          const ui = await net.send(`${ep(s.realm)}/userinfo`, { bearer: r.json.access_token });
          assert.equal(ui.status, 200, `${what}: userinfo with a fresh access token: ${show(ui)}`);
          assert.equal(ui.json.preferred_username, s.username);
          if (!rotation) {
            // Without rotation every refresh token of the session stays good: the first and one in between.
            const between = s.rts.slice(1, -2);
            for (const old of [first, w.pick(between)]) {
              if (!old || old === s.rts.at(-2)) continue;
              const again = await refreshWith(net, s, old);
              assert.equal(again.status, 200, `${what}: an earlier refresh token (no rotation) is refused: ${show(again)}`);
            }
          }
          if (rotation && s.stale.length > 1) {
            const old = await refreshWith(net, s, s.stale.at(-2));
            assert.equal(old.status, 400, `${what}: a rotated-out refresh token works again: ${show(old)}`);
          }
          if (s.jar) assert.equal(await silentLogin(net, s), 'code', `${what}: SSO cookie no longer logs in`);
          break;
        }
        case 'revoked': {
          const r = await refreshWith(net, s, s.rts.at(-1));
          assert.equal(r.status, 400, `${what}: a refresh token revoked with 200 works after the restart: ${show(r)}`);
          if (!rotation && s.rts.length > 1) {
            const f = await refreshWith(net, s, s.rts[0]);
            assert.equal(f.status, 400, `${what}: an older refresh token of a revoked client session works: ${show(f)}`);
          }
          break;
        }
        case 'loggedout': {
          const r = await refreshWith(net, s, s.rts.at(-1));
          assert.equal(r.status, 400, `${what}: the refresh token of a logged-out session works after the restart: ${show(r)}`);
          if (s.jar) assert.equal(await silentLogin(net, s), 'login_required', `${what}: a logged-out SSO session logs in again`);
          break;
        }
        case 'maybe-revoked':
        case 'maybe-loggedout': {
          // Either the revocation/logout happened entirely or not at all.
          const r = await refreshWith(net, s, s.rts.at(-1));
          assert.ok([200, 400].includes(r.status), `${what}: ${show(r)}`);
          const alive = r.status === 200;
          if (alive) {
            if (rotation) s.stale.push(s.rts.at(-1));
            s.rts.push(r.json.refresh_token);
            s.at = r.json.access_token;
          }
          if (s.state === 'maybe-loggedout' && s.jar) {
            assert.equal(await silentLogin(net, s), alive ? 'code' : 'login_required',
              `${what}: refresh token ${alive ? 'works' : 'refused'} but the SSO cookie disagrees`);
          }
          w.outcome(`${s.state.slice('maybe-'.length)}: ${alive ? 'did not happen' : 'happened'}`);
          s.state = alive ? 'live' : s.state.slice('maybe-'.length);
          break;
        }
        case 'maybe-rotated': {
          // The unacknowledged refresh either rotated the token (then the one we hold is stale) or not.
          const r = await refreshWith(net, s, s.rts.at(-1));
          assert.ok([200, 400].includes(r.status), `${what}: ${show(r)}`);
          if (r.status === 200) {
            s.stale.push(s.rts.at(-1));
            s.rts.push(r.json.refresh_token);
            s.at = r.json.access_token;
            s.state = 'live';
            w.outcome('rotation: did not happen');
          } else {
            assert.equal(r.json?.error, 'invalid_grant', show(r));
            assert.match(r.json.error_description, /reuse/i, `${what}: refused, but not as a reused token: ${show(r)}`);
            s.state = 'gone';
            w.outcome('rotation: happened');
          }
          break;
        }
        default: throw new Error(`unknown state ${s.state}`);
      }
      s.fresh = false;
    });
  }

  // Revoked access tokens.
  for (const a of selection(w, w.revokedAccess, full)) {
    checks.push(async () => {
      const ui = await net.send(`${ep(a.realm)}/userinfo`, { bearer: a.token });
      if (a.state === 'acked') assert.equal(ui.status, 401, `an access token revoked with 200 works at userinfo after the restart: ${show(ui)}`);
      else {
        assert.ok([200, 401].includes(ui.status), show(ui));
        w.outcome(`access token revocation: ${ui.status === 401 ? 'happened' : 'did not happen'}`);
      }
      a.state = ui.status === 401 ? 'acked' : 'dropped';
      a.fresh = false;
    });
  }

  // Consents.
  const consenting = w.users.filter((u) => u.state === 'acked' && (u.consent === 'maybe' || (u.consent === 'yes' && (u.freshConsent || full))));
  for (const u of consenting) {
    checks.push(async () => {
      u.busy = true;
      const got = await consentProbe(net, u);
      if (u.consent === 'yes') assert.equal(got, 'code', `${u.realm}/${u.username}: an acknowledged consent is asked again`);
      else w.outcome(`consent: ${got === 'code' ? 'recorded' : 'not recorded'}`);
      u.consent = got === 'code' ? 'yes' : 'no';
      u.freshConsent = false;
      u.busy = false;
    });
  }

  // Codes received but never exchanged must still be good once; codes whose
  // exchange got no response are used up, or still good once.
  const codes = w.codes.splice(0);
  for (const c of codes) {
    checks.push(async () => {
      const t = await net.send(`${ep(c.realm)}/token`, {
        form: { grant_type: 'authorization_code', code: c.code, redirect_uri: CB }, basic: [c.client, SECRETS[c.client]],
      });
      if (c.issued) assert.equal(t.status, 200, `a code received before the kill is refused after the restart: ${show(t)}`);
      else {
        assert.ok(t.status === 200 || (t.status === 400 && t.json?.error === 'invalid_grant'), `exchange of a code whose exchange got no response: ${show(t)}`);
        w.outcome(`code exchange: ${t.status === 200 ? 'had not happened' : 'had happened'}`);
      }
    });
  }

  await eachLimit(checks, VERIFY_CONCURRENCY, (f) => f());
  for (const x of [...w.users, ...w.clients]) x.fresh = false;
  w.stats.verified += checks.length;
  w.sessions = w.sessions.filter((s) => s.state !== 'gone');
  w.revokedAccess = w.revokedAccess.filter((a) => a.state === 'acked');
  assert.deepEqual(w.errors, [], 'errors while verifying');
}

// ---------------------------------------------------------------- the run

async function crashRun(t, backend) {
  const w = new World(prng(SEED));
  const realms = await realmDir(...Object.entries(REALMS).map(([name, { rotation }]) => realmRep(name, rotation)));
  const ports = { httpPort: await stablePort(), mgmtPort: await stablePort() };
  // All the load comes from one address at a rate no person makes: the rate
  // limits (rate-limits.test.mjs) are off here, durability is what is tested.
  const serverArgs = [...(backend.serverOptions.args ?? []), '--rate-limit-enabled=false'];
  const start = (extra = {}) => startServer({
    realm: realms, ...ports, ...backend.serverOptions, args: serverArgs, readyTimeoutMs: 20000, ...extra,
  });
  const started = Date.now();
  const checkStartup = (srv, when) => {
    const bad = srv.logs().split('\n').filter((l) => BAD_STARTUP.test(l));
    assert.deepEqual(bad, [], `start-up after ${when} logged store trouble:\n${srv.logs()}`);
  };

  // Kills during start-up: the first on an empty database (migrations, master realm, imports).
  for (let i = 0; i < STARTUP_KILLS; i++) {
    const srv = await start({ waitReady: false });
    await new Promise((r) => setTimeout(r, Math.floor(w.rand() * 600)));
    const exit = await srv.kill();
    assert.equal(exit.signal, 'SIGKILL', `start-up ${i} ended before the kill: ${JSON.stringify(exit)}\n${srv.logs()}`);
    w.stats.startupKills++;
    await backend.checkAfterKill();
  }

  let srv = await start();
  checkStartup(srv, 'the kills during start-up');
  let net = new Net(srv.baseUrl, w.errors);
  w.adminToken = await adminToken(net);
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      // Load, then a kill at a random moment in it.
      w.stopping = false;
      const workers = Array.from({ length: WORKERS }, () => worker(w, net));
      const killAt = 150 + Math.floor(w.rand() * 1100);
      await new Promise((r) => setTimeout(r, killAt));
      w.stopping = true;
      const exit = await srv.kill();
      assert.equal(exit.signal, 'SIGKILL', `trial ${trial}: the server had exited before the kill: ${JSON.stringify(exit)}\n${srv.logs()}`);
      await Promise.all(workers);
      await net.close();
      w.stats.kills++;
      assert.deepEqual(w.errors, [], `trial ${trial}: errors under load`);
      if (await backend.checkAfterKill()) w.stats.walKills++;

      // Restart on the same data; everything acknowledged must be there.
      srv = await start();
      checkStartup(srv, `kill ${trial + 1}`);
      net = new Net(srv.baseUrl, w.errors);
      const t0 = Date.now();
      await verify(w, net, trial === TRIALS - 1);
      w.stats.verifyMs += Date.now() - t0;
    }
  } finally {
    await net.close();
    await srv.stop();
  }
  assert.equal(await srv.stop(), 0, `clean stop after the last restart\n${srv.logs()}`);
  await backend.checkAfterStop();
  if (backend.name === 'sqlite') assert.ok(w.stats.walKills > 0, 'no kill left a WAL behind: WAL recovery was never exercised');
  const live = w.sessions.filter((s) => s.state === 'live').length;
  t.diagnostic(`${backend.name}: seed ${SEED}, ${STARTUP_KILLS} kills during start-up, ${TRIALS} kills under load, `
    + `${w.stats.ops} operations (${w.stats.noResponse} without response), ${w.stats.verified} checks after restarts; `
    + `${w.users.length} users, ${w.clients.length} clients, ${w.sessions.length} sessions (${live} live), `
    + `${w.revokedAccess.length} revoked access tokens; ${backend.name === 'sqlite' ? `${w.stats.walKills} kills left a WAL to recover; ` : ''}`
    + `${((Date.now() - started) / 1000).toFixed(1)} s (${(w.stats.verifyMs / 1000).toFixed(1)} s verifying)`);
  t.diagnostic(`${backend.name}: writes in doubt (no response) after the restart: ${Object.entries(w.outcomes).sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

describe('crash durability: SIGKILL under load, restart on the same data', { timeout: 400000 }, () => {
  it('SQLite: every acknowledged write survives, nothing is half-written', { timeout: 180000 }, async (t) => {
    const backend = await sqliteBackend();
    try {
      await crashRun(t, backend);
    } finally {
      await backend.cleanup();
    }
  });

  it('PostgreSQL: every acknowledged write survives, nothing is half-written', { timeout: 180000 }, async (t) => {
    if (!pgServerUrl) {
      t.skip('TESSERA_TEST_PG_URL is not set (scripts/test starts PostgreSQL; by hand: '
        + '`TESSERA_PG_PORT=55433 TESSERA_PG_DIR=/tmp/tessera-pg-mine scripts/pg-server start` and export what it prints)');
      return;
    }
    const backend = await postgresBackend();
    try {
      await crashRun(t, backend);
    } finally {
      await backend.cleanup();
    }
  });
});
