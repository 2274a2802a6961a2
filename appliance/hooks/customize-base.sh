#!/bin/bash
# mmdebstrap --customize-hook for the cached "base" tree: what needs the package mirror (the Raspberry Pi boot
# files), then every package cache is dropped. The proxy itself is not part of the base: it is the
# mfa-radius-proxy Debian package (scripts/deb/build-deb.sh), installed by configure.sh.
# $1 = rootfs; APPLIANCE_TARGET, APPLIANCE_DIR from build.sh.
set -euo pipefail
R=$1
in_root() {
  chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# --- Raspberry Pi: boot by label (cmdline.txt is generated from /etc/default/raspi-firmware)
if [ "$APPLIANCE_TARGET" = rpi ]; then
  sed -i -e 's|^#\?ROOTPART=.*|ROOTPART="LABEL=RASPIROOT"|' \
    -e 's|^#\?CONSOLES=.*|CONSOLES="ttyS1,115200 tty0"|' "$R/etc/default/raspi-firmware"
  # Regenerate /boot/firmware (config.txt, cmdline.txt, DTBs, kernel, initrd) with that setting.
  # (The hook only acts when called as from a kernel postinst.)
  in_root env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware
  grep -q 'root=LABEL=RASPIROOT' "$R/boot/firmware/cmdline.txt" || { echo "cmdline.txt not regenerated" >&2; exit 1; }
fi

# --- no package caches in the image
in_root apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/debconf/*-old "$R"/root/.cache "$R"/root/.npm
