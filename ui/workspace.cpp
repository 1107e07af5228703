#include "ui/workspace.h"

#include "ui/document.h"
#include "ui/log.h"

#include <QDir>
#include <QFileInfo>
#include <QImageIOHandler>
#include <QImageReader>
#include <QRegularExpression>
#include <QUndoGroup>
#include <QUndoStack>

#include <algorithm>

namespace segllm::ui {

Workspace::Workspace(QObject* parent) : QObject(parent), undoGroup_(new QUndoGroup(this)) {}

Workspace::~Workspace() {
    clear();
}

QString Workspace::imagePath(int index) const {
    if (index < 0 || index >= imageCount()) {
        return QString();
    }
    return entries_[static_cast<std::size_t>(index)].path;
}

int Workspace::indexOf(const QString& path) const {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < imageCount(); ++i) {
        if (entries_[static_cast<std::size_t>(i)].path == absolute) {
            return i;
        }
    }
    return -1;
}

Document* Workspace::currentDocument() const {
    if (current_ < 0) {
        return nullptr;
    }
    return entries_[static_cast<std::size_t>(current_)].document.get();
}

Document* Workspace::document(int index) {
    if (index < 0 || index >= imageCount()) {
        return nullptr;
    }
    Entry& entry = entries_[static_cast<std::size_t>(index)];
    if (!entry.document) {
        ProjectImage image;
        if (entry.stored) {
            image = std::move(*entry.stored);
            entry.stored.reset();
        } else {
            image.path = entry.path.toStdString();
        }
        entry.document = std::make_unique<Document>(std::move(image));
        undoGroup_->addStack(entry.document->undoStack());
        connect(entry.document.get(), &Document::modifiedChanged, this, &Workspace::notifyModified);
    }
    return entry.document.get();
}

void Workspace::clear() {
    undoGroup_->setActiveStack(nullptr);
    entries_.clear();
    current_ = -1;
}

void Workspace::setImages(const QStringList& paths) {
    clear();
    for (const QString& path : paths) {
        entries_.push_back(Entry{QFileInfo(path).absoluteFilePath(), std::nullopt, nullptr});
    }
    fromProject_ = false;
    setStructureModified(false);
    emit imagesChanged();
    emit currentChanged(-1);
}

int Workspace::addImage(const QString& path) {
    const int existing = indexOf(path);
    if (existing >= 0) {
        return existing;
    }
    entries_.push_back(Entry{QFileInfo(path).absoluteFilePath(), std::nullopt, nullptr});
    // Adding to a saved project changes it; an untitled list of viewed images is not work.
    if (fromProject_) {
        setStructureModified(true);
    }
    emit imagesChanged();
    return imageCount() - 1;
}

bool Workspace::setCurrentIndex(int index) {
    if (index < 0 || index >= imageCount()) {
        return false;
    }
    current_ = index;
    undoGroup_->setActiveStack(document(index)->undoStack());
    emit currentChanged(index);
    return true;
}

bool Workspace::next() {
    return current_ + 1 < imageCount() && setCurrentIndex(current_ + 1);
}

bool Workspace::previous() {
    return current_ > 0 && setCurrentIndex(current_ - 1);
}

void Workspace::addLabel(const QString& label) {
    const QString trimmed = label.trimmed();
    if (trimmed.isEmpty() || labels_.contains(trimmed)) {
        return;
    }
    labels_.append(trimmed);
    emit labelsChanged();
}

ProjectImage Workspace::imageData(const Entry& entry) const {
    if (entry.document) {
        ProjectImage image = entry.document->data();
        if (image.width > 0) {
            return image;
        }
    } else if (entry.stored) {
        return *entry.stored;
    }
    ProjectImage image;
    image.path = entry.path.toStdString();
    QImageReader reader(entry.path);
    reader.setAutoTransform(true);
    QSize size = reader.size();
    if (reader.transformation() & QImageIOHandler::TransformationRotate90) {
        size.transpose();
    }
    image.width = std::max(0, size.width());
    image.height = std::max(0, size.height());
    if (image.width == 0) {
        qCWarning(lcWorkspace) << "cannot read the size of" << entry.path << reader.errorString();
    }
    return image;
}

