// softbr_native: the syscalls under the TAP and AF_PACKET port drivers, and nothing else.
// It owns: opening TAP devices and AF_PACKET sockets, interface ioctls (MAC, MTU, flags,
// ethtool offloads), a uv_poll-based receive loop that reads whole batches into buffers JS
// allocated once, and a batched writer. Policy (what to forward, when a port is "down" for
// the bridge) stays in TypeScript: this file only reports errno values.

#include <napi.h>
#include <uv.h>

// <net/if.h> before any <linux/*> header so the libc-compat guards avoid redefinitions.
#include <net/if.h>
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

namespace {

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
constexpr uint8_t VNET_GSO_ECN = 0x80;
constexpr size_t VNET_HDR_LEN = sizeof(VnetHdr);
// Newer than this system's <linux/if_tun.h>.
constexpr unsigned TUN_F_USO4_ = 0x20;
constexpr unsigned TUN_F_USO6_ = 0x40;
// AF_PACKET strips an 802.1Q tag into metadata before taps see the frame; we receive each
// frame 4 bytes into its slot so the tag can be put back without moving the payload.
constexpr size_t VLAN_RESERVE = 4;
// Largest GSO super-frame we segment (the kernel's default gso_max_size).
constexpr size_t OVERFLOW_BYTES = 65536;

const char* ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "EUNKNOWN";
}

// Throws a JS Error shaped like Node's system errors: message, code, errno, syscall.
Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err, const std::string& what) {
  std::string msg = what + ": " + syscall + " failed: " + ErrnoName(err) + " (" + strerror(err) + ")";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool GetIfName(const Napi::CallbackInfo& info, size_t i, char out[IFNAMSIZ]) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), "interface name must be a string").ThrowAsJavaScriptException();
    return false;
  }
  std::string s = info[i].As<Napi::String>().Utf8Value();
  if (s.size() >= IFNAMSIZ) {
    Napi::RangeError::New(info.Env(), "interface name '" + s + "' is longer than 15 characters")
        .ThrowAsJavaScriptException();
    return false;
  }
  memset(out, 0, IFNAMSIZ);
  memcpy(out, s.data(), s.size());
  return true;
}

// A throwaway datagram socket for name-based SIOC* ioctls in the caller's network namespace.
int CtlSocket() { return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); }

int IfIoctl(const char* name, unsigned long req, struct ifreq* ifr) {
  int s = CtlSocket();
  if (s < 0) return errno;
  strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
  int r = ioctl(s, req, ifr);
  int e = r < 0 ? errno : 0;
  close(s);
  return e;
}

// ---------------------------------------------------------------------------------------------
// TAP

// openTap(name, {persistent?, vnetHdr?}) -> {fd, name, created, persistent}
Napi::Value OpenTap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  bool wantPersist = false, vnetHdr = false;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    wantPersist = o.Get("persistent").ToBoolean();
    vnetHdr = o.Get("vnetHdr").ToBoolean();
  }
  std::string label = std::string("TAP '") + name + "'";
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ThrowErrno(env, "open(/dev/net/tun)", errno, label);

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, IFNAMSIZ);
  short base = IFF_TAP | IFF_NO_PI | (vnetHdr ? IFF_VNET_HDR : 0);
  bool wildcard = name[0] == 0 || strchr(name, '%') != nullptr;
  bool created = true;
  // IFF_TUN_EXCL makes TUNSETIFF fail with EBUSY if the device exists, which tells us without a
  // race whether we are creating the device or attaching to someone's persistent one.
  ifr.ifr_flags = base | (wildcard ? 0 : IFF_TUN_EXCL);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    if (e == EBUSY && !wildcard) {
      memset(&ifr, 0, sizeof ifr);
      memcpy(ifr.ifr_name, name, IFNAMSIZ);
      ifr.ifr_flags = base;
      created = false;
      if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        e = errno;
        close(fd);
        if (e == EINVAL) label += " exists and is not a TAP device (or has other flags)";
        if (e == EBUSY) label += " exists and is in use by another process";
        return ThrowErrno(env, "ioctl(TUNSETIFF)", e, label);
      }
    } else {
      close(fd);
      return ThrowErrno(env, "ioctl(TUNSETIFF)", e, label);
    }
  }
  bool persistent = false;
  if (created && wantPersist) {
    if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
      int e = errno;
      close(fd);  // not persistent yet, so closing deletes what we just made
      return ThrowErrno(env, "ioctl(TUNSETPERSIST)", e, label);
    }
    persistent = true;
  } else if (!created) {
    struct ifreq q;
    memset(&q, 0, sizeof q);
    if (ioctl(fd, TUNGETIFF, &q) == 0) persistent = (q.ifr_flags & IFF_PERSIST) != 0;
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("fd", fd);
  r.Set("name", Napi::String::New(env, ifr.ifr_name));
  r.Set("created", created);
  r.Set("persistent", persistent);
  return r;
}

