// core/common/paths.h: the executable's folder, the data folders in order, find_data_file and
// default_model_dir, in the build tree (this test) and in an installed-like prefix (a copy of
// segllm_paths_probe run from a temporary <prefix>/bin). Expected paths are written out by hand.

#include <cstdlib>
#include <string>
#include <vector>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include "core/common/error.h"
#include "core/common/paths.h"
#include "tests/packaging/probe_run.h"

using segllm::test::parseProbe;
using segllm::test::runClean;

namespace {

std::vector<std::string> strings(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list)
        out.push_back(s.toStdString());
    return out;
}

// Sets (or, with nullptr, unsets) an environment variable for the rest of one test function.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        const char* old = std::getenv(name);
        had_ = old != nullptr;
        if (had_)
            old_ = old;
        if (value != nullptr)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (had_)
            ::setenv(name_.c_str(), old_.c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::string old_;
    bool had_ = false;
};

bool makeFile(const QString& path) {
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return false;
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write("x", 1) == 1;
}

}  // namespace

class TestDataPaths : public QObject {
    Q_OBJECT

private:
    // <folder of this test>/../share/segllm-studio and the source tree's resources/, written
    // out with Qt, independently of paths.cpp.
    static QString installedDir() {
        return QDir::cleanPath(QCoreApplication::applicationDirPath() +
                               QStringLiteral("/../share/segllm-studio"));
    }
    static QString sourceResources() {
        return QDir::cleanPath(QStringLiteral(SEGLLM_SOURCE_DIR "/resources"));
    }

private slots:
    void executableDirIsThisTestsFolder() {
        QCOMPARE(QString::fromStdString(segllm::executable_dir()),
                 QFileInfo(QCoreApplication::applicationFilePath()).canonicalPath());
    }

    void dataDirsInOrder_data() {
        QTest::addColumn<QString>("dataHome");
        QTest::addColumn<QString>("dataDirs");
        QTest::addColumn<QString>("home");
        QTest::addColumn<QStringList>("xdgPart");
        QTest::newRow("both set") << "/x/home-data"
                                  << "/a/share:/b/share/"
                                  << "/h"
                                  << QStringList{"/x/home-data/segllm-studio",
                                                 "/a/share/segllm-studio",
                                                 "/b/share/segllm-studio"};
        QTest::newRow("defaults") << QString() << QString() << "/home/ann"
                                  << QStringList{"/home/ann/.local/share/segllm-studio",
                                                 "/usr/local/share/segllm-studio",
                                                 "/usr/share/segllm-studio"};
        QTest::newRow("relative and empty entries ignored")
            << "relative/home"
            << "rel/share::/c/share:./d"
            << "/h" << QStringList{"/h/.local/share/segllm-studio", "/c/share/segllm-studio"};
        QTest::newRow("duplicates once")
            << "/a"
            << "/a:/a/:/b/./:/b"
            << "/h" << QStringList{"/a/segllm-studio", "/b/segllm-studio"};
    }
    void dataDirsInOrder() {
        QFETCH(QString, dataHome);
        QFETCH(QString, dataDirs);
        QFETCH(QString, home);
        QFETCH(QStringList, xdgPart);
        const QByteArray h = dataHome.toLocal8Bit();
        const QByteArray d = dataDirs.toLocal8Bit();
        const QByteArray hm = home.toLocal8Bit();
        ScopedEnv e1("XDG_DATA_HOME", dataHome.isNull() ? nullptr : h.constData());
        ScopedEnv e2("XDG_DATA_DIRS", dataDirs.isNull() ? nullptr : d.constData());
        ScopedEnv e3("HOME", hm.constData());

        // This test runs from the build tree: the installed location, then the sources.
        QStringList expected{installedDir(), sourceResources()};
        expected += xdgPart;
        QCOMPARE(segllm::data_dirs(), strings(expected));
    }

    void relativeXdgDataHomeFallsBackToHome() {
        // XDG: a relative XDG_DATA_HOME is invalid and ignored, like an unset one.
        ScopedEnv e1("XDG_DATA_HOME", "relative");
        ScopedEnv e2("XDG_DATA_DIRS", "/s");
        ScopedEnv e3("HOME", "/home/bob");
        const auto dirs = segllm::data_dirs();
        QCOMPARE(dirs.size(), std::size_t{4});
        QCOMPARE(dirs[2], std::string("/home/bob/.local/share/segllm-studio"));
    }

    void findDataFileFirstFolderWins() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString home = tmp.filePath(QStringLiteral("home"));
        const QString sys = tmp.filePath(QStringLiteral("sys"));
        const QByteArray h = home.toLocal8Bit();
        const QByteArray s = sys.toLocal8Bit();
        ScopedEnv e1("XDG_DATA_HOME", h.constData());
        ScopedEnv e2("XDG_DATA_DIRS", s.constData());

        const std::string rel = "translations/segllm-studio_xx.qm";
        QVERIFY(!segllm::find_data_file(rel).has_value());

        QVERIFY(makeFile(sys + QStringLiteral("/segllm-studio/translations/segllm-studio_xx.qm")));
        QCOMPARE(segllm::find_data_file(rel).value_or("none"),
                 (sys + QStringLiteral("/segllm-studio/translations/segllm-studio_xx.qm"))
                     .toStdString());

        QVERIFY(makeFile(home + QStringLiteral("/segllm-studio/translations/segllm-studio_xx.qm")));
        QCOMPARE(segllm::find_data_file(rel).value_or("none"),
                 (home + QStringLiteral("/segllm-studio/translations/segllm-studio_xx.qm"))
                     .toStdString());

