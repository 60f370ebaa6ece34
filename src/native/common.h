// What every file of softbr_native shares: the virtio-net header layout and the constants of the
// receive layout, errno naming and Node-style errors, argument checks, name-based interface
// ioctls, big-endian byte access, per-errno counters, and the uv_poll handles and JS callbacks
// of the event-loop drivers (Poller, UdpPoller, the vhost-user port). One-line helpers are inline here;
// the others live in common.cc.
#pragma once

#include <napi.h>
#include <uv.h>

// <net/if.h> before any <linux/*> header so the libc-compat guards avoid redefinitions.
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include <string>

namespace softbr {

constexpr int MODE_TAP = 0;
constexpr int MODE_PACKET = 1;

// VnetHdr from <linux/virtio_net.h>, restated because that header uses `class` as a
// field name and so does not compile as C++. Fields are little-endian on this (x86/arm) host.
struct VnetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VnetHdr) == 10, "virtio_net_hdr is 10 bytes");
constexpr uint8_t VNET_F_NEEDS_CSUM = 1;
constexpr uint8_t VNET_GSO_NONE = 0;
constexpr uint8_t VNET_GSO_TCPV4 = 1;
constexpr uint8_t VNET_GSO_TCPV6 = 4;
constexpr uint8_t VNET_GSO_UDP_L4 = 5;
constexpr uint8_t VNET_GSO_ECN = 0x80;
constexpr size_t VNET_HDR_LEN = sizeof(VnetHdr);
// AF_PACKET strips an 802.1Q tag into metadata before taps see the frame; we receive each
// frame 4 bytes into its slot so the tag can be put back without moving the payload.
constexpr size_t VLAN_RESERVE = 4;
// Largest GSO super-frame we segment (the kernel's default gso_max_size).
constexpr size_t OVERFLOW_BYTES = 65536;
// Shortest frame worth handing up: an Ethernet header.
constexpr size_t ETH_MIN_FRAME = 14;

const char* ErrnoName(int e);

// The event loop of the Node environment env.
uv_loop_t* LoopOf(napi_env env);
// A uv_poll handle on fd in loop whose data is `data`; nullptr when libuv refuses.
uv_poll_t* OpenPoll(uv_loop_t* loop, int fd, void* data);
// Closes a handle from OpenPoll: it stops and leaves epoll at once (so its fd may be closed next);
// libuv frees it on the loop's next close phase. h becomes nullptr; a nullptr h is left alone.
void ClosePoll(uv_poll_t*& h);
// Calls fn from a libuv callback in ctx; an exception it throws meets the fate of one thrown from
// any event callback: 'uncaughtException'.
void CallFromLoop(napi_env env, napi_async_context ctx, napi_value recv, napi_value fn, size_t argc, const napi_value* argv);

// Throws a JS Error shaped like Node's system errors: message, code, errno, syscall.
Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err, const std::string& what);
Napi::Value ThrowType(Napi::Env env, const std::string& msg);

// Copies argument i into out when it is a string that fits a kernel interface name; else throws.
bool GetIfName(const Napi::CallbackInfo& info, size_t i, char out[IFNAMSIZ]);

// A SIOC* ioctl by interface name in the caller's network namespace; returns 0 or the errno.
int IfIoctl(const char* name, unsigned long req, struct ifreq* ifr);

inline uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Get32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void Put16(uint8_t* p, uint16_t v) {
  p[0] = v >> 8;
  p[1] = v & 0xff;
}
inline void Put32(uint8_t* p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

// How often each errno happened. The addon only counts; what an errno means for the port is
// decided in TypeScript (src/native/errno-policy.ts), which reads these through stats().
class ErrnoCounts {
 public:
  void Add(int e, uint64_t n = 1) {
    counts_[e > 0 && e < kSlots ? e : 0] += n;
    total_ += n;
    last_ = e;
  }
  uint64_t total() const { return total_; }
  int last() const { return last_; }
  // {ERRNO_NAME: count} for every errno seen (out-of-range ones under "EUNKNOWN").
  Napi::Object ToObject(Napi::Env env) const;

 private:
  static constexpr int kSlots = 160;  // Linux errno values end at 133 (EHWPOISON)
  uint64_t counts_[kSlots] = {};
  uint64_t total_ = 0;
  int last_ = 0;
};

// Each file's exports: functions into `exports`, numeric constants into `constants`.
void RegisterTap(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterPacket(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterLink(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterPoller(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterWriter(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterUnixDgram(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterNetlink(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterVhost(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterUdp(Napi::Env env, Napi::Object exports, Napi::Object constants);
// gso.cc: segmentSuper(buf, off, len, hdrs, hdrOff, outBuf, outOffs, outLens) -> segments (0: the
// frame cannot be cut, or does not fit the out arrays), for ports that cannot take a super-frame.
void RegisterGso(Napi::Env env, Napi::Object exports, Napi::Object constants);
void RegisterBusyPoll(Napi::Env env, Napi::Object exports, Napi::Object constants);

}  // namespace softbr
