// PostgreSQL for black-box tests: the server scripts/pg-server runs (its URL in
// $TESSERA_TEST_PG_URL, user and password "tessera"). Every test file gets a
// database of its own, so files running in parallel never share state.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';

const run = promisify(execFile);

/** The test server's URL (postgresql://127.0.0.1:PORT/postgres), or null when none was started. */
export const pgServerUrl = process.env.TESSERA_TEST_PG_URL || null;
export const PG_USER = 'tessera';
export const PG_PASSWORD = 'tessera';

async function psql(sql) {
  const u = new URL(pgServerUrl);
  await run('psql', ['-h', u.hostname, '-p', u.port || '5432', '-U', PG_USER, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
    '-qAt', '-c', sql], { env: { ...process.env, PGPASSWORD: PG_PASSWORD } });
}

/**
 * A new, empty database on the test server: {url, name, args, drop()}. `args`
 * are the tessera options that select it (for startServer's `args`, with
 * `omit: ['db-url']`).
 */
export async function createDatabase(prefix = 'bb') {
  if (!pgServerUrl) throw new Error('TESSERA_TEST_PG_URL is not set (scripts/pg-server start prints it)');
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  await psql(`CREATE DATABASE ${name}`);
  const u = new URL(pgServerUrl);
  const url = `postgresql://${u.hostname}:${u.port || 5432}/${name}`;
  return {
    url,
    name,
    args: ['--db=postgres', `--db-url=${url}`, `--db-username=${PG_USER}`, `--db-password=${PG_PASSWORD}`],
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    /** Runs one statement on this database and returns its output lines (psql -At). */
    query: async (sql) => {
      const { stdout } = await run('psql', ['-h', u.hostname, '-p', u.port || '5432', '-U', PG_USER, '-d', name,
        '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { env: { ...process.env, PGPASSWORD: PG_PASSWORD } });
      return stdout.split('\n').filter((l) => l !== '');
    },
  };
}
