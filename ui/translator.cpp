#include "ui/translator.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QPointer>
#include <QTranslator>

namespace segllm::ui {

QStringList availableLanguages() {
    return {QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("zh_CN")};
}

QString languageName(const QString& code) {
    if (code.isEmpty()) {
        return QCoreApplication::translate("segllm::ui::Translator", "System language");
    }
    if (code == QLatin1String("en")) {
        return QStringLiteral("English");
    }
    if (code == QLatin1String("de")) {
        return QStringLiteral("Deutsch");
    }
    if (code == QLatin1String("zh_CN")) {
        return QStringLiteral("简体中文");
    }
    return code;
}

QString resolveLanguage(const QString& code, const QLocale& system) {
    if (availableLanguages().contains(code)) {
        return code;
    }
    if (system.language() == QLocale::German) {
        return QStringLiteral("de");
    }
    if (system.language() == QLocale::Chinese &&
        system.script() != QLocale::TraditionalChineseScript) {
        return QStringLiteral("zh_CN");
    }
    return QStringLiteral("en");
}

QString translationResource(const QString& code) {
    return QStringLiteral(":/i18n/segllm-studio_%1.qm").arg(code);
}

bool installTranslations(const QString& code) {
    static QPointer<QTranslator> ours;
    static QPointer<QTranslator> qt;
    for (QTranslator* old : {ours.data(), qt.data()}) {
        if (old != nullptr) {
            QCoreApplication::removeTranslator(old);
            delete old;
        }
    }
    const QString language = resolveLanguage(code);
    if (language == QLatin1String("en")) {
        return true;
    }
    auto* translator = new QTranslator(QCoreApplication::instance());
    if (!translator->load(translationResource(language))) {
        delete translator;
        return false;
    }
    QCoreApplication::installTranslator(translator);
    ours = translator;
    auto* base = new QTranslator(QCoreApplication::instance());
    if (base->load(QStringLiteral("qtbase_") + language,
                   QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(base);
        qt = base;
    } else {
        delete base;
    }
    return true;
}

}  // namespace segllm::ui
