#include "ui/exporter.h"

#include "core/export/coco.h"
#include "core/export/labelme.h"
#include "core/export/png_maps.h"
#include "ui/log.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <exception>

namespace segllm::ui {

namespace {
struct Exporter {
    Q_DECLARE_TR_FUNCTIONS(Exporter)
};
}  // namespace

bool exportsToFolder(ExportFormat format) {
    return format != ExportFormat::Coco;
}

ExportResult exportProject(const Project& project, ExportFormat format, const QString& target) {
    ExportResult result;
    const QString native = QDir::toNativeSeparators(target);
    try {
        const std::filesystem::path path = target.toStdString();
        switch (format) {
            case ExportFormat::Coco: {
                CocoExportOptions options;
                options.image_root = QFileInfo(target).absolutePath().toStdString();
                const CocoExportSummary summary = write_coco(project, path, options);
                result.message = Exporter::tr("Wrote %1 annotations of %2 images to %3")
                                     .arg(summary.annotations)
                                     .arg(summary.images)
                                     .arg(native);
                break;
            }
            case ExportFormat::Png: {
                const PngExportSummary summary = write_png_maps(project, path, PngExportOptions{});
                result.message = Exporter::tr("Wrote PNG masks of %1 images to %2")
                                     .arg(summary.images)
                                     .arg(native);
                break;
            }
            case ExportFormat::Labelme: {
                const LabelmeExportSummary summary =
                    write_labelme(project, path, LabelmeExportOptions{});
                result.message =
                    Exporter::tr("Wrote %1 labelme files to %2").arg(summary.files).arg(native);
                break;
            }
        }
        result.ok = true;
    } catch (const std::exception& e) {
        result.message =
            Exporter::tr("Cannot export to %1: %2").arg(native, QString::fromUtf8(e.what()));
        qCWarning(lcProject) << result.message;
    }
    return result;
}

}  // namespace segllm::ui
