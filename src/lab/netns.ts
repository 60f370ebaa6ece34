// A lab of network namespaces: hosts whose NIC is a TAP (or veth) handed in from the root
// namespace, with every namespace and device named by one prefix and removed by cleanup().
import { sh, nsExec } from './sh.js';

export class Lab {
  readonly namespaces: string[] = [];
  readonly links: string[] = [];

  /** prefix: short (≤ 8 chars) so derived device names stay within 15 characters. */
  constructor(readonly prefix: string) {
    if (!/^[a-z][a-z0-9]{0,7}$/.test(prefix)) throw new RangeError(`lab prefix '${prefix}': 1–8 lower-case letters/digits, starting with a letter`);
  }

  name(suffix: string): string {
    const n = `${this.prefix}${suffix}`;
    if (n.length > 15) throw new RangeError(`device name ${n} is longer than 15 characters`);
    return n;
  }

  async addNamespace(suffix: string): Promise<string> {
    const ns = this.name(suffix);
    await sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    // lab hosts speak IPv4 only, so the frames a lesson or test counts are the ones it sent
    // (no IPv6 router solicitations, DAD or MLD reports arriving at random moments)
    await nsExec(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return ns;
  }

  /** Moves a root-namespace link into ns, renames it, addresses it and brings it up. */
  async plug(link: string, ns: string, opts: { rename?: string; cidr?: string; mac?: string } = {}): Promise<string> {
    await sh('ip', ['link', 'set', link, 'netns', ns]);
    let dev = link;
    if (opts.rename) {
      await nsExec(ns, 'ip', ['link', 'set', link, 'name', opts.rename]);
      dev = opts.rename;
    }
    if (opts.mac) await nsExec(ns, 'ip', ['link', 'set', dev, 'address', opts.mac]);
    if (opts.cidr) await nsExec(ns, 'ip', ['addr', 'add', opts.cidr, 'dev', dev]);
    await nsExec(ns, 'ip', ['link', 'set', dev, 'up']);
    return dev;
  }

  /** A veth pair in the root namespace (both ends removed by cleanup). */
  async addVeth(a: string, b: string): Promise<[string, string]> {
    const na = this.name(a);
    const nb = this.name(b);
    await sh('ip', ['link', 'add', na, 'type', 'veth', 'peer', 'name', nb]);
    this.links.push(na);
    return [na, nb];
  }

  async macOf(ns: string | null, dev: string): Promise<string> {
    const r = ns ? await nsExec(ns, 'cat', [`/sys/class/net/${dev}/address`]) : await sh('cat', [`/sys/class/net/${dev}/address`]);
    return r.stdout.trim();
  }

  /** Deletes every namespace and link this lab made; never throws. */
  async cleanup(): Promise<void> {
    for (const l of this.links.splice(0)) await sh('ip', ['link', 'del', l], { allowFail: true });
    for (const ns of this.namespaces.splice(0)) await sh('ip', ['netns', 'del', ns], { allowFail: true });
  }
}
