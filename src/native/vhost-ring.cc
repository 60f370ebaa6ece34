// Guest memory and split virtqueues for vhost-user (see vhost-ring.h): mapping regions,
// translating ring addresses, reading transmit chains into a flat buffer and writing frames into
// receive chains (mergeable buffers included). Nothing here trusts the guest: indices are checked
// against the ring size, chains are bounded by it (a loop is a fault), and every buffer must lie
// wholly inside one mapped region.
#include "vhost-ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace softbr {

int MemTable::Add(uint64_t gpa, uint64_t size, uint64_t uva, uint64_t mmapOffset, int fd) {
  if (n_ >= VHOST_MAX_REGIONS) return E2BIG;
  if (size == 0 || gpa + size < gpa || uva + size < uva || mmapOffset + size < mmapOffset) return EINVAL;
  // A region past the end of its file would fault (SIGBUS) on first touch: refuse it now.
  struct stat st;
  if (fstat(fd, &st) < 0) return errno;
  if (static_cast<uint64_t>(st.st_size) < mmapOffset + size) return EINVAL;
  size_t len = static_cast<size_t>(mmapOffset + size);
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (p == MAP_FAILED) return errno;
  MemRegion& r = r_[n_++];
  r.gpa = gpa;
  r.size = size;
  r.uva = uva;
  r.mapBase = p;
  r.mapLen = len;
  r.host = static_cast<uint8_t*>(p) + mmapOffset;
  return 0;
}

void MemTable::Clear() {
  for (uint32_t i = 0; i < n_; i++) munmap(r_[i].mapBase, r_[i].mapLen);
  n_ = 0;
}

bool Vring::Translate(const MemTable& m, std::string* why) {
  desc = nullptr;
  avail = nullptr;
  used = nullptr;
  if (!haveAddr) return true;
  if (num == 0) {
    *why = "ring addresses before its size";
    return false;
  }
  // sizes by the split-ring layout, with the event-index words at the ends
  uint8_t* d = m.Uva(descUva, 16ull * num);
  uint8_t* a = m.Uva(availUva, 6ull + 2ull * num);
  uint8_t* u = m.Uva(usedUva, 6ull + 8ull * num);
  if (d == nullptr || a == nullptr || u == nullptr) {
    *why = d == nullptr ? "descriptor table outside guest memory"
           : a == nullptr ? "available ring outside guest memory" : "used ring outside guest memory";
    return false;
  }
  if ((descUva & 15) != 0 || (availUva & 1) != 0 || (usedUva & 3) != 0) {
    *why = "misaligned ring address";
    return false;
  }
  desc = reinterpret_cast<VringDesc*>(d);
  avail = reinterpret_cast<volatile uint16_t*>(a);
  used = reinterpret_cast<volatile uint16_t*>(u);
  return true;
}

bool Vring::Publish() {
  if (pendingUsed == 0) return false;
  const uint16_t old = lastUsed;
  lastUsed = static_cast<uint16_t>(lastUsed + pendingUsed);
  pendingUsed = 0;
  __atomic_store_n(&used[1], lastUsed, __ATOMIC_RELEASE);
  // the front-end's flags must be read after our index is visible, or a wakeup could be missed
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (callFd < 0) return false;
  if (eventIdx) {
    // signal only if used_event lies in (old, new]: the front-end asked to hear of that entry
    uint16_t ev = avail[2 + num];
    if (static_cast<uint16_t>(lastUsed - ev - 1) >= static_cast<uint16_t>(lastUsed - old)) return false;
  } else if ((avail[0] & VRING_AVAIL_F_NO_INTERRUPT) != 0) {
    return false;
  }
  uint64_t one = 1;
  ssize_t r = write(callFd, &one, sizeof one);
  (void)r;  // EAGAIN: the counter is already non-zero, the front-end will be woken anyway
  return true;
}

void Vring::CloseFds() {
  if (kickFd >= 0) close(kickFd);
  if (callFd >= 0) close(callFd);
  if (errFd >= 0) close(errFd);
  kickFd = callFd = errFd = -1;
}

// Reads one descriptor, checking its index (the copy keeps the guest from changing it under us).
static inline bool LoadDesc(const Vring& q, uint32_t idx, uint32_t* hops, VringDesc* d, const char** why) {
  if (idx >= q.num) {
    *why = "descriptor index past the end of the ring";
    return false;
  }
  if (++*hops > q.num) {
    *why = "descriptor chain loops (longer than the ring)";
    return false;
  }
  const volatile VringDesc* s = &q.desc[idx];
  d->addr = s->addr;
  d->len = s->len;
  d->flags = s->flags;
  d->next = s->next;
  if ((d->flags & VRING_DESC_F_INDIRECT) != 0) {
    *why = "indirect descriptor (not negotiated)";
    return false;
  }
  return true;
}

