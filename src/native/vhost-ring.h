// The vhost-user data plane without Node: the guest memory table (regions mmapped from the fds
// the front-end passed, with guest-physical and front-end-virtual lookups) and split virtqueues
// (descriptor chains in, used entries out), every guest-supplied address, length and index
// checked. A check that fails is a Fault: the caller drops the connection and says why.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>

namespace softbr {

constexpr uint32_t VHOST_MAX_REGIONS = 8;
constexpr uint32_t VQ_MAX_SIZE = 32768;

struct MemRegion {
  uint64_t gpa = 0;   // guest-physical start
  uint64_t size = 0;
  uint64_t uva = 0;   // the front-end's (QEMU's) virtual address of the start
  uint8_t* host = nullptr;  // our mapping of the start
  void* mapBase = nullptr;  // what mmap returned (the region sits mmap_offset into it)
  size_t mapLen = 0;
};

class MemTable {
 public:
  ~MemTable() { Clear(); }
  // Maps one region from fd (which stays the caller's to close). Returns 0 or an errno.
  int Add(uint64_t gpa, uint64_t size, uint64_t uva, uint64_t mmapOffset, int fd);
  void Clear();
  uint32_t count() const { return n_; }
  // Host pointer for [addr, addr+len) when it lies inside one region, else nullptr.
  uint8_t* Gpa(uint64_t addr, uint64_t len) const {
    for (uint32_t i = 0; i < n_; i++) {
      const MemRegion& r = r_[i];
      if (addr >= r.gpa && addr - r.gpa < r.size && len <= r.size - (addr - r.gpa)) return r.host + (addr - r.gpa);
    }
    return nullptr;
  }
  uint8_t* Uva(uint64_t addr, uint64_t len) const {
    for (uint32_t i = 0; i < n_; i++) {
      const MemRegion& r = r_[i];
      if (addr >= r.uva && addr - r.uva < r.size && len <= r.size - (addr - r.uva)) return r.host + (addr - r.uva);
    }
    return nullptr;
  }

 private:
  MemRegion r_[VHOST_MAX_REGIONS];
  uint32_t n_ = 0;
};

struct VringDesc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
struct VringUsedElem {
  uint32_t id;
  uint32_t len;
};
constexpr uint16_t VRING_DESC_F_NEXT = 1;
constexpr uint16_t VRING_DESC_F_WRITE = 2;
constexpr uint16_t VRING_DESC_F_INDIRECT = 4;
constexpr uint16_t VRING_AVAIL_F_NO_INTERRUPT = 1;
constexpr uint16_t VRING_USED_F_NO_NOTIFY = 1;

// One split virtqueue as the front-end configured it. Field names follow the spec; `last*`
// are our positions in the avail and used rings.
struct Vring {
  uint32_t num = 0;
  uint64_t descUva = 0, availUva = 0, usedUva = 0;
  bool haveAddr = false;
  VringDesc* desc = nullptr;
  volatile uint16_t* avail = nullptr;  // flags, idx, ring[num]
  volatile uint16_t* used = nullptr;   // flags, idx, then ring of VringUsedElem
  uint16_t lastAvail = 0;
  uint16_t lastUsed = 0;
  uint16_t pendingUsed = 0;  // used entries written since the last Publish
  int kickFd = -1, callFd = -1, errFd = -1;
  bool started = false;  // kick received and not stopped by GET_VRING_BASE
  bool enabled = false;
  bool eventIdx = false;  // VIRTIO_RING_F_EVENT_IDX: used_event/avail_event instead of the flags

  // Points desc/avail/used into guest memory; false (with why) when a ring is not wholly inside it.
  bool Translate(const MemTable& m, std::string* why);
  bool Ready() const { return started && enabled && desc != nullptr; }
  uint16_t AvailIdx() const { return __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE); }
  uint16_t AvailHead(uint16_t i) const { return avail[2 + (i & (num - 1))]; }
  void PutUsed(uint32_t id, uint32_t len) {
    volatile VringUsedElem* ring = reinterpret_cast<volatile VringUsedElem*>(used + 2);
    volatile VringUsedElem* e = &ring[static_cast<uint16_t>(lastUsed + pendingUsed) & (num - 1)];
    e->id = id;
    e->len = len;
    pendingUsed++;
  }
  // Makes the used entries visible and signals the front-end once unless it asked not to be
  // (its flags, or with event index its used_event). Returns whether it signalled.
  bool Publish();
  // Asks the front-end not to kick while we are working through the ring anyway.
  void SuppressKicks() {
    if (!eventIdx) used[0] = VRING_USED_F_NO_NOTIFY;
  }
  // Asks for a kick when the next entry comes (with event index: avail_event = our position, at
  // the end of the used ring), then looks again. True if the ring is still empty, so the kick
  // will come; false if entries arrived meanwhile, which the caller must take now.
  bool ArmKicks() {
    if (eventIdx) used[2 + 4 * num] = lastAvail;
    else used[0] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return AvailIdx() == lastAvail;
  }
  // A queue whose kicks we never need (the receive queue: frames are not queued for it).
  void MuteKicks() {
    if (eventIdx) used[2 + 4 * num] = static_cast<uint16_t>(lastAvail + 0x8000);
    else used[0] = VRING_USED_F_NO_NOTIFY;
  }
  void CloseFds();
};

// Copies the frame in the transmit chain at head, less its first hdrLen bytes (the virtio-net
// header, copied to hdrOut when given: hdrLen bytes), into dst (at most cap bytes). Returns the
// frame's length, which may exceed cap (the caller drops it as too long), 0 for a chain shorter
// than the header, or -1 with *why on a fault.
int64_t ReadChain(const Vring& q, const MemTable& m, uint16_t head, uint32_t hdrLen, uint8_t* dst, uint32_t cap,
                  const char** why, uint8_t* hdrOut = nullptr);

enum class RxResult { kDelivered, kNoRoom, kTooBig, kFault };
// Writes a virtio-net header of hdrLen bytes — zero, or the 10 bytes at hdr (a super-frame's
// offload header); num_buffers filled in when hdrLen is 12 — and the frame into the receive
// buffers the guest made available up to availIdx, spreading it over several buffers when
// mergeable. Used entries are queued (Publish makes them visible). On kNoRoom/kTooBig nothing is
// consumed; on kFault *why says what the guest got wrong.
RxResult WriteFrame(Vring& q, const MemTable& m, uint16_t availIdx, bool mergeable, uint32_t hdrLen,
                    const uint8_t* frame, uint32_t len, const char** why, const uint8_t* hdr = nullptr);

}  // namespace softbr
