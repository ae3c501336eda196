// QUIC is SFALIC as spice-common implements it: each colour channel of a row is predicted from its
// left and upper neighbours, the prediction error is mapped to an unsigned value and Golomb-Rice coded
// with a code chosen by an adaptive model (buckets of error contexts counting code lengths), and runs
// of pixels repeating their left neighbour are coded by a MELCODE run-length coder. Encoder and
// decoder must update their models at exactly the same pixels, which a pseudo-random table decides;
// every constant here is part of the format.
#include "spice-common/quic_decoder.h"

#include "spice-common/bitmap_image.h"

#include <algorithm>
#include <array>
#include <bit>
#include <optional>
#include <vector>

namespace spicebox {

namespace {

constexpr uint32_t quic_magic = 0x43495551; // "QUIC"
constexpr uint32_t quic_version = 0;

enum class QuicImageType : uint32_t {
    Invalid,
    Gray,
    Rgb16,
    Rgb24,
    Rgb32,
    Rgba,
};

// Decoded images are capped well above an 8K screen, so a small hostile header cannot make the
// decoder allocate gigabytes.
constexpr uint64_t max_quic_pixels = 64ull << 20;

constexpr unsigned max_code_count = 8;         // MAXNUMCODES: one Golomb code per bit of a channel
constexpr unsigned max_codeword_length = 26;   // DEFmaxclen
constexpr unsigned wait_mask_index_max = 6;    // DEFwmimax: model updates grow this sparse at most
constexpr unsigned wait_mask_interval = 2048;  // DEFwminext: pixels between sparser update masks
constexpr unsigned random_seed_start = 0xff;
// The counter halving thresholds by wait mask index, for SFALIC's model evolution setting 3.
constexpr std::array<uint32_t, 11> wait_mask_triggers = { 110, 550, 900, 800, 550, 400, 350, 250, 140, 160, 140 };
// MELCODE: the run length exponent for each of its 32 states.
constexpr std::array<uint32_t, 32> melcode_exponents = {
    0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};
// The pseudo-random table that spaces model updates out (encoder and decoder draw the same values).
constexpr std::array<uint32_t, 256> update_spacing_table = {
    0x02c57542, 0x35427717, 0x2f5a2153, 0x9244f155, 0x7bd26d07, 0x354c6052, 0x57329b28, 0x2993868e,
    0x6cd8808c, 0x147b46e0, 0x99db66af, 0xe32b4cac, 0x1b671264, 0x9d433486, 0x62a4c192, 0x06089a4b,
    0x9e3dce44, 0xdaabee13, 0x222425ea, 0xa46f331d, 0xcd589250, 0x8bb81d7f, 0xc8b736b9, 0x35948d33,
    0xd7ac7fd0, 0x5fbe2803, 0x2cfbc105, 0x013dbc4e, 0x7a37820f, 0x39f88e9e, 0xedd58794, 0xc5076689,
    0xfcada5a4, 0x64c2f46d, 0xb3ba3243, 0x8974b4f9, 0x5a05aebd, 0x20afcd00, 0x39e2b008, 0x88a18a45,
    0x600bde29, 0xf3971ace, 0xf37b0a6b, 0x7041495b, 0x70b707ab, 0x06beffbb, 0x4206051f, 0xe13c4ee3,
    0xc1a78327, 0x91aa067c, 0x8295f72a, 0x732917a6, 0x1d871b4d, 0x4048f136, 0xf1840e7e, 0x6a6048c1,
    0x696cb71a, 0x7ff501c3, 0x0fc6310b, 0x57e0f83d, 0x8cc26e74, 0x11a525a2, 0x946934c7, 0x7cd888f0,
    0x8f9d8604, 0x4f86e73b, 0x04520316, 0xdeeea20c, 0xf1def496, 0x67687288, 0xf540c5b2, 0x22401484,
    0x3478658a, 0xc2385746, 0x01979c2c, 0x5dad73c8, 0x0321f58b, 0xf0fedbee, 0x92826ddf, 0x284bec73,
    0x5b1a1975, 0x03df1e11, 0x20963e01, 0xa17cf12b, 0x740d776e, 0xa7a6bf3c, 0x01b5cce4, 0x1118aa76,
    0xfc6fac0a, 0xce927e9b, 0x00bf2567, 0x806f216c, 0xbca69056, 0x795bd3e9, 0xc9dc4557, 0x8929b6c2,
    0x789d52ec, 0x3f3fbf40, 0xb9197368, 0xa38c15b5, 0xc3b44fa8, 0xca8333b0, 0xb7e8d590, 0xbe807feb,
    0xbf5f8360, 0xd99e2f5c, 0x372928e1, 0x7c757c4c, 0x0db5b154, 0xc01ede02, 0x1fc86e78, 0x1f3985be,
    0xb4805c77, 0x00c880fa, 0x974c1b12, 0x35ab0214, 0xb2dc840d, 0x5b00ae37, 0xd313b026, 0xb260969d,
    0x7f4c8879, 0x1734c4d3, 0x49068631, 0xb9f6a021, 0x6b863e6f, 0xcee5debf, 0x29f8c9fb, 0x53dd6880,
    0x72b61223, 0x1f67a9fd, 0x0a0f6993, 0x13e59119, 0x11cca12e, 0xfe6b6766, 0x16b6effc, 0x97918fc4,
    0xc2b8a563, 0x94f2f741, 0x0bfa8c9a, 0xd1537ae8, 0xc1da349c, 0x873c60ca, 0x95005b85, 0x9b5c080e,
    0xbc8abbd9, 0xe1eab1d2, 0x6dac9070, 0x4ea9ebf1, 0xe0cf30d4, 0x1ef5bd7b, 0xd161043e, 0x5d2fa2e2,
    0xff5d3cae, 0x86ed9f87, 0x2aa1daa1, 0xbd731a34, 0x9e8f4b22, 0xb1c2c67a, 0xc21758c9, 0xa182215d,
    0xccb01948, 0x8d168df7, 0x04238cfe, 0x368c3dbc, 0x0aeadca5, 0xbad21c24, 0x0a71fee5, 0x9fc5d872,
    0x54c152c6, 0xfc329483, 0x6783384a, 0xeddb3e1c, 0x65f90e30, 0x884ad098, 0xce81675a, 0x4b372f7d,
    0x68bf9a39, 0x43445f1e, 0x40f8d8cb, 0x90d5acb6, 0x4cd07282, 0x349eeb06, 0x0c9d5332, 0x520b24ef,
    0x80020447, 0x67976491, 0x2f931ca3, 0xfe9b0535, 0xfcd30220, 0x61a9e6cc, 0xa487d8d7, 0x3f7c5dd1,
    0x7d0127c5, 0x48f51d15, 0x60dea871, 0xc9a91cb7, 0x58b53bb3, 0x9d5e0b2d, 0x624a78b4, 0x30dbee1b,
    0x9bdf22e7, 0x1df5c299, 0x2d5643a7, 0xf4dd35ff, 0x03ca8fd6, 0x53b47ed8, 0x6f2c19aa, 0xfeb0c1f4,
    0x49e54438, 0x2f2577e6, 0xbf876969, 0x72440ea9, 0xfa0bafb8, 0x74f5b3a0, 0x7dd357cd, 0x89ce1358,
    0x6ef2cdda, 0x1e7767f3, 0xa6be9fdb, 0x4f5f88f8, 0xba994a3a, 0x08ca6b65, 0xe0893818, 0x9e00a16a,
    0xf42bfc8f, 0x9972eedc, 0x749c8b51, 0x32c05f5e, 0xd706805f, 0x6bfbb7cf, 0xd9210a10, 0x31a1db97,
    0x923a9559, 0x37a7a1f6, 0x059f8861, 0xca493e62, 0x65157e81, 0x8f6467dd, 0xab85ff9f, 0x9331aff2,
    0x8616b9f5, 0xedbd5695, 0xee7e29b1, 0x313ac44f, 0xb903112f, 0x432ef649, 0xdc0a36c0, 0x61cf2bba,
    0x81474925, 0xa8b6c7ad, 0xee5931de, 0xb2f8158d, 0x59fb7409, 0x2e3dfaed, 0x9af25a3f, 0xe1fed4d5,
};

constexpr uint32_t low_mask(unsigned bits)
{
    return bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
}

unsigned ceil_log2(unsigned value)
{
    return value <= 1 ? 0 : unsigned(std::bit_width(value - 1));
}

// The Golomb-Rice code family of one channel depth: code l sends a value n as n >> l in unary then the
// l low bits, except that long unary prefixes are replaced by a fixed-length escape.
struct CodeFamily {
    unsigned bits_per_channel;
    std::array<uint32_t, max_code_count> rice_codewords {}; // values sent as Rice codewords
    std::array<uint32_t, max_code_count> escape_length {};
    std::array<uint32_t, max_code_count> escape_prefix_mask {};
    std::array<uint32_t, max_code_count> escape_suffix_length {};
    std::array<std::array<uint8_t, max_code_count>, 256> code_length {};
    // Unsigned code value back to a signed prediction error modulo the channel range.
    std::array<uint32_t, 256> to_error {};

