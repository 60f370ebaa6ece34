// An rtnetlink socket subscribed to link events (RTM_NEWLINK/RTM_DELLINK of the caller's network
// namespace), for re-attaching ports known by device name. Messages are read by the Poller in
// its read()-per-datagram mode and parsed in TypeScript (src/native/link-events.ts).
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace softbr {
namespace {

// netlinkLinkOpen(rcvbufBytes) -> fd (non-blocking, close-on-exec)
Napi::Value NetlinkLinkOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int rcvbuf = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return ThrowErrno(env, "socket", errno, "AF_NETLINK NETLINK_ROUTE");
  struct sockaddr_nl a;
  memset(&a, 0, sizeof a);
  a.nl_family = AF_NETLINK;
  a.nl_groups = RTMGRP_LINK;
  const char* step = nullptr;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a) < 0) step = "bind";
  else if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) step = "setsockopt(SO_RCVBUF)";
  if (step != nullptr) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, step, e, "rtnetlink link events");
  }
  return Napi::Number::New(env, fd);
}

}  // namespace

void RegisterNetlink(Napi::Env env, Napi::Object exports, Napi::Object constants) {
  exports.Set("netlinkLinkOpen", Napi::Function::New(env, NetlinkLinkOpen));
  constants.Set("RTM_NEWLINK", static_cast<int>(RTM_NEWLINK));
  constants.Set("RTM_DELLINK", static_cast<int>(RTM_DELLINK));
  constants.Set("IFLA_IFNAME", static_cast<int>(IFLA_IFNAME));
}

}  // namespace softbr
