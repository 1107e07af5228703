// Workspace: folder listing in natural order, one document per image with its own undo stack
// (the group's active stack follows the current image), the project round trip, modified state.

#include "ui/document.h"
#include "ui/workspace.h"
#include "ui_test_support.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoGroup>
#include <QUndoStack>

using namespace segllm;
using namespace segllm::ui;

class TestWorkspace : public QObject {
    Q_OBJECT

private slots:
    // img-2 before img-10 (natural order); non-images are left out.
    void folderInNaturalOrder() {
        QTemporaryDir dir;
        for (const char* name : {"img-10.png", "img-2.png", "Img-1.png"}) {
            QImage image(4, 3, QImage::Format_RGB32);
            image.fill(Qt::red);
            QVERIFY(image.save(dir.filePath(QString::fromLatin1(name))));
        }
        QFile text(dir.filePath(QStringLiteral("notes.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        const QStringList images = Workspace::imagesInFolder(dir.path());
        QCOMPARE(images, QStringList({dir.filePath(QStringLiteral("Img-1.png")),
                                      dir.filePath(QStringLiteral("img-2.png")),
                                      dir.filePath(QStringLiteral("img-10.png"))}));
    }

    void undoGroupFollowsCurrentImage() {
        QTemporaryDir dir;
        const QStringList paths = test::writeImages(dir.path(), 2, 8, 6);
        Workspace ws;
        ws.setImages(paths);
        QSignalSpy current(&ws, &Workspace::currentChanged);
        QVERIFY(ws.setCurrentIndex(0));
        ws.currentDocument()->setSize(QSize(8, 6));
        test::addRectInstance(ws.currentDocument(), 0, 0, 2, 2);
        QVERIFY(ws.next());
        QCOMPARE(current.count(), 2);
        QCOMPARE(ws.undoGroup()->activeStack(), ws.currentDocument()->undoStack());
        QVERIFY(!ws.undoGroup()->canUndo());
        QVERIFY(!ws.next());  // at the end
        QVERIFY(ws.previous());
        QVERIFY(ws.undoGroup()->canUndo());
        QCOMPARE(int(ws.currentDocument()->instances().size()), 1);
        QVERIFY(!ws.setCurrentIndex(5));
    }

    // toProject: visited images from their documents, unvisited with their file size; the
    // label list gets the labels instances use. loadProject brings them back unmodified.
    void projectRoundTrip() {
        QTemporaryDir dir;
        const QStringList paths = test::writeImages(dir.path(), 2, 8, 6);
        Workspace ws;
        ws.setImages(paths);
        ws.setCurrentIndex(1);
        ws.currentDocument()->setSize(QSize(8, 6));
        test::addRectInstance(ws.currentDocument(), 1, 1, 3, 3, "cat");
        QVERIFY(ws.isModified());
        const Project project = ws.toProject();
        QCOMPARE(int(project.images.size()), 2);
        QCOMPARE(project.images[0].width, 8);  // read from the file
        QCOMPARE(project.images[0].height, 6);
        QVERIFY(project.images[0].instances.empty());
        QCOMPARE(int(project.images[1].instances.size()), 1);
        QCOMPARE(project.labels, std::vector<std::string>{"cat"});

        Workspace other;
        other.loadProject(project);
        QVERIFY(!other.isModified());
        QCOMPARE(other.imageCount(), 2);
        QCOMPARE(other.labels(), QStringList{QStringLiteral("cat")});
        other.setCurrentIndex(1);
        QVERIFY(other.currentDocument()->instances()[0].mask ==
                project.images[1].instances[0].mask);
        // Adding an image to a loaded project is a change.
        other.addImage(dir.filePath(QStringLiteral("img-1.png")));
        QVERIFY(!other.isModified());  // already in it
        QImage extra(8, 6, QImage::Format_RGB32);
        extra.fill(Qt::blue);
        extra.save(dir.filePath(QStringLiteral("extra.png")));
        other.addImage(dir.filePath(QStringLiteral("extra.png")));
        QVERIFY(other.isModified());
        other.markSaved();
        QVERIFY(!other.isModified());
    }
};

QTEST_MAIN(TestWorkspace)
#include "test_workspace.moc"
