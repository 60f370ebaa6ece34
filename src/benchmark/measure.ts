// One measurement of one test on a running switch: the generator or client started in h1, the
// counters or results read in h2, and the CPU of the window. Each returns a Sample of named
// metrics (the names the catalog's `primary` refers to).
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRAME_BYTES, PING_COUNT, PING_WARMUP, type TestId } from './catalog.js';
import { CpuWindow, NOISY_OTHERS_PCT, type CpuUse } from './cpu.js';
import { trafgenConfig, udpFrame } from './frame-config.js';
import { readCounters, type HostPair } from './hosts.js';
import { parsePingTimes, pingStats } from './ping-stats.js';
import { sleep, type ProcessSet } from './processes.js';

export interface Sample { metrics: Record<string, number>; cpu: CpuUse; noisy: boolean }

export interface MeasureEnv {
  procs: ProcessSet; dir: string; hosts: HostPair; switchPids: number[]; seconds: number; signal: AbortSignal;
  /** What fills a frame test's measurement window instead of a plain wait (the profiler). */
  window?: (ms: number) => Promise<void>;
}

const GENERATOR_CPU = '0';
const WARMUP_MS = 500;
const SETTLE_POLL_MS = 100;
const SETTLE_MAX_MS = 5000;
const UDP_PORT = 9; // discard: nothing listens, h2 drops the frames after counting them
const IPERF_PORT = 5201;

/** Which tools each test needs (the switch's own tools are the driver's). */
export const TEST_TOOLS: Record<TestId, readonly string[]> = {
  small: ['trafgen', 'taskset'], large: ['trafgen', 'taskset'], tcp1: ['iperf3'], tcp4: ['iperf3'], ping: ['ping'],
};

function sample(metrics: Record<string, number>, cpu: CpuUse): Sample {
  return { metrics, cpu, noisy: cpu.othersPct > NOISY_OTHERS_PCT };
}

async function frames(env: MeasureEnv, length: number): Promise<Sample> {
  const [h1, h2] = env.hosts;
  const cfg = join(env.dir, `frame-${length}.cfg`);
  writeFileSync(cfg, trafgenConfig(udpFrame({ srcMac: h1.mac, dstMac: h2.mac, srcIp: h1.ip, dstIp: h2.ip, udpPort: UDP_PORT }, length)));
  // -q: through the qdisc like any socket; -P 1: one process, pinned to CPU0 by taskset;
  // -Q, --no-sock-mem: leave IRQ affinity and the machine's socket memory settings alone
  const gen = env.procs.start('ip', ['netns', 'exec', h1.ns, 'taskset', '-c', GENERATOR_CPU,
    'trafgen', '-o', h1.dev, '-i', cfg, '-q', '-P', '1', '-Q', '--no-sock-mem', '-C']);
  try {
    await env.procs.waitFor(gen, 'Running!');
    await sleep(WARMUP_MS, env.signal);
    const cpu = new CpuWindow(() => env.switchPids);
    const [a1, a2] = await Promise.all([readCounters(h1), readCounters(h2)]);
    const t0 = performance.now();
    cpu.begin();
    await (env.window ? env.window(env.seconds * 1000) : sleep(env.seconds * 1000, env.signal));
    const [b1, b2] = await Promise.all([readCounters(h1), readCounters(h2)]);
    const s = (performance.now() - t0) / 1000;
    const use = cpu.end();
    const rate = (n: number) => n / s;
    return sample({
      delivered: rate(b2.rxPackets - a2.rxPackets),
      offered: rate(b1.txPackets + b1.txDropped - a1.txPackets - a1.txDropped),
      tapDrops: rate(b1.txDropped - a1.txDropped),
      rxDrops: rate(b2.rxDropped - a2.rxDropped),
    }, use);
  } finally {
    await env.procs.stop(gen, 'SIGINT');
    if (!env.signal.aborted) await drained(env);
  }
}

/**
 * Waits (up to SETTLE_MAX_MS) until h2 stops receiving: a switch with a backlog of queued frames
 * would otherwise still be forwarding them during the next measurement.
 */
async function drained(env: MeasureEnv): Promise<void> {
  const h2 = env.hosts[1];
  const deadline = performance.now() + SETTLE_MAX_MS;
  let last = (await readCounters(h2)).rxPackets;
  while (performance.now() < deadline) {
    await sleep(SETTLE_POLL_MS, env.signal);
    const now = (await readCounters(h2)).rxPackets;
    if (now === last) return;
    last = now;
  }
}

interface IperfJson { end?: { sum_received?: { bits_per_second: number }; sum_sent?: { retransmits?: number } }; error?: string }

async function tcp(env: MeasureEnv, streams: number): Promise<Sample> {
  const [h1, h2] = env.hosts;
  const server = env.procs.start('ip', ['netns', 'exec', h2.ns, 'iperf3', '-s', '-1', '--forceflush', '-p', String(IPERF_PORT)]);
  try {
    await env.procs.waitFor(server, 'Server listening');
    const cpu = new CpuWindow(() => env.switchPids);
    cpu.begin();
    const secs = String(Math.max(1, Math.round(env.seconds)));
    const r = await env.procs.run('ip', ['netns', 'exec', h1.ns, 'iperf3', '-c', h2.ip, '-p', String(IPERF_PORT), '-t', secs, '-P', String(streams), '-J'],
      (env.seconds + 30) * 1000);
    const use = cpu.end();
    let j: IperfJson;
    try { j = JSON.parse(r.stdout) as IperfJson; } catch { throw new Error(`iperf3 (exit ${r.exit}): ${r.output.trim().slice(0, 300)}`); }
    const bps = j.end?.sum_received?.bits_per_second;
    if (bps === undefined) throw new Error(`iperf3: ${j.error ?? 'no result'}`);
    return sample({ gbps: bps / 1e9, retransmits: j.end?.sum_sent?.retransmits ?? 0 }, use);
  } finally {
    await env.procs.stop(server);
  }
}

async function ping(env: MeasureEnv): Promise<Sample> {
  const [h1, h2] = env.hosts;
  await env.procs.run('ip', ['netns', 'exec', h1.ns, 'ping', '-q', '-c', String(PING_WARMUP), '-i', '0.001', '-W', '1', h2.ip], 30_000);
  const cpu = new CpuWindow(() => env.switchPids);
  cpu.begin();
  // ping writes its reply lines into a file, not a pipe: read from a pipe, each line would wake
  // this process while the switch is measured
  const file = join(env.dir, 'ping.out');
  const fd = openSync(file, 'w');
  try {
    await env.procs.run('ip', ['netns', 'exec', h1.ns, 'ping', '-c', String(PING_COUNT), '-i', '0.001', '-W', '1', h2.ip], 60_000,
      { stdio: ['ignore', fd, 'pipe'] });
  } finally {
    closeSync(fd);
  }
  const use = cpu.end();
  const st = pingStats(parsePingTimes(readFileSync(file, 'utf8')), PING_COUNT);
  return sample({ min: st.min, avg: st.avg, p99: st.p99, max: st.max, lost: st.lost }, use);
}

export function measure(test: TestId, env: MeasureEnv): Promise<Sample> {
  switch (test) {
    case 'small': case 'large': return frames(env, FRAME_BYTES[test]!);
    case 'tcp1': return tcp(env, 1);
    case 'tcp4': return tcp(env, 4);
    case 'ping': return ping(env);
  }
}
