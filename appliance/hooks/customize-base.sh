#!/bin/bash
# mmdebstrap --customize-hook for the cached "base" tree: everything that needs the package mirror or the
# compilers. Installs the app's production node_modules (staged on the host as JavaScript only, see build.sh),
# compiles the native module (better-sqlite3) *inside the target chroot* with Debian's nodejs headers and
# node-gyp (under qemu-user for arm64), then purges the build tools and every package cache.
# $1 = rootfs; APPLIANCE_TARGET, APPLIANCE_DIR, APPLIANCE_STAGE from build.sh.
set -euo pipefail
R=$1
in_root() {
  chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# --- app dependencies + native module
install -d -m 0755 "$R/opt/mfa-radius-proxy"
cp -a "$APPLIANCE_STAGE/node_modules" "$R/opt/mfa-radius-proxy/"
chown -R 0:0 "$R/opt/mfa-radius-proxy"
t0=$(date +%s)
bs=$R/opt/mfa-radius-proxy/node_modules/better-sqlite3
target_arch=$(chroot "$R" dpkg --print-architecture)
if [ "$target_arch" = "$(dpkg --print-architecture)" ]; then
  # Native: Debian's node-gyp inside the chroot builds against /usr/include/nodejs (libnode-dev): no download.
  in_root sh -c 'cd /opt/mfa-radius-proxy/node_modules/better-sqlite3 && node-gyp rebuild --release --jobs=2' ||
    { echo "native build of better-sqlite3 failed" >&2; exit 1; }
  strip_cmd=strip
else
  # Foreign architecture: compiling SQLite under qemu-user takes most of an hour, so cross-compile on the
  # host (gcc-<triplet> from Debian) against the *target's* Node headers (libnode-dev in the chroot).
  case $target_arch in arm64) triplet=aarch64-linux-gnu ;; *) echo "no cross toolchain for $target_arch" >&2; exit 1 ;; esac
  node_gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  (cd "$bs" && CC=$triplet-gcc CXX=$triplet-g++ LINK=$triplet-g++ AR=$triplet-ar \
    node "$node_gyp" rebuild --release --jobs=2 --arch="$target_arch" --nodedir="$R/usr/include/nodejs") ||
    { echo "cross build of better-sqlite3 failed" >&2; exit 1; }
  strip_cmd=$triplet-strip
fi
echo "better-sqlite3 compiled in $(($(date +%s) - t0)) s" >&2
# Keep only the loadable module; drop objects, the test extension and the bundled C sources.
find "$bs/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
find "$bs/build/Release" -mindepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
rm -rf "$bs/deps" "$bs/src"
"$strip_cmd" --strip-unneeded "$bs/build/Release/better_sqlite3.node"
in_root node -e "const D=require('/opt/mfa-radius-proxy/node_modules/better-sqlite3'); const d=new D(':memory:'); \
  console.error('better-sqlite3 loads, sqlite', d.prepare('select sqlite_version() v').get().v); d.close()"

# --- Raspberry Pi: boot by label (cmdline.txt is generated from /etc/default/raspi-firmware)
if [ "$APPLIANCE_TARGET" = rpi ]; then
  sed -i -e 's|^#\?ROOTPART=.*|ROOTPART="LABEL=RASPIROOT"|' \
    -e 's|^#\?CONSOLES=.*|CONSOLES="ttyS1,115200 tty0"|' "$R/etc/default/raspi-firmware"
  # Regenerate /boot/firmware (config.txt, cmdline.txt, DTBs, kernel, initrd) with that setting.
  # (The hook only acts when called as from a kernel postinst.)
  in_root env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware
  grep -q 'root=LABEL=RASPIROOT' "$R/boot/firmware/cmdline.txt" || { echo "cmdline.txt not regenerated" >&2; exit 1; }
fi

# --- purge the build tools (and whatever only they pulled in)
list=$APPLIANCE_DIR/packages/build-only.txt
[ "$target_arch" = "$(dpkg --print-architecture)" ] || list=$APPLIANCE_DIR/packages/build-only-cross.txt
mapfile -t build_only < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
# Suggests must not keep anything alive: python3.13 suggests binutils, which would keep the assembler and linker.
in_root apt-get purge -y -q --autoremove -o APT::AutoRemove::SuggestsImportant=false "${build_only[@]}"
in_root apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/debconf/*-old "$R"/root/.cache "$R"/root/.npm
