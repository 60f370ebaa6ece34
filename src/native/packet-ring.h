// The mmap'ed PACKET_RX_RING (TPACKET_V2) under an AF_PACKET port's poller: setting it up on the
// socket, walking its slots in order and giving each back to the kernel, and releasing it. The
// kernel copies each frame into the next free slot and flips that slot's tp_status as soon as
// the frame is there, so a wakeup collects every waiting frame from shared memory with no system
// call. (TPACKET_V3 would hand frames over only per block, when it is full or its retire timer of
// at least 1 ms fires: latency a switch cannot add.) What to do with each frame is the poller's.
#pragma once

#include <linux/if_packet.h>
#include <stddef.h>
#include <stdint.h>

namespace softbr {

class PacketRxRing {
 public:
  PacketRxRing() = default;
  PacketRxRing(const PacketRxRing&) = delete;
  PacketRxRing& operator=(const PacketRxRing&) = delete;
  ~PacketRxRing() { Close(); }
  // A ring on fd (PACKET_VNET_HDR, if wanted, already set) whose slots hold a frame of up to
  // frameBytes with its headers; with copyLarger, a frame too long for a slot also goes whole to
  // the socket's receive queue (PACKET_COPY_THRESH; its slot says TP_STATUS_COPY). 0, or the
  // errno that keeps the ring out (the socket is then left as it was, for recvmmsg). The socket
  // must be bound to its device; Init binds it again after the ring is in (see packet-ring.cc).
  int Init(int fd, size_t frameBytes, bool copyLarger);
  bool ready() const { return ring_ != nullptr; }
  // The oldest slot the kernel has filled, or nullptr when none is waiting.
  struct tpacket2_hdr* Next() const;
  // Gives that slot back to the kernel and moves on to the next.
  void Release();
  // Frame bytes of a slot, from its header (tp_mac) on.
  static uint8_t* Frame(struct tpacket2_hdr* h) { return reinterpret_cast<uint8_t*>(h) + h->tp_mac; }
  unsigned slots() const { return count_; }
  size_t slotBytes() const { return slot_; }
  // Unmaps the ring (the socket keeps it until it is closed). Only after the fd left epoll.
  void Close();

 private:
  uint8_t* ring_ = nullptr;
  size_t bytes_ = 0, slot_ = 0;
  unsigned count_ = 0, head_ = 0;
};

}  // namespace softbr
