// parse_spice_uri (client_session.h): the URI forms spice-gtk accepts that this client can use.
#include "spice-client-sdl/client_session.h"

#include <charconv>
#include <string>

namespace spicebox {

namespace {

constexpr std::string_view kTcpScheme = "spice://";
constexpr std::string_view kUnixScheme = "spice+unix://";

Result<uint16_t> parse_port(std::string_view text)
{
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc {} || end != text.data() + text.size() || value == 0 || value > 65535)
        return Error { "invalid port '" + std::string(text) + "'" };
    return uint16_t(value);
}

// The query part: port= and password= (as spice-gtk); anything else is refused.
Result<void> parse_query(std::string_view query, ClientOptions& options)
{
    while (!query.empty()) {
        auto amp = query.find('&');
        auto item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view {} : query.substr(amp + 1);
        auto equals = item.find('=');
        if (equals == std::string_view::npos)
            return Error { "URI query item '" + std::string(item) + "' has no value" };
        auto key = item.substr(0, equals);
        auto value = item.substr(equals + 1);
        if (key == "port")
            options.port = TRY(parse_port(value));
        else if (key == "password")
            options.password = std::string(value);
        else
            return Error { "unsupported URI query item '" + std::string(key) + "'" };
    }
    return {};
}

} // namespace

Result<ClientOptions> parse_spice_uri(std::string_view uri)
{
    ClientOptions options;
    if (uri.starts_with(kUnixScheme)) {
        auto path = uri.substr(kUnixScheme.size());
        if (!path.starts_with('/'))
            return Error { "spice+unix:// needs an absolute socket path: " + std::string(uri) };
        options.unix_path = std::string(path);
        return options;
    }
    if (!uri.starts_with(kTcpScheme))
        return Error { "not a SPICE URI (spice://HOST:PORT or spice+unix:///PATH): " + std::string(uri) };
    auto rest = uri.substr(kTcpScheme.size());
    auto question = rest.find('?');
    if (question != std::string_view::npos) {
        TRY(parse_query(rest.substr(question + 1), options));
        rest = rest.substr(0, question);
    }
    if (rest.ends_with('/'))
        rest.remove_suffix(1);
    std::string_view host = rest;
    std::string_view port;
    if (rest.starts_with('[')) {
        auto close = rest.find(']');
        if (close == std::string_view::npos)
            return Error { "unterminated IPv6 address in " + std::string(uri) };
        host = rest.substr(1, close - 1);
        auto after = rest.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':'))
                return Error { "junk after the address in " + std::string(uri) };
            port = after.substr(1);
        }
    } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty())
        return Error { "no host in " + std::string(uri) };
    options.host = std::string(host);
    if (!port.empty())
        options.port = TRY(parse_port(port));
    if (options.port == 0)
        return Error { "no port in " + std::string(uri) };
    return options;
}

} // namespace spicebox
