// softbr_native: the syscalls under the TAP, AF_PACKET, VDE and vhost-user port drivers, and nothing else. This
// file is the module's init: it gathers the exports of each part and the fd helpers.
//   tap.cc      TAP open and the tun-fd ioctls      packet.cc  AF_PACKET open, ethtool offloads
//   link.cc     name-based interface ioctls         poller.cc  the uv_poll receive loop
//   writer.cc   the batched writer                  gso.cc     GSO/TSO segmentation
//   checksum.*  the one Internet checksum           common.*   shared types and helpers
//   unix-dgram.cc  AF_UNIX datagram sockets (VDE)  netlink.cc  rtnetlink link events
//   vhost.cc    vhost-user socket, messages, queues  vhost-ring.* guest memory, split virtqueues
//   udp.cc      batched UDP sockets (VXLAN)        packet-ring.* AF_PACKET receive ring
//   uring.*     io_uring rings under TAP ports   busy-poll.*  the opt-in spinning loop
// Policy (what to forward, which errno takes a port down) stays in TypeScript: the addon reports
// errno values and counts (src/native/errno-policy.ts interprets them).
#include <unistd.h>

#include "common.h"

namespace softbr {
namespace {

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (fd >= 0) close(fd);
  return info.Env().Undefined();
}

Napi::Value ErrnoNameJs(const Napi::CallbackInfo& info) {
  int e = info[0].As<Napi::Number>().Int32Value();
  return Napi::String::New(info.Env(), ErrnoName(e < 0 ? -e : e));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("MODE_TAP", MODE_TAP);
  c.Set("MODE_PACKET", MODE_PACKET);
  RegisterTap(env, exports, c);
  RegisterPacket(env, exports, c);
  RegisterLink(env, exports, c);
  RegisterPoller(env, exports, c);
  RegisterWriter(env, exports, c);
  RegisterUnixDgram(env, exports, c);
  RegisterNetlink(env, exports, c);
  RegisterVhost(env, exports, c);
  RegisterUdp(env, exports, c);
  RegisterGso(env, exports, c);
  RegisterBusyPoll(env, exports, c);
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoNameJs));
  exports.Set("constants", c);
  return exports;
}

}  // namespace
}  // namespace softbr

// The macro pastes its argument into a function name, so it takes an unqualified one.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return softbr::Init(env, exports); }

NODE_API_MODULE(softbr_native, InitModule)
