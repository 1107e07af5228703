#pragma once
// The instance list panel: the list of the current image's instances (selection synchronised
// with the document, so with the canvas), the label of the selected instance (an editable combo
// with the remembered labels) and a delete button. It asks; the edit controller edits.

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QListView;
class QModelIndex;
class QToolButton;

namespace segllm::ui {

class Document;
class InstanceListModel;

class InstancePanel : public QWidget {
    Q_OBJECT

public:
    explicit InstancePanel(QWidget* parent = nullptr);

    void setDocument(Document* document);
    // The labels offered in the combo.
    void setLabels(const QStringList& labels);

    QListView* listView() const { return view_; }
    InstanceListModel* model() const { return model_; }
    QComboBox* labelCombo() const { return labelCombo_; }

signals:
    // A row was clicked: the chat pane inserts "[k]".
    void instanceReferenceRequested(int id);
    // The user typed or picked `label` for the selected instance.
    void labelChangeRequested(const QString& label);
    void deleteRequested();
    void visibilityChangeRequested(int id, bool visible);

protected:
    // QEvent::LanguageChange: the panel's texts and the list's rows in the installed language.
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void showSelection(int id);
    void selectFromView(const QModelIndex& current);
    void commitLabel();
    void updateControls();

    QPointer<Document> document_;
    InstanceListModel* model_ = nullptr;
    QListView* view_ = nullptr;
    QComboBox* labelCombo_ = nullptr;
    QToolButton* deleteButton_ = nullptr;
    QLabel* labelCaption_ = nullptr;
    bool syncing_ = false;
};

}  // namespace segllm::ui
