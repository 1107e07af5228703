#pragma once
// Masks as polygons and back. Polygon vertices lie on pixel corners (pixel (x, y) covers
// [x, x+1) x [y, y+1)), so a polygon is the exact outline of its pixels: COCO readers that
// fill pixels whose centre is inside (pycocotools, our import) get the mask back unchanged.

#include "core/image/mask.h"

#include <vector>

namespace segllm {

// Flat [x1, y1, x2, y2, ...] as COCO stores one polygon.
using Polygon = std::vector<double>;

struct MaskOutlines {
    std::vector<Polygon> outer;  // one per 4-connected part, clockwise on screen (y down)
    int holes = 0;               // number of enclosed background regions
};

// Traces the boundaries of the set pixels; collinear vertices are merged, so every outline
// has at least 4 vertices (a single pixel is a square).
MaskOutlines trace_mask_outlines(const Mask& mask);

// Polygons for COCO: the outer outlines, or an empty list when the mask has a hole (polygons
// cannot express holes) or no pixels.
std::vector<Polygon> mask_to_polygons(const Mask& mask);

// Fills the pixels whose centre (x + 0.5, y + 0.5) is inside any polygon (even-odd rule per
// polygon, union over polygons). Throws Error for a polygon with an odd number of values or
// fewer than 3 points.
Mask polygons_to_mask(const std::vector<Polygon>& polygons, int width, int height);

}  // namespace segllm
