// Name-based interface ioctls in the caller's network namespace: ifindex, MAC, MTU, flags and
// up/down, for devices the port drivers open by name.
#include <errno.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common.h"

namespace softbr {
namespace {

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

}  // namespace

void RegisterLink(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("ifIndex", Napi::Function::New(env, IfIndex));
  exports.Set("getIfMac", Napi::Function::New(env, GetIfMac));
  exports.Set("setIfMac", Napi::Function::New(env, SetIfMac));
  exports.Set("getIfMtu", Napi::Function::New(env, GetIfMtu));
  exports.Set("setIfMtu", Napi::Function::New(env, SetIfMtu));
  exports.Set("getIfFlags", Napi::Function::New(env, GetIfFlags));
  exports.Set("setIfUp", Napi::Function::New(env, SetIfUp));
  c.Set("IFF_UP", static_cast<uint32_t>(IFF_UP));
  c.Set("IFF_RUNNING", static_cast<uint32_t>(IFF_RUNNING));
  c.Set("IFF_PROMISC", static_cast<uint32_t>(IFF_PROMISC));
}

}  // namespace softbr
