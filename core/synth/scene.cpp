#include "core/synth/scene.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace segllm::synth {

namespace {

// An object's silhouette before it becomes an instance: shape raster at an origin.
struct Placement {
    Shape shape = Shape::circle;
    Colour colour = Colour::red;
    int side = 0;
    int hole = 0;
    int ox = 0;
    int oy = 0;
    std::vector<std::uint8_t> raster;  // side x side, 1 = inside the shape
    bool at(int x, int y) const { return raster[static_cast<std::size_t>(y) * side + x] != 0; }
};

std::vector<std::uint8_t> rasterise(Shape shape, int side, int hole) {
    std::vector<std::uint8_t> r(static_cast<std::size_t>(side) * side, 0);
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            r[static_cast<std::size_t>(y) * side + x] = shape_contains(shape, side, hole, x, y);
        }
    }
    return r;
}

// Which object owns each pixel (-1: none).
struct Canvas {
    int width = 0;
    int height = 0;
    std::vector<int> owner;
    Canvas(int w, int h) : width(w), height(h), owner(static_cast<std::size_t>(w) * h, -1) {}
    int at(int x, int y) const {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            return -1;
        }
        return owner[static_cast<std::size_t>(y) * width + x];
    }
};

bool inside_image(const Canvas& canvas, const Placement& p) {
    return p.ox >= 0 && p.oy >= 0 && p.ox + p.side <= canvas.width &&
           p.oy + p.side <= canvas.height;
}

// True when a pixel of p lies on a pixel owned by `object` (any object when object < 0).
bool overlaps(const Canvas& canvas, const Placement& p, int object) {
    for (int y = 0; y < p.side; ++y) {
        for (int x = 0; x < p.side; ++x) {
            if (!p.at(x, y)) {
                continue;
            }
            const int o = canvas.at(p.ox + x, p.oy + y);
            if (o >= 0 && (object < 0 || o == object)) {
                return true;
            }
        }
    }
    return false;
}

bool touches(const Canvas& canvas, const Placement& p, int object) {
    static const int kDx[4] = {1, -1, 0, 0};
    static const int kDy[4] = {0, 0, 1, -1};
    for (int y = 0; y < p.side; ++y) {
        for (int x = 0; x < p.side; ++x) {
            if (!p.at(x, y)) {
                continue;
            }
            for (int k = 0; k < 4; ++k) {
                if (canvas.at(p.ox + x + kDx[k], p.oy + y + kDy[k]) == object) {
                    return true;
                }
            }
        }
    }
    return false;
}

bool fits(const Canvas& canvas, const Placement& p) {
    return inside_image(canvas, p) && !overlaps(canvas, p, -1);
}

void claim(Canvas& canvas, const Placement& p, int object) {
    for (int y = 0; y < p.side; ++y) {
        for (int x = 0; x < p.side; ++x) {
            if (p.at(x, y)) {
                canvas.owner[static_cast<std::size_t>(p.oy + y) * canvas.width + p.ox + x] = object;
            }
        }
    }
}

// Places p flush against `neighbour` (gap 0, 4-adjacent): starts from an overlapping position
// and slides away one pixel at a time until the two silhouettes no longer overlap; the pixels
// that overlapped one step earlier are then 4-neighbours.
bool place_flush(Rng& rng, const Canvas& canvas, const Placement& neighbour, int neighbour_id,
                 Placement& p) {
    const int direction = rng.uniform_int(0, 3);  // +x, -x, +y, -y
    const int dx = direction == 0 ? 1 : (direction == 1 ? -1 : 0);
    const int dy = direction == 2 ? 1 : (direction == 3 ? -1 : 0);
    const int lo_offset = -p.side / 2;
    const int hi_offset = neighbour.side - (p.side + 1) / 2;
    if (dx != 0) {
        p.oy = std::clamp(neighbour.oy + rng.uniform_int(lo_offset, hi_offset), 0,
                          canvas.height - p.side);
        p.ox = neighbour.ox + (neighbour.side - p.side) / 2;
    } else {
        p.ox = std::clamp(neighbour.ox + rng.uniform_int(lo_offset, hi_offset), 0,
                          canvas.width - p.side);
        p.oy = neighbour.oy + (neighbour.side - p.side) / 2;
    }
    if (!overlaps(canvas, p, neighbour_id)) {
        return false;
    }
    for (int step = 0; step <= neighbour.side + p.side; ++step) {
        p.ox += dx;
        p.oy += dy;
        if (!overlaps(canvas, p, neighbour_id)) {
            return fits(canvas, p) && touches(canvas, p, neighbour_id);
        }
    }
    return false;
}

