// The Internet checksum (RFC 1071), the one implementation the addon has: summing, folding,
// and completing a checksum a sender left to "hardware" (virtio NEEDS_CSUM).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace softbr {

// Adds the big-endian 16-bit words of p[0 .. n) to sum (an odd last byte is the high half).
inline uint64_t CsumAdd(const uint8_t* p, size_t n, uint64_t sum) {
  size_t i = 0;
  for (; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (i < n) sum += static_cast<uint32_t>(p[i] << 8);
  return sum;
}

// Folds the carries of a running sum into 16 bits (not yet complemented).
inline uint16_t CsumFold(uint64_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// Finishes the checksum at f[start + off]: ones' complement sum from start to the end, the
// field already holding the pseudo-header sum. false when the field lies outside the frame.
bool CompleteChecksum(uint8_t* f, size_t len, size_t start, size_t off);

}  // namespace softbr
