#include "ui/edit_controller.h"

#include "ui/document.h"
#include "ui/edit_commands.h"
#include "ui/image_canvas.h"
#include "ui/log.h"
#include "ui/mask_ops.h"
#include "ui/workspace.h"

#include <QUndoStack>

#include <cmath>

namespace segllm::ui {

namespace {
// tr()'s context of this class, for the undo commands' texts (CommandText).
constexpr const char* kContext = "segllm::ui::EditController";
}  // namespace

EditController::EditController(Workspace* workspace, ImageCanvas* canvas, QObject* parent)
    : QObject(parent), canvas_(canvas), workspace_(workspace) {
    connect(canvas, &ImageCanvas::clicked, this, &EditController::click);
    connect(canvas, &ImageCanvas::strokeStarted, this, &EditController::beginStroke);
    connect(canvas, &ImageCanvas::strokeMoved, this, &EditController::continueStroke);
    connect(canvas, &ImageCanvas::strokeFinished, this, &EditController::endStroke);
    connect(canvas, &ImageCanvas::polygonFinished, this, &EditController::applyPolygon);
    connect(canvas, &ImageCanvas::brushResizeRequested, this, &EditController::resizeBrush);
    connect(canvas, &ImageCanvas::cursorMoved, this, &EditController::hover);
    connect(canvas, &ImageCanvas::cursorLeft, this, [this] {
        if (Document* doc = document()) {
            doc->setHoveredId(0);
        }
    });
}

Document* EditController::document() const {
    return workspace_->currentDocument();
}

namespace {
QPoint pixelOf(const QPointF& p) {
    return QPoint(static_cast<int>(std::floor(p.x())), static_cast<int>(std::floor(p.y())));
}
}  // namespace

void EditController::click(const QPointF& imagePos) {
    Document* doc = document();
    if (doc == nullptr) {
        return;
    }
    const int id = doc->instanceAt(pixelOf(imagePos));
    doc->setSelectedId(id);
    if (id > 0) {
        emit instanceReferenceRequested(id);
    }
}

void EditController::hover(const QPointF& imagePos) {
    if (Document* doc = document()) {
        doc->setHoveredId(doc->instanceAt(pixelOf(imagePos)));
    }
}

void EditController::beginStroke(const QPointF& imagePos) {
    Document* doc = document();
    const ProjectInstance* instance = doc ? doc->instance(doc->selectedId()) : nullptr;
    if (instance == nullptr) {
        emit message(tr("Select an instance to paint on (or draw a polygon to add one)."));
        return;
    }
    static int strokeCounter = 0;
    strokeDocument_ = doc;
    strokeInstance_ = instance->id;
    strokeId_ = ++strokeCounter;
    strokeBefore_ = instance->mask;
    strokeAfter_ = instance->mask;
    strokeRect_ = QRect();
    continueStroke(imagePos, imagePos);
}

void EditController::continueStroke(const QPointF& from, const QPointF& to) {
    if (strokeDocument_ == nullptr || strokeDocument_ != document() ||
        strokeDocument_->instance(strokeInstance_) == nullptr) {
        strokeDocument_ = nullptr;
        return;
    }
    const bool erase = canvas_->tool() == CanvasTool::Eraser;
    const QRect touched =
        paintSegment(strokeAfter_, from, to, canvas_->brushDiameter(), erase ? 0 : 1);
    if (touched.isEmpty()) {
        return;
    }
    strokeRect_ |= touched;
    strokeDocument_->undoStack()->push(new MaskEditCommand(
        strokeDocument_, strokeInstance_, copyPatch(strokeBefore_, strokeRect_),
        copyPatch(strokeAfter_, strokeRect_), strokeId_,
        CommandText{kContext,
                    erase ? QT_TRANSLATE_NOOP("segllm::ui::EditController", "Erase from [%1]")
                          : QT_TRANSLATE_NOOP("segllm::ui::EditController", "Paint on [%1]"),
                    {QString::number(strokeInstance_)}}));
}

void EditController::endStroke() {
    strokeDocument_ = nullptr;
    strokeBefore_ = Mask();
    strokeAfter_ = Mask();
}

void EditController::applyPolygon(const QPolygonF& polygon) {
    Document* doc = document();
    if (doc == nullptr || doc->size().isEmpty()) {
        return;
    }
    const bool add = canvas_->tool() != CanvasTool::PolygonSubtract;
    const ProjectInstance* instance = doc->instance(doc->selectedId());
    if (instance == nullptr) {
        if (!add) {
            emit message(tr("Select the instance to subtract from."));
            return;
        }
        ProjectInstance made;
        made.id = doc->nextInstanceId();
        made.mask = Mask(doc->size().width(), doc->size().height());
        fillPolygon(made.mask, polygon, 1);
        const auto box = mask_box(made.mask);
        if (!box) {
            emit message(tr("The polygon covers no pixel centre; nothing was added."));
            return;
        }
        made.box = *box;
        made.score = 1.0f;
        made.edited = true;
        const int id = made.id;
        doc->undoStack()->push(new AddInstanceCommand(doc, std::move(made)));
        doc->setSelectedId(id);
        return;
    }
    Mask after = instance->mask;
    const QRect area = fillPolygon(after, polygon, add ? 1 : 0);
    if (area.isEmpty()) {
        return;
    }
    MaskPatch before = copyPatch(instance->mask, area);
    MaskPatch changed = copyPatch(after, area);
    if (before == changed) {
        emit message(tr("The polygon changed no pixel of [%1].").arg(instance->id));
        return;
    }
    const int id = instance->id;
    doc->undoStack()->push(new MaskEditCommand(
        doc, id, std::move(before), std::move(changed), 0,
        CommandText{
            kContext,
            add ? QT_TRANSLATE_NOOP("segllm::ui::EditController", "Add polygon to [%1]")
                : QT_TRANSLATE_NOOP("segllm::ui::EditController", "Subtract polygon from [%1]"),
            {QString::number(id)}}));
}

void EditController::setLabel(const QString& label) {
    Document* doc = document();
    const ProjectInstance* instance = doc ? doc->instance(doc->selectedId()) : nullptr;
    const std::string text = label.trimmed().toStdString();
    if (instance == nullptr || instance->label == text) {
        return;
    }
    workspace_->addLabel(label);
    doc->undoStack()->push(new LabelCommand(doc, instance->id, text));
}

void EditController::setVisible(int id, bool visible) {
    Document* doc = document();
    const ProjectInstance* instance = doc ? doc->instance(id) : nullptr;
    if (instance == nullptr || instance->visible == visible) {
        return;
    }
    doc->undoStack()->push(new VisibilityCommand(doc, id, visible));
}

void EditController::deleteSelected() {
    Document* doc = document();
    if (doc == nullptr || doc->instance(doc->selectedId()) == nullptr) {
        return;
    }
    doc->undoStack()->push(new RemoveInstanceCommand(doc, doc->selectedId()));
}

void EditController::growBrush() {
    resizeBrush(1);
}

void EditController::shrinkBrush() {
    resizeBrush(-1);
}

void EditController::resizeBrush(int steps) {
    canvas_->setBrushDiameter(std::round(canvas_->brushDiameter() * std::pow(kBrushStep, steps)) +
                              (steps > 0 ? 1 : 0));
    emit message(tr("Brush size %1 px").arg(canvas_->brushDiameter()));
}

}  // namespace segllm::ui
