#pragma once
// The interface language: English in the source, German and Simplified Chinese from the .qm
// files compiled at build time and embedded under :/i18n/.

#include <QLocale>
#include <QString>
#include <QStringList>

namespace segllm::ui {

// Language codes with a translation ("en" is the source language).
QStringList availableLanguages();
// Display name of a language code in its own language ("Deutsch"); "" = follow the system.
QString languageName(const QString& code);
// The language to use for the setting `code` ("" = the system locale): an available code, or
// "en" when the system language has no translation.
QString resolveLanguage(const QString& code, const QLocale& system = QLocale::system());
// Resource path of our compiled translation for `code` (which may not exist for "en").
QString translationResource(const QString& code);
// Installs our translator and Qt's own (for standard buttons) for `code` into the application;
// removes translators installed by an earlier call. Returns true when the language is English
// or our translation loaded.
bool installTranslations(const QString& code);

}  // namespace segllm::ui