    explicit CodeFamily(unsigned bpc) : bits_per_channel(bpc)
    {
        for (unsigned l = 0; l < bpc; ++l) {
            unsigned prefix = std::min(max_codeword_length - bpc, low_mask(bpc - l));
            unsigned escaped_values = low_mask(bpc) + 1 - (prefix << l);
            rice_codewords[l] = prefix << l;
            escape_suffix_length[l] = ceil_log2(escaped_values);
            escape_length[l] = prefix + escape_suffix_length[l];
            escape_prefix_mask[l] = low_mask(32 - prefix);
            for (unsigned n = 0; n < 256; ++n)
                code_length[n][l] = uint8_t(n < rice_codewords[l] ? (n >> l) + l + 1 : escape_length[l]);
        }
        for (unsigned s = 0; s <= low_mask(bpc); ++s)
            to_error[s] = (s & 1) ? low_mask(bpc) - (s >> 1) : s >> 1;
    }

    // The value whose codeword starts at the top of `bits`, and the codeword's length.
    uint32_t decode(unsigned code, uint32_t bits, unsigned& length) const
    {
        if (bits > escape_prefix_mask[code]) {
            unsigned zeros = unsigned(std::countl_zero(bits));
            length = zeros + 1 + code;
            return zeros << code | ((bits >> (32 - length)) & low_mask(code));
        }
        length = escape_length[code];
        return rice_codewords[code] + ((bits >> (32 - length)) & low_mask(escape_suffix_length[code]));
    }
};

const CodeFamily& code_family(unsigned bpc)
{
    static const CodeFamily eight(8);
    static const CodeFamily five(5);
    return bpc == 8 ? eight : five;
}

// The payload as 32-bit little-endian words read most significant bit first. Reads past the end
// see zeros and mark the stream overrun; the decoder checks that once per row (every decoded value
// consumes at least one bit, so the work stays bounded by the image size).
class BitReader {
public:
    explicit BitReader(std::span<const uint8_t> data) : m_data(data), m_total_bits(uint64_t(data.size() / 4) * 32) { }

