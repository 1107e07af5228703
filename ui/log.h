#pragma once
// Logging categories of the GUI: warnings by default; more with
// QT_LOGGING_RULES="segllm.ui.*=true".

#include <QLoggingCategory>

namespace segllm::ui {

Q_DECLARE_LOGGING_CATEGORY(lcWorkspace)
Q_DECLARE_LOGGING_CATEGORY(lcProject)
Q_DECLARE_LOGGING_CATEGORY(lcEdit)

}  // namespace segllm::ui
