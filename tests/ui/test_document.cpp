// Document: past-tense signals for every change, selection and hover, topmost hit test, ids,
// the modified state following the undo stack's clean state.

#include "ui/document.h"
#include "ui/edit_commands.h"
#include "ui_test_support.h"

#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace segllm;
using namespace segllm::ui;

class TestDocument : public QObject {
    Q_OBJECT

    static ProjectImage image() {
        ProjectImage img;
        img.path = "/data/a.png";
        img.width = 40;
        img.height = 30;
        return img;
    }

private slots:
    void signalsForEachEdit() {
        Document doc(image());
        QSignalSpy added(&doc, &Document::instanceAdded);
        QSignalSpy changed(&doc, &Document::instanceChanged);
        QSignalSpy masks(&doc, &Document::maskChanged);
        QSignalSpy removed(&doc, &Document::instanceRemoved);
        QSignalSpy modified(&doc, &Document::modifiedChanged);

        const int a = test::addRectInstance(&doc, 0, 0, 9, 9, "a");
        QCOMPARE(a, 1);
        QCOMPARE(added.count(), 1);
        QCOMPARE(added.at(0).at(0).toInt(), 1);
        QCOMPARE(modified.count(), 1);
        QCOMPARE(modified.at(0).at(0).toBool(), true);
        QVERIFY(doc.isModified());

        doc.undoStack()->push(new LabelCommand(&doc, a, "b"));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(masks.count(), 0);

        Mask after = doc.instance(a)->mask;
        after.at(20, 20) = 1;
        doc.undoStack()->push(new MaskEditCommand(
            &doc, a, copyPatch(doc.instance(a)->mask, QRect(20, 20, 1, 1)),
            copyPatch(after, QRect(20, 20, 1, 1)), 0, CommandText{"", "edit", {}}));
        QCOMPARE(masks.count(), 1);
        QCOMPARE(masks.at(0).at(1).toRect(), QRect(20, 20, 1, 1));
        QCOMPARE(changed.count(), 2);
        // The box follows the mask: (0,0)-(9,9) plus the pixel (20, 20).
        QCOMPARE(doc.instance(a)->box, (PixelBox{0, 0, 20, 20}));

        doc.undoStack()->push(new RemoveInstanceCommand(&doc, a));
        QCOMPARE(removed.count(), 1);
        QVERIFY(doc.instances().empty());

        // Back to the clean state: not modified.
        while (doc.undoStack()->canUndo()) {
            doc.undoStack()->undo();
        }
        QVERIFY(!doc.isModified());
        QCOMPARE(modified.last().at(0).toBool(), false);
    }

    void selectionAndHover() {
        Document doc(image());
        const int a = test::addRectInstance(&doc, 0, 0, 9, 9);
        QSignalSpy selection(&doc, &Document::selectionChanged);
        QSignalSpy hover(&doc, &Document::hoverChanged);
        doc.setSelectedId(a);
        doc.setSelectedId(a);  // no change, no signal
        QCOMPARE(selection.count(), 1);
        doc.setSelectedId(99);  // unknown: none
        QCOMPARE(doc.selectedId(), 0);
        QCOMPARE(selection.count(), 2);
        doc.setHoveredId(a);
        QCOMPARE(hover.count(), 1);
        // Removing the selected and hovered instance clears both.
        doc.setSelectedId(a);
        doc.undoStack()->push(new RemoveInstanceCommand(&doc, a));
        QCOMPARE(doc.selectedId(), 0);
        QCOMPARE(doc.hoveredId(), 0);
    }

    // The last (topmost) visible instance wins; hidden ones are skipped.
    void hitTestAndIds() {
        Document doc(image());
        const int a = test::addRectInstance(&doc, 0, 0, 19, 19);
        const int b = test::addRectInstance(&doc, 10, 10, 29, 29);
        QCOMPARE(doc.instanceAt(QPoint(5, 5)), a);
        QCOMPARE(doc.instanceAt(QPoint(15, 15)), b);
        QCOMPARE(doc.instanceAt(QPoint(35, 5)), 0);
        QCOMPARE(doc.instanceAt(QPoint(-1, 5)), 0);
        doc.undoStack()->push(new VisibilityCommand(&doc, b, false));
        QCOMPARE(doc.instanceAt(QPoint(15, 15)), a);
        QCOMPARE(doc.nextInstanceId(), 3);
        doc.undoStack()->push(new RemoveInstanceCommand(&doc, a));
        QCOMPARE(doc.nextInstanceId(), 3);  // one more than the largest id left
    }

    void sizeMustMatchInstances() {
        ProjectImage img = image();
        img.width = 0;
        img.height = 0;
        ProjectInstance instance;
        instance.id = 1;
        instance.mask = Mask(40, 30);
        img.instances.push_back(instance);
        Document doc(img);
        QVERIFY(!doc.setSize(QSize(41, 30)));
        QCOMPARE(doc.size(), QSize(0, 0));
        QVERIFY(doc.setSize(QSize(40, 30)));
        QCOMPARE(doc.size(), QSize(40, 30));
    }
};

QTEST_MAIN(TestDocument)
#include "test_document.moc"
