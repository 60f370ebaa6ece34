// The chain of hooks on a port's capture branch (port.capture): pcap captures, live summaries and
// mirror sessions all ride the one null-check the fast path already pays, so none of them costs
// forwarding anything while absent. With several on one port a fan-out stands in front of them.
import type { PortCapture } from './port.js';
import { UserError } from '../user-error.js';

/** Which frames of a port a hook takes: received (in), sent (out), or both. */
export type Direction = 'in' | 'out' | 'both';
export const DIRECTIONS: readonly Direction[] = ['in', 'out', 'both'];

/**
 * Several hooks on one port: the bridge holds one PortCapture per port, so a second capture puts
 * this in front of both. The list is replaced, never mutated, so detaching during a call is safe.
 */
export class CaptureFanout implements PortCapture {
  constructor(public hooks: readonly PortCapture[]) {}
  frame(dir: 0 | 1, buf: Uint8Array, off: number, len: number): void {
    const h = this.hooks;
    for (let i = 0; i < h.length; i++) h[i]!.frame(dir, buf, off, len);
  }
}

/** Most simultaneous captures on one port; each holds its own ring (4 MiB by default). */
export const MAX_CAPTURES_PER_PORT = 8;

interface HasCapture { capture: PortCapture | null; readonly name: string }

/** Adds hook to a port's capture chain (a fan-out when there are several); throws past the limit. */
export function attachCapture(port: HasCapture, hook: PortCapture): void {
  const cur = port.capture;
  if (cur === null) { port.capture = hook; return; }
  const list = cur instanceof CaptureFanout ? cur.hooks : [cur];
  if (list.includes(hook)) return;
  if (list.length >= MAX_CAPTURES_PER_PORT) {
    throw new UserError(`port ${port.name} already has ${list.length} captures running (at most ${MAX_CAPTURES_PER_PORT}); stop one first`);
  }
  port.capture = new CaptureFanout([...list, hook]);
}

/** Removes hook from the port; the chain collapses back to a single hook or null (zero cost). */
export function detachCapture(port: HasCapture, hook: PortCapture): void {
  const cur = port.capture;
  if (cur === hook) { port.capture = null; return; }
  if (!(cur instanceof CaptureFanout)) return;
  const rest = cur.hooks.filter((h) => h !== hook);
  port.capture = rest.length === 0 ? null : rest.length === 1 ? rest[0]! : new CaptureFanout(rest);
}