    uint32_t peek() const
    {
        uint64_t word = m_position / 32;
        unsigned offset = unsigned(m_position % 32);
        uint32_t bits = word_at(word) << offset;
        if (offset)
            bits |= word_at(word + 1) >> (32 - offset);
        return bits;
    }
    void eat(unsigned count) { m_position += count; }
    uint32_t read32()
    {
        uint32_t value = peek();
        eat(32);
        return value;
    }
    bool overrun() const { return m_position > m_total_bits; }

private:
    uint32_t word_at(uint64_t index) const
    {
        if (index >= m_total_bits / 32)
            return 0;
        const uint8_t* at = m_data.data() + index * 4;
        return uint32_t(at[0]) | uint32_t(at[1]) << 8 | uint32_t(at[2]) << 16 | uint32_t(at[3]) << 24;
    }

    std::span<const uint8_t> m_data;
    uint64_t m_total_bits;
    uint64_t m_position { 0 };
};

// When to update the models and how runs are coded: one for the RGB channels together, one for alpha.
struct ModelState {
    uint32_t wait_count { 0 };
    uint32_t random_seed { random_seed_start };
    uint32_t wait_mask_index { 0 };
    uint32_t wait_mask_left { wait_mask_interval };
    uint32_t trigger { wait_mask_triggers[0] };
    uint32_t melcode_state { 0 };
    uint32_t melcode_exponent { melcode_exponents[0] };
    uint32_t melcode_order { 1 };

