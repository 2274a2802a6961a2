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
# Debian's node-gyp builds against /usr/include/nodejs (libnode-dev): no header download.
in_root sh -c 'cd /opt/mfa-radius-proxy/node_modules/better-sqlite3 && node-gyp rebuild --release --jobs=2' ||
  { echo "native build of better-sqlite3 failed" >&2; exit 1; }
echo "better-sqlite3 compiled in $(($(date +%s) - t0)) s" >&2
bs=$R/opt/mfa-radius-proxy/node_modules/better-sqlite3
# Keep only the loadable module; drop objects, the test extension and the bundled C sources.
find "$bs/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
find "$bs/build/Release" -mindepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
rm -rf "$bs/deps" "$bs/src"
in_root strip --strip-unneeded /opt/mfa-radius-proxy/node_modules/better-sqlite3/build/Release/better_sqlite3.node
in_root node -e "const D=require('/opt/mfa-radius-proxy/node_modules/better-sqlite3'); const d=new D(':memory:'); \
  console.error('better-sqlite3 loads, sqlite', d.prepare('select sqlite_version() v').get().v); d.close()"

# --- Raspberry Pi: boot by label (cmdline.txt is generated from /etc/default/raspi-firmware)
if [ "$APPLIANCE_TARGET" = rpi ]; then
  sed -i 's|^#\?ROOTPART=.*|ROOTPART="LABEL=RASPIROOT"|' "$R/etc/default/raspi-firmware"
  # Regenerate /boot/firmware (config.txt, cmdline.txt, DTBs, kernel, initrd) with that setting.
  in_root /etc/kernel/postinst.d/z50-raspi-firmware
fi

# --- purge the build tools (and whatever only they pulled in)
mapfile -t build_only < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$APPLIANCE_DIR/packages/build-only.txt" | grep -v '^$')
in_root apt-get purge -y -q --autoremove "${build_only[@]}"
in_root apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/debconf/*-old "$R"/root/.cache "$R"/root/.npm
