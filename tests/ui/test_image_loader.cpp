// ImageLoader: EXIF orientation, the allocation limit and an error message for each bad file.

#include "ui/image_loader.h"

#include <QColor>
#include <QFile>
#include <QImage>
#include <QImageWriter>
#include <QTemporaryDir>
#include <QTest>

using segllm::ui::loadImage;

class TestImageLoader : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void readsSampleImages_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QSize>("size");
        QTest::newRow("512x384") << QStringLiteral("shapes-512x384.png") << QSize(512, 384);
        QTest::newRow("128x128") << QStringLiteral("shapes-128.png") << QSize(128, 128);
    }
    void readsSampleImages() {
        QFETCH(QString, file);
        QFETCH(QSize, size);
        const auto loaded =
            loadImage(QStringLiteral(SEGLLM_SOURCE_DIR "/resources/images/") + file);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        QVERIFY(loaded.error.isEmpty());
        QCOMPARE(loaded.image.size(), size);
        // The shapes world: a dark background (each channel in [20, 80] plus small noise).
        const QColor corner = loaded.image.pixelColor(0, 0);
        QVERIFY(corner.red() <= 90 && corner.green() <= 90 && corner.blue() <= 90);
    }

    // A JPEG whose EXIF orientation says "rotate 90 degrees clockwise" is shown rotated.
    void appliesExifOrientation() {
        QImage image(32, 16, QImage::Format_RGB32);
        image.fill(Qt::blue);
        for (int y = 0; y < 16; ++y) {
            for (int x = 0; x < 16; ++x) {
                image.setPixelColor(x, y, Qt::red);  // left half red
            }
        }
        const QString path = dir_.filePath(QStringLiteral("rotated.jpg"));
        QImageWriter writer(path, "jpeg");
        QVERIFY(writer.supportsOption(QImageIOHandler::ImageTransformation));
        writer.setTransformation(QImageIOHandler::TransformationRotate90);
        QVERIFY2(writer.write(image), qPrintable(writer.errorString()));

        const auto loaded = loadImage(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        // Turned clockwise: 16 wide, 32 high, the former left half now on top.
        QCOMPARE(loaded.image.size(), QSize(16, 32));
        const QColor top = loaded.image.pixelColor(8, 8);
        const QColor bottom = loaded.image.pixelColor(8, 24);
        QVERIFY2(top.red() > 200 && top.blue() < 60, qPrintable(top.name()));
        QVERIFY2(bottom.blue() > 200 && bottom.red() < 60, qPrintable(bottom.name()));
    }

    // Qt's own default limit (256 MiB) would refuse a 9000 x 8000 photo (about 275 MiB decoded).
    void opensBigImagesBelowTheLimit() {
        const QString path = dir_.filePath(QStringLiteral("big.png"));
        QImage big(9000, 8000, QImage::Format_RGB32);
        big.fill(QColor(30, 60, 90));
        QVERIFY(big.save(path, "png", 0));
        big = QImage();
        const auto loaded = loadImage(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        QCOMPARE(loaded.image.size(), QSize(9000, 8000));
        QCOMPARE(loaded.image.pixelColor(8999, 7999), QColor(30, 60, 90));
    }

    // 2000 x 1500 x 4 bytes = 12,000,000 bytes = 11.44 MiB, shown rounded up to 12 MiB.
    void refusesImagesAboveTheLimit() {
        const QString path = dir_.filePath(QStringLiteral("over-limit.png"));
        QImage image(2000, 1500, QImage::Format_RGB32);
        image.fill(Qt::gray);
        QVERIFY(image.save(path, "png"));

        const auto refused = loadImage(path, 10);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error.contains(QStringLiteral("over-limit.png")),
                 qPrintable(refused.error));
        QVERIFY2(refused.error.contains(QStringLiteral("2000 x 1500 pixels")),
                 qPrintable(refused.error));
        QVERIFY2(refused.error.contains(QStringLiteral("12 MiB")), qPrintable(refused.error));
        QVERIFY2(refused.error.contains(QStringLiteral("limit of 10 MiB")),
                 qPrintable(refused.error));

        const auto accepted = loadImage(path, 12);
        QVERIFY2(accepted.ok(), qPrintable(accepted.error));
        QCOMPARE(accepted.image.size(), QSize(2000, 1500));
    }

    void reportsBadFiles_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        const QString data = QStringLiteral(SEGLLM_TEST_DATA_DIR "/ui/");
        QTest::newRow("missing") << data + QStringLiteral("no-such-image.png")
                                 << QStringLiteral("does not exist");
        QTest::newRow("folder") << QStringLiteral(SEGLLM_TEST_DATA_DIR "/ui")
                                << QStringLiteral("is a folder");
        QTest::newRow("truncated")
            << data + QStringLiteral("truncated-shapes.png") << QStringLiteral("cannot be decoded");
        QTest::newRow("text") << data + QStringLiteral("text-named-as.png")
                              << QStringLiteral("not an image in a supported format");
    }
    void reportsBadFiles() {
        QFETCH(QString, path);
        QFETCH(QString, reason);
        const auto loaded = loadImage(path);
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.image.isNull());
        QVERIFY2(loaded.error.startsWith(QStringLiteral("Cannot open ") + path + ": "),
                 qPrintable(loaded.error));
        QVERIFY2(loaded.error.contains(reason), qPrintable(loaded.error));
    }

    void reportsEmptyFile() {
        const QString path = dir_.filePath(QStringLiteral("empty.png"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const auto loaded = loadImage(path);
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error.contains(QStringLiteral("empty.png: the file is empty")),
                 qPrintable(loaded.error));
    }

    void filterListsCommonFormats() {
        const QString filter = segllm::ui::imageFileFilter();
        QVERIFY2(filter.startsWith(QStringLiteral("Images (")), qPrintable(filter));
        QVERIFY(filter.contains(QStringLiteral("*.png")));
        QVERIFY(filter.contains(QStringLiteral("*.jpg")));
        QVERIFY(filter.endsWith(QStringLiteral(";;All files (*)")));
    }

private:
    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TestImageLoader)
#include "test_image_loader.moc"
