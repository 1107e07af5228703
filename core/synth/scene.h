#pragma once
// One scene of the shapes world (synthetic-world.md, "Scene"): a noisy uniform background,
// 3 to 6 non-overlapping objects (some touching), and dots inside some of them, each an instance
// with an exact binary mask.

#include "core/image/mask.h"
#include "core/image/rgb_image.h"
#include "core/synth/random.h"
#include "core/synth/world.h"

#include <cstdint>
#include <vector>

namespace segllm::synth {

enum class InstanceKind { object, dot };

// Coordinates are pixel indices: pixel (x, y) has coordinate (x, y); the box is the tight,
// inclusive box of the mask and the centroid the mean coordinate of its pixels.
struct Instance {
    int id = 0;  // index in Scene::instances
    InstanceKind kind = InstanceKind::object;
    Shape shape = Shape::circle;  // dots are circles
    Colour colour = Colour::red;
    Rgb rgb{};      // the drawn colour (nominal colour plus jitter)
    int side = 0;   // side of the square box the shape was drawn in (dot: its diameter)
    int hole = 0;   // inner diameter of a ring, 0 otherwise
    int host = -1;  // dot: id of the object it sits in; object: -1
    int dot = -1;   // object: id of its dot, or -1
    Mask mask;      // image-sized; an object's mask includes the pixels of its dot
    PixelBox box;
    double cx = 0.0;
    double cy = 0.0;
    std::int64_t area = 0;
};

struct SceneOptions {
    int width = 128;   // 96..512
    int height = 128;  // 96..512
};

struct Scene {
    RgbImage image;
    std::vector<Instance> instances;  // objects first (ids 0..n-1), then dots
    // The drawn background colour (before noise) and the noise standard deviation.
    Rgb background{};
    double noise_sigma = 0.0;
};

// Size limits of scenes and objects.
constexpr int kMinImageSide = 96;
constexpr int kMaxImageSide = 512;
constexpr int kMinObjects = 3;
constexpr int kMaxObjects = 6;

// Draws one scene. Throws segllm::Error when width or height lies outside 96..512.
Scene generate_scene(Rng& rng, const SceneOptions& options = {});

// True when the two masks (same size) share no pixel but a pixel of one is a 4-neighbour of a
// pixel of the other.
bool masks_touch(const Mask& a, const Mask& b);

}  // namespace segllm::synth
