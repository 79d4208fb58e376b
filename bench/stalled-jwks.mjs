// Password-login latency while client assertions name a jwks_uri that stalls
// (security review 1, finding 2). Starts its own Tessera (start-dev, SQLite,
// rate limits off) with a realm holding a password client and a private_key_jwt
// client whose jwks.url answers its headers and then trickles one byte a
// second, so every fetch of it runs into the 3 s timeout.
//   phase "no stall": sequential password grants, nothing else running;
//   phase "stall":    50 concurrent client_credentials assertions (a fresh kid
//                     each) for the stalled client, and sequential password
//                     grants until every assertion has been answered.
// Prints p50/p99 (and max) of the password grants per phase and how many
// connections reached the stalled jwks_uri.
// Usage: node bench/stalled-jwks.mjs [tessera-binary] [assertions=50] [baseline-logins=40]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const bin = path.resolve(process.argv[2] ?? 'build/tessera');
const assertions = Number(process.argv[3] ?? 50);
const baselineLogins = Number(process.argv[4] ?? 40);

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// The jwks_uri: 200 with a long Content-Length, then one byte a second.
let stalledConnections = 0;
const stall = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
  res.write('{');
  const t = setInterval(() => res.write(' '), 1000);
  res.on('close', () => clearInterval(t));
});
stall.on('connection', () => { stalledConnections++; });
await new Promise((r) => stall.listen(0, '127.0.0.1', r));

const dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-bench-'));
const realm = {
  realm: 'bench', enabled: true,
  users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
  clients: [
    { clientId: 'web', publicClient: false, secret: 'web-secret', directAccessGrantsEnabled: true },
    { clientId: 'stalled', publicClient: false, clientAuthenticatorType: 'client-jwt', serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      attributes: { 'use.jwks.url': 'true', 'jwks.url': `http://127.0.0.1:${stall.address().port}/jwks` } },
  ],
};
await writeFile(path.join(dir, 'bench.json'), JSON.stringify(realm));
const [httpPort, mgmtPort] = [await freePort(), await freePort()];
const server = spawn(bin, ['start-dev', `--http-port=${httpPort}`, `--http-management-port=${mgmtPort}`,
  '--http-host=127.0.0.1', `--db-url=${path.join(dir, 'tessera.db')}`, `--import-realm=${dir}`,
  '--bootstrap-admin-username=admin', '--bootstrap-admin-password=admin', '--rate-limit-enabled=false',
  '--log-level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
for (let i = 0; ; i++) {
  try { if ((await fetch(`http://127.0.0.1:${mgmtPort}/health/ready`)).ok) break; } catch { /* not yet */ }
  if (i > 200) throw new Error('tessera did not become ready');
  await new Promise((r) => setTimeout(r, 50));
}

const token = `http://127.0.0.1:${httpPort}/realms/bench/protocol/openid-connect/token`;
const post = (form) => fetch(token, { method: 'POST', body: new URLSearchParams(form) });
async function login() {
  const t0 = performance.now();
  const r = await post({ grant_type: 'password', client_id: 'web', client_secret: 'web-secret', username: 'alice', password: 'alice-pw' });
  await r.text();
  if (r.status !== 200) throw new Error(`password grant: ${r.status}`);
  return performance.now() - t0;
}
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function assertion() {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', kid: crypto.randomUUID() })}.${b64({ iss: 'stalled', sub: 'stalled',
    aud: token.replace('/protocol/openid-connect/token', ''), exp: now + 60, iat: now, jti: crypto.randomUUID() })}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const report = (name, xs) => console.log(`${name.padEnd(10)} logins=${String(xs.length).padStart(3)}  p50=${pct(xs, 50).toFixed(1)} ms  ` +
  `p99=${pct(xs, 99).toFixed(1)} ms  max=${Math.max(...xs).toFixed(1)} ms`);

try {
  for (let i = 0; i < 5; i++) await login();  // warm-up
  const quiet = [];
  for (let i = 0; i < baselineLogins; i++) quiet.push(await login());
  const t0 = performance.now();
  let answered = 0; let refused = 0;
  const pending = Array.from({ length: assertions }, () => post({ grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion() })
    .then(async (r) => { await r.text(); answered++; if (r.status === 401) refused++; }));
  const stalled = [];
  while (answered < assertions || stalled.length < 10) stalled.push(await login());
  await Promise.all(pending);
  report('no stall', quiet);
  report('stall', stalled);
  console.log(`assertions=${assertions} answered 401=${refused} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
    `connections to the stalled jwks_uri=${stalledConnections}`);
} finally {
  server.kill('SIGTERM');
  stall.closeAllConnections();
  stall.close();
  await new Promise((r) => server.on('exit', r));
  await rm(dir, { recursive: true, force: true });
}
