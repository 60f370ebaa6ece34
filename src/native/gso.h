// Software segmentation (GSO) of TCPv4/TCPv6 (TSO) and UDP (USO) super-frames: what a NIC would
// have done for a peer that left segmentation to "hardware".
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common.h"

namespace softbr {

// Where segmentation puts the frames it cuts.
class SegmentOut {
 public:
  // Room for one frame of len bytes, or nullptr when there is none (or the receiver closed).
  virtual uint8_t* Emit(size_t len) = 0;

 protected:
  ~SegmentOut() = default;
};

// An 802.1Q/802.1ad tag AF_PACKET moved into metadata, to be put back in front of the payload.
struct VlanTag {
  bool present;
  uint16_t tpid;
  uint16_t tci;
};

// Cuts the super-frame into segments of at most maxSeg bytes, each emitted through out.
// f/inSlot: the frame's first part (in its receive slot); over: the rest; len: total length.
// scratch (scratchLen bytes) holds the frame made contiguous. Returns false (frame dropped) for
// anything but TCP/UDP segmentation, malformed input, or when out has no room.
bool SegmentGso(const uint8_t* f, size_t inSlot, const uint8_t* over, size_t len, const VnetHdr& h,
                const VlanTag& tag, uint8_t* scratch, size_t scratchLen, size_t maxSeg, SegmentOut& out);

}  // namespace softbr
