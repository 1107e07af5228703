// Installs this build into a temporary prefix (`cmake --install <build> --prefix <tmp>`) and runs
// the installed programs from there, with no SEGLLM_* variable set and XDG data folders that are
// empty: the layout, the icons and man pages, `segllm --version`, `segllm gen-bench`, the data
// folders and the tokenizer shim as an installed program sees them (a copy of
// segllm_paths_probe placed in <tmp>/bin), `segllm-studio --version`, and, once the build has the
// `check-model` and `eval` commands and the shipped model resources/models/segllm-tiny exists,
// `segllm check-model <installed model>` and `segllm eval` (default model) on a generated
// benchmark; without the model, that `segllm eval` names the installed location.

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "tests/packaging/probe_run.h"

using segllm::test::parseProbe;
using segllm::test::runClean;
using segllm::test::RunResult;

namespace {

const QString kAppId = QStringLiteral(SEGLLM_APP_ID);
const QString kVersion = QStringLiteral(SEGLLM_EXPECTED_VERSION);
const QString kBinDir = QStringLiteral(SEGLLM_INSTALL_BINDIR);
const QString kDataDir = QStringLiteral(SEGLLM_INSTALL_DATADIR);
const QString kManDir = QStringLiteral(SEGLLM_INSTALL_MANDIR);
const QString kPrivateLibDir = QStringLiteral(SEGLLM_INSTALL_PRIVATE_LIBDIR);
constexpr int kLongTimeoutMs = 20 * 60 * 1000;

// Command names listed by `segllm --help` under "Commands:".
QStringList listedCommands(const QString& help) {
    QStringList names;
    bool inCommands = false;
    for (const QString& line : help.split(QLatin1Char('\n'))) {
        if (line == QStringLiteral("Commands:")) {
            inCommands = true;
            continue;
        }
        if (!inCommands)
            continue;
        if (!line.startsWith(QStringLiteral("  ")))
            break;
        const QString name = line.trimmed().section(QLatin1Char(' '), 0, 0);
        if (!name.isEmpty() && !name.startsWith(QLatin1Char('(')))
            names.append(name);
    }
    return names;
}

}  // namespace

