// The padded model frame: sizes, point / box mapping both ways, masks into and out of the frame.

#include "core/common/error.h"
#include "core/image/frame.h"

#include <QtTest/QtTest>

#include <cmath>
#include <vector>

using segllm::Mask;
using segllm::ModelFrame;

class TestModelFrame : public QObject {
    Q_OBJECT

private slots:
    void sizes_data();
    void sizes();
    void points_map_by_resized_ratio();
    void round_trips();
    void boxes();
    void mask_into_frame();
    void mask_out_of_frame();
    void mask_round_trip();
    void wrong_sizes_throw();
    void logits_at_the_frame_size();
    void logits_skip_the_padding();
    void logits_upscale_smoothly();
};

void TestModelFrame::sizes_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("side");
    QTest::addColumn<int>("rw");
    QTest::addColumn<int>("rh");
    QTest::addColumn<double>("scale");
    QTest::newRow("640x480") << 640 << 480 << 1024 << 1024 << 768 << 1.6;
    // 1024 / 500 = 2.048; 333 * 2.048 + .5 = 682.484 -> 682.
    QTest::newRow("333x500") << 333 << 500 << 1024 << 682 << 1024 << 2.048;
    QTest::newRow("500x333") << 500 << 333 << 1024 << 1024 << 682 << 2.048;
    // 2 / 4 = .5: (2, 1).
    QTest::newRow("4x2 side 2") << 4 << 2 << 2 << 2 << 1 << 0.5;
    // 1 * 1024 / 5000 + .5 = 0.7048 -> 0, raised to 1.
    QTest::newRow("1x5000") << 1 << 5000 << 1024 << 1 << 1024 << 0.2048;
    // 3 * 4 / 7 + .5 = 2.214 -> 2 (rounded from 1.714 + .5).
    QTest::newRow("3x7 side 4") << 3 << 7 << 4 << 2 << 4 << 4.0 / 7.0;
}

void TestModelFrame::sizes() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, side);
    QFETCH(int, rw);
    QFETCH(int, rh);
    QFETCH(double, scale);
    const ModelFrame f = segllm::make_model_frame(w, h, side);
    QCOMPARE(f.orig_w, w);
    QCOMPARE(f.orig_h, h);
    QCOMPARE(f.side, side);
    QCOMPARE(f.resized_w, rw);
    QCOMPARE(f.resized_h, rh);
    QVERIFY(std::abs(f.scale - scale) < 1e-12);
}

void TestModelFrame::points_map_by_resized_ratio() {
    const ModelFrame f = segllm::make_model_frame(333, 500);
    // Corners map to the resized corner, not to 333 * 2.048 = 681.984.
    segllm::PointF p = segllm::point_to_frame(f, {333.0, 500.0});
    QCOMPARE(p.x, 682.0);
    QCOMPARE(p.y, 1024.0);
    // 100 * 682 / 333 = 204.8048..., 250 * 1024 / 500 = 512.
    p = segllm::point_to_frame(f, {100.0, 250.0});
    QVERIFY(std::abs(p.x - 204.8048048048) < 1e-9);
    QVERIFY(std::abs(p.y - 512.0) < 1e-12);
    // Back: 341 * 333 / 682 = 166.5, 256 * 500 / 1024 = 125.
    p = segllm::point_from_frame(f, {341.0, 256.0});
    QVERIFY(std::abs(p.x - 166.5) < 1e-12);
    QVERIFY(std::abs(p.y - 125.0) < 1e-12);
}

void TestModelFrame::round_trips() {
    for (auto [w, h] : {std::pair{333, 500}, std::pair{640, 480}, std::pair{17, 3}}) {
        const ModelFrame f = segllm::make_model_frame(w, h);
        for (double x : {0.0, 0.5, 7.25, double(w) / 3, double(w)}) {
            for (double y : {0.0, 1.0, double(h) / 2, double(h)}) {
                const segllm::PointF there = segllm::point_to_frame(f, {x, y});
                const segllm::PointF back = segllm::point_from_frame(f, there);
                QVERIFY(std::abs(back.x - x) < 1e-9);
                QVERIFY(std::abs(back.y - y) < 1e-9);
                QVERIFY(there.x >= 0 && there.x <= f.resized_w + 1e-9);
                QVERIFY(there.y >= 0 && there.y <= f.resized_h + 1e-9);
            }
        }
    }
}

