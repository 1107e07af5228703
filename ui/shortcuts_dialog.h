#pragma once
// Help > Keyboard shortcuts: a table of every action with a shortcut, then the mouse gestures.

#include <QDialog>
#include <QList>

class QAction;
class QTableWidget;

namespace segllm::ui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT

public:
    // Lists `actions` (those without a shortcut are left out) in the given order.
    explicit ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);

    // The table's rows as (what, keys) pairs, as shown.
    QList<QPair<QString, QString>> rows() const;

private:
    QTableWidget* table_ = nullptr;
};

}  // namespace segllm::ui