// tapSetPersist(fd, on): works on the fd, so also after the device moved to another namespace.
Napi::Value TapSetPersist(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool on = info[1].ToBoolean();
  if (ioctl(fd, TUNSETPERSIST, on ? 1 : 0) < 0) return ThrowErrno(env, "ioctl(TUNSETPERSIST)", errno, "TAP");
  return env.Undefined();
}

// tapSetOffload(fd, flags) -> flags set. TUNSETOFFLOAD: which offloads the kernel may leave to
// us (TUN_F_CSUM, TSO4/6, USO4/6); only meaningful on a TAP opened with vnetHdr. Kernels without
// USO refuse those bits, so they are retried without.
Napi::Value TapSetOffload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  unsigned flags = info[1].As<Napi::Number>().Uint32Value();
  if (ioctl(fd, TUNSETOFFLOAD, flags) < 0) {
    unsigned without = flags & ~(TUN_F_USO4_ | TUN_F_USO6_);
    if (errno != EINVAL || without == flags || ioctl(fd, TUNSETOFFLOAD, without) < 0)
      return ThrowErrno(env, "ioctl(TUNSETOFFLOAD)", errno, "TAP");
    flags = without;
  }
  return Napi::Number::New(env, flags);
}

// tapGetMac(fd) -> Buffer(6). The tun fd answers SIOCGIFHWADDR itself, whatever namespace
// the netdev is in now.
Napi::Value TapGetMac(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) return ThrowErrno(env, "ioctl(SIOCGIFHWADDR)", errno, "TAP");
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(ifr.ifr_hwaddr.sa_data), 6);
}

Napi::Value TapSetMac(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (!info[1].IsTypedArray()) return ThrowType(env, "mac must be a Uint8Array of 6 bytes");
  Napi::Uint8Array mac = info[1].As<Napi::Uint8Array>();
  if (mac.ElementLength() != 6) return ThrowType(env, "mac must be a Uint8Array of 6 bytes");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac.Data(), 6);
  if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0) return ThrowErrno(env, "ioctl(SIOCSIFHWADDR)", errno, "TAP");
  return env.Undefined();
}

// tapIfName(fd) -> the device's current name (TUNGETIFF).
Napi::Value TapIfName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, TUNGETIFF, &ifr) < 0) return ThrowErrno(env, "ioctl(TUNGETIFF)", errno, "TAP");
  return Napi::String::New(env, ifr.ifr_name);
}

// ---------------------------------------------------------------------------------------------
// AF_PACKET

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

// ---------------------------------------------------------------------------------------------
// Name-based link helpers (caller's namespace).

Napi::Value IfIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  unsigned i = if_nametoindex(name);
  if (i == 0) return ThrowErrno(env, "if_nametoindex", errno, std::string("interface '") + name + "'");
  return Napi::Number::New(env, i);
}

Napi::Value GetIfMac(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  int e = IfIoctl(name, SIOCGIFHWADDR, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCGIFHWADDR)", e, std::string("interface '") + name + "'");
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(ifr.ifr_hwaddr.sa_data), 6);
}

Napi::Value SetIfMac(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray()) return ThrowType(env, "mac must be a Uint8Array of 6 bytes");
  Napi::Uint8Array mac = info[1].As<Napi::Uint8Array>();
  if (mac.ElementLength() != 6) return ThrowType(env, "mac must be a Uint8Array of 6 bytes");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac.Data(), 6);
  int e = IfIoctl(name, SIOCSIFHWADDR, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCSIFHWADDR)", e, std::string("interface '") + name + "'");
  return env.Undefined();
}

Napi::Value GetIfMtu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  int e = IfIoctl(name, SIOCGIFMTU, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCGIFMTU)", e, std::string("interface '") + name + "'");
  return Napi::Number::New(env, ifr.ifr_mtu);
}

Napi::Value SetIfMtu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_mtu = info[1].As<Napi::Number>().Int32Value();
  int e = IfIoctl(name, SIOCSIFMTU, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCSIFMTU)", e, std::string("interface '") + name + "'");
  return env.Undefined();
}

Napi::Value GetIfFlags(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  int e = IfIoctl(name, SIOCGIFFLAGS, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCGIFFLAGS)", e, std::string("interface '") + name + "'");
  return Napi::Number::New(env, static_cast<unsigned short>(ifr.ifr_flags));
}

Napi::Value SetIfUp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char name[IFNAMSIZ];
  if (!GetIfName(info, 0, name)) return env.Undefined();
  bool up = info[1].ToBoolean();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  std::string label = std::string("interface '") + name + "'";
  int e = IfIoctl(name, SIOCGIFFLAGS, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCGIFFLAGS)", e, label);
  if (up) ifr.ifr_flags |= IFF_UP;
  else ifr.ifr_flags &= ~IFF_UP;
  e = IfIoctl(name, SIOCSIFFLAGS, &ifr);
  if (e) return ThrowErrno(env, "ioctl(SIOCSIFFLAGS)", e, label);
  return env.Undefined();
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

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (fd >= 0) close(fd);
  return info.Env().Undefined();
}

