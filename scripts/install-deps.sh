#!/usr/bin/env bash
# Installs the Debian 12 packages spicebox needs that are missing. `--test` adds what the test suite needs.
set -euo pipefail

# seabios: `--bios seabios` boots Debian's SeaBIOS with its VGA BIOS (a user feature, and the firmware
# boot tests; --test installs these too).
build_packages=(meson ninja-build g++ pkg-config python3 libpixman-1-dev libsdl2-dev libepoxy-dev libssl-dev
    libspice-protocol-dev doctest-dev zlib1g-dev liblz4-dev libjpeg62-turbo-dev seabios)
# The loader's unit tests read the real Debian kernel's header, and the Linux guest image is built from
# Debian's kernel and busybox.
# The interop suite points Debian's SPICE clients at spicebox (spicy-screenshot; remote-viewer and spicy under
# Xvfb, whose screen xwd from x11-apps captures).
# The fuzz targets (scripts/fuzz.sh) need clang with its libFuzzer and sanitizer runtimes.
# QEMU is the peer of the interop tests (its spice-server, our guests booted there) and of bench/; xdotool types
# into the viewers under Xvfb.
test_packages=(linux-image-amd64 busybox-static cpio spice-client-gtk virt-viewer xvfb xauth x11-apps clang libclang-rt-14-dev qemu-system-x86 xdotool)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
    packages+=("${test_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        sudo=(sudo)
    else
        echo "spicebox: missing packages (${missing[*]}) and not root: run as root or install sudo" >&2
        exit 1
    fi
else
    sudo=()
fi
echo "spicebox: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
