#pragma once
// Small helpers shared by the ui tests: mouse events at exact (fractional) widget positions,
// hand-made instances, and sample images written into a temporary folder.

#include "core/export/project.h"
#include "ui/document.h"
#include "ui/edit_commands.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QMouseEvent>
#include <QUndoStack>
#include <QWidget>

namespace segllm::ui::test {

inline void sendMouse(QWidget* widget, QEvent::Type type, const QPointF& pos,
                      Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent event(type, pos, widget->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(widget, &event);
}

inline void click(QWidget* widget, const QPointF& pos) {
    sendMouse(widget, QEvent::MouseButtonPress, pos, Qt::LeftButton, Qt::LeftButton);
    sendMouse(widget, QEvent::MouseButtonRelease, pos, Qt::LeftButton, Qt::NoButton);
}

// A mask of `w` x `h` with the pixels x0..x1, y0..y1 (inclusive) set.
inline Mask rectMask(int w, int h, int x0, int y0, int x1, int y1) {
    Mask mask(w, h);
    for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
            mask.at(x, y) = 1;
        }
    }
    return mask;
}

// Adds an instance with a rectangular mask through the undo stack; returns its id.
inline int addRectInstance(Document* doc, int x0, int y0, int x1, int y1,
                           const std::string& label = {}) {
    ProjectInstance instance;
    instance.id = doc->nextInstanceId();
    instance.mask = rectMask(doc->size().width(), doc->size().height(), x0, y0, x1, y1);
    instance.box = PixelBox{x0, y0, x1, y1};
    instance.label = label;
    instance.score = 0.75f;
    instance.round = 0;
    const int id = instance.id;
    doc->undoStack()->push(new AddInstanceCommand(doc, std::move(instance)));
    return id;
}

// Writes `count` solid images "img-1.png" ... (w x h, different colours) into `folder`.
inline QStringList writeImages(const QString& folder, int count, int w, int h) {
    QStringList paths;
    for (int i = 1; i <= count; ++i) {
        QImage image(w, h, QImage::Format_RGB32);
        image.fill(QColor::fromHsv((i * 70) % 360, 120, 200));
        const QString path = QDir(folder).filePath(QStringLiteral("img-%1.png").arg(i));
        image.save(path);
        paths << path;
    }
    return paths;
}

}  // namespace segllm::ui::test
