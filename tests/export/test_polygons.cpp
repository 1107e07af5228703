// Mask outlines on pixel corners and polygon filling by pixel centres.

#include "core/common/error.h"
#include "core/export/polygons.h"
#include "tests/export/mask_text.h"

#include <QtTest>

using segllm::Mask;
using segllm::Polygon;

namespace {

// Independent reference: crossing-number test of one point against one polygon.
bool inside(const Polygon& p, double px, double py) {
    bool in = false;
    const std::size_t n = p.size() / 2;
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        const double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
        if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

}  // namespace

class TestPolygons : public QObject {
    Q_OBJECT

private slots:
    void single_pixel_is_a_square() {
        Mask m(5, 4);
        m.at(2, 1) = 1;
        const auto polygons = segllm::mask_to_polygons(m);
        QCOMPARE(polygons.size(), std::size_t{1});
        // Clockwise on screen from the top-left corner (2,1): the walk starts east, so the
        // corners come as (3,1), (3,2), (2,2) and finally (2,1).
        QCOMPARE(polygons[0], (Polygon{3, 1, 3, 2, 2, 2, 2, 1}));
    }

    void l_shape_has_six_corners() {
        const Mask m = segllm::test::mask_from_rows({"##.", "#..", "..."});
        const auto polygons = segllm::mask_to_polygons(m);
        QCOMPARE(polygons.size(), std::size_t{1});
        QCOMPARE(polygons[0], (Polygon{2, 0, 2, 1, 1, 1, 1, 2, 0, 2, 0, 0}));
    }

    void hole_keeps_rle() {
        const Mask ring =
            segllm::test::mask_from_rows({".....", ".###.", ".#.#.", ".###.", "....."});
        const auto outlines = segllm::trace_mask_outlines(ring);
        QCOMPARE(outlines.holes, 1);
        QCOMPARE(outlines.outer.size(), std::size_t{1});
        QVERIFY(segllm::mask_to_polygons(ring).empty());
    }

    void diagonal_pixels_are_two_parts() {
        const Mask m = segllm::test::mask_from_rows({"#.", ".#"});
        const auto outlines = segllm::trace_mask_outlines(m);
        QCOMPARE(outlines.holes, 0);
        QCOMPARE(outlines.outer.size(), std::size_t{2});
        QCOMPARE(segllm::polygons_to_mask(outlines.outer, 2, 2), m);
    }

    void empty_mask_gives_nothing() { QVERIFY(segllm::mask_to_polygons(Mask(4, 4)).empty()); }

    void outlines_fill_back_exactly() {
        // Random unions of rectangles; masks without holes must come back pixel for pixel.
        segllm::test::Lcg rng(7);
        int checked = 0;
        for (int trial = 0; trial < 300; ++trial) {
            const int w = 2 + rng.below(30), h = 2 + rng.below(30);
            Mask m(w, h);
            const int rects = 1 + rng.below(5);
            for (int r = 0; r < rects; ++r) {
                const int x0 = rng.below(w), y0 = rng.below(h);
                const int x1 = std::min(w - 1, x0 + rng.below(8)),
                          y1 = std::min(h - 1, y0 + rng.below(8));
                for (int y = y0; y <= y1; ++y)
                    for (int x = x0; x <= x1; ++x)
                        m.at(x, y) = 1;
            }
            const auto polygons = segllm::mask_to_polygons(m);
            if (polygons.empty())
                continue;  // has a hole
            for (const Polygon& p : polygons)
                QVERIFY(p.size() >= 8 && p.size() % 2 == 0);
            QCOMPARE(segllm::polygons_to_mask(polygons, w, h), m);
            ++checked;
        }
        QVERIFY(checked > 200);
    }

    void fill_matches_point_in_polygon() {
        const std::vector<Polygon> shapes = {{1.2, 0.7, 9.6, 3.1, 4.4, 8.9},
                                             {0, 0, 10, 0, 10, 10, 5, 3, 0, 10},
                                             {2.5, 2.5, 7.5, 2.5, 7.5, 7.5, 2.5, 7.5}};
        for (const Polygon& p : shapes) {
            const Mask m = segllm::polygons_to_mask({p}, 12, 11);
            for (int y = 0; y < 11; ++y)
                for (int x = 0; x < 12; ++x)
                    QCOMPARE(m.at(x, y) != 0, inside(p, x + 0.5, y + 0.5));
        }
    }

    void rejects_degenerate_polygons() {
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::polygons_to_mask({{1, 1, 3, 3}}, 5, 5));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::polygons_to_mask({{1, 1, 3, 3, 4}}, 5, 5));
    }
};

QTEST_APPLESS_MAIN(TestPolygons)
#include "test_polygons.moc"
