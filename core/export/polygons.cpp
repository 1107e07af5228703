#include "core/export/polygons.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace segllm {

namespace {

// Directions on the corner grid, in clockwise order on screen: east, south, west, north.
constexpr int kDx[4] = {1, 0, -1, 0};
constexpr int kDy[4] = {0, 1, 0, -1};

}  // namespace

MaskOutlines trace_mask_outlines(const Mask& mask) {
    MaskOutlines result;
    if (mask.empty()) {
        return result;
    }
    const int gw = mask.width + 1;  // corner grid
    const int gh = mask.height + 1;
    auto set = [&](int x, int y) {
        return x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask.at(x, y) != 0;
    };
    // Directed boundary edges, foreground on the walker's right; out[v] has bit d when an edge
    // leaves corner v in direction d.
    std::vector<std::uint8_t> out(static_cast<std::size_t>(gw) * gh, 0);
    auto corner = [&](int x, int y) { return static_cast<std::size_t>(y) * gw + x; };
    for (int y = 0; y < mask.height; ++y) {
        for (int x = 0; x < mask.width; ++x) {
            if (!set(x, y))
                continue;
            if (!set(x, y - 1))
                out[corner(x, y)] |= 1 << 0;  // top edge, east
            if (!set(x + 1, y))
                out[corner(x + 1, y)] |= 1 << 1;  // right edge, south
            if (!set(x, y + 1))
                out[corner(x + 1, y + 1)] |= 1 << 2;  // bottom edge, west
            if (!set(x - 1, y))
                out[corner(x, y + 1)] |= 1 << 3;  // left edge, north
        }
    }
    std::vector<std::uint8_t> used(out.size(), 0);
    // At a corner touched by two diagonal pixels two edges leave; turning right first keeps
    // each outline around one 4-connected part, so every outline is a simple closed curve.
    auto next_direction = [&](std::size_t v, int arrived) {
        for (int turn : {1, 0, 3}) {  // right, straight, left
            const int d = (arrived + turn) % 4;
            if (out[v] & (1 << d))
                return d;
        }
        throw Error("mask outline tracing lost the boundary (internal error)");
    };
    for (int sy = 0; sy < gh; ++sy) {
        for (int sx = 0; sx < gw; ++sx) {
            const std::size_t sv = corner(sx, sy);
            for (int sd = 0; sd < 4; ++sd) {
                if (!(out[sv] & (1 << sd)) || (used[sv] & (1 << sd)))
                    continue;
                std::vector<double> points;
                int x = sx;
                int y = sy;
                int d = sd;
                double twice_area = 0.0;
                while (true) {
                    used[corner(x, y)] |= static_cast<std::uint8_t>(1 << d);
                    const int nx = x + kDx[d];
                    const int ny = y + kDy[d];
                    twice_area += static_cast<double>(x) * ny - static_cast<double>(nx) * y;
                    x = nx;
                    y = ny;
                    const int nd = next_direction(corner(x, y), d);
                    if (nd != d) {
                        points.push_back(x);
                        points.push_back(y);
                    }
                    if (x == sx && y == sy && nd == sd)
                        break;
                    d = nd;
                }
                if (twice_area > 0) {
                    result.outer.push_back(std::move(points));
                } else {
                    ++result.holes;
                }
            }
        }
    }
    return result;
}

std::vector<Polygon> mask_to_polygons(const Mask& mask) {
    MaskOutlines outlines = trace_mask_outlines(mask);
    if (outlines.holes > 0) {
        return {};
    }
    return std::move(outlines.outer);
}

Mask polygons_to_mask(const std::vector<Polygon>& polygons, int width, int height) {
    Mask mask(width, height);
    std::vector<double> crossings;
    for (std::size_t p = 0; p < polygons.size(); ++p) {
        const Polygon& poly = polygons[p];
        if (poly.size() % 2 != 0 || poly.size() < 6) {
            throw Error("polygon " + std::to_string(p) + " has " + std::to_string(poly.size()) +
                        " values; a polygon needs an even number and at least 3 points");
        }
        const std::size_t n = poly.size() / 2;
        for (int y = 0; y < height; ++y) {
            const double yc = y + 0.5;
            crossings.clear();
            for (std::size_t i = 0; i < n; ++i) {
                const double x1 = poly[2 * i], y1 = poly[2 * i + 1];
                const double x2 = poly[2 * ((i + 1) % n)], y2 = poly[2 * ((i + 1) % n) + 1];
                if ((y1 <= yc && yc < y2) || (y2 <= yc && yc < y1)) {
                    crossings.push_back(x1 + (yc - y1) * (x2 - x1) / (y2 - y1));
                }
            }
            std::sort(crossings.begin(), crossings.end());
            for (std::size_t i = 0; i + 1 < crossings.size(); i += 2) {
                // pixel x is inside when crossings[i] <= x + 0.5 < crossings[i + 1]
                const double first = std::ceil(crossings[i] - 0.5);
                const double end = std::ceil(crossings[i + 1] - 0.5);
                const int x0 = static_cast<int>(std::max(0.0, first));
                const int x1 = static_cast<int>(std::min(static_cast<double>(width), end));
                for (int x = x0; x < x1; ++x) {
                    mask.at(x, y) = 1;
                }
            }
        }
    }
    return mask;
}

}  // namespace segllm
