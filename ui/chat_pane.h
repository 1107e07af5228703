#pragma once
// The conversation with the current image: the rounds so far (prompt, the answer's instance tag
// [k] in the instance's colour, its score and the round's time), errors of failed rounds in
// red, and below them the prompt box, Send, Cancel and a progress bar naming the stage while a
// round runs. The pane shows what it is given and reports what the user asks for; the
// ChatController does the rest.
#include <QPlainTextEdit>
#include <QString>
#include <QWidget>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace segllm::ui {

// The prompt box: Enter (or Return) sends, Shift+Enter inserts a new line.
class PromptEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit PromptEdit(QWidget* parent = nullptr);
signals:
    void sendRequested();

protected:
    void keyPressEvent(QKeyEvent* event) override;
};

// One line of the conversation.
struct ChatEntry {
    int round = 0;       // 1-based; 0 for an error entry
    QString prompt;      // as the user wrote it
    int instanceId = 0;  // the answer's instance (0: none, e.g. deleted)
    float score = 0.0F;
    double timeMs = 0.0;
    QString error;  // non-empty: the round failed with this message
};

class ChatPane : public QWidget {
    Q_OBJECT
public:
    explicit ChatPane(QWidget* parent = nullptr);

    // Replaces the conversation shown.
    void setConversation(const std::vector<ChatEntry>& entries);
    const std::vector<ChatEntry>& conversation() const { return entries_; }
    // The transcript as plain text (what the view shows).
    QString transcriptText() const;
    // Enables Cancel and the progress bar (and disables Send) while a round runs.
    void setBusy(bool busy);
    bool isBusy() const { return busy_; }
    // Shows the stage (the engine's stage name) and the fraction 0..1 of the running round.
    void setProgress(const QString& stage, double fraction);
    // Enables the prompt (false while no model is loaded or no image is open), with the reason.
    void setReady(bool ready, const QString& reason = QString());

    PromptEdit* promptEdit() const { return prompt_; }
    QPushButton* sendButton() const { return send_; }
    QPushButton* cancelButton() const { return cancel_; }
    QProgressBar* progressBar() const { return progress_; }

    // The translated name of an engine stage ("llm" -> "Language model").
    static QString stageName(const QString& stage);

public slots:
    // Inserts "[id]" at the prompt's cursor and focuses the prompt.
    void insertReference(int id);
    // Emits sendRequested with the prompt (and clears the box) unless it is blank or busy.
    void send();

signals:
    void sendRequested(const QString& prompt);
    void cancelRequested();

protected:
    // QEvent::LanguageChange: every text of the pane again in the installed language.
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void render();
    void showProgressText();

    QTextBrowser* view_ = nullptr;
    PromptEdit* prompt_ = nullptr;
    QPushButton* send_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    std::vector<ChatEntry> entries_;
    QString stage_;  // the running round's stage ("" before the first progress report)
    bool busy_ = false;
    bool ready_ = true;
};

}  // namespace segllm::ui
