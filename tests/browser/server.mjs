// tests/browser/server.mjs — owns the lifetime of one kejiyun server for the
// browser suite: a fresh temporary data directory with demo data, a free
// loopback port, the health wait, SIGTERM on stop and removal of the data
// directory. The server's output goes to a log file so a failing run can show
// why (sanitizer reports land there too).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Resolves to a loopback port that was free a moment ago (bind 0, release). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `bin demo` then `bin serve` on a free port. Resolves to a handle
 * { base, dataDir, logPath, log(), stop() }; the caller must call stop()
 * (extraArgs: more `serve` options, e.g. the SMTP server of mail.mjs;
 * demoArgs: more `demo` options, e.g. ['--profile', 'qinghai'])
 * (also on failure paths) so the process and the data directory go away.
 * healthTimeoutMs is generous because the ASan build starts slowly.
 */
export async function startServer(bin, { healthTimeoutMs = 60000, extraArgs = [], demoArgs = [] } = {}) {
  if (!fs.existsSync(bin)) throw new Error(`server binary not found: ${bin} (build it with "make kejiyun")`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kejiyun-browser-'));
  const cleanup = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const demo = spawnSync(bin, ['demo', '--data', dataDir, ...demoArgs], { encoding: 'utf8', timeout: 120000 });
  if (demo.status !== 0) {
    cleanup();
    throw new Error(`"${bin} demo" failed (status ${demo.status}, ${demo.error || ''}):\n${demo.stdout}${demo.stderr}`);
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logPath = path.join(dataDir, 'server.log');
  const logFd = fs.openSync(logPath, 'w');
  // Every journey registers its own users from 127.0.0.1: no hourly
  // per-address limits on this shared server (HTTP tests check them).
  const proc = spawn(bin, ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--test-mode', '--access-log', 'false',
    '--register-max-ip', '0', '--reset-max-ip', '0', '--search-max-ip', '0', ...extraArgs],
    { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exit = null;
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => { exit = { code, signal }; resolve(exit); }));
  const log = () => { try { return fs.readFileSync(logPath, 'utf8'); } catch { return ''; } };

  // Stops the server; resolves to { code, signal, log } (log read before the
  // data directory is removed). Safe to call more than once.
  let stopped = null;
  const stop = () => {
    stopped ??= (async () => {
      if (!exit) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 20000);
        await exited;
        clearTimeout(t);
      }
      const text = log();
      cleanup();
      return { ...exit, log: text };
    })();
    return stopped;
  };

  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (exit) {
      const text = log();
      cleanup();
      throw new Error(`server exited early (${JSON.stringify(exit)}):\n${text}`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      const { log: text } = await stop();
      throw new Error(`server did not answer /healthz within ${healthTimeoutMs} ms:\n${text}`);
    }
    await sleep(100);
  }
  return { base, dataDir, logPath, log, stop, pid: proc.pid };
}
