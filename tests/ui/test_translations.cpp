// Translations: the German and Chinese .qm files are compiled in, load, and translate known
// strings (also the model load's status and stage names); the language follows the system locale
// unless set.

#include "ui/chat_controller.h"
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

    // The model load's status bar text and stage names (ChatController).
    void translatesLoadStatus_data() {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("weights");
        QTest::addColumn<QString>("warmUp");
        QTest::newRow("en") << QStringLiteral("en") << QStringLiteral("Loading model: %1 %2%")
                            << QStringLiteral("loading weights") << QStringLiteral("warming up");
        QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("Modell wird geladen: %1 %2%")
                            << QStringLiteral("Laden der Gewichte") << QStringLiteral("Aufwärmen");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN") << QStringLiteral("正在加载模型：%1 %2%")
                               << QStringLiteral("加载权重") << QStringLiteral("预热");
    }

    void translatesLoadStatus() {
        QFETCH(QString, language);
        QFETCH(QString, status);
        QFETCH(QString, weights);
        QFETCH(QString, warmUp);
        const char* context = "segllm::ui::ChatController";
        QVERIFY(installTranslations(language));
        QCOMPARE(QCoreApplication::translate(context, "Loading model: %1 %2%"), status);
        QCOMPARE(ChatController::loadStageName(QStringLiteral("loading weights")), weights);
        QCOMPARE(ChatController::loadStageName(QStringLiteral("warm-up")), warmUp);
        QVERIFY(installTranslations(QStringLiteral("en")));
    }
};

QTEST_MAIN(TestTranslations)
#include "test_translations.moc"
