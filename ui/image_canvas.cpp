#include "ui/image_canvas.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace segllm::ui {

namespace {
// A neutral dark grey around the image, as photo viewers use: it does not tint the colours.
const QColor kBackground(48, 48, 48);
}  // namespace

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(160, 120);
}

void ImageCanvas::setImage(const QImage& image) {
    pixmap_ = image.isNull() ? QPixmap() : QPixmap::fromImage(image);
    panning_ = false;
    if (hasImage()) {
        fitToWindow();
    } else {
        setView(1.0, QPointF(), true);
    }
    updateCursor();
}

QPointF ImageCanvas::mapToImage(const QPointF& widgetPos) const {
    return (widgetPos - offset_) / zoom_;
}

QPointF ImageCanvas::mapFromImage(const QPointF& imagePos) const {
    return offset_ + imagePos * zoom_;
}

QSize ImageCanvas::sizeHint() const {
    return QSize(800, 600);
}

void ImageCanvas::fitToWindow() {
    if (!hasImage()) {
        return;
    }
    const double w = width();
    const double h = height();
    const double zoom =
        std::clamp(std::min(w / pixmap_.width(), h / pixmap_.height()), kMinZoom, kMaxZoom);
    const QPointF offset((w - pixmap_.width() * zoom) / 2.0, (h - pixmap_.height() * zoom) / 2.0);
    setView(zoom, offset, true);
}

void ImageCanvas::showActualSize() {
    if (!hasImage()) {
        return;
    }
    zoomAt(1.0 / zoom_, QPointF(width() / 2.0, height() / 2.0));
}

void ImageCanvas::zoomIn() {
    zoomAt(kZoomStep, QPointF(width() / 2.0, height() / 2.0));
}

void ImageCanvas::zoomOut() {
    zoomAt(1.0 / kZoomStep, QPointF(width() / 2.0, height() / 2.0));
}

void ImageCanvas::zoomAt(double factor, const QPointF& anchor) {
    if (!hasImage() || !(factor > 0.0)) {
        return;
    }
    const double zoom = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom);
    // The image point under the anchor stays there: anchor = offset' + p * zoom'.
    const QPointF imagePoint = mapToImage(anchor);
    setView(zoom, anchor - imagePoint * zoom, false);
}

void ImageCanvas::panBy(const QPointF& delta) {
    if (!hasImage()) {
        return;
    }
    setView(zoom_, offset_ + delta, false);
}

QPointF ImageCanvas::clampedOffset(double zoom, const QPointF& offset) const {
    const auto clampAxis = [](double value, double scaled, double view) {
        const double keep = std::min(kKeepVisible, scaled);
        return std::clamp(value, keep - scaled, std::max(keep - scaled, view - keep));
    };
    return QPointF(clampAxis(offset.x(), pixmap_.width() * zoom, width()),
                   clampAxis(offset.y(), pixmap_.height() * zoom, height()));
}

void ImageCanvas::setView(double zoom, const QPointF& offset, bool fitToWindow) {
    const QPointF newOffset = hasImage() ? clampedOffset(zoom, offset) : offset;
    const bool zoomDiffers = zoom != zoom_;
    const bool viewDiffers = zoomDiffers || newOffset != offset_;
    zoom_ = zoom;
    offset_ = newOffset;
    fitToWindow_ = fitToWindow;
    update();
    if (zoomDiffers) {
        emit zoomChanged(zoom_);
    }
    if (viewDiffers) {
        emit viewChanged();
    }
}

void ImageCanvas::paintEvent(QPaintEvent* event) {
    QPainter painter(this);
    painter.fillRect(event->rect(), kBackground);
    if (!hasImage()) {
        painter.setPen(QColor(200, 200, 200));
        painter.drawText(rect(), Qt::AlignCenter,
                         tr("Open an image with File > Open, or drop one here."));
        return;
    }
    // Only the image pixels that cover the repainted area, widened to whole pixels so that the
    // source rectangle has integer bounds.
    const QRectF visible = QRectF(event->rect()) & QRectF(offset_, pixmap_.size() * zoom_);
    if (visible.isEmpty()) {
        return;
    }
    const QPointF topLeft = mapToImage(visible.topLeft());
    const QPointF bottomRight = mapToImage(visible.bottomRight());
    const int x0 = std::clamp(static_cast<int>(std::floor(topLeft.x())), 0, pixmap_.width() - 1);
    const int y0 = std::clamp(static_cast<int>(std::floor(topLeft.y())), 0, pixmap_.height() - 1);
    const int x1 =
        std::clamp(static_cast<int>(std::ceil(bottomRight.x())), x0 + 1, pixmap_.width());
    const int y1 =
        std::clamp(static_cast<int>(std::ceil(bottomRight.y())), y0 + 1, pixmap_.height());
    const QRect source(x0, y0, x1 - x0, y1 - y0);
    const QRectF target(mapFromImage(source.topLeft()), QSizeF(source.size()) * zoom_);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, zoom_ < 1.0);
    painter.drawPixmap(target, pixmap_, QRectF(source));
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (!hasImage()) {
        return;
    }
    if (fitToWindow_) {
        fitToWindow();
    } else {
        setView(zoom_, offset_, false);
    }
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (!hasImage() || delta == 0) {
        event->ignore();
        return;
    }
    // One notch (120 eighths of a degree) is one kZoomStep; touchpads send fractions of it.
    zoomAt(std::pow(kZoomStep, delta / 120.0), event->position());
    event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    const bool panButton = event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton;
    if (hasImage() && panButton) {
        panning_ = true;
        lastMousePos_ = event->position();
        updateCursor();
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (panning_) {
        panBy(event->position() - lastMousePos_);
        lastMousePos_ = event->position();
    }
    if (hasImage()) {
        emit cursorMoved(mapToImage(event->position()));
    }
    event->accept();
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (panning_ && !(event->buttons() & (Qt::LeftButton | Qt::MiddleButton))) {
        panning_ = false;
        updateCursor();
    }
    event->accept();
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space) {
        if (!event->isAutoRepeat()) {
            spaceHeld_ = true;
            updateCursor();
        }
        event->accept();
        return;
    }
    QWidget::keyPressEvent(event);
}

void ImageCanvas::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space) {
        if (!event->isAutoRepeat()) {
            spaceHeld_ = false;
            updateCursor();
        }
        event->accept();
        return;
    }
    QWidget::keyReleaseEvent(event);
}

void ImageCanvas::leaveEvent(QEvent* event) {
    QWidget::leaveEvent(event);
    emit cursorLeft();
}

void ImageCanvas::focusOutEvent(QFocusEvent* event) {
    QWidget::focusOutEvent(event);
    spaceHeld_ = false;
    updateCursor();
}

void ImageCanvas::updateCursor() {
    if (!hasImage()) {
        unsetCursor();
    } else if (panning_) {
        setCursor(Qt::ClosedHandCursor);
    } else if (spaceHeld_) {
        setCursor(Qt::OpenHandCursor);
    } else {
        unsetCursor();
    }
}

}  // namespace segllm::ui