bool place_random(Rng& rng, const Canvas& canvas, Placement& p) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        p.ox = rng.uniform_int(0, canvas.width - p.side);
        p.oy = rng.uniform_int(0, canvas.height - p.side);
        if (fits(canvas, p)) {
            return true;
        }
    }
    return false;
}

// Integer percentages of a length: ceil(percent% of n) and floor(percent% of n).
int percent_ceil(int n, int percent) {
    return (n * percent + 99) / 100;
}
int percent_floor(int n, int percent) {
    return n * percent / 100;
}

// A side for a twin of an object of side `other` whose area differs by at least ~1.8x: the side
// ratio is at least 1.4 (1.96x in area). Returns 0 when no side in [lo, hi] qualifies.
int twin_side(Rng& rng, int other, int lo, int hi) {
    const int small_hi = std::min(hi, other * 10 / 14);
    const int large_lo = std::max(lo, (other * 14 + 9) / 10);
    const bool can_small = small_hi >= lo;
    const bool can_large = large_lo <= hi;
    if (can_small && (!can_large || rng.bernoulli(0.5))) {
        return rng.uniform_int(lo, small_hi);
    }
    if (can_large) {
        return rng.uniform_int(large_lo, hi);
    }
    return 0;
}

std::vector<Placement> place_objects(Rng& rng, int width, int height) {
    const int min_side = std::min(width, height);
    const int lo = percent_ceil(min_side, 14);
    const int hi = percent_floor(min_side, 30);
    const std::vector<Shape> shapes = all_shapes();
    const std::vector<Colour> colours = all_colours();
    // Three objects of at most 30% of the shorter side always fit; the bound only guards a bug.
    for (int layout = 0; layout < 1000; ++layout) {
        const int wanted = rng.uniform_int(kMinObjects, kMaxObjects);
        Canvas canvas(width, height);
        std::vector<Placement> placed;
        for (int i = 0; i < wanted; ++i) {
            Placement p;
            p.shape = rng.pick(shapes);
            p.colour = rng.pick(colours);
            p.side = rng.uniform_int(lo, hi);
            if (!placed.empty()) {
                const Placement& other = placed[rng.below(placed.size())];
                const double draw = rng.uniform();
                if (draw < 0.25) {  // same colour and shape, clearly different size
                    const int side = twin_side(rng, other.side, lo, hi);
                    if (side > 0) {
                        p.shape = other.shape;
                        p.colour = other.colour;
                        p.side = side;
                    }
                } else if (draw < 0.45) {
                    p.colour = other.colour;
                } else if (draw < 0.65) {
                    p.shape = other.shape;
                }
            }
            if (p.shape == Shape::ring) {
                p.hole =
                    std::min(rng.uniform_int(percent_ceil(p.side, 45), percent_floor(p.side, 60)),
                             p.side - 4);
            }
            p.raster = rasterise(p.shape, p.side, p.hole);
            bool ok = false;
            if (!placed.empty() && rng.bernoulli(0.45)) {
                for (int attempt = 0; attempt < 20 && !ok; ++attempt) {
                    const int n = static_cast<int>(rng.below(placed.size()));
                    ok = place_flush(rng, canvas, placed[static_cast<std::size_t>(n)], n, p);
                }
            }
            if (!ok) {
                ok = place_random(rng, canvas, p);
            }
            if (ok) {
                claim(canvas, p, static_cast<int>(placed.size()));
                placed.push_back(std::move(p));
            }
        }
        if (static_cast<int>(placed.size()) >= kMinObjects) {
            return placed;
        }
    }
    throw Error("cannot place " + std::to_string(kMinObjects) + " objects in a " +
                std::to_string(width) + "x" + std::to_string(height) + " scene");
}

