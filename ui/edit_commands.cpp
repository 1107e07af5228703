#include "ui/edit_commands.h"

#include "ui/document.h"

#include <QCoreApplication>
#include <QUndoStack>

namespace segllm::ui {

namespace {

// The translation context of the commands' own texts.
constexpr const char* kContext = "EditCommands";

CommandText commandText(const char* source, QStringList args) {
    return CommandText{kContext, source, std::move(args)};
}

void retranslateTree(QUndoCommand* command) {
    if (auto* translated = dynamic_cast<TranslatedCommand*>(command)) {
        translated->retranslate();
    }
    for (int i = 0; i < command->childCount(); ++i) {
        retranslateTree(const_cast<QUndoCommand*>(command->child(i)));
    }
}

}  // namespace

QString CommandText::translated() const {
    const QString text = QCoreApplication::translate(context, source);
    switch (args.size()) {
        case 0:
            return text;
        case 1:
            return text.arg(args[0]);
        case 2:
            return text.arg(args[0], args[1]);
        default:
            return text.arg(args[0], args[1], args[2]);
    }
}

TranslatedCommand::TranslatedCommand(CommandText text, QUndoCommand* parent)
    : QUndoCommand(text.translated(), parent), text_(std::move(text)) {}

void TranslatedCommand::retranslate() {
    setText(text_.translated());
}

void retranslateCommands(QUndoStack* stack) {
    for (int i = 0; i < stack->count(); ++i) {
        retranslateTree(const_cast<QUndoCommand*>(stack->command(i)));
    }
}

MaskEditCommand::MaskEditCommand(Document* document, int instanceId, MaskPatch before,
                                 MaskPatch after, int strokeId, CommandText text,
                                 QUndoCommand* parent)
    : TranslatedCommand(std::move(text), parent),
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
    : TranslatedCommand(commandText(QT_TRANSLATE_NOOP("EditCommands", "Add instance [%1]"),
                                    {QString::number(instance.id)}),
                        parent),
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
    : TranslatedCommand(commandText(QT_TRANSLATE_NOOP("EditCommands", "Delete instance [%1]"),
                                    {QString::number(instanceId)}),
                        parent),
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
    : TranslatedCommand(
          label.empty() ? commandText(QT_TRANSLATE_NOOP("EditCommands", "Remove the label of [%1]"),
                                      {QString::number(instanceId)})
                        : commandText(QT_TRANSLATE_NOOP("EditCommands", "Label [%1] as \"%2\""),
                                      {QString::number(instanceId), QString::fromStdString(label)}),
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
    : TranslatedCommand(
          commandText(visible ? QT_TRANSLATE_NOOP("EditCommands", "Show instance [%1]")
                              : QT_TRANSLATE_NOOP("EditCommands", "Hide instance [%1]"),
                      {QString::number(instanceId)}),
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
