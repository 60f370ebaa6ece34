// tcpdump inside a lab namespace for e2e tests that count frames: started through the Lab (so it
// is ended by its PID and cleaned up on failure), resolved once it says it is listening.
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../src/lab/netns.js';

export interface Dump { proc: ChildProcess; out: () => string }

/** tcpdump -i DEV (eth0 unless told) -n -l ARGS… in ns; out() is what it printed so far. */
export async function startDump(lab: Lab, ns: string, args: string[], dev = 'eth0'): Promise<Dump> {
  const proc = lab.spawn(ns, 'tcpdump', ['-i', dev, '-n', '-l', ...args]);
  let out = '';
  proc.stdout!.on('data', (c) => { out += c; });
  await new Promise<void>((r) => {
    let e = '';
    proc.stderr!.on('data', (c) => { e += c; if (e.includes('listening on')) r(); });
  });
  return { proc, out: () => out };
}