    uint32_t next_random() { return update_spacing_table[++random_seed & 0xff]; }
    void next_wait_mask()
    {
        ++wait_mask_index;
        trigger = wait_mask_triggers[std::min<size_t>(wait_mask_index, wait_mask_triggers.size() - 1)];
        wait_mask_left = wait_mask_interval;
    }
    void melcode_up()
    {
        if (melcode_state < melcode_exponents.size() - 1) {
            melcode_exponent = melcode_exponents[++melcode_state];
            melcode_order = 1u << melcode_exponent;
        }
    }
    void melcode_down()
    {
        if (melcode_state) {
            melcode_exponent = melcode_exponents[--melcode_state];
            melcode_order = 1u << melcode_exponent;
        }
    }
};

struct Bucket {
    std::array<uint32_t, max_code_count> counters {};
    uint32_t best_code { 0 };
};

// One colour channel: its context model (the previous code value picks a bucket; buckets cover
// 1, 2, 4, ... contexts) and the code values of the current and previous rows.
class ChannelModel {
public:
    ChannelModel(const CodeFamily& family, uint32_t width) : m_family(family), m_levels(1u << family.bits_per_channel)
    {
        m_bucket_of.resize(m_levels);
        uint32_t start = 0;
        uint32_t size = 1;
        while (start < m_levels) {
            uint32_t end = start + size - 1;
            if (end + size >= m_levels)
                end = m_levels - 1;
            for (uint32_t value = start; value <= end; ++value)
                m_bucket_of[value] = uint8_t(m_buckets.size());
            m_buckets.push_back(Bucket { {}, family.bits_per_channel - 1 });
            start = end + 1;
            size *= 2;
        }
        m_codes.resize(size_t(width) + 1);
    }

    // Code values by column; column -1 is the context of column 0.
    uint8_t& code(int column) { return m_codes[size_t(column + 1)]; }
    void start_row(bool first_row) { code(-1) = first_row ? 0 : code(0); }

    Bucket& bucket(int column) { return m_buckets[m_bucket_of[code(column - 1) & (m_levels - 1)]]; }

    // Decodes the code value of `column` and returns the prediction error it stands for.
    uint32_t decode(BitReader& bits, int column)
    {
        unsigned length;
        uint8_t value = uint8_t(m_family.decode(bucket(column).best_code, bits.peek(), length));
        bits.eat(length);
        code(column) = value;
        return m_family.to_error[value];
    }

    void update(const ModelState& state, int column)
    {
        Bucket& target = bucket(column);
        uint8_t value = code(column);
        unsigned best = m_family.bits_per_channel - 1;
        uint32_t best_length = target.counters[best] += m_family.code_length[value][best];
        for (int l = int(m_family.bits_per_channel) - 2; l >= 0; --l) {
            uint32_t length = target.counters[size_t(l)] += m_family.code_length[value][size_t(l)];
            if (length < best_length) {
                best = unsigned(l);
                best_length = length;
            }
        }
        target.best_code = best;
        if (best_length > state.trigger) {
            for (auto& counter : target.counters)
                counter >>= 1;
        }
    }

private:
    const CodeFamily& m_family;
    uint32_t m_levels;
    std::vector<uint8_t> m_bucket_of;
    std::vector<Bucket> m_buckets;
    std::vector<uint8_t> m_codes;
};

// Channels decoded together (R, G, B; or alpha alone): they share a ModelState, runs and update points.
class ChannelGroup {
public:
    ChannelGroup(unsigned channel_count, unsigned bpc, uint32_t width) : m_mask(low_mask(bpc)), m_width(width)
    {
        for (unsigned c = 0; c < channel_count; ++c) {
            m_channels.emplace_back(code_family(bpc), width);
            m_rows.emplace_back(width);
            m_previous_rows.emplace_back(width);
        }
    }

