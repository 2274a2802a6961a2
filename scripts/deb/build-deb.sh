#!/usr/bin/env bash
# Builds the Debian package of the proxy, for Debian 12 (bookworm) and 13 (trixie):
#   bash scripts/deb/build-deb.sh [--arch amd64|arm64] [--out DIR] [--no-build]     (npm run deb:build -- …)
# Output: DIR/mfa-radius-proxy_<version>_<arch>.deb (default DIR: scripts/deb/out), version from package.json.
#
# Layout: /usr/lib/mfa-radius-proxy (dist/ + production node_modules, better-sqlite3 compiled for <arch>),
# /usr/bin/mfa-radius-proxy (CLI wrapper), /usr/lib/systemd/system/mfa-radius-proxy.service (hardened,
# ExecReload = SIGHUP), /etc/mfa-radius-proxy/config.yaml (conffile: an example the proxy refuses until a client
# is set), the mfa-radius-proxy system user and /var/lib/mfa-radius-proxy (postinst).
# Plain dpkg-deb --root-owner-group: no debhelper, no fakeroot, no root needed.
#
# The native module is built against the host's Node 20 headers (see build-native.sh) and cached in
# $MFA_DEB_WORK/native/<key> (key: better-sqlite3 version, arch, Node ABI, compiler, build-native.sh), so a
# rebuild with the same inputs takes seconds. Build on Debian 12: a module linked against bookworm's glibc
# also runs on trixie; the reverse is not guaranteed (libc6 in Depends is computed from the module).
set -euo pipefail
DEB_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$DEB_DIR/../.." && pwd)
ARCH=$(dpkg --print-architecture)
OUT=$DEB_DIR/out
BUILD=1
WORK=${MFA_DEB_WORK:-$DEB_DIR/work}
usage() { sed -n '2,4p' "$0"; }
while [ $# -gt 0 ]; do
  case $1 in
    --arch) ARCH=$2; shift 2 ;;
    --arch=*) ARCH=${1#*=}; shift ;;
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
log() { printf '[build-deb] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
case $ARCH in amd64|arm64) ;; *) die "unsupported architecture '$ARCH' (amd64|arm64)" ;; esac
for c in dpkg-deb node npm readelf; do command -v "$c" >/dev/null || die "$c is missing"; done
# The bundled native module is tied to the Node ABI it was compiled for: Node 20 = NODE_MODULE_VERSION 115.
[ "$(node -p process.versions.modules)" = 115 ] ||
  die "node $(node --version) is not Node 20: the package is built for Node 20 (Depends: nodejs (>= 20.19), nodejs (<< 21))"
t0=$(date +%s)
mkdir -p "$WORK" "$OUT"
OUT=$(cd "$OUT" && pwd)

# --- the app
if [ "$BUILD" = 1 ]; then
  (cd "$REPO_DIR" && npm run build) >"$WORK/app-build.log" 2>&1 ||
    { tail -30 "$WORK/app-build.log" >&2; die "npm run build failed (log: $WORK/app-build.log)"; }
fi
[ -f "$REPO_DIR/dist/cli/main.js" ] || die "dist/cli/main.js is missing: run npm run build (or drop --no-build)"
pkg_version=$(node -p "require('$REPO_DIR/package.json').version")
# Debian orders a "~" before the release; npm's "-" (1.0.0-rc.1) means the same.
VERSION=${pkg_version/-/\~}

# --- production dependencies as JavaScript only, then the native module for $ARCH
# The staged tree is reused while its inputs are unchanged (lock file, Node ABI, compiler, build-native.sh).
stage=$WORK/stage-$ARCH
bs=$stage/node_modules/better-sqlite3
if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then cxx=g++; else cxx=$([ "$ARCH" = arm64 ] && echo aarch64-linux-gnu-g++ || echo x86_64-linux-gnu-g++); fi
inputs() { echo "$ARCH $(node -p process.versions.modules)"; "$cxx" --version 2>/dev/null | head -1; cat "$DEB_DIR/build-native.sh"; }
stage_key=$( { inputs; cat "$REPO_DIR/package.json" "$REPO_DIR/package-lock.json"; } | sha256sum | cut -c1-16)
if [ -f "$stage/.stage-key" ] && [ "$(cat "$stage/.stage-key")" = "$stage_key" ] && [ -f "$bs/build/Release/better_sqlite3.node" ]; then
  log "production node_modules for $ARCH: reused ($stage_key)"
