#pragma once
// The open work: an ordered list of images (a folder, a project, or images opened one by one),
// one Document per visited image, the current image, a QUndoGroup whose active stack is the
// current document's, and the label list offered to the annotator.

#include "core/export/project.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

class QUndoGroup;

namespace segllm::ui {

class Document;

class Workspace : public QObject {
    Q_OBJECT

public:
    explicit Workspace(QObject* parent = nullptr);
    ~Workspace() override;

    int imageCount() const { return static_cast<int>(entries_.size()); }
    // Absolute path of image `index`.
    QString imagePath(int index) const;
    int indexOf(const QString& path) const;
    // -1 when there is no image.
    int currentIndex() const { return current_; }
    // The document of the current image (nullptr when there is none).
    Document* currentDocument() const;
    // The document of image `index`, created on first use.
    Document* document(int index);

    // Replaces the image list (documents and undo history are dropped); no current image.
    void setImages(const QStringList& paths);
    // Appends `path` unless it is already there; returns its index.
    int addImage(const QString& path);
    // Makes `index` current (its undo stack becomes the group's active one) and emits
    // currentChanged. Returns false for an index out of range.
    bool setCurrentIndex(int index);
    bool next();
    bool previous();

    QUndoGroup* undoGroup() const { return undoGroup_; }

    QStringList labels() const { return labels_; }
    // Adds a label to the list (ignored when empty or present). Labels come with the label
    // edits that use them, so this alone is not an unsaved change.
    void addLabel(const QString& label);

    // The whole workspace as a project: visited images from their documents, others from the
    // loaded project or, if never loaded, with their size read from the file and no instances.
    // Its labels: labels(), then any other label an instance uses.
    Project toProject() const;
    // The project of one image (with the label list).
    Project imageProject(int index) const;
    // Replaces everything with `project` (no current image; call setCurrentIndex).
    void loadProject(const Project& project);

    // Unsaved changes: an undo stack away from its clean state or a changed image/label list.
    bool isModified() const;
    // Marks the present state as saved.
    void markSaved();
    // Marks the workspace as changed without an undo command (e.g. restored from recovery).
    void markModified();

    // Image files of `folder` that Qt can read, sorted by name (natural order).
    static QStringList imagesInFolder(const QString& folder);

signals:
    void currentChanged(int index);
    void imagesChanged();
    void labelsChanged();
    void modifiedChanged(bool modified);

private:
    struct Entry {
        QString path;
        std::optional<ProjectImage> stored;  // from a loaded project, until visited
        std::unique_ptr<Document> document;
    };
    ProjectImage imageData(const Entry& entry) const;
    void clear();
    void setStructureModified(bool modified);
    void notifyModified();

    std::vector<Entry> entries_;
    int current_ = -1;
    QUndoGroup* undoGroup_ = nullptr;
    QStringList labels_;
    bool structureModified_ = false;
    bool fromProject_ = false;
    bool lastModified_ = false;
};

}  // namespace segllm::ui
