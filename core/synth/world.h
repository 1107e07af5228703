#pragma once
// The vocabulary of the shapes world (synthetic-world.md): shapes, colours and their words, and
// the exact rasterisation of each shape inside its square bounding box.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace segllm::synth {

enum class Shape { circle, square, triangle, diamond, ring };
enum class Colour { red, green, blue, yellow, purple, orange, white };

constexpr int kShapeCount = 5;
constexpr int kColourCount = 7;
// Largest channel jitter around a colour's nominal value.
constexpr int kColourJitter = 15;

using Rgb = std::array<std::uint8_t, 3>;

// The word of a shape ("circle" ...) or colour ("red" ...).
const char* shape_name(Shape shape);
const char* colour_name(Colour colour);
// The nominal RGB of a colour, e.g. red = (220, 40, 40).
Rgb nominal_rgb(Colour colour);
// All shapes / colours in declaration order.
std::vector<Shape> all_shapes();
std::vector<Colour> all_colours();

// True when pixel (x, y), 0 <= x, y < side, of a side x side box belongs to the shape: the pixel
// centre (x + 0.5, y + 0.5) lies inside the figure (closed). Computed in integers, exactly.
// circle: disc of diameter side; square: the box; triangle: apex at the top centre, base on the
// bottom edge; diamond: the box rotated 45 degrees (corners at the edge midpoints); ring: the disc
// minus a concentric disc of diameter `hole` (hole ignored for other shapes).
bool shape_contains(Shape shape, int side, int hole, int x, int y);

}  // namespace segllm::synth
