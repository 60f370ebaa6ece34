// The vhost-user back-end against a scripted front-end (test/helpers/vhost-frontend.py: a real
// process that owns a memfd, passes fds over the socket and lays out split virtqueues in it).
// One softbr port serves every scenario in turn, so each malformed case also proves the port
// takes the next front-end after dropping the last: the normal path (negotiation, memory table
// with an mmap offset, frames through chained and merged descriptors, runts and over-long frames
// dropped, GET_VRING_BASE), then every rule a guest can break, each ending its connection with a
// logged reason while softbr keeps running. The client role (softbr connects) runs the normal
// path against a listening front-end. The offload scenarios negotiate checksum and TSO offloads:
// a guest super-frame goes up whole (and back whole to a guest that takes it, cut and checksummed
// for one that does not), a partial checksum is completed, and each malformed virtio-net header
// costs its frame only, counted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO } from '../helpers/softbr.js';
import { nativeAvailable } from '../../src/native/index.js';
import { labPrefix } from '../../src/lab/netns.js';
import type { RxOffload, RxSink } from '../../src/bridge/port-io.js';
import { SuperFrames, native } from '../../src/native/index.js';
import type { VhostUserPort } from '../../src/ports/vhost-user.js';

const FRONTEND = join(REPO, 'test/helpers/vhost-frontend.py');
const skip = !nativeAvailable() ? 'native addon not built' : '';

interface Line { [k: string]: unknown }

/** Runs one scenario; `onWant` answers its requests for frames. Resolves with its JSON lines. */
function frontend(scenario: string, path: string, onWant: (l: Line) => void, listen = false, onListening?: () => void): Promise<{ lines: Line[]; code: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('python3', [FRONTEND, scenario, path, ...(listen ? ['listen'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Line[] = [];
    let err = '';
    p.stderr!.on('data', (d) => { err += d; });
    createInterface({ input: p.stdout! }).on('line', (t) => {
      const l = JSON.parse(t) as Line;
      lines.push(l);
      if (l.want !== undefined) onWant(l);
      if (l.event === 'listening') onListening?.();
    });
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ lines, code, err });
    });
  });
}

/** A sink that records batches and, when asked, echoes them back out of the port. */
class TestSink implements RxSink {
  frames: Uint8Array[] = [];
  /** Per frame: its virtio-net header and longest segment when it came up as a super-frame, else null. */
  supers: ({ hdr: Uint8Array; segLen: number } | null)[] = [];
  downs: string[] = [];
  ups = 0;
  constructor(private readonly port: () => VhostUserPort, readonly takesSuperFrames = true) {}
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number, offload?: RxOffload | null): void {
    const hl = native().constants.VNET_HDR_LEN;
    for (let i = 0; i < count; i++) {
      this.frames.push(buf.slice(offs[i]!, offs[i]! + lens[i]!));
      const sl = offload?.segLen[i] ?? 0;
      this.supers.push(sl !== 0 ? { hdr: offload!.hdrs.slice(i * hl, (i + 1) * hl), segLen: sl } : null);
    }
  }
  linkDown(reason: string): void {
    this.downs.push(reason);
  }
  linkUp(): void {
    this.ups++;
  }
  /** Sends every frame back: a super-frame through sendSuper, with its header in a SuperFrames of its own. */
  echo(): void {
    const p = this.port();
    this.frames.forEach((f, i) => {
      const sup = this.supers[i];
      if (sup === null || sup === undefined) {
        p.send(f, 0, f.length);
        return;
      }
      const sf = new SuperFrames(1);
      sf.hdrs.set(sup.hdr);
      sf.segLen[0] = sup.segLen;
      expect(p.sendSuper!(f, 0, f.length, sf, 0)).toBe(true);
    });
    p.flush();
  }
  reset(): void {
    this.frames = [];
    this.supers = [];
  }
}