    // Channel c's values of the row just decoded.
    const std::vector<uint8_t>& row(unsigned c) const { return m_rows[c]; }

    Result<void> decode_row(BitReader& bits, bool first_row)
    {
        std::swap(m_rows, m_previous_rows);
        for (auto& channel : m_channels)
            channel.start_row(first_row);
        uint32_t position = 0;
        uint32_t left = m_width;
        while (m_state.wait_mask_index < wait_mask_index_max && m_state.wait_mask_left <= left) {
            if (m_state.wait_mask_left) {
                TRY(decode_segment(bits, first_row, int(position), int(position + m_state.wait_mask_left)));
                position += m_state.wait_mask_left;
                left -= m_state.wait_mask_left;
            }
            m_state.next_wait_mask();
        }
        if (left) {
            TRY(decode_segment(bits, first_row, int(position), int(position + left)));
            if (m_state.wait_mask_index < wait_mask_index_max)
                m_state.wait_mask_left -= left;
        }
        if (bits.overrun())
            return Error { "QUIC: stream ends early" };
        return {};
    }

private:
    void decode_pixel(BitReader& bits, bool first_row, int i)
    {
        for (size_t c = 0; c < m_channels.size(); ++c) {
            uint32_t error = m_channels[c].decode(bits, i);
            auto& current = m_rows[c];
            const auto& above = m_previous_rows[c];
            uint32_t predicted;
            if (first_row)
                predicted = i == 0 ? 0 : current[size_t(i - 1)];
            else
                predicted = i == 0 ? above[0] : (uint32_t(current[size_t(i - 1)]) + above[size_t(i)]) >> 1;
            current[size_t(i)] = uint8_t((error + predicted) & m_mask);
        }
    }

    void update_models(int column)
    {
        for (auto& channel : m_channels)
            channel.update(m_state, column);
    }

    bool same_pixels(const std::vector<std::vector<uint8_t>>& rows, int a, int b) const
    {
        for (const auto& row : rows) {
            if (row[size_t(a)] != row[size_t(b)])
                return false;
        }
        return true;
    }

    // The encoder codes a run where the row above repeats and the two pixels to the left are equal.
    bool run_predicted(int i, int run_index) const
    {
        return same_pixels(m_previous_rows, i - 1, i) && run_index != i && i > 2 && same_pixels(m_rows, i - 1, i - 2);
    }

    // MELCODE: each 1 bit is a run of melcode_order pixels (the order growing as they come), a 0 ends
    // the run with its remainder in melcode_exponent bits.
    Result<uint32_t> decode_run(BitReader& bits, uint32_t limit)
    {
        uint64_t length = 0;
        for (;;) {
            unsigned ones = unsigned(std::countl_one(uint8_t(bits.peek() >> 24)));
            for (unsigned hit = 0; hit < ones; ++hit) {
                length += m_state.melcode_order;
                m_state.melcode_up();
            }
            if (length > limit || bits.overrun())
                return Error { "QUIC: run past the end of the row" };
            if (ones != 8) {
                bits.eat(ones + 1);
                break;
            }
            bits.eat(8);
        }
        if (m_state.melcode_exponent) {
            length += bits.peek() >> (32 - m_state.melcode_exponent);
            bits.eat(m_state.melcode_exponent);
        }
        m_state.melcode_down();
        if (length > limit)
            return Error { "QUIC: run past the end of the row" };
        return uint32_t(length);
    }

