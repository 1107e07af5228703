#pragma once
// Instance overlays for previews (segllm chat / run): each mask tinted in its own colour over
// the image, with its outline drawn opaque. Plain C++.

#include "core/image/mask.h"
#include "core/image/rgb_image.h"

#include <array>
#include <cstdint>
#include <vector>

namespace segllm::engine {

// A distinct, saturated colour for instance index i (0-based; the palette repeats after 12).
std::array<std::uint8_t, 3> instance_colour(int index);

// The image with mask i blended in instance_colour(i): inside pixels become
// (1 - alpha) * pixel + alpha * colour (rounded), pixels of the mask's 4-neighbour boundary
// take the colour itself. Later masks are drawn over earlier ones. Throws segllm::Error when a
// mask's size differs from the image's or alpha is outside [0, 1].
RgbImage render_overlay(const RgbImage& image, const std::vector<Mask>& masks, double alpha = 0.5);

}  // namespace segllm::engine