/** VERSION_1 | PROTOCOL_FEATURES | EVENT_IDX | MRG_RXBUF. */
const BASE_FEATURES = (1n << 32n) | (1n << 30n) | (1n << 29n) | (1n << 15n);
/** CSUM, GUEST_CSUM, GUEST_TSO4, GUEST_TSO6, GUEST_ECN. */
const OFFLOADS = (1n << 0n) | (1n << 1n) | (1n << 7n) | (1n << 8n) | (1n << 9n);
/** HOST_TSO4, HOST_TSO6, HOST_ECN: only for a sink that takes super-frames. */
const HOST_GSO = (1n << 11n) | (1n << 12n) | (1n << 13n);

const MALFORMED: Array<[string, RegExp]> = [
  ['bad-features', /SET_FEATURES: features not offered: 0x400/],
  ['bad-version', /message version 2/],
  ['huge-payload', /100000-byte payload/],
  ['mem-fd-mismatch', /SET_MEM_TABLE: 2 regions but 1 file descriptors/],
  ['mem-past-file', /SET_MEM_TABLE: region 0 cannot be mapped: size or offset past its file/],
  ['bad-queue-size', /SET_VRING_NUM: queue size 300/],
  ['bad-queue-index', /SET_VRING_NUM: queue 5/],
  ['ring-outside', /SET_VRING_ADDR: descriptor table outside guest memory/],
  ['num-grows', /SET_VRING_NUM: descriptor table outside guest memory/],
  ['desc-outside', /guest error: transmit queue: transmit descriptor outside guest memory/],
  ['len-past', /guest error: transmit queue: transmit descriptor outside guest memory/],
  ['desc-loop', /guest error: transmit queue: descriptor chain loops/],
  ['bad-head', /guest error: transmit queue: descriptor index past the end of the ring/],
  ['avail-ahead', /guest error: transmit queue: available index ran more than a ring ahead/],
  ['rx-readonly', /guest error: receive queue: read-only descriptor in a receive chain/],
  ['rx-outside', /guest error: receive queue: receive descriptor outside guest memory/],
];

