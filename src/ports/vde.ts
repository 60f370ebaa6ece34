// VDE: softbr as a drop-in for `vde_switch -s DIR`. VdeSwitch listens on DIR/ctl (a unix stream
// socket) for VDE clients; each client that asks for a port (vde-protocol.ts) gets a datagram
// socket of its own, bound at DIR/NNN.K and connected to the client's, and becomes a port of its
// own (VdePort), handed to the owner (the daemon adds it to the bridge). EOF on the client's
// control stream ends its port. Frames go one per datagram, through the native Poller/Writer in
// their read()/write() mode, as for a TAP.
import net from 'node:net';
import { chmodSync, chownSync, mkdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import type { PortIO } from '../bridge/port-io.js';
import { randomLocalMac } from '../frame/mac.js';
import { FdIO, native } from '../native/index.js';
import { FdPort } from './fd-port.js';
import { claimUnixPath, errnoError, holdUnixPath, releaseUnixPath } from './unix-path.js';
import { parseVdeRequest, sockaddrUn, VDE_REQUEST_MAX, VDE_REQUEST_MIN } from './vde-protocol.js';

/** Port numbers a VDE switch hands out (vde_switch's default is 32 ports; softbr grows to this). */
export const VDE_MAX_PORTS = 999;
/** How long a client has to send its request once connected. */
const REQUEST_TIMEOUT_MS = 3000;
// a sun_path holds 107 bytes; data sockets are DIR/NNN.K
const SUN_PATH_MAX = 107;

export interface VdeSwitchOptions {
  /** Ports are named `${name}-${port number}`. */
  name: string;
  /** The switch directory (created if missing, and then removed on close). */
  dir: string;
  /** Mode of DIR/ctl and the data sockets, as vde_switch -m. Default 0o600. */
  mode?: number;
  /** Group of DIR, DIR/ctl and the data sockets, as vde_switch -g; undefined: the daemon's. */
  gid?: number;
  /** MTU of every port. Default 1500. */
  mtu?: number;
  log?: (msg: string) => void;
  /** A client's port is ready: add it (true), or refuse it (false: the client is disconnected). */
  onPort(p: VdePort): boolean;
  /** A client's port ended (EOF on its control stream, or the switch closing). */
  onGone(p: VdePort): void;
}

/** One VDE client (see the file header). */
export class VdePort extends FdPort implements PortIO {
  readonly kind = 'vde';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps = 10000;
  /** The VDE port number. */
  readonly portNo: number;
  /** The client's own description of itself. */
  readonly description: string;
  /** Our data socket. */
  readonly path: string;
  /** The client's control stream: EOF on it ends the port. */
  readonly ctlSocket: net.Socket;
  private readonly onClose: (p: VdePort) => void;

  constructor(fd: number, name: string, portNo: number, description: string, path: string, mtu: number, ctl: net.Socket, onClose: (p: VdePort) => void) {
    super(fd, new FdIO(fd, `vde ${name}`, { mode: 'tap', maxFrameBytes: mtu + 22 }));
    this.name = name;
    this.portNo = portNo;
    this.description = description;
    this.path = path;
    this.mtu = mtu;
    this.mac = randomLocalMac();
    this.ctlSocket = ctl;
    this.onClose = onClose;
  }

  /** Closes the data socket, removes its file and ends the client's control stream. Idempotent. */
  close(): void {
    if (this.io.isClosed) return;
    this.io.close();
    try { unlinkSync(this.path); } catch { /* already gone */ }
    this.ctlSocket.destroy();
    this.onClose(this);
  }
}

/** The switch end of DIR (see the file header). */
export class VdeSwitch {
  readonly name: string;
  readonly dir: string;
  readonly ctlPath: string;
  /** Connections refused: malformed or truncated requests, a port number in use, no free port. */
  refused = 0;
  private readonly server: net.Server;
  private readonly opts: VdeSwitchOptions;
  private readonly log: (m: string) => void;
  private readonly createdDir: boolean;
  private readonly ports = new Map<number, VdePort>();
  private readonly pending = new Set<net.Socket>();
  private seq = 0;
  private closed = false;

  private constructor(server: net.Server, createdDir: boolean, opts: VdeSwitchOptions) {
    this.server = server;
    this.opts = opts;
    this.name = opts.name;
    this.dir = opts.dir;
    this.ctlPath = `${opts.dir}/ctl`;
    this.createdDir = createdDir;
    this.log = opts.log ?? (() => {});
    server.on('connection', (s) => this.accept(s));
    server.on('error', (e) => this.log(`${this.name}: control socket error: ${e.message}`));
  }

  /** Creates DIR if needed and listens on DIR/ctl; errors carry .code (EADDRINUSE, ENOTDIR…). */
  static async open(opts: VdeSwitchOptions): Promise<VdeSwitch> {
    const dir = opts.dir;
    const mode = opts.mode ?? 0o600;
    if (Buffer.byteLength(dir) + 9 > SUN_PATH_MAX) throw errnoError(`${dir} is too long for VDE socket paths (at most ${SUN_PATH_MAX - 9} bytes)`, 'ENAMETOOLONG');
    let createdDir = false;
    let st: ReturnType<typeof statSync> | undefined;
    try { st = statSync(dir); } catch { st = undefined; }
    if (st === undefined) {
      // whoever may use the sockets may enter the directory
      const dirMode = 0o700 | (mode & 0o060 ? 0o050 : 0) | (mode & 0o006 ? 0o005 : 0);
      mkdirSync(dir, { mode: dirMode });
      chmodSync(dir, dirMode);
      createdDir = true;
    } else if (!st.isDirectory()) {
      throw errnoError(`${dir} exists and is not a directory`, 'ENOTDIR');
    }
    const server = net.createServer({ noDelay: true });
    const ctl = `${dir}/ctl`;
    try {
      if (createdDir && opts.gid !== undefined) chownSync(dir, -1, opts.gid);
      await claimUnixPath(ctl);
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen({ path: ctl, exclusive: true }, () => {
          server.off('error', rej);
          res();
        });
      });
      chmodSync(ctl, mode);
      if (opts.gid !== undefined) chownSync(ctl, -1, opts.gid);
    } catch (e) {
      server.close();
      if (server.listening) try { unlinkSync(ctl); } catch { /* gone */ }
      if (createdDir) try { rmdirSync(dir); } catch { /* not empty */ }
      throw e;
    }
    holdUnixPath(ctl, opts.name);
    return new VdeSwitch(server, createdDir, opts);
  }

  /** The ports of the clients connected now. */
  clients(): VdePort[] {
    return [...this.ports.values()];
  }

  /** Ends every client's port, stops listening and removes DIR/ctl (and DIR if we made it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.pending) s.destroy();
    this.pending.clear();
    for (const p of [...this.ports.values()]) this.end(p);
    this.server.close();
    releaseUnixPath(this.ctlPath, this.name);
    try { unlinkSync(this.ctlPath); } catch { /* gone */ }
    if (this.createdDir) try { rmdirSync(this.dir); } catch { /* someone left files in it */ }
  }

  private end(p: VdePort): void {
    if (this.ports.get(p.portNo) !== p) return;
    this.ports.delete(p.portNo);
    this.log(`${this.name}: VDE port ${p.portNo} (${p.name}) ended`);
    this.opts.onGone(p);
    p.close();
  }

  private refuse(s: net.Socket, why: string): void {
    this.refused++;
    this.pending.delete(s);
    this.log(`${this.name}: refused a VDE client: ${why}`);
    s.destroy();
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    this.pending.add(s);
    let got = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => {
      if (!done) {
        done = true;
        this.refuse(s, `no complete request within ${REQUEST_TIMEOUT_MS} ms (${got.length} bytes)`);
      }
    }, REQUEST_TIMEOUT_MS);
    timer.unref();
    s.on('error', () => { /* a reset; 'close' follows */ });
    s.on('data', (chunk: Buffer) => {
      if (done) return; // vde_switch ignores what a client sends after its request, so do we
      got = Buffer.concat([got, chunk]).subarray(0, VDE_REQUEST_MAX);
      const r = parseVdeRequest(got);
      if (!r.ok && (got.length < 4 || (got.length < VDE_REQUEST_MIN && r.error.startsWith('truncated')))) return;
      done = true;
      clearTimeout(timer);
      if (!r.ok) this.refuse(s, r.error);
      else this.admit(s, r.req.port, r.req.peerPath, r.req.description);
    });
    s.once('close', () => {
      clearTimeout(timer);
      if (!done) {
        done = true;
        this.refuse(s, got.length === 0 ? 'closed without a request' : `truncated request (${got.length} bytes), then EOF`);
      }
      this.pending.delete(s);
      for (const p of this.ports.values()) if (p.ctlSocket === s) { this.end(p); break; }
    });
  }

  private admit(s: net.Socket, want: number, peerPath: string, description: string): void {
    let no = want;
    if (no > VDE_MAX_PORTS) return this.refuse(s, `port ${no} requested; ports are 1..${VDE_MAX_PORTS}`);
    if (no !== 0 && this.ports.has(no)) return this.refuse(s, `port ${no} requested, and it is in use`);
    if (no === 0) {
      for (no = 1; no <= VDE_MAX_PORTS && this.ports.has(no); no++);
      if (no > VDE_MAX_PORTS) return this.refuse(s, `all ${VDE_MAX_PORTS} ports are in use`);
    }
    const path = `${this.dir}/${String(no).padStart(3, '0')}.${++this.seq}`;
    let fd: number;
    try {
      fd = native().unixDgramOpen(path, peerPath, this.opts.mode ?? 0o600, this.opts.gid ?? -1, 0);
    } catch (e) {
      return this.refuse(s, `cannot open its data socket: ${(e as Error).message}`);
    }
    const name = `${this.name}-${no}`;
    const p = new VdePort(fd, name, no, description, path, this.opts.mtu ?? 1500, s, (q) => {
      // the bridge closed the port (delif): the client is disconnected with it
      if (this.ports.get(q.portNo) === q) this.ports.delete(q.portNo);
    });
    this.ports.set(no, p);
    this.pending.delete(s);
    let added = false;
    try {
      added = this.opts.onPort(p);
    } catch (e) {
      this.log(`${this.name}: ${(e as Error).message}`);
    }
    if (!added) {
      this.ports.delete(no);
      this.refused++;
      p.close();
      return;
    }
    s.write(sockaddrUn(path));
    this.log(`${this.name}: VDE port ${no} is ${name}${description ? ` (${description})` : ''}`);
  }
}
