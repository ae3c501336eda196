// The wire reader and the message parsers built on it. A program of reads (integers, a protocol struct,
// byte runs, skips, the rest) over the input's tail checks the reader's contract after each step: a read
// that succeeds returns exactly the bytes at the old offset and advances by their count, one that fails
// leaves the offset alone, and the offset never passes the end. Then the same bytes go through each
// parser that takes a message body.
#include "base/log.h"
#include "spice-common/wire_reader.h"
#include "spice-server/channel_messages.h"
#include "spice-server/display_messages.h"
#include "spice-server/inputs_channel.h"
#include "spice-server/link_handshake.h"
#include "tests/fuzz/fuzz_input.h"

#include <cstring>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

enum class ReadOp : uint8_t { U8, U16, U32, U64, LinkHeader, Bytes, Skip, Rest, ExpectEnd, Count };

void check(bool holds)
{
    if (!holds)
        __builtin_trap();
}

template<typename T>
void checked_read(WireReader& reader, std::span<const uint8_t> data)
{
    size_t before = reader.offset();
    auto value = reader.read<T>("value");
    if (value) {
        check(reader.offset() == before + sizeof(T));
        check(std::memcmp(&*value, data.data() + before, sizeof(T)) == 0);
    } else {
        check(reader.offset() == before && before + sizeof(T) > data.size());
    }
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    size_t program_length = input.u8();
    auto program_bytes = input.bytes(program_length * 3);
    auto message = input.rest();

    FuzzInput program(program_bytes.data(), program_bytes.size());
    WireReader reader(message);
    while (!program.at_end()) {
        size_t before = reader.offset();
        switch (ReadOp(program.u8() % uint8_t(ReadOp::Count))) {
        case ReadOp::U8:
            checked_read<uint8_t>(reader, message);
            break;
        case ReadOp::U16:
            checked_read<uint16_t>(reader, message);
            break;
        case ReadOp::U32:
            checked_read<uint32_t>(reader, message);
            break;
        case ReadOp::U64:
            checked_read<uint64_t>(reader, message);
            break;
        case ReadOp::LinkHeader:
            checked_read<SpiceLinkHeader>(reader, message);
            break;
        case ReadOp::Bytes: {
            size_t count = program.u16();
            auto bytes = reader.read_bytes(count, "bytes");
            if (bytes)
                check(bytes->data() == message.data() + before && bytes->size() == count && reader.offset() == before + count);
            else
                check(reader.offset() == before && count > message.size() - before);
            break;
        }
        case ReadOp::Skip: {
            size_t count = program.u16();
            bool skipped = bool(reader.skip(count, "skip"));
            check(reader.offset() == (skipped ? before + count : before));
            break;
        }
        case ReadOp::Rest: {
            auto rest = reader.rest();
            check(rest.data() == message.data() + before && rest.size() == message.size() - before && reader.at_end());
            break;
        }
        case ReadOp::ExpectEnd:
            check(bool(reader.expect_end("message")) == (before == message.size()));
            break;
        case ReadOp::Count:
            break;
        }
        check(reader.offset() <= message.size() && reader.remaining() == message.size() - reader.offset());
    }

    uint32_t body_size = 0;
    if (!check_link_header(message, body_size))
        check(body_size >= sizeof(SpiceLinkMess) && body_size <= kMaxLinkMessageBytes);
    if (auto request = parse_link_message(message)) {
        check(request->common_caps.words().size() <= kMaxCapsWords);
        check(request->channel_caps.words().size() <= kMaxCapsWords);
    }
    (void)parse_u32_body(message, "u32");
    (void)parse_u16_body(message, "u16");
    (void)parse_pong(message);
    (void)parse_mouse_motion(message);
    (void)parse_mouse_button(message);
    (void)parse_display_init(message);
    (void)scancode_from_key_code(FuzzInput(message.data(), message.size()).u32());
    return 0;
}
