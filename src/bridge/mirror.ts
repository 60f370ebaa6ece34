// Port mirroring (SPAN): a session copies the frames that cross its source ports (received, sent
// or both) to one analyser port. Each source gets the session's hook on its capture branch, so a
// bridge without sessions pays nothing and one with sessions pays the hook call on mirrored ports
// only. A copy goes into the analyser's own batched send, bounded per flush (MIRROR_BUDGET): when
// the analyser is down, full or over budget the copy is dropped and counted (mirror_drop), and the
// mirrored ports never wait for it. The analyser is a SPAN destination as on most switches: it
// takes no part in forwarding (what it receives is dropped, it learns nothing, floods skip it).
import type { BridgePort, PortCapture } from './port.js';
import { DIRECTIONS, type Direction } from './port-capture.js';
import { isName, NAME_RULE } from './names.js';
import { UserError } from '../user-error.js';

/** Copies one analyser port takes between two flushes: one batch mirrored both ways, then it drops. */
export const MIRROR_BUDGET = 128;

/** What a session needs of the bridge: a bounded copy into the analyser's send queue. */
export interface MirrorHost {
  mirrorCopy(to: BridgePort, buf: Uint8Array, off: number, len: number): boolean;
}

/** One mirror session as `mirror show` lists it. */
export interface MirrorInfo {
  name: string;
  from: string[];
  direction: Direction;
  to: string;
  copies: number;
  dropped: number;
}

export class MirrorSession implements PortCapture {
  /** Copies handed to the analyser, and copies it could not take. */
  copies = 0;
  dropped = 0;
  /** Bit 0: received frames (capture dir 0), bit 1: sent frames (dir 1). */
  private readonly dirMask: number;

  constructor(readonly name: string, readonly from: readonly BridgePort[], readonly direction: Direction, readonly to: BridgePort, private readonly host: MirrorHost) {
    this.dirMask = direction === 'in' ? 1 : direction === 'out' ? 2 : 3;
  }

  frame(dir: 0 | 1, buf: Uint8Array, off: number, len: number): void {
    if (((this.dirMask >> dir) & 1) === 0) return;
    if (this.host.mirrorCopy(this.to, buf, off, len)) this.copies++;
    else this.dropped++;
  }

  info(): MirrorInfo {
    return { name: this.name, from: this.from.map((p) => p.name), direction: this.direction, to: this.to.name, copies: this.copies, dropped: this.dropped };
  }
}

/** The direction word of a session; anything else is refused with the words allowed. */
export function mirrorDirection(v: unknown): Direction {
  if (v === undefined) return 'both';
  if (typeof v === 'string' && (DIRECTIONS as readonly string[]).includes(v)) return v as Direction;
  throw new UserError(`invalid mirror direction '${String(v)}': expected ${DIRECTIONS.join(', ')}`);
}

/**
 * Checks a new session against the ones a bridge has (throws a UserError naming what is wrong):
 * a valid unused name, sources that are neither the analyser nor another session's analyser, an
 * analyser that is no session's source and not the bridge's host port.
 */
export function checkMirror(existing: ReadonlyMap<string, MirrorSession>, name: string, from: readonly BridgePort[], to: BridgePort): void {
  if (!isName(name)) throw new UserError(`invalid mirror name '${name}': ${NAME_RULE}`);
  if (existing.has(name)) throw new UserError(`mirror ${name} already exists (mirror del it first)`);
  if (from.length === 0) throw new UserError(`mirror ${name}: give at least one source port (--from PORT[,PORT])`);
  if (to.isHost) throw new UserError(`mirror ${name}: the analyser cannot be the bridge's host port ${to.name}; use a port`);
  const seen = new Set<BridgePort>();
  for (const p of from) {
    if (p === to) throw new UserError(`mirror ${name}: port ${p.name} cannot be both a source and the analyser`);
    if (seen.has(p)) throw new UserError(`mirror ${name}: source port ${p.name} is listed twice`);
    seen.add(p);
  }
  for (const s of existing.values()) {
    for (const p of from) {
      if (p === s.to) throw new UserError(`mirror ${name}: port ${p.name} is the analyser of mirror ${s.name}; an analyser cannot be mirrored`);
    }
    if (s.from.includes(to)) throw new UserError(`mirror ${name}: port ${to.name} is a source of mirror ${s.name}; it cannot be an analyser`);
  }
}
