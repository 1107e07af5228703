#include "ui/mask_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace segllm::ui {

MaskPatch copyPatch(const Mask& mask, const QRect& rect) {
    MaskPatch patch;
    patch.rect = rect & maskRect(mask);
    if (patch.rect.isEmpty()) {
        patch.rect = QRect();
        return patch;
    }
    const int w = patch.rect.width();
    patch.pixels.resize(static_cast<std::size_t>(w) * patch.rect.height());
    for (int y = 0; y < patch.rect.height(); ++y) {
        const auto* src =
            &mask.data[static_cast<std::size_t>(patch.rect.y() + y) * mask.width + patch.rect.x()];
        std::copy(src, src + w, patch.pixels.begin() + static_cast<std::ptrdiff_t>(y) * w);
    }
    return patch;
}

void pastePatch(Mask& mask, const MaskPatch& patch) {
    if (patch.rect.isEmpty()) {
        return;
    }
    const int w = patch.rect.width();
    for (int y = 0; y < patch.rect.height(); ++y) {
        const auto src = patch.pixels.begin() + static_cast<std::ptrdiff_t>(y) * w;
        std::copy(src, src + w,
                  mask.data.begin() + static_cast<std::ptrdiff_t>(patch.rect.y() + y) * mask.width +
                      patch.rect.x());
    }
}

QRect paintSegment(Mask& mask, const QPointF& a, const QPointF& b, double diameter,
                   std::uint8_t value) {
    const double r = diameter / 2.0;
    const double r2 = r * r;
    const QRect area = QRect(QPoint(static_cast<int>(std::floor(std::min(a.x(), b.x()) - r - 1)),
                                    static_cast<int>(std::floor(std::min(a.y(), b.y()) - r - 1))),
                             QPoint(static_cast<int>(std::ceil(std::max(a.x(), b.x()) + r + 1)),
                                    static_cast<int>(std::ceil(std::max(a.y(), b.y()) + r + 1)))) &
                       maskRect(mask);
    if (area.isEmpty()) {
        return QRect();
    }
    const double dx = b.x() - a.x();
    const double dy = b.y() - a.y();
    const double len2 = dx * dx + dy * dy;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            const double px = x + 0.5 - a.x();
            const double py = y + 0.5 - a.y();
            const double t = len2 > 0.0 ? std::clamp((px * dx + py * dy) / len2, 0.0, 1.0) : 0.0;
            const double ex = px - t * dx;
            const double ey = py - t * dy;
            if (ex * ex + ey * ey <= r2) {
                mask.at(x, y) = value;
            }
        }
    }
    return area;
}

QRect fillPolygon(Mask& mask, const QPolygonF& polygon, std::uint8_t value) {
    if (polygon.size() < 3) {
        return QRect();
    }
    const QRect area =
        polygon.boundingRect().toAlignedRect().adjusted(-1, -1, 1, 1) & maskRect(mask);
    if (area.isEmpty()) {
        return QRect();
    }
    std::vector<double> crossings;
    const int n = static_cast<int>(polygon.size());
    for (int y = area.top(); y <= area.bottom(); ++y) {
        const double yc = y + 0.5;
        crossings.clear();
        for (int i = 0; i < n; ++i) {
            const QPointF& p = polygon[i];
            const QPointF& q = polygon[(i + 1) % n];
            if ((p.y() <= yc) != (q.y() <= yc)) {
                crossings.push_back(p.x() + (yc - p.y()) * (q.x() - p.x()) / (q.y() - p.y()));
            }
        }
        std::sort(crossings.begin(), crossings.end());
        for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
            // Pixels whose centre x + 0.5 lies in [left, right).
            const int x0 = std::max(area.left(), static_cast<int>(std::ceil(crossings[k] - 0.5)));
            const int x1 =
                std::min(area.right(), static_cast<int>(std::ceil(crossings[k + 1] - 0.5)) - 1);
            for (int x = x0; x <= x1; ++x) {
                mask.at(x, y) = value;
            }
        }
    }
    return area;
}

