// The guest console's line protocol against a scripted peer on a unix socket (the guest's init
// speaks it; see scripts/build-guest.sh): ready after boot noise, a command's output and exit
// code from the end marker, CRLF from the tty, output streamed line by line, quoting for sh.
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestConsole, shellLine } from '../../src/lab/builder/guest-console.js';

let server: Server | undefined;
let dir: string | undefined;
afterEach(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fake guest: prints boot noise and the ready line, then answers each line with reply(line). */
function fakeGuest(reply: (line: string, s: Socket) => void): string {
  dir = mkdtempSync(join(tmpdir(), 'softbr-console-'));
  const path = join(dir, 'c.sock');
  server = createServer((s) => {
    s.write('[    1.0] Run /init as init process\r\n__SB_READY__ vm1\r\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) { reply(buf.slice(0, nl), s); buf = buf.slice(nl + 1); }
    });
  }).listen(path);
  return path;
}

describe('guest console', () => {
  it('waits for ready, returns output and exit code, and streams lines as they come', async () => {
    const path = fakeGuest((line, s) => {
      if (line === 'ping -c 2 x') {
        s.write('PING x\r\n');
        setTimeout(() => s.write('64 bytes\r\n__SB_END__ 0\r\n'), 30);
      } else s.write(`sh: ${line}: not found\r\n__SB_END__ 127\r\n`);
    });
    const c = await GuestConsole.connect(path, 2000);
    try {
      expect(await c.ready(2000)).toContain('Run /init');
      const seen: string[] = [];
      const r = await c.run('ping -c 2 x', 2000, (s) => seen.push(s));
      expect(r).toEqual({ code: 0, output: 'PING x\n64 bytes\n' });
      expect(seen[0]).toBe('PING x\n');
      expect(await c.run('nope', 2000)).toEqual({ code: 127, output: 'sh: nope: not found\n' });
    } finally {
      c.close();
    }
  });

  it('times out naming what it waited for, and refuses a second line in one command', async () => {
    const path = fakeGuest(() => { /* a hung command */ });
    const c = await GuestConsole.connect(path, 2000);
    try {
      await c.ready(2000);
      await expect(c.run('sleep 100', 200)).rejects.toThrow(/timed out after 0.2 s waiting for 'sleep 100' to finish/);
      await expect(c.run('a\nb', 200)).rejects.toThrow(/one line/);
    } finally {
      c.close();
    }
  });

  it('quotes words for sh only where needed', () => {
    expect(shellLine(['ping', '-c', '1', '10.5.0.1'])).toBe('ping -c 1 10.5.0.1');
    expect(shellLine(['echo', "it's", 'a b', '$HOME'])).toBe(`echo 'it'\\''s' 'a b' '$HOME'`);
  });
});
