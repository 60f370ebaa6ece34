// Copying frame bytes without allocating: Buffer.prototype.copy is a native memcpy that accepts
// any Uint8Array as `this`, unlike set(subarray()), which makes a view object per frame.
export const bufferCopy = Buffer.prototype.copy as (
  this: Uint8Array,
  target: Uint8Array,
  targetStart: number,
  sourceStart: number,
  sourceEnd: number,
) => number;
