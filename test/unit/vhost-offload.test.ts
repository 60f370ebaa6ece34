// Which super-frames a vhost-user guest takes whole, by what it negotiated (the addon's
// GuestTakesGso, which writeSuper applies): the choice sendSuper makes between writing one whole
// and cutting it into checksummed segments.
import { describe, it, expect } from 'vitest';
import { native } from '../../src/native/index.js';

const CSUM = 1 << 1;
const TSO4 = 1 << 7;
const TSO6 = 1 << 8;
const ECN = 1 << 9;
/** VIRTIO_F_VERSION_1 (bit 32) and event index (29): bits above 31 must not disturb the test. */
const HIGH = 2 ** 32 + 2 ** 29;

describe('vhostGuestTakesGso', () => {
  it.each([
    ['TCPv4 to a guest with GUEST_CSUM and GUEST_TSO4', HIGH + CSUM + TSO4, 1, true],
    ['TCPv6 to a guest with only GUEST_TSO4', HIGH + CSUM + TSO4, 4, false],
    ['TCPv6 to a guest with GUEST_TSO6', CSUM + TSO6, 4, true],
    ['TCPv4 with ECN to a guest without GUEST_ECN', CSUM + TSO4, 0x81, false],
    ['TCPv4 with ECN to a guest with GUEST_ECN', CSUM + TSO4 + ECN, 0x81, true],
    ['TCPv4 to a guest with TSO4 but no GUEST_CSUM', TSO4, 1, false],
    ['UFO (never offered)', CSUM + TSO4 + TSO6 + ECN, 3, false],
    ['UDP_L4 (USO, not offered)', CSUM + TSO4 + TSO6 + ECN, 5, false],
    ['no GSO at all', HIGH, 1, false],
  ])('%s', (_what, features, type, want) => {
    expect(native().vhostGuestTakesGso(features, type)).toBe(want);
  });
});
