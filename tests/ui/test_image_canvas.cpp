// ImageCanvas: fit, wheel zoom around the cursor, 1:1, panning and what is painted where.
// Expected values are worked out by hand in the comments.

#include "ui/image_canvas.h"

#include <QImage>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

using segllm::ui::ImageCanvas;

namespace {

QImage filled(int w, int h, const QColor& color = Qt::darkCyan) {
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(color);
    return image;
}

void sendWheel(ImageCanvas& canvas, const QPointF& pos, int angle) {
    QWheelEvent event(pos, canvas.mapToGlobal(pos), QPoint(), QPoint(0, angle), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(&canvas, &event);
}

void sendMouse(ImageCanvas& canvas, QEvent::Type type, const QPointF& pos, Qt::MouseButton button,
               Qt::MouseButtons buttons) {
    QMouseEvent event(type, pos, canvas.mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(&canvas, &event);
}

void drag(ImageCanvas& canvas, const QPointF& from, const QPointF& to, Qt::MouseButton button) {
    sendMouse(canvas, QEvent::MouseButtonPress, from, button, button);
    // Two steps, so that the deltas must add up.
    sendMouse(canvas, QEvent::MouseMove, (from + to) / 2, Qt::NoButton, button);
    sendMouse(canvas, QEvent::MouseMove, to, Qt::NoButton, button);
    sendMouse(canvas, QEvent::MouseButtonRelease, to, button, Qt::NoButton);
}

bool near(const QPointF& a, const QPointF& b) {
    return std::abs(a.x() - b.x()) < 1e-9 && std::abs(a.y() - b.y()) < 1e-9;
}

}  // namespace

class TestImageCanvas : public QObject {
    Q_OBJECT

private slots:
    void startsEmpty() {
        ImageCanvas canvas;
        QVERIFY(!canvas.hasImage());
        QVERIFY(canvas.imageSize().isEmpty());
        canvas.zoomIn();  // no image: nothing happens
        QCOMPARE(canvas.zoom(), 1.0);
    }

    void fitToWindow_data() {
        QTest::addColumn<QSize>("widget");
        QTest::addColumn<QSize>("image");
        QTest::addColumn<double>("zoom");
        QTest::addColumn<QPointF>("offset");
        // min(400/800, 300/600) = 0.5; 800x600 -> 400x300 fills the widget.
        QTest::newRow("same aspect") << QSize(400, 300) << QSize(800, 600) << 0.5 << QPointF(0, 0);
        // min(400/1000, 300/200) = 0.4 -> 400x80, centred: y = (300 - 80) / 2 = 110.
        QTest::newRow("wide") << QSize(400, 300) << QSize(1000, 200) << 0.4 << QPointF(0, 110);
        // min(400/100, 300/100) = 3 -> 300x300, centred: x = (400 - 300) / 2 = 50.
        QTest::newRow("small image is enlarged")
            << QSize(400, 300) << QSize(100, 100) << 3.0 << QPointF(50, 0);
        // min(640/6000, 480/4000) = 0.10666..; 6000 * 0.10666.. = 640, 4000 * 0.10666.. = 426.67,
        // y = (480 - 426.666..) / 2 = 26.666..
        QTest::newRow("photo") << QSize(640, 480) << QSize(6000, 4000) << 640.0 / 6000.0
                               << QPointF(0, (480.0 - 4000.0 * 640.0 / 6000.0) / 2.0);
    }
    void fitToWindow() {
        QFETCH(QSize, widget);
        QFETCH(QSize, image);
        QFETCH(double, zoom);
        QFETCH(QPointF, offset);
        ImageCanvas canvas;
        canvas.resize(widget);
        canvas.setImage(filled(image.width(), image.height()));
        QCOMPARE(canvas.imageSize(), image);
        QVERIFY(canvas.isFitToWindow());
        QCOMPARE(canvas.zoom(), zoom);
        QVERIFY2(
            near(canvas.offset(), offset),
            qPrintable(QStringLiteral("%1,%2").arg(canvas.offset().x()).arg(canvas.offset().y())));

        // Zoom away and back: fitting again restores the same view.
        canvas.zoomIn();
        QVERIFY(!canvas.isFitToWindow());
        canvas.fitToWindow();
        QCOMPARE(canvas.zoom(), zoom);
        QVERIFY(near(canvas.offset(), offset));
    }

    // While fitted, a resize refits: 800x600 in 200x300 -> min(0.25, 0.5) = 0.25, y = 75.
    void fitFollowsResize() {
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));
        canvas.resize(200, 300);
        canvas.show();
        QVERIFY(QTest::qWaitForWindowExposed(&canvas));
        QCOMPARE(canvas.zoom(), 0.25);
        QVERIFY(near(canvas.offset(), QPointF(0, 75)));
    }

