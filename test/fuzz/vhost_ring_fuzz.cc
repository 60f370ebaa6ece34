// libFuzzer target for the vhost-user descriptor-chain walker: the guest writes its descriptor
// table, avail ring and buffers into shared memory, so every address, length, index, flag and
// next pointer there is hostile. The input becomes that guest memory (one region, mapped from a
// memfd exactly as MemTable maps QEMU's), then ReadChain walks a transmit chain from a
// guest-chosen head and WriteFrame fills receive buffers. The copies go to exactly-sized heap
// blocks, so AddressSanitizer sees any access past them.
// Input: 1 byte log2(queue size), 2 bytes head, 1 byte options, the rest guest memory.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhost-ring.h"

namespace {

constexpr uint64_t kGpa = 0x100000;
constexpr size_t kMem = 1 << 16;
constexpr size_t kAvailAt = 4096, kUsedAt = 8192;

struct Guest {
  softbr::MemTable m;
  uint8_t* mem = nullptr;
  Guest() {
    int fd = memfd_create("softbr-fuzz-guest", 0);
    if (fd < 0 || ftruncate(fd, kMem) != 0 || m.Add(kGpa, kMem, 0x7f0000000000, 0, fd) != 0) abort();
    close(fd);
    mem = m.Gpa(kGpa, kMem);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Guest g;
  if (size < 4) return 0;
  const uint32_t num = 1u << (data[0] % 9);  // 1 .. 256 entries
  const uint16_t head = static_cast<uint16_t>(data[1] << 8 | data[2]);
  const uint8_t opts = data[3];
  memset(g.mem, 0, kMem);
  memcpy(g.mem, data + 4, size - 4 < kMem ? size - 4 : kMem);
  softbr::Vring q;
  q.num = num;
  q.desc = reinterpret_cast<softbr::VringDesc*>(g.mem);
  q.avail = reinterpret_cast<volatile uint16_t*>(g.mem + kAvailAt);
  q.used = reinterpret_cast<volatile uint16_t*>(g.mem + kUsedAt);
  q.started = q.enabled = true;
  q.eventIdx = (opts & 1) != 0;
  const uint32_t hdrLen = (opts & 2) ? 12 : 10;
  const uint32_t cap = (opts & 4) ? 1518 : 64;
  uint8_t* dst = static_cast<uint8_t*>(malloc(cap));
  const char* why = nullptr;
  // the header comes out into a block of exactly its size (ASan sees a copy past it)
  uint8_t* hdrOut = static_cast<uint8_t*>(malloc(hdrLen));
  const int64_t n = softbr::ReadChain(q, g.m, head, hdrLen, dst, cap, &why, (opts & 4) ? hdrOut : nullptr);
  if (n < 0 && why == nullptr) abort();  // a fault always says why
  free(dst);
  // receive: a frame from the bridge into whatever buffers the guest made available
  const uint32_t flen = 60 + (opts >> 3) * 97;
  uint8_t* frame = static_cast<uint8_t*>(malloc(flen));
  memset(frame, 0xab, flen);
  why = nullptr;
  // the caller (vhost.cc) refuses an avail index more than a ring ahead before it writes
  const uint16_t availIdx = q.AvailIdx();
  if (static_cast<uint16_t>(availIdx - q.lastAvail) <= num) {
    // with an offload header (a super-frame's) or the zero one
    const softbr::RxResult r = softbr::WriteFrame(q, g.m, availIdx, (opts & 2) != 0, hdrLen, frame, flen, &why,
                                                  (opts & 4) ? hdrOut : nullptr);
    if (r == softbr::RxResult::kFault && why == nullptr) abort();
    if (q.pendingUsed > num) abort();  // never more used entries than the ring holds
  }
  free(frame);
  free(hdrOut);
  return 0;
}
