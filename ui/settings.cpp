#include "ui/settings.h"

#include <QDir>

namespace segllm::ui {

namespace {
const QString kWindowGeometry = QStringLiteral("window/geometry");
const QString kWindowState = QStringLiteral("window/state");
const QString kLastImageFolder = QStringLiteral("files/lastImageFolder");
}  // namespace

QByteArray Settings::windowGeometry() const {
    return settings_.value(kWindowGeometry).toByteArray();
}

void Settings::setWindowGeometry(const QByteArray& geometry) {
    settings_.setValue(kWindowGeometry, geometry);
}

QByteArray Settings::windowState() const {
    return settings_.value(kWindowState).toByteArray();
}

void Settings::setWindowState(const QByteArray& state) {
    settings_.setValue(kWindowState, state);
}

QString Settings::lastImageFolder() const {
    return settings_.value(kLastImageFolder, QDir::homePath()).toString();
}

void Settings::setLastImageFolder(const QString& folder) {
    settings_.setValue(kLastImageFolder, folder);
}

}  // namespace segllm::ui
