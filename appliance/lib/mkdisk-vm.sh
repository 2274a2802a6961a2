#!/bin/bash
# Assembles the amd64 UEFI disk without loop devices or mounts:
#   GPT: 1 = EFI system partition (FAT32, systemd-boot + kernel + initrd from rootfs/efi), 2 = ext4 root.
# usage: mkdisk-vm.sh ROOTFS WORKDIR OUT.raw      (sizes: ESP_MIB, ROOT_MIB from the environment)
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
ROOTFS=$1 W=$2 OUT=$3
ESP_MIB=${ESP_MIB:-256}
used_mib=$(du -sxm "$ROOTFS" | cut -f1)
# Room for updates (a second kernel, logs, the database); the partition grows to the disk at first boot.
ROOT_MIB=${ROOT_MIB:-$(( (used_mib * 13 / 10 + 1024 + 255) / 256 * 256 ))}
esp=$W/esp.img root=$W/root.ext4
rm -f "$esp" "$root" "$OUT"

# ESP content = rootfs/efi, which stays an empty mount point in the root file system.
mkfs.vfat -C -F 32 -n ESP -i 4d464131 "$esp" $((ESP_MIB * 1024)) >/dev/null
(cd "$ROOTFS/efi" && find . -mindepth 1 -type d | sed 's|^\./||' | while read -r d; do mmd -i "$esp" "::/$d"; done
 find . -type f | sed 's|^\./||' | while read -r f; do mcopy -i "$esp" "$f" "::/$f"; done)
mv "$ROOTFS/efi" "$W/efi.content" && mkdir -m 0755 "$ROOTFS/efi"

mke2fs -q -t ext4 -L mfa-root -d "$ROOTFS" -E lazy_itable_init=1,lazy_journal_init=1 "$root" "${ROOT_MIB}M"
rmdir "$ROOTFS/efi" && mv "$W/efi.content" "$ROOTFS/efi"

total_mib=$((1 + ESP_MIB + ROOT_MIB + 1))
truncate -s "${total_mib}M" "$OUT"
sfdisk -q "$OUT" <<SFDISK
label: gpt
start=2048, size=$((ESP_MIB * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"
start=$(( (1 + ESP_MIB) * 2048 )), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
SFDISK
dd if="$esp" of="$OUT" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$root" of="$OUT" bs=1M seek=$((1 + ESP_MIB)) conv=notrunc,sparse status=none
rm -f "$esp" "$root"
log "disk: ${total_mib} MiB (ESP ${ESP_MIB} MiB, root ${ROOT_MIB} MiB, rootfs ${used_mib} MiB used)"