Napi::Value ErrnoNameJs(const Napi::CallbackInfo& info) {
  int e = info[0].As<Napi::Number>().Int32Value();
  return Napi::String::New(info.Env(), ErrnoName(e < 0 ? -e : e));
}

// Errors after which the fd will never work again: the TAP was detached from its netdev
// (EBADFD: its namespace was deleted) or the netdev is gone (ENODEV/ENXIO).
// ENETDOWN and EIO are not in the list: a TAP moved into a namespace is down until someone sets
// it up there, and an AF_PACKET socket recovers by itself when its device comes back up.
bool IsFatal(int e) { return e == EBADFD || e == EBADF || e == ENODEV || e == ENXIO; }

// Finishes a checksum the sender left to "hardware" (virtio NEEDS_CSUM): ones' complement sum
// from csum_start to the end, the field already holding the pseudo-header sum.
bool CompleteChecksum(uint8_t* f, size_t len, size_t start, size_t off) {
  if (start + off + 2 > len) return false;
  uint64_t sum = 0;
  size_t i = start;
  for (; i + 1 < len; i += 2) sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
  if (i < len) sum += static_cast<uint32_t>(f[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t c = static_cast<uint16_t>(~sum);
  if (c == 0) c = 0xffff;  // as the kernel does (CSUM_MANGLED_0); 0 means "none" for UDP
  f[start + off] = c >> 8;
  f[start + off + 1] = c & 0xff;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Poller: uv_poll on the Node loop; each wakeup reads up to maxBatches batches of up to
// maxFrames frames into the JS-owned rx buffer and makes one JS call per batch.

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod("start", &Poller::Start), InstanceMethod("stop", &Poller::Stop),
                        InstanceMethod("close", &Poller::Close), InstanceMethod("ref", &Poller::RefJs),
                        InstanceMethod("unref", &Poller::UnrefJs), InstanceMethod("stats", &Poller::Stats)});
  }

  // new Poller(fd, mode, vnetHdr, rxBuf: Uint8Array, offs: Int32Array, lens: Int32Array,
  //            slotBytes, maxFrames, maxBatches, onBatch(count), onError(name, errno, fatal))
  // onError(fatal = true) comes once and polling has stopped; fatal = false is ENETDOWN.
  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
    env_ = env;
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
    gsoBase_ = vnet_ ? static_cast<size_t>(slot_) * maxFrames_ : buf.ByteLength();
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
      if (bufLen_ < gsoBase_ + slot_) {
        Napi::RangeError::New(env, "Poller: vnet mode needs a segment area of one slot after the receive slots")
            .ThrowAsJavaScriptException();
        return;
      }
      hdrs_.resize(1);
      overflow_.reset(new uint8_t[OVERFLOW_BYTES]);
      scratch_.resize(slot_ + OVERFLOW_BYTES + 8);
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
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    handle_ = new uv_poll_t;
    if (uv_poll_init(loop, handle_, fd_) != 0) {
      delete handle_;
      handle_ = nullptr;
      Napi::Error::New(env, "uv_poll_init failed").ThrowAsJavaScriptException();
      return;
    }
    handle_->data = this;
    // Env teardown (process exit, worker termination) must not find a live handle.
    napi_add_env_cleanup_hook(env, CleanupHook, this);
    hookAdded_ = true;
  }

  ~Poller() override { CloseHandle(); }

 private:
  static void CleanupHook(void* arg) {
    Poller* p = static_cast<Poller*>(arg);
    p->hookAdded_ = false;
    p->CloseHandle();
  }

  void CloseHandle() {
    if (hookAdded_) {
      napi_remove_env_cleanup_hook(env_, CleanupHook, this);
      hookAdded_ = false;
    }
    closed_ = true;
    active_ = false;
    if (handle_) {
      handle_->data = nullptr;
      // uv_close stops the poll and removes the fd from epoll right now; the memory is
      // freed on the loop's next close phase.
      uv_close(reinterpret_cast<uv_handle_t*>(handle_),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      handle_ = nullptr;
    }
    if (selfRef_) {
      selfRef_ = false;
      Unref();
    }
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (closed_ || failed_) return info.Env().Undefined();
    int r = uv_poll_start(handle_, UV_READABLE, OnPoll);
    active_ = r == 0;
    if (r != 0) {
      Napi::Error::New(info.Env(), std::string("uv_poll_start: ") + uv_strerror(r)).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    // While polling, the JS object must not be collected out from under the handle.
    if (!selfRef_) {
      selfRef_ = true;
      Ref();
    }
    return info.Env().Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    active_ = false;
    if (handle_) uv_poll_stop(handle_);
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseHandle();
    return info.Env().Undefined();
  }

  Napi::Value RefJs(const Napi::CallbackInfo& info) {
    if (handle_) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefJs(const Napi::CallbackInfo& info) {
    if (handle_) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("wakeups", static_cast<double>(wakeups_));
    o.Set("batches", static_cast<double>(batches_));
    o.Set("frames", static_cast<double>(frames_));
    o.Set("truncated", static_cast<double>(truncated_));
    o.Set("gso", static_cast<double>(gso_));
    o.Set("gsoSegmented", static_cast<double>(gsoSegmented_));
    o.Set("csumFixed", static_cast<double>(csumFixed_));
    o.Set("vlanRestored", static_cast<double>(vlanRestored_));
    o.Set("softErrors", static_cast<double>(softErrors_));
    o.Set("lastErrno", lastErrno_ ? Napi::Value(Napi::String::New(env, ErrnoName(lastErrno_))) : env.Null());
    o.Set("failed", failed_);
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
      // libuv stopped the handle on POLLERR; find out what it was and resume if it is harmless
      // (e.g. ENETDOWN queued on an AF_PACKET socket when its device went down).
      int e = ProbeError();
      if (e != 0 && IsFatal(e)) return Fail(e);
      if (!closed_ && handle_) uv_poll_start(handle_, UV_READABLE, OnPoll);
      if (e != 0 && !SoftError(e)) return;
    }
    for (uint32_t b = 0; b < maxBatches_ && active_; b++) {
      int err = 0;
      bool drained = false;
      bool alive = mode_ == MODE_TAP ? ReadTap(&drained, &err) : ReadPacket(&drained, &err);
      if (!alive) return;  // closed from inside a callback
      if (err != 0) {
        if (IsFatal(err)) return Fail(err);
        SoftError(err);
        return;
      }
      if (drained) return;  // the kernel queue is empty (EAGAIN or a short batch)
    }
    // Cap reached with frames still queued: epoll is level-triggered, so we are woken again on
    // the next loop turn after the other ports had theirs.
  }

  void Call(Napi::FunctionReference& fn, size_t argc, const napi_value* argv) {
    napi_value result;
    napi_status s = napi_make_callback(env_, *ctx_, Value(), fn.Value(), argc, argv, &result);
    if (s == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env_, &exc);
      // Same fate as an exception thrown from any event callback: 'uncaughtException'.
      napi_fatal_exception(env_, exc);
    }
  }

  void Fail(int e) {
    failed_ = true;
    active_ = false;
    lastErrno_ = e;
    if (handle_) uv_poll_stop(handle_);
    napi_value argv[3] = {Napi::String::New(env_, ErrnoName(e)), Napi::Number::New(env_, e), Napi::Boolean::New(env_, true)};
    Call(onError_, 3, argv);
  }

  // Counts a transient error; ENETDOWN (the device went down — or is being deleted, which
  // takes it down first) is also reported to JS, which decides what it means. Returns false if
  // JS closed the poller.
  bool SoftError(int e) {
    softErrors_++;
    lastErrno_ = e;
    if (e != ENETDOWN) return true;
    napi_value argv[3] = {Napi::String::New(env_, ErrnoName(e)), Napi::Number::New(env_, e), Napi::Boolean::New(env_, false)};
    Call(onError_, 3, argv);
    return !closed_;
  }

  // Hands the frames collected so far (offs_/lens_[0 .. outN_)) to JS in one call. Returns
  // false if JS closed the poller meanwhile.
  bool FlushOut() {
    if (outN_ > 0) {
      batches_++;
      frames_ += outN_;
      napi_value argv[1] = {Napi::Number::New(env_, outN_)};
      outN_ = 0;
      gsoPos_ = gsoBase_;
      tapPos_ = 0;
      Call(onBatch_, 1, argv);
    }
    return !closed_;
  }

  bool ReadTap(bool* drained, int* err) {
    // Frames are packed (8-byte aligned) rather than one per slot: TAP reads return exact
    // lengths, so small frames leave room for more. A read needs a whole slot free.
    // tapPos_ goes back to 0 whenever FlushOut hands the collected frames to JS.
    tapPos_ = 0;
    while (outN_ < maxFrames_ && tapPos_ + slot_ <= gsoBase_) {
      uint8_t* f = buf_ + tapPos_;
      ssize_t r;
      if (vnet_) {
        // With IFF_VNET_HDR + offloads the kernel hands over TSO super-frames: the part past
        // the slot lands in the overflow area and SegmentGso cuts the frame up.
        struct iovec iov[3] = {{&hdrs_[0], VNET_HDR_LEN}, {f, slot_}, {overflow_.get(), OVERFLOW_BYTES}};
        r = readv(fd_, iov, 3);
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
        if (len < VNET_HDR_LEN) continue;
        len -= VNET_HDR_LEN;
        const VnetHdr h = hdrs_[0];
        if ((h.gso_type & ~VNET_GSO_ECN) != VNET_GSO_NONE) {
          if (SegmentGso(f, slot_, overflow_.get(), len, h, false, 0, 0)) gsoSegmented_++;
          else if (closed_) return false;
          else gso_++;
          continue;
        }
        if (len > slot_) {
          truncated_++;
          continue;
        }
        if ((h.flags & VNET_F_NEEDS_CSUM) &&
            CompleteChecksum(f, len, le16toh(h.csum_start), le16toh(h.csum_offset)))
          csumFixed_++;
      } else if (len > slot_) {  // tun reports the full length of what it cut
        truncated_++;
        continue;
      }
      if (len < 14) continue;
      offs_[outN_] = static_cast<int32_t>(tapPos_);
      lens_[outN_] = static_cast<int32_t>(len);
      outN_++;
      tapPos_ += (len + 7) & ~static_cast<size_t>(7);
    }
    return FlushOut();
  }

  bool ReadPacket(bool* drained, int* err) {
    const size_t cs = CMSG_SPACE(sizeof(struct tpacket_auxdata));
    for (uint32_t i = 0; i < maxFrames_; i++) {
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
    const size_t inSlot = slot_ - VLAN_RESERVE;
    for (int i = 0; i < r; i++) {
      struct msghdr& m = msgs_[i].msg_hdr;
      size_t len = msgs_[i].msg_len;
      uint8_t* slot = buf_ + static_cast<size_t>(i) * slot_;
      uint8_t* f = slot + VLAN_RESERVE;
      if (m.msg_flags & MSG_TRUNC) {
        truncated_++;
        continue;
      }
      // The 802.1Q tag AF_PACKET moved into metadata, if any.
      bool tagged = false;
      uint16_t tpid = 0, tci = 0;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (aux.tp_status & TP_STATUS_VLAN_VALID) {
          tagged = true;
          tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q;
          tci = aux.tp_vlan_tci;
        }
      }
      if (vnet_) {
        if (len < VNET_HDR_LEN) continue;
        len -= VNET_HDR_LEN;
        const VnetHdr& h = hdrs_[i];
        if ((h.gso_type & ~VNET_GSO_ECN) != VNET_GSO_NONE) {
          // A segmentation-offload super-frame (a veth peer or VM with TSO on): cut it into
          // MTU-sized frames as the NIC would have.
          const uint8_t* over = overflow_ ? overflow_.get() + static_cast<size_t>(i) * OVERFLOW_BYTES : nullptr;
          if (!SegmentGso(f, inSlot, over, len, h, tagged, tpid, tci)) {
            if (closed_) return false;
            gso_++;
          } else {
            gsoSegmented_++;
          }
          continue;
        }
        if (len > inSlot) {  // larger than the MTU allows and not GSO: not a valid frame
          truncated_++;
          continue;
        }
        if (h.flags & VNET_F_NEEDS_CSUM) {
          if (CompleteChecksum(f, len, le16toh(h.csum_start), le16toh(h.csum_offset))) csumFixed_++;
        }
      }
      if (len < 14 || len > inSlot) continue;
      uint32_t off = VLAN_RESERVE;
      if (tagged) {
        memmove(slot, f, 12);
        slot[12] = tpid >> 8;
        slot[13] = tpid & 0xff;
        slot[14] = tci >> 8;
        slot[15] = tci & 0xff;
        off = 0;
        len += 4;
        vlanRestored_++;
      }
      offs_[outN_] = static_cast<int32_t>(static_cast<size_t>(i) * slot_ + off);
      lens_[outN_] = static_cast<int32_t>(len);
      outN_++;
      if (outN_ == outCap_ && !FlushOut()) return false;
    }
    return FlushOut();
  }

  // Room for one output frame of len bytes in the segment area after the receive slots,
  // handing the frames collected so far to JS first when the area or the arrays are full.
  uint8_t* EmitSlot(size_t len) {
    if (outN_ == outCap_ || gsoPos_ + len > bufLen_) {
      if (!FlushOut()) return nullptr;
      if (gsoPos_ + len > bufLen_) return nullptr;
    }
    uint8_t* p = buf_ + gsoPos_;
    offs_[outN_] = static_cast<int32_t>(gsoPos_);
    lens_[outN_] = static_cast<int32_t>(len);
    outN_++;
    gsoPos_ += (len + 7) & ~static_cast<size_t>(7);
    return p;
  }

  // Software GSO for TCPv4/TCPv6 (TSO) and UDP (USO) super-frames: the kernel's segmentation,
  // done here because the peer assumed a NIC would do it. Returns false (frame dropped) for
  // anything else or malformed input.
  // f/inSlot: the frame's first part (in its receive slot); over: the rest; len: total length.
  bool SegmentGso(const uint8_t* f, size_t inSlot, const uint8_t* over, size_t len, const VnetHdr& h, bool tagged,
                  uint16_t tpid, uint16_t tci) {
    if (!over || gsoBase_ + slot_ > bufLen_) return false;
    // Make the frame contiguous (it is split between the slot and its overflow area), with the
    // VLAN tag put back, in the scratch buffer.
    size_t total = len + (tagged ? 4 : 0);
    if (total > scratch_.size()) return false;
    uint8_t* t = scratch_.data();
    size_t first = len < inSlot ? len : inSlot;
    size_t shift = 0;
    if (tagged) {
      if (first < 12) return false;
      memcpy(t, f, 12);
      t[12] = tpid >> 8;
      t[13] = tpid & 0xff;
      t[14] = tci >> 8;
      t[15] = tci & 0xff;
      memcpy(t + 16, f + 12, first - 12);
      shift = 4;
    } else {
      memcpy(t, f, first);
    }
    if (len > first) memcpy(t + first + shift, over, len - first);
    len = total;

    const uint8_t type = h.gso_type & ~VNET_GSO_ECN;
    const size_t mss = le16toh(h.gso_size);
    size_t l3 = 12;
    uint16_t et = Get16(t + 12);
    while ((et == 0x8100 || et == 0x88a8) && l3 + 6 <= len) {
      l3 += 4;
      et = Get16(t + l3);
    }
    l3 += 2;
    bool v6;
    size_t ihl = 0;
    if (et == 0x0800) {
      v6 = false;
      if (l3 + 20 > len) return false;
      ihl = static_cast<size_t>(t[l3] & 0x0f) * 4;
      if (ihl < 20) return false;
    } else if (et == 0x86dd) {
      v6 = true;
      if (l3 + 40 > len) return false;
    } else {
      return false;
    }
    // With NEEDS_CSUM the header says where L4 starts (past any IPv6 extension headers).
    size_t l4 = (h.flags & VNET_F_NEEDS_CSUM) ? le16toh(h.csum_start) + shift : l3 + (v6 ? 40 : ihl);
    bool tcp;
    size_t l4hdr;
    if (type == 1 /* TCPV4 */ || type == 4 /* TCPV6 */) {
      if (l4 + 20 > len) return false;
      tcp = true;
      l4hdr = static_cast<size_t>(t[l4 + 12] >> 4) * 4;
      if (l4hdr < 20) return false;
    } else if (type == 5 /* UDP_L4 */) {
      tcp = false;
      l4hdr = 8;
    } else {
      return false;  // UFO (IP fragmentation) and unknown kinds
    }
    const size_t hdrs = l4 + l4hdr;
    if (mss == 0 || hdrs > len || hdrs + mss > slot_) return false;
    const size_t payload = len - hdrs;
    const size_t nseg = payload == 0 ? 1 : (payload + mss - 1) / mss;
    const uint32_t seq0 = tcp ? Get32(t + l4 + 4) : 0;
    const uint16_t id0 = v6 ? 0 : Get16(t + l3 + 4);
    const uint8_t flags0 = tcp ? t[l4 + 13] : 0;
    const uint8_t proto = tcp ? 6 : 17;
    for (size_t k = 0; k < nseg; k++) {
      const size_t plen = payload - k * mss < mss ? payload - k * mss : mss;
      const size_t seglen = hdrs + plen;
      uint8_t* o = EmitSlot(seglen);
      if (!o) return false;
      memcpy(o, t, hdrs);
      memcpy(o + hdrs, t + hdrs + k * mss, plen);
      if (!v6) {
        Put16(o + l3 + 2, static_cast<uint16_t>(seglen - l3));
        Put16(o + l3 + 4, static_cast<uint16_t>(id0 + k));
        Put16(o + l3 + 10, 0);
        Put16(o + l3 + 10, static_cast<uint16_t>(~Fold(Sum(o + l3, ihl, 0))));
      } else {
        Put16(o + l3 + 4, static_cast<uint16_t>(seglen - l3 - 40));
      }
      const size_t l4len = seglen - l4;
      size_t csumAt;
      if (tcp) {
        Put32(o + l4 + 4, seq0 + static_cast<uint32_t>(k * mss));
        uint8_t fl = flags0;
        if (k + 1 < nseg) fl &= static_cast<uint8_t>(~0x09);  // FIN, PSH only on the last
        if (k > 0) fl &= static_cast<uint8_t>(~0x80);         // CWR only on the first
        o[l4 + 13] = fl;
        csumAt = l4 + 16;
      } else {
        Put16(o + l4 + 4, static_cast<uint16_t>(l4len));
        csumAt = l4 + 6;
      }
      Put16(o + csumAt, 0);
      uint64_t sum = 0;
      if (!v6) {
        sum = Sum(o + l3 + 12, 8, 0);
      } else {
        sum = Sum(o + l3 + 8, 32, 0);
        sum += static_cast<uint32_t>(l4len >> 16);
      }
      sum += proto;
      sum += static_cast<uint32_t>(l4len & 0xffff);
      sum = Sum(o + l4, l4len, sum);
      uint16_t c = static_cast<uint16_t>(~Fold(sum));
      if (!tcp && c == 0) c = 0xffff;
      Put16(o + csumAt, c);
    }
    return true;
  }

  static uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
  static uint32_t Get32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
  }
  static void Put16(uint8_t* p, uint16_t v) {
    p[0] = v >> 8;
    p[1] = v & 0xff;
  }
  static void Put32(uint8_t* p, uint32_t v) {
    p[0] = v >> 24;
    p[1] = (v >> 16) & 0xff;
    p[2] = (v >> 8) & 0xff;
    p[3] = v & 0xff;
  }
  static uint64_t Sum(const uint8_t* p, size_t n, uint64_t sum) {
    size_t i = 0;
    for (; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (i < n) sum += static_cast<uint32_t>(p[i] << 8);
    return sum;
  }
  static uint16_t Fold(uint64_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(s);
  }

  napi_env env_ = nullptr;
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
  std::unique_ptr<uint8_t[]> overflow_;  // maxFrames_ * OVERFLOW_BYTES, touched only by GSO frames
  std::vector<uint8_t> scratch_;
  Napi::ObjectReference bufRef_, offsRef_, lensRef_;
  Napi::FunctionReference onBatch_, onError_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iovs_;
  std::vector<VnetHdr> hdrs_;
  std::vector<uint8_t> cmsg_;
  uv_poll_t* handle_ = nullptr;
  bool closed_ = false, failed_ = false, selfRef_ = false, hookAdded_ = false, active_ = false;
  uint64_t wakeups_ = 0, batches_ = 0, frames_ = 0, truncated_ = 0, gso_ = 0, gsoSegmented_ = 0, csumFixed_ = 0,
           vlanRestored_ = 0, softErrors_ = 0;
  int lastErrno_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Writer: JS copies frames into the tx buffer (exposed once) and calls writeBatch(count).

class Writer : public Napi::ObjectWrap<Writer> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Writer",
                       {InstanceMethod("writeBatch", &Writer::WriteBatch), InstanceMethod("stats", &Writer::Stats)});
  }

  // new Writer(fd, mode, vnetHdr, txBuf: Uint8Array, offs: Int32Array, lens: Int32Array)
  explicit Writer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Writer>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 6 || !info[3].IsTypedArray() || !info[4].IsTypedArray() || !info[5].IsTypedArray()) {
      ThrowType(env, "Writer(fd, mode, vnetHdr, buf, offs, lens)");
      return;
    }
    fd_ = info[0].As<Napi::Number>().Int32Value();
    mode_ = info[1].As<Napi::Number>().Int32Value();
    vnet_ = info[2].ToBoolean();
    Napi::Uint8Array buf = info[3].As<Napi::Uint8Array>();
    Napi::Int32Array offs = info[4].As<Napi::Int32Array>();
    Napi::Int32Array lens = info[5].As<Napi::Int32Array>();
    bufRef_ = Napi::Persistent(static_cast<Napi::Object>(buf));
    offsRef_ = Napi::Persistent(static_cast<Napi::Object>(offs));
    lensRef_ = Napi::Persistent(static_cast<Napi::Object>(lens));
    buf_ = buf.Data();
    bufLen_ = buf.ByteLength();
    offs_ = offs.Data();
    lens_ = lens.Data();
    max_ = static_cast<uint32_t>(offs.ElementLength() < lens.ElementLength() ? offs.ElementLength()
                                                                              : lens.ElementLength());
    memset(&zeroHdr_, 0, sizeof zeroHdr_);
    if (mode_ == MODE_PACKET) {
      msgs_.resize(max_);
      iovs_.resize(2 * max_);
    }
  }

 private:
  // Returns frames written (>= 0; the rest were dropped: queue full, device down, too big), or
  // -errno when the device is gone for good (EBADFD, ENODEV, ENXIO).
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t count = info[0].As<Napi::Number>().Uint32Value();
    if (count > max_) count = max_;
    // Validate every slot against the buffer so a JS bug cannot make us read outside it.
    for (uint32_t i = 0; i < count; i++) {
      if (offs_[i] < 0 || lens_[i] < 0 || static_cast<size_t>(offs_[i]) + static_cast<size_t>(lens_[i]) > bufLen_) {
        Napi::RangeError::New(env, "writeBatch: frame outside the tx buffer").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    int r = mode_ == MODE_TAP ? WriteTap(count) : WritePacket(count);
    return Napi::Number::New(env, r);
  }

  int WriteTap(uint32_t count) {
    int sent = 0;
    for (uint32_t i = 0; i < count; i++) {
      ssize_t r;
      do {
        if (vnet_) {  // IFF_VNET_HDR: every write starts with a header; zero = plain frame
          struct iovec iov[2] = {{&zeroHdr_, VNET_HDR_LEN}, {buf_ + offs_[i], static_cast<size_t>(lens_[i])}};
          r = writev(fd_, iov, 2);
        } else {
          r = write(fd_, buf_ + offs_[i], static_cast<size_t>(lens_[i]));
        }
      } while (r < 0 && errno == EINTR);
      if (r < 0) {
        int e = errno;
        lastErrno_ = e;
        if (IsFatal(e)) {
          dropped_ += count - i;
          return -e;
        }
        dropped_++;
        continue;
      }
      sent++;
    }
    frames_ += sent;
    return sent;
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
      iov[k].iov_base = buf_ + offs_[i];
      iov[k].iov_len = static_cast<size_t>(lens_[i]);
      k++;
      m.msg_iov = iov;
      m.msg_iovlen = k;
    }
    int sent = 0;
    uint32_t i = 0;
    while (i < count) {
      int r = sendmmsg(fd_, &msgs_[i], count - i, MSG_DONTWAIT);
      if (r < 0) {
        int e = errno;
        if (e == EINTR) continue;
        lastErrno_ = e;
        if (IsFatal(e)) {
          dropped_ += count - i;
          return -e;
        }
        if (e == EMSGSIZE || e == EINVAL) {  // this frame only
          dropped_++;
          i++;
          continue;
        }
        dropped_ += count - i;  // queue full or device down: the rest would fail the same way
        break;
      }
      sent += r;
      i += static_cast<uint32_t>(r);
    }
    frames_ += sent;
    return sent;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("frames", static_cast<double>(frames_));
    o.Set("dropped", static_cast<double>(dropped_));
    o.Set("lastErrno", lastErrno_ ? Napi::Value(Napi::String::New(env, ErrnoName(lastErrno_))) : env.Null());
    return o;
  }

  int fd_ = -1;
  int mode_ = MODE_TAP;
  bool vnet_ = false;
  uint8_t* buf_ = nullptr;
  size_t bufLen_ = 0;
  int32_t* offs_ = nullptr;
  int32_t* lens_ = nullptr;
  uint32_t max_ = 0;
  Napi::ObjectReference bufRef_, offsRef_, lensRef_;
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iovs_;
  VnetHdr zeroHdr_;
  uint64_t frames_ = 0, dropped_ = 0;
  int lastErrno_ = 0;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("openTap", Napi::Function::New(env, OpenTap));
  exports.Set("tapSetPersist", Napi::Function::New(env, TapSetPersist));
  exports.Set("tapGetMac", Napi::Function::New(env, TapGetMac));
  exports.Set("tapSetOffload", Napi::Function::New(env, TapSetOffload));
  exports.Set("tapSetMac", Napi::Function::New(env, TapSetMac));
  exports.Set("tapIfName", Napi::Function::New(env, TapIfName));
  exports.Set("openPacket", Napi::Function::New(env, OpenPacket));
  exports.Set("packetBoundIfindex", Napi::Function::New(env, PacketBoundIfindex));
  exports.Set("ifFlagsByIndex", Napi::Function::New(env, IfFlagsByIndex));
  exports.Set("ifIndex", Napi::Function::New(env, IfIndex));
  exports.Set("getIfMac", Napi::Function::New(env, GetIfMac));
  exports.Set("setIfMac", Napi::Function::New(env, SetIfMac));
  exports.Set("getIfMtu", Napi::Function::New(env, GetIfMtu));
  exports.Set("setIfMtu", Napi::Function::New(env, SetIfMtu));
  exports.Set("getIfFlags", Napi::Function::New(env, GetIfFlags));
  exports.Set("setIfUp", Napi::Function::New(env, SetIfUp));
  exports.Set("ethtoolGet", Napi::Function::New(env, EthtoolGet));
  exports.Set("ethtoolSet", Napi::Function::New(env, EthtoolSet));
  exports.Set("ethtoolSpeed", Napi::Function::New(env, EthtoolSpeed));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoNameJs));
  exports.Set("Poller", Poller::Init(env));
  exports.Set("Writer", Writer::Init(env));
  Napi::Object c = Napi::Object::New(env);
  c.Set("MODE_TAP", MODE_TAP);
  c.Set("MODE_PACKET", MODE_PACKET);
  c.Set("TUN_F_CSUM", static_cast<uint32_t>(TUN_F_CSUM));
  c.Set("TUN_F_TSO4", static_cast<uint32_t>(TUN_F_TSO4));
  c.Set("TUN_F_TSO6", static_cast<uint32_t>(TUN_F_TSO6));
  c.Set("TUN_F_TSO_ECN", static_cast<uint32_t>(TUN_F_TSO_ECN));
  c.Set("TUN_F_USO4", TUN_F_USO4_);
  c.Set("TUN_F_USO6", TUN_F_USO6_);
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
  c.Set("IFF_UP", static_cast<uint32_t>(IFF_UP));
  c.Set("IFF_RUNNING", static_cast<uint32_t>(IFF_RUNNING));
  c.Set("IFF_PROMISC", static_cast<uint32_t>(IFF_PROMISC));
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(softbr_native, Init)
