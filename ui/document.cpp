#include "ui/document.h"

#include <QUndoStack>

#include <algorithm>

namespace segllm::ui {

Document::Document(ProjectImage image, QObject* parent)
    : QObject(parent), image_(std::move(image)), undoStack_(new QUndoStack(this)) {
    connect(undoStack_, &QUndoStack::cleanChanged, this,
            [this](bool clean) { emit modifiedChanged(!clean); });
}

Document::~Document() = default;

QString Document::path() const {
    return QString::fromStdString(image_.path.string());
}

bool Document::setSize(const QSize& size) {
    for (const ProjectInstance& instance : image_.instances) {
        if (instance.mask.width != size.width() || instance.mask.height != size.height()) {
            return false;
        }
    }
    image_.width = size.width();
    image_.height = size.height();
    return true;
}

const ProjectInstance* Document::instance(int id) const {
    const int index = indexOf(id);
    return index < 0 ? nullptr : &image_.instances[static_cast<std::size_t>(index)];
}

ProjectInstance* Document::find(int id) {
    const int index = indexOf(id);
    return index < 0 ? nullptr : &image_.instances[static_cast<std::size_t>(index)];
}

int Document::indexOf(int id) const {
    for (std::size_t i = 0; i < image_.instances.size(); ++i) {
        if (image_.instances[i].id == id) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Document::instanceAt(const QPoint& p) const {
    for (auto it = image_.instances.rbegin(); it != image_.instances.rend(); ++it) {
        const Mask& m = it->mask;
        if (it->visible && p.x() >= 0 && p.y() >= 0 && p.x() < m.width && p.y() < m.height &&
            m.at(p.x(), p.y()) != 0) {
            return it->id;
        }
    }
    return 0;
}

int Document::nextInstanceId() const {
    int id = 0;
    for (const ProjectInstance& instance : image_.instances) {
        id = std::max(id, instance.id);
    }
    return id + 1;
}

bool Document::isModified() const {
    return !undoStack_->isClean();
}

void Document::setSelectedId(int id) {
    if (instance(id) == nullptr) {
        id = 0;
    }
    if (id == selectedId_) {
        return;
    }
    selectedId_ = id;
    emit selectionChanged(id);
}

void Document::setHoveredId(int id) {
    if (instance(id) == nullptr) {
        id = 0;
    }
    if (id == hoveredId_) {
        return;
    }
    hoveredId_ = id;
    emit hoverChanged(id);
}

void Document::applyInsert(int index, ProjectInstance instance) {
    index = std::clamp(index, 0, static_cast<int>(image_.instances.size()));
    const int id = instance.id;
    image_.instances.insert(image_.instances.begin() + index, std::move(instance));
    emit instanceAdded(id);
}

void Document::applyAddRound(ProjectRound round) {
    image_.rounds.push_back(std::move(round));
    emit roundsChanged();
}

ProjectRound Document::applyRemoveLastRound() {
    ProjectRound last = std::move(image_.rounds.back());
    image_.rounds.pop_back();
    emit roundsChanged();
    return last;
}

ProjectInstance Document::applyRemove(int id) {
    const int index = indexOf(id);
    ProjectInstance removed = std::move(image_.instances[static_cast<std::size_t>(index)]);
    tightBoxes_.erase(id);
    image_.instances.erase(image_.instances.begin() + index);
    if (selectedId_ == id) {
        setSelectedId(0);
    }
    if (hoveredId_ == id) {
        setHoveredId(0);
    }
    emit instanceRemoved(id);
    return removed;
}

void Document::applyPatch(int id, const MaskPatch& patch, bool edited) {
    ProjectInstance* target = find(id);
    if (target == nullptr) {
        return;
    }
    // Every set pixel lies in the old tight box or in the patch: only that area is scanned.
    auto tight = tightBoxes_.find(id);
    if (tight == tightBoxes_.end()) {
        tight = tightBoxes_.emplace(id, mask_box(target->mask)).first;
    }
    QRect region = patch.rect;
    if (tight->second) {
        const PixelBox& old = *tight->second;
        region |= boxRect(old);
    }
    pastePatch(target->mask, patch);
    tight->second = maskBoxWithin(target->mask, region);
    target->box = tight->second.value_or(PixelBox{});
    target->edited = edited;
    emit maskChanged(id, patch.rect);
    emit instanceChanged(id);
}

void Document::applyLabel(int id, const std::string& label) {
    if (ProjectInstance* target = find(id)) {
        target->label = label;
        emit instanceChanged(id);
    }
}

void Document::applyVisible(int id, bool visible) {
    if (ProjectInstance* target = find(id)) {
        target->visible = visible;
        emit instanceChanged(id);
    }
}

}  // namespace segllm::ui
