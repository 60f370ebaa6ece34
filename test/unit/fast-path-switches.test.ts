// The environment switches of the native fast paths (fd-io.ts): io_uring on TAP ports
// (SOFTBR_IO_URING) and the AF_PACKET receive ring (SOFTBR_PACKET_RING), each on unless its
// variable says off, io_uring reads on TAP ports (SOFTBR_IO_URING_READ), off unless its variable
// says on, in any of the spellings people use, and none reading another's; and the busy-poll
// window (busy-poll.ts, SOFTBR_BUSY_POLL): microseconds, 0 or off when unset, a bad value refused
// with its reason.
import { describe, expect, it } from 'vitest';
import { ioUringDefault, ioUringReadDefault, packetRingDefault } from '../../src/native/fd-io.js';
import { busyPollSetting } from '../../src/native/busy-poll.js';

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

describe('packetRingDefault', () => {
  it('is on when SOFTBR_PACKET_RING is unset or says anything but off', () => {
    expect(packetRingDefault({})).toBe(true);
    expect(packetRingDefault({ SOFTBR_PACKET_RING: 'on' })).toBe(true);
    expect(packetRingDefault({ SOFTBR_IO_URING: 'off' })).toBe(true);
  });
  it('is off for off, 0, no, false in any case', () => {
    for (const v of ['off', 'Off', '0', 'no', 'FALSE']) expect(packetRingDefault({ SOFTBR_PACKET_RING: v })).toBe(false);
    expect(ioUringDefault({ SOFTBR_PACKET_RING: 'off' })).toBe(true);
  });
});

describe('ioUringReadDefault', () => {
  it('is off when SOFTBR_IO_URING_READ is unset or says off, 0, no, false', () => {
    expect(ioUringReadDefault({})).toBe(false);
    expect(ioUringReadDefault({ SOFTBR_IO_URING: 'on' })).toBe(false);
    for (const v of ['off', 'OFF', '0', 'no', 'False']) expect(ioUringReadDefault({ SOFTBR_IO_URING_READ: v })).toBe(false);
  });
  it('is on when it says on, 1, yes', () => {
    for (const v of ['on', 'ON', '1', 'yes']) expect(ioUringReadDefault({ SOFTBR_IO_URING_READ: v })).toBe(true);
    expect(ioUringDefault({ SOFTBR_IO_URING_READ: 'off' })).toBe(true);
  });
});

describe('busyPollSetting', () => {
  it('is 0 when SOFTBR_BUSY_POLL is unset, empty or off, else its microseconds', () => {
    expect(busyPollSetting({})).toEqual({ us: 0 });
    expect(busyPollSetting({ SOFTBR_BUSY_POLL: '' })).toEqual({ us: 0 });
    expect(busyPollSetting({ SOFTBR_BUSY_POLL: 'off' })).toEqual({ us: 0 });
    expect(busyPollSetting({ SOFTBR_BUSY_POLL: '0' })).toEqual({ us: 0 });
    expect(busyPollSetting({ SOFTBR_BUSY_POLL: '2000' })).toEqual({ us: 2000 });
    expect(busyPollSetting({ SOFTBR_BUSY_POLL: '1000000' })).toEqual({ us: 1_000_000 });
    expect(busyPollSetting({ SOFTBR_IO_URING: '5' })).toEqual({ us: 0 });
  });
  it('refuses anything else, naming the value and what is allowed', () => {
    for (const v of ['2ms', '-1', '1.5', '1000001', 'on', ' 20']) {
      const r = busyPollSetting({ SOFTBR_BUSY_POLL: v });
      expect(r).toEqual({ error: `invalid SOFTBR_BUSY_POLL '${v}': expected microseconds, an integer from 0 to 1000000 (or off)` });
    }
  });
});