// A dot of diameter d inside host (relative origin), every dot pixel and its 4-neighbours
// inside the host's silhouette, so the dot is surrounded by the host's colour.
bool dot_fits(const Placement& host, const std::vector<std::uint8_t>& dot, int d, int ax, int ay) {
    static const int kDx[5] = {0, 1, -1, 0, 0};
    static const int kDy[5] = {0, 0, 0, 1, -1};
    for (int v = 0; v < d; ++v) {
        for (int u = 0; u < d; ++u) {
            if (!dot[static_cast<std::size_t>(v) * d + u]) {
                continue;
            }
            for (int k = 0; k < 5; ++k) {
                const int x = ax + u + kDx[k];
                const int y = ay + v + kDy[k];
                if (x < 0 || y < 0 || x >= host.side || y >= host.side || !host.at(x, y)) {
                    return false;
                }
            }
        }
    }
    return true;
}

Instance make_instance(int id, const Mask& mask) {
    Instance inst;
    inst.id = id;
    inst.mask = mask;
    double sx = 0.0;
    double sy = 0.0;
    std::int64_t n = 0;
    PixelBox box{mask.width, mask.height, -1, -1};
    for (int y = 0; y < mask.height; ++y) {
        for (int x = 0; x < mask.width; ++x) {
            if (mask.at(x, y)) {
                sx += x;
                sy += y;
                ++n;
                box.x0 = std::min(box.x0, x);
                box.y0 = std::min(box.y0, y);
                box.x1 = std::max(box.x1, x);
                box.y1 = std::max(box.y1, y);
            }
        }
    }
    inst.area = n;
    inst.box = box;
    inst.cx = n > 0 ? sx / static_cast<double>(n) : 0.0;
    inst.cy = n > 0 ? sy / static_cast<double>(n) : 0.0;
    return inst;
}

Rgb jittered(Rng& rng, Colour colour) {
    Rgb rgb = nominal_rgb(colour);
    for (std::uint8_t& c : rgb) {
        c = static_cast<std::uint8_t>(
            std::clamp(c + rng.uniform_int(-kColourJitter, kColourJitter), 0, 255));
    }
    return rgb;
}

}  // namespace

