// io_uring under the TAP data path (liburing, linked statically): TxRing sends a batch of frames
// as one io_uring_enter instead of a write() per frame; RxRing keeps one multishot read armed on
// a TAP with a ring of provided buffers, so the kernel reads frames into them as they arrive and
// a wakeup collects them all without a system call per frame. Both report the errno that keeps
// io_uring out (old kernel, seccomp, kernel.io_uring_disabled) so the caller falls back to
// read()/write(); which path to ask for is decided in TypeScript.
#pragma once

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

namespace softbr {

class TxRing {
 public:
  TxRing() = default;
  TxRing(const TxRing&) = delete;
  TxRing& operator=(const TxRing&) = delete;
  ~TxRing() { Close(); }
  // 0, or the errno io_uring refused with.
  int Init(unsigned entries);
  bool ready() const { return ready_; }
  // Writes frames 0 .. n-1 (iovPer iovecs each, from iovs) to fd, in order, in one submission;
  // res[i] gets the bytes written or -errno. n <= the entries given to Init.
  void Write(int fd, const struct iovec* iovs, unsigned iovPer, unsigned n, int32_t* res);
  void Close();

 private:
  struct io_uring ring_ = {};
  unsigned entries_ = 0;
  bool ready_ = false;
};

class RxRing {
 public:
  RxRing() = default;
  RxRing(const RxRing&) = delete;
  RxRing& operator=(const RxRing&) = delete;
  ~RxRing() { Close(); }
  // count buffers of bufBytes each at base (memory the caller keeps alive), for reads on fd.
  // count is a power of two <= 32768. 0, or the errno io_uring refused with.
  int Init(int fd, uint8_t* base, size_t bufBytes, unsigned count);
  bool ready() const { return ready_; }
  // A multishot read is armed (or about to be, at the next Refill).
  bool armed() const { return armed_; }
  uint64_t rearms() const { return rearms_; }
  // The ring's fd: readable when reads have completed or are waiting to be run.
  int pollFd() const { return ring_.ring_fd; }
  // Arms the multishot read again when it ended (one io_uring_enter; none while it is armed).
  // 0 or an errno from io_uring_enter.
  int Refill();
  // The next completed read: true with its buffer id and the result (bytes, or -errno);
  // false when there is none. Consume() afterwards.
  bool Next(unsigned* bid, int32_t* res, bool* hasBuf);
  void Consume();
  // Gives buffer bid back to the kernel (visible at the next Publish).
  void Recycle(unsigned bid);
  void Publish();
  uint8_t* Buffer(unsigned bid) const { return base_ + static_cast<size_t>(bid) * bufBytes_; }
  void Close();

 private:
  int Arm();
  struct io_uring ring_ = {};
  struct io_uring_buf_ring* br_ = nullptr;
  uint8_t* base_ = nullptr;
  size_t bufBytes_ = 0;
  unsigned count_ = 0, pending_ = 0;
  int fd_ = -1;
  bool ready_ = false, armed_ = false;
  uint64_t rearms_ = 0;
  struct io_uring_cqe* cqe_ = nullptr;
};

}  // namespace softbr
