// Segmentation of GSO super-frames (see gso.h). Header fields follow the kernel's own software
// GSO: IPv4 id incremented per segment, FIN/PSH only on the last segment, CWR only on the first.
#include "gso.h"

#include <endian.h>
#include <string.h>

#include "checksum.h"

namespace softbr {

bool ParseGso(const uint8_t* t, size_t len, const VnetHdr& h, size_t shift, GsoShape* s) {
  const uint8_t type = h.gso_type & ~VNET_GSO_ECN;
  const size_t mss = le16toh(h.gso_size);
  if (len < 14) return false;
  size_t l3 = 12;
  uint16_t et = Get16(t + 12);
  while ((et == 0x8100 || et == 0x88a8) && l3 + 6 <= len) {
    l3 += 4;
    et = Get16(t + l3);
  }
  l3 += 2;
  bool v6;
  size_t ihl = 0;
  if (et == 0x0800) {
    v6 = false;
    if (l3 + 20 > len) return false;
    ihl = static_cast<size_t>(t[l3] & 0x0f) * 4;
    if (ihl < 20) return false;
  } else if (et == 0x86dd) {
    v6 = true;
    if (l3 + 40 > len) return false;
  } else {
    return false;
  }
  // With NEEDS_CSUM the header says where L4 starts (past any IPv6 extension headers).
  size_t l4 = (h.flags & VNET_F_NEEDS_CSUM) ? le16toh(h.csum_start) + shift : l3 + (v6 ? 40 : ihl);
  // csum_start comes from the peer: L4 may not begin inside the IP header, whose fields every
  // segment rewrites (test/fuzz/gso_fuzz.cc found segments written past their end otherwise)
  if (l4 < l3 + (v6 ? 40 : ihl)) return false;
  bool tcp;
  size_t l4hdr;
  if (type == VNET_GSO_TCPV4 || type == VNET_GSO_TCPV6) {
    if (l4 + 20 > len) return false;
    tcp = true;
    l4hdr = static_cast<size_t>(t[l4 + 12] >> 4) * 4;
    if (l4hdr < 20) return false;
  } else if (type == VNET_GSO_UDP_L4) {
    if (l4 + 8 > len) return false;
    tcp = false;
    l4hdr = 8;
  } else {
    return false;  // UFO (IP fragmentation) and unknown kinds
  }
  const size_t hdrs = l4 + l4hdr;
  if (mss == 0 || hdrs > len) return false;
  const size_t payload = len - hdrs;
  *s = GsoShape{l3, ihl, l4, hdrs, mss, payload == 0 ? 1 : (payload + mss - 1) / mss, v6, tcp};
  return true;
}

bool SegmentGso(const uint8_t* f, size_t inSlot, const uint8_t* over, size_t len, const VnetHdr& h,
                const VlanTag& tag, uint8_t* scratch, size_t scratchLen, size_t maxSeg, SegmentOut& out) {
  // A frame split between its slot and an overflow area, or missing its VLAN tag, is made whole
  // in the scratch buffer first; a contiguous one is cut where it lies.
  const uint8_t* t = f;
  size_t shift = 0;
  if (tag.present || len > inSlot) {
    size_t total = len + (tag.present ? 4 : 0);
    if (total > scratchLen || (len > inSlot && !over)) return false;
    size_t first = len < inSlot ? len : inSlot;
    if (tag.present) {
      if (first < 12) return false;
      memcpy(scratch, f, 12);
      Put16(scratch + 12, tag.tpid);
      Put16(scratch + 14, tag.tci);
      memcpy(scratch + 16, f + 12, first - 12);
      shift = 4;
    } else {
      memcpy(scratch, f, first);
    }
    if (len > first) memcpy(scratch + first + shift, over, len - first);
    len = total;
    t = scratch;
  }
  GsoShape s;
  if (!ParseGso(t, len, h, shift, &s)) return false;
  if (s.hdrs + s.mss > maxSeg) return false;
  const size_t l3 = s.l3, l4 = s.l4, hdrs = s.hdrs, mss = s.mss, nseg = s.nseg, ihl = s.ihl;
  const bool v6 = s.v6, tcp = s.tcp;
  const size_t payload = len - hdrs;
  const uint32_t seq0 = tcp ? Get32(t + l4 + 4) : 0;
  const uint16_t id0 = v6 ? 0 : Get16(t + l3 + 4);
  const uint8_t flags0 = tcp ? t[l4 + 13] : 0;
  const uint8_t proto = tcp ? 6 : 17;
  for (size_t k = 0; k < nseg; k++) {
    const size_t plen = payload - k * mss < mss ? payload - k * mss : mss;
    const size_t seglen = hdrs + plen;
    uint8_t* o = out.Emit(seglen);
    if (!o) return false;
    memcpy(o, t, hdrs);
    memcpy(o + hdrs, t + hdrs + k * mss, plen);
    if (!v6) {
      Put16(o + l3 + 2, static_cast<uint16_t>(seglen - l3));
      Put16(o + l3 + 4, static_cast<uint16_t>(id0 + k));
      Put16(o + l3 + 10, 0);
      Put16(o + l3 + 10, static_cast<uint16_t>(~CsumFold(CsumAdd(o + l3, ihl, 0))));
    } else {
      Put16(o + l3 + 4, static_cast<uint16_t>(seglen - l3 - 40));
    }
    const size_t l4len = seglen - l4;
    size_t csumAt;
    if (tcp) {
      Put32(o + l4 + 4, seq0 + static_cast<uint32_t>(k * mss));
      uint8_t fl = flags0;
      if (k + 1 < nseg) fl &= static_cast<uint8_t>(~0x09);  // FIN, PSH only on the last
      if (k > 0) fl &= static_cast<uint8_t>(~0x80);         // CWR only on the first
      o[l4 + 13] = fl;
      csumAt = l4 + 16;
    } else {
      Put16(o + l4 + 4, static_cast<uint16_t>(l4len));
      csumAt = l4 + 6;
    }
    Put16(o + csumAt, 0);
    uint64_t sum = 0;
    if (!v6) {
      sum = CsumAdd(o + l3 + 12, 8, 0);
    } else {
      sum = CsumAdd(o + l3 + 8, 32, 0);
      sum += static_cast<uint32_t>(l4len >> 16);
    }
    sum += proto;
    sum += static_cast<uint32_t>(l4len & 0xffff);
    sum = CsumAdd(o + l4, l4len, sum);
    uint16_t c = static_cast<uint16_t>(~CsumFold(sum));
    if (!tcp && c == 0) c = 0xffff;
    Put16(o + csumAt, c);
  }
  return true;
}

}  // namespace softbr