describe.skipIf(skip !== '')('vhost-user protocol (scripted front-end)', () => {
  const dir = mkdtempSync(join(tmpdir(), `${labPrefix('vp')}-`));
  const sock = join(dir, 'vm.sock');
  const log: string[] = [];
  let port: VhostUserPort;
  let sink: TestSink;

  beforeAll(async () => {
    const { VhostUserPort } = await import('../../src/ports/vhost-user.js');
    port = VhostUserPort.open({ name: 'vm', path: sock, role: 'server', log: (m) => log.push(m) });
    sink = new TestSink(() => port);
    port.start(sink);
  });
  afterAll(() => {
    port?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts down, waiting for a front-end', () => {
    expect(sink.downs[0]).toMatch(/no vhost-user front-end connected to .*vm\.sock/);
    expect(port.isUp).toBe(false);
  });

  it('normal path: negotiation, memory, chained and merged descriptors, GET_VRING_BASE', async () => {
    const r = await frontend('normal', sock, () => sink.echo());
    const res = r.lines.find((l) => l.ok !== undefined);
    expect(res, r.err + JSON.stringify(r.lines)).toBeDefined();
    expect(res!.ok).toBe(true);
    // VERSION_1 | PROTOCOL_FEATURES | EVENT_IDX | MRG_RXBUF and the offloads offered (a sink
    // that takes super-frames: HOST_TSO4/6 and HOST_ECN too); REPLY_ACK without MQ
    expect(BigInt(res!.offered as number)).toBe(BASE_FEATURES | OFFLOADS | HOST_GSO);
    expect(res!.proto).toBe(1 << 3);
    // frames of 60, 1000 and 1514 bytes (12-byte header each) in 512-byte guest buffers
    expect(res!.lengths).toEqual([60, 1000, 1514]);
    expect(res!.numBuffers).toEqual([1, 2, 3]);
    expect(res!.base).toEqual([6, 5]);
    // without event index: the receive queue's kicks muted, the transmit queue's asked for
    expect(res!.usedFlags).toEqual([1, 0]);
    expect(sink.frames.map((f) => f.length)).toEqual([60, 1000, 1514]);
    const s = port.stats();
    expect(s.runts).toBe(1);
    expect(s.truncated).toBe(1);
    expect(s.txFrames).toBe(3);
    expect(log.join('\n')).toMatch(/features 0x140008000 \(mergeable rx buffers\), virtio-net header 12 bytes/);
    expect(sink.ups).toBe(1);
    expect(log.join('\n')).toMatch(/memory table: 1 region \(not sealed against shrinking\)/);
    expect(log.join('\n')).toMatch(/guest queues running .*: port up/);
    expect(log.join('\n')).toMatch(/front-end stopped queue 1: port down/);
    expect(port.isUp).toBe(false);
  });

  it('event index: softbr asks for the next transmit kick through avail_event and honours used_event', async () => {
    sink.reset();
    const before = port.stats().signals;
    const r = await frontend('normal-eventidx', sock, () => sink.echo());
    const res = r.lines.find((l) => l.ok !== undefined);
    expect(res?.ok, r.err + JSON.stringify(r.lines)).toBe(true);
    expect(res!.numBuffers).toEqual([1, 2, 3]);
    // avail_event of the transmit queue = the next entry softbr wants to hear of (5 consumed);
    // the receive queue's is parked half a ring away
    expect(res!.availEvent).toEqual([0x8000, 5]);
    // used_event 0 in both queues: one signal each for the first batch
    expect(res!.txSignalled).toBe(true);
    expect(port.stats().signals - before).toBe(2);
    expect(log.join('\n')).toMatch(/features 0x160008000 \(mergeable rx buffers, event index\)/);
  });

  it('offloads: a partial checksum completed, a TSO super-frame up whole and back whole, bad headers dropped and counted', async () => {
    sink.reset();
    const before = port.stats();
    const r = await frontend('offload', sock, () => sink.echo());
    const res = r.lines.find((l) => l.ok !== undefined);
    expect(res?.ok, r.err + JSON.stringify(r.lines)).toBe(true);
    // a 60-byte plain frame, a 200-byte TCP frame with its checksum left to softbr, a 3054-byte
    // super-frame (3 x 1000 bytes of payload); the 7 with bad headers never came up
    expect(sink.frames.map((f) => f.length)).toEqual([60, 200, 3054]);
    expect(sink.supers.map((x) => x?.segLen ?? 0)).toEqual([0, 0, 1054]);
    const s = port.stats();
    expect(s.badHeaders - before.badHeaders).toBe(7);
    expect(s.csumFixed - before.csumFixed).toBe(1);
    expect(s.superRx - before.superRx).toBe(1);
    expect(s.superTx - before.superTx).toBe(1);
    expect(s.faults).toBe(before.faults);
    expect(res!.lengths).toEqual([60, 200, 3054]);
    expect(res!.plainSame).toBe(true);
    expect(res!.csumOk).toBe(true);
    // the super-frame reached the guest as it left it, under its header (NEEDS_CSUM, TCPV4, 54, 1000, 34, 16)
    expect(res!.superSame).toBe(true);
    expect(res!.hdrs).toEqual([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 1, 54, 1000, 34, 16]]);
    expect(log.join('\n')).toMatch(/features 0x140009983 \(mergeable rx buffers, csum, host tso4, host tso6, guest csum, guest tso4, guest tso6\)/);
  });

  it('offloads: a guest that takes no super-frames gets one cut into checksummed segments', async () => {
    sink.reset();
    const before = port.stats();
    const r = await frontend('offload-segments', sock, () => sink.echo());
    const res = r.lines.find((l) => l.ok !== undefined);
    expect(res?.ok, r.err + JSON.stringify(r.lines)).toBe(true);
    expect(sink.supers.map((x) => x?.segLen ?? 0)).toEqual([0, 0, 1054]);
    expect(res!.lengths).toEqual([60, 200, 1054, 1054, 1054]);
    expect(res!.hdrs).toEqual([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]);
    expect(res!.csumOk).toBe(true);
    expect(res!.segChecksums).toEqual([true, true, true]);
    expect(res!.segPayload).toBe(true);
    expect(res!.segSeq).toEqual([1000, 2000, 3000]);
    const s = port.stats();
    expect(s.superTx - before.superTx).toBe(0);
    expect(s.badHeaders - before.badHeaders).toBe(7);
  });

  for (const [scenario, reason] of MALFORMED) {
    it(`drops a front-end that breaks the rules: ${scenario}`, async () => {
      const before = log.length;
      const r = await frontend(scenario, sock, () => {
        // a frame for the guest's receive queue, which the scenario has poisoned
        const f = new Uint8Array(60).fill(0xab);
        port.send(f, 0, f.length);
        port.flush();
      });
      expect(r.lines.find((l) => l.closed !== undefined)?.closed, r.err + JSON.stringify(r.lines)).toBe(true);
      expect(log.slice(before).join('\n')).toMatch(reason);
      expect(port.isUp).toBe(false);
    });
  }

  it('counts every fault and is still serving', () => {
    expect(port.stats().faults).toBe(MALFORMED.length);
    expect(port.stats().connections).toBe(4 + MALFORMED.length);
    expect(existsSync(sock)).toBe(true);
  });
});

