// Debian's nginx as a round-robin load balancer in front of several tessera
// nodes, with a private prefix directory (no system configuration touched).
import { spawn } from 'node:child_process';
import { access, mkdir, writeFile, rm, chmod } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './server.mjs';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export async function nginxAvailable() {
  try { await access(NGINX_BIN); return true; } catch { return false; }
}

function waitForPort(port, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts nginx on 127.0.0.1:`port`, balancing round-robin over `upstreamPorts`.
 * A node that refuses connections is skipped (proxy_next_upstream), as a real
 * deployment would. Every response carries X-Upstream: the node that answered.
 */
export async function startBalancer(port, upstreamPorts) {
  const dir = await tempDir('tessera-nginx-');
  await chmod(dir, 0o755);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) await mkdir(path.join(dir, d));
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=3s;`).join('\n');
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream tessera {
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://tessera;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout http_502;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  const proc = spawn(NGINX_BIN, ['-p', dir, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.on('exit', r));
  try {
    await Promise.race([waitForPort(port), exited.then(() => { throw new Error(`nginx exited: ${err}`); })]);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
