// The io_uring rings of uring.h: set-up with the cheapest flags the kernel accepts, batched
// writes, and the multishot read over provided buffers with its re-arming.
#include "uring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

namespace softbr {
namespace {

// Not in liburing 2.3's copy of the uapi header (Debian 12); the kernel has it since 6.7.
constexpr int kOpReadMultishot = 49;
constexpr int kGroup = 0;

// deferTaskrun (6.1+): completions are run only when we enter the ring, never by interrupting
// the event loop — right for writes, which complete inside the submission, and wrong for the
// multishot read, whose completions must come while we sleep in epoll: with DEFER_TASKRUN the
// ring fd would not turn readable until we entered it. Kernels without the flags get a plain ring.
int Setup(unsigned entries, struct io_uring* ring, bool deferTaskrun) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQSIZE | (deferTaskrun ? IORING_SETUP_DEFER_TASKRUN : 0);
  p.cq_entries = entries * 4;
  int r = io_uring_queue_init_params(entries, ring, &p);
  if (r == -EINVAL) {
    memset(&p, 0, sizeof p);
    r = io_uring_queue_init_params(entries, ring, &p);
  }
  return r < 0 ? -r : 0;
}

}  // namespace

int TxRing::Init(unsigned entries) {
  int e = Setup(entries, &ring_, true);
  if (e != 0) return e;
  entries_ = entries;
  ready_ = true;
  return 0;
}

void TxRing::Write(int fd, const struct iovec* iovs, unsigned iovPer, unsigned n, int32_t* res) {
  for (unsigned i = 0; i < n; i++) {
    struct io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    // offset -1: the file's own position, which a TAP ignores (it is a stream)
    if (iovPer == 1) io_uring_prep_write(sqe, fd, iovs[i].iov_base, static_cast<unsigned>(iovs[i].iov_len), static_cast<__u64>(-1));
    else io_uring_prep_writev(sqe, fd, &iovs[i * iovPer], iovPer, static_cast<__u64>(-1));
    sqe->user_data = i;
    res[i] = -EIO;
  }
  // A TAP write completes inline during the submission, so this one enter sends them all and
  // normally finds every completion posted; it waits only if one had to go to a worker.
  unsigned seen = 0;
  int r;
  do {
    r = io_uring_submit_and_wait(&ring_, n);
  } while (r == -EINTR);
  while (seen < n) {
    struct io_uring_cqe* cqe = nullptr;
    int w = seen == 0 && r >= 0 ? io_uring_peek_cqe(&ring_, &cqe) : io_uring_wait_cqe(&ring_, &cqe);
    if (w == -EAGAIN || w == -EINTR) {
      w = io_uring_wait_cqe(&ring_, &cqe);
      if (w == -EINTR) continue;
    }
    if (w < 0 || cqe == nullptr) break;
    if (cqe->user_data < n) res[cqe->user_data] = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    seen++;
  }
}

void TxRing::Close() {
  if (!ready_) return;
  ready_ = false;
  io_uring_queue_exit(&ring_);
}

int RxRing::Init(int fd, uint8_t* base, size_t bufBytes, unsigned count) {
  if (count == 0 || (count & (count - 1)) != 0 || count > 32768) return EINVAL;
  int e = Setup(8, &ring_, false);
  if (e != 0) return e;
  size_t ringBytes = count * sizeof(struct io_uring_buf);
  void* mem = mmap(nullptr, ringBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) {
    e = errno;
    io_uring_queue_exit(&ring_);
    return e;
  }
  br_ = static_cast<struct io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(br_);
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = reinterpret_cast<unsigned long>(br_);
  reg.ring_entries = count;
  reg.bgid = kGroup;
  int r = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (r < 0) {
    munmap(br_, ringBytes);
    br_ = nullptr;
    io_uring_queue_exit(&ring_);
    return -r;
  }
  fd_ = fd;
  base_ = base;
  bufBytes_ = bufBytes;
  count_ = count;
  ready_ = true;
  for (unsigned i = 0; i < count; i++) Recycle(i);
  Publish();
  // Multishot reads arrived in 6.7: find out now, not at the first frame.
  e = Arm();
  if (e == 0) {
    r = io_uring_submit(&ring_);
    if (r < 0) e = -r;
  }
  if (e == 0) {
    struct io_uring_cqe* cqe = nullptr;
    // An unsupported opcode fails at once with -EINVAL in a completion.
    if (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe && cqe->res < 0 && !(cqe->flags & IORING_CQE_F_MORE)) {
      e = -cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
    }
  }
  if (e != 0) Close();
  return e;
}

int RxRing::Arm() {
  struct io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) return EBUSY;
  io_uring_prep_rw(kOpReadMultishot, sqe, fd_, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kGroup;
  sqe->user_data = 1;
  armed_ = true;
  return 0;
}

int RxRing::Refill() {
  // While the read is armed the kernel posts its completions on its own (as task work when we
  // next return from a system call or wake): the CQ is shared memory, no enter needed.
  if (armed_) return 0;
  int e = Arm();
  if (e != 0) return e;
  rearms_++;
  int r;
  do {
    r = io_uring_submit(&ring_);
  } while (r == -EINTR);
  return r < 0 ? -r : 0;
}

bool RxRing::Next(unsigned* bid, int32_t* res, bool* hasBuf) {
  if (io_uring_peek_cqe(&ring_, &cqe_) != 0 || cqe_ == nullptr) return false;
  *res = cqe_->res;
  *hasBuf = (cqe_->flags & IORING_CQE_F_BUFFER) != 0;
  *bid = cqe_->flags >> IORING_CQE_BUFFER_SHIFT;
  // The read ended (out of buffers, an error): Refill arms a new one.
  if (!(cqe_->flags & IORING_CQE_F_MORE)) armed_ = false;
  return true;
}

void RxRing::Consume() {
  if (cqe_) io_uring_cqe_seen(&ring_, cqe_);
  cqe_ = nullptr;
}

void RxRing::Recycle(unsigned bid) {
  io_uring_buf_ring_add(br_, Buffer(bid), static_cast<unsigned>(bufBytes_), static_cast<unsigned short>(bid),
                        io_uring_buf_ring_mask(count_), static_cast<int>(pending_));
  pending_++;
}

void RxRing::Publish() {
  if (pending_ == 0) return;
  io_uring_buf_ring_advance(br_, static_cast<int>(pending_));
  pending_ = 0;
}

void RxRing::Close() {
  if (!ready_) return;
  ready_ = false;
  armed_ = false;
  // Exiting the ring cancels the armed read before the buffers' memory can go away.
  io_uring_queue_exit(&ring_);
  if (br_) munmap(br_, count_ * sizeof(struct io_uring_buf));
  br_ = nullptr;
}

}  // namespace softbr
