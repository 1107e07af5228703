// The desktop entry and the AppStream metainfo in packaging/ agree with each other and with the
// build: the same application id for the desktop file, the component and the icon; the newest
// release is the project's version. (desktop-file-validate and appstreamcli validate run as
// their own ctest tests.)

#include <QFile>
#include <QMap>
#include <QTest>
#include <QXmlStreamReader>

namespace {

const QString kAppId = QStringLiteral(SEGLLM_APP_ID);
const QString kPackaging = QStringLiteral(SEGLLM_SOURCE_DIR "/packaging/");

// Key=value lines of the [Desktop Entry] group.
QMap<QString, QString> readDesktopEntry(const QString& path) {
    QMap<QString, QString> keys;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return keys;
    bool inGroup = false;
    for (const QByteArray& raw : f.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.startsWith(QLatin1Char('['))) {
            inGroup = line == QStringLiteral("[Desktop Entry]");
            continue;
        }
        const int eq = line.indexOf(QLatin1Char('='));
        if (inGroup && eq > 0)
            keys.insert(line.left(eq).trimmed(), line.mid(eq + 1).trimmed());
    }
    return keys;
}

struct Metainfo {
    QString id;
    QString launchable;
    QString launchableType;
    QString icon;
    QStringList releases;  // versions in file order
    QStringList screenshots;
    QStringList binaries;
    bool contentRating = false;
    QString homepage;
};

Metainfo readMetainfo(const QString& path) {
    Metainfo m;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return m;
    QXmlStreamReader xml(&f);
    QStringList stack;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const QString name = xml.name().toString();
            const QString parent = stack.isEmpty() ? QString() : stack.last();
            stack.append(name);
            const auto attrs = xml.attributes();
            // readElementText() consumes the end element: drop the name from the stack here.
            auto takeText = [&]() {
                stack.removeLast();
                return xml.readElementText();
            };
            if (name == QStringLiteral("release")) {
                m.releases.append(attrs.value(QStringLiteral("version")).toString());
            } else if (name == QStringLiteral("content_rating")) {
                m.contentRating = true;
            } else if (name == QStringLiteral("id") && parent == QStringLiteral("component")) {
                m.id = takeText();
            } else if (name == QStringLiteral("launchable")) {
                m.launchableType = attrs.value(QStringLiteral("type")).toString();
                m.launchable = takeText();
            } else if (name == QStringLiteral("icon")) {
                m.icon = takeText();
            } else if (name == QStringLiteral("image") && parent == QStringLiteral("screenshot")) {
                m.screenshots.append(takeText());
            } else if (name == QStringLiteral("binary")) {
                m.binaries.append(takeText());
            } else if (name == QStringLiteral("url") &&
                       attrs.value(QStringLiteral("type")) == QStringLiteral("homepage")) {
                m.homepage = takeText();
            }
        } else if (xml.isEndElement()) {
            stack.removeLast();
        }
    }
    return m;
}

}  // namespace

class TestDesktopFiles : public QObject {
    Q_OBJECT

private slots:
    void desktopEntryNamesTheIconAndProgram() {
        const auto keys = readDesktopEntry(kPackaging + QStringLiteral("segllm-studio.desktop"));
        QCOMPARE(keys.value(QStringLiteral("Type")), QStringLiteral("Application"));
        QCOMPARE(keys.value(QStringLiteral("Icon")), kAppId);
        QCOMPARE(keys.value(QStringLiteral("Exec")), QStringLiteral("segllm-studio %f"));
        QCOMPARE(keys.value(QStringLiteral("Terminal")), QStringLiteral("false"));
        QVERIFY(keys.value(QStringLiteral("Categories"))
                    .split(QLatin1Char(';'))
                    .contains(QStringLiteral("Graphics")));
    }

    void metainfoUsesTheApplicationId() {
        const auto m = readMetainfo(kPackaging + kAppId + QStringLiteral(".metainfo.xml"));
        QCOMPARE(m.id, kAppId);
        QCOMPARE(m.launchableType, QStringLiteral("desktop-id"));
        QCOMPARE(m.launchable, kAppId + QStringLiteral(".desktop"));
        QCOMPARE(m.icon, kAppId);
        QCOMPARE(m.binaries,
                 (QStringList{QStringLiteral("segllm-studio"), QStringLiteral("segllm")}));
    }

    void metainfoNewestReleaseIsTheProjectVersion() {
        const auto m = readMetainfo(kPackaging + kAppId + QStringLiteral(".metainfo.xml"));
        QVERIFY(!m.releases.isEmpty());
        QCOMPARE(m.releases.first(), QStringLiteral(SEGLLM_EXPECTED_VERSION));
    }

    void metainfoHasScreenshotRatingAndHomepage() {
        const auto m = readMetainfo(kPackaging + kAppId + QStringLiteral(".metainfo.xml"));
        QVERIFY(m.contentRating);
        QCOMPARE(m.screenshots.size(), 1);
        QVERIFY2(m.screenshots.first().startsWith(QStringLiteral("https://")),
                 qPrintable(m.screenshots.first()));
        QVERIFY(m.screenshots.first().endsWith(QStringLiteral(".png")));
        QVERIFY(m.homepage.startsWith(QStringLiteral("https://")));
    }
};

QTEST_APPLESS_MAIN(TestDesktopFiles)
#include "test_desktop_files.moc"
