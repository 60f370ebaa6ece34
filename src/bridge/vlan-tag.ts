// The 802.1Q egress rule: whether a frame in VLAN vid leaves port p as it came, with its tag
// taken off, with a tag put on, or with its tag's vid rewritten (a priority-tagged frame leaving
// tagged), and the copy that does it. The copy goes into the port's own scratch area (never a
// new buffer per frame); drivers may queue a frame where it lies until their flush, so the area is
// reused only after the port was flushed (Bridge.flushDirty, or the flush below when it is full).
import { bufferCopy } from '../frame/bytes.js';
import type { BridgePort } from './port.js';

/** egressTagAction() results. */
export const TAG_KEEP = 0;
export const TAG_POP = 1;
export const TAG_PUSH = 2;
/** Tagged with another vid (priority tag vid 0 → the VLAN the frame was given). */
export const TAG_REWRITE = 3;

export const TAG_ACTION_NAMES = ['as received', 'untag', 'tag', 'retag'] as const;

/** Frames the scratch area of a port holds between flushes. */
const SCRATCH_FRAMES = 32;

/** Whether the frame buf[off..off+len) carries an 802.1Q tag (TPID 0x8100 at offset 12). */
export function hasTag(buf: Uint8Array, off: number, len: number): boolean {
  return len >= 18 && buf[off + 12] === 0x81 && buf[off + 13] === 0x00;
}

/**
 * What egress port p does to the tag of a frame in VLAN vid (VLAN filtering on). A port without
 * a member list (vlans null: all VLANs) sends frames as they came.
 */
export function egressTagAction(p: BridgePort, vid: number, tagged: boolean, tagVid: number): number {
  const u = p.vlanUntagged;
  if (u === null) return TAG_KEEP;
  if (u[vid] === 1) return tagged ? TAG_POP : TAG_KEEP;
  if (!tagged) return TAG_PUSH;
  return tagVid === vid ? TAG_KEEP : TAG_REWRITE;
}

/** The scratch area of port p, made when it first needs one (once per port, not per frame). */
function scratch(p: BridgePort): Uint8Array {
  if (p.tagBuf === null) p.tagBuf = new Uint8Array(SCRATCH_FRAMES * ((p.maxFrame + 4 + 7) & ~7));
  return p.tagBuf;
}

/**
 * Writes the frame with action applied (TAG_POP, TAG_PUSH or TAG_REWRITE) into p's scratch area
 * and returns its offset there (its length is len - 4, len + 4 or len). Flushes p first when the
 * area is full, so a frame a driver still holds is never overwritten.
 */
export function writeRetagged(p: BridgePort, buf: Uint8Array, off: number, len: number, action: number, vid: number): number {
  const dst = scratch(p);
  let pos = p.tagPos;
  if (pos + len + 4 > dst.length) {
    p.io.flush();
    pos = 0;
  }
  // the 12 MAC bytes by hand: a second native copy per frame costs more than the loop
  if (action !== TAG_REWRITE) for (let i = 0; i < 12; i++) dst[pos + i] = buf[off + i]!;
  if (action === TAG_POP) {
    bufferCopy.call(buf, dst, pos + 12, off + 16, off + len);
    p.tagPos = pos + ((len - 4 + 7) & ~7);
  } else if (action === TAG_PUSH) {
    dst[pos + 12] = 0x81;
    dst[pos + 13] = 0x00;
    dst[pos + 14] = (vid >>> 8) & 0x0f;
    dst[pos + 15] = vid & 0xff;
    bufferCopy.call(buf, dst, pos + 16, off + 12, off + len);
    p.tagPos = pos + ((len + 4 + 7) & ~7);
  } else {
    bufferCopy.call(buf, dst, pos, off, off + len);
    // keep the priority and DEI bits, replace the vid
    dst[pos + 14] = (dst[pos + 14]! & 0xf0) | ((vid >>> 8) & 0x0f);
    dst[pos + 15] = vid & 0xff;
    p.tagPos = pos + ((len + 7) & ~7);
  }
  return pos;
}

/** Length of a frame of length len after action. */
export function retaggedLength(len: number, action: number): number {
  return action === TAG_POP ? len - 4 : action === TAG_PUSH ? len + 4 : len;
}
