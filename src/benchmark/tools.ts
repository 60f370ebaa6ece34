// Which outside programs this machine has: a switch or test whose tool is missing is skipped with
// a note that names the tool and the Debian package that brings it.
import { hasCommand } from '../lab/host.js';

export const TOOL_PACKAGES: Record<string, string> = {
  trafgen: 'netsniff-ng', vde_switch: 'vde2', cc: 'gcc', iperf3: 'iperf3', ping: 'iputils-ping',
  ethtool: 'ethtool', taskset: 'util-linux', ip: 'iproute2', perf: 'linux-perf',
};

/** Whether the tool is installed (the one PATH lookup: lab/host.ts). */
export const hasTool = hasCommand;

/** undefined when all are present, else the note to print. */
export function missingTools(names: readonly string[]): string | undefined {
  const miss = names.filter((n) => !hasTool(n));
  if (miss.length === 0) return undefined;
  return `needs ${miss.map((m) => TOOL_PACKAGES[m] ? `${m} (Debian ${TOOL_PACKAGES[m]})` : m).join(', ')}`;
}
