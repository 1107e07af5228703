// The .deb: cpack (the CPackConfig.cmake of this build) writes it into a temporary folder, then
// dpkg-deb shows its control fields (name, version, section, dependencies computed by
// dpkg-shlibdeps plus the explicit runtime packages) and its file list (the install layout under
// /usr).

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kAppId = QStringLiteral(SEGLLM_APP_ID);

struct Output {
    int exitCode = -1;
    QString out;
    QString err;
};

Output runTool(const QString& program, const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(program, args);
    Output o;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return o;
    }
    o.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    o.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    o.err = QString::fromLocal8Bit(p.readAllStandardError());
    return o;
}

// The package names of a Depends field ("a (>= 1), b | c" -> a, b, c).
QStringList packageNames(const QString& depends) {
    QStringList names;
    for (const QString& alternative : depends.split(QRegularExpression(QStringLiteral("[,|]")))) {
        const QString name = alternative.trimmed().section(QLatin1Char(' '), 0, 0);
        if (!name.isEmpty())
            names.append(name);
    }
    return names;
}

}  // namespace

class TestDebPackage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir out_;
    QString deb_;

    QString field(const QString& name) {
        const Output o =
            runTool(QStringLiteral(SEGLLM_DPKG_DEB), {QStringLiteral("--field"), deb_, name});
        return o.out.trimmed();
    }

private slots:
    void initTestCase() {
        QVERIFY(out_.isValid());
        const Output o = runTool(
            QStringLiteral(SEGLLM_CPACK_COMMAND),
            {QStringLiteral("--config"), QStringLiteral(SEGLLM_BUILD_DIR "/CPackConfig.cmake"),
             QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), out_.path()});
        QVERIFY2(o.exitCode == 0, qPrintable(o.out + o.err));
        const QStringList debs =
            QDir(out_.path()).entryList({QStringLiteral("*.deb")}, QDir::Files);
        QCOMPARE(debs.size(), 1);
        deb_ = out_.filePath(debs.first());
        const QString arch =
            runTool(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")}).out.trimmed();
        QCOMPARE(debs.first(), QStringLiteral("segllm-studio_" SEGLLM_EXPECTED_VERSION "_") + arch +
                                   QStringLiteral(".deb"));
    }

    void controlFields() {
        QCOMPARE(field(QStringLiteral("Package")), QStringLiteral("segllm-studio"));
        QCOMPARE(field(QStringLiteral("Version")), QStringLiteral(SEGLLM_EXPECTED_VERSION));
        QCOMPARE(field(QStringLiteral("Section")), QStringLiteral("graphics"));
        QVERIFY(field(QStringLiteral("Maintainer")).contains(QLatin1Char('@')));
        QVERIFY(field(QStringLiteral("Description")).contains(QStringLiteral("SegLLM")));
    }

    void dependsComputedAndExplicit() {
        const QStringList names = packageNames(field(QStringLiteral("Depends")));
        // Explicit: what dpkg-shlibdeps cannot see.
        QVERIFY2(names.contains(QStringLiteral("libopenblas0-openmp")),
                 qPrintable(names.join(',')));
        // Computed by dpkg-shlibdeps from the linked libraries.
        QVERIFY2(!names.filter(QRegularExpression(QStringLiteral("^libtorch\\d"))).isEmpty(),
                 qPrintable(names.join(',')));
        QVERIFY(names.contains(QStringLiteral("libc6")));
        QVERIFY(names.contains(QStringLiteral("libstdc++6")));
        if (SEGLLM_TEST_HAVE_TOKENIZER)
            QVERIFY2(
                !names.filter(QRegularExpression(QStringLiteral("^libsentencepiece\\d"))).isEmpty(),
                qPrintable(names.join(',')));
        if (SEGLLM_TEST_HAVE_GUI) {
            QVERIFY(names.contains(QStringLiteral("libqt6widgets6")));
            QVERIFY(names.contains(QStringLiteral("qt6-qpa-plugins")));
            QVERIFY(names.contains(QStringLiteral("libqt6svg6")));
        }
    }

    void fileList_data() {
        QTest::addColumn<QString>("path");
        auto row = [](const QString& p) { QTest::newRow(qPrintable(p)) << p; };
        row(QStringLiteral("./usr/bin/segllm"));
        row(QStringLiteral("./usr/share/segllm-studio/images/shapes-128.png"));
        if (SEGLLM_TEST_HAVE_TOKENIZER)
            row(QStringLiteral("./usr/" SEGLLM_INSTALL_PRIVATE_LIBDIR "/libsegllm_spm_shim.so"));
        if (SEGLLM_TEST_HAVE_MAN)
            row(QStringLiteral("./usr/share/man/man1/segllm.1.gz"));
        if (SEGLLM_TEST_HAVE_GUI) {
            row(QStringLiteral("./usr/bin/segllm-studio"));
            row(QStringLiteral("./usr/share/applications/") + kAppId + QStringLiteral(".desktop"));
            row(QStringLiteral("./usr/share/metainfo/") + kAppId + QStringLiteral(".metainfo.xml"));
            row(QStringLiteral("./usr/share/icons/hicolor/scalable/apps/") + kAppId +
                QStringLiteral(".svg"));
        }
        if (SEGLLM_TEST_HAVE_PNG_ICONS)
            row(QStringLiteral("./usr/share/icons/hicolor/48x48/apps/") + kAppId +
                QStringLiteral(".png"));
    }
    void fileList() {
        QFETCH(QString, path);
        const Output o =
            runTool(QStringLiteral(SEGLLM_DPKG_DEB), {QStringLiteral("--contents"), deb_});
        QCOMPARE(o.exitCode, 0);
        QStringList paths;
        for (const QString& line : o.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            paths.append(line.section(QLatin1Char(' '), -1));
        QVERIFY2(paths.contains(path), qPrintable(o.out));
    }
};

QTEST_GUILESS_MAIN(TestDebPackage)
#include "test_deb_package.moc"