void TestModelFrame::boxes() {
    const ModelFrame f = segllm::make_model_frame(640, 480);  // ratio 1.6 on both axes
    const segllm::BoxF b = segllm::box_to_frame(f, {10.0, 20.0, 320.0, 480.0});
    QVERIFY(std::abs(b.x0 - 16.0) < 1e-12);
    QVERIFY(std::abs(b.y0 - 32.0) < 1e-12);
    QVERIFY(std::abs(b.x1 - 512.0) < 1e-12);
    QVERIFY(std::abs(b.y1 - 768.0) < 1e-12);
    const segllm::BoxF o = segllm::box_from_frame(f, {0.0, 8.0, 1024.0, 400.0});
    QVERIFY(std::abs(o.x0 - 0.0) < 1e-12);
    QVERIFY(std::abs(o.y0 - 5.0) < 1e-12);
    QVERIFY(std::abs(o.x1 - 640.0) < 1e-12);
    QVERIFY(std::abs(o.y1 - 250.0) < 1e-12);
}

void TestModelFrame::mask_into_frame() {
    // 4x2 mask, left half set (value 255 counts as 1); side 2 -> resized 2x1.
    // Bilinear 4 -> 2 of {1, 1, 0, 0}: 6/7 -> 1, 1/7 -> 0. Row 1 is padding.
    Mask m(4, 2);
    for (int y = 0; y < 2; ++y) {
        m.at(0, y) = 255;
        m.at(1, y) = 1;
    }
    const Mask framed = segllm::mask_to_frame(m, segllm::make_model_frame(4, 2, 2));
    QCOMPARE(framed.width, 2);
    QCOMPARE(framed.height, 2);
    QCOMPARE(QVector<int>(framed.data.begin(), framed.data.end()), (QVector<int>{1, 0, 0, 0}));
}

void TestModelFrame::mask_out_of_frame() {
    // Back: crop the 2x1 valid region {1, 0} (padding ignored even where set), bilinear 2 -> 4:
    // 1, .75 -> 1, .25 -> 0, 0; 1 -> 2 rows copies.
    Mask framed(2, 2);
    framed.at(0, 0) = 1;
    framed.at(0, 1) = 1;  // padding
    framed.at(1, 1) = 1;  // padding
    const Mask back = segllm::mask_from_frame(framed, segllm::make_model_frame(4, 2, 2));
    QCOMPARE(back.width, 4);
    QCOMPARE(back.height, 2);
    QCOMPARE(QVector<int>(back.data.begin(), back.data.end()),
             (QVector<int>{1, 1, 0, 0, 1, 1, 0, 0}));
}

void TestModelFrame::mask_round_trip() {
    // A rectangle survives the trip into a larger frame and back exactly.
    Mask m(30, 20);
    for (int y = 4; y <= 11; ++y) {
        for (int x = 5; x <= 14; ++x) {
            m.at(x, y) = 1;
        }
    }
    const ModelFrame f = segllm::make_model_frame(30, 20, 64);
    const Mask framed = segllm::mask_to_frame(m, f);
    QCOMPARE(framed.width, 64);
    const auto box = segllm::mask_box(framed);
    QVERIFY(box.has_value());
    // 5 * 64 / 30 = 10.67 .. 15 * 64 / 30 = 32: covered pixels 11..31 (centres inside).
    QVERIFY(box->x0 >= 10 && box->x0 <= 11);
    QVERIFY(box->x1 >= 31 && box->x1 <= 32);
    QVERIFY(framed.at(0, 63) == 0);
    const Mask back = segllm::mask_from_frame(framed, f);
    QCOMPARE(back.width, 30);
    QCOMPARE(back.height, 20);
    QVERIFY(back == m);
}

void TestModelFrame::wrong_sizes_throw() {
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::make_model_frame(0, 5));
    const ModelFrame f = segllm::make_model_frame(4, 2, 2);
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::mask_to_frame(Mask(3, 2), f));
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::mask_from_frame(Mask(4, 2), f));
}

