#pragma once
// The image view: draws the visible part of one image under a zoom-and-pan transform, the
// instance overlays of a document on top (with the same transform), and reports the user's
// gestures (clicks, brush strokes, finished polygons). It never edits the document itself.

#include <QImage>
#include <QPixmap>
#include <QPointF>
#include <QPolygonF>
#include <QWidget>

namespace segllm::ui {

class Document;
class OverlayCache;

// What a left-button gesture on the canvas does.
enum class CanvasTool {
    Select,           // click selects (and references) an instance, drag pans
    Brush,            // drag paints the selected instance
    Eraser,           // drag erases from the selected instance
    PolygonAdd,       // click points, Enter or double-click closes: adds the area
    PolygonSubtract,  // same, removes the area
    PickAlternative,  // click asks for the selected instance's candidate containing the point
};

class ImageCanvas : public QWidget {
    Q_OBJECT

public:
    static constexpr double kMinZoom = 0.01;
    static constexpr double kMaxZoom = 64.0;
    // Zoom factor of one wheel notch and of zoomIn() / zoomOut().
    static constexpr double kZoomStep = 1.25;
    // However far the user pans, this many pixels of the image (or all of it, if smaller) stay
    // in view on each axis.
    static constexpr double kKeepVisible = 48.0;
    // Brush diameter limits (image pixels).
    static constexpr double kMinBrush = 1.0;
    static constexpr double kMaxBrush = 1000.0;
    // A press and release closer than this (widget pixels) is a click, not a drag.
    static constexpr double kClickSlop = 4.0;

    explicit ImageCanvas(QWidget* parent = nullptr);

    // Shows `image` fitted to the window. A null image clears the canvas.
    void setImage(const QImage& image);
    bool hasImage() const { return !pixmap_.isNull(); }
    // Size of the image in pixels (empty without an image).
    QSize imageSize() const { return pixmap_.size(); }

    // Current scale: widget pixels per image pixel.
    double zoom() const { return zoom_; }
    // Widget position of the image's top-left corner.
    QPointF offset() const { return offset_; }
    // True while the view follows the window size (after fitToWindow(), until a zoom or pan).
    bool isFitToWindow() const { return fitToWindow_; }

    // Widget position -> image position (pixel (x, y) covers [x, x+1) x [y, y+1)), and back.
    QPointF mapToImage(const QPointF& widgetPos) const;
    QPointF mapFromImage(const QPointF& imagePos) const;

    QSize sizeHint() const override;

    // The document whose instances are drawn (nullptr: none). The canvas only reads it.
    void setDocument(Document* document);
    Document* document() const;
    OverlayCache* overlayCache() const { return overlays_; }
    bool overlaysVisible() const { return overlaysVisible_; }
    CanvasTool tool() const { return tool_; }
    // Brush and eraser diameter in image pixels.
    double brushDiameter() const { return brushDiameter_; }
    // Points of the polygon being drawn (image coordinates).
    QPolygonF pendingPolygon() const { return polygon_; }
    // Widget position of the tag of instance `id` (for tests and tooltips); (-1, -1) if none.
    QPointF tagPosition(int id);

public slots:
    // Largest zoom at which the whole image fits, centred; follows later resizes.
    void fitToWindow();
    // Zoom 1 (one image pixel per widget pixel), keeping the image point at the centre in place.
    void showActualSize();
    void zoomIn();
    void zoomOut();
    // Multiplies the zoom by `factor` (clamped to [kMinZoom, kMaxZoom]) keeping the image point
    // under `anchor` (widget coordinates) in place.
    void zoomAt(double factor, const QPointF& anchor);
    // Moves the image by `delta` widget pixels.
    void panBy(const QPointF& delta);
    // Shows or hides every overlay.
    void setOverlaysVisible(bool visible);
    // Switches the tool; a polygon in progress is dropped.
    void setTool(CanvasTool tool);
    void setBrushDiameter(double diameter);
    // Closes the polygon in progress (emits polygonFinished when it has 3 points or more).
    void finishPolygon();
    void cancelPolygon();

signals:
    void zoomChanged(double zoom);
    // The zoom or the pan changed.
    void viewChanged();
    // The mouse moved over the canvas; `imagePos` may lie outside the image.
    void cursorMoved(const QPointF& imagePos);
    void cursorLeft();
    // Select tool: a click (press and release without a drag) at `imagePos`.
    void clicked(const QPointF& imagePos);
    // A click with the PickAlternative tool (image coordinates).
    void alternativeRequested(const QPointF& imagePos);
    // Brush and eraser: a drag started, moved from `from` to `to`, ended.
    void strokeStarted(const QPointF& imagePos);
    void strokeMoved(const QPointF& from, const QPointF& to);
    void strokeFinished();
    // Polygon tools: the user closed a polygon (image coordinates).
    void polygonFinished(const QPolygonF& polygon);
    // Ctrl + wheel in the brush or eraser tool: `steps` notches (positive: larger).
    void brushResizeRequested(int steps);

protected:
    // While a polygon is drawn, Enter, Esc and Backspace belong to it (they override the
    // window's shortcuts, e.g. Esc = cancel the round).
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    // Applies a view (pan limited by kKeepVisible), repaints, and emits the change signals.
    void setView(double zoom, const QPointF& offset, bool fitToWindow);
    QPointF clampedOffset(double zoom, const QPointF& offset) const;
    void updateCursor();
    void paintOverlays(QPainter& painter, const QRectF& visibleImageRect);
    void paintToolFeedback(QPainter& painter);
    void drawImagePart(QPainter& painter, const QImage& image, const QRect& imageRect,
                       const QRectF& visibleImageRect);

    QPixmap pixmap_;
    double zoom_ = 1.0;
    QPointF offset_;
    bool fitToWindow_ = true;
    bool panning_ = false;
    bool spaceHeld_ = false;
    QPointF lastMousePos_;
    QPointF pressPos_;
    bool pendingClick_ = false;
    bool stroking_ = false;
    QPointF lastStrokePos_;
    bool cursorInside_ = false;
    QPointF cursorPos_;

    OverlayCache* overlays_ = nullptr;
    bool overlaysVisible_ = true;
    CanvasTool tool_ = CanvasTool::Select;
    double brushDiameter_ = 20.0;
    QPolygonF polygon_;
};

}  // namespace segllm::ui
