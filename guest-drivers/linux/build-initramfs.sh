#!/usr/bin/env bash
# Builds the Linux test guest from Debian packages: OUTDIR/vmlinuz (the linux-image-amd64 kernel) and
# OUTDIR/initramfs.cpio.gz (busybox-static, the qxl and bochs DRM drivers and their dependencies, and an /init that
# clears the screen (tty0), writes one banner line on it, and prints GUEST-READY on the serial console). /init powers
# the guest off (reboot -f: with reboot=k that is the i8042 reset line spicebox treats as power off) unless the kernel
# command line has spicebox.stay=1 (a shell on the console, then the machine idles).
set -euo pipefail

outdir=${1:?usage: build-initramfs.sh OUTDIR}
kernel=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1 || true)
[[ -n "$kernel" ]] || { echo "build-initramfs: no /boot/vmlinuz-*-amd64: install linux-image-amd64" >&2; exit 1; }
release=${kernel#/boot/vmlinuz-}
modules=/lib/modules/$release
busybox=/bin/busybox
[[ -x $busybox ]] || { echo "build-initramfs: no $busybox: install busybox-static" >&2; exit 1; }

mkdir -p "$outdir"
stamp="$outdir/.stamp"
inputs="$kernel $busybox $0 $(dirname "$0")/kernel-modules.sh"
if [[ -f "$stamp" && -f "$outdir/initramfs.cpio.gz" ]] && [[ -z $(find $inputs -newer "$stamp" 2>/dev/null) ]]; then
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in sh mount insmod echo cat reboot poweroff sleep uname printf; do
    ln -s busybox "$root/bin/$applet"
done

# The drivers and their dependencies, with the order to load them in.
. "$(dirname "$0")/kernel-modules.sh"
copy_modules "$modules" "$root/lib/modules" drm drm_kms_helper ttm drm_ttm_helper qxl drm_vram_helper bochs

cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /lib/modules/load-order); do
    insmod /lib/modules/$module || echo "init: insmod $module failed"
done
# What a person sees on the screen: the console cleared and one known line, with a steady cursor (the
# blink timer would make two pictures of the same boot differ).
[ -w /sys/class/graphics/fbcon/cursor_blink ] && echo 0 > /sys/class/graphics/fbcon/cursor_blink
printf '\033[H\033[2J%s\n' "spicebox Linux guest: kernel $(uname -r), $(cat /sys/class/graphics/fb0/name 2>/dev/null || echo 'no framebuffer')" > /dev/tty0
# The driver copies fbcon's drawing to the card from a worker: let it reach the screen before saying so.
sleep 1
echo "GUEST-READY kernel $(uname -r)"
case " $(cat /proc/cmdline) " in
    *" spicebox.stay=1 "*)
        sh
        # Without a console to read, the shell ends at once: keep the machine and its screen as they are.
        while :; do sleep 3600; done ;;
esac
reboot -f
INIT
chmod +x "$root/init"

(cd "$root" && find . -print0 | cpio --null -o --format=newc -R 0:0 --quiet) | gzip -9 > "$outdir/initramfs.cpio.gz"
cp "$kernel" "$outdir/vmlinuz"
touch "$stamp"
