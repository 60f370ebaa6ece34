// TAP devices: opening /dev/net/tun (create, or attach to a persistent device), and the ioctls
// that work on a tun fd wherever its netdev lives now (persistence, offloads, MAC, name).
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"

namespace softbr {
namespace {

// Newer than this system's <linux/if_tun.h>.
constexpr unsigned TUN_F_USO4_ = 0x20;
constexpr unsigned TUN_F_USO6_ = 0x40;

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

}  // namespace

void RegisterTap(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("openTap", Napi::Function::New(env, OpenTap));
  exports.Set("tapSetPersist", Napi::Function::New(env, TapSetPersist));
  exports.Set("tapGetMac", Napi::Function::New(env, TapGetMac));
  exports.Set("tapSetOffload", Napi::Function::New(env, TapSetOffload));
  exports.Set("tapSetMac", Napi::Function::New(env, TapSetMac));
  exports.Set("tapIfName", Napi::Function::New(env, TapIfName));
  c.Set("TUN_F_CSUM", static_cast<uint32_t>(TUN_F_CSUM));
  c.Set("TUN_F_TSO4", static_cast<uint32_t>(TUN_F_TSO4));
  c.Set("TUN_F_TSO6", static_cast<uint32_t>(TUN_F_TSO6));
  c.Set("TUN_F_TSO_ECN", static_cast<uint32_t>(TUN_F_TSO_ECN));
  c.Set("TUN_F_USO4", TUN_F_USO4_);
  c.Set("TUN_F_USO6", TUN_F_USO6_);
}

}  // namespace softbr
