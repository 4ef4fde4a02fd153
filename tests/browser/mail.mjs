// tests/browser/mail.mjs — a real SMTP server for the browser suite
// (Debian's python3-aiosmtpd, as tests/http uses), so that journeys read
// the e-mails the server sends (verification and password reset links)
// the way a user would: no test-only endpoint exposes them. Each message
// is saved as JSON {to, subject, body} in a temporary directory.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './server.mjs';

const SINK = String.raw`
import email, email.header, json, os, sys, time
from aiosmtpd.controller import Controller
out, port = sys.argv[1], int(sys.argv[2])
class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content)
        subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
        body = msg.get_payload(decode=True).decode("utf-8")
        name = os.path.join(out, "%d.json" % time.time_ns())
        with open(name + ".tmp", "w") as f:
            json.dump({"to": envelope.rcpt_tos, "subject": subject, "body": body}, f)
        os.rename(name + ".tmp", name)
        return "250 OK"
c = Controller(Handler(), hostname="127.0.0.1", port=port)
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the sink; resolves to { serverArgs (for `kejiyun serve`), wait(pred,
 * timeoutMs) → the first message matching pred, stop() }.
 */
export async function startMailSink() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kejiyun-browser-smtp-'));
  const script = path.join(dir, 'sink.py');
  fs.writeFileSync(script, SINK);
  const port = await freePort();
  const proc = spawn('/usr/bin/python3', [script, dir, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: proc.stdout });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('SMTP sink (python3-aiosmtpd) did not start')), 20000);
    lines.once('line', (l) => { clearTimeout(t); l.trim() === 'ready' ? resolve() : reject(new Error(`SMTP sink said ${l}`)); });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`SMTP sink exited (${code})`)); });
  });
  const messages = () => fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  return {
    serverArgs: ['--smtp-host', '127.0.0.1', '--smtp-port', String(port), '--smtp-tls', 'none',
      '--mail-from', 'noreply@kejiyun.test', '--public-url', 'http://kejiyun.test'],
    async wait(pred, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages().find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such e-mail within ${timeoutMs} ms (got ${messages().length})`);
        await sleep(200);
      }
    },
    stop() {
      proc.stdin.end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The path and query of the link to pathPrefix in a message's body (the
 *  public URL http://kejiyun.test is the sink's setting, not the server's). */
export function linkIn(message, pathPrefix) {
  const m = message.body.match(new RegExp(`http://kejiyun\\.test(${pathPrefix.replace(/[?]/g, '\\?')}[^\\s]+)`));
  if (!m) throw new Error(`no ${pathPrefix} link in: ${message.body}`);
  return m[1];
}
