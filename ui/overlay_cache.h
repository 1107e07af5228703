#pragma once
// Pre-rendered overlays of a document's instances for the canvas: one image per instance
// (cropped to its box, coloured by its id) and its tag point, rebuilt only when that instance
// changes, so painting a large image costs a few scaled blits. A tag avoids the other visible
// instances' masks where it can, so it moves (without a re-render) when one that overlaps it is
// added, removed, shown, hidden or edited.

#include <QImage>
#include <QObject>
#include <QPoint>
#include <QPointer>
#include <QRect>
#include <QTimer>

#include <unordered_map>

namespace segllm {
struct PixelBox;
struct ProjectInstance;
}  // namespace segllm

namespace segllm::ui {

class Document;

class OverlayCache : public QObject {
    Q_OBJECT

public:
    // Fill opacity of an instance (0-255) and the stronger one of the hovered instance.
    static constexpr int kFillAlpha = 128;
    static constexpr int kHoverAlpha = 200;

    struct Entry {
        QImage image;           // premultiplied ARGB, the size of `rect`
        QImage hover;           // same with the stronger fill, made on first use
        QRect rect;             // image pixels covered (the instance's mask box)
        QPoint tag;             // where the "[k]" tag goes (a mask pixel)
        bool tagStale = false;  // the mask changed since the tag was placed
    };
    // After a mask edit the tag moves once edits pause this long (a stroke stays smooth).
    static constexpr int kTagDelayMs = 150;

    explicit OverlayCache(QObject* parent = nullptr);

    // Follows `document` (nullptr: nothing); drops all cached images.
    void setDocument(Document* document);
    Document* document() const { return document_; }
    // The overlay of instance `id`, rendered now if needed; nullptr for an unknown id or an
    // empty mask.
    const Entry* entry(int id);
    // The hovered variant of the overlay of `id` (nullptr like entry()).
    const QImage* hoverImage(int id);
    // Number of whole overlays rendered since construction (to check that unchanged ones are
    // reused), and of partial re-renders after mask edits.
    int renderCount() const { return renderCount_; }
    int partialRenderCount() const { return partialRenderCount_; }
    // Places every stale tag now (normally done kTagDelayMs after the last edit).
    void updateStaleTags();

signals:
    // Something visible changed (an instance, the selection or the hover).
    void changed();

private:
    void invalidate(int id);
    void updateRegion(int id, const QRect& rect);
    void instanceChanged(int id);
    void instanceAdded(int id);
    void instanceRemoved(int id);
    // The tag point of `instance` within `box`, beside the other visible instances' masks.
    QPoint placeTag(const ProjectInstance& instance, const PixelBox& box) const;
    // Places again (`now`) or marks stale (placed when the edits pause) the tags of the
    // instances other than `id` whose overlay meets `rect` (every one for a null rect): where
    // they go depends on the masks drawn over them.
    void retagNear(int id, const QRect& rect, bool now);
    // Places again, at once, the tags whose overlay meets `instance`'s box.
    void retagBeside(const ProjectInstance& instance);

    QPointer<Document> document_;
    std::unordered_map<int, Entry> entries_;
    // Each instance's visibility when the tags beside it were last placed.
    std::unordered_map<int, bool> shown_;
    QTimer* tagTimer_ = nullptr;
    int renderCount_ = 0;
    int partialRenderCount_ = 0;
};

}  // namespace segllm::ui
