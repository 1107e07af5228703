#pragma once
// Turns the canvas's and the instance panel's gestures into undo commands on the current
// document (the controller of Qt's Undo Framework example): brush and eraser strokes, polygon
// add / subtract, labels, visibility and deletion; clicks select instances and ask for a
// reference.

#include "core/image/mask.h"

#include <QObject>
#include <QPointF>
#include <QPointer>
#include <QPolygonF>
#include <QRect>

namespace segllm::ui {

class Document;
class ImageCanvas;
class Workspace;

class EditController : public QObject {
    Q_OBJECT

public:
    // Brush diameters offered by growBrush() / shrinkBrush() steps (factor per step).
    static constexpr double kBrushStep = 1.25;

    EditController(Workspace* workspace, ImageCanvas* canvas, QObject* parent = nullptr);

    // The document edited (the workspace's current one).
    Document* document() const;

public slots:
    // Selects the instance at `imagePos` (none on the background) and, on an instance, emits
    // instanceReferenceRequested.
    void click(const QPointF& imagePos);
    void beginStroke(const QPointF& imagePos);
    void continueStroke(const QPointF& from, const QPointF& to);
    void endStroke();
    // Adds (PolygonAdd tool; a new instance when none is selected) or subtracts the polygon.
    void applyPolygon(const QPolygonF& polygon);
    void setLabel(const QString& label);
    void setVisible(int id, bool visible);
    void deleteSelected();
    void growBrush();
    void shrinkBrush();
    void resizeBrush(int steps);
    void hover(const QPointF& imagePos);

signals:
    void instanceReferenceRequested(int id);
    // A short explanation for the status bar (e.g. why an edit did nothing).
    void message(const QString& text);

private:
    ImageCanvas* canvas_;
    Workspace* workspace_;
    // The stroke in progress: the selected instance's mask at its start, the mask with the
    // stroke so far, and the area touched.
    QPointer<Document> strokeDocument_;
    int strokeInstance_ = 0;
    int strokeId_ = 0;
    Mask strokeBefore_;
    Mask strokeAfter_;
    QRect strokeRect_;
};

}  // namespace segllm::ui