    Result<void> decode_segment(BitReader& bits, bool first_row, int i, int end)
    {
        const uint32_t wait_mask = low_mask(m_state.wait_mask_index);
        int stop;
        int run_index = 0;
        if (i == 0) {
            decode_pixel(bits, first_row, 0);
            if (m_state.wait_count) {
                --m_state.wait_count;
            } else {
                m_state.wait_count = m_state.next_random() & wait_mask;
                update_models(0);
            }
            stop = ++i + int(m_state.wait_count);
        } else {
            stop = i + int(m_state.wait_count);
        }
        for (;;) {
            bool run = false;
            while (!run && stop < end) {
                for (; i <= stop; ++i) {
                    if (!first_row && run_predicted(i, run_index)) {
                        run = true;
                        break;
                    }
                    decode_pixel(bits, first_row, i);
                }
                if (!run) {
                    update_models(stop);
                    stop = i + int(m_state.next_random() & wait_mask);
                }
            }
            for (; !run && i < end; ++i) {
                if (!first_row && run_predicted(i, run_index)) {
                    run = true;
                    break;
                }
                decode_pixel(bits, first_row, i);
            }
            if (!run) {
                m_state.wait_count = uint32_t(stop - end);
                return {};
            }
            m_state.wait_count = uint32_t(stop - i);
            run_index = i;
            uint32_t length = TRY(decode_run(bits, uint32_t(end - i)));
            for (uint32_t k = 0; k < length; ++k, ++i) {
                for (auto& row : m_rows)
                    row[size_t(i)] = row[size_t(i - 1)];
            }
            if (i == end)
                return {};
            stop = i + int(m_state.wait_count);
        }
    }

    uint32_t m_mask;
    uint32_t m_width;
    ModelState m_state;
    std::vector<ChannelModel> m_channels;
    std::vector<std::vector<uint8_t>> m_rows;
    std::vector<std::vector<uint8_t>> m_previous_rows;
};

uint8_t widen_5_bits(uint8_t value)
{
    return uint8_t(value << 3 | value >> 2);
}

} // namespace

Result<Bitmap> decode_quic(std::span<const uint8_t> payload)
{
    constexpr size_t header_words = 5;
    if (payload.size() < header_words * 4)
        return Error { "QUIC: missing header" };
    BitReader bits(payload);
    if (bits.read32() != quic_magic)
        return Error { "QUIC: bad magic" };
    if (bits.read32() != quic_version)
        return Error { "QUIC: unsupported version" };
    auto type = QuicImageType(bits.read32());
    uint32_t width = bits.read32();
    uint32_t height = bits.read32();
    if (width == 0 || height == 0 || width > max_raster_dimension || height > max_raster_dimension
        || uint64_t(width) * height > max_quic_pixels)
        return Error { "QUIC: image size out of range" };
    // The first pixel of every row is coded, at least a bit per channel.
    if (height > payload.size() * 8)
        return Error { "QUIC: payload too small for the image size" };

    unsigned bpc;
    switch (type) {
    case QuicImageType::Rgb16:
        bpc = 5;
        break;
    case QuicImageType::Rgb24:
    case QuicImageType::Rgb32:
    case QuicImageType::Rgba:
        bpc = 8;
        break;
    default:
        return Error { "QUIC: unsupported image type" };
    }

    Bitmap bitmap;
    bitmap.format = type == QuicImageType::Rgba ? BitmapFormat::Argb8888 : BitmapFormat::Xrgb8888;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = width * 4;
    // Rows are added as they decode: a stream that breaks off early never makes the decoder touch the
    // memory of the whole image its header claims.
    bitmap.pixels.reserve(size_t(bitmap.stride) * height);

    constexpr unsigned red = 0, green = 1, blue = 2;
    ChannelGroup colour(3, bpc, width);
    std::optional<ChannelGroup> alpha;
    if (type == QuicImageType::Rgba)
        alpha.emplace(1, 8, width);
    for (uint32_t y = 0; y < height; ++y) {
        TRY(colour.decode_row(bits, y == 0));
        if (alpha)
            TRY(alpha->decode_row(bits, y == 0));
        bitmap.pixels.resize(size_t(y + 1) * bitmap.stride);
        uint8_t* out = bitmap.pixels.data() + size_t(y) * bitmap.stride;
        const auto& r = colour.row(red);
        const auto& g = colour.row(green);
        const auto& b = colour.row(blue);
        for (uint32_t x = 0; x < width; ++x, out += 4) {
            if (bpc == 5) {
                out[0] = widen_5_bits(b[x]);
                out[1] = widen_5_bits(g[x]);
                out[2] = widen_5_bits(r[x]);
            } else {
                out[0] = b[x];
                out[1] = g[x];
                out[2] = r[x];
            }
            out[3] = alpha ? alpha->row(0)[x] : 0;
        }
    }
    return bitmap;
}

} // namespace spicebox
