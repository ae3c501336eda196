// Bad clients that get past the link (or try to link a channel to someone's session): garbage, truncated
// and oversized messages, unknown types, messages of another channel, channels out of order, wrong and
// undecryptable tickets. Each builds its own session with raw sockets and reports whether the server cut
// it off; `expected_log` is part of the one line the server must log about it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace spicebox::test {

struct AfterLinkAttack {
    std::string name;
    std::function<bool(uint16_t port)> run;
    std::string expected_log;
};

// For a server whose password is `password`.
std::vector<AfterLinkAttack> after_link_attacks(const std::string& password);

// SpiceMsgcDisplayInit as spice-gtk sends it.
std::vector<uint8_t> display_init_body();

}
