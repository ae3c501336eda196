#include "tests/support/ppm_reader.h"

#include "tests/support/png_reader.h"

#include <cctype>
#include <fstream>
#include <iterator>
#include <vector>

namespace spicebox::test {

namespace {

// The next header number, skipping whitespace and # comments.
Result<uint64_t> header_number(std::span<const uint8_t> file, size_t& at)
{
    for (;;) {
        while (at < file.size() && std::isspace(file[at]))
            ++at;
        if (at < file.size() && file[at] == '#') {
            while (at < file.size() && file[at] != '\n')
                ++at;
            continue;
        }
        break;
    }
    uint64_t value = 0;
    size_t digits = 0;
    while (at < file.size() && std::isdigit(file[at]) && digits < 10) {
        value = value * 10 + (file[at++] - '0');
        ++digits;
    }
    if (digits == 0 || (at < file.size() && std::isdigit(file[at])))
        return Error { "PPM header: a number is missing or too long at byte " + std::to_string(at) };
    return value;
}

}

Result<Framebuffer> decode_ppm(std::span<const uint8_t> file)
{
    if (file.size() < 2 || file[0] != 'P' || file[1] != '6')
        return Error { "not a binary PPM (P6) file" };
    size_t at = 2;
    uint64_t width = TRY(header_number(file, at));
    uint64_t height = TRY(header_number(file, at));
    uint64_t maxval = TRY(header_number(file, at));
    if (maxval != 255)
        return Error { "PPM maxval " + std::to_string(maxval) + ", only 255 is read" };
    if (width == 0 || height == 0 || width * height > kMaxPngPixels)
        return Error { "PPM size " + std::to_string(width) + "x" + std::to_string(height) + " is out of range" };
    if (at >= file.size() || !std::isspace(file[at]))
        return Error { "PPM header does not end in one whitespace byte" };
    ++at;
    if (file.size() - at != width * height * 3)
        return Error { "PPM has " + std::to_string(file.size() - at) + " pixel bytes, " + std::to_string(width * height * 3) + " expected" };
    Framebuffer screen;
    screen.resize(uint32_t(width), uint32_t(height));
    for (size_t i = 0; i < screen.pixels.size(); ++i, at += 3)
        screen.pixels[i] = uint32_t(file[at]) << 16 | uint32_t(file[at + 1]) << 8 | file[at + 2];
    return screen;
}

Result<Framebuffer> read_ppm(const std::string& path)
{
    std::ifstream stream(path, std::ios::binary);
    if (!stream)
        return Error { "cannot read " + path };
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
    auto decoded = decode_ppm(bytes);
    if (!decoded)
        return wrap_error(path, decoded.error());
    return decoded;
}

} // namespace spicebox::test
