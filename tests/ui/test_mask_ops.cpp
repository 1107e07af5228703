// Mask operations of the editing tools: patches, the brush footprint, polygon filling and the
// tag point. Expected pixel sets are counted by hand or computed by naive float64 loops.

#include "ui/mask_ops.h"

#include <QTest>

#include <cmath>

using namespace segllm;
using namespace segllm::ui;

namespace {

Mask fromRows(const std::vector<std::string>& rows) {
    Mask mask(static_cast<int>(rows[0].size()), static_cast<int>(rows.size()));
    for (int y = 0; y < mask.height; ++y) {
        for (int x = 0; x < mask.width; ++x) {
            mask.at(x, y) = rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '#';
        }
    }
    return mask;
}

}  // namespace

class TestMaskOps : public QObject {
    Q_OBJECT

private slots:
    void patchRoundTrip() {
        Mask mask(8, 6);
        mask.at(2, 2) = 1;
        mask.at(7, 5) = 1;
        const MaskPatch patch = copyPatch(mask, QRect(1, 1, 3, 3));
        QCOMPARE(patch.rect, QRect(1, 1, 3, 3));
        // Row-major 3x3 with the one set pixel (2, 2) in the middle.
        QCOMPARE(patch.pixels, (std::vector<std::uint8_t>{0, 0, 0, 0, 1, 0, 0, 0, 0}));
        Mask other(8, 6);
        pastePatch(other, patch);
        QCOMPARE(int(mask_area(other)), 1);
        QCOMPARE(int(other.at(2, 2)), 1);
        // Clipped to the mask.
        QCOMPARE(copyPatch(mask, QRect(6, 4, 10, 10)).rect, QRect(6, 4, 2, 2));
        QVERIFY(copyPatch(mask, QRect(20, 20, 2, 2)).rect.isEmpty());
    }

    // A disc of diameter 5 at (10.5, 10.5): pixel centres at integer offsets (dx, dy) with
    // dx^2 + dy^2 <= 6.25, i.e. the 5x5 block without its 4 corners (8 > 6.25): 21 pixels.
    void discFootprint() {
        Mask mask(21, 21);
        const QRect touched = paintSegment(mask, QPointF(10.5, 10.5), QPointF(10.5, 10.5), 5.0, 1);
        QCOMPARE(int(mask_area(mask)), 21);
        QCOMPARE(int(mask.at(8, 8)), 0);
        QCOMPARE(int(mask.at(8, 9)), 1);
        QCOMPARE(int(mask.at(12, 10)), 1);
        QVERIFY(touched.contains(QRect(8, 8, 5, 5)));
    }

    // A segment: every pixel whose centre is within r of the segment, by a naive float64 loop
    // that measures the distance to 2001 points on the segment and to the exact foot point.
    void segmentFootprint() {
        Mask mask(40, 30);
        const QPointF a(5.2, 7.9);
        const QPointF b(31.7, 20.3);
        const double diameter = 6.0;
        paintSegment(mask, a, b, diameter, 1);
        int expected = 0;
        for (int y = 0; y < 30; ++y) {
            for (int x = 0; x < 40; ++x) {
                const double px = x + 0.5;
                const double py = y + 0.5;
                double best = 1e300;
                for (int i = 0; i <= 2000; ++i) {
                    const double t = i / 2000.0;
                    const double qx = a.x() + t * (b.x() - a.x());
                    const double qy = a.y() + t * (b.y() - a.y());
                    best = std::min(best, std::hypot(px - qx, py - qy));
                }
                const bool inside = best <= 3.0 - 1e-3;
                const bool clearlyOutside = best > 3.0 + 0.02;
                if (inside) {
                    ++expected;
                    QVERIFY2(mask.at(x, y) == 1, qPrintable(QStringLiteral("%1,%2").arg(x).arg(y)));
                } else if (clearlyOutside) {
                    QVERIFY2(mask.at(x, y) == 0, qPrintable(QStringLiteral("%1,%2").arg(x).arg(y)));
                }
            }
        }
        QVERIFY(expected > 100);
    }

    // Rectangle (2,3)-(7,8): centres x + 0.5 in [2, 7), y + 0.5 in [3, 8): x 2..6, y 3..7.
    void polygonRectangle() {
        Mask mask(10, 10);
        fillPolygon(mask, QPolygonF({QPointF(2, 3), QPointF(7, 3), QPointF(7, 8), QPointF(2, 8)}),
                    1);
        QCOMPARE(int(mask_area(mask)), 25);
        QCOMPARE(*mask_box(mask), (PixelBox{2, 3, 6, 7}));
    }

    // Triangle (0,0), (8,0), (0,8): centre inside iff x + y + 1 < 8, i.e. x + y <= 6:
    // 7 + 6 + ... + 1 = 28 pixels.
    void polygonTriangle() {
        Mask mask(10, 10);
        fillPolygon(mask, QPolygonF({QPointF(0, 0), QPointF(8, 0), QPointF(0, 8)}), 1);
        QCOMPARE(int(mask_area(mask)), 28);
        for (int y = 0; y < 10; ++y) {
            for (int x = 0; x < 10; ++x) {
                QCOMPARE(int(mask.at(x, y)), x + y <= 6 ? 1 : 0);
            }
        }
        // Subtracting x < 4: row y (length 7 - y) loses min(4, 7 - y) pixels,
        // 4 + 4 + 4 + 4 + 3 + 2 + 1 = 22, leaving 6.
        fillPolygon(mask, QPolygonF({QPointF(0, 0), QPointF(4, 0), QPointF(4, 10), QPointF(0, 10)}),
                    0);
        QCOMPARE(int(mask_area(mask)), 6);
    }