void TestModelFrame::logits_at_the_frame_size() {
    // An image of the frame's size: each pixel is its own logit, thresholded.
    const ModelFrame f = segllm::make_model_frame(8, 8, 8);
    std::vector<float> logits(64);
    for (size_t i = 0; i < logits.size(); ++i) {
        logits[i] = static_cast<float>(std::sin(1.7 * static_cast<double>(i)) * 3.0);
    }
    for (const double t : {0.5, 0.8}) {
        const Mask m = segllm::mask_from_frame_logits(logits, f, t);
        QCOMPARE(m.width, 8);
        QCOMPARE(m.height, 8);
        for (size_t i = 0; i < logits.size(); ++i) {
            const bool want = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i]))) > t;
            QCOMPARE(m.data[i] != 0, want);
        }
    }
}

void TestModelFrame::logits_skip_the_padding() {
    // 8x4 in a 4-frame: the valid region is 4x2; the padding rows (logit 9) are never read.
    const ModelFrame f = segllm::make_model_frame(8, 4, 4);
    QCOMPARE(f.resized_h, 2);
    std::vector<float> logits(16, -4.0F);
    for (size_t i = 8; i < 16; ++i) {
        logits[i] = 9.0F;  // rows 2, 3: padding
    }
    logits[1] = 4.0F;  // frame pixels (1, 0) and (1, 1): original x 2..3
    logits[5] = 4.0F;
    const Mask m = segllm::mask_from_frame_logits(logits, f, 0.5);
    QCOMPARE(m.width, 8);
    QCOMPARE(m.height, 4);
    for (int y = 0; y < 4; ++y) {
        QCOMPARE(static_cast<int>(m.at(0, y)), 0);
        QCOMPARE(static_cast<int>(m.at(7, y)), 0);
    }
    QCOMPARE(static_cast<int>(m.at(2, 0)), 1);
    QCOMPARE(static_cast<int>(m.at(3, 3)), 1);  // the bottom row reads frame row 1 only
    QVERIFY_THROWS_EXCEPTION(segllm::Error,
                             segllm::mask_from_frame_logits(std::vector<float>(15), f, 0.5));
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::mask_from_frame_logits(logits, f, 1.0));
    QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::mask_from_frame_logits(logits, f, 0.0));
}

void TestModelFrame::logits_upscale_smoothly() {
    // A disk whose logit is its signed distance in frame pixels, in a 32-frame of a 256x256
    // image (8x): from the logits the mask follows the circle; thresholding in the frame first
    // leaves an 8-pixel staircase.
    const ModelFrame f = segllm::make_model_frame(256, 256, 32);
    const double cx = 15.3, cy = 16.6, r = 9.3;  // frame units
    std::vector<float> logits(32 * 32);
    Mask framed(32, 32);
    for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
            const double v = r - std::hypot(x + 0.5 - cx, y + 0.5 - cy);
            logits[static_cast<size_t>(y * 32 + x)] = static_cast<float>(v);
            framed.at(x, y) = v > 0 ? 1 : 0;
        }
    }
    Mask truth(256, 256);
    for (int y = 0; y < 256; ++y) {
        for (int x = 0; x < 256; ++x) {
            truth.at(x, y) = std::hypot((x + 0.5) / 8 - cx, (y + 0.5) / 8 - cy) < r ? 1 : 0;
        }
    }
    const auto iou = [&truth](const Mask& m) {
        double inter = 0, uni = 0;
        for (size_t i = 0; i < truth.data.size(); ++i) {
            inter += (m.data[i] != 0 && truth.data[i] != 0) ? 1 : 0;
            uni += (m.data[i] != 0 || truth.data[i] != 0) ? 1 : 0;
        }
        return inter / uni;
    };
    const double smooth = iou(segllm::mask_from_frame_logits(logits, f, 0.5));
    const double staircase = iou(segllm::mask_from_frame(framed, f));
    QVERIFY2(
        smooth > 0.995 && smooth > staircase + 0.01,
        qPrintable(QString("from logits %1, from the frame mask %2").arg(smooth).arg(staircase)));
}

QTEST_APPLESS_MAIN(TestModelFrame)
#include "test_frame.moc"
