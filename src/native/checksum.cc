// Completing partial checksums (virtio NEEDS_CSUM) with the helpers of checksum.h.
#include "checksum.h"

#include "common.h"

namespace softbr {

bool CompleteChecksum(uint8_t* f, size_t len, size_t start, size_t off) {
  if (start + off + 2 > len) return false;
  uint16_t c = static_cast<uint16_t>(~CsumFold(CsumAdd(f + start, len - start, 0)));
  if (c == 0) c = 0xffff;  // as the kernel does (CSUM_MANGLED_0); 0 means "none" for UDP
  Put16(f + start + off, c);
  return true;
}

}  // namespace softbr
