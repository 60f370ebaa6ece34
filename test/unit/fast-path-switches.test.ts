// The one switch for io_uring on TAP ports (fd-io.ts ioUringDefault): on unless SOFTBR_IO_URING
// says off, in any of the spellings people use.
import { describe, expect, it } from 'vitest';
import { ioUringDefault } from '../../src/native/fd-io.js';

describe('ioUringDefault', () => {
  it('is on when SOFTBR_IO_URING is unset or says anything but off', () => {
    expect(ioUringDefault({})).toBe(true);
    expect(ioUringDefault({ SOFTBR_IO_URING: 'on' })).toBe(true);
    expect(ioUringDefault({ SOFTBR_IO_URING: '1' })).toBe(true);
  });
  it('is off for off, 0, no, false in any case', () => {
    for (const v of ['off', 'OFF', '0', 'no', 'False']) expect(ioUringDefault({ SOFTBR_IO_URING: v })).toBe(false);
  });
});
