// segllm-studio: the desktop application of SegLLM Studio.

#include "core/common/runtime.h"
#include "segllm/version.h"
#include "ui/file_controller.h"
#include "ui/main_window.h"
#include "ui/project_session.h"
#include "ui/settings.h"
#include "ui/translator.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QStringList>

#include <cstdio>
#include <exception>

namespace {

void setNames() {
    QCoreApplication::setOrganizationName(QStringLiteral("SegLLM"));
    QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio"));
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.segllm.SegLLMStudio"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(segllm::kVersion));
}

void setUpParser(QCommandLineParser& parser) {
    parser.setApplicationDescription(QCoreApplication::translate(
        "main",
        "SegLLM Studio: chat with an image and segment what you ask for.\n"
        "Ask for objects in the conversation, refer to earlier answers with [k], then correct, "
        "label and export the instance masks."));
    parser.addHelpOption();
    parser.addVersionOption();
    // "[IMAGE]" and "Image file to open." as before: scripts and tests rely on them.
    parser.addPositionalArgument(
        QStringLiteral("image"),
        QCoreApplication::translate("main",
                                    "Image file to open. A folder opens all its images, a "
                                    ".segllm file a saved project."),
        QStringLiteral("[IMAGE]"));
}

// --help and --version need no display: answer them without starting the GUI.
bool wantsInformationOnly(int argc, char** argv) {
    static const QStringList options = {QStringLiteral("-h"),         QStringLiteral("--help"),
                                        QStringLiteral("--help-all"), QStringLiteral("-?"),
                                        QStringLiteral("-v"),         QStringLiteral("--version")};
    for (int i = 1; i < argc; ++i) {
        if (options.contains(QString::fromLocal8Bit(argv[i]))) {
            return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    if (wantsInformationOnly(argc, argv)) {
        QCoreApplication app(argc, argv);
        setNames();
        QCommandLineParser parser;
        setUpParser(parser);
        parser.process(app);  // prints and exits
        return 0;
    }

    QApplication app(argc, argv);
    setNames();
    segllm::ui::installTranslations(segllm::ui::Settings().language());
    QApplication::setWindowIcon(QIcon(QString::fromLatin1(segllm::ui::MainWindow::kIconPath)));

    QCommandLineParser parser;
    setUpParser(parser);
    parser.process(app);
    const QStringList images = parser.positionalArguments();
    if (images.size() > 1) {
        std::fprintf(stderr, "segllm-studio: give at most one IMAGE (see --help)\n");
        return 2;
    }

    try {
        segllm::init_torch_threads(segllm::default_inference_threads());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "segllm-studio: %s\n", e.what());
        return 2;
    }

    segllm::ui::MainWindow window;
    window.show();
    window.startModel();
    // After a crash, offer the autosaved work first; a path on the command line opens only
    // when nothing was restored (opening it would otherwise drop the recovery file).
    if (!window.files()->offerRecovery() && !images.isEmpty()) {
        const QFileInfo info(images.constFirst());
        if (info.isDir()) {
            window.files()->openFolder(info.filePath());
        } else if (info.suffix() == QLatin1String(segllm::ui::ProjectSession::kSuffix)) {
            window.files()->openProject(info.filePath());
        } else {
            window.openImage(info.filePath());
        }
    }
    return app.exec();
}
