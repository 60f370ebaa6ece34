// TAP ports on io_uring (src/native/uring.cc): the multishot read over provided buffers and the
// batched writes, against real TAPs whose kernel sides sit in network namespaces, joined by a
// trivial in-test forwarder. Proves that frames cross both ways through the rings, that a read
// which ran out of buffers is armed again without losing a frame, that a port reads with read()
// and writes through io_uring by default, and that the read()/write() path still works when
// io_uring is not asked for. Root only; everything is removed afterwards.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RxSink } from '../../src/bridge/port-io.js';
import { nativeAvailable } from '../../src/native/index.js';
import { TapPort, type TapPortOptions } from '../../src/ports/tap.js';
import { Lab, sweepStale } from '../../src/lab/netns.js';
import { canUseNetns } from '../../src/lab/host.js';

const why = !canUseNetns() ? 'needs root, /dev/net/tun and iproute2' : !nativeAvailable() ? 'native addon not built (npm install)' : '';
if (why) console.warn(`io-uring e2e SKIPPED: ${why}`);

/** io_uring is usable here: multishot reads (6.7+) and not switched off by sysctl. */
function kernelAllowsIoUring(): boolean {
  const [maj = 0, min = 0] = readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.').map((x) => parseInt(x, 10));
  let disabled = 0;
  try {
    disabled = parseInt(readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8'), 10);
  } catch {
    // older kernels have no such sysctl
  }
  return (maj > 6 || (maj === 6 && min >= 7)) && disabled === 0;
}

/** Whatever one port receives goes out of the other; `stall` ms of busy work in the first batches. */
function wire(a: TapPort, b: TapPort, stallBatches = 0, stallMs = 0): void {
  let stalls = stallBatches;
  const fwd = (to: TapPort): RxSink => ({
    receiveBatch(buf, offs, lens, count) {
      if (stalls > 0) {
        stalls--;
        const end = Date.now() + stallMs;
        while (Date.now() < end); // the kernel keeps reading into the free buffers meanwhile
      }
      for (let i = 0; i < count; i++) to.send(buf, offs[i]!, lens[i]!);
      to.flush();
    },
    linkDown() {},
  });
  a.start(fwd(b));
  b.start(fwd(a));
}

describe.skipIf(why !== '')('TAP ports on io_uring (root)', () => {
  const labs: Lab[] = [];
  const ports: TapPort[] = [];

  beforeAll(async () => {
    await sweepStale();
  });

  afterAll(async () => {
    for (const p of ports) p.close();
    const problems: string[] = [];
    for (const l of labs) problems.push(...(await l.cleanup()));
    expect(problems).toEqual([]);
  });

  /** Two hosts h1 10.198.N.1 and h2 10.198.N.2, each behind one TAP port. */
  async function pair(tag: string, net: number, opts: Omit<TapPortOptions, 'name'>): Promise<{ lab: Lab; h1: string; a: TapPort; b: TapPort }> {
    const lab = new Lab(tag);
    labs.push(lab);
    const h1 = await lab.addNamespace('h1');
    const h2 = await lab.addNamespace('h2');
    const a = TapPort.open({ ...opts, name: lab.name('ta') });
    const b = TapPort.open({ ...opts, name: lab.name('tb') });
    ports.push(a, b);
    await lab.moveLink(a.name, h1);
    await lab.moveLink(b.name, h2);
    await lab.addrUp(h1, a.name, `10.198.${net}.1/24`);
    await lab.addrUp(h2, b.name, `10.198.${net}.2/24`);
    return { lab, h1, a, b };
  }

  it.skipIf(!kernelAllowsIoUring())('frames cross both ways through the rings; a read that ran out of buffers is armed again and nothing is lost', async () => {
    // 4 buffers per port, a preload of 48 pings in flight and a sink that stalls its first
    // batches: the kernel fills every buffer while JS is busy and the multishot read ends.
    const { lab, h1, a, b } = await pair('fu', 1, { batchFrames: 4, ioUringRead: true });
    wire(a, b, 6, 20);
    for (const p of [a, b]) {
      const s = p.stats();
      expect(s.rx.ioUring).toBe(true);
      expect(s.rx.ioUringError).toBeNull();
      expect(s.tx.ioUring).toBe(true);
    }
    const ping = await lab.exec(h1, 'ping', ['-f', '-l', '48', '-c', '2000', '-W', '2', '10.198.1.2'], { allowFail: true, timeoutMs: 30_000 });
    expect(ping.stdout).toMatch(/2000 packets transmitted, 2000 received, 0% packet loss/); // no '+N duplicates' either
    const sa = a.stats();
    const sb = b.stats();
    // every echo request went h1 -> h2 and every reply back, all through the rings
    expect(sa.rx.frames).toBeGreaterThanOrEqual(2000);
    expect(sb.rx.frames).toBeGreaterThanOrEqual(2000);
    expect(sb.tx.frames).toBe(sa.rx.frames);
    expect(sa.tx.frames).toBe(sb.rx.frames);
    expect(sa.tx.ioUringBatches + sb.tx.ioUringBatches).toBeGreaterThan(0);
    expect(sa.rx.ioUringRearms + sb.rx.ioUringRearms).toBeGreaterThan(0);
    expect(sa.tx.dropped + sb.tx.dropped).toBe(0);
    expect(sa.rx.batches).toBeLessThan(sa.rx.frames); // several frames per JS call
  });

  it('by default a TAP reads with read() and writes batches through io_uring', async () => {
    const { lab, h1, a, b } = await pair('fd', 4, {});
    wire(a, b);
    for (const p of [a, b]) {
      expect(p.stats().rx.ioUring).toBe(false);
      expect(p.stats().tx.ioUring).toBe(kernelAllowsIoUring());
    }
    const ping = await lab.exec(h1, 'ping', ['-f', '-l', '16', '-c', '500', '-W', '2', '10.198.4.2'], { allowFail: true, timeoutMs: 30_000 });
    expect(ping.stdout).toMatch(/500 packets transmitted, 500 received, 0% packet loss/);
    if (kernelAllowsIoUring()) expect(a.stats().tx.ioUringBatches + b.stats().tx.ioUringBatches).toBeGreaterThan(0);
    expect(a.stats().rx.ioUringRearms).toBe(0);
  });

  it('ioUring: false keeps read()/write(), and a batch size that is not a power of two reads with read() but still writes through io_uring', async () => {
    const { lab, h1, a, b } = await pair('fb', 2, { ioUring: false });
    wire(a, b);
    expect(a.stats().rx.ioUring).toBe(false);
    expect(a.stats().tx.ioUring).toBe(false);
    const ping = await lab.exec(h1, 'ping', ['-f', '-l', '16', '-c', '500', '-W', '2', '10.198.2.2'], { allowFail: true, timeoutMs: 30_000 });
    expect(ping.stdout).toMatch(/500 packets transmitted, 500 received, 0% packet loss/);
    expect(a.stats().tx.ioUringBatches).toBe(0);

    const m = await pair('fl', 3, { batchFrames: 48, ioUringRead: true });
    wire(m.a, m.b);
    expect(m.a.stats().rx.ioUring).toBe(false);
    expect(m.a.stats().tx.ioUring).toBe(kernelAllowsIoUring());
    const ping2 = await m.lab.exec(m.h1, 'ping', ['-f', '-l', '16', '-c', '500', '-W', '2', '10.198.3.2'], { allowFail: true, timeoutMs: 30_000 });
    expect(ping2.stdout).toMatch(/500 packets transmitted, 500 received, 0% packet loss/);
  });
});
