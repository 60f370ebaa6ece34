{
  # softbr's native addon: TAP, AF_PACKET and unix datagram syscalls with batched I/O, and vhost-user (src/native/*.cc; the
  # header comment of addon.cc says which file does what).
  # npm runs `node-gyp rebuild` for this file during `npm install`; the result is
  # build/Release/softbr_native.node, loaded by src/native/index.ts.
  "targets": [
    {
      "target_name": "softbr_native",
      "sources": [
        "src/native/addon.cc",
        "src/native/common.cc",
        "src/native/checksum.cc",
        "src/native/tap.cc",
        "src/native/packet.cc",
        "src/native/link.cc",
        "src/native/poller.cc",
        "src/native/writer.cc",
        "src/native/gso.cc",
        "src/native/gso-addon.cc",
        "src/native/unix-dgram.cc",
        "src/native/netlink.cc",
        "src/native/vhost-ring.cc",
        "src/native/vhost.cc",
        "src/native/uring.cc",
        "src/native/packet-ring.cc",
        "src/native/udp.cc",
        "src/native/busy-poll.cc"
      ],
      # liburing (Debian liburing-dev) linked statically: the addon needs no liburing at run time.
      "libraries": ["-l:liburing.a"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "_GNU_SOURCE"
      ],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
    }
  ]
}
