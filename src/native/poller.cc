// The receive side: a uv_poll handle on the Node loop per fd; each wakeup reads up to
// maxBatches batches of up to maxFrames frames (read() on a TAP, recvmmsg() on AF_PACKET) into
// the rx buffer JS allocated once, completes partial checksums, segments GSO super-frames, puts
// VLAN tags back, and makes one JS call per batch. Frames it drops are counted by cause; read
// errors are counted by errno and handed to JS, which decides what they mean.
// With virtio-net headers (a TAP in offload mode, AF_PACKET) and a sink that takes super-frames
// (setSuperFrames), GSO super-frames go up whole instead, each with its virtio-net header and
// segment length in side arrays by frame index.
// A TAP poller given room for them reads through io_uring instead (RxRing, uring.h): a multishot
// read fills provided buffers inside the rx buffer, and the uv_poll handle watches the ring, so a
// wakeup collects every frame that arrived with one io_uring_enter rather than a read() each.
// An AF_PACKET poller given the ring (packetRing) reads from a PACKET_RX_RING instead
// (PacketRxRing, packet-ring.h): the kernel leaves each frame in shared memory and a wakeup
// copies them out with no system call, recvmsg only for frames too long for a ring slot.
#include <endian.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "checksum.h"
#include "busy-poll.h"
#include "common.h"
#include "gso.h"
#include "packet-ring.h"
#include "polled-wrap.h"
#include "uring.h"

