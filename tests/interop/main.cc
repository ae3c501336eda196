// The interop suite points real SPICE clients (Debian's spice-client-gtk tools, and remote-viewer under Xvfb) at
// spicebox. Arguments of its own:
//   --spicebox=PATH      the binary under test
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
const std::string g_none;
}

namespace spicebox::test {
const std::string& spicebox_path() { return g_spicebox; }
const std::string& linux_guest_dir() { return g_none; }
const std::string& guest_images_dir() { return g_none; }
}

int main(int argc, char** argv)
{
    std::vector<char*> doctest_args;
    bool require_kvm = false;
    for (int i = 0; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (arg.starts_with("--spicebox="))
            g_spicebox = arg.substr(11);
        else if (arg == "--require-kvm")
            require_kvm = true;
        else
            doctest_args.push_back(argv[i]);
    }
    if (g_spicebox.empty()) {
        std::fprintf(stderr, "interop-tests: --spicebox=PATH is required\n");
        return 2;
    }
    doctest::Context context(int(doctest_args.size()), doctest_args.data());
    if (!spicebox::test::apply_kvm_requirement(context, g_spicebox, require_kvm, "interop-tests"))
        return 1;
    return context.run();
}
