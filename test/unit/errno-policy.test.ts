// The errno policy of kernel-fd ports (src/native/errno-policy.ts): which errnos take a port
// down, which only mean "link down for now", how failed sends are counted; and the driver's
// drops reaching the port's drop counters and the metrics.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE, ERRNO_POLICY, classifyTxDrops, errnoRule } from '../../src/native/errno-policy.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { DriverDrops, PortIO, RxSink } from '../../src/bridge/port-io.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { parseMac } from '../../src/frame/mac.js';
import { parseExposition } from '../helpers/prom.js';

describe('errno policy', () => {
  it('a vanished device takes the port down, on receive and on send', () => {
    for (const name of ['EBADFD', 'EBADF', 'ENODEV', 'ENXIO']) {
      expect({ name, rule: errnoRule(name) }).toMatchObject({ name, rule: { rx: 'down', tx: { drop: 'tx_error', down: true } } });
    }
  });

  it('ENETDOWN on receive is a carrier loss, on send a tx error that keeps the port', () => {
    expect(errnoRule('ENETDOWN')).toMatchObject({ rx: 'carrier', tx: { drop: 'tx_error', down: false } });
  });

  it('a full queue counts as no_buffer and never takes the port down', () => {
    for (const name of ['EAGAIN', 'ENOBUFS', 'ENOMEM']) {
      expect({ name, rule: errnoRule(name) }).toMatchObject({ name, rule: { rx: 'ignore', tx: { drop: 'no_buffer', down: false } } });
    }
  });

  it('EIO (a TAP not up in its namespace), frame errors and unknown errnos only count as tx_error', () => {
    expect(errnoRule('EIO')).toMatchObject({ rx: 'ignore', tx: { drop: 'tx_error', down: false } });
    for (const name of ['EMSGSIZE', 'EINVAL', 'EUNKNOWN', 'constructor', 'toString']) {
      expect({ name, rule: errnoRule(name) }).toEqual({ name, rule: DEFAULT_RULE });
    }
    expect(DEFAULT_RULE).toMatchObject({ rx: 'ignore', tx: { drop: 'tx_error', down: false } });
  });

  it('only the errnos of a vanished device are fatal', () => {
    const fatal = Object.keys(ERRNO_POLICY).filter((n) => ERRNO_POLICY[n]!.rx === 'down' || ERRNO_POLICY[n]!.tx.down);
    expect(fatal.sort()).toEqual(['EBADF', 'EBADFD', 'ENODEV', 'ENXIO']);
    for (const rule of Object.values(ERRNO_POLICY)) expect(rule.why.length).toBeGreaterThan(0);
  });

  it('classifies the writer drops by errno into no_buffer and tx_error', () => {
    expect(classifyTxDrops({})).toEqual({ no_buffer: 0, tx_error: 0 });
    expect(classifyTxDrops({ ENOBUFS: 5, EAGAIN: 2, EMSGSIZE: 1, ENXIO: 3, ENETDOWN: 4 })).toEqual({ no_buffer: 7, tx_error: 8 });
  });
});

/** A port double whose driver reports drops of its own, as the kernel-fd ports do. */
class DroppingPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  own: DriverDrops = { malformed: 0, no_buffer: 0, tx_error: 0 };
  constructor(readonly name: string, readonly mac: number) {}
  send(): boolean { return true; }
  flush(): void {}
  start(_sink: RxSink): void {}
  close(): void {}
  driverDrops(): DriverDrops { return this.own; }
}

describe('driver drops', () => {
  it('are added to the port drop counters and show in softbr_port_drops_total', async () => {
    const clock = new VirtualClock(0);
    const br = new Bridge({ name: 'br0', clock, mac: parseMac('02:00:00:00:00:f0') });
    const io = new DroppingPort('p1', parseMac('02:00:00:00:01:01'));
    const p = br.addPort(io);
    p.dropMalformed = 2; // the engine's own
    expect(p.drops()).toMatchObject({ malformed: 2, no_buffer: 0, tx_error: 0 });
    io.own = { malformed: 3, no_buffer: 4, tx_error: 5 };
    expect(p.drops()).toMatchObject({ malformed: 5, no_buffer: 4, tx_error: 5, filtered: 0 });
    const metrics = createMetrics({ bridges: new Map([['br0', { bridge: br }]]) });
    try {
      const v = parseExposition(await metrics.registry.metrics());
      expect(v.get('softbr_port_drops_total{bridge="br0",port="p1",reason="malformed"}')).toBe(5);
      expect(v.get('softbr_port_drops_total{bridge="br0",port="p1",reason="no_buffer"}')).toBe(4);
      expect(v.get('softbr_port_drops_total{bridge="br0",port="p1",reason="tx_error"}')).toBe(5);
    } finally {
      metrics.close();
    }
  });
});
