#pragma once
// The instances of a document as a list model: one row per instance in drawing order, showing
// "[k] label", the instance colour as a swatch, and its visibility as a check box.

#include <QAbstractListModel>
#include <QPointer>

namespace segllm::ui {

class Document;

class InstanceListModel : public QAbstractListModel {
    Q_OBJECT

public:
    // Extra roles: the instance id (int) and the label (QString, empty if none).
    enum Role { IdRole = Qt::UserRole + 1, LabelRole };

    explicit InstanceListModel(QObject* parent = nullptr);

    void setDocument(Document* document);
    Document* document() const { return document_; }

    // Instance id of `row`, or 0.
    int idAt(int row) const;
    // Row of instance `id`, or -1.
    int rowOf(int id) const;
    // Reports every row as changed, so views ask again for the (translated) texts.
    void retranslate();

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Checking or unchecking a row asks for the change (visibilityChangeRequested); the row
    // follows when the document reports the instance changed.
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

signals:
    void visibilityChangeRequested(int id, bool visible);

private:
    void reset();
    void instanceChanged(int id);

    QPointer<Document> document_;
};

}  // namespace segllm::ui
