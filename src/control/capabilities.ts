// What the daemon may do on this host: root, or an unprivileged user given CAP_NET_ADMIN and
// CAP_NET_RAW (the systemd unit's AmbientCapabilities). Each capability gates one half of the
// ports, so the daemon starts with either and says at start what the missing one will refuse.
import { readFileSync } from 'node:fs';

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** What each capability is needed for, as the daemon logs it when the capability is missing. */
export const CAPABILITY_USES = {
  CAP_NET_ADMIN: 'creating and deleting TAPs (tap: ports and every bridge\'s host port), setting links up, turning GRO/LRO off on attached netdevs',
  CAP_NET_RAW: 'attaching existing netdevs (veth, eth0, a QEMU vnet0) with AF_PACKET sockets',
} as const;

export type NetCapability = keyof typeof CAPABILITY_USES;

/** The effective capability set of this process (CapEff of /proc/self/status). */
function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Which of the daemon's two capabilities this process lacks. */
export function missingNetCaps(caps: bigint = effectiveCaps()): NetCapability[] {
  const missing: NetCapability[] = [];
  if ((caps & (1n << BigInt(CAP_NET_ADMIN))) === 0n) missing.push('CAP_NET_ADMIN');
  if ((caps & (1n << BigInt(CAP_NET_RAW))) === 0n) missing.push('CAP_NET_RAW');
  return missing;
}
