// Translations: the German and Chinese .qm files are compiled in, load, and translate known
// strings; the language follows the system locale unless set.

#include "ui/translator.h"

#include <QCoreApplication>
#include <QFile>
#include <QTest>

using namespace segllm::ui;

class TestTranslations : public QObject {
    Q_OBJECT

private slots:
    void compiledIn() {
        QVERIFY(QFile::exists(translationResource(QStringLiteral("de"))));
        QVERIFY(QFile::exists(translationResource(QStringLiteral("zh_CN"))));
    }

    void resolvesLanguage() {
        QCOMPARE(resolveLanguage(QString(), QLocale(QLocale::German, QLocale::Austria)),
                 QStringLiteral("de"));
        QCOMPARE(resolveLanguage(QString(), QLocale(QLocale::Chinese, QLocale::China)),
                 QStringLiteral("zh_CN"));
        QCOMPARE(resolveLanguage(QString(), QLocale(QLocale::French, QLocale::France)),
                 QStringLiteral("en"));
        QCOMPARE(resolveLanguage(QStringLiteral("de"), QLocale(QLocale::Chinese, QLocale::China)),
                 QStringLiteral("de"));
    }

    void translatesKnownStrings() {
        const char* context = "segllm::ui::MainWindow";
        QCOMPARE(QCoreApplication::translate(context, "&File"), QStringLiteral("&File"));
        QVERIFY(installTranslations(QStringLiteral("de")));
        QCOMPARE(QCoreApplication::translate(context, "&File"), QStringLiteral("&Datei"));
        QCOMPARE(QCoreApplication::translate("segllm::ui::ActionRegistry", "&Brush"),
                 QStringLiteral("&Pinsel"));
        QVERIFY(installTranslations(QStringLiteral("zh_CN")));
        QCOMPARE(QCoreApplication::translate(context, "&File"), QStringLiteral("文件(&F)"));
        QVERIFY(installTranslations(QStringLiteral("en")));
        QCOMPARE(QCoreApplication::translate(context, "&File"), QStringLiteral("&File"));
    }
};

QTEST_MAIN(TestTranslations)
#include "test_translations.moc"
