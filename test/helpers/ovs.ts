// A private Open vSwitch for e2e tests: ovsdb-server and ovs-vswitchd in a lab namespace, with
// their database, sockets, pid and log files in a temp dir of their own (OVS_RUNDIR/DBDIR/LOGDIR),
// so no system OVS is touched. Both run in the foreground through the Lab, so they are ended by
// their PIDs — by stop(), or by lab.cleanup() when a test fails before it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../src/lab/netns.js';
import { hasCommand } from '../../src/lab/host.js';
import { isRoot } from '../../src/is-root.js';
import type { ShResult } from '../../src/lab/sh.js';
import type { SoftbrDaemon } from './softbr.js';

const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const OVS_COMMANDS = ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovsdb-tool', 'ovs-appctl'];

/** Why an OVS test cannot run here ('not root', or the first missing command), or '' when it can. */
export function ovsMissing(extra: string[] = []): string {
  if (!isRoot()) return 'not root';
  return [...OVS_COMMANDS, ...extra].find((c) => !hasCommand(c)) ?? '';
}

export interface Ovs {
  /** The temp dir with conf.db, db.sock, the unixctl sockets and the logs. */
  dir: string;
  /** ovs-vswitchd's unixctl socket, for ovs-appctl -t. */
  ctl: string;
  vsctl(...args: string[]): Promise<ShResult>;
  appctl(...args: string[]): Promise<ShResult>;
  /** `ovs-vsctl get TABLE REC COL`, unquoted. */
  get(table: string, rec: string, col: string): Promise<string>;
  /** The last n lines of ovs-vswitchd's log (for a failing test's message). */
  log(n?: number): Promise<string>;
  /** Ends ovs-vswitchd and ovsdb-server by PID and removes the temp dir. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts OVS in ns. `disableSystem` keeps ovs-vswitchd off the kernel datapath (the tests use
 * datapath_type=netdev bridges only).
 */
export async function startOvs(lab: Lab, ns: string, opts: { disableSystem?: boolean } = {}): Promise<Ovs> {
  const dir = mkdtempSync(join(tmpdir(), `${lab.prefix}-ovs-`));
  const env = [`OVS_RUNDIR=${dir}`, `OVS_DBDIR=${dir}`, `OVS_LOGDIR=${dir}`];
  const db = `unix:${join(dir, 'db.sock')}`;
  const ctl = join(dir, 'vswitchd.ctl');
  const procs: ChildProcess[] = [];
  const vsctl = (...a: string[]) => lab.exec(ns, 'ovs-vsctl', [`--db=${db}`, '--timeout=10', ...a]);
  const stop = async () => {
    for (const p of procs.reverse()) await lab.kill(p);
    procs.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await lab.exec(ns, 'ovsdb-tool', ['create', join(dir, 'conf.db'), OVS_SCHEMA]);
    procs.push(lab.spawn(ns, 'env', [...env, 'ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${join(dir, 'db.sock')}`,
      `--unixctl=${join(dir, 'ovsdb.ctl')}`, `--log-file=${join(dir, 'ovsdb.log')}`, '--no-chdir']));
    for (let i = 0; (await lab.exec(ns, 'ovs-vsctl', [`--db=${db}`, '--no-wait', 'init'], { allowFail: true })).code !== 0; i++) {
      if (i > 100) throw new Error(`ovsdb-server did not answer on ${db} within 10 s`);
      await sleep(100);
    }
    procs.push(lab.spawn(ns, 'env', [...env, 'ovs-vswitchd', db, `--unixctl=${ctl}`, `--log-file=${join(dir, 'vswitchd.log')}`,
      '--no-chdir', ...(opts.disableSystem ? ['--disable-system'] : [])]));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    ctl,
    vsctl,
    appctl: (...a: string[]) => lab.exec(ns, 'ovs-appctl', ['-t', ctl, ...a]),
    get: async (table, rec, col) => (await vsctl('get', table, rec, col)).stdout.trim().replace(/^"|"$/g, ''),
    log: async (n = 30) => (await lab.exec(ns, 'tail', [`-${n}`, join(dir, 'vswitchd.log')], { allowFail: true })).stdout,
    stop,
  };
}

/**
 * The end of an OVS test, in order: softbr (its ports first), OVS, then the lab. Returns softbr's
 * exit code and what is left with the lab's prefix, for the test to check.
 */
export async function endOvsTest(d: SoftbrDaemon, ovs: Ovs | undefined, lab: Lab): Promise<{ exitCode: number | null; left: { namespaces: string[]; links: string[] } }> {
  const exitCode = await d.stop();
  await ovs?.stop();
  await lab.cleanup();
  return { exitCode, left: await lab.leftovers() };
}
