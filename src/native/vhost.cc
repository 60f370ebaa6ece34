// The vhost-user back-end of one port (QEMU docs/interop/vhost-user.rst), on the Node loop:
// the unix socket (listening for the front-end, or connected to it), the message channel with
// SCM_RIGHTS fd passing and the negotiation state machine, and the batch calls over the two
// virtio-net queues (vhost-ring.cc does the ring and memory work). Queue 1 (the guest's transmit
// queue) is served when its kick eventfd fires: up to maxBatches batches, one JS call each;
// writeBatch(count) puts the frames JS queued into queue 0 (the guest's receive queue) and
// signals the guest once. What the port does about an event (up, down, log lines, reconnecting)
// is decided in TypeScript (src/ports/vhost-user.ts); this file only reports events and why.
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <string>

#include "checksum.h"
#include "busy-poll.h"
#include "common.h"
#include "gso.h"
#include "vhost-ring.h"

namespace softbr {
namespace {

// Requests (front-end to back-end) this back-end knows.
enum : uint32_t {
  GET_FEATURES = 1,
  SET_FEATURES = 2,
  SET_OWNER = 3,
  RESET_OWNER = 4,
  SET_MEM_TABLE = 5,
  SET_LOG_BASE = 6,
  SET_LOG_FD = 7,
  SET_VRING_NUM = 8,
  SET_VRING_ADDR = 9,
  SET_VRING_BASE = 10,
  GET_VRING_BASE = 11,
  SET_VRING_KICK = 12,
  SET_VRING_CALL = 13,
  SET_VRING_ERR = 14,
  GET_PROTOCOL_FEATURES = 15,
  SET_PROTOCOL_FEATURES = 16,
  GET_QUEUE_NUM = 17,
  SET_VRING_ENABLE = 18,
  SEND_RARP = 19,
  NET_SET_MTU = 20,
  RESET_DEVICE = 34,
};

constexpr uint32_t FLAG_VERSION = 0x1;
constexpr uint32_t FLAG_REPLY = 0x4;
constexpr uint32_t FLAG_NEED_REPLY = 0x8;
constexpr uint64_t VRING_IDX_MASK = 0xff;
constexpr uint64_t VRING_NOFD = 0x100;

constexpr uint64_t F_CSUM = 1ull << 0;
constexpr uint64_t F_GUEST_CSUM = 1ull << 1;
constexpr uint64_t F_GUEST_TSO4 = 1ull << 7;
constexpr uint64_t F_GUEST_TSO6 = 1ull << 8;
constexpr uint64_t F_GUEST_ECN = 1ull << 9;
constexpr uint64_t F_HOST_TSO4 = 1ull << 11;
constexpr uint64_t F_HOST_TSO6 = 1ull << 12;
constexpr uint64_t F_HOST_ECN = 1ull << 13;
constexpr uint64_t F_MRG_RXBUF = 1ull << 15;
constexpr uint64_t F_EVENT_IDX = 1ull << 29;
constexpr uint64_t F_PROTOCOL_FEATURES = 1ull << 30;
constexpr uint64_t F_VERSION_1 = 1ull << 32;
// Always offered: split rings, mergeable receive buffers, event index, virtio 1.0 and the
// protocol features.
constexpr uint64_t BASE_FEATURES = F_MRG_RXBUF | F_EVENT_IDX | F_PROTOCOL_FEATURES | F_VERSION_1;
// With offloads on: the guest may leave checksums to us (CSUM), and we may hand it frames with
// theirs left to it and TCP super-frames (what gso.cc segments for a guest that cannot take them).
constexpr uint64_t OFFLOAD_FEATURES = F_CSUM | F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 | F_GUEST_ECN;
// ... and, when the sink takes super-frames whole, the guest may send TCP super-frames. Not UFO
// (gso.cc does not fragment) nor USO (bits past 53 do not survive a JS number; QEMU 7.2 has none).
constexpr uint64_t HOST_GSO_FEATURES = F_HOST_TSO4 | F_HOST_TSO6 | F_HOST_ECN;
// Whether `features` negotiated super-frames of virtio-net gso_type `type` in one direction,
// whose TSO4, TSO6 and ECN bits are given (HOST_* for what the guest sends, GUEST_* for what it
// takes): TCP over IPv4 or IPv6 only, and the ECN flag only with its own bit.
bool GsoNegotiated(uint64_t features, uint8_t type, uint64_t tso4, uint64_t tso6, uint64_t ecn) {
  if ((type & VNET_GSO_ECN) != 0 && (features & ecn) == 0) return false;
  const uint8_t kind = type & static_cast<uint8_t>(~VNET_GSO_ECN);
  return kind == VNET_GSO_TCPV4 ? (features & tso4) != 0 : kind == VNET_GSO_TCPV6 ? (features & tso6) != 0 : false;
}

// Whether a guest that negotiated `features` takes a super-frame of virtio-net gso_type `type`
// whole (header included); otherwise it gets the super-frame's checksummed segments.
bool GuestTakesGso(uint64_t features, uint8_t type) {
  return (features & F_GUEST_CSUM) != 0 && GsoNegotiated(features, type, F_GUEST_TSO4, F_GUEST_TSO6, F_GUEST_ECN);
}

constexpr uint64_t PROTO_MQ = 1ull << 0;
constexpr uint64_t PROTO_REPLY_ACK = 1ull << 3;
constexpr uint64_t OFFERED_PROTOCOL = PROTO_REPLY_ACK;
static_assert((OFFERED_PROTOCOL & PROTO_MQ) == 0, "one queue pair: MQ stays off");

constexpr uint32_t HDR_BYTES = 12;
constexpr uint32_t MAX_PAYLOAD = 4096;  // the largest we take; the memory table is 264 bytes
constexpr int MAX_FDS = 8;
constexpr int NQUEUES = 2;  // 0: guest receive, 1: guest transmit

const char* RequestName(uint32_t r) {
  switch (r) {
    case GET_FEATURES: return "GET_FEATURES";
    case SET_FEATURES: return "SET_FEATURES";
    case SET_OWNER: return "SET_OWNER";
    case RESET_OWNER: return "RESET_OWNER";
    case SET_MEM_TABLE: return "SET_MEM_TABLE";
    case SET_LOG_BASE: return "SET_LOG_BASE";
    case SET_LOG_FD: return "SET_LOG_FD";
    case SET_VRING_NUM: return "SET_VRING_NUM";
    case SET_VRING_ADDR: return "SET_VRING_ADDR";
    case SET_VRING_BASE: return "SET_VRING_BASE";
    case GET_VRING_BASE: return "GET_VRING_BASE";
    case SET_VRING_KICK: return "SET_VRING_KICK";
    case SET_VRING_CALL: return "SET_VRING_CALL";
    case SET_VRING_ERR: return "SET_VRING_ERR";
    case GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
    case SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
    case GET_QUEUE_NUM: return "GET_QUEUE_NUM";
    case SET_VRING_ENABLE: return "SET_VRING_ENABLE";
    case SEND_RARP: return "SEND_RARP";
    case NET_SET_MTU: return "NET_SET_MTU";
    case RESET_DEVICE: return "RESET_DEVICE";
    default: return nullptr;
  }
}

inline uint64_t Le64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
inline uint32_t Le32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

// A uv_poll handle on one fd, closed before its fd is.
struct Poll {
  uv_poll_t* h = nullptr;
  bool Open(uv_loop_t* loop, int fd, void* data, uv_poll_cb cb, bool refd) {
    h = OpenPoll(loop, fd, data);
    if (h == nullptr) return false;
    if (!refd) uv_unref(reinterpret_cast<uv_handle_t*>(h));
    return uv_poll_start(h, UV_READABLE, cb) == 0;
  }
  void Close() { ClosePoll(h); }
  void SetRef(bool on) {
    if (h == nullptr) return;
    if (on) uv_ref(reinterpret_cast<uv_handle_t*>(h));
    else uv_unref(reinterpret_cast<uv_handle_t*>(h));
  }
};

class Vhost : public Napi::ObjectWrap<Vhost> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Vhost",
                       {InstanceMethod("listen", &Vhost::Listen), InstanceMethod("connect", &Vhost::Connect),
                        InstanceMethod("writeBatch", &Vhost::WriteBatch), InstanceMethod("writeSuper", &Vhost::WriteSuper),
                        InstanceMethod("setSuperFrames", &Vhost::SetSuperFrames),
                        InstanceMethod("disconnect", &Vhost::DisconnectJs), InstanceMethod("close", &Vhost::CloseJs),
                        InstanceMethod("ref", &Vhost::RefJs), InstanceMethod("unref", &Vhost::UnrefJs),
                        InstanceMethod("stats", &Vhost::Stats)});
  }

  // new Vhost(rxBuf, rxOffs, rxLens, slotBytes, maxFrames, maxBatches, txBuf, txOffs, txLens,
  //           onBatch(count, supers), onEvent(type, text)[, offload])
  explicit Vhost(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Vhost>(info) {
    Napi::Env env = info.Env();
    env_ = env;
    if (info.Length() < 11 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsTypedArray() ||
        !info[6].IsTypedArray() || !info[7].IsTypedArray() || !info[8].IsTypedArray() || !info[9].IsFunction() ||
        !info[10].IsFunction()) {
      ThrowType(env, "Vhost(rxBuf, rxOffs, rxLens, slotBytes, maxFrames, maxBatches, txBuf, txOffs, txLens, onBatch, onEvent)");
      return;
    }
    Napi::Uint8Array rx = info[0].As<Napi::Uint8Array>();
    Napi::Int32Array ro = info[1].As<Napi::Int32Array>();
    Napi::Int32Array rl = info[2].As<Napi::Int32Array>();
    slot_ = info[3].As<Napi::Number>().Uint32Value();
    maxFrames_ = info[4].As<Napi::Number>().Uint32Value();
    maxBatches_ = info[5].As<Napi::Number>().Uint32Value();
    Napi::Uint8Array tx = info[6].As<Napi::Uint8Array>();
    Napi::Int32Array to = info[7].As<Napi::Int32Array>();
    Napi::Int32Array tl = info[8].As<Napi::Int32Array>();
    if (slot_ < 64 || maxFrames_ == 0 || maxBatches_ == 0 || ro.ElementLength() < maxFrames_ ||
        rl.ElementLength() < maxFrames_ || rx.ByteLength() < static_cast<size_t>(slot_) * maxFrames_) {
      Napi::RangeError::New(env, "Vhost: rx buffers too small for slotBytes * maxFrames").ThrowAsJavaScriptException();
      return;
    }
    refs_[0] = Napi::Persistent(static_cast<Napi::Object>(rx));
    refs_[1] = Napi::Persistent(static_cast<Napi::Object>(ro));
    refs_[2] = Napi::Persistent(static_cast<Napi::Object>(rl));
    refs_[3] = Napi::Persistent(static_cast<Napi::Object>(tx));
    refs_[4] = Napi::Persistent(static_cast<Napi::Object>(to));
    refs_[5] = Napi::Persistent(static_cast<Napi::Object>(tl));
    rxBuf_ = rx.Data();
    rxOffs_ = ro.Data();
    rxLens_ = rl.Data();
    txBuf_ = tx.Data();
    txBufLen_ = tx.ByteLength();
    txOffs_ = to.Data();
    txLens_ = tl.Data();
    txMax_ = static_cast<uint32_t>(to.ElementLength() < tl.ElementLength() ? to.ElementLength() : tl.ElementLength());
    onBatch_ = Napi::Persistent(info[9].As<Napi::Function>());
    onEvent_ = Napi::Persistent(info[10].As<Napi::Function>());
    offload_ = info.Length() > 11 && info[11].ToBoolean().Value();
    rxBufLen_ = rx.ByteLength();
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "softbr.Vhost");
    napi_get_uv_event_loop(env, &loop_);
    mem_ = std::make_unique<MemTable>();
    napi_add_env_cleanup_hook(env, CleanupHook, this);
    hookAdded_ = true;
  }

  ~Vhost() override { Shutdown(); }

 private:
  static void CleanupHook(void* arg) {
    Vhost* v = static_cast<Vhost*>(arg);
    v->hookAdded_ = false;
    v->Shutdown();
  }

  void Shutdown() {
    if (hookAdded_) {
      napi_remove_env_cleanup_hook(env_, CleanupHook, this);
      hookAdded_ = false;
    }
    closed_ = true;
    DropConn();
    listenPoll_.Close();
    if (listenFd_ >= 0) close(listenFd_);
    listenFd_ = -1;
    if (selfRef_) {
      selfRef_ = false;
      Unref();
    }
  }

  void HoldSelf() {
    if (!selfRef_) {
      selfRef_ = true;
      Ref();
    }
  }

  // ---- JS methods ----

  // listen(path): binds and listens (a stale socket file, one nobody answers on, is replaced).
  Napi::Value Listen(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string path = info[0].As<Napi::String>().Utf8Value();
    struct sockaddr_un sa = {};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return ThrowErrno(env, "bind", ENAMETOOLONG, path);
    memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return ThrowErrno(env, "socket", errno, path);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      int e = errno;
      if (e == EADDRINUSE && Stale(sa)) {
        unlink(path.c_str());
        if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) e = 0;
        else e = errno;
      }
      if (e != 0) {
        close(fd);
        return ThrowErrno(env, "bind", e, path);
      }
    }
    if (listen(fd, 4) < 0) {
      int e = errno;
      close(fd);
      unlink(path.c_str());
      return ThrowErrno(env, "listen", e, path);
    }
    if (!listenPoll_.Open(loop_, fd, this, OnListen, refd_)) {
      close(fd);
      unlink(path.c_str());
      return ThrowErrno(env, "uv_poll", EIO, path);
    }
    listenFd_ = fd;
    HoldSelf();
    return env.Undefined();
  }

  // A socket file nobody accepts on (connect says ECONNREFUSED) is left over from a dead process.
  static bool Stale(const sockaddr_un& sa) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool stale = connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0 && errno == ECONNREFUSED;
    close(fd);
    return stale;
  }

  // connect(path) → 0, or the errno (ENOENT, ECONNREFUSED…) for JS to retry on.
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (connFd_ >= 0 || closed_) return Napi::Number::New(env, EISCONN);
    std::string path = info[0].As<Napi::String>().Utf8Value();
    struct sockaddr_un sa = {};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return Napi::Number::New(env, ENAMETOOLONG);
    memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return Napi::Number::New(env, errno);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      int e = errno;
      close(fd);
      return Napi::Number::New(env, e);
    }
    HoldSelf();
    if (!Attach(fd)) return Napi::Number::New(env, EIO);
    return Napi::Number::New(env, 0);
  }

  // writeBatch(count): frames i < count of the tx buffer into the guest's receive queue.
  // Returns how many were delivered; the others are counted (not ready, no room, too big).
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    uint32_t count = info[0].As<Napi::Number>().Uint32Value();
    if (count > txMax_) count = txMax_;
    Vring& q = vq_[0];
    if (connFd_ < 0 || !ready_ || !q.Ready()) {
      txNotReady_ += count;
      return Napi::Number::New(info.Env(), 0);
    }
    uint16_t availIdx = q.AvailIdx();
    if (static_cast<uint16_t>(availIdx - q.lastAvail) > q.num) {
      Fault("receive queue: available index ran more than a ring ahead");
      return Napi::Number::New(info.Env(), 0);
    }
    const bool mrg = (features_ & F_MRG_RXBUF) != 0;
    uint32_t sent = 0;
    for (uint32_t i = 0; i < count; i++) {
      int32_t off = txOffs_[i], len = txLens_[i];
      if (off < 0 || len <= 0 || static_cast<size_t>(off) + static_cast<size_t>(len) > txBufLen_) {
        txTooBig_++;
        continue;
      }
      const char* why = nullptr;
      RxResult r = WriteFrame(q, *mem_, availIdx, mrg, hdrLen_, txBuf_ + off, static_cast<uint32_t>(len), &why);
      if (r == RxResult::kDelivered) {
        sent++;
      } else if (r == RxResult::kNoRoom) {
        txNoRoom_ += count - i;
        break;
      } else if (r == RxResult::kTooBig) {
        txTooBig_++;
      } else {
        q.Publish();
        Fault(std::string("receive queue: ") + why);
        return Napi::Number::New(info.Env(), sent);
      }
    }
    txFrames_ += sent;
    if (q.Publish()) signals_++;
    return Napi::Number::New(info.Env(), sent);
  }

  // setSuperFrames(hdrs: Uint8Array, segLen: Int32Array): the sink takes super-frames whole, so
  // the guest may send them (HOST_TSO offered from the next negotiation on). Frame i's virtio-net
  // header goes to hdrs[i * VNET_HDR_LEN ..], segLen[i] the length of its longest segment (0 for
  // a wire-sized frame).
  Napi::Value SetSuperFrames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsTypedArray()) return ThrowType(env, "setSuperFrames(hdrs, segLen)");
    Napi::Uint8Array hdrs = info[0].As<Napi::Uint8Array>();
    Napi::Int32Array segLen = info[1].As<Napi::Int32Array>();
    if (hdrs.ByteLength() < static_cast<size_t>(maxFrames_) * VNET_HDR_LEN || segLen.ElementLength() < maxFrames_) {
      Napi::RangeError::New(env, "setSuperFrames: arrays shorter than maxFrames").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    superRefs_[0] = Napi::Persistent(static_cast<Napi::Object>(hdrs));
    superRefs_[1] = Napi::Persistent(static_cast<Napi::Object>(segLen));
    superHdrs_ = hdrs.Data();
    superLen_ = segLen.Data();
    return env.Undefined();
  }

  // writeSuper(buf, off, len, hdrs, hdrOff) -> 1 delivered, 0 not, -1 the guest did not negotiate
  // this kind of super-frame (GuestTakesGso; JS then sends its segments): one super-frame into the
  // guest's receive queue with its virtio-net header, signalling the guest. Frames queued before
  // it must have been written first.
  Napi::Value WriteSuper(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !info[0].IsTypedArray() || !info[3].IsTypedArray()) return ThrowType(env, "writeSuper(buf, off, len, hdrs, hdrOff)");
    Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
    size_t off = info[1].As<Napi::Number>().Uint32Value();
    size_t len = info[2].As<Napi::Number>().Uint32Value();
    Napi::Uint8Array hdrs = info[3].As<Napi::Uint8Array>();
    size_t hdrOff = info[4].As<Napi::Number>().Uint32Value();
    if (len == 0 || off + len > buf.ByteLength() || hdrOff + VNET_HDR_LEN > hdrs.ByteLength()) {
      Napi::RangeError::New(env, "writeSuper: frame or header outside its buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Vring& q = vq_[0];
    if (connFd_ < 0 || !ready_ || !q.Ready()) {
      txNotReady_++;
      return Napi::Number::New(env, 0);
    }
    if (!GuestTakesGso(features_, hdrs.Data()[hdrOff + 1])) return Napi::Number::New(env, -1);
    uint16_t availIdx = q.AvailIdx();
    if (static_cast<uint16_t>(availIdx - q.lastAvail) > q.num) {
      Fault("receive queue: available index ran more than a ring ahead");
      return Napi::Number::New(env, 0);
    }
    const char* why = nullptr;
    RxResult r = WriteFrame(q, *mem_, availIdx, (features_ & F_MRG_RXBUF) != 0, hdrLen_, buf.Data() + off,
                            static_cast<uint32_t>(len), &why, hdrs.Data() + hdrOff);
    if (r == RxResult::kFault) {
      q.Publish();
      Fault(std::string("receive queue: ") + why);
      return Napi::Number::New(env, 0);
    }
    if (r == RxResult::kNoRoom) txNoRoom_++;
    else if (r == RxResult::kTooBig) txTooBig_++;
    if (r != RxResult::kDelivered) return Napi::Number::New(env, 0);
    txFrames_++;
    superTx_++;
    if (q.Publish()) signals_++;
    return Napi::Number::New(env, 1);
  }

  Napi::Value DisconnectJs(const Napi::CallbackInfo& info) {
    DropConn();
    return info.Env().Undefined();
  }

  Napi::Value CloseJs(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  Napi::Value RefJs(const Napi::CallbackInfo& info) {
    SetRef(true);
    return info.Env().Undefined();
  }

  Napi::Value UnrefJs(const Napi::CallbackInfo& info) {
    SetRef(false);
    return info.Env().Undefined();
  }

  void SetRef(bool on) {
    refd_ = on;
    listenPoll_.SetRef(on);
    connPoll_.SetRef(on);
    kickPoll_.SetRef(on);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("connected", connFd_ >= 0);
    o.Set("ready", ready_);
    o.Set("connections", static_cast<double>(connections_));
    o.Set("refused", static_cast<double>(refused_));
    o.Set("messages", static_cast<double>(messages_));
    o.Set("features", static_cast<double>(features_));
    o.Set("protocolFeatures", static_cast<double>(protocol_));
    o.Set("hdrLen", hdrLen_);
    o.Set("regions", mem_->count());
    o.Set("queueSize", vq_[1].num);
    o.Set("kicks", static_cast<double>(kicks_));
    o.Set("batches", static_cast<double>(batches_));
    o.Set("rxFrames", static_cast<double>(rxFrames_));
    o.Set("truncated", static_cast<double>(truncated_));
    o.Set("runts", static_cast<double>(runts_));
    o.Set("txFrames", static_cast<double>(txFrames_));
    o.Set("txNoRoom", static_cast<double>(txNoRoom_));
    o.Set("txNotReady", static_cast<double>(txNotReady_));
    o.Set("txTooBig", static_cast<double>(txTooBig_));
    o.Set("signals", static_cast<double>(signals_));
    o.Set("faults", static_cast<double>(faults_));
    o.Set("badHeaders", static_cast<double>(badHdr_));
    o.Set("csumFixed", static_cast<double>(csumFixed_));
    o.Set("superRx", static_cast<double>(superRx_));
    o.Set("superTx", static_cast<double>(superTx_));
    return o;
  }

  // ---- events to JS ----

  void Call(Napi::FunctionReference& fn, size_t argc, const napi_value* argv) {
    CallFromLoop(env_, *ctx_, Value(), fn.Value(), argc, argv);
  }

  void Event(const char* type, const std::string& text) {
    if (closed_) return;
    Napi::HandleScope scope(env_);
    napi_value argv[2] = {Napi::String::New(env_, type), Napi::String::New(env_, text)};
    Call(onEvent_, 2, argv);
  }

  // ---- connection ----

  static void OnListen(uv_poll_t* h, int status, int events) {
    Vhost* v = static_cast<Vhost*>(h->data);
    if (v) v->Accept();
  }

  void Accept() {
    int fd = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (connFd_ >= 0) {
      close(fd);
      refused_++;
      Event("refused", "a front-end is connected already");
      return;
    }
    Attach(fd);
  }

  bool Attach(int fd) {
    connFd_ = fd;
    inLen_ = 0;
    inSize_ = 0;
    nfds_ = 0;
    if (!connPoll_.Open(loop_, fd, this, OnConnReadable, refd_)) {
      close(fd);
      connFd_ = -1;
      return false;
    }
    connections_++;
    ResetDevice();
    Event("connected", "");
    return true;
  }

  // Forgets what the front-end set up: rings, memory, features.
  void ResetDevice() {
    kickPoll_.Close();
    for (Vring& q : vq_) {
      q.CloseFds();
      q = Vring();
    }
    mem_->Clear();
    features_ = 0;
    protocol_ = 0;
    hdrLen_ = 10;
    owner_ = false;
  }

  // Closes the connection and everything that came with it; JS hears "disconnected" with why.
  void Disconnect(const std::string& why) {
    if (connFd_ < 0) return;
    DropConn();
    Event("disconnected", why);
  }

  void DropConn() {
    if (connFd_ < 0) return;
    gen_++;
    ready_ = false;
    connPoll_.Close();
    close(connFd_);
    connFd_ = -1;
    for (int i = 0; i < nfds_; i++)
      if (fds_[i] >= 0) close(fds_[i]);
    nfds_ = 0;
    inLen_ = 0;
    ResetDevice();
  }

  // The guest broke the rules: it loses the connection (and so its port) with the reason.
  void Fault(const std::string& why) {
    faults_++;
    Disconnect("guest error: " + why);
  }

  static void OnConnReadable(uv_poll_t* h, int status, int events) {
    Vhost* v = static_cast<Vhost*>(h->data);
    if (v) v->ReadMessages();
  }

  // Reads what has arrived of the current message, never past its end (fds arrive with its
  // first byte), and handles each message once whole. Never blocks: a front-end that stops
  // mid-message just leaves it unfinished.
  void ReadMessages() {
    Napi::HandleScope scope(env_);
    uint64_t gen = gen_;
    for (int k = 0; k < 64 && gen == gen_ && connFd_ >= 0; k++) {
      bool inHdr = inLen_ < HDR_BYTES;
      size_t want = inHdr ? HDR_BYTES - inLen_ : HDR_BYTES + inSize_ - inLen_;
      uint8_t* dst = inHdr ? inHdr_ + inLen_ : payload_ + (inLen_ - HDR_BYTES);
      struct iovec iov = {dst, want};
      alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
      struct msghdr mh = {};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof cbuf;
      ssize_t r = recvmsg(connFd_, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (r < 0) {
        Disconnect(std::string("socket error: ") + strerror(errno));
        return;
      }
      if (r == 0) {
        Disconnect(inLen_ == 0 ? "front-end closed the connection" : "front-end closed the connection mid-message");
        return;
      }
      bool tooMany = (mh.msg_flags & MSG_CTRUNC) != 0;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int n = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < n; i++) {
          int fd;
          memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
          if (nfds_ < MAX_FDS) fds_[nfds_++] = fd;
          else {
            close(fd);
            tooMany = true;
          }
        }
      }
      inLen_ += static_cast<size_t>(r);
      std::string why;
      uint32_t req = Le32(inHdr_);
      if (tooMany) why = "more than 8 file descriptors in one message";
      if (why.empty() && inHdr && inLen_ == HDR_BYTES) {
        uint32_t flags = Le32(inHdr_ + 4);
        inSize_ = Le32(inHdr_ + 8);
        if ((flags & 0x3) != FLAG_VERSION) why = "message version " + std::to_string(flags & 0x3) + " (expected 1)";
        else if (inSize_ > MAX_PAYLOAD) why = "a " + std::to_string(inSize_) + "-byte payload";
      }
      bool whole = why.empty() && inLen_ >= HDR_BYTES && inLen_ == HDR_BYTES + inSize_;
      if (whole) {
        messages_++;
        if (!Handle(req, Le32(inHdr_ + 4), inSize_, fds_, &nfds_, &why) && why.empty()) why = "refused";
      }
      if (whole || !why.empty()) {
        for (int i = 0; i < nfds_; i++)
          if (fds_[i] >= 0) close(fds_[i]);
        nfds_ = 0;
        inLen_ = 0;
        inSize_ = 0;
      }
      if (!why.empty()) {
        const char* name = RequestName(req);
        Fault(std::string(name ? name : "message " + std::to_string(req)) + ": " + why);
        return;
      }
    }
  }

  bool Send(uint32_t req, const void* payload, uint32_t size) {
    uint8_t msg[HDR_BYTES + 16];
    uint32_t flags = FLAG_VERSION | FLAG_REPLY;
    memcpy(msg, &req, 4);
    memcpy(msg + 4, &flags, 4);
    memcpy(msg + 8, &size, 4);
    memcpy(msg + HDR_BYTES, payload, size);
    size_t n = HDR_BYTES + size;
    ssize_t w = send(connFd_, msg, n, MSG_NOSIGNAL);
    return w == static_cast<ssize_t>(n);
  }

  bool ReplyU64(uint32_t req, uint64_t v) { return Send(req, &v, 8); }

  // Takes the one fd a message carries (or none, when `nofd`); the rest are closed by the caller.
  static int TakeFd(int* fds, int* nfds) {
    if (*nfds == 0) return -1;
    int fd = fds[0];
    fds[0] = -1;
    return fd;
  }

  bool NeedU64(uint32_t size, std::string* why) {
    if (size < 8) *why = "payload shorter than 8 bytes";
    return size >= 8;
  }

  bool QueueIndex(uint32_t idx, std::string* why) {
    if (idx < NQUEUES) return true;
    *why = "queue " + std::to_string(idx) + " (this port has one queue pair, 0 and 1)";
    return false;
  }

  // One message. False (with *why) is a protocol error: the front-end loses the connection.
  bool Handle(uint32_t req, uint32_t flags, uint32_t size, int* fds, int* nfds, std::string* why) {
    const uint8_t* p = payload_;
    bool ackWanted = (flags & FLAG_NEED_REPLY) != 0 && (protocol_ & PROTO_REPLY_ACK) != 0;
    bool replied = false;
    switch (req) {
      case GET_FEATURES:
        if (!ReplyU64(req, Offered())) return SendFailed(why);
        replied = true;
        break;
      case SET_FEATURES: {
        if (!NeedU64(size, why)) return false;
        uint64_t f = Le64(p);
        if ((f & ~Offered()) != 0) {
          *why = "features not offered: 0x" + Hex(f & ~Offered());
          return false;
        }
        features_ = f;
        hdrLen_ = (f & (F_VERSION_1 | F_MRG_RXBUF)) != 0 ? 12 : 10;
        std::string named = std::string((f & F_MRG_RXBUF) ? ", mergeable rx buffers" : "") +
                            ((f & F_EVENT_IDX) ? ", event index" : "") + ((f & F_CSUM) ? ", csum" : "") +
                            ((f & F_HOST_TSO4) ? ", host tso4" : "") + ((f & F_HOST_TSO6) ? ", host tso6" : "") +
                            ((f & F_HOST_ECN) ? ", host ecn" : "") + ((f & F_GUEST_CSUM) ? ", guest csum" : "") +
                            ((f & F_GUEST_TSO4) ? ", guest tso4" : "") + ((f & F_GUEST_TSO6) ? ", guest tso6" : "") +
                            ((f & F_GUEST_ECN) ? ", guest ecn" : "");
        Event("log", "features 0x" + Hex(f) + (named.empty() ? "" : " (" + named.substr(2) + ")") +
                         ", virtio-net header " + std::to_string(hdrLen_) + " bytes");
        break;
      }
      case GET_PROTOCOL_FEATURES:
        if (!ReplyU64(req, OFFERED_PROTOCOL)) return SendFailed(why);
        replied = true;
        break;
      case SET_PROTOCOL_FEATURES: {
        if (!NeedU64(size, why)) return false;
        uint64_t f = Le64(p);
        if ((f & ~OFFERED_PROTOCOL) != 0) {
          *why = "protocol features not offered: 0x" + Hex(f & ~OFFERED_PROTOCOL);
          return false;
        }
        protocol_ = f;
        break;
      }
      case SET_OWNER:
        owner_ = true;
        break;
      case RESET_OWNER:
      case RESET_DEVICE:
        StopAll("front-end reset the device");
        break;
      case GET_QUEUE_NUM:
        if (!ReplyU64(req, 1)) return SendFailed(why);
        replied = true;
        break;
      case SET_MEM_TABLE:
        if (!SetMemTable(size, fds, *nfds, why)) return false;
        break;
      case SET_VRING_NUM: {
        if (size < 8) return Short(why);
        uint32_t idx = Le32(p), num = Le32(p + 4);
        if (!QueueIndex(idx, why)) return false;
        if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1)) != 0) {
          *why = "queue size " + std::to_string(num) + " (a power of 2 up to 32768)";
          return false;
        }
        if (vq_[idx].started) {
          *why = "queue size changed while the queue runs";
          return false;
        }
        vq_[idx].num = num;
        // rings already placed must still fit at the new size
        if (!vq_[idx].Translate(*mem_, why)) return false;
        break;
      }
      case SET_VRING_ADDR: {
        if (size < 40) return Short(why);
        uint32_t idx = Le32(p);
        if (!QueueIndex(idx, why)) return false;
        Vring& q = vq_[idx];
        q.descUva = Le64(p + 8);
        q.usedUva = Le64(p + 16);
        q.availUva = Le64(p + 24);
        q.haveAddr = true;
        if (!q.Translate(*mem_, why)) return false;
        break;
      }
      case SET_VRING_BASE: {
        if (size < 8) return Short(why);
        uint32_t idx = Le32(p), base = Le32(p + 4);
        if (!QueueIndex(idx, why)) return false;
        vq_[idx].lastAvail = vq_[idx].lastUsed = static_cast<uint16_t>(base);
        break;
      }
      case GET_VRING_BASE: {
        if (size < 8) return Short(why);
        uint32_t idx = Le32(p);
        if (!QueueIndex(idx, why)) return false;
        Vring& q = vq_[idx];
        StopQueue(idx);
        uint32_t state[2] = {idx, q.lastAvail};
        if (!Send(req, state, sizeof state)) return SendFailed(why);
        replied = true;
        UpdateReady("front-end stopped queue " + std::to_string(idx));
        break;
      }
      case SET_VRING_KICK:
      case SET_VRING_CALL:
      case SET_VRING_ERR: {
        if (!NeedU64(size, why)) return false;
        uint64_t v = Le64(p);
        uint32_t idx = static_cast<uint32_t>(v & VRING_IDX_MASK);
        if (!QueueIndex(idx, why)) return false;
        int fd = (v & VRING_NOFD) != 0 ? -1 : TakeFd(fds, nfds);
        if ((v & VRING_NOFD) == 0 && fd < 0) {
          *why = "no file descriptor with the message";
          return false;
        }
        Vring& q = vq_[idx];
        if (req == SET_VRING_CALL) {
          if (q.callFd >= 0) close(q.callFd);
          q.callFd = fd;
        } else if (req == SET_VRING_ERR) {
          if (q.errFd >= 0) close(q.errFd);
          q.errFd = fd;
        } else if (!StartQueue(idx, fd, why)) {
          return false;
        }
        break;
      }
      case SET_VRING_ENABLE: {
        if (size < 8) return Short(why);
        uint32_t idx = Le32(p), on = Le32(p + 4);
        if (!QueueIndex(idx, why)) return false;
        vq_[idx].enabled = on != 0;
        UpdateReady("front-end disabled queue " + std::to_string(idx));
        break;
      }
      case SEND_RARP:
      case NET_SET_MTU:
        // not offered (no RARP/MTU protocol feature); harmless to accept
        break;
      default: {
        const char* name = RequestName(req);
        Event("log", std::string("ignored request ") + (name ? name : std::to_string(req)));
        if (ackWanted) {
          if (!ReplyU64(req, 1)) return SendFailed(why);
          return true;
        }
        break;
      }
    }
    if (ackWanted && !replied && !ReplyU64(req, 0)) return SendFailed(why);
    return true;
  }

  // What GET_FEATURES offers: offloads only when the port was opened with them, and guest
  // super-frames only for a sink that takes them whole (setSuperFrames).
  uint64_t Offered() const {
    return BASE_FEATURES | (offload_ ? OFFLOAD_FEATURES | (superLen_ != nullptr ? HOST_GSO_FEATURES : 0) : 0);
  }

  bool Short(std::string* why) {
    *why = "payload too short";
    return false;
  }

  bool SendFailed(std::string* why) {
    *why = errno == EAGAIN ? std::string("front-end does not read its replies") : std::string("reply not sent: ") + strerror(errno);
    return false;
  }

  static std::string Hex(uint64_t v) {
    char b[24];
    snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
    return b;
  }

  bool SetMemTable(uint32_t size, int* fds, int nfds, std::string* why) {
    if (size < 8) return Short(why);
    uint32_t n = Le32(payload_);
    if (n == 0 || n > VHOST_MAX_REGIONS || size < 8 + 32 * n) {
      *why = std::to_string(n) + " regions in a " + std::to_string(size) + "-byte table (1 to 8 allowed)";
      return false;
    }
    if (static_cast<uint32_t>(nfds) != n) {
      *why = std::to_string(n) + " regions but " + std::to_string(nfds) + " file descriptors";
      return false;
    }
    auto next = std::make_unique<MemTable>();
    uint32_t sealed = 0;
    for (uint32_t i = 0; i < n; i++) {
      // A file the front-end can still shrink could take mapped pages away under us (SIGBUS);
      // QEMU's memfd backend seals against it. Reported, not refused: hugetlbfs cannot be sealed.
      int seals = fcntl(fds[i], F_GET_SEALS);
      if (seals >= 0 && (seals & F_SEAL_SHRINK) != 0) sealed++;
      const uint8_t* r = payload_ + 8 + 32 * i;
      int e = next->Add(Le64(r), Le64(r + 8), Le64(r + 16), Le64(r + 24), fds[i]);
      if (e != 0) {
        *why = "region " + std::to_string(i) + " cannot be mapped: " +
               (e == EINVAL ? std::string("size or offset past its file") : std::string(strerror(e)));
        return false;
      }
    }
    // rings configured before are re-pointed into the new mapping
    for (Vring& q : vq_) {
      if (!q.Translate(*next, why)) return false;
    }
    mem_ = std::move(next);
    Event("log", "memory table: " + std::to_string(n) + " region" + (n == 1 ? "" : "s") +
                     (sealed == n ? " (sealed against shrinking)" : " (not sealed against shrinking)"));
    return true;
  }

  bool StartQueue(uint32_t idx, int kickFd, std::string* why) {
    Vring& q = vq_[idx];
    if (kickFd < 0) {
      *why = "a front-end that polls (no kick eventfd) is not supported";
      return false;
    }
    if (q.desc == nullptr) {
      if (kickFd >= 0) close(kickFd);
      *why = "kick before the ring addresses";
      return false;
    }
    if (idx == 1) kickPoll_.Close();
    if (q.kickFd >= 0) close(q.kickFd);
    q.kickFd = kickFd;
    // Without protocol features a ring runs once kicked; with them it waits for SET_VRING_ENABLE.
    if ((features_ & F_PROTOCOL_FEATURES) == 0) q.enabled = true;
    // Trust the guest's used index over the base we were told (a restarted back-end resumes
    // where the guest is, as DPDK does).
    uint16_t u = __atomic_load_n(&q.used[1], __ATOMIC_ACQUIRE);
    if (u != q.lastUsed) q.lastUsed = q.lastAvail = u;
    q.eventIdx = (features_ & F_EVENT_IDX) != 0;
    q.started = true;
    // the receive queue's kicks (buffers added) need no answer; the transmit queue's wake us
    if (idx == 0) q.MuteKicks();
    else q.ArmKicks();
    if (idx == 1 && !kickPoll_.Open(loop_, kickFd, this, OnKick, refd_)) {
      *why = "cannot poll the kick eventfd";
      return false;
    }
    UpdateReady("");
    return true;
  }

  void StopQueue(uint32_t idx) {
    Vring& q = vq_[idx];
    if (idx == 1) kickPoll_.Close();
    if (q.kickFd >= 0) close(q.kickFd);
    q.kickFd = -1;
    q.started = false;
  }

  void StopAll(const std::string& why) {
    for (uint32_t i = 0; i < NQUEUES; i++) StopQueue(i);
    UpdateReady(why);
  }

  // The port is up while both queues run; JS hears each change.
  void UpdateReady(const std::string& whyDown) {
    bool r = vq_[0].Ready() && vq_[1].Ready();
    if (r == ready_) return;
    ready_ = r;
    if (!r) {
      Event("notready", whyDown.empty() ? "queues stopped" : whyDown);
      return;
    }
    Event("ready", "queue size " + std::to_string(vq_[0].num) + "/" + std::to_string(vq_[1].num));
    // A kick that came before both queues ran was read and dropped (Kicked), and a guest whose
    // transmit ring filled up meanwhile never kicks again: look at the ring now, from the loop.
    if (ready_ && vq_[1].kickFd >= 0) {
      uint64_t one = 1;
      ssize_t w = write(vq_[1].kickFd, &one, sizeof one);
      (void)w;
    }
  }

  // ---- guest transmit ----

  static void OnKick(uv_poll_t* h, int status, int events) {
    Vhost* v = static_cast<Vhost*>(h->data);
    if (v) v->Kicked();
  }

  void Kicked() {
    Vring& q = vq_[1];
    uint64_t n;
    if (read(q.kickFd, &n, sizeof n) < 0 && errno != EAGAIN) return;
    kicks_++;
    if (!ready_) return;
    Napi::HandleScope scope(env_);
    uint64_t gen = gen_;
    // no kicks while we work: the guest adds to the ring and we take it, without a syscall each
    q.SuppressKicks();
    for (uint32_t b = 0; b < maxBatches_; b++) {
      uint32_t got = 0, supers = 0;
      if (!Collect(&got, &supers)) return;  // faulted: disconnected
      if (got == 0) {
        if (q.ArmKicks()) return;  // empty, and the next entry kicks us
        continue;
      }
      batches_++;
      BusyPollNote();
      rxFrames_ += got;
      napi_value argv[2] = {Napi::Number::New(env_, got), Napi::Number::New(env_, supers)};
      Call(onBatch_, 2, argv);
      if (gen != gen_ || closed_ || !ready_) return;
    }
    // Cap reached with the ring maybe not empty and kicks still suppressed: kick ourselves so
    // the rest waits only for the other handles of this loop turn.
    uint64_t one = 1;
    ssize_t w = write(q.kickFd, &one, sizeof one);
    (void)w;
  }

  // Copies up to maxFrames frames from the transmit queue into the rx buffer (packed, 8-byte
  // aligned) and returns their descriptors to the guest; *supers counts the super-frames among
  // them. False when the guest faulted (the connection is gone).
  bool Collect(uint32_t* got, uint32_t* supers) {
    Vring& q = vq_[1];
    uint16_t availIdx = q.AvailIdx();
    if (static_cast<uint16_t>(availIdx - q.lastAvail) > q.num) {
      Fault("transmit queue: available index ran more than a ring ahead");
      return false;
    }
    // a guest allowed super-frames may send one up to 64 KiB; a frame needs that much room free
    const bool gso = (features_ & (F_HOST_TSO4 | F_HOST_TSO6)) != 0 && superLen_ != nullptr;
    const bool hdrs = (features_ & F_CSUM) != 0;
    const uint32_t cap = gso ? slot_ + static_cast<uint32_t>(OVERFLOW_BYTES) : slot_;
    uint8_t hb[12];
    size_t pos = 0;
    uint32_t n = 0, ns = 0;
    while (n < maxFrames_ && q.lastAvail != availIdx && pos + cap <= rxBufLen_) {
      uint16_t head = q.AvailHead(q.lastAvail);
      const char* why = nullptr;
      uint8_t* dst = rxBuf_ + pos;
      int64_t len = ReadChain(q, *mem_, head, hdrLen_, dst, cap, &why, hb);
      if (len < 0) {
        q.Publish();
        Fault(std::string("transmit queue: ") + why);
        return false;
      }
      q.lastAvail++;
      q.PutUsed(head, 0);
      if (len > static_cast<int64_t>(cap)) {
        truncated_++;
        continue;
      }
      if (len < static_cast<int64_t>(ETH_MIN_FRAME)) {
        runts_++;
        continue;
      }
      int32_t segLen = 0;
      if (hdrs && (hb[0] != 0 || hb[1] != 0)) {
        VnetHdr h;
        memcpy(&h, hb, VNET_HDR_LEN);
        int r = GuestHeader(dst, static_cast<size_t>(len), h, &segLen);
        if (r < 0) {
          badHdr_++;
          continue;
        }
        if (segLen > 0) {
          memcpy(superHdrs_ + static_cast<size_t>(n) * VNET_HDR_LEN, &h, VNET_HDR_LEN);
          ns++;
        }
      }
      if (segLen == 0 && len > static_cast<int64_t>(slot_)) {
        truncated_++;
        continue;
      }
      if (superLen_ != nullptr) superLen_[n] = segLen;
      rxOffs_[n] = static_cast<int32_t>(pos);
      rxLens_[n] = static_cast<int32_t>(len);
      pos += (static_cast<size_t>(len) + 7) & ~static_cast<size_t>(7);
      n++;
    }
    if (q.Publish()) signals_++;
    superRx_ += ns;
    *got = n;
    *supers = ns;
    return true;
  }

  // A guest frame f[0 .. len) with offload header h. -1: a header the guest may not send (a kind
  // not negotiated or unknown, a zero segment size, checksum fields past the frame, headers
  // gso.cc cannot parse): the frame is dropped. 0: a wire frame, its checksum completed when left
  // to us; *segLen is set for a super-frame that goes up whole (its longest segment's length).
  int GuestHeader(uint8_t* f, size_t len, const VnetHdr& h, int32_t* segLen) {
    const bool csum = (h.flags & VNET_F_NEEDS_CSUM) != 0;
    const size_t start = le16toh(h.csum_start), off = le16toh(h.csum_offset);
    if (csum && start + off + 2 > len) return -1;
    const uint8_t type = h.gso_type & static_cast<uint8_t>(~VNET_GSO_ECN);
    if (type != VNET_GSO_NONE) {
      // a super-frame's checksum is always left to the segmenter (as Linux sends them): that is
      // what lets it travel whole to any port that takes it
      if (!csum) return -1;
      if (!GsoNegotiated(features_, h.gso_type, F_HOST_TSO4, F_HOST_TSO6, F_HOST_ECN)) return -1;
      if (le16toh(h.gso_size) == 0 || superLen_ == nullptr) return -1;
      GsoShape shape;
      // and of the IP version its kind says: the header goes on with the frame to other peers
      if (!ParseGso(f, len, h, 0, &shape) || shape.v6 != (type == VNET_GSO_TCPV6) || !shape.tcp) return -1;
      if (shape.nseg > 1) {
        // segments longer than a slot fit no port of this MTU
        if (shape.hdrs + shape.mss > slot_) return -1;
        *segLen = static_cast<int32_t>(shape.hdrs + shape.mss);
        return 0;
      }
      // one segment's worth: a plain frame with its checksum left to us
    }
    if (csum) {
      CompleteChecksum(f, len, start, off);
      csumFixed_++;
    }
    return 0;
  }

  napi_env env_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  Napi::ObjectReference refs_[6];
  uint8_t* rxBuf_ = nullptr;
  size_t rxBufLen_ = 0;
  int32_t *rxOffs_ = nullptr, *rxLens_ = nullptr;
  uint8_t* txBuf_ = nullptr;
  size_t txBufLen_ = 0;
  int32_t *txOffs_ = nullptr, *txLens_ = nullptr;
  uint32_t txMax_ = 0;
  uint32_t slot_ = 0, maxFrames_ = 0, maxBatches_ = 0;
  Napi::FunctionReference onBatch_, onEvent_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
  bool offload_ = false;
  // setSuperFrames: per received frame, its virtio-net header and its longest segment (0: wire-sized)
  uint8_t* superHdrs_ = nullptr;
  int32_t* superLen_ = nullptr;
  Napi::ObjectReference superRefs_[2];

  int listenFd_ = -1, connFd_ = -1;
  Poll listenPoll_, connPoll_, kickPoll_;
  bool closed_ = false, selfRef_ = false, hookAdded_ = false, refd_ = true;
  uint64_t gen_ = 0;  // bumped when a connection ends, so callers notice from inside callbacks

  std::unique_ptr<MemTable> mem_;
  Vring vq_[NQUEUES];
  uint64_t features_ = 0, protocol_ = 0;
  uint32_t hdrLen_ = 10;
  bool owner_ = false, ready_ = false;
  // the message being read: header, payload, fds that came with it
  uint8_t inHdr_[HDR_BYTES];
  uint8_t payload_[MAX_PAYLOAD];
  size_t inLen_ = 0;
  uint32_t inSize_ = 0;
  int fds_[MAX_FDS];
  int nfds_ = 0;

  uint64_t connections_ = 0, refused_ = 0, messages_ = 0, kicks_ = 0, batches_ = 0, rxFrames_ = 0, truncated_ = 0,
           runts_ = 0, txFrames_ = 0, txNoRoom_ = 0, txNotReady_ = 0, txTooBig_ = 0, signals_ = 0, faults_ = 0,
           badHdr_ = 0, csumFixed_ = 0, superRx_ = 0, superTx_ = 0;
};

}  // namespace

// vhostGuestTakesGso(features, gsoType) -> GuestTakesGso, for the unit test of the rule
// (features below 2^53, as a JS number carries them).
Napi::Value GuestTakesGsoJs(const Napi::CallbackInfo& info) {
  const uint64_t f = static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue());
  const uint8_t type = static_cast<uint8_t>(info[1].As<Napi::Number>().Uint32Value());
  return Napi::Boolean::New(info.Env(), GuestTakesGso(f, type));
}

void RegisterVhost(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("Vhost", Vhost::Init(env));
  exports.Set("vhostGuestTakesGso", Napi::Function::New(env, GuestTakesGsoJs, "vhostGuestTakesGso"));
}

}  // namespace softbr