else
  rm -rf "$stage" && mkdir -p "$stage"
  cp "$REPO_DIR/package.json" "$REPO_DIR/package-lock.json" "$stage/"
  (cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund) >"$WORK/npm-ci.log" 2>&1 ||
    { tail -30 "$WORK/npm-ci.log" >&2; die "npm ci --omit=dev failed (log: $WORK/npm-ci.log)"; }
  bs_version=$(node -p "require('$bs/package.json').version")
  key=$( { echo "$bs_version"; inputs; } | sha256sum | cut -c1-16)
  cached=$WORK/native/$key/better_sqlite3.node
  if [ -f "$cached" ]; then
    log "better-sqlite3 $bs_version for $ARCH: cached ($key)"
    find "$bs" -mindepth 1 -maxdepth 1 \( -name build -o -name deps -o -name src \) -exec rm -rf {} +
    install -D -m 0644 "$cached" "$bs/build/Release/better_sqlite3.node"
  else
    log "better-sqlite3 $bs_version for $ARCH: compiling (a few minutes)"
    bash "$DEB_DIR/build-native.sh" "$bs" "$ARCH"
    install -D -m 0644 "$bs/build/Release/better_sqlite3.node" "$cached.tmp" && mv "$cached.tmp" "$cached"
  fi
  echo "$stage_key" >"$stage/.stage-key"
fi
case $ARCH in amd64) machine='X86-64' ;; arm64) machine='AArch64' ;; esac
readelf -h "$bs/build/Release/better_sqlite3.node" | grep -q "Machine:.*$machine" ||
  die "better_sqlite3.node is not a $machine ELF"
if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then
  node -e "const D=require('$bs'); new D(':memory:').close()" || die "the native module does not load with $(node --version)"
fi

# --- the package tree
root=$WORK/root-$ARCH
rm -rf "$root" && mkdir -p "$root/DEBIAN" "$root/usr/lib/mfa-radius-proxy" "$root/usr/share/doc/mfa-radius-proxy"
lib=$root/usr/lib/mfa-radius-proxy
cp "$REPO_DIR/package.json" "$lib/"
cp -r "$REPO_DIR/dist" "$lib/dist"
find "$lib/dist" -name '*.map' -delete
cp -a "$stage/node_modules" "$lib/node_modules"
rm -f "$lib/node_modules/.package-lock.json"
cp -a "$DEB_DIR/root/." "$root/"
install -m 0644 "$REPO_DIR/README.md" "$root/usr/share/doc/mfa-radius-proxy/README.md"
cat >"$root/usr/share/doc/mfa-radius-proxy/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: mfa-radius-proxy

Files: *
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0.
 The bundled npm packages in /usr/lib/mfa-radius-proxy/node_modules carry their own licence files.
EOF
# Owners come from --root-owner-group (root:root); postinst gives config.yaml and the directories the group.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod u=rw,go=r {} +
chmod 0755 "$root/usr/bin/mfa-radius-proxy"
find "$stage/node_modules" -type f -perm /0111 -printf '%P\n' | while read -r f; do chmod 0755 "$lib/node_modules/$f"; done
chmod 0750 "$root/etc/mfa-radius-proxy"
chmod 0640 "$root/etc/mfa-radius-proxy/config.yaml"
for s in postinst prerm postrm; do install -m 0755 "$DEB_DIR/debian/$s" "$root/DEBIAN/$s"; done
install -m 0644 "$DEB_DIR/debian/conffiles" "$root/DEBIAN/conffiles"

# Depends: Node 20 (the native module's ABI); the glibc version the module needs (as dpkg-shlibdeps would say)
# and the C++ runtime it links (libstdc++.so.6); passwd (useradd) and procps (kill, for ExecReload).
glibc=$(readelf --dyn-syms -W "$bs/build/Release/better_sqlite3.node" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
depends="nodejs (>= 20.19), nodejs (<< 21), libc6 (>= ${glibc:-2.36}), libstdc++6, passwd, procps"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@DEPENDS@/$depends/" \
  "$DEB_DIR/debian/control.in" >"$root/DEBIAN/control"

# Reproducible: file times from the last commit, and dpkg-deb clamps to SOURCE_DATE_EPOCH as well.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO_DIR" log -1 --format=%ct 2>/dev/null || date +%s)}
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
deb=$OUT/mfa-radius-proxy_${VERSION}_$ARCH.deb
# gzip: 4 MB instead of xz's 2.6 MB, in a second instead of half a minute on a busy 2-core host.
dpkg-deb --root-owner-group -Zgzip -z9 --build "$root" "$deb" >&2
log "built $deb ($(du -h "$deb" | cut -f1), installed $((installed_size / 1024)) MiB) in $(($(date +%s) - t0)) s"
echo "$deb"