namespace {
// The label list, then labels that instances use but the list lacks, in order of appearance.
void fillLabels(Project& project, const QStringList& labels) {
    for (const QString& label : labels) {
        project.labels.push_back(label.toStdString());
    }
    for (const ProjectImage& image : project.images) {
        for (const ProjectInstance& instance : image.instances) {
            if (!instance.label.empty() && std::find(project.labels.begin(), project.labels.end(),
                                                     instance.label) == project.labels.end()) {
                project.labels.push_back(instance.label);
            }
        }
    }
}
}  // namespace

Project Workspace::toProject() const {
    Project project;
    for (const Entry& entry : entries_) {
        project.images.push_back(imageData(entry));
    }
    fillLabels(project, labels_);
    return project;
}

Project Workspace::imageProject(int index) const {
    Project project;
    if (index >= 0 && index < imageCount()) {
        project.images.push_back(imageData(entries_[static_cast<std::size_t>(index)]));
    }
    fillLabels(project, labels_);
    return project;
}

void Workspace::loadProject(const Project& project) {
    clear();
    for (const ProjectImage& image : project.images) {
        const QString path =
            QFileInfo(QString::fromStdString(image.path.string())).absoluteFilePath();
        ProjectImage stored = image;
        stored.path = path.toStdString();
        entries_.push_back(Entry{path, std::move(stored), nullptr});
    }
    labels_.clear();
    for (const std::string& label : project.labels) {
        labels_.append(QString::fromStdString(label));
    }
    fromProject_ = true;
    setStructureModified(false);
    emit imagesChanged();
    emit labelsChanged();
    emit currentChanged(-1);
}

bool Workspace::isModified() const {
    if (structureModified_) {
        return true;
    }
    return std::any_of(entries_.begin(), entries_.end(), [](const Entry& entry) {
        return entry.document && entry.document->isModified();
    });
}

void Workspace::markSaved() {
    for (Entry& entry : entries_) {
        if (entry.document) {
            entry.document->undoStack()->setClean();
        }
    }
    setStructureModified(false);
}

void Workspace::markModified() {
    setStructureModified(true);
}

void Workspace::setStructureModified(bool modified) {
    structureModified_ = modified;
    notifyModified();
}

void Workspace::notifyModified() {
    const bool modified = isModified();
    if (modified != lastModified_) {
        lastModified_ = modified;
        emit modifiedChanged(modified);
    }
}

namespace {
// "img-2" < "img-10": digit runs compare as numbers, the rest case-insensitively (and by case
// only when everything else is equal), independent of the locale.
bool naturalLess(const QString& a, const QString& b) {
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            int ie = i;
            int je = j;
            while (ie < a.size() && a[ie].isDigit()) {
                ++ie;
            }
            while (je < b.size() && b[je].isDigit()) {
                ++je;
            }
            // Compare without leading zeros: longer is larger, then digit by digit.
            const QString da = a.mid(i, ie - i).remove(QRegularExpression(QStringLiteral("^0+")));
            const QString db = b.mid(j, je - j).remove(QRegularExpression(QStringLiteral("^0+")));
            if (da.size() != db.size()) {
                return da.size() < db.size();
            }
            if (da != db) {
                return da < db;
            }
            i = ie;
            j = je;
            continue;
        }
        const QChar ca = a[i].toCaseFolded();
        const QChar cb = b[j].toCaseFolded();
        if (ca != cb) {
            return ca < cb;
        }
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j)) {
        return (a.size() - i) < (b.size() - j);
    }
    return a < b;
}
}  // namespace

QStringList Workspace::imagesInFolder(const QString& folder) {
    QStringList patterns;
    for (const QByteArray& format : QImageReader::supportedImageFormats()) {
        patterns << QStringLiteral("*.") + QString::fromLatin1(format);
    }
    const QDir dir(folder);
    QStringList names = dir.entryList(patterns, QDir::Files | QDir::Readable);
    std::sort(names.begin(), names.end(),
              [](const QString& a, const QString& b) { return naturalLess(a, b); });
    QStringList paths;
    for (const QString& name : names) {
        paths << dir.absoluteFilePath(name);
    }
    return paths;
}

}  // namespace segllm::ui