describe.skipIf(skip !== '')('vhost-user offload switch', () => {
  for (const [what, offload, takes, want] of [
    ['opened with offload: false offers none', false, true, BASE_FEATURES],
    ['a sink that cuts no super-frames: checksums, and super-frames only towards the guest', true, false, BASE_FEATURES | OFFLOADS],
  ] as const) {
    it(what, async () => {
      const { VhostUserPort } = await import('../../src/ports/vhost-user.js');
      const dir = mkdtempSync(join(tmpdir(), `${labPrefix('vo')}-`));
      const sock = join(dir, 'vm.sock');
      const port = VhostUserPort.open({ name: 'vm', path: sock, role: 'server', offload });
      const sink = new TestSink(() => port, takes);
      port.start(sink);
      try {
        const r = await frontend('normal', sock, () => sink.echo());
        const res = r.lines.find((l) => l.ok !== undefined);
        expect(res?.ok, r.err + JSON.stringify(r.lines)).toBe(true);
        expect(BigInt(res!.offered as number)).toBe(want);
        expect(port.sendSuper === undefined).toBe(!offload);
      } finally {
        port.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe.skipIf(skip !== '')('vhost-user client role (softbr connects)', () => {
  it('connects to a front-end once it listens, and again after it went away', async () => {
    const { VhostUserPort } = await import('../../src/ports/vhost-user.js');
    const dir = mkdtempSync(join(tmpdir(), `${labPrefix('vc')}-`));
    const sock = join(dir, 'qemu.sock');
    const log: string[] = [];
    const port = VhostUserPort.open({ name: 'vm', path: sock, role: 'client', reconnectMs: 100, log: (m) => log.push(m) });
    const sink = new TestSink(() => port);
    port.start(sink);
    try {
      for (let round = 0; round < 2; round++) {
        sink.reset();
        const r = await frontend('normal', sock, () => sink.echo(), true);
        const res = r.lines.find((l) => l.ok !== undefined);
        expect(res?.ok, r.err + JSON.stringify(r.lines)).toBe(true);
      }
      expect(log.join('\n')).toMatch(/waiting for a vhost-user front-end to listen at .*qemu\.sock \((ENOENT|ECONNREFUSED)\)/);
      expect(port.stats().connections).toBe(2);
    } finally {
      port.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
