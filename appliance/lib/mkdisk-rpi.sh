#!/bin/bash
# Assembles the Raspberry Pi SD card image without loop devices or mounts:
#   MBR: 1 = FAT32 "RASPIFIRM" (firmware, config.txt, cmdline.txt, DTBs, kernel, initrd, the seed),
#        2 = ext4 "RASPIROOT" (grown to fill the card at first boot).
# usage: mkdisk-rpi.sh ROOTFS WORKDIR OUT.img
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
ROOTFS=$1 W=$2 OUT=$3
BOOT_MIB=${BOOT_MIB:-512}
used_mib=$(du -sxm --exclude=./boot/firmware "$ROOTFS" | cut -f1)
ROOT_MIB=${ROOT_MIB:-$(( (used_mib * 12 / 10 + 512 + 255) / 256 * 256 ))}
boot=$W/boot.vfat root=$W/root.ext4
rm -f "$boot" "$root" "$OUT"

mkfs.vfat -C -F 32 -n RASPIFIRM -i 52415350 "$boot" $((BOOT_MIB * 1024)) >/dev/null
(cd "$ROOTFS/boot/firmware" && find . -mindepth 1 -type d | sed 's|^\./||' | while read -r d; do mmd -i "$boot" "::/$d"; done
 find . -type f | sed 's|^\./||' | while read -r f; do mcopy -i "$boot" "$f" "::/$f"; done)
mv "$ROOTFS/boot/firmware" "$W/firmware.content" && mkdir -m 0755 "$ROOTFS/boot/firmware"
mke2fs -q -t ext4 -L RASPIROOT -d "$ROOTFS" "$root" "${ROOT_MIB}M"
rmdir "$ROOTFS/boot/firmware" && mv "$W/firmware.content" "$ROOTFS/boot/firmware"

# The Pi firmware reads the first FAT partition of an MBR (DOS) table; 4 MiB alignment suits SD erase blocks.
total_mib=$((4 + BOOT_MIB + ROOT_MIB))
truncate -s "${total_mib}M" "$OUT"
sfdisk -q "$OUT" <<SFDISK
label: dos
start=8192, size=$((BOOT_MIB * 2048)), type=c, bootable
start=$(( (4 + BOOT_MIB) * 2048 )), type=83
SFDISK
dd if="$boot" of="$OUT" bs=1M seek=4 conv=notrunc,sparse status=none
dd if="$root" of="$OUT" bs=1M seek=$((4 + BOOT_MIB)) conv=notrunc,sparse status=none
rm -f "$boot" "$root"
log "SD image: ${total_mib} MiB (boot ${BOOT_MIB} MiB, root ${ROOT_MIB} MiB, rootfs ${used_mib} MiB used)"
