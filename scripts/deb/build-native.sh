#!/usr/bin/env bash
# Compiles the one native module, better-sqlite3, for a Debian architecture, and keeps only what loads.
#   build-native.sh MODULE_DIR ARCH
# MODULE_DIR is node_modules/better-sqlite3 as staged by `npm ci --omit=dev --ignore-scripts` (JavaScript only);
# ARCH is the Debian architecture (amd64, arm64). Native builds use the host's g++; foreign ones cross-compile
# with Debian's gcc-<triplet> (compiling SQLite under qemu-user would take most of an hour).
# Node headers: NODEDIR if set, else the host's (/usr/include/node from a NodeSource nodejs, or Debian's
# libnode-dev in /usr/include/nodejs). They must be Node 20 (ABI 115), as the package's Depends says; V8 headers
# are the same for every architecture, so the host's serve a cross build too.
# Used by build-deb.sh (and so by the appliance, which installs the .deb).
set -euo pipefail
bs=$1 arch=$2
host_arch=$(dpkg --print-architecture)
node_gyp=${NODE_GYP:-$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js}
[ -f "$node_gyp" ] || { echo "build-native: node-gyp not found (npm's bundled copy; set NODE_GYP)" >&2; exit 1; }
if [ -z "${NODEDIR:-}" ]; then
  if [ -f /usr/include/node/node_version.h ]; then NODEDIR=/usr
  elif [ -f /usr/include/nodejs/include/node/node_version.h ] || [ -f /usr/include/nodejs/src/node_version.h ]; then NODEDIR=/usr/include/nodejs
  else echo "build-native: no Node headers (install libnode-dev, or set NODEDIR)" >&2; exit 1
  fi
fi
t0=$(date +%s)
if [ "$arch" = "$host_arch" ]; then
  (cd "$bs" && node "$node_gyp" rebuild --release --jobs=2 --nodedir="$NODEDIR") >&2 ||
    { echo "build-native: native build of better-sqlite3 failed" >&2; exit 1; }
  strip_cmd=strip
else
  case $arch in
    arm64) triplet=aarch64-linux-gnu gyp_arch=arm64 ;;
    amd64) triplet=x86_64-linux-gnu gyp_arch=x64 ;;
    *) echo "build-native: no cross toolchain for $arch" >&2; exit 1 ;;
  esac
  command -v "$triplet-g++" >/dev/null || { echo "build-native: $triplet-g++ missing (apt-get install g++-$triplet)" >&2; exit 1; }
  (cd "$bs" && CC=$triplet-gcc CXX=$triplet-g++ LINK=$triplet-g++ AR=$triplet-ar \
    node "$node_gyp" rebuild --release --jobs=2 --arch="$gyp_arch" --nodedir="$NODEDIR") >&2 ||
    { echo "build-native: cross build of better-sqlite3 failed" >&2; exit 1; }
  strip_cmd=$triplet-strip
fi
echo "build-native: better-sqlite3 compiled for $arch in $(($(date +%s) - t0)) s" >&2
# Keep only the loadable module; drop objects, the test extension and the bundled C sources.
find "$bs/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
find "$bs/build/Release" -mindepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
rm -rf "$bs/deps" "$bs/src"
"$strip_cmd" --strip-unneeded "$bs/build/Release/better_sqlite3.node"