QPoint tagPoint(const Mask& mask, const PixelBox& box, const std::vector<const Mask*>& covering) {
    if (box.width() <= 0 || box.height() <= 0) {
        return QPoint(-1, -1);
    }
    // Distance grid over the box with a one-pixel background frame.
    const int w = box.width() + 2;
    const int h = box.height() + 2;
    constexpr int kFar = std::numeric_limits<int>::max() / 4;
    std::vector<int> d(static_cast<std::size_t>(w) * h, 0);
    const auto seed = [&](bool useCovering) {
        bool any = false;
        for (int y = 1; y < h - 1; ++y) {
            const int iy = box.y0 + y - 1;
            for (int x = 1; x < w - 1; ++x) {
                const int ix = box.x0 + x - 1;
                bool inside = mask.at(ix, iy) != 0;
                if (inside && useCovering) {
                    for (const Mask* other : covering) {
                        if (other->at(ix, iy) != 0) {
                            inside = false;
                            break;
                        }
                    }
                }
                d[static_cast<std::size_t>(y) * w + x] = inside ? kFar : 0;
                any = any || inside;
            }
        }
        return any;
    };
    if (covering.empty() || !seed(true)) {
        seed(false);
    }
    const auto at = [&](int x, int y) -> int& { return d[static_cast<std::size_t>(y) * w + x]; };
    for (int y = 1; y < h - 1; ++y) {
        for (int x = 1; x < w - 1; ++x) {
            int& v = at(x, y);
            if (v == 0) {
                continue;
            }
            v = std::min({v, at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4,
                          at(x + 1, y - 1) + 4});
        }
    }
    for (int y = h - 2; y >= 1; --y) {
        for (int x = w - 2; x >= 1; --x) {
            int& v = at(x, y);
            if (v == 0) {
                continue;
            }
            v = std::min({v, at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4,
                          at(x - 1, y + 1) + 4});
        }
    }
    const double cx = (box.x0 + box.x1) / 2.0;
    const double cy = (box.y0 + box.y1) / 2.0;
    int best = 0;
    double bestDist = 0.0;
    QPoint result(-1, -1);
    for (int y = 1; y < h - 1; ++y) {
        for (int x = 1; x < w - 1; ++x) {
            const int v = at(x, y);
            if (v == 0 || v < best) {
                continue;
            }
            const int ix = box.x0 + x - 1;
            const int iy = box.y0 + y - 1;
            const double dist = (ix - cx) * (ix - cx) + (iy - cy) * (iy - cy);
            if (v > best || dist < bestDist) {
                best = v;
                bestDist = dist;
                result = QPoint(ix, iy);
            }
        }
    }
    return result;
}

std::optional<PixelBox> maskBoxWithin(const Mask& mask, const QRect& region) {
    const QRect area = region & maskRect(mask);
    if (area.isEmpty()) {
        return std::nullopt;
    }
    PixelBox box{area.right() + 1, area.bottom() + 1, area.left() - 1, area.top() - 1};
    bool any = false;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        const std::uint8_t* row = &mask.data[static_cast<std::size_t>(y) * mask.width];
        int first = -1;
        int last = -1;
        for (int x = area.left(); x <= area.right(); ++x) {
            if (row[x] != 0) {
                first = x;
                break;
            }
        }
        if (first < 0) {
            continue;
        }
        for (int x = area.right(); x >= first; --x) {
            if (row[x] != 0) {
                last = x;
                break;
            }
        }
        any = true;
        box.x0 = std::min(box.x0, first);
        box.x1 = std::max(box.x1, last);
        box.y0 = std::min(box.y0, y);
        box.y1 = std::max(box.y1, y);
    }
    return any ? std::optional<PixelBox>(box) : std::nullopt;
}

QImage renderOverlay(const Mask& mask, const PixelBox& box, const QColor& color, int fillAlpha) {
    if (box.width() <= 0 || box.height() <= 0) {
        return QImage();
    }
    QImage image(box.width(), box.height(), QImage::Format_ARGB32_Premultiplied);
    renderOverlayRegion(image, mask, box, boxRect(box), color, fillAlpha);
    return image;
}

void renderOverlayRegion(QImage& overlay, const Mask& mask, const PixelBox& box,
                         const QRect& region, const QColor& color, int fillAlpha) {
    const QRect area = region & boxRect(box);
    if (area.isEmpty()) {
        return;
    }
    const auto premultiplied = [&](int alpha) {
        return qRgba(color.red() * alpha / 255, color.green() * alpha / 255,
                     color.blue() * alpha / 255, alpha);
    };
    const QRgb fill = premultiplied(fillAlpha);
    const QRgb edge = premultiplied(255);
    const auto inside = [&](int x, int y) {
        return x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask.at(x, y) != 0;
    };
    for (int iy = area.top(); iy <= area.bottom(); ++iy) {
        auto* line = reinterpret_cast<QRgb*>(overlay.scanLine(iy - box.y0));
        for (int ix = area.left(); ix <= area.right(); ++ix) {
            QRgb& out = line[ix - box.x0];
            if (!inside(ix, iy)) {
                out = 0;
            } else if (!inside(ix - 1, iy) || !inside(ix + 1, iy) || !inside(ix, iy - 1) ||
                       !inside(ix, iy + 1)) {
                out = edge;
            } else {
                out = fill;
            }
        }
    }
}

}  // namespace segllm::ui
