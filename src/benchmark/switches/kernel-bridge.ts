// The Linux bridge as the switch under test, on veth pairs: with the veths' default offloads, or
// with GRO/GSO/TSO/checksum offload off on every end, which is what a userspace switch faces.
import { sh } from '../../lab/sh.js';
import { SWITCHES, type SwitchInfo } from '../catalog.js';
import type { BenchEnv, RunningSwitch, SwitchDriver } from './driver.js';

const OFFLOADS_OFF = ['gro', 'off', 'gso', 'off', 'tso', 'off', 'tx', 'off'];

async function start(env: BenchEnv, offloads: boolean): Promise<RunningSwitch> {
  const br = env.lab.name('kb');
  await sh('ip', ['link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  const stop = async () => { await sh('ip', ['link', 'del', br], { allowFail: true }); };
  try {
    const links: string[] = [];
    for (const i of [1, 2]) {
      const { a: s, b: v } = await env.lab.addVeth(`s${i}`, `v${i}`);
      if (!offloads) for (const dev of [s, v]) await sh('ethtool', ['-K', dev, ...OFFLOADS_OFF]);
      await sh('ip', ['link', 'set', s, 'master', br, 'up']);
      links.push(v);
    }
    await sh('ip', ['link', 'set', br, 'up']);
    // no process: the bridge runs in softirq context, reported from /proc/stat
    return { links: links as [string, string], pids: [], stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function driver(info: SwitchInfo, offloads: boolean): SwitchDriver {
  return { info, tools: offloads ? [] : ['ethtool'], start: (env) => start(env, offloads) };
}

export const kernelBridge = driver(SWITCHES.kernel, true);
export const kernelBridgeNoOffload = driver(SWITCHES['kernel-nooffload'], false);
