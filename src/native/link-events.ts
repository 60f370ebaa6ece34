// Link events of this network namespace from rtnetlink (RTM_NEWLINK / RTM_DELLINK, by device
// name), for ports that are known by name and re-attached when their device comes back. One
// netlink socket per process, opened while anyone watches; its datagrams are read by the native
// Poller (read() per datagram) and parsed here. A lost event (the socket's queue overflowed)
// is reported as a resync, so watchers look at the device themselves.
import { native } from './binding.js';

export type LinkEvent =
  | { type: 'new'; name: string; ifindex: number; flags: number }
  | { type: 'del'; name: string; ifindex: number }
  /** Events may have been lost: check the device directly. */
  | { type: 'resync' };

const NLMSG_HDR = 16;
const IFINFOMSG = 16;
const RTA_HDR = 4;
const align4 = (n: number) => (n + 3) & ~3;

/**
 * Calls `out` for every RTM_NEWLINK / RTM_DELLINK message in one netlink datagram
 * (b[off .. off+len)). Malformed messages end the parse (the rest of the datagram is skipped).
 */
export function parseLinkMessages(b: Uint8Array, off: number, len: number, out: (e: LinkEvent) => void): void {
  const c = native().constants;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = off + len;
  let p = off;
  while (p + NLMSG_HDR <= end) {
    const mlen = dv.getUint32(p, true);
    const type = dv.getUint16(p + 4, true);
    if (mlen < NLMSG_HDR || p + mlen > end) return;
    if ((type === c.RTM_NEWLINK || type === c.RTM_DELLINK) && mlen >= NLMSG_HDR + IFINFOMSG) {
      const ifindex = dv.getInt32(p + NLMSG_HDR + 4, true);
      const flags = dv.getUint32(p + NLMSG_HDR + 8, true);
      let name = '';
      let a = p + NLMSG_HDR + IFINFOMSG;
      const mend = p + mlen;
      while (a + RTA_HDR <= mend) {
        const alen = dv.getUint16(a, true);
        const atype = dv.getUint16(a + 2, true) & 0x3fff;
        if (alen < RTA_HDR || a + alen > mend) break;
        if (atype === c.IFLA_IFNAME) {
          const v = b.subarray(a + RTA_HDR, a + alen);
          const nul = v.indexOf(0);
          name = Buffer.from(nul < 0 ? v : v.subarray(0, nul)).toString('utf8');
          break;
        }
        a += align4(alen);
      }
      if (name !== '') out(type === c.RTM_NEWLINK ? { type: 'new', name, ifindex, flags } : { type: 'del', name, ifindex });
    }
    p += align4(mlen);
  }
}

type Watcher = (e: LinkEvent) => void;

const SLOT = 32768;
const FRAMES = 8;

class LinkEventSource {
  private readonly fd: number;
  private readonly poller: { start(): void; close(): void; unref(): void };
  readonly buf = new Uint8Array(SLOT * FRAMES);
  readonly offs = new Int32Array(FRAMES);
  readonly lens = new Int32Array(FRAMES);

  constructor(private readonly emit: Watcher) {
    const n = native();
    this.fd = n.netlinkLinkOpen(1 << 20);
    this.poller = new n.Poller(this.fd, n.constants.MODE_TAP, false, this.buf, this.offs, this.lens, SLOT, FRAMES, 4,
      (count: number) => {
        for (let i = 0; i < count; i++) parseLinkMessages(this.buf, this.offs[i]!, this.lens[i]!, this.emit);
      },
      // ENOBUFS: the kernel dropped events for us
      () => this.emit({ type: 'resync' }));
    // watching devices never keeps the process alive by itself
    this.poller.unref();
    this.poller.start();
  }

  close(): void {
    this.poller.close();
    native().closeFd(this.fd);
  }
}

const watchers = new Map<string, Set<Watcher>>();
let source: LinkEventSource | null = null;

function dispatch(e: LinkEvent): void {
  if (e.type === 'resync') {
    for (const set of watchers.values()) for (const w of set) w(e);
    return;
  }
  const set = watchers.get(e.name);
  if (set) for (const w of [...set]) w(e);
}

/** Calls `fn` with the link events of device `name` (and resyncs) until the returned function is called. */
export function watchLink(name: string, fn: Watcher): () => void {
  if (source === null) source = new LinkEventSource(dispatch);
  let set = watchers.get(name);
  if (!set) watchers.set(name, (set = new Set()));
  set.add(fn);
  return () => {
    const s = watchers.get(name);
    if (!s || !s.delete(fn)) return;
    if (s.size === 0) watchers.delete(name);
    if (watchers.size === 0 && source !== null) {
      source.close();
      source = null;
    }
  };
}
