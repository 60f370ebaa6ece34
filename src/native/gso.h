// Software segmentation (GSO) of TCPv4/TCPv6 (TSO) and UDP (USO) super-frames: what a NIC would
// have done for a peer that left segmentation to "hardware"; and the shape of a super-frame
// (where its headers end, its segment size), which decides whether a port can take it whole.
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

// What segmenting a contiguous super-frame needs to know about it.
struct GsoShape {
  size_t l3;    // offset of the IP header
  size_t ihl;   // IPv4 header length
  size_t l4;    // offset of the TCP/UDP header
  size_t hdrs;  // bytes of headers every segment repeats
  size_t mss;   // payload bytes per segment
  size_t nseg;  // segments it makes
  bool v6, tcp;
};

// Parses super-frame t[0 .. len) (VLAN tags inline; shift: bytes of tag put back in front of
// csum_start). false for anything but TCP/UDP segmentation or malformed headers.
bool ParseGso(const uint8_t* t, size_t len, const VnetHdr& h, size_t shift, GsoShape* s);

// Cuts the super-frame into segments of at most maxSeg bytes, each emitted through out.
// f/inSlot: the frame's first part (in its receive slot); over: the rest (nullptr when the
// frame is contiguous: len <= inSlot); len: total length. scratch (scratchLen bytes) holds the
// frame made contiguous when it is not. Returns false (frame dropped) for anything but TCP/UDP
// segmentation, malformed input, or when out has no room.
bool SegmentGso(const uint8_t* f, size_t inSlot, const uint8_t* over, size_t len, const VnetHdr& h,
                const VlanTag& tag, uint8_t* scratch, size_t scratchLen, size_t maxSeg, SegmentOut& out);

}  // namespace softbr
