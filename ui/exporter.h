#pragma once
// Exports from the GUI through core/export: COCO JSON (a file), PNG maps and labelme JSON (a
// folder each). Errors come back as text naming the file and the reason.

#include "core/export/project.h"

#include <QString>

namespace segllm::ui {

enum class ExportFormat { Coco, Png, Labelme };

struct ExportResult {
    bool ok = false;
    // On success a summary ("Wrote 3 annotations to /x/coco.json"), otherwise
    // "Cannot export to <target>: <reason naming the file>".
    QString message;
};

// True when the format is written into a folder (PNG, labelme), false for a file (COCO).
bool exportsToFolder(ExportFormat format);

// Writes `project` in `format` to `target`; never throws.
ExportResult exportProject(const Project& project, ExportFormat format, const QString& target);

}  // namespace segllm::ui
