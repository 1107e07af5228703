// Scenes of the shapes world against the spec (synthetic-world.md, "Scene"), with every
// quantity recomputed here from the image and the masks by plain loops.

#include "core/common/error.h"
#include "core/synth/scene.h"

#include <QtTest>

#include <cmath>
#include <cstdlib>

using namespace segllm;
using namespace segllm::synth;

namespace {

bool near_colour(const std::uint8_t* px, Rgb nominal, int tolerance) {
    for (int c = 0; c < 3; ++c) {
        if (std::abs(int(px[c]) - int(nominal[c])) > tolerance) {
            return false;
        }
    }
    return true;
}

// 4-adjacent and disjoint, by a naive scan over all pixel pairs of neighbours.
bool naive_touch(const Mask& a, const Mask& b) {
    bool adjacent = false;
    for (int y = 0; y < a.height; ++y) {
        for (int x = 0; x < a.width; ++x) {
            if (!a.at(x, y)) {
                continue;
            }
            if (b.at(x, y)) {
                return false;
            }
            const int nx[4] = {x - 1, x + 1, x, x};
            const int ny[4] = {y, y, y - 1, y + 1};
            for (int k = 0; k < 4; ++k) {
                if (nx[k] >= 0 && ny[k] >= 0 && nx[k] < a.width && ny[k] < a.height &&
                    b.at(nx[k], ny[k])) {
                    adjacent = true;
                }
            }
        }
    }
    return adjacent;
}

Scene scene_for(std::uint64_t seed, int w = 128, int h = 128) {
    Rng rng(seed);
    return generate_scene(rng, SceneOptions{w, h});
}

}  // namespace

