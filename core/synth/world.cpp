#include "core/synth/world.h"

#include <cstdlib>

namespace segllm::synth {

const char* shape_name(Shape shape) {
    switch (shape) {
        case Shape::circle:
            return "circle";
        case Shape::square:
            return "square";
        case Shape::triangle:
            return "triangle";
        case Shape::diamond:
            return "diamond";
        case Shape::ring:
            return "ring";
    }
    return "?";
}

const char* colour_name(Colour colour) {
    switch (colour) {
        case Colour::red:
            return "red";
        case Colour::green:
            return "green";
        case Colour::blue:
            return "blue";
        case Colour::yellow:
            return "yellow";
        case Colour::purple:
            return "purple";
        case Colour::orange:
            return "orange";
        case Colour::white:
            return "white";
    }
    return "?";
}

Rgb nominal_rgb(Colour colour) {
    switch (colour) {
        case Colour::red:
            return {220, 40, 40};
        case Colour::green:
            return {40, 180, 60};
        case Colour::blue:
            return {50, 90, 230};
        case Colour::yellow:
            return {235, 215, 50};
        case Colour::purple:
            return {150, 60, 200};
        case Colour::orange:
            return {245, 140, 30};
        case Colour::white:
            return {235, 235, 235};
    }
    return {0, 0, 0};
}

std::vector<Shape> all_shapes() {
    return {Shape::circle, Shape::square, Shape::triangle, Shape::diamond, Shape::ring};
}

std::vector<Colour> all_colours() {
    return {Colour::red,    Colour::green,  Colour::blue, Colour::yellow,
            Colour::purple, Colour::orange, Colour::white};
}

bool shape_contains(Shape shape, int side, int hole, int x, int y) {
    if (x < 0 || y < 0 || x >= side || y >= side) {
        return false;
    }
    // Doubled coordinates of the pixel centre relative to the box: 1, 3, ..., 2 side - 1.
    // The box centre is (side, side) in these units.
    const long long px = 2LL * x + 1;
    const long long py = 2LL * y + 1;
    const long long dx = px - side;
    const long long dy = py - side;
    const long long s = side;
    switch (shape) {
        case Shape::square:
            return true;
        case Shape::circle:
            return dx * dx + dy * dy <= s * s;
        case Shape::ring:
            return dx * dx + dy * dy <= s * s &&
                   dx * dx + dy * dy > static_cast<long long>(hole) * hole;
        case Shape::diamond:
            return std::llabs(dx) + std::llabs(dy) <= s;
        case Shape::triangle:
            // Half width at depth py (0 at the apex, 2 side at the base) is py / 2.
            return 2 * std::llabs(dx) <= py;
    }
    return false;
}

}  // namespace segllm::synth
