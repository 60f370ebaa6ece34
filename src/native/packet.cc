// AF_PACKET sockets on an existing netdev: opening one (promiscuous membership, vnet header,
// aux data for VLAN tags), finding out whether its device still exists, and the ethtool
// ioctls PacketPort uses to turn receive offloads (GRO, LRO) off and back on, and the kernel's
// count of frames it dropped before the socket was read.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace softbr {
namespace {

// openPacket(ifname, {vnetHdr = true, rcvbuf = 4 MiB, sndbuf = 4 MiB}) -> {fd, ifindex, vnetHdr}
Napi::Value OpenPacket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  bool vnet = true;
  int rcvbuf = 4 << 20, sndbuf = 4 << 20;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("vnetHdr") && !o.Get("vnetHdr").IsUndefined()) vnet = o.Get("vnetHdr").ToBoolean();
    if (o.Get("rcvbuf").IsNumber()) rcvbuf = o.Get("rcvbuf").As<Napi::Number>().Int32Value();
    if (o.Get("sndbuf").IsNumber()) sndbuf = o.Get("sndbuf").As<Napi::Number>().Int32Value();
  }
  std::string label = std::string("AF_PACKET on '") + name + "'";
  unsigned ifindex = if_nametoindex(name);
  if (ifindex == 0) return ThrowErrno(env, "if_nametoindex", errno, label);
  // Protocol 0 at socket() so nothing is queued from other interfaces before bind().
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket(AF_PACKET)", errno, label);
  auto fail = [&](const char* what) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, what, e, label);
  };
  int one = 1;
  // The vnet header tells us when a peer left a checksum for "hardware" (veth peers do by
  // default): we complete it, or the frame is rejected by whoever receives it next.
  if (vnet && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) vnet = false;
  if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) return fail("setsockopt(PACKET_AUXDATA)");
  // Without this every frame we send would come back to us as an outgoing copy.
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
    return fail("setsockopt(PACKET_IGNORE_OUTGOING)");
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sll), sizeof sll) < 0) return fail("bind(AF_PACKET)");
  struct packet_mreq mr;
  memset(&mr, 0, sizeof mr);
  mr.mr_ifindex = static_cast<int>(ifindex);
  mr.mr_type = PACKET_MR_PROMISC;
  // A membership, not IFF_PROMISC: the kernel counts it and drops it when the socket closes.
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
    return fail("setsockopt(PACKET_ADD_MEMBERSHIP)");
  Napi::Object r = Napi::Object::New(env);
  r.Set("fd", fd);
  r.Set("ifindex", ifindex);
  r.Set("vnetHdr", vnet);
  return r;
}

// packetKernelDrops(fd) -> frames the kernel dropped on the socket's receive queue or, with a
// receive ring, because every slot was in use, since the last call (PACKET_STATISTICS resets on
// read); -1 when the socket cannot say.
Napi::Value PacketKernelDrops(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct tpacket_stats st;
  memset(&st, 0, sizeof st);
  socklen_t l = sizeof st;
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &l) < 0) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, st.tp_drops);
}

// packetBoundIfindex(fd) -> the ifindex an AF_PACKET socket is bound to; -1 once that device
// was unregistered (deleted, or its namespace deleted).
Napi::Value PacketBoundIfindex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  socklen_t l = sizeof sll;
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&sll), &l) < 0)
    return ThrowErrno(env, "getsockname", errno, "AF_PACKET socket");
  return Napi::Number::New(env, sll.sll_ifindex);
}

// ifFlagsByIndex(ifindex) -> IFF_* flags, or -1 when no such device in our namespace.
Napi::Value IfFlagsByIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int idx = info[0].As<Napi::Number>().Int32Value();
  char name[IF_NAMESIZE];
  if (idx <= 0 || if_indextoname(static_cast<unsigned>(idx), name) == nullptr) return Napi::Number::New(env, -1);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (IfIoctl(name, SIOCGIFFLAGS, &ifr) != 0) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, static_cast<unsigned short>(ifr.ifr_flags));
}

