// base64 against RFC 4648's test vectors.

#include "core/common/error.h"
#include "core/export/base64.h"

#include <QtTest>

class TestBase64 : public QObject {
    Q_OBJECT

private slots:
    void rfc_vectors_data() {
        QTest::addColumn<QByteArray>("plain");
        QTest::addColumn<QByteArray>("encoded");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("f") << QByteArray("f") << QByteArray("Zg==");
        QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8=");
        QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
        QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg==");
        QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE=");
        QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
        QTest::newRow("high bytes") << QByteArray("\xff\xfe\x00\x80", 4) << QByteArray("//4AgA==");
    }
    void rfc_vectors() {
        QFETCH(QByteArray, plain);
        QFETCH(QByteArray, encoded);
        const std::vector<std::uint8_t> bytes(plain.begin(), plain.end());
        QCOMPARE(QByteArray::fromStdString(segllm::base64_encode(bytes)), encoded);
        QCOMPARE(segllm::base64_decode(encoded.toStdString()), bytes);
    }

    void rejects_bad_text() {
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::base64_decode("Zm9"));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::base64_decode("Zm9*"));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::base64_decode("Z=9v"));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::base64_decode("Zg==Zg=="));
    }
};

QTEST_APPLESS_MAIN(TestBase64)
#include "test_base64.moc"
