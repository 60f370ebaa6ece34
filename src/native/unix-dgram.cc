// AF_UNIX SOCK_DGRAM sockets, which Node cannot make: the data socket of a VDE port, bound at a
// path of ours and connected to the client's own datagram socket. One frame per datagram, so the
// fd is read and written by the Poller/Writer in their TAP mode (read()/write() per frame).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

namespace softbr {
namespace {

bool FillAddr(Napi::Env env, const Napi::Value& v, struct sockaddr_un* a, const char* what) {
  if (!v.IsString()) {
    ThrowType(env, std::string(what) + " must be a socket path");
    return false;
  }
  std::string p = v.As<Napi::String>().Utf8Value();
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (p.empty() || p.size() >= sizeof a->sun_path || p.find('\0') != std::string::npos) {
    ThrowType(env, std::string(what) + " must be a path of 1 to 107 bytes");
    return false;
  }
  memcpy(a->sun_path, p.data(), p.size());
  return true;
}

// unixDgramOpen(bindPath, peerPath, mode, gid, sndbufBytes) -> fd (non-blocking, close-on-exec).
// Connects first, so a peer that is gone fails before anything is created at bindPath; a stale
// file at bindPath is replaced. gid < 0 leaves the group; sndbufBytes 0 leaves the kernel's.
Napi::Value UnixDgramOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct sockaddr_un self, peer;
  if (info.Length() < 5 || !FillAddr(env, info[0], &self, "bindPath") || !FillAddr(env, info[1], &peer, "peerPath"))
    return env.Undefined();
  mode_t mode = info[2].As<Napi::Number>().Uint32Value() & 07777;
  int gid = info[3].As<Napi::Number>().Int32Value();
  int sndbuf = info[4].As<Napi::Number>().Int32Value();
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket", errno, "AF_UNIX datagram socket");
  if (connect(fd, reinterpret_cast<struct sockaddr*>(&peer), sizeof peer) < 0) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, "connect", e, peer.sun_path);
  }
  if (unlink(self.sun_path) < 0 && errno != ENOENT) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, "unlink", e, self.sun_path);
  }
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&self), sizeof self) < 0) {
    int e = errno;
    close(fd);
    return ThrowErrno(env, "bind", e, self.sun_path);
  }
  const char* step = nullptr;
  if (chmod(self.sun_path, mode) < 0) step = "chmod";
  else if (gid >= 0 && chown(self.sun_path, static_cast<uid_t>(-1), static_cast<gid_t>(gid)) < 0) step = "chown";
  else if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0) step = "setsockopt(SO_SNDBUF)";
  if (step != nullptr) {
    int e = errno;
    unlink(self.sun_path);
    close(fd);
    return ThrowErrno(env, step, e, self.sun_path);
  }
  return Napi::Number::New(env, fd);
}

}  // namespace

void RegisterUnixDgram(Napi::Env env, Napi::Object exports, Napi::Object constants) {
  exports.Set("unixDgramOpen", Napi::Function::New(env, UnixDgramOpen));
}

}  // namespace softbr
