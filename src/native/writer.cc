// The transmit side: JS queues frames as (source, offset, length) where the source is a buffer
// it registered with setSource (the receiving port's rx buffer, a segment area, a BPDU) and calls
// writeBatch(count) before those buffers are reused; the frames go out from where they lie, with
// no copy in between: one write()/writev() per frame on a TAP, one sendmmsg() per batch on
// AF_PACKET. Frames that fail are counted by errno; the errno goes back to JS to interpret.
// A TAP writer asked for io_uring (and given it by the kernel) sends each batch as one
// io_uring_enter instead (TxRing, uring.h), else it falls back to write() per frame.
// writeSuper sends one GSO super-frame with its virtio-net header straight from the receiving
// port's buffer (no copy), for fds that carry vnet headers.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vector>

#include "common.h"
#include "uring.h"

namespace softbr {
namespace {

// Buffers a writer reads queued frames from at once (JS reuses slots round-robin).
constexpr int kSources = 8;

class Writer : public Napi::ObjectWrap<Writer> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Writer",
                       {InstanceMethod("writeBatch", &Writer::WriteBatch), InstanceMethod("writeSuper", &Writer::WriteSuper),
                        InstanceMethod("setSource", &Writer::SetSource), InstanceMethod("close", &Writer::Close),
                        InstanceMethod("stats", &Writer::Stats)});
  }

  // new Writer(fd, mode, vnetHdr, srcs: Int32Array, offs: Int32Array, lens: Int32Array[, ioUring]):
  // frame i is offs[i] .. offs[i]+lens[i] of the buffer set as source srcs[i]. ioUring (TAP
  // only): send batches through io_uring when the kernel allows it (stats().ioUring says).
  explicit Writer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Writer>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 6 || !info[3].IsTypedArray() || !info[4].IsTypedArray() || !info[5].IsTypedArray()) {
      ThrowType(env, "Writer(fd, mode, vnetHdr, srcs, offs, lens)");
      return;
    }
    fd_ = info[0].As<Napi::Number>().Int32Value();
    mode_ = info[1].As<Napi::Number>().Int32Value();
    vnet_ = info[2].ToBoolean();
    Napi::Int32Array srcs = info[3].As<Napi::Int32Array>();
    Napi::Int32Array offs = info[4].As<Napi::Int32Array>();
    Napi::Int32Array lens = info[5].As<Napi::Int32Array>();
    srcsRef_ = Napi::Persistent(static_cast<Napi::Object>(srcs));
    offsRef_ = Napi::Persistent(static_cast<Napi::Object>(offs));
    lensRef_ = Napi::Persistent(static_cast<Napi::Object>(lens));
    srcs_ = srcs.Data();
    offs_ = offs.Data();
    lens_ = lens.Data();
    size_t m = offs.ElementLength() < lens.ElementLength() ? offs.ElementLength() : lens.ElementLength();
    max_ = static_cast<uint32_t>(m < srcs.ElementLength() ? m : srcs.ElementLength());
    memset(&zeroHdr_, 0, sizeof zeroHdr_);
    if (mode_ == MODE_PACKET) {
      msgs_.resize(max_);
      iovs_.resize(2 * max_);
    }
    if (mode_ == MODE_TAP && info.Length() > 6 && info[6].ToBoolean() && max_ > 0) {
      uringErrno_ = uring_.Init(max_);
      if (uring_.ready()) {
        iovs_.resize(2 * max_);
        res_.resize(max_);
      }
    }
  }

 private:
  // Returns 0 when every frame went out, else the errno of the last failure; the frames not
  // sent are counted under their errno in stats().drops. What the errno means (queue full,
  // device gone) is for JS to decide.
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t count = info[0].As<Napi::Number>().Uint32Value();
    if (count > max_) count = max_;
    // Validate every frame against its source so a JS bug cannot make us read outside it.
    for (uint32_t i = 0; i < count; i++) {
      int32_t k = srcs_[i];
      if (k < 0 || k >= kSources || !src_[k] || offs_[i] < 0 || lens_[i] < 0 ||
          static_cast<size_t>(offs_[i]) + static_cast<size_t>(lens_[i]) > srcLen_[k]) {
        Napi::RangeError::New(env, "writeBatch: frame outside its source buffer").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    int r = mode_ == MODE_TAP ? WriteTap(count) : WritePacket(count);
    return Napi::Number::New(env, r);
  }

  // setSource(slot, buf): frames queued with srcs[i] == slot are read from buf (held until the
  // slot is set again). 0 <= slot < SOURCES.
  Napi::Value SetSource(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[1].IsTypedArray()) return ThrowType(env, "setSource(slot, buf)");
    int32_t k = info[0].As<Napi::Number>().Int32Value();
    if (k < 0 || k >= kSources) {
      Napi::RangeError::New(env, "setSource: slot out of range").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
    srcRef_[k] = Napi::Persistent(static_cast<Napi::Object>(buf));
    src_[k] = buf.Data();
    srcLen_[k] = buf.ByteLength();
    return env.Undefined();
  }

  // writeSuper(buf, off, len, hdrs, hdrOff) -> 0 or the errno: one frame with the virtio-net
  // header at hdrs[hdrOff ..]. The caller flushed its queue first, so frames stay in order.
  Napi::Value WriteSuper(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !info[0].IsTypedArray() || !info[3].IsTypedArray()) {
      return ThrowType(env, "writeSuper(buf, off, len, hdrs, hdrOff)");
    }
    Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
    size_t off = info[1].As<Napi::Number>().Uint32Value();
    size_t len = info[2].As<Napi::Number>().Uint32Value();
    Napi::Uint8Array hdrs = info[3].As<Napi::Uint8Array>();
    size_t hdrOff = info[4].As<Napi::Number>().Uint32Value();
    if (!vnet_ || off + len > buf.ByteLength() || hdrOff + VNET_HDR_LEN > hdrs.ByteLength()) {
      Napi::RangeError::New(env, "writeSuper: needs a vnet fd, and the frame and header inside their buffers")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    struct iovec iov[2] = {{hdrs.Data() + hdrOff, VNET_HDR_LEN}, {buf.Data() + off, len}};
    ssize_t r;
    do {
      if (mode_ == MODE_TAP) {
        r = writev(fd_, iov, 2);
      } else {
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = iov;
        m.msg_iovlen = 2;
        r = sendmsg(fd_, &m, MSG_DONTWAIT);
      }
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      int err = errno;
      drops_.Add(err);
      return Napi::Number::New(env, err);
    }
    frames_++;
    superFrames_++;
    return Napi::Number::New(env, 0);
  }

  // Errors that concern one frame only (too long, refused by the device): the rest of the batch
  // may still go. Any other error (queue full, device down or gone) would fail the rest too.
  static bool FrameOnly(int e) { return e == EMSGSIZE || e == EINVAL; }

  // close(): gives the ring back now rather than at garbage collection. Writes after it use write().
  Napi::Value Close(const Napi::CallbackInfo& info) {
    uring_.Close();
    return info.Env().Undefined();
  }

  // Every frame is attempted (the kernel runs them in order); each failure counts under its
  // errno, and the errno of the last one goes back, as on the write() path.
  int WriteTapUring(uint32_t count) {
    const unsigned per = vnet_ ? 2 : 1;
    for (uint32_t i = 0; i < count; i++) {
      struct iovec* iov = &iovs_[per * i];
      if (vnet_) {  // IFF_VNET_HDR: every write starts with a header; zero = plain frame
        iov[0].iov_base = &zeroHdr_;
        iov[0].iov_len = VNET_HDR_LEN;
      }
      iov[per - 1].iov_base = Frame(i);
      iov[per - 1].iov_len = static_cast<size_t>(lens_[i]);
    }
    uring_.Write(fd_, iovs_.data(), per, count, res_.data());
    int sent = 0, err = 0;
    for (uint32_t i = 0; i < count; i++) {
      if (res_[i] >= 0) {
        sent++;
      } else {
        err = -res_[i];
        drops_.Add(err);
      }
    }
    frames_ += sent;
    uringBatches_++;
    return err;
  }

  int WriteTap(uint32_t count) {
    // A lone frame goes out with write(): io_uring saves system calls only when there are
    // several to save, and its submission costs more than one write (a ping through two TAP
    // ports, softbr and ping on one CPU: 25.0 -> 23.4 us of CPU per round trip).
    if (uring_.ready() && count > 1) return WriteTapUring(count);
    int sent = 0, err = 0;
    for (uint32_t i = 0; i < count; i++) {
      ssize_t r;
      do {
        if (vnet_) {  // IFF_VNET_HDR: every write starts with a header; zero = plain frame
          struct iovec iov[2] = {{&zeroHdr_, VNET_HDR_LEN}, {Frame(i), static_cast<size_t>(lens_[i])}};
          r = writev(fd_, iov, 2);
        } else {
          r = write(fd_, Frame(i), static_cast<size_t>(lens_[i]));
        }
      } while (r < 0 && errno == EINTR);
      if (r < 0) {
        err = errno;
        if (FrameOnly(err)) {
          drops_.Add(err);
          continue;
        }
        drops_.Add(err, count - i);
        break;
      }
      sent++;
    }
    frames_ += sent;
    return err;
  }

  int WritePacket(uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
      struct msghdr& m = msgs_[i].msg_hdr;
      memset(&m, 0, sizeof m);
      struct iovec* iov = &iovs_[2 * i];
      int k = 0;
      if (vnet_) {  // with PACKET_VNET_HDR every send starts with a header; zero = no offload
        iov[k].iov_base = &zeroHdr_;
        iov[k].iov_len = VNET_HDR_LEN;
        k++;
      }
      iov[k].iov_base = Frame(i);
      iov[k].iov_len = static_cast<size_t>(lens_[i]);
      k++;
      m.msg_iov = iov;
      m.msg_iovlen = k;
    }
    int sent = 0, err = 0;
    uint32_t i = 0;
    while (i < count) {
      int r = sendmmsg(fd_, &msgs_[i], count - i, MSG_DONTWAIT);
      if (r < 0) {
        if (errno == EINTR) continue;
        err = errno;
        if (FrameOnly(err)) {
          drops_.Add(err);
          i++;
          continue;
        }
        drops_.Add(err, count - i);
        break;
      }
      sent += r;
      i += static_cast<uint32_t>(r);
    }
    frames_ += sent;
    return err;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("frames", static_cast<double>(frames_));
    o.Set("superFrames", static_cast<double>(superFrames_));
    o.Set("dropped", static_cast<double>(drops_.total()));
    o.Set("drops", drops_.ToObject(env));
    o.Set("lastErrno", drops_.last() ? Napi::Value(Napi::String::New(env, ErrnoName(drops_.last()))) : env.Null());
    o.Set("ioUring", uring_.ready());
    o.Set("ioUringBatches", static_cast<double>(uringBatches_));
    o.Set("ioUringError", uringErrno_ ? Napi::Value(Napi::String::New(env, ErrnoName(uringErrno_))) : env.Null());
    return o;
  }

  uint8_t* Frame(uint32_t i) const { return src_[srcs_[i]] + offs_[i]; }

  int fd_ = -1;
  int mode_ = MODE_TAP;
  bool vnet_ = false;
  uint8_t* src_[kSources] = {};
  size_t srcLen_[kSources] = {};
  Napi::ObjectReference srcRef_[kSources];
  int32_t* srcs_ = nullptr;
  int32_t* offs_ = nullptr;
  int32_t* lens_ = nullptr;
  uint32_t max_ = 0;
  Napi::ObjectReference srcsRef_, offsRef_, lensRef_;
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iovs_;
  VnetHdr zeroHdr_;
  uint64_t frames_ = 0, superFrames_ = 0, uringBatches_ = 0;
  TxRing uring_;
  int uringErrno_ = 0;  // why io_uring was refused, when it was asked for
  std::vector<int32_t> res_;
  ErrnoCounts drops_;  // frames not sent, by the errno that stopped them
};

}  // namespace

void RegisterWriter(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("Writer", Writer::Init(env));
  c.Set("WRITER_SOURCES", kSources);
}

}  // namespace softbr
