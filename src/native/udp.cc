// IPv4 UDP sockets for VXLAN tunnel endpoints, read and written in batches: udpOpen binds one
// (and joins a multicast group on a device), UdpPoller is a uv_poll handle that reads up to
// maxFrames datagrams per recvmmsg() into the rx buffer JS allocated once, with each sender's
// address beside it, and makes one JS call per batch; UdpWriter sends count datagrams, each to
// its own address, with one sendmmsg() per call. Nothing here knows VXLAN: the 8-byte header is
// parsed and written in TypeScript (src/ports/vxlan-header.ts), which also decides what a failed
// read or send means.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "busy-poll.h"
#include "common.h"
#include "polled-wrap.h"

namespace softbr {
namespace {

bool ParseIp(Napi::Env env, const Napi::Value& v, struct in_addr* out, const char* what) {
  if (!v.IsString() || inet_pton(AF_INET, v.As<Napi::String>().Utf8Value().c_str(), out) != 1) {
    ThrowType(env, std::string(what) + " must be an IPv4 address");
    return false;
  }
  return true;
}

// udpOpen(localIp, port, group, ifindex, rcvbufBytes, sndbufBytes) -> fd (non-blocking,
// close-on-exec). group '' binds localIp:port. With a group the socket binds the wildcard
// address (multicast datagrams carry the group as destination), joins the group on ifindex and
// sends group traffic out of it with TTL 1 and no loopback, as the kernel's vxlan device does.
Napi::Value UdpOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsNumber())
    return ThrowType(env, "udpOpen(localIp, port, group, ifindex, rcvbufBytes, sndbufBytes)");
  struct in_addr local, group;
  if (!ParseIp(env, info[0], &local, "localIp")) return env.Undefined();
  const bool multicast = !info[2].As<Napi::String>().Utf8Value().empty();
  if (multicast && !ParseIp(env, info[2], &group, "group")) return env.Undefined();
  uint32_t port = info[1].As<Napi::Number>().Uint32Value();
  int ifindex = info[3].As<Napi::Number>().Int32Value();
  int rcvbuf = info[4].As<Napi::Number>().Int32Value();
  int sndbuf = info[5].As<Napi::Number>().Int32Value();
  if (port == 0 || port > 65535) return ThrowType(env, "port must be 1-65535");
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket", errno, "UDP socket");
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = multicast ? htonl(INADDR_ANY) : local.s_addr;
  int one = 1, zero = 0, ttl = 1;
  const char* step = nullptr;
  if (multicast && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) step = "setsockopt(SO_REUSEADDR)";
  else if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) step = "setsockopt(SO_RCVBUF)";
  else if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0) step = "setsockopt(SO_SNDBUF)";
  else if (bind(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a) < 0) step = "bind";
  if (step == nullptr && multicast) {
    struct ip_mreqn m;
    memset(&m, 0, sizeof m);
    m.imr_multiaddr = group;
    m.imr_address = local;
    m.imr_ifindex = ifindex;
    if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0) step = "setsockopt(IP_ADD_MEMBERSHIP)";
    else if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) < 0) step = "setsockopt(IP_MULTICAST_IF)";
    else if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero) < 0) step = "setsockopt(IP_MULTICAST_LOOP)";
    else if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0) step = "setsockopt(IP_MULTICAST_TTL)";
  }
  if (step != nullptr) {
    int e = errno;
    close(fd);
    char where[64];
    snprintf(where, sizeof where, "%s:%u", inet_ntoa(multicast ? group : local), port);
    return ThrowErrno(env, step, e, where);
  }
  return Napi::Number::New(env, fd);
}

