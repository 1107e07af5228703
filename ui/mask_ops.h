#pragma once
// Pixel operations on instance masks for the editing tools and the overlays: rectangular
// patches (the exact before / after pixels of an edit), the brush footprint, polygon filling,
// the tag point and the overlay image. Pure functions; the pixel (x, y) covers
// [x, x + 1) x [y, y + 1) and is hit when its centre (x + 0.5, y + 0.5) is.

#include "core/image/mask.h"

#include <QColor>
#include <QImage>
#include <QPoint>
#include <QPointF>
#include <QPolygonF>
#include <QRect>

#include <cstdint>
#include <optional>
#include <vector>

namespace segllm::ui {

// The pixels of `rect` (inside the mask), row-major.
struct MaskPatch {
    QRect rect;
    std::vector<std::uint8_t> pixels;
    bool operator==(const MaskPatch& o) const { return rect == o.rect && pixels == o.pixels; }
};

// The mask's bounds as a QRect.
inline QRect maskRect(const Mask& mask) {
    return QRect(0, 0, mask.width, mask.height);
}

// The pixels of a box as a QRect (empty for an empty box), and back.
inline QRect boxRect(const PixelBox& box) {
    return QRect(box.x0, box.y0, box.width(), box.height());
}
inline PixelBox rectBox(const QRect& rect) {
    return PixelBox{rect.left(), rect.top(), rect.right(), rect.bottom()};
}

// Copies `rect` clipped to the mask (an empty patch if nothing is left).
MaskPatch copyPatch(const Mask& mask, const QRect& rect);
// Writes the patch's pixels back; the patch must lie inside the mask.
void pastePatch(Mask& mask, const MaskPatch& patch);

// Sets to `value` every pixel whose centre lies within diameter / 2 of the segment a-b (a
// capsule; a == b gives a disc). Returns the bounding rectangle of the pixels it may have
// changed, clipped to the mask.
QRect paintSegment(Mask& mask, const QPointF& a, const QPointF& b, double diameter,
                   std::uint8_t value);

// Sets to `value` every pixel whose centre lies inside the closed polygon (even-odd rule; a
// centre exactly on a left edge is inside, on a right edge outside). Returns the changed area's
// bounding rectangle, clipped to the mask (empty for fewer than 3 points).
QRect fillPolygon(Mask& mask, const QPolygonF& polygon, std::uint8_t value);

// The point where the instance's tag is drawn: a pixel of the mask farthest from the
// background (maximum of a 3-4 chamfer distance transform, the outside of `box` counting as
// background); among equal maxima the one nearest the box centre. (-1, -1) for an empty box.
// The pixels of the `covering` masks (the other instances drawn with it, each the mask's size)
// count as background too, so that the tag of an object with a part on it goes beside the part's
// tag instead of under it; when they cover the whole mask they are ignored.
QPoint tagPoint(const Mask& mask, const PixelBox& box,
                const std::vector<const Mask*>& covering = {});

// Tight box of the set pixels inside `region` (clipped to the mask); nullopt if none. When every
// set pixel of the mask lies in `region`, this is mask_box(mask) at the cost of the region.
std::optional<PixelBox> maskBoxWithin(const Mask& mask, const QRect& region);

// The overlay of one instance cropped to `box`: the fill colour at `fillAlpha` on mask pixels
// and the opaque colour on the outline (mask pixels with a 4-neighbour outside the mask).
// Premultiplied ARGB32; a null image for an empty box.
QImage renderOverlay(const Mask& mask, const PixelBox& box, const QColor& color, int fillAlpha);
// Re-renders the image pixels of `region` (image coordinates, clipped to `box`) of an overlay
// made by renderOverlay with the same box, colour and alpha.
void renderOverlayRegion(QImage& overlay, const Mask& mask, const PixelBox& box,
                         const QRect& region, const QColor& color, int fillAlpha);

}  // namespace segllm::ui
