// A DHCP server for the QEMU e2e tests: dnsmasq in one of the lab's namespaces, answering on its
// eth0 from NET.100–NET.150 with its log kept in memory (the tests read leases out of it), and
// ready once dnsmasq says it serves the range.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Lab } from '../../src/lab/netns.js';

export interface Dnsmasq {
  proc: ChildProcess;
  /** Everything dnsmasq has logged so far. */
  readonly log: string;
}

export async function startDnsmasq(lab: Lab, ns: string, net: string, dir: string): Promise<Dnsmasq> {
  const proc = lab.spawn(ns, 'dnsmasq', [
    '--keep-in-foreground', '--log-facility=-', '--log-dhcp', '--conf-file=/dev/null', '--user=root',
    '--port=0', '--interface=eth0', '--bind-interfaces',
    `--dhcp-range=${net}.100,${net}.150,1m`, '--dhcp-authoritative',
    `--dhcp-leasefile=${join(dir, 'leases')}`, `--pid-file=${join(dir, 'dnsmasq.pid')}`,
  ]);
  let log = '';
  proc.stdout!.on('data', (x) => { log += x; });
  proc.stderr!.on('data', (x) => { log += x; });
  const deadline = Date.now() + 10_000;
  while (!log.includes('DHCP, IP range')) {
    if (proc.exitCode !== null) throw new Error(`dnsmasq exited ${proc.exitCode}: ${log}`);
    if (Date.now() > deadline) throw new Error(`dnsmasq did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, get log() { return log; } };
}
