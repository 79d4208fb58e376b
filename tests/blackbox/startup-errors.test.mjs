// Start-up validation: a wrong value stops start-up with exit code 2 and one
// stderr line naming the option; help exits 0.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { runTessera, startServer, freePort, tempDir, makeCert, fixture, lines } from './lib/server.mjs';
import { request, getJson200 } from './lib/http.mjs';

let work;
let cert;
before(async () => {
  work = await tempDir();
  cert = await makeCert();
});
after(async () => {
  await rm(work, { recursive: true, force: true });
  if (cert) await rm(cert.dir, { recursive: true, force: true });
});

/** Common arguments that are all valid on their own. */
async function baseArgs(command = 'start-dev', dbName = `db-${Math.random().toString(36).slice(2)}.db`) {
  return [command, `--http-port=${await freePort()}`, `--http-management-port=${await freePort()}`,
    `--db-url=${path.join(work, dbName)}`, '--http-host=127.0.0.1'];
}

/** Runs and asserts exit code 2 with exactly one stderr line matching every pattern. */
async function expectStartupError(args, patterns, opts) {
  const r = await runTessera(args, opts);
  const where = `tessera ${args.join(' ')}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`;
  assert.ok(!r.timedOut, `did not exit (kept running): ${where}`);
  assert.equal(r.code, 2, `exit code ${r.code}: ${where}`);
  const errLines = lines(r.stderr);
  assert.equal(errLines.length, 1, `expected exactly one stderr line: ${where}`);
  for (const p of patterns) assert.match(errLines[0], p, where);
  return errLines[0];
}

describe('start-up errors exit 2 with one line naming the option', () => {
  it('--http-port=70000', async () => {
    const args = (await baseArgs()).filter((a) => !a.startsWith('--http-port='));
    await expectStartupError([...args, '--http-port=70000'], [/http-port/]);
  });

  it('--http-port=abc', async () => {
    const args = (await baseArgs()).filter((a) => !a.startsWith('--http-port='));
    await expectStartupError([...args, '--http-port=abc'], [/http-port/]);
  });

  it('--https-protocols=SSLv3 (with a valid certificate)', async () => {
    await expectStartupError([...(await baseArgs()), `--https-port=${await freePort()}`,
      `--https-certificate-file=${cert.certFile}`, `--https-certificate-key-file=${cert.keyFile}`,
      '--https-protocols=SSLv3'], [/https-protocols/]);
  });

  it('--https-certificate-file=/nonexistent', async () => {
    await expectStartupError([...(await baseArgs()), `--https-port=${await freePort()}`,
      '--https-certificate-file=/nonexistent', `--https-certificate-key-file=${cert.keyFile}`],
    [/https-certificate-file/]);
  });

  it('--https-certificate-key-file that is not a key', async () => {
    await expectStartupError([...(await baseArgs()), `--https-port=${await freePort()}`,
      `--https-certificate-file=${cert.certFile}`, `--https-certificate-key-file=${fixture('test-realm.json')}`],
    [/https-certificate-key-file/]);
  });

  it('unknown option --no-such-option', async () => {
    await expectStartupError([...(await baseArgs()), '--no-such-option'], [/no-such-option/]);
  });

  it('unknown option value for --log-format', async () => {
    await expectStartupError([...(await baseArgs()), '--log-format=xml'], [/log-format/]);
  });

  it('`start` without HTTPS material and without --http-enabled=true', async () => {
    await expectStartupError([...(await baseArgs('start')), '--hostname=localhost'], [/http-enabled|https/]);
  });

  it('`start --http-enabled=true` without --hostname', async () => {
    await expectStartupError([...(await baseArgs('start')), '--http-enabled=true'], [/hostname/]);
  });

  it('malformed realm JSON: names import-realm, the file and the JSON problem', async () => {
    const file = fixture('bad', 'malformed.json');
    await expectStartupError([...(await baseArgs()), `--import-realm=${file}`],
      [/import-realm/, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /json|syntax|parse|unexpected|incomplete|end of (input|file|data)/i]);
  });

  it('wrong-type field: names the JSON path $.accessTokenLifespan', async () => {
    await expectStartupError([...(await baseArgs()), `--import-realm=${fixture('bad', 'wrong-type.json')}`],
      [/import-realm/, /\$\.accessTokenLifespan\b/]);
  });

  it('wrong-type nested field: names the JSON path $.users[1].enabled', async () => {
    await expectStartupError([...(await baseArgs()), `--import-realm=${fixture('bad', 'wrong-type-nested.json')}`],
      [/import-realm/, /\$\.users\[1\]\.enabled\b/]);
  });

  it('unsupported password hash algorithm: names the algorithm', async () => {
    await expectStartupError([...(await baseArgs()), `--import-realm=${fixture('bad', 'md5-hash.json')}`],
      [/import-realm/, /md5/]);
  });

  it('--import-realm naming a missing file', async () => {
    await expectStartupError([...(await baseArgs()), `--import-realm=${path.join(work, 'missing.json')}`],
      [/import-realm/, /missing\.json/]);
  });
});

