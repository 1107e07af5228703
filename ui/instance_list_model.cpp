#include "ui/instance_list_model.h"

#include "ui/document.h"
#include "ui/instance_palette.h"

namespace segllm::ui {

InstanceListModel::InstanceListModel(QObject* parent) : QAbstractListModel(parent) {}

void InstanceListModel::setDocument(Document* document) {
    beginResetModel();
    if (document_ != nullptr) {
        disconnect(document_, nullptr, this, nullptr);
    }
    document_ = document;
    if (document != nullptr) {
        connect(document, &Document::instanceAdded, this, &InstanceListModel::reset);
        connect(document, &Document::instanceRemoved, this, &InstanceListModel::reset);
        connect(document, &Document::instanceChanged, this, &InstanceListModel::instanceChanged);
    }
    endResetModel();
}

void InstanceListModel::reset() {
    beginResetModel();
    endResetModel();
}

void InstanceListModel::instanceChanged(int id) {
    const int row = rowOf(id);
    if (row >= 0) {
        emit dataChanged(index(row), index(row));
    }
}

void InstanceListModel::retranslate() {
    if (rowCount() > 0) {
        emit dataChanged(index(0), index(rowCount() - 1), {Qt::DisplayRole, Qt::ToolTipRole});
    }
}

int InstanceListModel::idAt(int row) const {
    if (document_ == nullptr || row < 0 || row >= rowCount()) {
        return 0;
    }
    return document_->instances()[static_cast<std::size_t>(row)].id;
}

int InstanceListModel::rowOf(int id) const {
    return document_ == nullptr ? -1 : document_->indexOf(id);
}

int InstanceListModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || document_ == nullptr) {
        return 0;
    }
    return static_cast<int>(document_->instances().size());
}

QVariant InstanceListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) {
        return QVariant();
    }
    const ProjectInstance& instance = document_->instances()[static_cast<std::size_t>(index.row())];
    const QString label = QString::fromStdString(instance.label);
    switch (role) {
        case Qt::DisplayRole:
            return label.isEmpty() ? tr("[%1] (no label)").arg(instance.id)
                                   : QStringLiteral("[%1] %2").arg(instance.id).arg(label);
        case Qt::DecorationRole:
            return instanceColor(instance.id);
        case Qt::CheckStateRole:
            return instance.visible ? Qt::Checked : Qt::Unchecked;
        case Qt::ToolTipRole:
            return tr("Instance [%1]: %2 pixels%3%4")
                .arg(instance.id)
                .arg(mask_area(instance.mask))
                .arg(instance.round > 0 ? tr(", round %1, score %2")
                                              .arg(instance.round)
                                              .arg(double(instance.score), 0, 'f', 2)
                                        : QString())
                .arg(instance.edited ? tr(", edited by hand") : QString());
        case IdRole:
            return instance.id;
        case LabelRole:
            return label;
        default:
            return QVariant();
    }
}

Qt::ItemFlags InstanceListModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) {
        return Qt::NoItemFlags;
    }
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable;
}

bool InstanceListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::CheckStateRole || !index.isValid()) {
        return false;
    }
    const bool visible = value.toInt() == Qt::Checked;
    emit visibilityChangeRequested(idAt(index.row()), visible);
    return true;
}

}  // namespace segllm::ui