class TestSynthScene : public QObject {
    Q_OBJECT

private slots:
    void invariantsHold_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("scenes");
        QTest::newRow("128x128") << 128 << 128 << 150;
        QTest::newRow("96x96") << 96 << 96 << 40;
        QTest::newRow("96x512") << 96 << 512 << 10;
        QTest::newRow("512x200") << 512 << 200 << 10;
        QTest::newRow("512x512") << 512 << 512 << 4;
    }
    void invariantsHold() {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, scenes);
        const int m = std::min(width, height);
        int touching_scenes = 0;
        int dots = 0;
        int rings = 0;
        for (int s = 0; s < scenes; ++s) {
            const Scene scene = scene_for(1000 + s, width, height);
            QCOMPARE(scene.image.width, width);
            QCOMPARE(scene.image.height, height);
            QCOMPARE(scene.image.data.size(), std::size_t(width) * height * 3);
            int objects = 0;
            for (const Instance& inst : scene.instances) {
                objects += inst.kind == InstanceKind::object;
            }
            QVERIFY(objects >= 3 && objects <= 6);
            // Background colour and noise.
            for (int c = 0; c < 3; ++c) {
                QVERIFY(scene.background[c] >= 20 && scene.background[c] <= 80);
            }
            QVERIFY(scene.noise_sigma <= 8.0);

            std::vector<int> owner(std::size_t(width) * height, -1);
            bool touching = false;
            for (std::size_t i = 0; i < scene.instances.size(); ++i) {
                const Instance& inst = scene.instances[i];
                QCOMPARE(inst.id, int(i));
                QCOMPARE(inst.mask.width, width);
                QCOMPARE(inst.mask.height, height);
                // Area, tight box and centroid recomputed.
                std::int64_t area = 0;
                double sx = 0;
                double sy = 0;
                int x0 = width, y0 = height, x1 = -1, y1 = -1;
                for (int y = 0; y < height; ++y) {
                    for (int x = 0; x < width; ++x) {
                        if (inst.mask.at(x, y)) {
                            QCOMPARE(int(inst.mask.at(x, y)), 1);
                            ++area;
                            sx += x;
                            sy += y;
                            x0 = std::min(x0, x);
                            x1 = std::max(x1, x);
                            y0 = std::min(y0, y);
                            y1 = std::max(y1, y);
                        }
                    }
                }
                QVERIFY(area > 0);
                QCOMPARE(inst.area, area);
                QCOMPARE(inst.box, (PixelBox{x0, y0, x1, y1}));
                QVERIFY(std::abs(inst.cx - sx / area) < 1e-9);
                QVERIFY(std::abs(inst.cy - sy / area) < 1e-9);

                if (inst.kind == InstanceKind::object) {
                    // Box side 14%..30% of min(W, H) (a triangle of even side loses its apex row).
                    const int lo = (14 * m + 99) / 100;
                    const int hi = 30 * m / 100;
                    const int big = std::max(x1 - x0 + 1, y1 - y0 + 1);
                    QVERIFY2(big >= lo - 1 && big <= hi,
                             qPrintable(QString("side %1 not in %2..%3").arg(big).arg(lo).arg(hi)));
                    QCOMPARE(inst.host, -1);
                    // Every pixel outside its dot has the object's colour, flat and within jitter.
                    const Mask* dot =
                        inst.dot >= 0 ? &scene.instances[std::size_t(inst.dot)].mask : nullptr;
                    for (int y = y0; y <= y1; ++y) {
                        for (int x = x0; x <= x1; ++x) {
                            if (!inst.mask.at(x, y)) {
                                continue;
                            }
                            // No two objects share a pixel.
                            int& o = owner[std::size_t(y) * width + x];
                            QCOMPARE(o, -1);
                            o = inst.id;
                            if (dot && dot->at(x, y)) {
                                continue;
                            }
                            const std::uint8_t* px = scene.image.pixel(x, y);
                            QVERIFY(near_colour(px, nominal_rgb(inst.colour), kColourJitter));
                            QVERIFY(near_colour(px, inst.rgb, 0));
                        }
                    }
                    if (inst.shape == Shape::ring) {
                        ++rings;
                        QCOMPARE(inst.dot, -1);
                        QVERIFY(inst.hole >= (45 * inst.side + 99) / 100);
                        QVERIFY(inst.hole <= 60 * inst.side / 100);
                        // The centre of the box is in the hole.
                        QVERIFY(!inst.mask.at((x0 + x1) / 2, (y0 + y1) / 2));
                    }
                } else {
                    ++dots;
                    QVERIFY(inst.host >= 0 && std::size_t(inst.host) < scene.instances.size());
                    const Instance& host = scene.instances[std::size_t(inst.host)];
                    QCOMPARE(host.kind, InstanceKind::object);
                    QCOMPARE(host.dot, inst.id);
                    QVERIFY(host.shape != Shape::ring);
                    QVERIFY(host.colour != inst.colour);
                    QCOMPARE(inst.shape, Shape::circle);
                    // Diameter 30%..40% of the host's side.
                    const int d = x1 - x0 + 1;
                    QCOMPARE(y1 - y0 + 1, d);
                    QVERIFY2(d >= (30 * host.side + 99) / 100 && d <= 40 * host.side / 100,
                             qPrintable(QString("dot %1 host %2").arg(d).arg(host.side)));
                    for (int y = y0; y <= y1; ++y) {
                        for (int x = x0; x <= x1; ++x) {
                            if (!inst.mask.at(x, y)) {
                                continue;
                            }
                            // Fully inside the host, which includes the dot pixels, and
                            // surrounded by host pixels.
                            QVERIFY(host.mask.at(x, y));
                            QVERIFY(host.mask.at(x - 1, y) && host.mask.at(x + 1, y) &&
                                    host.mask.at(x, y - 1) && host.mask.at(x, y + 1));
                            QVERIFY(near_colour(scene.image.pixel(x, y), nominal_rgb(inst.colour),
                                                kColourJitter));
                        }
                    }
                }
            }
            // Background pixels have none of the object colours.
            for (int y = 0; y < height; ++y) {
                for (int x = 0; x < width; ++x) {
                    if (owner[std::size_t(y) * width + x] >= 0) {
                        continue;
                    }
                    bool in_dot = false;
                    for (const Instance& inst : scene.instances) {
                        in_dot = in_dot || inst.mask.at(x, y);
                    }
                    QVERIFY(!in_dot);
                    const std::uint8_t* px = scene.image.pixel(x, y);
                    for (Colour c : all_colours()) {
                        QVERIFY(!near_colour(px, nominal_rgb(c), kColourJitter));
                    }
                    for (int c = 0; c < 3; ++c) {
                        QVERIFY(std::abs(int(px[c]) - int(scene.background[c])) <= 7 * 8);
                    }
                }
            }
            // Touching pairs.
            for (const Instance& a : scene.instances) {
                for (const Instance& b : scene.instances) {
                    if (a.id < b.id && a.kind == InstanceKind::object &&
                        b.kind == InstanceKind::object) {
                        const bool t = naive_touch(a.mask, b.mask);
                        QCOMPARE(masks_touch(a.mask, b.mask), t);
                        touching = touching || t;
                    }
                }
            }
            touching_scenes += touching;
        }
        // Some pairs touch; some objects carry dots.
        QVERIFY2(touching_scenes * 4 >= scenes,
                 qPrintable(QString("%1 of %2 scenes touch").arg(touching_scenes).arg(scenes)));
        QVERIFY(dots > 0);
        if (scenes >= 40) {
            QVERIFY(rings > 0);
        }
    }

    void backgroundNoiseIsGaussianWithSmallSigma() {
        const Scene scene = scene_for(77, 512, 512);
        std::vector<int> owner(512 * 512, 0);
        for (const Instance& inst : scene.instances) {
            for (std::size_t i = 0; i < owner.size(); ++i) {
                owner[i] |= inst.mask.data[i];
            }
        }
        double sum = 0.0;
        double sum2 = 0.0;
        int n = 0;
        for (int y = 0; y < 512; ++y) {
            for (int x = 0; x < 512; ++x) {
                if (!owner[std::size_t(y) * 512 + x]) {
                    const double v = scene.image.pixel(x, y)[0] - double(scene.background[0]);
                    sum += v;
                    sum2 += v * v;
                    ++n;
                }
            }
        }
        const double mean = sum / n;
        const double sd = std::sqrt(sum2 / n - mean * mean);
        QVERIFY(std::abs(mean) < 0.2);
        // Rounding to integers adds 1/12 to the variance.
        QVERIFY2(
            std::abs(sd * sd - scene.noise_sigma * scene.noise_sigma - 1.0 / 12) < 0.05 * sd * sd,
            qPrintable(QString("sd %1 sigma %2").arg(sd).arg(scene.noise_sigma)));
    }

    void someScenesHoldSizeTwins() {
        int twins = 0;
        for (int s = 0; s < 100; ++s) {
            const Scene scene = scene_for(5000 + s);
            for (const Instance& a : scene.instances) {
                for (const Instance& b : scene.instances) {
                    if (a.id < b.id && a.kind == InstanceKind::object &&
                        b.kind == InstanceKind::object && a.colour == b.colour &&
                        a.shape == b.shape &&
                        std::max(a.area, b.area) >= 1.8 * std::min(a.area, b.area)) {
                        ++twins;
                    }
                }
            }
        }
        QVERIFY2(twins >= 10, qPrintable(QString::number(twins)));
    }

    void sameSeedSameBytes() {
        const Scene a = scene_for(42, 200, 150);
        const Scene b = scene_for(42, 200, 150);
        QVERIFY(a.image.data == b.image.data);
        QCOMPARE(a.instances.size(), b.instances.size());
        for (std::size_t i = 0; i < a.instances.size(); ++i) {
            QVERIFY(a.instances[i].mask == b.instances[i].mask);
        }
        const Scene c = scene_for(43, 200, 150);
        QVERIFY(a.image.data != c.image.data);
    }

    void sizeOutsideLimitsThrows() {
        Rng rng(1);
        QVERIFY_THROWS_EXCEPTION(Error, generate_scene(rng, SceneOptions{95, 128}));
        QVERIFY_THROWS_EXCEPTION(Error, generate_scene(rng, SceneOptions{128, 513}));
    }
};

QTEST_APPLESS_MAIN(TestSynthScene)
#include "test_synth_scene.moc"
