#include "ui/log.h"

namespace segllm::ui {

Q_LOGGING_CATEGORY(lcWorkspace, "segllm.ui.workspace", QtWarningMsg)
Q_LOGGING_CATEGORY(lcProject, "segllm.ui.project", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEdit, "segllm.ui.edit", QtWarningMsg)

}  // namespace segllm::ui
