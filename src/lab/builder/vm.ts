// A lab VM host: the guest image (built by scripts/build-guest.sh into a cache, on first use),
// the QEMU command line (TCG, or KVM where the CPU really has it), each NIC a virtio-net device
// on a softbr stream: port, the serial console on a unix socket in the lab's directory.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sh } from '../sh.js';

// from dist/src/lab/builder when built, from src/lab/builder when a test imports the source
const BUILD_SCRIPT = ['../../../../scripts/build-guest.sh', '../../../scripts/build-guest.sh']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((p) => existsSync(p)) ?? 'scripts/build-guest.sh';

export function guestDir(): string {
  return process.env['SOFTBR_GUEST_DIR'] ?? join(homedir(), '.cache', 'softbr', 'guest');
}

/**
 * The cached guest image; the script builds it (from Debian packages, nothing installed) when
 * it is missing or older than the script, and returns at once otherwise.
 */
export async function guestImage(log: (s: string) => void): Promise<{ kernel: string; initrd: string }> {
  const dir = guestDir();
  if (!existsSync(join(dir, 'stamp'))) log(`building the guest image into ${dir} (scripts/build-guest.sh)\n`);
  await sh('bash', [BUILD_SCRIPT], { timeoutMs: 600_000 });
  return { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
}

/**
 * KVM only when /dev/kvm is there and the CPU says it can (vmx/svm): some sandboxes have the
 * device without working virtualisation, and a guest under it never starts. SOFTBR_VM_ACCEL
 * (kvm or tcg) overrides.
 */
export function vmAccel(): 'kvm' | 'tcg' {
  const forced = process.env['SOFTBR_VM_ACCEL'];
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!existsSync('/dev/kvm')) return 'tcg';
  try {
    return /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8')) ? 'kvm' : 'tcg';
  } catch {
    return 'tcg';
  }
}

export interface VmNic { socket: string; mac: string }

export function qemuArgs(o: { host: string; memory: number; cpus: number; kernel: string; initrd: string; console: string; nics: VmNic[] }): string[] {
  return [
    '-name', o.host, '-accel', vmAccel(), '-m', String(o.memory), '-smp', String(o.cpus),
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-kernel', o.kernel, '-initrd', o.initrd, '-append', `console=ttyS0 quiet softbr.host=${o.host}`,
    // wait=on: the guest starts once `up` is connected, so it sees the whole boot
    '-serial', `unix:${o.console},server=on,wait=on`,
    ...o.nics.flatMap((n, i) => [
      '-netdev', `stream,id=n${i},server=off,addr.type=unix,addr.path=${n.socket}`,
      // explicit slots: the guest names its NICs eth0, eth1… in slot order
      '-device', `virtio-net-pci,netdev=n${i},mac=${n.mac},addr=0x${(3 + i).toString(16)}`,
    ]),
  ];
}

/** A MAC in QEMU's 52:54:00 block, as libvirt gives its guests. */
export function vmMac(): string {
  const b = [0, 0, 0].map(() => Math.floor(Math.random() * 256).toString(16).padStart(2, '0'));
  return `52:54:00:${b.join(':')}`;
}
