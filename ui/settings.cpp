#include "ui/settings.h"

#include "core/common/paths.h"

#include <QCoreApplication>
#include <QDir>

#include <algorithm>

namespace segllm::ui {

namespace {
const QString kWindowGeometry = QStringLiteral("window/geometry");
const QString kWindowState = QStringLiteral("window/state");
const QString kLastImageFolder = QStringLiteral("files/lastImageFolder");
const QString kLastProjectFolder = QStringLiteral("files/lastProjectFolder");
const QString kModelFolder = QStringLiteral("model/folder");
const QString kDevice = QStringLiteral("model/device");
const QString kDtype = QStringLiteral("model/dtype");
const QString kLanguage = QStringLiteral("ui/language");
const QString kAutosaveEnabled = QStringLiteral("autosave/enabled");
const QString kAutosaveInterval = QStringLiteral("autosave/intervalMinutes");
const QString kRecentLabels = QStringLiteral("labels/recent");
const QString kRecoveryFile = QStringLiteral("recovery/file");
const QString kRecoveryProject = QStringLiteral("recovery/project");
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

QString Settings::lastProjectFolder() const {
    return settings_.value(kLastProjectFolder, lastImageFolder()).toString();
}

void Settings::setLastProjectFolder(const QString& folder) {
    settings_.setValue(kLastProjectFolder, folder);
}

QString Settings::shippedModelFolder() {
    // The same search as the command line (core/common/paths.h): installed prefix, build tree,
    // then the XDG data folders.
    return QDir::cleanPath(QString::fromStdString(segllm::default_model_dir()));
}

QString Settings::modelFolder() const {
    return settings_.value(kModelFolder, shippedModelFolder()).toString();
}

void Settings::setModelFolder(const QString& folder) {
    settings_.setValue(kModelFolder, folder);
}

QString Settings::device() const {
    const QString value = settings_.value(kDevice, QStringLiteral("auto")).toString();
    return QStringList{QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")}
                   .contains(value)
               ? value
               : QStringLiteral("auto");
}

void Settings::setDevice(const QString& device) {
    settings_.setValue(kDevice, device);
}

QString Settings::dtype() const {
    const QString value = settings_.value(kDtype, QStringLiteral("f32")).toString();
    return QStringList{QStringLiteral("f32"), QStringLiteral("bf16"), QStringLiteral("f16")}
                   .contains(value)
               ? value
               : QStringLiteral("f32");
}

void Settings::setDtype(const QString& dtype) {
    settings_.setValue(kDtype, dtype);
}

QString Settings::language() const {
    return settings_.value(kLanguage).toString();
}

void Settings::setLanguage(const QString& language) {
    settings_.setValue(kLanguage, language);
}

bool Settings::autosaveEnabled() const {
    return settings_.value(kAutosaveEnabled, true).toBool();
}

void Settings::setAutosaveEnabled(bool enabled) {
    settings_.setValue(kAutosaveEnabled, enabled);
}

int Settings::autosaveIntervalMinutes() const {
    return std::clamp(settings_.value(kAutosaveInterval, 2).toInt(), 1, 120);
}

void Settings::setAutosaveIntervalMinutes(int minutes) {
    settings_.setValue(kAutosaveInterval, std::clamp(minutes, 1, 120));
}

QStringList Settings::recentLabels() const {
    return settings_.value(kRecentLabels).toStringList();
}

void Settings::addRecentLabel(const QString& label) {
    if (label.trimmed().isEmpty()) {
        return;
    }
    QStringList labels = recentLabels();
    labels.removeAll(label.trimmed());
    labels.prepend(label.trimmed());
    while (labels.size() > kMaxRecentLabels) {
        labels.removeLast();
    }
    settings_.setValue(kRecentLabels, labels);
}

QString Settings::recoveryFile() const {
    return settings_.value(kRecoveryFile).toString();
}

QString Settings::recoveryProject() const {
    return settings_.value(kRecoveryProject).toString();
}

void Settings::setRecovery(const QString& file, const QString& project) {
    settings_.setValue(kRecoveryFile, file);
    settings_.setValue(kRecoveryProject, project);
}

void Settings::clearRecovery() {
    settings_.remove(kRecoveryFile);
    settings_.remove(kRecoveryProject);
}

}  // namespace segllm::ui
