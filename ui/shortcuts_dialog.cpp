#include "ui/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QKeySequence>
#include <QTableWidget>
#include <QVBoxLayout>

namespace segllm::ui {

ShortcutsDialog::ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Keyboard Shortcuts"));

    QList<QPair<QString, QString>> entries;
    for (const QAction* action : actions) {
        if (action->shortcuts().isEmpty()) {
            continue;
        }
        QStringList keys;
        for (const QKeySequence& key : action->shortcuts()) {
            keys << key.toString(QKeySequence::NativeText);
        }
        entries.append({action->text().remove(QLatin1Char('&')).remove(QStringLiteral("...")),
                        keys.join(tr(" or "))});
    }
    entries.append({tr("Zoom around the cursor"), tr("Mouse wheel")});
    entries.append({tr("Pan"), tr("Drag with the middle button, Space + drag, or drag in the "
                                  "Select tool")});
    entries.append({tr("Select an instance and reference it"), tr("Click it (Select tool)")});
    entries.append({tr("Brush or eraser size"), tr("Ctrl + mouse wheel")});
    entries.append({tr("Close a polygon / cancel it"), tr("Enter or double-click / Esc")});
    entries.append({tr("Remove the last polygon point"), tr("Backspace")});
    entries.append({tr("Send the prompt"), tr("Enter (in the prompt box)")});
    entries.append({tr("New line in the prompt"), tr("Shift+Enter")});
    entries.append({tr("Apply the typed label"), tr("Enter (in the label box)")});

    table_ = new QTableWidget(static_cast<int>(entries.size()), 2, this);
    table_->setHorizontalHeaderLabels({tr("Action"), tr("Shortcut")});
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->setFocusPolicy(Qt::NoFocus);
    for (int row = 0; row < entries.size(); ++row) {
        table_->setItem(row, 0, new QTableWidgetItem(entries[row].first));
        table_->setItem(row, 1, new QTableWidgetItem(entries[row].second));
    }
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table_);
    layout->addWidget(buttons);
    resize(520, 420);
}

QList<QPair<QString, QString>> ShortcutsDialog::rows() const {
    QList<QPair<QString, QString>> result;
    for (int row = 0; row < table_->rowCount(); ++row) {
        result.append({table_->item(row, 0)->text(), table_->item(row, 1)->text()});
    }
    return result;
}

}  // namespace segllm::ui
