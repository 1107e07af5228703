// Editing instances through the main window's canvas, panel and controller: brush and eraser
// strokes (one merged undo command, exact pixels back on undo and redo), polygon add and
// subtract, labels, deletion, selection sync between list and canvas, click to reference.

#include "ui/action_registry.h"
#include "ui/document.h"
#include "ui/edit_controller.h"
#include "ui/image_canvas.h"
#include "ui/instance_list_model.h"
#include "ui/instance_panel.h"
#include "ui/main_window.h"
#include "ui/overlay_cache.h"
#include "ui/workspace.h"
#include "ui_test_support.h"

#include <QAction>
#include <QComboBox>
#include <QLineEdit>
#include <QListView>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QUndoStack>
#include <QWheelEvent>

#include <cmath>

using namespace segllm;
using namespace segllm::ui;
using segllm::ui::test::addRectInstance;
using segllm::ui::test::click;
using segllm::ui::test::sendMouse;

namespace {

const QString kSample = QStringLiteral(SEGLLM_SOURCE_DIR "/resources/images/shapes-128.png");

// Distance from (px, py) to the segment a-b, in float64.
double segmentDistance(double px, double py, const QPointF& a, const QPointF& b) {
    const double vx = b.x() - a.x();
    const double vy = b.y() - a.y();
    const double len2 = vx * vx + vy * vy;
    double t = len2 == 0 ? 0 : ((px - a.x()) * vx + (py - a.y()) * vy) / len2;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    return std::hypot(px - (a.x() + t * vx), py - (a.y() + t * vy));
}

}  // namespace

class TestInstanceEditing : public QObject {
    Q_OBJECT

    MainWindow* window_ = nullptr;
    Document* doc_ = nullptr;