    void tagPointInsideMask_data() {
        QTest::addColumn<QStringList>("rows");
        QTest::newRow("rectangle")
            << QStringList{"..........", ".######...", ".######...", ".######...", ".........."};
        QTest::newRow("ring") << QStringList{
            "...........", ".#########.", ".#########.", ".##.....##.", ".##.....##.",
            ".##.....##.", ".##.....##.", ".#########.", ".#########.", "..........."};
        QTest::newRow("U") << QStringList{"............", ".###....###.", ".###....###.",
                                          ".###....###.", ".###....###.", ".##########.",
                                          ".##########.", ".##########.", "............"};
        QTest::newRow("single") << QStringList{"...", ".#.", "..."};
        QTest::newRow("diagonal") << QStringList{"#...", ".#..", "..#.", "...#"};
    }
    void tagPointInsideMask() {
        QFETCH(QStringList, rows);
        std::vector<std::string> r;
        for (const QString& row : rows) {
            r.push_back(row.toStdString());
        }
        const Mask mask = fromRows(r);
        const PixelBox box = *mask_box(mask);
        const QPoint p = tagPoint(mask, box);
        QVERIFY2(p.x() >= 0 && mask.at(p.x(), p.y()) == 1,
                 qPrintable(QStringLiteral("(%1, %2)").arg(p.x()).arg(p.y())));
        // Not the box corner for the ring and the U (whose corners are in the mask too): the
        // point is where the band is thickest.
        if (QTest::currentDataTag() == QByteArray("U")) {
            // The bottom band (rows 5-7, 3 thick) at its centre column is 2 from the background
            // on every side, as are the arm centres; nearest to the box centre (5.5, 4): row 6.
            QCOMPARE(p.y(), 6);
        }
        if (QTest::currentDataTag() == QByteArray("rectangle")) {
            // 6 x 3 block at x 1..6, y 1..3: the middle row, the columns nearest x = 3.5.
            QCOMPARE(p.y(), 2);
            QVERIFY(p.x() == 3 || p.x() == 4);
        }
    }

    // A part drawn on its host: the host's tag goes on the host beside the part, not under the
    // part's tag; masks that cover all of it are ignored.
    void tagPointBesideCoveringMasks() {
        Mask host;
        host.width = 21;
        host.height = 21;
        host.data.assign(21 * 21, 0);
        for (int y = 2; y <= 18; ++y) {
            for (int x = 2; x <= 18; ++x) {
                host.at(x, y) = 1;
            }
        }
        Mask part = host;
        part.data.assign(21 * 21, 0);
        for (int y = 8; y <= 12; ++y) {
            for (int x = 8; x <= 12; ++x) {
                part.at(x, y) = 1;
            }
        }
        const PixelBox hostBox = *mask_box(host);
        QCOMPARE(tagPoint(host, hostBox), QPoint(10, 10));
        const QPoint beside = tagPoint(host, hostBox, {&part});
        QCOMPARE(int(host.at(beside.x(), beside.y())), 1);
        QCOMPARE(int(part.at(beside.x(), beside.y())), 0);
        // The ring around the part is 6 wide: its middle is 3 from the part and the outside.
        const int fromCentre = std::max(std::abs(beside.x() - 10), std::abs(beside.y() - 10));
        QVERIFY2(fromCentre >= 4 && fromCentre <= 6,
                 qPrintable(QStringLiteral("(%1, %2)").arg(beside.x()).arg(beside.y())));
        // The part is covered by its host entirely: its tag stays at its own centre.
        QCOMPARE(tagPoint(part, *mask_box(part), {&host}), QPoint(10, 10));
    }

    // Premultiplied colour: fill at alpha 128 inside, opaque outline, transparent outside.
    void overlayImage() {
        const Mask mask = fromRows({".....", ".###.", ".###.", ".###.", "....."});
        const PixelBox box = *mask_box(mask);
        const QImage image = renderOverlay(mask, box, QColor(200, 100, 0), 128);
        QCOMPARE(image.size(), QSize(3, 3));
        QCOMPARE(qAlpha(image.pixel(1, 1)), 128);  // centre: fill
        QCOMPARE(qAlpha(image.pixel(0, 0)), 255);  // corner: outline
        QCOMPARE(QColor(image.pixel(0, 1)), QColor(200, 100, 0));
        const Mask hole = fromRows({"###", "#.#", "###"});
        const QImage ring = renderOverlay(hole, *mask_box(hole), Qt::red, 128);
        QCOMPARE(qAlpha(ring.pixel(1, 1)), 0);
    }
};

QTEST_APPLESS_MAIN(TestMaskOps)
#include "test_mask_ops.moc"