        // A folder is found too.
        QCOMPARE(segllm::find_data_file("translations").value_or("none"),
                 (home + QStringLiteral("/segllm-studio/translations")).toStdString());
    }

    void findDataFileInSourceTreeFromBuildTree() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QByteArray t = tmp.path().toLocal8Bit();
        ScopedEnv e1("XDG_DATA_HOME", t.constData());
        ScopedEnv e2("XDG_DATA_DIRS", t.constData());
        QCOMPARE(segllm::find_data_file("images/shapes-128.png").value_or("none"),
                 (sourceResources() + QStringLiteral("/images/shapes-128.png")).toStdString());
    }

    void findDataFileRejectsBadNames_data() {
        QTest::addColumn<QString>("relative");
        QTest::newRow("empty") << QString();
        QTest::newRow("absolute") << QStringLiteral("/etc/passwd");
    }
    void findDataFileRejectsBadNames() {
        QFETCH(QString, relative);
        QVERIFY_THROWS_EXCEPTION(segllm::Error, segllm::find_data_file(relative.toStdString()));
    }

    // A copy of the probe in <tmp>/prefix/bin behaves as an installed program: its own
    // share/segllm-studio first, the source tree never, then the XDG folders.
    void installedPrefixLayout_data() {
        QTest::addColumn<QStringList>("modelsIn");  // "prefix", "home", "sys"
        QTest::addColumn<QString>("expectedModelRoot");
        QTest::newRow("no model anywhere: the installed location") << QStringList{} << "prefix";
        QTest::newRow("only the system data folder") << QStringList{"sys"} << "sys";
        QTest::newRow("home before system") << QStringList{"sys", "home"} << "home";
        QTest::newRow("installed before all") << QStringList{"sys", "home", "prefix"} << "prefix";
    }
    void installedPrefixLayout() {
        QFETCH(QStringList, modelsIn);
        QFETCH(QString, expectedModelRoot);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString root = QFileInfo(tmp.path()).canonicalFilePath();
        const QString probe = root + QStringLiteral("/prefix/bin/segllm-paths-probe");
        QVERIFY(QDir().mkpath(root + QStringLiteral("/prefix/bin")));
        QVERIFY(QFile::copy(QStringLiteral(SEGLLM_PATHS_PROBE), probe));
        QVERIFY(QFile::setPermissions(probe, QFile::permissions(probe) | QFile::ExeOwner));
        QVERIFY(makeFile(root + QStringLiteral("/prefix/share/segllm-studio/images/a.png")));
        const QMap<QString, QString> dataRoot{
            {QStringLiteral("prefix"), root + QStringLiteral("/prefix/share/segllm-studio")},
            {QStringLiteral("home"), root + QStringLiteral("/home/segllm-studio")},
            {QStringLiteral("sys"), root + QStringLiteral("/sys/segllm-studio")}};
        for (const QString& where : modelsIn)
            QVERIFY(QDir().mkpath(dataRoot[where] + QStringLiteral("/models/segllm-tiny")));

        const auto r = runClean(probe, {QStringLiteral("images/a.png"), QStringLiteral("none.txt")},
                                {{QStringLiteral("XDG_DATA_HOME"), root + QStringLiteral("/home")},
                                 {QStringLiteral("XDG_DATA_DIRS"), root + QStringLiteral("/sys")}},
                                root);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        const auto m = parseProbe(r.out);
        QCOMPARE(m.value(QStringLiteral("exe")), QStringList{root + QStringLiteral("/prefix/bin")});
        QCOMPARE(m.value(QStringLiteral("data_dir")),
                 (QStringList{dataRoot[QStringLiteral("prefix")], dataRoot[QStringLiteral("home")],
                              dataRoot[QStringLiteral("sys")]}));
        QCOMPARE(m.value(QStringLiteral("model")),
                 QStringList{dataRoot[expectedModelRoot] + QStringLiteral("/models/segllm-tiny")});
        QCOMPARE(m.value(QStringLiteral("file:images/a.png")),
                 QStringList{dataRoot[QStringLiteral("prefix")] + QStringLiteral("/images/a.png")});
        QCOMPARE(m.value(QStringLiteral("file:none.txt")), QStringList{QStringLiteral("-")});
    }

    // Started through a symbolic link (as from /usr/local/bin), the program still finds the
    // data of the prefix it really lives in.
    void symbolicLinkResolvesToRealPrefix() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString root = QFileInfo(tmp.path()).canonicalFilePath();
        const QString probe = root + QStringLiteral("/opt/app/bin/segllm-paths-probe");
        QVERIFY(QDir().mkpath(root + QStringLiteral("/opt/app/bin")));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/links/bin")));
        QVERIFY(QFile::copy(QStringLiteral(SEGLLM_PATHS_PROBE), probe));
        QVERIFY(QFile::link(probe, root + QStringLiteral("/links/bin/probe")));
        const auto r = runClean(root + QStringLiteral("/links/bin/probe"), {},
                                {{QStringLiteral("XDG_DATA_HOME"), root + QStringLiteral("/h")},
                                 {QStringLiteral("XDG_DATA_DIRS"), root + QStringLiteral("/s")}},
                                root);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        const auto m = parseProbe(r.out);
        QCOMPARE(m.value(QStringLiteral("data_dir")).value(0),
                 root + QStringLiteral("/opt/app/share/segllm-studio"));
        QCOMPARE(
            m.value(QStringLiteral("model")),
            QStringList{root + QStringLiteral("/opt/app/share/segllm-studio/models/segllm-tiny")});
    }
};

QTEST_GUILESS_MAIN(TestDataPaths)
#include "test_paths.moc"
