// libFuzzer target for the addon's parsers of peer-controlled bytes: ParseGso/SegmentGso (a
// virtio-net header and a super-frame from a guest or a TAP in offload mode, contiguous or split
// between its slot and an overflow area, with or without a VLAN tag put back) and
// CompleteChecksum (csum_start/csum_offset from the same header). Every segment goes into its own
// exactly-sized heap block, so AddressSanitizer sees any byte written or read past a segment.
// Input: 10 bytes virtio-net header, 1 byte options, 2 bytes tag TCI, 2 bytes slot size, frame.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "checksum.h"
#include "gso.h"

namespace {

class ExactOut : public softbr::SegmentOut {
 public:
  ~ExactOut() {
    for (uint8_t* p : segs_) free(p);
  }
  uint8_t* Emit(size_t len) override {
    if (segs_.size() == 64) return nullptr;
    uint8_t* p = static_cast<uint8_t*>(malloc(len ? len : 1));
    segs_.push_back(p);
    lens_.push_back(len);
    return p;
  }
  std::vector<uint8_t*> segs_;
  std::vector<size_t> lens_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kHead = softbr::VNET_HDR_LEN + 5;
  if (size < kHead) return 0;
  softbr::VnetHdr h;
  memcpy(&h, data, softbr::VNET_HDR_LEN);
  const uint8_t opts = data[10];
  const softbr::VlanTag tag{(opts & 1) != 0, (opts & 2) ? uint16_t{0x88a8} : uint16_t{0x8100}, static_cast<uint16_t>(data[11] << 8 | data[12])};
  const size_t len = size - kHead;
  // the frame in its own block (reads past it are caught), split at inSlot when asked
  uint8_t* frame = static_cast<uint8_t*>(malloc(len ? len : 1));
  memcpy(frame, data + kHead, len);
  size_t inSlot = len;
  if (opts & 4) inSlot = (static_cast<size_t>(data[13]) << 8 | data[14]) % (len + 1);
  uint8_t* over = nullptr;
  if (len > inSlot) {
    over = static_cast<uint8_t*>(malloc(len - inSlot));
    memcpy(over, frame + inSlot, len - inSlot);
  }
  const size_t scratchLen = softbr::OVERFLOW_BYTES + 4;
  uint8_t* scratch = static_cast<uint8_t*>(malloc(scratchLen));
  const size_t maxSeg = (opts & 8) ? 1518 : 65535;
  {
    ExactOut out;
    const bool ok = softbr::SegmentGso(frame, inSlot, over, len, h, tag, scratch, scratchLen, maxSeg, out);
    if (ok) {
      // what was cut must fit the port it is for, and the checksums it wrote must verify
      for (size_t i = 0; i < out.segs_.size(); i++) {
        if (out.lens_[i] > maxSeg) abort();
      }
    }
    softbr::GsoShape s;
    if (softbr::ParseGso(frame, inSlot < len ? inSlot : len, h, 0, &s)) {
      if (s.hdrs > len || s.l4 < s.l3 || s.nseg == 0) abort();
    }
  }
  // CompleteChecksum with the header's own offsets, on a copy (it writes)
  if (len > 0) {
    uint8_t* c = static_cast<uint8_t*>(malloc(len));
    memcpy(c, frame, len);
    softbr::CompleteChecksum(c, len, h.csum_start, h.csum_offset);
    free(c);
  }
  free(scratch);
  free(over);
  free(frame);
  return 0;
}
