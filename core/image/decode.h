#pragma once
// Decoding image files to 8-bit RGB (OpenCV; built only with SEGLLM_WITH_OPENCV).
//
// Accepted: PNG, JPEG, BMP, TIFF and WebP (first frame / page). The result is always RGB:
// - grayscale is replicated to R = G = B;
// - 16-bit samples become 8-bit by keeping the high byte (v >> 8, e.g. 0x00FF -> 0, 0x80FF -> 128,
//   0xFFFF -> 255), as libpng's strip-16 and PIL's "RGB;16B" unpacking do;
// - alpha is dropped and the stored colour kept, without compositing (PIL's convert("RGB"));
// - the EXIF Orientation tag (JPEG APP1, PNG eXIf, TIFF IFD0, WebP EXIF) is applied, so the image
//   comes out upright. The tag is read by core/image/image_header and applied here for JPEG, PNG
//   and WebP (OpenCV's orientation step is switched off); OpenCV 4.6's TIFF decoder returns TIFFs
//   upright by itself (verified for all eight orientations), so for TIFF it is not applied twice.
// Float or signed-integer samples (some TIFFs) are refused.

#include "core/image/rgb_image.h"

#include <cstdint>
#include <string>
#include <vector>

namespace segllm {

struct DecodeOptions {
    // Largest accepted width * height. It is checked against the size in the file header before
    // any pixel is decoded, so a huge image fails at once with its size in the message instead of
    // exhausting memory. Default: 100 megapixels. (OpenCV itself refuses more than 2^30 pixels.)
    std::int64_t max_pixels = 100'000'000;
    // Rotate / flip according to the EXIF Orientation tag.
    bool apply_exif_orientation = true;
};

// Decodes the file at `path`. Throws Error naming the file and the reason: missing or unreadable
// file, empty file, unknown format, corrupt or truncated data, more pixels than
// options.max_pixels (with the size), unsupported sample type.
RgbImage decode_image(const std::string& path, const DecodeOptions& options = {});

// Same for a file already in memory; `name_for_errors` (a path or description) names it in
// messages.
RgbImage decode_image_bytes(const std::vector<std::uint8_t>& bytes,
                            const std::string& name_for_errors, const DecodeOptions& options = {});

}  // namespace segllm
