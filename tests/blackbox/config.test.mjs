// Configuration sources: CLI > env (TESSERA_*, alias KC_*) > conf file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdir, writeFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { startServer, freePort, tempDir, runTessera, lines } from './lib/server.mjs';
import { getJson200 } from './lib/http.mjs';

function isListening(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

/** Starts with http-port left off the CLI (unless `cliPort`) and returns the server + the ports in play. */
async function startWith({ env = {}, conf, confPath, cliPort, extraArgs = [] }) {
  const cwd = await tempDir();
  if (conf !== undefined) {
    const file = confPath ? path.join(cwd, confPath) : path.join(cwd, 'conf', 'tessera.conf');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, conf);
  }
  const args = [...extraArgs];
  if (cliPort) args.push(`--http-port=${cliPort}`);
  return { cwd, args, env };
}

async function expectServedOn(port, srv) {
  const url = `http://127.0.0.1:${port}/realms/master/.well-known/openid-configuration`;
  const { json } = await getJson200(url);
  assert.equal(json.issuer, `http://127.0.0.1:${port}/realms/master`);
}

describe('configuration sources', () => {
  const cases = [
    { name: 'TESSERA_HTTP_PORT env sets the port', src: (p) => ({ env: { TESSERA_HTTP_PORT: p.a } }), want: 'a' },
    { name: 'KC_HTTP_PORT env (alias) sets the port', src: (p) => ({ env: { KC_HTTP_PORT: p.a } }), want: 'a' },
    { name: 'conf/tessera.conf in the working directory sets the port',
      src: (p) => ({ conf: `# comment line\n\nhttp-port=${p.a}\n` }), want: 'a' },
    { name: '--config-file names another conf file',
      src: (p) => ({ conf: `http-port=${p.a}\n`, confPath: 'elsewhere/my.conf', extraArgs: ['--config-file=elsewhere/my.conf'] }),
      want: 'a' },
    { name: 'env beats the conf file',
      src: (p) => ({ conf: `http-port=${p.a}\n`, env: { TESSERA_HTTP_PORT: p.b } }), want: 'b', notOn: ['a'] },
    { name: 'CLI beats env and the conf file',
      src: (p) => ({ conf: `http-port=${p.a}\n`, env: { TESSERA_HTTP_PORT: p.b }, cliPort: p.c }), want: 'c', notOn: ['a', 'b'] },
    { name: 'CLI beats KC_ env',
      src: (p) => ({ env: { KC_HTTP_PORT: p.b }, cliPort: p.c }), want: 'c', notOn: ['b'] },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const ports = { a: await freePort(), b: await freePort(), c: await freePort() };
      const { cwd, args, env } = await startWith(c.src(ports));
      let srv;
      try {
        srv = await startServer({ realm: null, omit: ['http-port'], httpPort: ports[c.want], cwd, args, env });
        await expectServedOn(ports[c.want], srv);
        for (const other of c.notOn ?? []) {
          assert.equal(await isListening(ports[other]), false, `also listening on the ${other} port`);
        }
      } finally {
        if (srv) await srv.stop();
        await rm(cwd, { recursive: true, force: true });
      }
    });
  }

  it('other options come from env too (TESSERA_ROOT_REALM)', async () => {
    const srv = await startServer({ realm: null, env: { TESSERA_ROOT_REALM: 'master' } });
    try {
      const { json } = await getJson200(`${srv.baseUrl}/.well-known/openid-configuration`);
      assert.equal(json.issuer, srv.baseUrl);
    } finally {
      await srv.stop();
    }
  });

  it('a bad value from env is reported like a CLI one (exit 2, names http-port)', async () => {
    const r = await runTessera(['start-dev', `--http-management-port=${await freePort()}`, '--http-host=127.0.0.1'],
      { env: { TESSERA_HTTP_PORT: '70000' } });
    assert.equal(r.code, 2, r.stderr);
    const l = lines(r.stderr);
    assert.equal(l.length, 1, r.stderr);
    assert.match(l[0], /http-port/);
  });

  it('a bad value from the conf file is reported (exit 2, names http-port)', async () => {
    const cwd = await tempDir();
    try {
      await mkdir(path.join(cwd, 'conf'));
      await writeFile(path.join(cwd, 'conf', 'tessera.conf'), 'http-port=70000\n');
      const r = await runTessera(['start-dev', `--http-management-port=${await freePort()}`, '--http-host=127.0.0.1'],
        { cwd });
      assert.equal(r.code, 2, r.stderr);
      const l = lines(r.stderr);
      assert.equal(l.length, 1, r.stderr);
      assert.match(l[0], /http-port/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('without --db-url, start-dev keeps its SQLite database under ./data/', async () => {
    const cwd = await tempDir();
    let srv;
    try {
      srv = await startServer({ realm: null, omit: ['db-url'], cwd });
      await getJson200(`${srv.baseUrl}/realms/master/.well-known/openid-configuration`);
      const st = await stat(path.join(cwd, 'data', 'tessera.db'));
      assert.ok(st.isFile() && st.size > 0, 'data/tessera.db missing or empty');
    } finally {
      if (srv) await srv.stop();
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('logging options', () => {
  it('--log-format=json writes one JSON object per log line', async () => {
    const srv = await startServer({ args: ['--log-format=json'] });
    try {
      await getJson200(`${srv.baseUrl}/realms/test/.well-known/openid-configuration`);
    } finally {
      await srv.stop();
    }
    const logLines = lines(srv.logs());
    assert.ok(logLines.length >= 2, `too few log lines: ${srv.logs()}`);
    for (const l of logLines) {
      let obj;
      assert.doesNotThrow(() => { obj = JSON.parse(l); }, `not JSON: ${l}`);
      assert.equal(typeof obj, 'object', l);
    }
    assert.ok(logLines.some((l) => l.includes('tesseraTestUnknownTopLevelField')), 'the import warning is missing');
  });

  it('--log-level=warn drops info lines but keeps warnings', async () => {
    const srv = await startServer({ args: ['--log-level=warn'] });
    await srv.stop();
    const logLines = lines(srv.logs());
    const info = logLines.filter((l) => /\binfo\b/i.test(l));
    assert.deepEqual(info, [], 'info lines printed at --log-level=warn');
    assert.ok(logLines.some((l) => /warn/i.test(l) && l.includes('tesseraTestUnknownTopLevelField')),
      `the import warning is missing at --log-level=warn:\n${srv.logs()}`);
  });
});