int64_t ReadChain(const Vring& q, const MemTable& m, uint16_t head, uint32_t hdrLen, uint8_t* dst, uint32_t cap,
                  const char** why, uint8_t* hdrOut) {
  uint32_t skip = hdrLen;
  uint64_t out = 0;
  uint32_t idx = head;
  uint32_t hops = 0;
  for (;;) {
    VringDesc d;
    if (!LoadDesc(q, idx, &hops, &d, why)) return -1;
    if ((d.flags & VRING_DESC_F_WRITE) != 0) {
      *why = "write-only descriptor in a transmit chain";
      return -1;
    }
    const uint8_t* p = m.Gpa(d.addr, d.len);
    if (p == nullptr && d.len != 0) {
      *why = "transmit descriptor outside guest memory";
      return -1;
    }
    uint32_t l = d.len;
    if (skip != 0) {
      uint32_t s = skip < l ? skip : l;
      if (hdrOut != nullptr && s != 0) memcpy(hdrOut + (hdrLen - skip), p, s);
      p += s;
      l -= s;
      skip -= s;
    }
    if (l != 0) {
      if (out + l <= cap) memcpy(dst + out, p, l);
      else if (out < cap) memcpy(dst + out, p, cap - out);
      out += l;
    }
    if ((d.flags & VRING_DESC_F_NEXT) == 0) break;
    idx = d.next;
  }
  return skip != 0 ? 0 : static_cast<int64_t>(out);
}

RxResult WriteFrame(Vring& q, const MemTable& m, uint16_t availIdx, bool mergeable, uint32_t hdrLen,
                    const uint8_t* frame, uint32_t len, const char** why, const uint8_t* hdr) {
  const uint32_t total = hdrLen + len;
  // the header as it goes out, num_buffers (bytes 10 and 11) filled in at the end
  uint8_t hb[12] = {};
  if (hdr != nullptr) memcpy(hb, hdr, 10);
  const uint16_t savedAvail = q.lastAvail, savedPending = q.pendingUsed;
  volatile uint8_t* numBuffers[2] = {nullptr, nullptr};
  uint32_t done = 0;
  uint16_t nbufs = 0;
  while (done < total) {
    if (q.lastAvail == availIdx || (!mergeable && nbufs == 1)) {
      // no room (or, without mergeable buffers, a buffer too small): give everything back
      RxResult r = q.lastAvail == availIdx ? RxResult::kNoRoom : RxResult::kTooBig;
      q.lastAvail = savedAvail;
      q.pendingUsed = savedPending;
      return r;
    }
    uint16_t head = q.AvailHead(q.lastAvail);
    q.lastAvail++;
    uint32_t idx = head;
    uint32_t hops = 0;
    uint32_t chainLen = 0;
    for (;;) {
      VringDesc d;
      if (!LoadDesc(q, idx, &hops, &d, why)) return RxResult::kFault;
      if ((d.flags & VRING_DESC_F_WRITE) == 0) {
        *why = "read-only descriptor in a receive chain";
        return RxResult::kFault;
      }
      uint8_t* p = m.Gpa(d.addr, d.len);
      if (p == nullptr && d.len != 0) {
        *why = "receive descriptor outside guest memory";
        return RxResult::kFault;
      }
      uint32_t o = 0;
      // num_buffers is known only at the end
      if (done < hdrLen && d.len != 0) {
        uint32_t h = d.len < hdrLen - done ? d.len : hdrLen - done;
        memcpy(p, hb + done, h);
        // where header bytes 10 and 11 (num_buffers, little-endian) land, maybe in two buffers
        if (hdrLen == 12) {
          if (done <= 10 && 10 < done + h) numBuffers[0] = p + (10 - done);
          if (done <= 11 && 11 < done + h) numBuffers[1] = p + (11 - done);
        }
        o = h;
        done += h;
      }
      if (o < d.len && done < total) {
        uint32_t c = d.len - o < total - done ? d.len - o : total - done;
        memcpy(p + o, frame + (done - hdrLen), c);
        o += c;
        done += c;
      }
      chainLen += o;
      if ((d.flags & VRING_DESC_F_NEXT) == 0 || done >= total) break;
      idx = d.next;
    }
    q.PutUsed(head, chainLen);
    nbufs++;
  }
  if (numBuffers[0] != nullptr) *numBuffers[0] = static_cast<uint8_t>(nbufs & 0xff);
  if (numBuffers[1] != nullptr) *numBuffers[1] = static_cast<uint8_t>(nbufs >> 8);
  return RxResult::kDelivered;
}

}  // namespace softbr