Scene generate_scene(Rng& rng, const SceneOptions& options) {
    const int w = options.width;
    const int h = options.height;
    if (w < kMinImageSide || w > kMaxImageSide || h < kMinImageSide || h > kMaxImageSide) {
        throw Error("scene size " + std::to_string(w) + "x" + std::to_string(h) + " is outside " +
                    std::to_string(kMinImageSide) + ".." + std::to_string(kMaxImageSide));
    }
    Scene scene;
    scene.image = RgbImage(w, h);
    for (std::uint8_t& c : scene.background) {
        c = static_cast<std::uint8_t>(rng.uniform_int(20, 80));
    }
    scene.noise_sigma = rng.uniform(2.0, 8.0);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            std::uint8_t* px = scene.image.pixel(x, y);
            for (int c = 0; c < 3; ++c) {
                const double v = scene.background[c] + scene.noise_sigma * rng.normal();
                px[c] = static_cast<std::uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0));
            }
        }
    }

    const std::vector<Placement> placed = place_objects(rng, w, h);
    const std::vector<Colour> colours = all_colours();
    struct DotPlan {
        int host = 0;
        Colour colour = Colour::red;
        int diameter = 0;
        int ax = 0;
        int ay = 0;
    };
    std::vector<DotPlan> dots;
    for (std::size_t i = 0; i < placed.size(); ++i) {
        const Placement& p = placed[i];
        Mask mask(w, h);
        for (int y = 0; y < p.side; ++y) {
            for (int x = 0; x < p.side; ++x) {
                if (p.at(x, y)) {
                    mask.at(p.ox + x, p.oy + y) = 1;
                }
            }
        }
        Instance inst = make_instance(static_cast<int>(i), mask);
        inst.kind = InstanceKind::object;
        inst.shape = p.shape;
        inst.colour = p.colour;
        inst.rgb = jittered(rng, p.colour);
        inst.side = p.side;
        inst.hole = p.hole;
        scene.instances.push_back(std::move(inst));

        if (p.shape == Shape::ring || !rng.bernoulli(0.4)) {
            continue;
        }
        DotPlan dot;
        dot.host = static_cast<int>(i);
        do {
            dot.colour = rng.pick(colours);
        } while (dot.colour == p.colour);
        dot.diameter =
            std::max(1, rng.uniform_int(percent_ceil(p.side, 30), percent_floor(p.side, 40)));
        const int d = dot.diameter;
        const std::vector<std::uint8_t> raster = rasterise(Shape::circle, d, 0);
        // Centre of the largest inscribed circle: the box centre, or the triangle's incentre
        // (inradius side / (1 + sqrt 5) = 0.309 side above the base).
        const int centre_x = p.side / 2;
        const int centre_y = p.shape == Shape::triangle ? p.side * 691 / 1000 : p.side / 2;
        const int slack = std::max(1, (p.side - d) / 4);
        bool ok = false;
        for (int attempt = 0; attempt <= 12 && !ok; ++attempt) {
            const int jx = attempt < 12 ? rng.uniform_int(-slack, slack) : 0;
            const int jy = attempt < 12 ? rng.uniform_int(-slack, slack) : 0;
            dot.ax = centre_x - d / 2 + jx;
            dot.ay = centre_y - d / 2 + jy;
            ok = dot_fits(p, raster, d, dot.ax, dot.ay);
        }
        if (ok) {
            dots.push_back(dot);
        }
    }
    for (const DotPlan& plan : dots) {
        const Placement& p = placed[static_cast<std::size_t>(plan.host)];
        Mask mask(w, h);
        for (int v = 0; v < plan.diameter; ++v) {
            for (int u = 0; u < plan.diameter; ++u) {
                if (shape_contains(Shape::circle, plan.diameter, 0, u, v)) {
                    mask.at(p.ox + plan.ax + u, p.oy + plan.ay + v) = 1;
                }
            }
        }
        Instance inst = make_instance(static_cast<int>(scene.instances.size()), mask);
        inst.kind = InstanceKind::dot;
        inst.shape = Shape::circle;
        inst.colour = plan.colour;
        inst.rgb = jittered(rng, plan.colour);
        inst.side = plan.diameter;
        inst.host = plan.host;
        scene.instances[static_cast<std::size_t>(plan.host)].dot = inst.id;
        scene.instances.push_back(std::move(inst));
    }

    // Paint objects, then dots over their hosts.
    for (const Instance& inst : scene.instances) {
        for (int y = inst.box.y0; y <= inst.box.y1; ++y) {
            for (int x = inst.box.x0; x <= inst.box.x1; ++x) {
                if (inst.mask.at(x, y)) {
                    std::uint8_t* px = scene.image.pixel(x, y);
                    px[0] = inst.rgb[0];
                    px[1] = inst.rgb[1];
                    px[2] = inst.rgb[2];
                }
            }
        }
    }
    return scene;
}

bool masks_touch(const Mask& a, const Mask& b) {
    if (a.width != b.width || a.height != b.height) {
        throw Error("masks_touch: mask sizes differ");
    }
    bool adjacent = false;
    for (int y = 0; y < a.height; ++y) {
        for (int x = 0; x < a.width; ++x) {
            if (!a.at(x, y)) {
                continue;
            }
            if (b.at(x, y)) {
                return false;
            }
            if ((x > 0 && b.at(x - 1, y)) || (x + 1 < a.width && b.at(x + 1, y)) ||
                (y > 0 && b.at(x, y - 1)) || (y + 1 < a.height && b.at(x, y + 1))) {
                adjacent = true;
            }
        }
    }
    return adjacent;
}

}  // namespace segllm::synth
