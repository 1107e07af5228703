#pragma once
// Image files of the benchmark format (OpenCV imgcodecs; built only with SEGLLM_WITH_OPENCV):
// RGB scene PNGs, single-channel 0/255 mask PNGs, and the writer of a whole benchmark folder.

#include "core/image/mask.h"
#include "core/image/rgb_image.h"
#include "core/synth/benchmark_format.h"

#include <functional>
#include <string>

namespace segllm::synth {

// Writes an RGB PNG / an 8-bit single-channel PNG (0 background, 255 object). Throws
// segllm::Error naming the path when encoding or writing fails.
void write_png_rgb(const std::string& path, const RgbImage& image);
void write_png_mask(const std::string& path, const Mask& mask);

// Reads a PNG (or any format OpenCV decodes) as RGB (grey and alpha images are converted).
// Throws segllm::Error naming the path when it cannot be read or decoded.
RgbImage read_png_rgb(const std::string& path);

// Reads a single-channel 8-bit mask (any non-zero value is object). When expected_width > 0,
// the size must equal expected_width x expected_height. Throws segllm::Error naming the path for
// an unreadable file, more than one channel, a depth other than 8 bit, or a wrong size.
Mask read_png_mask(const std::string& path, int expected_width = -1, int expected_height = -1);

// Writes conversations 0..count-1 into `dir` (created if needed): scene_NNNN.png,
// scene_NNNN_rK.png and scene_NNNN.json. A folder that already holds files is refused unless
// `overwrite`, which first removes the scene_* .png and .json files there. progress(done, total)
// is called after each conversation. Throws segllm::Error naming the path on failure and for a
// count below 1.
void write_benchmark(const std::string& dir, const BenchmarkOptions& options,
                     bool overwrite = false, const std::function<void(int, int)>& progress = {});

}  // namespace segllm::synth