    ImageCanvas* canvas() const { return window_->canvas(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio editing tests"));
        QSettings().clear();
    }

    void init() {
        window_ = new MainWindow;
        DialogProvider dialogs;
        dialogs.askSave = [](QWidget*, const QString&) { return SaveAnswer::Discard; };
        window_->setDialogProvider(dialogs);
        window_->resize(900, 700);
        QVERIFY(window_->openImage(kSample));
        canvas()->showActualSize();
        doc_ = window_->workspace()->currentDocument();
        QVERIFY(doc_ != nullptr);
        QCOMPARE(doc_->size(), QSize(128, 128));
    }

    void cleanup() {
        delete window_;
        window_ = nullptr;
    }

    // Press at p0, move through p1, p2, release: one undo command (merged), pixels within
    // diameter / 2 of the two segments painted (eraser: cleared); undo gives back exactly the
    // mask before the stroke, redo exactly the painted one.
    void strokeUndoRedo_data() {
        QTest::addColumn<bool>("erase");
        QTest::newRow("brush") << false;
        QTest::newRow("eraser") << true;
    }
    void strokeUndoRedo() {
        QFETCH(bool, erase);
        const int id = addRectInstance(doc_, 20, 20, 60, 50);
        doc_->setSelectedId(id);
        const Mask before = doc_->instance(id)->mask;
        window_->actions()
            ->action(erase ? ActionRegistry::EraserTool : ActionRegistry::BrushTool)
            ->trigger();
        QCOMPARE(canvas()->tool(), erase ? CanvasTool::Eraser : CanvasTool::Brush);
        canvas()->setBrushDiameter(7.0);
        const QPointF w0 = canvas()->mapFromImage(QPointF(15.3, 35.2));
        const QPointF w1 = canvas()->mapFromImage(QPointF(40.6, 30.1));
        const QPointF w2 = canvas()->mapFromImage(QPointF(70.2, 45.7));
        sendMouse(canvas(), QEvent::MouseButtonPress, w0, Qt::LeftButton, Qt::LeftButton);
        sendMouse(canvas(), QEvent::MouseMove, w1, Qt::NoButton, Qt::LeftButton);
        sendMouse(canvas(), QEvent::MouseMove, w2, Qt::NoButton, Qt::LeftButton);
        sendMouse(canvas(), QEvent::MouseButtonRelease, w2, Qt::LeftButton, Qt::NoButton);
        QCOMPARE(doc_->undoStack()->count(), 2);  // the add, then the merged stroke

        const QPointF p0 = canvas()->mapToImage(w0);
        const QPointF p1 = canvas()->mapToImage(w1);
        const QPointF p2 = canvas()->mapToImage(w2);
        Mask expected = before;
        int changed = 0;
        for (int y = 0; y < 128; ++y) {
            for (int x = 0; x < 128; ++x) {
                const double d = std::min(segmentDistance(x + 0.5, y + 0.5, p0, p1),
                                          segmentDistance(x + 0.5, y + 0.5, p1, p2));
                if (d <= 3.5) {
                    changed += expected.at(x, y) != (erase ? 0 : 1);
                    expected.at(x, y) = erase ? 0 : 1;
                }
            }
        }
        QVERIFY(changed > 50);
        const Mask after = doc_->instance(id)->mask;
        QVERIFY(after == expected);
        QVERIFY(doc_->instance(id)->edited);
        QCOMPARE(doc_->instance(id)->box, *mask_box(expected));

        doc_->undoStack()->undo();
        QVERIFY(doc_->instance(id)->mask == before);
        QVERIFY(!doc_->instance(id)->edited);
        QCOMPARE(doc_->instance(id)->box, (PixelBox{20, 20, 60, 50}));
        doc_->undoStack()->redo();
        QVERIFY(doc_->instance(id)->mask == after);
        // The global undo action follows the document's stack.
        QAction* undo = window_->actions()->action(ActionRegistry::Undo);
        QVERIFY(undo->isEnabled());
        undo->trigger();
        QVERIFY(doc_->instance(id)->mask == before);
    }

    // Two strokes are two commands.
    void strokesDoNotMergeAcrossReleases() {
        const int id = addRectInstance(doc_, 10, 10, 20, 20);
        doc_->setSelectedId(id);
        canvas()->setTool(CanvasTool::Brush);
        for (double x : {40.0, 60.0}) {
            const QPointF w = canvas()->mapFromImage(QPointF(x, 40));
            sendMouse(canvas(), QEvent::MouseButtonPress, w, Qt::LeftButton, Qt::LeftButton);
            sendMouse(canvas(), QEvent::MouseButtonRelease, w, Qt::LeftButton, Qt::NoButton);
        }
        QCOMPARE(doc_->undoStack()->count(), 3);
    }

    void brushSizeShortcuts() {
        canvas()->setBrushDiameter(20);
        window_->actions()->action(ActionRegistry::BrushLarger)->trigger();
        QVERIFY(canvas()->brushDiameter() > 20);
        canvas()->setBrushDiameter(20);
        window_->actions()->action(ActionRegistry::BrushSmaller)->trigger();
        QVERIFY(canvas()->brushDiameter() < 20);
        QCOMPARE(window_->actions()->action(ActionRegistry::BrushLarger)->shortcut(),
                 QKeySequence(QStringLiteral("]")));
    }

    // Ctrl + wheel resizes the brush in the brush tools; without Ctrl the wheel zooms.
    void ctrlWheelResizesBrush() {
        canvas()->setTool(CanvasTool::Brush);
        canvas()->setBrushDiameter(20);
        const double zoom = canvas()->zoom();
        const QPointF pos(100, 100);
        QWheelEvent up(pos, canvas()->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton,
                       Qt::ControlModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(canvas(), &up);
        QVERIFY(canvas()->brushDiameter() > 20);
        QCOMPARE(canvas()->zoom(), zoom);
        QWheelEvent plain(pos, canvas()->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(canvas(), &plain);
        QVERIFY(canvas()->zoom() > zoom);
    }

    // Polygon add with nothing selected makes a new instance: the rectangle (10,10)-(20,16)
    // covers pixel centres x 10..19, y 10..15 = 60 pixels. Subtracting (12,12)-(16,14) removes
    // x 12..15, y 12..13 = 8 pixels.
    void polygonAddAndSubtract() {
        canvas()->setTool(CanvasTool::PolygonAdd);
        window_->editController()->applyPolygon(
            QPolygonF({QPointF(10, 10), QPointF(20, 10), QPointF(20, 16), QPointF(10, 16)}));
        QCOMPARE(int(doc_->instances().size()), 1);
        const int id = doc_->instances().front().id;
        QCOMPARE(doc_->selectedId(), id);
        QCOMPARE(int(mask_area(doc_->instance(id)->mask)), 60);
        QCOMPARE(doc_->instance(id)->box, (PixelBox{10, 10, 19, 15}));

        canvas()->setTool(CanvasTool::PolygonSubtract);
        window_->editController()->applyPolygon(
            QPolygonF({QPointF(12, 12), QPointF(16, 12), QPointF(16, 14), QPointF(12, 14)}));
        const Mask& mask = doc_->instance(id)->mask;
        QCOMPARE(int(mask_area(mask)), 52);
        for (int y = 10; y <= 15; ++y) {
            for (int x = 10; x <= 19; ++x) {
                const bool hole = x >= 12 && x <= 15 && y >= 12 && y <= 13;
                QCOMPARE(int(mask.at(x, y)), hole ? 0 : 1);
            }
        }
        doc_->undoStack()->undo();
        QCOMPARE(int(mask_area(doc_->instance(id)->mask)), 60);
        doc_->undoStack()->undo();
        QVERIFY(doc_->instances().empty());
    }

    // The canvas gesture: clicks add points, Enter closes (in image coordinates), Esc cancels.
    void polygonGesture() {
        canvas()->setTool(CanvasTool::PolygonAdd);
        canvas()->setFocus();
        QSignalSpy finished(canvas(), &ImageCanvas::polygonFinished);
        const QList<QPointF> points = {QPointF(30, 30), QPointF(50, 30), QPointF(40, 50)};
        for (const QPointF& p : points) {
            click(canvas(), canvas()->mapFromImage(p));
        }
        QCOMPARE(canvas()->pendingPolygon().size(), 3);
        QTest::keyClick(canvas(), Qt::Key_Return);
        QCOMPARE(finished.count(), 1);
        const QPolygonF polygon = finished.at(0).at(0).value<QPolygonF>();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(std::abs(polygon[i].x() - points[i].x()) < 1e-6);
            QVERIFY(std::abs(polygon[i].y() - points[i].y()) < 1e-6);
        }
        QCOMPARE(int(doc_->instances().size()), 1);
        click(canvas(), canvas()->mapFromImage(QPointF(5, 5)));
        click(canvas(), canvas()->mapFromImage(QPointF(9, 5)));
        QTest::keyClick(canvas(), Qt::Key_Escape);
        QVERIFY(canvas()->pendingPolygon().isEmpty());
        QCOMPARE(finished.count(), 1);
    }

    // Clicking an instance on the canvas selects it in the list and asks for a reference;
    // selecting in the list selects on the canvas; a click on a row asks for a reference too.
    void selectionSyncAndReferences() {
        const int a = addRectInstance(doc_, 10, 10, 30, 30, "cat");
        const int b = addRectInstance(doc_, 60, 60, 90, 100, "dog");
        QSignalSpy references(window_, &MainWindow::instanceReferenceRequested);
        QListView* list = window_->instancePanel()->listView();

        click(canvas(), canvas()->mapFromImage(QPointF(70.5, 80.5)));
        QCOMPARE(doc_->selectedId(), b);
        QCOMPARE(list->currentIndex().row(), 1);
        QCOMPARE(references.count(), 1);
        QCOMPARE(references.at(0).at(0).toInt(), b);

        list->setCurrentIndex(list->model()->index(0, 0));
        QCOMPARE(doc_->selectedId(), a);
        QCOMPARE(references.count(), 1);  // selecting is not referencing

        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        const QRect row = list->visualRect(list->model()->index(1, 0));
        QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier, row.center());
        QCOMPARE(doc_->selectedId(), b);
        QCOMPARE(references.count(), 2);
        QCOMPARE(references.at(1).at(0).toInt(), b);

        // The background deselects and references nothing.
        click(canvas(), canvas()->mapFromImage(QPointF(45.5, 45.5)));
        QCOMPARE(doc_->selectedId(), 0);
        QVERIFY(!list->currentIndex().isValid() || !list->selectionModel()->hasSelection());
        QCOMPARE(references.count(), 2);
    }

    // A double-click in the Select tool is one reference, not two.
    void doubleClickReferencesOnce() {
        const int a = addRectInstance(doc_, 10, 10, 30, 30);
        QSignalSpy references(window_, &MainWindow::instanceReferenceRequested);
        const QPointF p = canvas()->mapFromImage(QPointF(20, 20));
        click(canvas(), p);
        sendMouse(canvas(), QEvent::MouseButtonDblClick, p, Qt::LeftButton, Qt::LeftButton);
        sendMouse(canvas(), QEvent::MouseButtonRelease, p, Qt::LeftButton, Qt::NoButton);
        QCOMPARE(references.count(), 1);
        QCOMPARE(references.at(0).at(0).toInt(), a);
    }

    void hoverFollowsCursor() {
        const int a = addRectInstance(doc_, 10, 10, 30, 30);
        sendMouse(canvas(), QEvent::MouseMove, canvas()->mapFromImage(QPointF(20, 20)),
                  Qt::NoButton, Qt::NoButton);
        QCOMPARE(doc_->hoveredId(), a);
        sendMouse(canvas(), QEvent::MouseMove, canvas()->mapFromImage(QPointF(50, 50)),
                  Qt::NoButton, Qt::NoButton);
        QCOMPARE(doc_->hoveredId(), 0);
    }

    void labelChangeUndoRedo() {
        const int id = addRectInstance(doc_, 10, 10, 30, 30, "cat");
        doc_->setSelectedId(id);
        QComboBox* combo = window_->instancePanel()->labelCombo();
        QCOMPARE(combo->currentText(), QStringLiteral("cat"));
        combo->setEditText(QStringLiteral("tabby cat"));
        emit combo->lineEdit()->returnPressed();
        QCOMPARE(doc_->instance(id)->label, std::string("tabby cat"));
        QVERIFY(window_->workspace()->labels().contains(QStringLiteral("tabby cat")));
        QCOMPARE(window_->instancePanel()->model()->data(
                     window_->instancePanel()->model()->index(0), Qt::DisplayRole),
                 QVariant(QStringLiteral("[1] tabby cat")));
        doc_->undoStack()->undo();
        QCOMPARE(doc_->instance(id)->label, std::string("cat"));
        doc_->undoStack()->redo();
        QCOMPARE(doc_->instance(id)->label, std::string("tabby cat"));
    }

    void deleteUndoRestores() {
        const int a = addRectInstance(doc_, 10, 10, 30, 30, "cat");
        const int b = addRectInstance(doc_, 40, 40, 50, 60, "dog");
        const ProjectInstance original = *doc_->instance(a);
        doc_->setSelectedId(a);
        QAction* remove = window_->actions()->action(ActionRegistry::DeleteInstance);
        QVERIFY(remove->isEnabled());
        remove->trigger();
        QVERIFY(doc_->instance(a) == nullptr);
        QCOMPARE(doc_->selectedId(), 0);
        QVERIFY(!remove->isEnabled());
        QCOMPARE(window_->instancePanel()->model()->rowCount(), 1);
        doc_->undoStack()->undo();
        const ProjectInstance* back = doc_->instance(a);
        QVERIFY(back != nullptr);
        QCOMPARE(doc_->indexOf(a), 0);  // at its old place, before b
        QCOMPARE(doc_->indexOf(b), 1);
        QVERIFY(back->mask == original.mask);
        QCOMPARE(back->label, original.label);
        QCOMPARE(back->box, original.box);
        QCOMPARE(back->score, original.score);
    }

    // Hiding an instance is an edit; the list's check box asks for it.
    void visibilityFromList() {
        const int id = addRectInstance(doc_, 10, 10, 30, 30);
        InstanceListModel* model = window_->instancePanel()->model();
        QVERIFY(model->setData(model->index(0), Qt::Unchecked, Qt::CheckStateRole));
        QVERIFY(!doc_->instance(id)->visible);
        QCOMPARE(model->data(model->index(0), Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
        // A hidden instance cannot be clicked.
        QCOMPARE(doc_->instanceAt(QPoint(20, 20)), 0);
        doc_->undoStack()->undo();
        QVERIFY(doc_->instance(id)->visible);
    }

    // A part added on its host moves the host's tag off the part at once (without re-rendering
    // either overlay); hiding or removing the part brings it back, and the part's own tag stays
    // at its centre. An edit of the part moves the host's tag when the edits pause.
    void tagsAvoidOtherInstances() {
        const int host = addRectInstance(doc_, 10, 10, 50, 50);
        OverlayCache* cache = canvas()->overlayCache();
        QCOMPARE(cache->entry(host)->tag, QPoint(30, 30));
        const int part = addRectInstance(doc_, 26, 26, 34, 34);
        const int rendered = cache->renderCount();
        QCOMPARE(cache->entry(part)->tag, QPoint(30, 30));
        const QPoint moved = cache->entry(host)->tag;
        QVERIFY2(doc_->instance(part)->mask.at(moved.x(), moved.y()) == 0,
                 qPrintable(QStringLiteral("(%1, %2)").arg(moved.x()).arg(moved.y())));
        QVERIFY(doc_->instance(host)->mask.at(moved.x(), moved.y()) == 1);
        QVERIFY(!cache->entry(host)->tagStale);
        window_->editController()->setVisible(part, false);
        QCOMPARE(cache->entry(host)->tag, QPoint(30, 30));
        doc_->undoStack()->undo();
        QVERIFY(doc_->instance(part)->visible);
        QCOMPARE(cache->entry(host)->tag, moved);
        // Erasing the part's right half: the host's tag waits for the pause, then moves.
        doc_->setSelectedId(part);
        canvas()->setTool(CanvasTool::Eraser);
        canvas()->setBrushDiameter(12);
        window_->editController()->beginStroke(QPointF(35.5, 30.5));
        window_->editController()->endStroke();
        QVERIFY(cache->entry(host)->tagStale);
        QCOMPARE(cache->entry(host)->tag, moved);
        cache->updateStaleTags();
        QVERIFY(!cache->entry(host)->tagStale);
        const QPoint afterEdit = cache->entry(host)->tag;
        QVERIFY(doc_->instance(part)->mask.at(afterEdit.x(), afterEdit.y()) == 0);
        doc_->undoStack()->undo();
        cache->updateStaleTags();
        QCOMPARE(cache->entry(host)->tag, moved);
        // Removing the part frees the centre again; an instance elsewhere moves nothing.
        window_->actions()->action(ActionRegistry::DeleteInstance)->trigger();
        QVERIFY(doc_->instance(part) == nullptr);
        QCOMPARE(cache->entry(host)->tag, QPoint(30, 30));
        const int far = addRectInstance(doc_, 80, 80, 90, 90);
        QVERIFY(cache->entry(far) != nullptr);
        QVERIFY(!cache->entry(host)->tagStale);
        QCOMPARE(cache->entry(host)->tag, QPoint(30, 30));
        // The part once, again after the erase and its undo (its box changed), then `far`.
        QCOMPARE(cache->renderCount(), rendered + 4);
    }

    // Overlays are rendered once per instance; a label change re-renders nothing, a mask edit
    // inside the box re-renders only that region of that instance's overlay.
    void overlaysRecolourOnlyOnChange() {
        const int a = addRectInstance(doc_, 10, 10, 30, 30);
        const int b = addRectInstance(doc_, 40, 40, 60, 60);
        OverlayCache* cache = canvas()->overlayCache();
        QVERIFY(cache->entry(a) != nullptr);
        QVERIFY(cache->entry(b) != nullptr);
        const int rendered = cache->renderCount();
        canvas()->grab();
        QCOMPARE(cache->renderCount(), rendered);
        doc_->setSelectedId(b);
        window_->editController()->setLabel(QStringLiteral("box"));
        canvas()->grab();
        QCOMPARE(cache->renderCount(), rendered);
        QCOMPARE(cache->partialRenderCount(), 0);
        // Erase a hole in b's middle: b's overlay there becomes transparent, a's is untouched.
        canvas()->setTool(CanvasTool::Eraser);
        canvas()->setBrushDiameter(4);
        window_->editController()->beginStroke(QPointF(50.5, 50.5));
        window_->editController()->endStroke();
        QCOMPARE(cache->renderCount(), rendered);
        QCOMPARE(cache->partialRenderCount(), 1);
        const OverlayCache::Entry* entryB = cache->entry(b);
        // Diameter 4 at (50.5, 50.5) clears pixel centres within 2: x 48..52 on row 50, so
        // pixel 47 of that row is now on the outline.
        QCOMPARE(qAlpha(entryB->image.pixel(50 - 40, 50 - 40)), 0);
        QCOMPARE(qAlpha(entryB->image.pixel(48 - 40, 50 - 40)), 0);
        QCOMPARE(qAlpha(entryB->image.pixel(47 - 40, 50 - 40)), 255);
        QCOMPARE(qAlpha(entryB->image.pixel(45 - 40, 45 - 40)), OverlayCache::kFillAlpha);
        // Its tag was the centre (50, 50), now erased: it moved to a mask pixel at once.
        QVERIFY(doc_->instance(b)->mask.at(entryB->tag.x(), entryB->tag.y()) == 1);
        // The tag is drawn at the instance's inside point (the centre of the square a).
        const QPointF tag = canvas()->tagPosition(a);
        const QPointF centre = canvas()->mapFromImage(QPointF(20.5, 20.5));
        QVERIFY(std::abs(tag.x() - centre.x()) < 1e-6 && std::abs(tag.y() - centre.y()) < 1e-6);
        // The overlay toggle hides every instance.
        QAction* toggle = window_->actions()->action(ActionRegistry::ToggleOverlays);
        toggle->trigger();
        QVERIFY(!canvas()->overlaysVisible());
        const QImage hidden = canvas()->grab().toImage();
        toggle->trigger();
        const QImage shown = canvas()->grab().toImage();
        const QPoint inside = canvas()->mapFromImage(QPointF(12.5, 12.5)).toPoint();
        QVERIFY(hidden.pixel(inside) != shown.pixel(inside));
    }
};

QTEST_MAIN(TestInstanceEditing)
#include "test_instance_editing.moc"