namespace softbr {
namespace {

// Bytes in front of each frame a vnet TAP read packs: its virtio-net header, read with the frame,
// ends where the frame starts, and the frame stays 8-byte aligned.
constexpr size_t TAP_LEAD = (VNET_HDR_LEN + 7) & ~static_cast<size_t>(7);
static_assert(TAP_LEAD == 16, "the Poller's RangeError names 16 bytes");

class Poller : public PolledWrap<Poller>, private SegmentOut {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod("start", &Poller::Start), InstanceMethod("stop", &Poller::Stop),
                        InstanceMethod("close", &Poller::Close), InstanceMethod("ref", &Poller::RefJs),
                        InstanceMethod("unref", &Poller::UnrefJs), InstanceMethod("stats", &Poller::Stats),
                        InstanceMethod("setSuperFrames", &Poller::SetSuperFrames)});
  }

  // new Poller(fd, mode, vnetHdr, rxBuf: Uint8Array, offs: Int32Array, lens: Int32Array,
  //            slotBytes, maxFrames, maxBatches, onBatch(count, superFrames), onError(name, errno)
  //            [, uringBufBytes[, packetRing]])
  // A TAP in vnet mode packs reads into buf up to its last slotBytes * maxFrames bytes (the
  // segment area); each read needs TAP_LEAD + slotBytes + OVERFLOW_BYTES free, room for a super-frame.
  // uringBufBytes > 0 (a TAP): read through io_uring into maxFrames buffers of that many bytes
  // at the start of buf (maxFrames a power of two; the segment area, if any, after them); when
  // io_uring is refused, read() as usual (stats().ioUring says which). packetRing (AF_PACKET):
  // receive through a PACKET_RX_RING, or recvmmsg when the kernel refuses (stats().ring says).
  // onError comes for every failed read (EAGAIN and EINTR are not failures). Polling goes on
  // unless JS, which decides what the errno means, stops or closes the poller from inside it.
  explicit Poller(const Napi::CallbackInfo& info) : PolledWrap<Poller>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 11 || !info[3].IsTypedArray() || !info[4].IsTypedArray() || !info[5].IsTypedArray() ||
        !info[9].IsFunction() || !info[10].IsFunction()) {
      ThrowType(env, "Poller(fd, mode, vnetHdr, buf, offs, lens, slotBytes, maxFrames, maxBatches, onBatch, onError)");
      return;
    }
    fd_ = info[0].As<Napi::Number>().Int32Value();
    mode_ = info[1].As<Napi::Number>().Int32Value();
    vnet_ = info[2].ToBoolean();
    Napi::Uint8Array buf = info[3].As<Napi::Uint8Array>();
    Napi::Int32Array offs = info[4].As<Napi::Int32Array>();
    Napi::Int32Array lens = info[5].As<Napi::Int32Array>();
    slot_ = info[6].As<Napi::Number>().Uint32Value();
    maxFrames_ = info[7].As<Napi::Number>().Uint32Value();
    maxBatches_ = info[8].As<Napi::Number>().Uint32Value();
    if (slot_ < 64 + VLAN_RESERVE || maxFrames_ == 0 || maxBatches_ == 0 || offs.ElementLength() < maxFrames_ ||
        lens.ElementLength() < maxFrames_ || buf.ByteLength() < static_cast<size_t>(slot_) * maxFrames_) {
      Napi::RangeError::New(env, "Poller: buffers too small for slotBytes * maxFrames").ThrowAsJavaScriptException();
      return;
    }
    outCap_ = static_cast<uint32_t>(offs.ElementLength() < lens.ElementLength() ? offs.ElementLength() : lens.ElementLength());
    // Bytes past the receive slots hold frames cut out of GSO super-frames (vnet mode only;
    // otherwise a plain TAP may pack frames into the whole buffer).
    const size_t slots = static_cast<size_t>(slot_) * maxFrames_;
    gsoBase_ = !vnet_ ? buf.ByteLength() : mode_ == MODE_TAP && buf.ByteLength() >= slots ? buf.ByteLength() - slots : slots;
    readMax_ = slot_ + OVERFLOW_BYTES;
    gsoPos_ = gsoBase_;
    // Keep the JS arrays alive while we hold raw pointers into their backing stores.
    bufRef_ = Napi::Persistent(static_cast<Napi::Object>(buf));
    offsRef_ = Napi::Persistent(static_cast<Napi::Object>(offs));
    lensRef_ = Napi::Persistent(static_cast<Napi::Object>(lens));
    buf_ = buf.Data();
    bufLen_ = buf.ByteLength();
    offs_ = offs.Data();
    lens_ = lens.Data();
    onBatch_ = Napi::Persistent(info[9].As<Napi::Function>());
    onError_ = Napi::Persistent(info[10].As<Napi::Function>());
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "softbr.Poller");
    if (mode_ == MODE_TAP && vnet_) {
      if (gsoBase_ < TAP_LEAD + readMax_) {
        Napi::RangeError::New(env, "Poller: a vnet TAP needs 16 + slotBytes + 64 KiB to read into before the segment area")
            .ThrowAsJavaScriptException();
        return;
      }
      hdrs_.resize(1);
    }
    if (mode_ == MODE_PACKET) {
      msgs_.resize(maxFrames_);
      iovs_.resize(3 * maxFrames_);
      hdrs_.resize(maxFrames_);
      cmsg_.resize(maxFrames_ * CMSG_SPACE(sizeof(struct tpacket_auxdata)) + 64);
      // GSO needs the vnet header and a segment area of at least one slot. new[] without ()
      // leaves the memory untouched, so only pages a super-frame actually lands in get used.
      if (vnet_ && bufLen_ >= gsoBase_ + slot_) {
        overflow_.reset(new uint8_t[static_cast<size_t>(maxFrames_) * OVERFLOW_BYTES]);
        scratch_.resize(slot_ + OVERFLOW_BYTES + 8);
      }
    }
    size_t ubuf = info.Length() > 11 && info[11].IsNumber() ? info[11].As<Napi::Number>().Uint32Value() : 0;
    if (mode_ == MODE_TAP && ubuf > 0) {
      const size_t need = (vnet_ ? VNET_HDR_LEN + readMax_ : slot_);
      if (ubuf < need || ubuf * maxFrames_ > gsoBase_) {
        uringErrno_ = EINVAL;  // the layout JS made has no room for the buffers: read() instead
      } else {
        uringErrno_ = rx_.Init(fd_, buf_, ubuf, maxFrames_);
      }
      if (rx_.ready()) {
        rxCount_ = maxFrames_;
        used_.resize(maxFrames_);
      }
    }
    if (mode_ == MODE_PACKET && info.Length() > 12 && info[12].ToBoolean()) {
      // Copies of over-long frames are only worth having when there is room to take them whole.
      ringErrno_ = ring_.Init(fd_, slot_ - VLAN_RESERVE, overflow_ != nullptr);
    }
    OpenPolling(env, rx_.ready() ? rx_.pollFd() : fd_);
  }

  ~Poller() override { CloseHandle(); }

  void CloseHandle() {
    active_ = false;
    ClosePolling();
  }

  // After the handle left epoll: exiting the ring cancels the armed read.
  void AfterPollClosed() {
    rx_.Close();
    ring_.Close();
  }

 private:
  Napi::Value Start(const Napi::CallbackInfo& info) {
    active_ = StartPolling(info.Env(), OnPoll);
    return info.Env().Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    active_ = false;
    if (handle_) uv_poll_stop(handle_);
    return info.Env().Undefined();
  }


  // setSuperFrames(hdrs: Uint8Array, segLen: Int32Array): from now on GSO super-frames go up
  // whole. Frame i's virtio-net header is hdrs[i * VNET_HDR_LEN ..], segLen[i] the length of its
  // longest segment (0 for a wire-sized frame). Only with virtio-net headers.
  Napi::Value SetSuperFrames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsTypedArray()) return ThrowType(env, "setSuperFrames(hdrs, segLen)");
    Napi::Uint8Array hdrs = info[0].As<Napi::Uint8Array>();
    Napi::Int32Array segLen = info[1].As<Napi::Int32Array>();
    if (!vnet_ || (mode_ == MODE_PACKET && !overflow_) || hdrs.ByteLength() < outCap_ * VNET_HDR_LEN ||
        segLen.ElementLength() < outCap_) {
      Napi::RangeError::New(env, "setSuperFrames: a vnet fd, with a header and a length per output frame").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    superHdrsRef_ = Napi::Persistent(static_cast<Napi::Object>(hdrs));
    superLenRef_ = Napi::Persistent(static_cast<Napi::Object>(segLen));
    superHdrs_ = hdrs.Data();
    superLen_ = segLen.Data();
    return env.Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("wakeups", static_cast<double>(wakeups_));
    o.Set("batches", static_cast<double>(batches_));
    o.Set("frames", static_cast<double>(frames_));
    o.Set("truncated", static_cast<double>(truncated_));
    o.Set("runts", static_cast<double>(runts_));
    o.Set("shortVnetHdr", static_cast<double>(shortVnet_));
    o.Set("gso", static_cast<double>(gso_));
    o.Set("gsoSegmented", static_cast<double>(gsoSegmented_));
    o.Set("superFrames", static_cast<double>(superFrames_));
    o.Set("csumFixed", static_cast<double>(csumFixed_));
    o.Set("vlanRestored", static_cast<double>(vlanRestored_));
    o.Set("ioUring", rx_.ready());
    o.Set("ioUringRearms", static_cast<double>(rx_.rearms()));
    o.Set("ioUringError", uringErrno_ ? Napi::Value(Napi::String::New(env, ErrnoName(uringErrno_))) : env.Null());
    o.Set("ring", ring_.ready());
    o.Set("ringError", ringErrno_ ? Napi::Value(Napi::String::New(env, ErrnoName(ringErrno_))) : env.Null());
    o.Set("ringSlots", static_cast<double>(ring_.ready() ? ring_.slots() : 0));
    o.Set("ringSlotBytes", static_cast<double>(ring_.ready() ? ring_.slotBytes() : 0));
    o.Set("ringFrames", static_cast<double>(ringFrames_));
    o.Set("ringCopied", static_cast<double>(ringCopied_));
    o.Set("errors", errors_.ToObject(env));
    o.Set("lastErrno", errors_.last() ? Napi::Value(Napi::String::New(env, ErrnoName(errors_.last()))) : env.Null());
    return o;
  }

  static void OnPoll(uv_poll_t* h, int status, int events) {
    Poller* p = static_cast<Poller*>(h->data);
    if (p) p->Readable(status);
  }

  // Which error a POLLERR wakeup stands for (libuv reports it only as UV_EBADF).
  int ProbeError() {
    if (mode_ == MODE_PACKET) {
      int err = 0;
      socklen_t l = sizeof err;
      if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &l) < 0) return errno;
      return err;
    }
    // A TAP reports POLLERR only when detached from its netdev; a read says which errno.
    uint8_t tmp[64];
    ssize_t r = read(fd_, tmp, sizeof tmp);
    if (r < 0 && errno != EAGAIN) return errno;
    return 0;
  }

  void Readable(int status) {
    wakeups_++;
    Napi::HandleScope scope(env_);
    if (status < 0) {
      // libuv stopped the handle on POLLERR: resume, find out what it was and let JS decide
      // (ENETDOWN queued on an AF_PACKET socket when its device went down is harmless; a TAP
      // detached from its netdev is not, and JS stops the poller).
      if (!closed_ && active_ && handle_) uv_poll_start(handle_, UV_READABLE, OnPoll);
      int e = ProbeError();
      if (e != 0 && !Report(e)) return;
    }
    for (uint32_t b = 0; b < maxBatches_ && active_; b++) {
      int err = 0;
      bool drained = false;
      if (rx_.ready()) {
        // Re-arms a read that ended (out of buffers); a no-op while one is armed.
        int e = rx_.Refill();
        if (e != 0 && e != EAGAIN && e != EBUSY) {
          Report(e);
          return;
        }
      }
      bool alive = rx_.ready() ? ReadUring(&drained, &err) : mode_ == MODE_TAP ? ReadTap(&drained, &err)
                   : ring_.ready()   ? ReadRing(&drained, &err)
                                     : ReadPacket(&drained, &err);
      if (!alive) return;  // closed from inside a callback
      if (err != 0) {
        Report(err);
        return;
      }
      // The kernel queue is empty (EAGAIN or a short batch). An io_uring read that ended (out of
      // buffers) is armed again now: nothing would wake us otherwise.
      if (drained && rx_.ready() && !rx_.armed()) {
        int e = rx_.Refill();
        if (e != 0 && e != EAGAIN && e != EBUSY) Report(e);
        return;
      }
      if (drained) return;
    }
    // Cap reached with frames still queued: epoll is level-triggered, so we are woken again on
    // the next loop turn after the other ports had theirs.
  }

  void Call(Napi::FunctionReference& fn, size_t argc, const napi_value* argv) {
    CallFromLoop(env_, *ctx_, Value(), fn.Value(), argc, argv);
  }

  // Counts a failed read and hands the errno to JS. Returns false if JS stopped or closed the
  // poller meanwhile.
  bool Report(int e) {
    errors_.Add(e);
    napi_value argv[2] = {Napi::String::New(env_, ErrnoName(e)), Napi::Number::New(env_, e)};
    Call(onError_, 2, argv);
    return !closed_ && active_;
  }

  // Hands the frames collected so far (offs_/lens_[0 .. outN_)) to JS in one call. Returns
  // false if JS closed the poller meanwhile.
  bool FlushOut() {
    if (outN_ > 0) {
      batches_++;
      BusyPollNote();
      frames_ += outN_;
      napi_value argv[2] = {Napi::Number::New(env_, outN_), Napi::Number::New(env_, nSuper_)};
      outN_ = 0;
      nSuper_ = 0;
      gsoPos_ = gsoBase_;
      tapPos_ = 0;
      Call(onBatch_, 2, argv);
      // JS has forwarded (and flushed) those frames: their io_uring buffers may be read into again.
      if (nUsed_ > 0 && rx_.ready()) {
        for (uint32_t i = 0; i < nUsed_; i++) rx_.Recycle(used_[i]);
        rx_.Publish();
      }
      nUsed_ = 0;
    }
    return !closed_;
  }

  bool ReadTap(bool* drained, int* err) {
    // Frames are packed (8-byte aligned) rather than one per slot: TAP reads return exact
    // lengths, so small frames leave room for more. A read needs a whole slot free.
    // tapPos_ goes back to 0 whenever FlushOut hands the collected frames to JS.
    tapPos_ = 0;
    const size_t lead = vnet_ ? TAP_LEAD : 0;
    while (outN_ < maxFrames_ && tapPos_ + (vnet_ ? TAP_LEAD + readMax_ : slot_) <= gsoBase_) {
      uint8_t* f = buf_ + tapPos_ + lead;
      ssize_t r;
      if (vnet_) {
        // With IFF_VNET_HDR + offloads the kernel hands over TSO super-frames of up to 64 KiB,
        // read whole into the packed area: passed up as they are, or cut up by SegmentGso.
        // The header is read in front of the frame by the same read(): a readv() into two
        // places cost the kernel an iovec copy and a second checked copy for every frame.
        r = read(fd_, f - VNET_HDR_LEN, VNET_HDR_LEN + readMax_);
      } else {
        r = read(fd_, f, slot_);
      }
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) *err = errno;
        *drained = true;
        break;
      }
      size_t len = static_cast<size_t>(r);
      if (vnet_) {
        if (len < VNET_HDR_LEN) {
          shortVnet_++;
          continue;
        }
        len -= VNET_HDR_LEN;
        memcpy(&hdrs_[0], f - VNET_HDR_LEN, VNET_HDR_LEN);
      }
      int k = TapFrame(f, len, hdrs_.empty() ? nullptr : &hdrs_[0], tapPos_ + lead);
      if (k < 0) return false;
      if (k > 0) tapPos_ += lead + ((len + 7) & ~static_cast<size_t>(7));
    }
    return FlushOut();
  }

  // One frame read from a TAP, lying at buf_ + off (vnet mode: its header in *h): collected for
  // the next JS call (1), dropped and counted, or cut into the segment area (0), or the poller
  // was closed from inside a JS call (-1).
  int TapFrame(uint8_t* f, size_t len, const VnetHdr* hp, size_t off) {
    if (vnet_) {
      const VnetHdr h = *hp;
      if ((h.gso_type & ~VNET_GSO_ECN) != VNET_GSO_NONE) {
        GsoShape shape;
        if (superLen_ && ParseGso(f, len, h, 0, &shape) && shape.nseg > 1 && shape.hdrs + shape.mss <= slot_) {
          // Whole, for the sink to pass on to ports that take it or segment for those that
          // do not. (One segment's worth is cut below: it is a plain frame with its checksum
          // left to us.)
          memcpy(superHdrs_ + static_cast<size_t>(outN_) * VNET_HDR_LEN, &h, VNET_HDR_LEN);
          superLen_[outN_] = static_cast<int32_t>(shape.hdrs + shape.mss);
          offs_[outN_] = static_cast<int32_t>(off);
          lens_[outN_] = static_cast<int32_t>(len);
          outN_++;
          nSuper_++;
          superFrames_++;
          return 1;
        }
        if (SegmentGso(f, len, nullptr, len, h, VlanTag{false, 0, 0}, nullptr, 0, slot_, *this)) gsoSegmented_++;
        else if (closed_) return -1;
        else gso_++;
        return 0;
      }
      if (len > slot_) {
        truncated_++;
        return 0;
      }
      if ((h.flags & VNET_F_NEEDS_CSUM) &&
          CompleteChecksum(f, len, le16toh(h.csum_start), le16toh(h.csum_offset)))
        csumFixed_++;
    } else if (len > slot_) {
      // Some kernels report the full length of what tun cut; others return what fit, a frame
      // filling the slot, which is longer than the port accepts: the engine counts that one.
      truncated_++;
      return 0;
    }
    if (len < ETH_MIN_FRAME) {
      runts_++;
      return 0;
    }
    if (superLen_) superLen_[outN_] = 0;
    offs_[outN_] = static_cast<int32_t>(off);
    lens_[outN_] = static_cast<int32_t>(len);
    outN_++;
    return 1;
  }

  // The io_uring receive path: the kernel has already read frames into provided buffers (one
  // per frame, inside buf_); collect their completions, no system call per frame. A buffer
  // whose frame went up is given back after the JS call (FlushOut), the others at once.
  bool ReadUring(bool* drained, int* err) {
    while (outN_ < maxFrames_) {
      unsigned bid = 0;
      int32_t res = 0;
      bool hasBuf = false;
      if (!rx_.Next(&bid, &res, &hasBuf)) {
        *drained = true;
        break;
      }
      rx_.Consume();
      if (res <= 0) {
        if (hasBuf) rx_.Recycle(bid);
        int e = -res;
        // ENOBUFS: every buffer was in use, the read ended; Refill arms a new one.
        if (e == 0 || e == ENOBUFS || e == EAGAIN || e == EINTR || e == ECANCELED) continue;
        *err = e;
        break;
      }
      if (!hasBuf || bid >= rxCount_) continue;
      uint8_t* b = rx_.Buffer(bid);
      size_t len = static_cast<size_t>(res);
      const VnetHdr* h = nullptr;
      VnetHdr hdr;
      if (vnet_) {
        if (len < VNET_HDR_LEN) {
          shortVnet_++;
          rx_.Recycle(bid);
          continue;
        }
        memcpy(&hdr, b, VNET_HDR_LEN);
        h = &hdr;
        b += VNET_HDR_LEN;
        len -= VNET_HDR_LEN;
      }
      int k = TapFrame(b, len, h, static_cast<size_t>(b - buf_));
      if (k > 0) used_[nUsed_++] = bid;
      else rx_.Recycle(bid);
      if (k < 0) return false;
    }
    rx_.Publish();
    return FlushOut();
  }

  // recvmmsg/recvmsg message i: its virtio-net header into hdrs_[i], the frame 4 bytes into slot i
  // (room to put a VLAN tag back), the tail of a super-frame into overflow i, aux data for the tag.
  void PrepareMsg(uint32_t i) {
    const size_t cs = CMSG_SPACE(sizeof(struct tpacket_auxdata));
    struct msghdr& m = msgs_[i].msg_hdr;
    memset(&m, 0, sizeof m);
    struct iovec* iov = &iovs_[3 * i];
    uint8_t* slot = buf_ + static_cast<size_t>(i) * slot_;
    int k = 0;
    if (vnet_) {
      iov[k].iov_base = &hdrs_[i];
      iov[k].iov_len = VNET_HDR_LEN;
      k++;
    }
    iov[k].iov_base = slot + VLAN_RESERVE;
    iov[k].iov_len = slot_ - VLAN_RESERVE;
    k++;
    if (overflow_) {  // the tail of a segmentation-offload super-frame lands here
      iov[k].iov_base = overflow_.get() + static_cast<size_t>(i) * OVERFLOW_BYTES;
      iov[k].iov_len = OVERFLOW_BYTES;
      k++;
    }
    m.msg_iov = iov;
    m.msg_iovlen = k;
    m.msg_control = &cmsg_[i * cs];
    m.msg_controllen = cs;
    msgs_[i].msg_len = 0;
  }

  bool ReadPacket(bool* drained, int* err) {
    for (uint32_t i = 0; i < maxFrames_; i++) PrepareMsg(i);
    int r;
    do {
      r = recvmmsg(fd_, msgs_.data(), maxFrames_, MSG_DONTWAIT, nullptr);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno != EAGAIN) *err = errno;
      *drained = true;
      return true;
    }
    *drained = static_cast<uint32_t>(r) < maxFrames_;
    for (int i = 0; i < r; i++) {
      if (!TakeMsg(static_cast<uint32_t>(i), msgs_[i].msg_len)) return false;
    }
    return FlushOut();
  }

  // Message i as received (len bytes, virtio-net header included): its tag from the aux data,
  // then PacketFrame. False if JS closed the poller meanwhile.
  bool TakeMsg(uint32_t i, size_t len) {
    struct msghdr& m = msgs_[i].msg_hdr;
    if (m.msg_flags & MSG_TRUNC) {
      truncated_++;
      return true;
    }
    // The 802.1Q tag AF_PACKET moved into metadata, if any.
    VlanTag tag{false, 0, 0};
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      struct tpacket_auxdata aux;
      memcpy(&aux, CMSG_DATA(c), sizeof aux);
      tag = TagOf(aux.tp_status, aux.tp_vlan_tpid, aux.tp_vlan_tci);
    }
    if (vnet_) {
      if (len < VNET_HDR_LEN) {
        shortVnet_++;
        return true;
      }
      len -= VNET_HDR_LEN;
    }
    return PacketFrame(i, len, tag);
  }

  static VlanTag TagOf(uint32_t status, uint16_t tpid, uint16_t tci) {
    if (!(status & TP_STATUS_VLAN_VALID)) return VlanTag{false, 0, 0};
    return VlanTag{true, static_cast<uint16_t>((status & TP_STATUS_VLAN_TPID_VALID) ? tpid : ETH_P_8021Q), tci};
  }

  // The shared-memory receive path: up to maxFrames frames the kernel left in the ring, each
  // copied into slot i as recvmmsg would have put it (one memcpy of a small frame; the ring slot
  // goes back to the kernel at once), then the same checks as a received message. A slot marked
  // TP_STATUS_COPY holds the head of a frame too long for it (a GSO super-frame from a peer with
  // TSO on): the kernel queued that frame whole on the socket as well, and recvmsg takes it.
  bool ReadRing(bool* drained, int* err) {
    uint32_t i = 0;
    const size_t inSlot = slot_ - VLAN_RESERVE;
    while (i < maxFrames_) {
      struct tpacket2_hdr* h = ring_.Next();
      if (!h) {
        *drained = true;
        break;
      }
      const uint32_t st = h->tp_status;
      if (st & TP_STATUS_COPY) {
        ring_.Release();
        PrepareMsg(i);
        ssize_t r;
        do {
          r = recvmsg(fd_, &msgs_[i].msg_hdr, MSG_DONTWAIT);
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
          // The queued copy is gone (cannot happen while each COPY slot has one): counted.
          truncated_++;
          if (errno != EAGAIN) {
            *err = errno;
            break;
          }
          continue;
        }
        ringCopied_++;
        if (!TakeMsg(i, static_cast<size_t>(r))) return false;
        i++;
        continue;
      }
      const size_t len = h->tp_len;
      // Longer than a slot and no copy (copies off, or the socket's receive buffer was full).
      if (h->tp_snaplen < len || len > inSlot + (overflow_ ? OVERFLOW_BYTES : 0)) {
        ring_.Release();
        truncated_++;
        continue;  // the frames collected so far still go up below
      }
      const uint8_t* f = PacketRxRing::Frame(h);
      // With PACKET_VNET_HDR tpacket_rcv writes the header just before the MAC header.
      if (vnet_) memcpy(&hdrs_[i], f - VNET_HDR_LEN, VNET_HDR_LEN);
      uint8_t* slot = buf_ + static_cast<size_t>(i) * slot_ + VLAN_RESERVE;
      if (len <= inSlot) {
        memcpy(slot, f, len);
      } else {
        memcpy(slot, f, inSlot);
        memcpy(overflow_.get() + static_cast<size_t>(i) * OVERFLOW_BYTES, f + inSlot, len - inSlot);
      }
      const VlanTag tag = TagOf(st, h->tp_vlan_tpid, h->tp_vlan_tci);
      ring_.Release();
      ringFrames_++;
      if (!PacketFrame(i, len, tag)) return false;
      i++;
    }
    return FlushOut();
  }

  // Frame i, len bytes after its virtio-net header (in hdrs_[i]), lying 4 bytes into slot i with
  // what did not fit in overflow i: checksum completed, tag put back, super-frame handed up whole
  // or cut, or counted and dropped. False if JS closed the poller meanwhile.
  bool PacketFrame(uint32_t i, size_t len, const VlanTag& vt) {
    const size_t inSlot = slot_ - VLAN_RESERVE;
    uint8_t* slot = buf_ + static_cast<size_t>(i) * slot_;
    uint8_t* f = slot + VLAN_RESERVE;
    const bool tagged = vt.present;
    const uint16_t tpid = vt.tpid, tci = vt.tci;
    if (vnet_) {
      const VnetHdr& h = hdrs_[i];
      if ((h.gso_type & ~VNET_GSO_ECN) != VNET_GSO_NONE) {
        const uint8_t* over = overflow_ ? overflow_.get() + static_cast<size_t>(i) * OVERFLOW_BYTES : nullptr;
        GsoShape shape;
        const size_t tagLen = tagged ? 4 : 0;
        // Whole, made contiguous (and its tag put back) in the segment area: the headers are
        // all in the slot part, so they are parsed where they lie.
        if (superLen_ && over && ParseGso(f, len, h, 0, &shape) && shape.hdrs <= inSlot && shape.nseg > 1 &&
            shape.hdrs + tagLen + shape.mss <= slot_) {
          uint8_t* o = Emit(len + tagLen);
          if (!o) {
            if (closed_) return false;
            gso_++;
            return true;
          }
          const size_t first = len < inSlot ? len : inSlot;
          if (tagged) {
            memcpy(o, f, 12);
            Put16(o + 12, tpid);
            Put16(o + 14, tci);
            memcpy(o + 16, f + 12, first - 12);
            vlanRestored_++;
          } else {
            memcpy(o, f, first);
          }
          memcpy(o + first + tagLen, over, len - first);
          VnetHdr out = h;
          if (tagged) {  // the offsets in the header count from the frame's start
            out.hdr_len = htole16(static_cast<uint16_t>(le16toh(h.hdr_len) + 4));
            if (h.flags & VNET_F_NEEDS_CSUM) out.csum_start = htole16(static_cast<uint16_t>(le16toh(h.csum_start) + 4));
          }
          memcpy(superHdrs_ + static_cast<size_t>(outN_ - 1) * VNET_HDR_LEN, &out, VNET_HDR_LEN);
          superLen_[outN_ - 1] = static_cast<int32_t>(shape.hdrs + tagLen + shape.mss);
          nSuper_++;
          superFrames_++;
          return true;
        }
        // A segmentation-offload super-frame (a veth peer or VM with TSO on): cut it into
        // MTU-sized frames as the NIC would have.
        if (!Segment(f, inSlot, over, len, h, VlanTag{tagged, tpid, tci})) {
          if (closed_) return false;
          gso_++;
        } else {
          gsoSegmented_++;
        }
        return true;
      }
      if (len > inSlot) {  // larger than the MTU allows and not GSO: not a valid frame
        truncated_++;
        return true;
      }
      if (h.flags & VNET_F_NEEDS_CSUM) {
        if (CompleteChecksum(f, len, le16toh(h.csum_start), le16toh(h.csum_offset))) csumFixed_++;
      }
    }
    if (len > inSlot) {
      truncated_++;
      return true;
    }
    if (len < ETH_MIN_FRAME) {
      runts_++;
      return true;
    }
    uint32_t off = VLAN_RESERVE;
    if (tagged) {
      memmove(slot, f, 12);
      Put16(slot + 12, tpid);
      Put16(slot + 14, tci);
      off = 0;
      len += 4;
      vlanRestored_++;
    }
    offs_[outN_] = static_cast<int32_t>(static_cast<size_t>(i) * slot_ + off);
    lens_[outN_] = static_cast<int32_t>(len);
    outN_++;
    if (outN_ == outCap_ && !FlushOut()) return false;
    return true;
  }

  // SegmentOut: room for one output frame of len bytes in the segment area after the receive
  // slots, handing the frames collected so far to JS first when the area or the arrays are full.
  uint8_t* Emit(size_t len) override {
    if (outN_ == outCap_ || gsoPos_ + len > bufLen_) {
      if (!FlushOut()) return nullptr;
      if (gsoPos_ + len > bufLen_) return nullptr;
    }
    uint8_t* p = buf_ + gsoPos_;
    if (superLen_) superLen_[outN_] = 0;
    offs_[outN_] = static_cast<int32_t>(gsoPos_);
    lens_[outN_] = static_cast<int32_t>(len);
    outN_++;
    gsoPos_ += (len + 7) & ~static_cast<size_t>(7);
    return p;
  }

  // GSO needs the overflow area and a segment area of at least one slot (see the constructor).
  bool Segment(const uint8_t* f, size_t inSlot, const uint8_t* over, size_t len, const VnetHdr& h, const VlanTag& tag) {
    if (!over || gsoBase_ + slot_ > bufLen_) return false;
    return SegmentGso(f, inSlot, over, len, h, tag, scratch_.data(), scratch_.size(), slot_, *this);
  }

  int fd_ = -1;
  int mode_ = MODE_TAP;
  bool vnet_ = false;
  uint8_t* buf_ = nullptr;
  size_t bufLen_ = 0;
  int32_t* offs_ = nullptr;
  int32_t* lens_ = nullptr;
  uint32_t slot_ = 0, maxFrames_ = 0, maxBatches_ = 0;
  uint32_t outCap_ = 0;  // entries in offs_/lens_
  uint32_t outN_ = 0;    // entries collected for the next JS call
  size_t gsoBase_ = 0;   // segment area: buf_[gsoBase_ .. bufLen_)
  size_t gsoPos_ = 0;
  size_t tapPos_ = 0;    // TAP: where the next read goes
  size_t readMax_ = 0;   // vnet TAP: room one read needs (a super-frame)
  uint8_t* superHdrs_ = nullptr;  // setSuperFrames: per output frame, its virtio-net header
  int32_t* superLen_ = nullptr;   //   and its segment length (0: a wire-sized frame)
  uint32_t nSuper_ = 0;           // super-frames among the frames collected for the next JS call
  Napi::ObjectReference superHdrsRef_, superLenRef_;
  std::unique_ptr<uint8_t[]> overflow_;  // AF_PACKET: maxFrames_ * OVERFLOW_BYTES, touched only by GSO frames
  std::vector<uint8_t> scratch_;
  Napi::ObjectReference bufRef_, offsRef_, lensRef_;
  Napi::FunctionReference onBatch_, onError_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iovs_;
  std::vector<VnetHdr> hdrs_;
  std::vector<uint8_t> cmsg_;
  bool active_ = false;
  // Frames dropped here are counted, never lost silently: truncated (longer than a slot), runts
  // (shorter than an Ethernet header), shortVnet (less than a virtio-net header), gso (a
  // super-frame that could not be segmented). TypeScript sums them into the port's malformed.
  uint64_t wakeups_ = 0, batches_ = 0, frames_ = 0, truncated_ = 0, runts_ = 0, shortVnet_ = 0, gso_ = 0,
           gsoSegmented_ = 0, csumFixed_ = 0, vlanRestored_ = 0, superFrames_ = 0;
  ErrnoCounts errors_;  // failed reads by errno
  RxRing rx_;                   // the io_uring receive path, when asked for and allowed
  int uringErrno_ = 0;          // why it was refused
  uint32_t rxCount_ = 0;        // its buffers
  std::vector<uint32_t> used_;  // buffers whose frames the next JS call gets
  uint32_t nUsed_ = 0;
  PacketRxRing ring_;     // the AF_PACKET receive ring, when asked for and allowed
  int ringErrno_ = 0;     // why it was refused
  // Frames taken from ring slots, and frames taken whole by recvmsg (COPY slots).
  uint64_t ringFrames_ = 0, ringCopied_ = 0;
};

}  // namespace

void RegisterPoller(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("Poller", Poller::Init(env));
}

}  // namespace softbr
