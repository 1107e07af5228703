#include "ui/image_canvas.h"

#include "core/export/project.h"
#include "ui/document.h"
#include "ui/instance_palette.h"
#include "ui/overlay_cache.h"

#include <QKeyEvent>
#include <QLineF>
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
    overlays_ = new OverlayCache(this);
    connect(overlays_, &OverlayCache::changed, this, qOverload<>(&QWidget::update));
}

void ImageCanvas::setDocument(Document* document) {
    cancelPolygon();
    stroking_ = false;
    overlays_->setDocument(document);
}

Document* ImageCanvas::document() const {
    return overlays_->document();
}

void ImageCanvas::setOverlaysVisible(bool visible) {
    overlaysVisible_ = visible;
    update();
}

void ImageCanvas::setTool(CanvasTool tool) {
    if (stroking_) {
        stroking_ = false;
        emit strokeFinished();
    }
    polygon_.clear();
    tool_ = tool;
    updateCursor();
    update();
}

void ImageCanvas::setBrushDiameter(double diameter) {
    brushDiameter_ = std::clamp(diameter, kMinBrush, kMaxBrush);
    update();
}

void ImageCanvas::finishPolygon() {
    if (polygon_.size() >= 3) {
        const QPolygonF done = polygon_;
        polygon_.clear();
        update();
        emit polygonFinished(done);
    }
}

void ImageCanvas::cancelPolygon() {
    polygon_.clear();
    update();
}

QPointF ImageCanvas::tagPosition(int id) {
    const OverlayCache::Entry* entry = overlays_->entry(id);
    if (entry == nullptr) {
        return QPointF(-1, -1);
    }
    return mapFromImage(QPointF(entry->tag) + QPointF(0.5, 0.5));
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
    if (overlaysVisible_ && document() != nullptr) {
        paintOverlays(painter, QRectF(source));
    }
    paintToolFeedback(painter);
}

void ImageCanvas::drawImagePart(QPainter& painter, const QImage& image, const QRect& imageRect,
                                const QRectF& visibleImageRect) {
    // Only the part of the overlay that is on screen is scaled.
    const QRect part = imageRect & visibleImageRect.toAlignedRect();
    if (part.isEmpty()) {
        return;
    }
    const QRectF target(mapFromImage(part.topLeft()), QSizeF(part.size()) * zoom_);
    painter.drawImage(target, image, QRectF(part.translated(-imageRect.topLeft())));
}

void ImageCanvas::paintOverlays(QPainter& painter, const QRectF& visibleImageRect) {
    Document* doc = document();
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (const ProjectInstance& instance : doc->instances()) {
        if (!instance.visible) {
            continue;
        }
        if (const OverlayCache::Entry* entry = overlays_->entry(instance.id)) {
            drawImagePart(painter, entry->image, entry->rect, visibleImageRect);
        }
    }
    const int hovered = doc->hoveredId();
    const ProjectInstance* hoveredInstance = doc->instance(hovered);
    if (hoveredInstance != nullptr && hoveredInstance->visible) {
        if (const QImage* image = overlays_->hoverImage(hovered)) {
            drawImagePart(painter, *image, overlays_->entry(hovered)->rect, visibleImageRect);
        }
    }
    // The selected instance's box, dashed, and every tag on top of all fills.
    if (const OverlayCache::Entry* selected = overlays_->entry(doc->selectedId())) {
        painter.setPen(QPen(Qt::white, 1.5, Qt::DashLine));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(
            QRectF(mapFromImage(selected->rect.topLeft()), QSizeF(selected->rect.size()) * zoom_));
    }
    QFont font = painter.font();
    font.setBold(true);
    painter.setFont(font);
    const QFontMetrics metrics(font);
    painter.setRenderHint(QPainter::Antialiasing, true);
    for (const ProjectInstance& instance : doc->instances()) {
        const OverlayCache::Entry* entry =
            instance.visible ? overlays_->entry(instance.id) : nullptr;
        if (entry == nullptr) {
            continue;
        }
        const QString text = QStringLiteral("[%1]").arg(instance.id);
        const QPointF centre = mapFromImage(QPointF(entry->tag) + QPointF(0.5, 0.5));
        const QSizeF size(metrics.horizontalAdvance(text) + 8, metrics.height() + 2);
        const QRectF box(centre - QPointF(size.width() / 2, size.height() / 2), size);
        const bool selected = instance.id == doc->selectedId();
        painter.setPen(QPen(selected ? Qt::white : QColor(0, 0, 0, 160), selected ? 2.0 : 1.0));
        painter.setBrush(instanceColor(instance.id).darker(130));
        painter.drawRoundedRect(box, 4, 4);
        painter.setPen(Qt::white);
        painter.drawText(box, Qt::AlignCenter, text);
    }
    painter.setRenderHint(QPainter::Antialiasing, false);
}

