#include "ui/edit_commands.h"

#include "ui/document.h"

#include <QCoreApplication>

namespace segllm::ui {

namespace {
struct EditCommands {
    Q_DECLARE_TR_FUNCTIONS(EditCommands)
};
}  // namespace

MaskEditCommand::MaskEditCommand(Document* document, int instanceId, MaskPatch before,
                                 MaskPatch after, int strokeId, const QString& text,
                                 QUndoCommand* parent)
    : QUndoCommand(text, parent),
      document_(document),
      instanceId_(instanceId),
      before_(std::move(before)),
      after_(std::move(after)),
      strokeId_(strokeId) {
    if (const ProjectInstance* instance = document_->instance(instanceId_)) {
        wasEdited_ = instance->edited;
    }
}

void MaskEditCommand::undo() {
    document_->applyPatch(instanceId_, before_, wasEdited_);
}

void MaskEditCommand::redo() {
    document_->applyPatch(instanceId_, after_, true);
}

bool MaskEditCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = static_cast<const MaskEditCommand*>(other);
    if (next->strokeId_ != strokeId_ || next->instanceId_ != instanceId_ ||
        next->document_ != document_) {
        return false;
    }
    // The later command covers the whole stroke so far; wasEdited_ stays the first one's.
    before_ = next->before_;
    after_ = next->after_;
    return true;
}

AddInstanceCommand::AddInstanceCommand(Document* document, ProjectInstance instance,
                                       QUndoCommand* parent)
    : QUndoCommand(EditCommands::tr("Add instance [%1]").arg(instance.id), parent),
      document_(document),
      instance_(std::move(instance)) {}

void AddInstanceCommand::undo() {
    instance_ = document_->applyRemove(instance_.id);
}

void AddInstanceCommand::redo() {
    if (index_ < 0) {
        index_ = static_cast<int>(document_->instances().size());
    }
    document_->applyInsert(index_, instance_);
}

RemoveInstanceCommand::RemoveInstanceCommand(Document* document, int instanceId,
                                             QUndoCommand* parent)
    : QUndoCommand(EditCommands::tr("Delete instance [%1]").arg(instanceId), parent),
      document_(document),
      instanceId_(instanceId) {}

void RemoveInstanceCommand::undo() {
    document_->applyInsert(index_, std::move(removed_));
    removed_ = ProjectInstance{};
}

void RemoveInstanceCommand::redo() {
    index_ = document_->indexOf(instanceId_);
    removed_ = document_->applyRemove(instanceId_);
}

LabelCommand::LabelCommand(Document* document, int instanceId, std::string label,
                           QUndoCommand* parent)
    : QUndoCommand(label.empty() ? EditCommands::tr("Remove the label of [%1]").arg(instanceId)
                                 : EditCommands::tr("Label [%1] as \"%2\"")
                                       .arg(instanceId)
                                       .arg(QString::fromStdString(label)),
                   parent),
      document_(document),
      instanceId_(instanceId),
      after_(std::move(label)) {
    if (const ProjectInstance* instance = document_->instance(instanceId_)) {
        before_ = instance->label;
    }
}

void LabelCommand::undo() {
    document_->applyLabel(instanceId_, before_);
}

void LabelCommand::redo() {
    document_->applyLabel(instanceId_, after_);
}

VisibilityCommand::VisibilityCommand(Document* document, int instanceId, bool visible,
                                     QUndoCommand* parent)
    : QUndoCommand(visible ? EditCommands::tr("Show instance [%1]").arg(instanceId)
                           : EditCommands::tr("Hide instance [%1]").arg(instanceId),
                   parent),
      document_(document),
      instanceId_(instanceId),
      visible_(visible) {}

void VisibilityCommand::undo() {
    document_->applyVisible(instanceId_, !visible_);
}

void VisibilityCommand::redo() {
    document_->applyVisible(instanceId_, visible_);
}

}  // namespace segllm::ui
