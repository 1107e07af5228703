#include "ui/overlay_cache.h"

#include "ui/document.h"
#include "ui/instance_palette.h"
#include "ui/mask_ops.h"

namespace segllm::ui {

OverlayCache::OverlayCache(QObject* parent) : QObject(parent), tagTimer_(new QTimer(this)) {
    tagTimer_->setSingleShot(true);
    tagTimer_->setInterval(kTagDelayMs);
    connect(tagTimer_, &QTimer::timeout, this, &OverlayCache::updateStaleTags);
}

void OverlayCache::setDocument(Document* document) {
    if (document_ != nullptr) {
        disconnect(document_, nullptr, this, nullptr);
    }
    document_ = document;
    entries_.clear();
    shown_.clear();
    if (document != nullptr) {
        for (const ProjectInstance& instance : document->instances()) {
            shown_[instance.id] = instance.visible;
        }
        connect(document, &Document::instanceAdded, this, &OverlayCache::instanceAdded);
        connect(document, &Document::maskChanged, this, &OverlayCache::updateRegion);
        connect(document, &Document::instanceChanged, this, &OverlayCache::instanceChanged);
        connect(document, &Document::instanceRemoved, this, &OverlayCache::instanceRemoved);
        connect(document, &Document::selectionChanged, this, &OverlayCache::changed);
        connect(document, &Document::hoverChanged, this, &OverlayCache::changed);
    }
    emit changed();
}

void OverlayCache::invalidate(int id) {
    entries_.erase(id);
    emit changed();
}

void OverlayCache::instanceAdded(int id) {
    if (const ProjectInstance* instance = document_ ? document_->instance(id) : nullptr) {
        shown_[id] = instance->visible;
        retagBeside(*instance);
    }
    invalidate(id);
}

void OverlayCache::instanceRemoved(int id) {
    const auto found = entries_.find(id);
    // Never drawn: its box is unknown now, so every tag is placed again.
    retagNear(id, found != entries_.end() ? found->second.rect : QRect(), true);
    shown_.erase(id);
    invalidate(id);
}

void OverlayCache::instanceChanged(int id) {
    // Labels do not change the overlay image and mask edits were handled by updateRegion; a
    // change of visibility moves the tags under or beside this instance at once.
    const ProjectInstance* instance = document_ ? document_->instance(id) : nullptr;
    const auto seen = shown_.find(id);
    if (instance != nullptr && (seen == shown_.end() || seen->second != instance->visible)) {
        shown_[id] = instance->visible;
        retagBeside(*instance);
    }
    emit changed();
}

void OverlayCache::retagBeside(const ProjectInstance& instance) {
    // The stored box is the mask's tight box (the session, the importers and every edit keep it
    // so), so no mask is scanned here; an empty one has no neighbours.
    const QRect rect = boxRect(instance.box);
    if (!rect.isEmpty()) {
        retagNear(instance.id, rect, true);
    }
}

void OverlayCache::retagNear(int id, const QRect& rect, bool now) {
    bool any = false;
    for (auto& [otherId, cached] : entries_) {
        if (otherId == id || cached.image.isNull() ||
            (!rect.isNull() && !cached.rect.intersects(rect))) {
            continue;
        }
        const ProjectInstance* other = document_ ? document_->instance(otherId) : nullptr;
        if (now && other != nullptr) {
            cached.tag = placeTag(*other, rectBox(cached.rect));
            cached.tagStale = false;
        } else {
            cached.tagStale = true;
            any = true;
        }
    }
    if (any) {
        tagTimer_->start();
    }
}

QPoint OverlayCache::placeTag(const ProjectInstance& instance, const PixelBox& box) const {
    const QRect rect = boxRect(box);
    std::vector<const Mask*> covering;
    for (const ProjectInstance& other : document_->instances()) {
        if (other.id == instance.id || !other.visible || other.mask.width != instance.mask.width ||
            other.mask.height != instance.mask.height) {
            continue;
        }
        // Only the masks whose stored (tight) box meets this one are read, pixel by pixel. (A
        // box from a hand-edited project file that misses its mask only moves a tag.)
        if (boxRect(other.box).intersects(rect)) {
            covering.push_back(&other.mask);
        }
    }
    return tagPoint(instance.mask, box, covering);
}

void OverlayCache::updateRegion(int id, const QRect& rect) {
    // The tags beside the edit move when the edits pause, like the instance's own.
    retagNear(id, rect, false);
    const auto found = entries_.find(id);
    const ProjectInstance* instance = document_ ? document_->instance(id) : nullptr;
    if (found == entries_.end() || found->second.image.isNull() || instance == nullptr ||
        instance->box.width() <= 0 || instance->box.height() <= 0) {
        invalidate(id);
        return;
    }
    Entry& cached = found->second;
    const PixelBox& box = instance->box;
    const QRect bounds = boxRect(box);
    if (cached.rect != bounds) {
        cached.image = renderOverlay(instance->mask, box, instanceColor(id), kFillAlpha);
        cached.hover = QImage();
        cached.rect = bounds;
        ++renderCount_;
    } else {
        // Same box: only the edited pixels and their neighbours (whose outline may change).
        const QRect region = rect.adjusted(-1, -1, 1, 1);
        renderOverlayRegion(cached.image, instance->mask, box, region, instanceColor(id),
                            kFillAlpha);
        if (!cached.hover.isNull()) {
            renderOverlayRegion(cached.hover, instance->mask, box, region,
                                instanceColor(id).lighter(130), kHoverAlpha);
        }
        ++partialRenderCount_;
    }
    // The tag stays while it is inside the mask and moves when the edits pause.
    const QPoint t = cached.tag;
    if (t.x() < 0 || !bounds.contains(t) || instance->mask.at(t.x(), t.y()) == 0) {
        cached.tag = placeTag(*instance, box);
        cached.tagStale = false;
    } else {
        cached.tagStale = true;
        tagTimer_->start();
    }
    emit changed();
}

void OverlayCache::updateStaleTags() {
    bool moved = false;
    for (auto& [id, cached] : entries_) {
        const ProjectInstance* instance = document_ ? document_->instance(id) : nullptr;
        if (!cached.tagStale || instance == nullptr) {
            continue;
        }
        cached.tag = placeTag(*instance, rectBox(cached.rect));
        cached.tagStale = false;
        moved = true;
    }
    if (moved) {
        emit changed();
    }
}

const OverlayCache::Entry* OverlayCache::entry(int id) {
    const auto found = entries_.find(id);
    if (found != entries_.end()) {
        return found->second.image.isNull() ? nullptr : &found->second;
    }
    const ProjectInstance* instance = document_ ? document_->instance(id) : nullptr;
    if (instance == nullptr) {
        return nullptr;
    }
    Entry& made = entries_[id];
    const std::optional<PixelBox> box = mask_box(instance->mask);
    if (!box) {
        return nullptr;
    }
    made.image = renderOverlay(instance->mask, *box, instanceColor(id), kFillAlpha);
    made.rect = boxRect(*box);
    made.tag = placeTag(*instance, *box);
    ++renderCount_;
    return &made;
}

const QImage* OverlayCache::hoverImage(int id) {
    if (entry(id) == nullptr) {
        return nullptr;
    }
    Entry& cached = entries_[id];
    if (cached.hover.isNull()) {
        const ProjectInstance* instance = document_->instance(id);
        cached.hover = renderOverlay(instance->mask, rectBox(cached.rect),
                                     instanceColor(id).lighter(130), kHoverAlpha);
    }
    return &cached.hover;
}

}  // namespace segllm::ui
