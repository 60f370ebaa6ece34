// PacketRxRing (packet-ring.h): sizing, setup and teardown of the TPACKET_V2 receive ring.
#include "packet-ring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace softbr {
namespace {

// Kernel memory per port stays modest: the ring takes at most this much, in at most kMaxSlots
// slots; a frame so large that fewer than kMinSlots fit keeps the port on recvmmsg.
constexpr size_t kRingBytes = 2u << 20;
constexpr unsigned kMaxSlots = 1024, kMinSlots = 64;
// A protocol the socket is bound to for an instant, to re-register it (IEEE 802 local
// experimental ethertype 2: frames of it, if any, are forwarded like all others).
constexpr uint16_t kRebindProto = 0x88b6;

int Bind(int fd, struct sockaddr_ll sll, uint16_t proto) {
  sll.sll_protocol = htons(proto);
  return bind(fd, reinterpret_cast<struct sockaddr*>(&sll), sizeof sll) < 0 ? errno : 0;
}

size_t Pow2AtLeast(size_t n) {
  size_t p = 64;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

int PacketRxRing::Init(int fd, size_t frameBytes, bool copyLarger) {
  // tpacket_rcv puts the MAC header at TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + the vnet header
  // - 14: room for the slot header, the sockaddr_ll, the virtio-net header and the frame.
  const size_t slot = Pow2AtLeast(TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + VNET_HDR_LEN + frameBytes);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  unsigned count = static_cast<unsigned>(kRingBytes / slot);
  if (count > kMaxSlots) count = kMaxSlots;
  if (count < kMinSlots) return EMSGSIZE;
  const size_t block = slot > page ? slot : page;
  const size_t bytes = static_cast<size_t>(count) * slot;
  if (bytes % block != 0) return EINVAL;
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  socklen_t sl = sizeof sll;
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&sll), &sl) < 0) return errno;
  sll.sll_family = AF_PACKET;
  if (sll.sll_ifindex <= 0) return ENODEV;
  int e = 0;
  int v = TPACKET_V2;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) e = errno;
  if (e == 0 && copyLarger) {
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof one) < 0) e = errno;
  }
  struct tpacket_req req;
  memset(&req, 0, sizeof req);
  req.tp_block_size = static_cast<unsigned>(block);
  req.tp_block_nr = static_cast<unsigned>(bytes / block);
  req.tp_frame_size = static_cast<unsigned>(slot);
  req.tp_frame_nr = count;
  bool ringSet = false;
  if (e == 0) {
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) e = errno;
    else ringSet = true;
  }
  void* p = MAP_FAILED;
  if (e == 0) {
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) e = errno;
  }
  // Leaves the socket as recvmmsg knows it: no ring, no copies, the default version, bound.
  auto undo = [&](int err) {
    if (p != MAP_FAILED) munmap(p, bytes);
    if (ringSet) {
      memset(&req, 0, sizeof req);
      setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req);
    }
    int zero = 0;
    setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &zero, sizeof zero);
    v = TPACKET_V1;
    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v);
    Bind(fd, sll, ETH_P_ALL);
    return err;
  };
  if (e != 0) return undo(e);
  // Seen on Linux 6.18 (test/e2e/port-faults.test.ts): a socket bound while its device was down
  // and then given a ring was not registered when the device came up, and never received.
  // packet_set_ring takes a registered socket off its device for a moment (po->num = 0), which
  // may be the window. Binding to another protocol and back registers it again in any case (or,
  // with the device down, leaves it for the device coming up to register). Setting the ring
  // emptied the receive queue, so each frame queued from now on is the copy of a COPY slot.
  e = Bind(fd, sll, kRebindProto);
  if (e == 0) e = Bind(fd, sll, ETH_P_ALL);
  if (e != 0) return undo(e);
  ring_ = static_cast<uint8_t*>(p);
  bytes_ = bytes;
  slot_ = slot;
  count_ = count;
  head_ = 0;
  return 0;
}

struct tpacket2_hdr* PacketRxRing::Next() const {
  auto* h = reinterpret_cast<struct tpacket2_hdr*>(ring_ + static_cast<size_t>(head_) * slot_);
  // Acquire: the frame bytes the kernel wrote before it set the status are visible after.
  return (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) ? h : nullptr;
}

void PacketRxRing::Release() {
  auto* h = reinterpret_cast<struct tpacket2_hdr*>(ring_ + static_cast<size_t>(head_) * slot_);
  // Release: we are done reading the slot before the kernel may write it again.
  __atomic_store_n(&h->tp_status, static_cast<uint32_t>(TP_STATUS_KERNEL), __ATOMIC_RELEASE);
  head_ = head_ + 1 == count_ ? 0 : head_ + 1;
}

void PacketRxRing::Close() {
  if (ring_ == nullptr) return;
  munmap(ring_, bytes_);
  ring_ = nullptr;
}

}  // namespace softbr