void ImageCanvas::paintToolFeedback(QPainter& painter) {
    painter.setRenderHint(QPainter::Antialiasing, true);
    if ((tool_ == CanvasTool::Brush || tool_ == CanvasTool::Eraser) && cursorInside_) {
        const double radius = brushDiameter_ * zoom_ / 2.0;
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(Qt::black, 3.0));
        painter.drawEllipse(cursorPos_, radius, radius);
        painter.setPen(QPen(tool_ == CanvasTool::Brush ? Qt::white : QColor(255, 120, 120), 1.5));
        painter.drawEllipse(cursorPos_, radius, radius);
    }
    if (!polygon_.isEmpty()) {
        QPolygonF shown;
        for (const QPointF& p : polygon_) {
            shown << mapFromImage(p);
        }
        if (cursorInside_) {
            shown << cursorPos_;
        }
        const QColor color =
            tool_ == CanvasTool::PolygonAdd ? QColor(80, 220, 120) : QColor(255, 90, 90);
        painter.setPen(QPen(color, 2.0));
        painter.setBrush(QColor(color.red(), color.green(), color.blue(), 60));
        painter.drawPolygon(shown);
        painter.setBrush(color);
        for (const QPointF& p : polygon_) {
            painter.drawEllipse(mapFromImage(p), 3.0, 3.0);
        }
    }
    painter.setRenderHint(QPainter::Antialiasing, false);
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
    if ((event->modifiers() & Qt::ControlModifier) &&
        (tool_ == CanvasTool::Brush || tool_ == CanvasTool::Eraser)) {
        emit brushResizeRequested(delta > 0 ? 1 : -1);
        event->accept();
        return;
    }
    // One notch (120 eighths of a degree) is one kZoomStep; touchpads send fractions of it.
    zoomAt(std::pow(kZoomStep, delta / 120.0), event->position());
    event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    if (!hasImage()) {
        QWidget::mousePressEvent(event);
        return;
    }
    const bool left = event->button() == Qt::LeftButton;
    if (event->button() == Qt::MiddleButton || (left && spaceHeld_)) {
        panning_ = true;
        lastMousePos_ = event->position();
        updateCursor();
        event->accept();
        return;
    }
    if (!left) {
        QWidget::mousePressEvent(event);
        return;
    }
    const QPointF imagePos = mapToImage(event->position());
    switch (tool_) {
        case CanvasTool::Select:
            pendingClick_ = true;
            pressPos_ = event->position();
            lastMousePos_ = event->position();
            break;
        case CanvasTool::Brush:
        case CanvasTool::Eraser:
            stroking_ = true;
            lastStrokePos_ = imagePos;
            emit strokeStarted(imagePos);
            break;
        case CanvasTool::PolygonAdd:
        case CanvasTool::PolygonSubtract:
            polygon_ << imagePos;
            update();
            break;
        case CanvasTool::PickAlternative:
            emit alternativeRequested(imagePos);
            break;
    }
    event->accept();
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    cursorInside_ = true;
    cursorPos_ = event->position();
    if (pendingClick_ && !panning_ && QLineF(pressPos_, event->position()).length() > kClickSlop) {
        pendingClick_ = false;
        panning_ = true;
        updateCursor();
    }
    if (panning_) {
        panBy(event->position() - lastMousePos_);
        lastMousePos_ = event->position();
    }
    if (stroking_) {
        const QPointF imagePos = mapToImage(event->position());
        emit strokeMoved(lastStrokePos_, imagePos);
        lastStrokePos_ = imagePos;
    }
    if (hasImage()) {
        emit cursorMoved(mapToImage(event->position()));
    }
    if (tool_ != CanvasTool::Select) {
        update();
    }
    event->accept();
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && pendingClick_) {
        pendingClick_ = false;
        emit clicked(mapToImage(event->position()));
    }
    if (event->button() == Qt::LeftButton && stroking_) {
        stroking_ = false;
        emit strokeFinished();
    }
    if (panning_ && !(event->buttons() & (Qt::LeftButton | Qt::MiddleButton))) {
        panning_ = false;
        updateCursor();
    }
    event->accept();
}

void ImageCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton &&
        (tool_ == CanvasTool::PolygonAdd || tool_ == CanvasTool::PolygonSubtract)) {
        finishPolygon();
        event->accept();
        return;
    }
    // The Select tool ignores the second press (one click, one reference); the brush tools
    // start a new stroke.
    if (tool_ == CanvasTool::Select && event->button() == Qt::LeftButton && !spaceHeld_) {
        event->accept();
        return;
    }
    mousePressEvent(event);
}

bool ImageCanvas::event(QEvent* event) {
    if (event->type() == QEvent::ShortcutOverride && !polygon_.isEmpty()) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter || key == Qt::Key_Escape ||
            key == Qt::Key_Backspace) {
            event->accept();
            return true;
        }
    }
    return QWidget::event(event);
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
    if (!polygon_.isEmpty()) {
        switch (event->key()) {
            case Qt::Key_Return:
            case Qt::Key_Enter:
                finishPolygon();
                event->accept();
                return;
            case Qt::Key_Escape:
                cancelPolygon();
                event->accept();
                return;
            case Qt::Key_Backspace:
                polygon_.removeLast();
                update();
                event->accept();
                return;
            default:
                break;
        }
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
    cursorInside_ = false;
    update();
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
    } else if (tool_ != CanvasTool::Select) {
        setCursor(Qt::CrossCursor);
    } else {
        unsetCursor();
    }
}

}  // namespace segllm::ui
