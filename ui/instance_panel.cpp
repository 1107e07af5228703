#include "ui/instance_panel.h"

#include "ui/document.h"
#include "ui/instance_list_model.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QToolButton>
#include <QVBoxLayout>

namespace segllm::ui {

InstancePanel::InstancePanel(QWidget* parent) : QWidget(parent) {
    model_ = new InstanceListModel(this);
    view_ = new QListView(this);
    view_->setModel(model_);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setUniformItemSizes(true);

    labelCombo_ = new QComboBox(this);
    labelCombo_->setEditable(true);
    labelCombo_->setInsertPolicy(QComboBox::NoInsert);
    deleteButton_ = new QToolButton(this);

    auto* labelRow = new QHBoxLayout;
    labelCaption_ = new QLabel(this);
    labelCaption_->setBuddy(labelCombo_);
    labelRow->addWidget(labelCaption_);
    labelRow->addWidget(labelCombo_, 1);
    labelRow->addWidget(deleteButton_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(view_, 1);
    layout->addLayout(labelRow);

    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { selectFromView(current); });
    connect(view_, &QListView::clicked, this, [this](const QModelIndex& index) {
        const int id = model_->idAt(index.row());
        if (id > 0) {
            emit instanceReferenceRequested(id);
        }
    });
    connect(model_, &InstanceListModel::visibilityChangeRequested, this,
            &InstancePanel::visibilityChangeRequested);
    connect(model_, &QAbstractItemModel::modelReset, this,
            [this] { showSelection(document_ ? document_->selectedId() : 0); });
    connect(model_, &QAbstractItemModel::dataChanged, this, &InstancePanel::updateControls);
    connect(labelCombo_, &QComboBox::activated, this, [this] { commitLabel(); });
    connect(labelCombo_->lineEdit(), &QLineEdit::returnPressed, this, &InstancePanel::commitLabel);
    connect(deleteButton_, &QToolButton::clicked, this, &InstancePanel::deleteRequested);
    retranslate();
    updateControls();
}

void InstancePanel::retranslate() {
    labelCombo_->lineEdit()->setPlaceholderText(tr("Label of the selected instance"));
    labelCombo_->setToolTip(tr("Type a category name and press Enter, or pick one"));
    deleteButton_->setText(tr("Delete"));
    deleteButton_->setToolTip(tr("Delete the selected instance"));
    labelCaption_->setText(tr("&Label:"));
}

void InstancePanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) {
        retranslate();
        model_->retranslate();
    }
    QWidget::changeEvent(event);
}

void InstancePanel::setDocument(Document* document) {
    if (document_ != nullptr) {
        disconnect(document_, nullptr, this, nullptr);
    }
    document_ = document;
    model_->setDocument(document);
    if (document != nullptr) {
        connect(document, &Document::selectionChanged, this, &InstancePanel::showSelection);
    }
    showSelection(document ? document->selectedId() : 0);
}

void InstancePanel::setLabels(const QStringList& labels) {
    const QString text = labelCombo_->currentText();
    labelCombo_->blockSignals(true);
    labelCombo_->clear();
    labelCombo_->addItems(labels);
    labelCombo_->setEditText(text);
    labelCombo_->blockSignals(false);
}

void InstancePanel::showSelection(int id) {
    syncing_ = true;
    const int row = model_->rowOf(id);
    if (row >= 0) {
        view_->selectionModel()->setCurrentIndex(model_->index(row),
                                                 QItemSelectionModel::ClearAndSelect);
        view_->scrollTo(model_->index(row));
    } else {
        view_->selectionModel()->clear();
    }
    syncing_ = false;
    updateControls();
}

void InstancePanel::selectFromView(const QModelIndex& current) {
    if (syncing_ || document_ == nullptr) {
        return;
    }
    document_->setSelectedId(current.isValid() ? model_->idAt(current.row()) : 0);
}

void InstancePanel::commitLabel() {
    if (document_ == nullptr || document_->selectedId() == 0) {
        return;
    }
    emit labelChangeRequested(labelCombo_->currentText().trimmed());
}

void InstancePanel::updateControls() {
    const ProjectInstance* selected =
        document_ != nullptr ? document_->instance(document_->selectedId()) : nullptr;
    labelCombo_->setEnabled(selected != nullptr);
    deleteButton_->setEnabled(selected != nullptr);
    if (!labelCombo_->lineEdit()->hasFocus()) {
        labelCombo_->setEditText(selected ? QString::fromStdString(selected->label) : QString());
    }
}

}  // namespace segllm::ui
