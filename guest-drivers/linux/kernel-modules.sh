# Sourced by the scripts that build initramfs images from Debian's kernel.
# copy_modules MODULES_DIR DEST NAME... copies the named modules and everything they depend on (by
# modules.dep, decompressed) into DEST and writes DEST/load-order: one file name a line, dependencies first.
copy_modules() {
    local modules=$1 dest=$2
    shift 2
    local order=() name path deps dep base
    for name in "$@"; do
        path=$(grep -E "/$name\.ko(\.xz|\.zst)?:" "$modules/modules.dep" | head -1 | cut -d: -f1)
        [[ -n "$path" ]] || { echo "$(basename "$0"): $name.ko not in $modules/modules.dep" >&2; return 1; }
        # modules.dep names a module's dependencies nearest-first, so they load in reverse.
        deps=$(grep -E "^$path:" "$modules/modules.dep" | cut -d: -f2)
        for dep in $(echo $deps | tr ' ' '\n' | tac); do
            [[ " ${order[*]:-} " == *" $dep "* ]] || order+=("$dep")
        done
        [[ " ${order[*]:-} " == *" $path "* ]] || order+=("$path")
    done
    mkdir -p "$dest"
    : > "$dest/load-order"
    for path in "${order[@]}"; do
        base=$(basename "$path")
        case "$base" in
            *.ko) cp "$modules/$path" "$dest/$base" ;;
            *.ko.xz) xz -dc "$modules/$path" > "$dest/${base%.xz}"; base=${base%.xz} ;;
            *.ko.zst) zstd -qdc "$modules/$path" > "$dest/${base%.zst}"; base=${base%.zst} ;;
        esac
        echo "$base" >> "$dest/load-order"
    done
}
