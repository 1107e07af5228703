#pragma once
// One image of the workspace as the GUI edits it: its instances (core/export's ProjectImage),
// the selected and the hovered instance, and its own undo stack. Edits made by the user go
// through undo commands (ui/edit_commands.h), which call the apply* functions below; nothing
// else changes the instances.

#include "core/export/project.h"
#include "ui/mask_ops.h"

#include <QObject>
#include <QPoint>
#include <QRect>
#include <QSize>
#include <QString>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

class QUndoStack;

namespace segllm::ui {

class Document : public QObject {
    Q_OBJECT

public:
    // `image` holds the path, the size (0 x 0 until known) and the instances.
    explicit Document(ProjectImage image, QObject* parent = nullptr);
    ~Document() override;

    // The image, its instances and rounds, as the project file and the exports read them.
    const ProjectImage& data() const { return image_; }
    QString path() const;
    QSize size() const { return QSize(image_.width, image_.height); }
    // Sets the image size once it is known (the instances must already have it). Returns false
    // (and changes nothing) when the document has instances of another size.
    bool setSize(const QSize& size);

    const std::vector<ProjectInstance>& instances() const { return image_.instances; }
    // The instance with `id`, or nullptr.
    const ProjectInstance* instance(int id) const;
    // Position of `id` in instances(), or -1.
    int indexOf(int id) const;
    // The topmost (last drawn) visible instance covering pixel `p`; 0 if none.
    int instanceAt(const QPoint& p) const;
    // An id not used by any instance (one more than the largest).
    int nextInstanceId() const;

    QUndoStack* undoStack() const { return undoStack_; }
    // True while the undo stack is not at its clean (saved) index.
    bool isModified() const;

    int selectedId() const { return selectedId_; }
    // Selects `id` (0 = none; an unknown id selects none).
    void setSelectedId(int id);
    int hoveredId() const { return hoveredId_; }
    void setHoveredId(int id);

    // -- used by the undo commands only --
    // Inserts `instance` at `index` (clamped) and emits instanceAdded.
    void applyInsert(int index, ProjectInstance instance);
    // Removes and returns the instance `id` (which must exist); emits instanceRemoved.
    ProjectInstance applyRemove(int id);
    // Writes `patch` into the instance's mask, recomputes its box, sets `edited`.
    void applyPatch(int id, const MaskPatch& patch, bool edited);
    // Sets the label. The instance's `edited` flag is not touched: in the project file and in
    // the engine it means "the mask was changed by hand" (brush, polygon, picked alternative),
    // which a label does not do; the unsaved state comes from the undo stack instead.
    void applyLabel(int id, const std::string& label);
    void applyVisible(int id, bool visible);
    // Appends a chat round (ui/chat_controller.h's round command) and emits roundsChanged.
    void applyAddRound(ProjectRound round);
    // Removes the last round (there must be one) and emits roundsChanged.
    ProjectRound applyRemoveLastRound();

signals:
    void instanceAdded(int id);
    // Anything of the instance changed (mask, label, visibility, edited flag).
    void instanceChanged(int id);
    // The instance's mask changed inside `rect` (emitted before instanceChanged).
    void maskChanged(int id, const QRect& rect);
    void instanceRemoved(int id);
    void selectionChanged(int id);
    void hoverChanged(int id);
    void modifiedChanged(bool modified);
    // A round was added to or removed from the conversation.
    void roundsChanged();

private:
    ProjectInstance* find(int id);

    ProjectImage image_;
    // Tight mask boxes of edited instances (the stored box may differ before the first edit).
    std::unordered_map<int, std::optional<PixelBox>> tightBoxes_;
    QUndoStack* undoStack_ = nullptr;
    int selectedId_ = 0;
    int hoveredId_ = 0;
};

}  // namespace segllm::ui