// ethtoolGet(name, cmd) / ethtoolSet(name, cmd, value): the legacy struct ethtool_value
// commands (ETHTOOL_GGRO/SGRO, GTSO/STSO, GGSO/SGSO, GTXCSUM/STXCSUM, GFLAGS/SFLAGS …).
Napi::Value EthtoolGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ethtool_value ev;
  memset(&ev, 0, sizeof ev);
  ev.cmd = info[1].As<Napi::Number>().Uint32Value();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_data = reinterpret_cast<char*>(&ev);
  int e = IfIoctl(name, SIOCETHTOOL, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCETHTOOL)", e, std::string("interface '") + name + "'");
  return Napi::Number::New(env, ev.data);
}

Napi::Value EthtoolSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ethtool_value ev;
  memset(&ev, 0, sizeof ev);
  ev.cmd = info[1].As<Napi::Number>().Uint32Value();
  ev.data = info[2].As<Napi::Number>().Uint32Value();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_data = reinterpret_cast<char*>(&ev);
  int e = IfIoctl(name, SIOCETHTOOL, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCETHTOOL)", e, std::string("interface '") + name + "'");
  return env.Undefined();
}

// ethtoolSpeed(name) -> Mb/s, or 0 when the driver does not say.
Napi::Value EthtoolSpeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ethtool_cmd ec;
  memset(&ec, 0, sizeof ec);
  ec.cmd = ETHTOOL_GSET;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_data = reinterpret_cast<char*>(&ec);
  if (IfIoctl(name, SIOCETHTOOL, &ifr) != 0) return Napi::Number::New(env, 0);
  uint32_t s = ethtool_cmd_speed(&ec);
  if (s == 0 || s == static_cast<uint32_t>(SPEED_UNKNOWN)) s = 0;
  return Napi::Number::New(env, s);
}

}  // namespace

void RegisterPacket(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("openPacket", Napi::Function::New(env, OpenPacket));
  exports.Set("packetBoundIfindex", Napi::Function::New(env, PacketBoundIfindex));
  exports.Set("packetKernelDrops", Napi::Function::New(env, PacketKernelDrops));
  exports.Set("ifFlagsByIndex", Napi::Function::New(env, IfFlagsByIndex));
  exports.Set("ethtoolGet", Napi::Function::New(env, EthtoolGet));
  exports.Set("ethtoolSet", Napi::Function::New(env, EthtoolSet));
  exports.Set("ethtoolSpeed", Napi::Function::New(env, EthtoolSpeed));
  c.Set("ETHTOOL_GGRO", static_cast<uint32_t>(ETHTOOL_GGRO));
  c.Set("ETHTOOL_SGRO", static_cast<uint32_t>(ETHTOOL_SGRO));
  c.Set("ETHTOOL_GGSO", static_cast<uint32_t>(ETHTOOL_GGSO));
  c.Set("ETHTOOL_SGSO", static_cast<uint32_t>(ETHTOOL_SGSO));
  c.Set("ETHTOOL_GTSO", static_cast<uint32_t>(ETHTOOL_GTSO));
  c.Set("ETHTOOL_STSO", static_cast<uint32_t>(ETHTOOL_STSO));
  c.Set("ETHTOOL_GTXCSUM", static_cast<uint32_t>(ETHTOOL_GTXCSUM));
  c.Set("ETHTOOL_STXCSUM", static_cast<uint32_t>(ETHTOOL_STXCSUM));
  c.Set("ETHTOOL_GFLAGS", static_cast<uint32_t>(ETHTOOL_GFLAGS));
  c.Set("ETHTOOL_SFLAGS", static_cast<uint32_t>(ETHTOOL_SFLAGS));
  c.Set("ETH_FLAG_LRO", static_cast<uint32_t>(ETH_FLAG_LRO));
}

}  // namespace softbr
