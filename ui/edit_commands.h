#pragma once
// One QUndoCommand per user edit of a document (Qt's Undo Framework pattern): each captures
// the exact before and after state, redo() applies the after state, undo() the before state.

#include "core/export/project.h"
#include "ui/mask_ops.h"

#include <QStringList>
#include <QUndoCommand>

#include <string>

class QUndoStack;

namespace segllm::ui {

class Document;

// The text of a command kept untranslated, so that the undo history follows a language switch:
// the source string in its translation context (mark it with QT_TRANSLATE_NOOP so that lupdate
// finds it) and the arguments for %1, %2, ... (not translated).
struct CommandText {
    const char* context = "";
    const char* source = "";
    QStringList args;
    // The text in the current language with the arguments filled in.
    QString translated() const;
};

// Base of every undo command of a document: its text is set from a CommandText and set again
// in the current language by retranslateCommands.
class TranslatedCommand : public QUndoCommand {
public:
    explicit TranslatedCommand(CommandText text, QUndoCommand* parent = nullptr);
    void retranslate();

private:
    CommandText text_;
};

// Sets the text of every command of `stack` (and their children) in the current language
// (commands that are not TranslatedCommand keep theirs).
void retranslateCommands(QUndoStack* stack);

// Pixels of one instance changed in one rectangle (brush, eraser, polygon add / subtract).
// Commands of one brush stroke (same non-zero `strokeId`) merge into one: each carries the
// pixels from the start of the stroke over the union of everything the stroke touched.
class MaskEditCommand : public TranslatedCommand {
public:
    static constexpr int kId = 0x5e61;

    MaskEditCommand(Document* document, int instanceId, MaskPatch before, MaskPatch after,
                    int strokeId, CommandText text, QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;
    // Strokes merge; other edits (strokeId 0) never do.
    int id() const override { return strokeId_ != 0 ? kId : -1; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    Document* document_;
    int instanceId_;
    MaskPatch before_;
    MaskPatch after_;
    int strokeId_;
    bool wasEdited_ = false;
};

// A new instance (made by hand with the polygon tool) is added at the end of the list.
class AddInstanceCommand : public TranslatedCommand {
public:
    AddInstanceCommand(Document* document, ProjectInstance instance,
                       QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    Document* document_;
    ProjectInstance instance_;
    int index_ = -1;
};

// An instance is deleted; undo puts it back at its place with everything it had.
class RemoveInstanceCommand : public TranslatedCommand {
public:
    RemoveInstanceCommand(Document* document, int instanceId, QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    Document* document_;
    int instanceId_;
    int index_ = -1;
    ProjectInstance removed_;
};

// The category label of an instance changed (an empty label removes it). Like every command it
// moves the document away from its saved state, so the project shows unsaved changes until it
// is saved again; it leaves the instance's `edited` flag alone, which records changes of the
// mask only (see Document::applyLabel).
class LabelCommand : public TranslatedCommand {
public:
    LabelCommand(Document* document, int instanceId, std::string label,
                 QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    Document* document_;
    int instanceId_;
    std::string before_;
    std::string after_;
};

// An instance was shown or hidden (stored in the project, so it is an edit too).
class VisibilityCommand : public TranslatedCommand {
public:
    VisibilityCommand(Document* document, int instanceId, bool visible,
                      QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    Document* document_;
    int instanceId_;
    bool visible_;
};

}  // namespace segllm::ui