class UdpPoller : public PolledWrap<UdpPoller> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "UdpPoller",
                       {InstanceMethod("start", &UdpPoller::Start), InstanceMethod("close", &UdpPoller::Close),
                        InstanceMethod("stats", &UdpPoller::Stats)});
  }

  // new UdpPoller(fd, buf: Uint8Array, offs: Int32Array, lens: Int32Array, addrs: Uint32Array,
  //               slotBytes, maxFrames, maxBatches, onBatch(count), onError(name, errno))
  // Datagram i of a batch is buf[offs[i] ..][.. lens[i]) from addrs[i] (an IPv4 address in host
  // byte order). Datagrams longer than a slot are counted (truncated), never handed up.
  explicit UdpPoller(const Napi::CallbackInfo& info) : PolledWrap<UdpPoller>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 10 || !info[1].IsTypedArray() || !info[2].IsTypedArray() || !info[3].IsTypedArray() ||
        !info[4].IsTypedArray() || !info[8].IsFunction() || !info[9].IsFunction()) {
      ThrowType(env, "UdpPoller(fd, buf, offs, lens, addrs, slotBytes, maxFrames, maxBatches, onBatch, onError)");
      return;
    }
    fd_ = info[0].As<Napi::Number>().Int32Value();
    Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
    Napi::Int32Array offs = info[2].As<Napi::Int32Array>();
    Napi::Int32Array lens = info[3].As<Napi::Int32Array>();
    Napi::Uint32Array addrs = info[4].As<Napi::Uint32Array>();
    slot_ = info[5].As<Napi::Number>().Uint32Value();
    max_ = info[6].As<Napi::Number>().Uint32Value();
    maxBatches_ = info[7].As<Napi::Number>().Uint32Value();
    if (slot_ < 64 || max_ == 0 || maxBatches_ == 0 || offs.ElementLength() < max_ || lens.ElementLength() < max_ ||
        addrs.ElementLength() < max_ || buf.ByteLength() < static_cast<size_t>(slot_) * max_) {
      Napi::RangeError::New(env, "UdpPoller: buffers too small for slotBytes * maxFrames").ThrowAsJavaScriptException();
      return;
    }
    refs_[0] = Napi::Persistent(static_cast<Napi::Object>(buf));
    refs_[1] = Napi::Persistent(static_cast<Napi::Object>(offs));
    refs_[2] = Napi::Persistent(static_cast<Napi::Object>(lens));
    refs_[3] = Napi::Persistent(static_cast<Napi::Object>(addrs));
    buf_ = buf.Data();
    offs_ = offs.Data();
    lens_ = lens.Data();
    addrs_ = addrs.Data();
    onBatch_ = Napi::Persistent(info[8].As<Napi::Function>());
    onError_ = Napi::Persistent(info[9].As<Napi::Function>());
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "softbr.UdpPoller");
    msgs_.resize(max_);
    iovs_.resize(max_);
    names_.resize(max_);
    OpenPolling(env, fd_);
  }

  ~UdpPoller() override { CloseHandle(); }

  void CloseHandle() { ClosePolling(); }

 private:
  Napi::Value Start(const Napi::CallbackInfo& info) {
    StartPolling(info.Env(), OnPoll);
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("wakeups", static_cast<double>(wakeups_));
    o.Set("batches", static_cast<double>(batches_));
    o.Set("datagrams", static_cast<double>(datagrams_));
    o.Set("truncated", static_cast<double>(truncated_));
    o.Set("errors", errors_.ToObject(env));
    return o;
  }

  static void OnPoll(uv_poll_t* h, int status, int events) {
    UdpPoller* p = static_cast<UdpPoller*>(h->data);
    if (p) p->Readable(status);
  }

  void Call(Napi::FunctionReference& fn, size_t argc, const napi_value* argv) {
    CallFromLoop(env_, *ctx_, Value(), fn.Value(), argc, argv);
  }

  void Readable(int status) {
    wakeups_++;
    Napi::HandleScope scope(env_);
    if (status < 0) {
      // POLLERR on a UDP socket is a queued ICMP error (port unreachable at a remote VTEP):
      // read it so that polling can go on, and let JS count it.
      if (!closed_ && handle_) uv_poll_start(handle_, UV_READABLE, OnPoll);
      int err = 0;
      socklen_t l = sizeof err;
      if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err != 0) Report(err);
      if (closed_) return;
    }
    for (uint32_t b = 0; b < maxBatches_ && !closed_; b++) {
      for (uint32_t i = 0; i < max_; i++) {
        struct msghdr& m = msgs_[i].msg_hdr;
        memset(&m, 0, sizeof m);
        iovs_[i].iov_base = buf_ + static_cast<size_t>(i) * slot_;
        iovs_[i].iov_len = slot_;
        m.msg_iov = &iovs_[i];
        m.msg_iovlen = 1;
        m.msg_name = &names_[i];
        m.msg_namelen = sizeof names_[i];
        msgs_[i].msg_len = 0;
      }
      int r;
      do {
        r = recvmmsg(fd_, msgs_.data(), max_, MSG_DONTWAIT, nullptr);
      } while (r < 0 && errno == EINTR);
      if (r < 0) {
        if (errno != EAGAIN) Report(errno);
        return;
      }
      uint32_t n = 0;
      for (int i = 0; i < r; i++) {
        if (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) {
          truncated_++;
          continue;
        }
        offs_[n] = static_cast<int32_t>(static_cast<size_t>(i) * slot_);
        lens_[n] = static_cast<int32_t>(msgs_[i].msg_len);
        addrs_[n] = ntohl(names_[i].sin_addr.s_addr);
        n++;
      }
      if (n > 0) {
        batches_++;
        BusyPollNote();
        datagrams_ += n;
        napi_value argv[1] = {Napi::Number::New(env_, n)};
        Call(onBatch_, 1, argv);
      }
      if (static_cast<uint32_t>(r) < max_) return;  // the queue is empty
    }
  }

  void Report(int e) {
    errors_.Add(e);
    napi_value argv[2] = {Napi::String::New(env_, ErrnoName(e)), Napi::Number::New(env_, e)};
    Call(onError_, 2, argv);
  }

  int fd_ = -1;
  uint8_t* buf_ = nullptr;
  int32_t* offs_ = nullptr;
  int32_t* lens_ = nullptr;
  uint32_t* addrs_ = nullptr;
  uint32_t slot_ = 0, max_ = 0, maxBatches_ = 0;
  Napi::ObjectReference refs_[4];
  Napi::FunctionReference onBatch_, onError_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iovs_;
  std::vector<struct sockaddr_in> names_;
  uint64_t wakeups_ = 0, batches_ = 0, datagrams_ = 0, truncated_ = 0;
  ErrnoCounts errors_;
};

