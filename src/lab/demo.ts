// `softbr demo`: the guided first lab. A bridge with its host port, three hosts in network
// namespaces on TAP ports, pings between them, and `show`/`showmacs` before and after so a
// newcomer watches learning happen. Everything it creates is removed at the end (or on Ctrl-C).
import { Daemon } from '../control/daemon.js';
import { Lab } from './netns.js';
import { sh } from './sh.js';
import { isRoot } from './host.js';
import * as fmt from '../cli/format/index.js';

export interface DemoOptions {
  keep?: boolean;
  out?: (s: string) => void;
}

const SUBNET = '10.77.0';

export async function runDemo(opts: DemoOptions = {}): Promise<void> {
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  if (!isRoot()) throw new Error('softbr demo needs root: it creates TAP devices and network namespaces (try: sudo softbr demo)');
  const lab = new Lab('d');
  const br = lab.name('br');
  const daemon = new Daemon({ log: () => {} });
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    daemon.shutdown();
    await lab.cleanup();
  };
  const onSignal = () => { void cleanup().then(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const step = (s: string) => out(`\n### ${s}\n`);
  const cmd = (s: string) => out(`$ ${s}\n`);
  try {
    step(`softbr addbr ${br}   # a bridge, with a host port TAP named ${br} (like the kernel's br0)`);
    const m = await daemon.addBridge({ name: br, local: true });
    await sh('ip', ['addr', 'add', `${SUBNET}.254/24`, 'dev', br]);
    await sh('ip', ['link', 'set', br, 'up']);
    out(`host address ${SUBNET}.254/24 on ${br}\n`);
    const hosts: { ns: string; ip: string; mac: string; tap: string }[] = [];
    for (let i = 1; i <= 3; i++) {
      const tap = lab.name(`t${i}`);
      step(`softbr addif ${br} tap:${tap}   # host h${i} in namespace ${lab.name(`h${i}`)}`);
      await daemon.addPort(m, { name: `tap:${tap}` });
      const ns = await lab.addNamespace(`h${i}`);
      await lab.plug(tap, ns, { rename: 'eth0', cidr: `${SUBNET}.${i}/24` });
      const mac = await lab.macOf(ns, 'eth0');
      hosts.push({ ns, ip: `${SUBNET}.${i}`, mac, tap });
      out(`h${i}: eth0 ${mac} ${SUBNET}.${i}/24\n`);
    }
    step(`softbr fdb flush ${br}   # forget what the hosts said while their links came up (IPv6 router solicitations)`);
    m.bridge.flushFdb();
    step('Before any traffic');
    cmd('softbr show');
    out(fmt.formatBrctlShow(daemon.showRows()));
    cmd(`softbr showmacs ${br}   # only the bridge's own (local) addresses so far`);
    out(fmt.formatShowmacs(daemon.macRows(br)));

    const pairs: [number, number][] = [[0, 1], [1, 2], [2, 0]];
    for (const [a, b] of pairs) {
      const A = hosts[a]!;
      const B = hosts[b]!;
      step(`h${a + 1} pings h${b + 1}: the first ARP is broadcast (flooded to every port), the replies are unicast`);
      cmd(`ip netns exec ${A.ns} ping -c 2 -i 0.2 ${B.ip}`);
      const r = await lab.exec(A.ns, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', B.ip], { allowFail: true });
      out(r.stdout.split('\n').filter((l) => /bytes from|packet loss|rtt/.test(l)).join('\n') + '\n');
      if (r.code !== 0) throw new Error(`ping from h${a + 1} to h${b + 1} failed: ${r.stdout}${r.stderr}`);
    }
    step(`The host pings h1 through its port ${br}`);
    cmd(`ping -c 1 ${hosts[0]!.ip}`);
    const hr = await sh('ping', ['-c', '1', '-W', '2', hosts[0]!.ip], { allowFail: true });
    out(hr.stdout.split('\n').filter((l) => /bytes from|packet loss/.test(l)).join('\n') + '\n');

    step('After the pings: every host\'s MAC was learned on its own port');
    cmd(`softbr showmacs ${br}`);
    const rows = daemon.macRows(br);
    out(fmt.formatShowmacs(rows));
    for (const h of hosts) {
      const row = rows.find((r) => r.mac === h.mac);
      out(`  ${h.mac} (${h.ns}) → ${row ? `port ${row.portNo}, last seen ${row.ageingTimerSec.toFixed(2)} s ago` : 'not learned'}\n`);
    }
    const b = m.bridge;
    out(`\ncounters: ${b.rxFrames} frames in, ${b.forwarded} forwarded to one port, ${b.flooded} flooded; ${b.fdb.learnedCount} learned MACs in the table\n`);
    if (opts.keep) {
      out('\nlab is up; press Ctrl-C to tear it down\n');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
    out('\ncleaned up: bridge, TAPs and namespaces removed\n');
  }
}