describe('a failed import leaves nothing of the realm behind', () => {
  it('after md5 / wrong-type / malformed imports fail, none of those realms exists', async () => {
    const dataDir = await tempDir();
    try {
      const db = path.join(dataDir, 'tessera.db');
      for (const f of ['md5-hash.json', 'wrong-type-nested.json', 'wrong-type.json', 'malformed.json']) {
        const r = await runTessera(['start-dev', `--http-port=${await freePort()}`,
          `--http-management-port=${await freePort()}`, `--db-url=${db}`, '--http-host=127.0.0.1',
          `--import-realm=${fixture('bad', f)}`]);
        assert.equal(r.code, 2, `${f}: exit ${r.code}\n${r.stderr}`);
      }
      const srv = await startServer({ dataDir, realm: null });
      try {
        for (const realm of ['md5realm', 'wrongtype2', 'wrongtype', 'broken']) {
          const r = await request(`${srv.baseUrl}/realms/${realm}/.well-known/openid-configuration`);
          assert.equal(r.status, 404, `realm ${realm} exists after its import failed`);
          const info = await request(`${srv.baseUrl}/realms/${realm}`);
          assert.equal(info.status, 404, `realm info for ${realm} exists after its import failed`);
        }
        await getJson200(`${srv.baseUrl}/realms/master/.well-known/openid-configuration`);
      } finally {
        await srv.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('production mode starts when its requirements are met', () => {
  it('`start --http-enabled=true --hostname-strict=false` serves discovery', async () => {
    const srv = await startServer({ command: 'start', args: ['--http-enabled=true', '--hostname-strict=false'] });
    try {
      const { json } = await getJson200(`${srv.baseUrl}/realms/test/.well-known/openid-configuration`);
      assert.equal(json.issuer, `${srv.baseUrl}/realms/test`);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  it('`start --http-enabled=true --hostname=<url>` uses the configured hostname for the issuer', async () => {
    const srv = await startServer({ command: 'start',
      args: ['--http-enabled=true', '--hostname=https://idp.example.test'] });
    try {
      const { json } = await getJson200(`${srv.baseUrl}/realms/test/.well-known/openid-configuration`);
      assert.equal(json.issuer, 'https://idp.example.test/realms/test');
      assert.equal(json.jwks_uri, 'https://idp.example.test/realms/test/protocol/openid-connect/certs');
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });
});

describe('help', () => {
  it('`tessera --help` exits 0 and lists the commands', async () => {
    const r = await runTessera(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /start-dev/);
    assert.match(r.stdout, /\bstart\b/);
  });

  it('`tessera start-dev --help` exits 0 and lists the options', async () => {
    const r = await runTessera(['start-dev', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const opt of ['--http-port', '--http-host', '--https-port', '--https-certificate-file',
      '--https-certificate-key-file', '--https-protocols', '--hostname', '--db-url', '--import-realm',
      '--bootstrap-admin-username', '--http-management-port', '--http-max-body-size', '--http-idle-timeout',
      '--root-realm', '--log-level']) {
      assert.ok(r.stdout.includes(opt), `start-dev --help does not mention ${opt}`);
    }
  });
});