class UdpWriter : public Napi::ObjectWrap<UdpWriter> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "UdpWriter", {InstanceMethod("send", &UdpWriter::Send), InstanceMethod("stats", &UdpWriter::Stats)});
  }

  // new UdpWriter(fd, buf: Uint8Array, offs: Int32Array, lens: Int32Array, addrs: Uint32Array, dport):
  // datagram i is buf[offs[i] ..][.. lens[i]) to addrs[i]:dport (addresses in host byte order).
  explicit UdpWriter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UdpWriter>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 6 || !info[1].IsTypedArray() || !info[2].IsTypedArray() || !info[3].IsTypedArray() ||
        !info[4].IsTypedArray()) {
      ThrowType(env, "UdpWriter(fd, buf, offs, lens, addrs, dport)");
      return;
    }
    fd_ = info[0].As<Napi::Number>().Int32Value();
    Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
    Napi::Int32Array offs = info[2].As<Napi::Int32Array>();
    Napi::Int32Array lens = info[3].As<Napi::Int32Array>();
    Napi::Uint32Array addrs = info[4].As<Napi::Uint32Array>();
    dport_ = static_cast<uint16_t>(info[5].As<Napi::Number>().Uint32Value());
    refs_[0] = Napi::Persistent(static_cast<Napi::Object>(buf));
    refs_[1] = Napi::Persistent(static_cast<Napi::Object>(offs));
    refs_[2] = Napi::Persistent(static_cast<Napi::Object>(lens));
    refs_[3] = Napi::Persistent(static_cast<Napi::Object>(addrs));
    buf_ = buf.Data();
    bufLen_ = buf.ByteLength();
    offs_ = offs.Data();
    lens_ = lens.Data();
    addrs_ = addrs.Data();
    size_t m = offs.ElementLength() < lens.ElementLength() ? offs.ElementLength() : lens.ElementLength();
    max_ = static_cast<uint32_t>(m < addrs.ElementLength() ? m : addrs.ElementLength());
    msgs_.resize(max_);
    iovs_.resize(max_);
    names_.resize(max_);
  }

 private:
  // send(count) -> 0 when every datagram went out, else the errno of the first one refused;
  // those not sent are counted under it in stats().errors (JS decides what it means).
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t count = info[0].As<Napi::Number>().Uint32Value();
    if (count > max_) count = max_;
    for (uint32_t i = 0; i < count; i++) {
      if (offs_[i] < 0 || lens_[i] < 0 || static_cast<size_t>(offs_[i]) + static_cast<size_t>(lens_[i]) > bufLen_) {
        Napi::RangeError::New(env, "UdpWriter.send: datagram outside its buffer").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      struct msghdr& m = msgs_[i].msg_hdr;
      memset(&m, 0, sizeof m);
      iovs_[i].iov_base = buf_ + offs_[i];
      iovs_[i].iov_len = static_cast<size_t>(lens_[i]);
      names_[i].sin_family = AF_INET;
      names_[i].sin_port = htons(dport_);
      names_[i].sin_addr.s_addr = htonl(addrs_[i]);
      m.msg_iov = &iovs_[i];
      m.msg_iovlen = 1;
      m.msg_name = &names_[i];
      m.msg_namelen = sizeof names_[i];
    }
    uint32_t done = 0;
    int result = 0;
    while (done < count) {
      int r = sendmmsg(fd_, msgs_.data() + done, count - done, MSG_DONTWAIT);
      if (r < 0) {
        if (errno == EINTR) continue;
        // this datagram is refused (a full queue, an unreachable VTEP): count it, go on with the rest
        errors_.Add(errno);
        if (result == 0) result = errno;
        done++;
        continue;
      }
      sent_ += static_cast<uint32_t>(r);
      done += static_cast<uint32_t>(r);
    }
    return Napi::Number::New(env, result);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("sent", static_cast<double>(sent_));
    o.Set("errors", errors_.ToObject(env));
    return o;
  }

  int fd_ = -1;
  uint16_t dport_ = 0;
  uint8_t* buf_ = nullptr;
  size_t bufLen_ = 0;
  int32_t* offs_ = nullptr;
  int32_t* lens_ = nullptr;
  uint32_t* addrs_ = nullptr;
  uint32_t max_ = 0;
  Napi::ObjectReference refs_[4];
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iovs_;
  std::vector<struct sockaddr_in> names_;
  uint64_t sent_ = 0;
  ErrnoCounts errors_;
};

}  // namespace

void RegisterUdp(Napi::Env env, Napi::Object exports, Napi::Object constants) {
  exports.Set("udpOpen", Napi::Function::New(env, UdpOpen));
  exports.Set("UdpPoller", UdpPoller::Init(env));
  exports.Set("UdpWriter", UdpWriter::Init(env));
}

}  // namespace softbr
