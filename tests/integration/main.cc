// The integration suite boots guests in the real spicebox binary. Arguments of its own:
//   --spicebox=PATH      the binary under test
//   --linux-guest=DIR    where guest-drivers/linux/build-initramfs.sh put vmlinuz and initramfs.cpio.gz
//   --guest-images=DIR   the built guest images (build/guest-drivers), to boot them from files
//   --require-kvm        fail, rather than skip the test cases that need it, where KVM is not usable
// Everything else goes to doctest.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"

#include <cstdio>
#include <string_view>

namespace {
std::string g_spicebox;
std::string g_linux_guest;
std::string g_guest_images;
}

namespace spicebox::test {
const std::string& spicebox_path() { return g_spicebox; }
const std::string& linux_guest_dir() { return g_linux_guest; }
const std::string& guest_images_dir() { return g_guest_images; }
}

int main(int argc, char** argv)
{
    std::vector<char*> doctest_args;
    bool require_kvm = false;
    for (int i = 0; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (arg.starts_with("--spicebox="))
            g_spicebox = arg.substr(11);
        else if (arg.starts_with("--linux-guest="))
            g_linux_guest = arg.substr(14);
        else if (arg.starts_with("--guest-images="))
            g_guest_images = arg.substr(15);
        else if (arg == "--require-kvm")
            require_kvm = true;
        else
            doctest_args.push_back(argv[i]);
    }
    if (g_spicebox.empty() || g_linux_guest.empty() || g_guest_images.empty()) {
        std::fprintf(stderr, "integration-tests: --spicebox=PATH, --linux-guest=DIR and --guest-images=DIR are required\n");
        return 2;
    }
    doctest::Context context(int(doctest_args.size()), doctest_args.data());
    if (!spicebox::test::apply_kvm_requirement(context, g_spicebox, require_kvm, "integration-tests"))
        return 1;
    return context.run();
}
