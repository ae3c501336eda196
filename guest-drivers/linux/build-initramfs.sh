#!/usr/bin/env bash
# Builds the Linux test guest from Debian packages: OUTDIR/vmlinuz (the linux-image-amd64 kernel) and
# OUTDIR/initramfs.cpio.gz (busybox-static, the qxl and bochs DRM drivers and their dependencies, and an /init that prints
# GUEST-READY on the serial console). /init powers the guest off (reboot -f: with reboot=k that is the i8042
# reset line spicebox treats as power off) unless the kernel command line has spicebox.stay=1.
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
inputs="$kernel $busybox $0"
if [[ -f "$stamp" && -f "$outdir/initramfs.cpio.gz" ]] && [[ -z $(find $inputs -newer "$stamp" 2>/dev/null) ]]; then
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in sh mount insmod echo cat reboot poweroff sleep uname; do
    ln -s busybox "$root/bin/$applet"
done

# Load order: dependencies first, as modules.dep lists them for qxl.ko (it names them nearest-first).
wanted=(drm drm_kms_helper ttm drm_ttm_helper qxl drm_vram_helper bochs)
order=()
for name in "${wanted[@]}"; do
    path=$(grep -E "/$name\.ko(\.xz|\.zst)?:" "$modules/modules.dep" | head -1 | cut -d: -f1)
    [[ -n "$path" ]] || { echo "build-initramfs: $name.ko not in $modules/modules.dep" >&2; exit 1; }
    deps=$(grep -E "^$path:" "$modules/modules.dep" | cut -d: -f2)
    for dep in $(echo $deps | tr ' ' '\n' | tac); do
        [[ " ${order[*]:-} " == *" $dep "* ]] || order+=("$dep")
    done
    [[ " ${order[*]:-} " == *" $path "* ]] || order+=("$path")
done
: > "$root/lib/modules/load-order"
for path in "${order[@]}"; do
    base=$(basename "$path")
    case "$base" in
        *.ko) cp "$modules/$path" "$root/lib/modules/$base" ;;
        *.ko.xz) xz -dc "$modules/$path" > "$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.zst) zstd -qdc "$modules/$path" > "$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
    esac
    echo "$base" >> "$root/lib/modules/load-order"
done

cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /lib/modules/load-order); do
    insmod /lib/modules/$module || echo "init: insmod $module failed"
done
echo "GUEST-READY kernel $(uname -r)"
case " $(cat /proc/cmdline) " in
    *" spicebox.stay=1 "*) exec sh ;;
esac
reboot -f
INIT
chmod +x "$root/init"

(cd "$root" && find . -print0 | cpio --null -o --format=newc -R 0:0 --quiet) | gzip -9 > "$outdir/initramfs.cpio.gz"
cp "$kernel" "$outdir/vmlinuz"
touch "$stamp"
