// The world's words and the exact shape rasterisation, against the spec's table and an
// independent floating-point formulation of each figure.

#include "core/synth/world.h"

#include <QtTest>

#include <cmath>

using namespace segllm::synth;

namespace {

// Pixel centre (x + 0.5, y + 0.5) inside the figure, in doubles (halves are exact).
bool reference_contains(Shape shape, int side, int hole, int x, int y) {
    const double px = x + 0.5;
    const double py = y + 0.5;
    const double c = side / 2.0;
    const double r = side / 2.0;
    switch (shape) {
        case Shape::square:
            return true;
        case Shape::circle:
            return (px - c) * (px - c) + (py - c) * (py - c) <= r * r;
        case Shape::ring: {
            const double d2 = (px - c) * (px - c) + (py - c) * (py - c);
            return d2 <= r * r && d2 > (hole / 2.0) * (hole / 2.0);
        }
        case Shape::diamond:
            return std::abs(px - c) + std::abs(py - c) <= r;
        case Shape::triangle: {
            // Vertices A (c, 0), B (0, side), C (side, side); inside when on the inner side of
            // all three edges (edge functions, closed).
            auto edge = [](double ax, double ay, double bx, double by, double qx, double qy) {
                return (bx - ax) * (qy - ay) - (by - ay) * (qx - ax);
            };
            const double s = side;
            const double e1 = edge(c, 0, 0, s, px, py);  // A -> B
            const double e2 = edge(0, s, s, s, px, py);  // B -> C
            const double e3 = edge(s, s, c, 0, px, py);  // C -> A
            return (e1 <= 0 && e2 <= 0 && e3 <= 0) || (e1 >= 0 && e2 >= 0 && e3 >= 0);
        }
    }
    return false;
}

int area(Shape shape, int side, int hole) {
    int n = 0;
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            n += shape_contains(shape, side, hole, x, y);
        }
    }
    return n;
}

}  // namespace

class TestSynthWorld : public QObject {
    Q_OBJECT

private slots:
    void coloursMatchTheSpec() {
        // synthetic-world.md, "Scene".
        QCOMPARE(QString(colour_name(Colour::red)), QString("red"));
        QVERIFY((nominal_rgb(Colour::red) == Rgb{220, 40, 40}));
        QVERIFY((nominal_rgb(Colour::green) == Rgb{40, 180, 60}));
        QVERIFY((nominal_rgb(Colour::blue) == Rgb{50, 90, 230}));
        QVERIFY((nominal_rgb(Colour::yellow) == Rgb{235, 215, 50}));
        QVERIFY((nominal_rgb(Colour::purple) == Rgb{150, 60, 200}));
        QVERIFY((nominal_rgb(Colour::orange) == Rgb{245, 140, 30}));
        QVERIFY((nominal_rgb(Colour::white) == Rgb{235, 235, 235}));
        QStringList names;
        for (Colour c : all_colours()) {
            names << colour_name(c);
        }
        QCOMPARE(names,
                 QStringList({"red", "green", "blue", "yellow", "purple", "orange", "white"}));
        QStringList shapes;
        for (Shape s : all_shapes()) {
            shapes << shape_name(s);
        }
        QCOMPARE(shapes, QStringList({"circle", "square", "triangle", "diamond", "ring"}));
    }

    void handCountedAreas() {
        // Side 4: the circle of radius 2 misses the four corner pixels (centre distance^2 4.5).
        QCOMPARE(area(Shape::circle, 4, 0), 12);
        QCOMPARE(area(Shape::square, 4, 0), 16);
        // Triangle side 4: rows hold 0, 2, 2, 4 pixels.
        QCOMPARE(area(Shape::triangle, 4, 0), 8);
        // Diamond side 4: rows 2, 4, 4, 2 (|dx| + |dy| <= 2 with half-pixel centres).
        QCOMPARE(area(Shape::diamond, 4, 0), 12);
        // Ring side 4 with a hole of 2: the 4 centre pixels (distance^2 0.5 <= 1) are removed.
        QCOMPARE(area(Shape::ring, 4, 2), 8);
        QVERIFY(!shape_contains(Shape::square, 4, 0, 4, 0));
        QVERIFY(!shape_contains(Shape::square, 4, 0, -1, 0));
    }

    void matchesFloatingPointFigures_data() {
        QTest::addColumn<int>("shape");
        QTest::addColumn<int>("side");
        for (int s = 0; s < kShapeCount; ++s) {
            for (int side : {3, 5, 8, 13, 14, 21, 38, 77, 154}) {
                QTest::newRow(
                    qPrintable(QString("%1-%2").arg(shape_name(static_cast<Shape>(s))).arg(side)))
                    << s << side;
            }
        }
    }
    void matchesFloatingPointFigures() {
        QFETCH(int, shape);
        QFETCH(int, side);
        const Shape sh = static_cast<Shape>(shape);
        const int hole = side / 2;
        for (int y = 0; y < side; ++y) {
            for (int x = 0; x < side; ++x) {
                QCOMPARE(shape_contains(sh, side, hole, x, y),
                         reference_contains(sh, side, hole, x, y));
            }
        }
    }

    void triangleAndDiamondAreAboutHalfTheBox() {
        const int side = 100;
        QVERIFY(std::abs(area(Shape::triangle, side, 0) - 5000) <= 100);
        QVERIFY(std::abs(area(Shape::diamond, side, 0) - 5000) <= 200);
        QVERIFY(std::abs(area(Shape::circle, side, 0) - 7854) <= 100);
        // Triangle points up: the top row is narrower than the bottom row.
        int top = 0;
        int bottom = 0;
        for (int x = 0; x < side; ++x) {
            top += shape_contains(Shape::triangle, side, 0, x, 1);
            bottom += shape_contains(Shape::triangle, side, 0, x, side - 1);
        }
        QVERIFY(top < 5);
        QVERIFY(bottom > 95);
    }
};

QTEST_APPLESS_MAIN(TestSynthWorld)
#include "test_synth_world.moc"
