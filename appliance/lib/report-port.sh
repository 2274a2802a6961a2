# How the boot test's guest report reaches the host, per target (sourced by test.sh; checked by
# test/unit/appliance/boot-report.test.ts).
# shellcheck shell=bash
#
# The report must have a port of its own that no getty claims. systemd-getty-generator starts a
# serial-getty@ on every console= tty and on the first virtualization console that exists (hvc0, xvc0, hvsi0,
# sclp_line0, ttysclp0), and agetty hangs the tty up when it opens it (vhangup), which cuts every other writer
# off: the Pi boot test wrote its report to a virtconsole (hvc0) and the host got "=== REPORT BEGIN" followed
# by "mfa-test login:".
#   vm:  a second 16550 UART (ttyS1): not a kernel console and not a virtualization console, so no getty.
#   rpi: a virtio-serial *port* (virtserialport, not virtconsole): no tty at all, so no getty and no hangup;
#        udev names it /dev/virtio-ports/<name> (systemd's 50-udev-default.rules).

REPORT_PORT_NAME=org.mfa-radius-proxy.test-report

# report_guest_dev TARGET: the device the guest writes its report to.
report_guest_dev() {
  case $1 in
    vm) echo /dev/ttyS1 ;;
    rpi) echo "/dev/virtio-ports/$REPORT_PORT_NAME" ;;
    *) return 1 ;;
  esac
}

# report_qemu_args TARGET FILE: QEMU options (one a line) that connect that device to FILE on the host. They go
# after the console's -serial, so that on the VM the console stays ttyS0 and the report gets ttyS1.
report_qemu_args() {
  case $1 in
    vm) printf '%s\n' -serial "file:$2" ;;
    rpi) printf '%s\n' -device virtio-serial-pci -chardev "file,id=report,path=$2" \
      -device "virtserialport,chardev=report,name=$REPORT_PORT_NAME" ;;
    *) return 1 ;;
  esac
}