    void wheelZoomKeepsPointUnderCursor_data() {
        QTest::addColumn<int>("angle");
        QTest::addColumn<double>("zoom");
        QTest::addColumn<QPointF>("offset");
        // Fit: 800x600 in 400x300, zoom 0.5, offset (0, 0). The cursor at (100, 50) is over
        // image point (200, 100). New offset = cursor - point * new zoom.
        // One notch in: 0.5 * 1.25 = 0.625; (100 - 125, 50 - 62.5).
        QTest::newRow("in") << 120 << 0.625 << QPointF(-25, -12.5);
        // Two notches out: 0.5 / 1.5625 = 0.32; (100 - 64, 50 - 32).
        QTest::newRow("out twice") << -240 << 0.32 << QPointF(36, 18);
        // Half a notch (touchpad): 0.5 * sqrt(1.25) = 0.5590..; (100 - 200z, 50 - 100z).
        QTest::newRow("half notch")
            << 60 << 0.5 * std::sqrt(1.25)
            << QPointF(100 - 200 * 0.5 * std::sqrt(1.25), 50 - 100 * 0.5 * std::sqrt(1.25));
    }
    void wheelZoomKeepsPointUnderCursor() {
        QFETCH(int, angle);
        QFETCH(double, zoom);
        QFETCH(QPointF, offset);
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));
        QSignalSpy zoomSpy(&canvas, &ImageCanvas::zoomChanged);

        sendWheel(canvas, QPointF(100, 50), angle);
        QVERIFY(qAbs(canvas.zoom() - zoom) < 1e-12);
        QVERIFY2(
            std::abs(canvas.offset().x() - offset.x()) < 1e-9 &&
                std::abs(canvas.offset().y() - offset.y()) < 1e-9,
            qPrintable(QStringLiteral("%1,%2").arg(canvas.offset().x()).arg(canvas.offset().y())));
        const QPointF under = canvas.mapToImage(QPointF(100, 50));
        QVERIFY(std::abs(under.x() - 200) < 1e-9 && std::abs(under.y() - 100) < 1e-9);
        QCOMPARE(zoomSpy.count(), 1);
        QVERIFY(qAbs(zoomSpy.at(0).at(0).toDouble() - zoom) < 1e-12);
        QVERIFY(!canvas.isFitToWindow());
    }

    void zoomIsClamped() {
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));
        for (int i = 0; i < 60; ++i) {
            canvas.zoomIn();
        }
        QCOMPARE(canvas.zoom(), ImageCanvas::kMaxZoom);
        for (int i = 0; i < 120; ++i) {
            canvas.zoomOut();
        }
        QCOMPARE(canvas.zoom(), ImageCanvas::kMinZoom);
    }

    // 1:1 keeps the image point at the widget centre: fit shows 800x600 at 0.5 with (200, 150)
    // over image point (400, 300); at zoom 1 the offset is (200 - 400, 150 - 300).
    void actualSizeIsZoomOne() {
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));
        canvas.showActualSize();
        QCOMPARE(canvas.zoom(), 1.0);
        QVERIFY(near(canvas.offset(), QPointF(-200, -150)));
    }

    // After 1:1 (offset (-200, -150)), a drag by (+30, -20) moves the image by the same amount.
    void panFollowsDrag_data() {
        QTest::addColumn<int>("button");
        QTest::newRow("left") << int(Qt::LeftButton);
        QTest::newRow("middle") << int(Qt::MiddleButton);
    }
    void panFollowsDrag() {
        QFETCH(int, button);
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));
        canvas.showActualSize();
        QSignalSpy viewSpy(&canvas, &ImageCanvas::viewChanged);
        drag(canvas, QPointF(100, 100), QPointF(130, 80), Qt::MouseButton(button));
        QVERIFY(near(canvas.offset(), QPointF(-170, -170)));
        QCOMPARE(canvas.zoom(), 1.0);
        QCOMPARE(viewSpy.count(), 2);
        // The right button does not pan.
        drag(canvas, QPointF(100, 100), QPointF(150, 150), Qt::RightButton);
        QVERIFY(near(canvas.offset(), QPointF(-170, -170)));
    }

    // The image cannot be pushed out of sight: 48 px of it stay in view.
    // 1:1, 800x600 in 400x300: x in [48 - 800, 400 - 48] = [-752, 352].
    void panKeepsImageInView() {
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));
        canvas.showActualSize();
        canvas.panBy(QPointF(5000, -5000));
        QVERIFY(near(canvas.offset(), QPointF(352, 48 - 600)));
    }

    // What is painted: a 20x10 image, left half red, right half blue, in a 200x160 canvas is
    // fitted at zoom min(200/20, 160/10) = 10 with offset (0, (160 - 100) / 2) = (0, 30). A wheel
    // notch at (150, 80), over image point (15, 5), gives zoom 12.5 and offset
    // (150 - 15 * 12.5, 80 - 5 * 12.5) = (-37.5, 17.5); the red/blue edge (image x = 10) then
    // lies at widget x = -37.5 + 125 = 87.5, and rows above y = 17.5 show the background.
    void paintsTheVisiblePart() {
        QImage image(20, 10, QImage::Format_RGB32);
        image.fill(Qt::blue);
        for (int y = 0; y < 10; ++y) {
            for (int x = 0; x < 10; ++x) {
                image.setPixelColor(x, y, Qt::red);
            }
        }
        const QColor background(48, 48, 48);
        ImageCanvas canvas;
        canvas.resize(200, 160);
        canvas.setImage(image);
        QCOMPARE(canvas.zoom(), 10.0);
        QVERIFY(near(canvas.offset(), QPointF(0, 30)));
        QImage shot = canvas.grab().toImage();
        QCOMPARE(shot.size(), QSize(200, 160));
        QCOMPARE(shot.pixelColor(95, 80), QColor(Qt::red));
        QCOMPARE(shot.pixelColor(105, 80), QColor(Qt::blue));
        QCOMPARE(shot.pixelColor(100, 10), background);
        QCOMPARE(shot.pixelColor(100, 140), background);

        sendWheel(canvas, QPointF(150, 80), 120);
        QCOMPARE(canvas.zoom(), 12.5);
        QVERIFY(near(canvas.offset(), QPointF(-37.5, 17.5)));
        shot = canvas.grab().toImage();
        QCOMPARE(shot.pixelColor(2, 80), QColor(Qt::red));
        QCOMPARE(shot.pixelColor(86, 80), QColor(Qt::red));
        QCOMPARE(shot.pixelColor(89, 80), QColor(Qt::blue));
        QCOMPARE(shot.pixelColor(199, 140), QColor(Qt::blue));
        QCOMPARE(shot.pixelColor(100, 16), background);
        QCOMPARE(shot.pixelColor(100, 19), QColor(Qt::blue));
    }

    void reportsCursorInImageCoordinates() {
        ImageCanvas canvas;
        canvas.resize(400, 300);
        canvas.setImage(filled(800, 600));  // zoom 0.5, offset (0, 0)
        QSignalSpy spy(&canvas, &ImageCanvas::cursorMoved);
        sendMouse(canvas, QEvent::MouseMove, QPointF(30, 40), Qt::NoButton, Qt::NoButton);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toPointF(), QPointF(60, 80));
    }
};

QTEST_MAIN(TestImageCanvas)
#include "test_image_canvas.moc"