class TestInstalledTree : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    QString prefix_;
    QString work_;
    QMap<QString, QString> env_;
    QStringList commands_;
    QString benchDir_;

    QString installed(const QString& relative) const {
        return prefix_ + QLatin1Char('/') + relative;
    }
    QString segllm() const { return installed(kBinDir + QStringLiteral("/segllm")); }
    QString dataRoot() const { return installed(kDataDir + QStringLiteral("/segllm-studio")); }
    RunResult run(const QString& program, const QStringList& args, int timeoutMs = 120000) const {
        return runClean(program, args, env_, work_, timeoutMs);
    }
    bool modelInstalled() const {
        return QFileInfo(dataRoot() + QStringLiteral("/models/segllm-tiny")).isDir();
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const QString root = QFileInfo(tmp_.path()).canonicalFilePath();
        prefix_ = root + QStringLiteral("/prefix");
        work_ = root + QStringLiteral("/work");
        QVERIFY(QDir().mkpath(work_));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/xdg-home")));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/xdg-dirs")));
        // Empty XDG data folders: whatever is found comes from the prefix.
        env_ = {{QStringLiteral("XDG_DATA_HOME"), root + QStringLiteral("/xdg-home")},
                {QStringLiteral("XDG_DATA_DIRS"), root + QStringLiteral("/xdg-dirs")}};

        const auto r = runClean(QStringLiteral(SEGLLM_CMAKE_COMMAND),
                                {QStringLiteral("--install"), QStringLiteral(SEGLLM_BUILD_DIR),
                                 QStringLiteral("--prefix"), prefix_},
                                {}, work_, 300000);
        QVERIFY(r.finished);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));

        const auto help = run(segllm(), {QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        commands_ = listedCommands(help.out);
    }

    void layout_data() {
        QTest::addColumn<QString>("relative");
        auto row = [](const QString& rel) { QTest::newRow(qPrintable(rel)) << rel; };
        row(kBinDir + QStringLiteral("/segllm"));
        row(kDataDir + QStringLiteral("/segllm-studio/images/shapes-128.png"));
        row(kDataDir + QStringLiteral("/segllm-studio/images/shapes-512x384.png"));
        if (SEGLLM_TEST_HAVE_TOKENIZER)
            row(kPrivateLibDir + QStringLiteral("/libsegllm_spm_shim.so"));
        if (SEGLLM_TEST_HAVE_MAN)
            row(kManDir + QStringLiteral("/man1/segllm.1.gz"));
        if (SEGLLM_TEST_HAVE_GUI) {
            row(kBinDir + QStringLiteral("/segllm-studio"));
            row(kDataDir + QStringLiteral("/applications/") + kAppId + QStringLiteral(".desktop"));
            row(kDataDir + QStringLiteral("/metainfo/") + kAppId + QStringLiteral(".metainfo.xml"));
            row(kDataDir + QStringLiteral("/icons/hicolor/scalable/apps/") + kAppId +
                QStringLiteral(".svg"));
            if (SEGLLM_TEST_HAVE_MAN)
                row(kManDir + QStringLiteral("/man1/segllm-studio.1.gz"));
        }
        // The shipped model is installed whenever the source tree has it.
        if (QFileInfo(QStringLiteral(SEGLLM_SOURCE_DIR "/resources/models/segllm-tiny")).isDir())
            row(kDataDir + QStringLiteral("/segllm-studio/models/segllm-tiny"));
    }
    void layout() {
        QFETCH(QString, relative);
        QVERIFY2(QFileInfo::exists(installed(relative)), qPrintable(installed(relative)));
    }

    void pngIcons_data() {
        QTest::addColumn<int>("size");
        for (const QString& s : QStringLiteral(SEGLLM_TEST_ICON_SIZES).split(QLatin1Char(',')))
            QTest::newRow(qPrintable(s)) << s.toInt();
    }
    void pngIcons() {
        if (!SEGLLM_TEST_HAVE_PNG_ICONS)
            QSKIP("no PNG icons in this build (no GUI or no rsvg-convert)");
        QFETCH(int, size);
        const QString path =
            installed(kDataDir + QStringLiteral("/icons/hicolor/%1x%1/apps/").arg(size) + kAppId +
                      QStringLiteral(".png"));
        QImage image;
        QVERIFY2(image.load(path), qPrintable(path));
        QCOMPARE(image.size(), QSize(size, size));
        // The rounded square of the SVG: transparent corner, opaque dark centre.
        QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
        const QRgb centre = image.pixel(size / 2, size / 8);
        QCOMPARE(qAlpha(centre), 255);
    }

    void manPages() {
        if (!SEGLLM_TEST_HAVE_MAN)
            QSKIP("no man pages in this build (help2man not found)");
        QProcess gz;
        gz.start(QStringLiteral("gzip"),
                 {QStringLiteral("-dc"), installed(kManDir + QStringLiteral("/man1/segllm.1.gz"))});
        QVERIFY(gz.waitForFinished(30000));
        const QString page = QString::fromUtf8(gz.readAllStandardOutput());
        QVERIFY2(page.contains(QStringLiteral(".TH SEGLLM \"1\"")), qPrintable(page.left(400)));
        QVERIFY(page.contains(QStringLiteral("segllm ") + kVersion));
        QVERIFY(page.contains(QStringLiteral("\\-\\-version")));
        // Each command: listed (help2man escapes '-' as "\-") and given its own --help section.
        for (const QString& command : commands_) {
            QString escaped = command;
            escaped.replace(QStringLiteral("-"), QStringLiteral("\\-"));
            QVERIFY2(page.contains(escaped), qPrintable(command));
            QVERIFY2(
                page.contains(QStringLiteral(".SS \"segllm ") + command + QStringLiteral("\"")),
                qPrintable(command));
        }
    }

    void segllmVersion() {
        const auto r = run(segllm(), {QStringLiteral("--version")});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("segllm ") + kVersion + QStringLiteral("\n"));
    }

    void studioVersion() {
        if (!SEGLLM_TEST_HAVE_GUI)
            QSKIP("built without the GUI");
        const auto r = run(installed(kBinDir + QStringLiteral("/segllm-studio")),
                           {QStringLiteral("--version")});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("SegLLM Studio ") + kVersion + QStringLiteral("\n"));
    }

    void genBench() {
        if (!commands_.contains(QStringLiteral("gen-bench")))
            QSKIP("this build has no `segllm gen-bench` (built without OpenCV)");
        benchDir_ = work_ + QStringLiteral("/bench");
        const auto r = run(segllm(), {QStringLiteral("gen-bench"), QStringLiteral("--out"),
                                      benchDir_, QStringLiteral("--count"), QStringLiteral("2"),
                                      QStringLiteral("--max-rounds"), QStringLiteral("2"),
                                      QStringLiteral("--seed"), QStringLiteral("7")});
        QVERIFY(r.finished);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QStringList json =
            QDir(benchDir_).entryList({QStringLiteral("scene_*.json")}, QDir::Files);
        QCOMPARE(json.size(), 2);
        QVERIFY(QFileInfo::exists(benchDir_ + QStringLiteral("/scene_0000.png")));
        QVERIFY(QFileInfo::exists(benchDir_ + QStringLiteral("/scene_0001.png")));
    }

    // What an installed program sees: a copy of the probe in <prefix>/bin.
    void dataPathsAndShimFromThePrefix() {
        const QString probe = installed(kBinDir + QStringLiteral("/segllm-paths-probe"));
        QFile::remove(probe);
        QVERIFY(QFile::copy(QStringLiteral(SEGLLM_PATHS_PROBE), probe));
        QVERIFY(QFile::setPermissions(probe, QFile::permissions(probe) | QFile::ExeOwner));
        const auto r = run(probe, {QStringLiteral("images/shapes-128.png")});
        QFile::remove(probe);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        const auto m = parseProbe(r.out);
        const QString root = QFileInfo(tmp_.path()).canonicalFilePath();
        QCOMPARE(m.value(QStringLiteral("data_dir")),
                 (QStringList{dataRoot(), root + QStringLiteral("/xdg-home/segllm-studio"),
                              root + QStringLiteral("/xdg-dirs/segllm-studio")}));
        QCOMPARE(m.value(QStringLiteral("file:images/shapes-128.png")),
                 QStringList{dataRoot() + QStringLiteral("/images/shapes-128.png")});
        // Installed or not, the default model is expected in the prefix.
        QCOMPARE(m.value(QStringLiteral("model")),
                 QStringList{dataRoot() + QStringLiteral("/models/segllm-tiny")});
        if (SEGLLM_TEST_HAVE_TOKENIZER) {
            QVERIFY2(!m.contains(QStringLiteral("shim_error")),
                     qPrintable(m.value(QStringLiteral("shim_error")).join(QString())));
            QCOMPARE(
                m.value(QStringLiteral("shim")),
                QStringList{installed(kPrivateLibDir + QStringLiteral("/libsegllm_spm_shim.so"))});
        }
    }

    void appstreamValidateTree() {
        if (!SEGLLM_TEST_HAVE_GUI)
            QSKIP("built without the GUI");
        if (QStringLiteral(SEGLLM_APPSTREAMCLI).isEmpty())
            QSKIP("appstreamcli not found");
        const auto r = run(QStringLiteral(SEGLLM_APPSTREAMCLI),
                           {QStringLiteral("validate-tree"), QStringLiteral("--no-net"), prefix_});
        QVERIFY(r.finished);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    }

    // The model-driven commands: checked automatically once the build has them and the shipped
    // model is installed.
    void checkModel() {
        if (!commands_.contains(QStringLiteral("check-model")))
            QSKIP("this build has no `segllm check-model`");
        if (!modelInstalled())
            QSKIP("no shipped model (resources/models/segllm-tiny) to check");
        const auto r =
            run(segllm(),
                {QStringLiteral("check-model"), dataRoot() + QStringLiteral("/models/segllm-tiny")},
                kLongTimeoutMs);
        QVERIFY(r.finished);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    }

    // `segllm eval BENCH` without --model: the installed default model.
    void evalOnGeneratedBenchmark() {
        if (!commands_.contains(QStringLiteral("eval")))
            QSKIP("this build has no `segllm eval`");
        if (!modelInstalled())
            QSKIP("no shipped model (resources/models/segllm-tiny) to evaluate");
        if (benchDir_.isEmpty())
            QSKIP("no generated benchmark (this build has no `segllm gen-bench`)");
        const auto r = run(segllm(), {QStringLiteral("eval"), benchDir_}, kLongTimeoutMs);
        QVERIFY(r.finished);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QStringLiteral("cIoU")), qPrintable(r.out));
    }

    // Without the shipped model, `segllm eval` fails and names where the model is expected:
    // the installed prefix (never the source tree).
    void evalWithoutModelNamesTheInstalledLocation() {
        if (!commands_.contains(QStringLiteral("eval")))
            QSKIP("this build has no `segllm eval`");
        if (modelInstalled())
            QSKIP("the shipped model is installed (evalOnGeneratedBenchmark uses it)");
        if (benchDir_.isEmpty())
            QSKIP("no generated benchmark (this build has no `segllm gen-bench`)");
        const auto r = run(segllm(), {QStringLiteral("eval"), benchDir_});
        QVERIFY(r.finished);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains(dataRoot() + QStringLiteral("/models/segllm-tiny")),
                 qPrintable(r.err));
        QVERIFY2(!r.err.contains(QStringLiteral(SEGLLM_SOURCE_DIR)), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestInstalledTree)
#include "test_installed_tree.moc"
