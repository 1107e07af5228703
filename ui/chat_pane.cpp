#include "ui/chat_pane.h"

#include "ui/instance_palette.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace segllm::ui {

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
    setTabChangesFocus(true);
}

void PromptEdit::keyPressEvent(QKeyEvent* event) {
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
        emit sendRequested();
        event->accept();
        return;
    }
    if (enter) {
        insertPlainText(QStringLiteral("\n"));
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

ChatPane::ChatPane(QWidget* parent) : QWidget(parent) {
    view_ = new QTextBrowser(this);
    view_->setOpenLinks(false);
    prompt_ = new PromptEdit(this);
    prompt_->setMaximumHeight(prompt_->fontMetrics().lineSpacing() * 4 + 12);
    send_ = new QPushButton(this);
    cancel_ = new QPushButton(this);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 100);
    progress_->setTextVisible(true);
    status_ = new QLabel(this);
    status_->setWordWrap(true);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(progress_, 1);
    buttons->addWidget(cancel_);
    buttons->addWidget(send_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(view_, 1);
    layout->addWidget(status_);
    layout->addWidget(prompt_);
    layout->addLayout(buttons);

    connect(prompt_, &PromptEdit::sendRequested, this, &ChatPane::send);
    connect(send_, &QPushButton::clicked, this, &ChatPane::send);
    connect(cancel_, &QPushButton::clicked, this, &ChatPane::cancelRequested);
    retranslate();
    setBusy(false);
    render();
}

void ChatPane::retranslate() {
    prompt_->setPlaceholderText(tr("Ask for an object, e.g. \"Segment the red circle.\""));
    send_->setText(tr("Send"));
    send_->setToolTip(tr("Send the prompt (Enter; Shift+Enter starts a new line)"));
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Stop the running round"));
}

void ChatPane::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) {
        retranslate();
        render();
        if (busy_) {
            showProgressText();
        }
    }
    QWidget::changeEvent(event);
}

QString ChatPane::stageName(const QString& stage) {
    if (stage == QLatin1String("image")) {
        return tr("Encoding the image");
    }
    if (stage == QLatin1String("prompt")) {
        return tr("Reading the prompt");
    }
    if (stage == QLatin1String("references")) {
        return tr("Encoding references");
    }
    if (stage == QLatin1String("llm")) {
        return tr("Language model");
    }
    if (stage == QLatin1String("decode")) {
        return tr("Decoding the mask");
    }
    if (stage == QLatin1String("mask")) {
        return tr("Resizing the mask");
    }
    return stage;
}

void ChatPane::setConversation(const std::vector<ChatEntry>& entries) {
    entries_ = entries;
    render();
}

QString ChatPane::transcriptText() const {
    return view_->toPlainText();
}

void ChatPane::render() {
    QString html;
    for (const ChatEntry& entry : entries_) {
        const QString prompt =
            entry.prompt.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
        if (!entry.error.isEmpty()) {
            html += QStringLiteral("<p><b>%1</b> %2<br><span style=\"color:#c62828\">%3</span></p>")
                        .arg(tr("You:"), prompt, tr("Error: %1").arg(entry.error.toHtmlEscaped()));
            continue;
        }
        QString answer;
        if (entry.instanceId > 0) {
            const QColor color = instanceColor(entry.instanceId);
            answer = QStringLiteral("<span style=\"color:%1; font-weight:bold\">[%2]</span> ")
                         .arg(color.name())
                         .arg(entry.instanceId) +
                     tr("score %1, %2 s")
                         .arg(QString::number(static_cast<double>(entry.score), 'f', 2),
                              QString::number(entry.timeMs / 1000.0, 'f', 2));
        } else {
            answer = tr("(instance deleted)");
        }
        html += QStringLiteral("<p><b>%1</b> %2<br>&nbsp;&nbsp;&rarr; %3</p>")
                    .arg(tr("Round %1:").arg(entry.round), prompt, answer);
    }
    view_->setHtml(html);
    view_->verticalScrollBar()->setValue(view_->verticalScrollBar()->maximum());
}

void ChatPane::setBusy(bool busy) {
    busy_ = busy;
    send_->setEnabled(!busy && ready_);
    cancel_->setEnabled(busy);
    progress_->setVisible(busy);
    if (busy) {
        stage_.clear();
        progress_->setValue(0);
        showProgressText();
    }
}

void ChatPane::setProgress(const QString& stage, double fraction) {
    stage_ = stage;
    progress_->setValue(static_cast<int>(fraction * 100.0 + 0.5));
    showProgressText();
}

void ChatPane::showProgressText() {
    progress_->setFormat(stage_.isEmpty() ? tr("Starting...")
                                          : stageName(stage_) + QStringLiteral(" %p%"));
}

void ChatPane::setReady(bool ready, const QString& reason) {
    ready_ = ready;
    prompt_->setReadOnly(!ready);
    send_->setEnabled(ready && !busy_);
    status_->setText(reason);
    status_->setVisible(!reason.isEmpty());
}

void ChatPane::insertReference(int id) {
    if (id <= 0) {
        return;
    }
    prompt_->insertPlainText(QStringLiteral("[%1]").arg(id));
    prompt_->setFocus();
}

void ChatPane::send() {
    const QString text = prompt_->toPlainText().trimmed();
    if (text.isEmpty() || busy_ || !ready_) {
        return;
    }
    prompt_->clear();
    emit sendRequested(text);
}

}  // namespace segllm::ui
