#pragma once
// The image view: draws the visible part of one image under a zoom-and-pan transform, and
// reports the user's gestures. Later layers (masks, boxes) are drawn with the same transform.

#include <QImage>
#include <QPixmap>
#include <QPointF>
#include <QWidget>

namespace segllm::ui {

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

signals:
    void zoomChanged(double zoom);
    // The zoom or the pan changed.
    void viewChanged();
    // The mouse moved over the canvas; `imagePos` may lie outside the image.
    void cursorMoved(const QPointF& imagePos);
    void cursorLeft();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    // Applies a view (pan limited by kKeepVisible), repaints, and emits the change signals.
    void setView(double zoom, const QPointF& offset, bool fitToWindow);
    QPointF clampedOffset(double zoom, const QPointF& offset) const;
    void updateCursor();

    QPixmap pixmap_;
    double zoom_ = 1.0;
    QPointF offset_;
    bool fitToWindow_ = true;
    bool panning_ = false;
    bool spaceHeld_ = false;
    QPointF lastMousePos_;
};

}  // namespace segllm::ui
