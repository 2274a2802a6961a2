#!/bin/bash
# mmdebstrap --essential-hook: runs after the Essential packages are unpacked and before the kernel and the
# other --include packages, so the settings below are in place when their maintainer scripts first run.
# $1 = rootfs; APPLIANCE_TARGET = vm|rpi.
set -euo pipefail
R=$1
mkdir -p "$R/etc/initramfs-tools/conf.d" "$R/usr/share/initramfs-tools/modules.d"
echo 'COMPRESS=zstd' >"$R/etc/initramfs-tools/conf.d/appliance-compress.conf"

if [ "$APPLIANCE_TARGET" = rpi ]; then
  # MODULES=list: the default (most) makes mkinitramfs run for ~30 min per pass under qemu-user emulation
  # (it runs twice: kernel postinst + trigger). List what finds the root filesystem on a Pi 4/5 SD card or
  # USB disk, and on QEMU's arm64 'virt' machine (used by the boot test).
  echo 'MODULES=list' >"$R/etc/initramfs-tools/conf.d/appliance-modules.conf"
  cat >"$R/usr/share/initramfs-tools/modules.d/appliance.conf" <<'MODS'
# Raspberry Pi 4 (emmc2 = sdhci-iproc) and Pi 5 (sdhci-brcmstb) SD cards
sdhci_iproc
sdhci_brcmstb
mmc_block
# USB boot disks (Pi 4 VL805 on PCIe; Pi 5 RP1)
pcie_brcmstb
reset_raspberrypi
xhci_pci
xhci_plat_hcd
uas
usb_storage
sd_mod
# QEMU -M virt (boot test)
virtio_pci
virtio_mmio
virtio_blk
virtio_net
# filesystems
ext4
vfat
nls_cp437
nls_ascii
MODS
  # Pi 5 (bcm2712) is not detected by raspi-firmware's "Pi 4 family" test; nothing to set here.
fi
