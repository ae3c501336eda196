#include "spice-common/jpeg_codec.h"

#include "spice-common/bitmap_image.h"

// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>
#include <csetjmp>
#include <jpeglib.h>

#include <cstdlib>
#include <string>

namespace spicebox {

namespace {

constexpr uint32_t xrgb_bytes_per_pixel = 4;
// Baseline JPEG compresses at best to well under a bit per pixel, but not to nothing: every 8x8 block
// of every component costs at least a couple of bits. A payload claiming far more pixels than this
// allows is refused before its pixels are allocated.
constexpr uint64_t max_pixels_per_payload_byte = 4096;

// libjpeg reports errors through a callback that must not return; it jumps back to the call that
// started the work, carrying libjpeg's message. Nothing with a destructor lives between the setjmp and
// the libjpeg calls, so the jump skips no cleanup.
struct JpegErrorHandler {
    jpeg_error_mgr manager;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

void on_jpeg_error(j_common_ptr info)
{
    auto handler = reinterpret_cast<JpegErrorHandler*>(info->err);
    handler->manager.format_message(info, handler->message);
    std::longjmp(handler->jump, 1);
}

// Corrupt-data warnings would otherwise go to stderr and be ignored; a damaged stream is an error.
void on_jpeg_warning(j_common_ptr info, int level)
{
    if (level < 0)
        on_jpeg_error(info);
}

void init_error_handler(JpegErrorHandler& handler)
{
    jpeg_std_error(&handler.manager);
    handler.manager.error_exit = on_jpeg_error;
    handler.manager.emit_message = on_jpeg_warning;
    handler.message[0] = '\0';
}

// The libjpeg work of encode_jpeg. Everything it changes lives in the caller's frame, so nothing
// this frame holds is left stale when libjpeg jumps back to the setjmp. Returns false with
// handler.message set on failure.
bool compress(const Bitmap& bitmap, int quality, JpegErrorHandler& handler, unsigned char*& output, unsigned long& output_size)
{
    jpeg_compress_struct info {};
    info.err = &handler.manager;
    init_error_handler(handler);
    if (setjmp(handler.jump)) {
        jpeg_destroy_compress(&info);
        return false;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &output, &output_size);
    info.image_width = bitmap.width;
    info.image_height = bitmap.height;
    // B, G, R, X in memory is libjpeg-turbo's BGRX.
    info.in_color_space = JCS_EXT_BGRX;
    info.input_components = int(xrgb_bytes_per_pixel);
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(bitmap.pixels.data() + size_t(info.next_scanline) * bitmap.stride);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    return true;
}

// The libjpeg work of decode_jpeg, on the same terms as compress(); `failure` is set instead of the
// handler's message when the stream is well-formed but not acceptable.
bool decompress(std::span<const uint8_t> payload, Bitmap& bitmap, JpegErrorHandler& handler, const char*& failure)
{
    jpeg_decompress_struct info {};
    info.err = &handler.manager;
    init_error_handler(handler);
    if (setjmp(handler.jump)) {
        jpeg_destroy_decompress(&info);
        return false;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, payload.data(), static_cast<unsigned long>(payload.size()));
    if (jpeg_read_header(&info, TRUE) != JPEG_HEADER_OK) {
        failure = "no image in payload";
    } else if (info.image_width == 0 || info.image_height == 0 || info.image_width > max_raster_dimension
        || info.image_height > max_raster_dimension
        || uint64_t(info.image_width) * info.image_height > payload.size() * max_pixels_per_payload_byte) {
        failure = "image size out of range";
    }
    if (failure) {
        jpeg_destroy_decompress(&info);
        return false;
    }
    info.out_color_space = JCS_EXT_BGRX;
    bitmap.width = info.image_width;
    bitmap.height = info.image_height;
    bitmap.stride = bitmap.width * xrgb_bytes_per_pixel;
    bitmap.pixels.resize(size_t(bitmap.stride) * bitmap.height);
    jpeg_start_decompress(&info);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = bitmap.pixels.data() + size_t(info.output_scanline) * bitmap.stride;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return true;
}

} // namespace

Result<std::vector<uint8_t>> encode_jpeg(const Bitmap& bitmap, int quality)
{
    if (bitmap.format != BitmapFormat::Xrgb8888 && bitmap.format != BitmapFormat::Argb8888)
        return Error { "JPEG: only 32-bit RGB bitmaps are encoded" };
    if (bitmap.width == 0 || bitmap.height == 0 || bitmap.width > max_raster_dimension || bitmap.height > max_raster_dimension)
        return Error { "JPEG: bitmap size out of range" };
    if (quality < 1 || quality > 100)
        return Error { "JPEG: quality must be 1..100" };
    size_t row_bytes = size_t(bitmap.width) * xrgb_bytes_per_pixel;
    if (bitmap.stride != row_bytes || bitmap.pixels.size() < row_bytes * bitmap.height)
        return Error { "JPEG: bitmap rows do not match its size" };

    JpegErrorHandler handler;
    unsigned char* output = nullptr;
    unsigned long output_size = 0;
    bool ok = compress(bitmap, quality, handler, output, output_size);
    std::vector<uint8_t> jpeg;
    if (ok)
        jpeg.assign(output, output + output_size);
    std::free(output);
    if (!ok)
        return Error { std::string("JPEG: ") + handler.message };
    return jpeg;
}

Result<Bitmap> decode_jpeg(std::span<const uint8_t> payload)
{
    if (payload.empty())
        return Error { "JPEG: empty payload" };
    Bitmap bitmap;
    bitmap.format = BitmapFormat::Xrgb8888;
    JpegErrorHandler handler;
    const char* failure = nullptr;
    if (!decompress(payload, bitmap, handler, failure))
        return Error { std::string("JPEG: ") + (failure ? failure : handler.message) };
    return bitmap;
}

} // namespace spicebox
