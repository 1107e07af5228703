// segllm-studio-bench: the GUI event-loop probe of issue "Performance" (a benchmark, not a test).
// It runs the real SegLLM Studio window (MainWindow, ChatController, InferenceWorker on its own
// thread; offscreen unless QT_QPA_PLATFORM says otherwise), loads a model folder (by default a
// random segllm-tiny written to a temporary folder), opens a synthetic shapes-world image and
// sends the rounds of its conversation one after the other, as an annotator would. A 5 ms
// precise QTimer on the GUI thread records the interval between its ticks; the longest one
// while a round runs is how long the event loop was blocked (target: <= 50 ms).
//
// With --screenshot it takes a picture of the window instead (issue 7, the README): it loads
// the given model folder, opens the given image, types each --prompt into the prompt box and
// presses Send (waiting for each round to be applied), then resizes the window, waits until it
// is painted and saves QWidget::grab() as a PNG. It works offscreen and under a real X server
// (xvfb-run -a with QT_QPA_PLATFORM=xcb).

#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/engine/bench.h"
#include "ui/chat_controller.h"
#include "ui/chat_pane.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QWindow>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Options {
    QString model;                   // a model folder; empty: a random `preset`
    QString preset = "segllm-tiny";  // used when model is empty
    QString device = "cpu";
    QString dtype = "f32";
    int rounds = 8;
    int width = 1024;
    int height = 768;
    int threads = 0;  // intra-op threads (0: all hardware threads, as segllm-studio)
    int tick_ms = 5;
    quint64 seed = 1;
    QString json;
    // Screenshot mode (--screenshot): the PNG to write, the image file to open, the prompts of
    // the rounds and the window size.
    QString screenshot;
    QString image_file;
    QStringList prompts;
    int window_width = 1280;
    int window_height = 800;
};

// The event-loop probe: a precise timer whose tick intervals are recorded while `measuring`.
class TickProbe {
public:
    explicit TickProbe(int interval_ms) {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(interval_ms);
        QObject::connect(&timer_, &QTimer::timeout, [this] { tick(); });
    }
    void start() {
        clock_.start();
        last_ns_ = 0;
        timer_.start();
    }
    // Starts a new measured span (its maximum is reset).
    void begin() {
        span_max_ms_ = 0.0;
        measuring_ = true;
    }
    // Ends the span and returns the longest interval in it; the pending interval up to now
    // counts too.
    double end() {
        tick_gap(clock_.nsecsElapsed());
        measuring_ = false;
        return span_max_ms_;
    }
    std::int64_t ticks() const { return ticks_; }
    std::int64_t late_ticks() const { return late_; }  // intervals > 50 ms while measuring

private:
    void tick() {
        const qint64 now = clock_.nsecsElapsed();
        tick_gap(now);
        last_ns_ = now;
        if (measuring_) {
            ++ticks_;
        }
    }
    void tick_gap(qint64 now) {
        if (!measuring_) {
            return;
        }
        const double gap = static_cast<double>(now - last_ns_) / 1e6;
        if (gap > 50.0 && gap > span_max_ms_) {
            ++late_;
        }
        span_max_ms_ = std::max(span_max_ms_, gap);
    }

    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ns_ = 0;
    bool measuring_ = false;
    double span_max_ms_ = 0.0;
    std::int64_t ticks_ = 0;
    std::int64_t late_ = 0;
};

// Runs the event loop until `done()` is true or `timeout_ms` passed; returns done().
template <typename Done>
bool wait_until(Done done, int timeout_ms) {
    QElapsedTimer clock;
    clock.start();
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(1);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (done() || clock.elapsed() > timeout_ms) {
            loop.quit();
        }
    });
    poll.start();
    if (!done()) {
        loop.exec();
    }
    return done();
}

Options parse(QApplication& app) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "SegLLM Studio event-loop probe: runs the studio window with rounds on its worker thread "
        "and prints the longest gap between ticks of a GUI timer (target <= 50 ms), the rounds "
        "and the time per round. With --screenshot: saves a picture of the window after a "
        "conversation of --prompt rounds on the --image file with the --model folder.");
    parser.addHelpOption();
    const QCommandLineOption model("model", "model folder (default: a random --config model)",
                                   "DIR");
    const QCommandLineOption config("config", "preset of the random model (default: segllm-tiny)",
                                    "PRESET", "segllm-tiny");
    const QCommandLineOption device("device", "auto, cpu or cuda (default: cpu)", "DEVICE", "cpu");
    const QCommandLineOption dtype("dtype", "f32, bf16 or f16 (default: f32)", "DTYPE", "f32");
    const QCommandLineOption rounds("rounds", "rounds of the conversation, 1..8 (default: 8)", "N",
                                    "8");
    const QCommandLineOption image(
        "image",
        "benchmark: synthetic scene size WxH (default: 1024x768); with --screenshot: the image "
        "file to open",
        "WxH|FILE", "1024x768");
    const QCommandLineOption threads(
        "threads", "intra-op threads (default 0: all hardware threads, as segllm-studio)", "T",
        "0");
    const QCommandLineOption tick("tick", "probe timer interval in ms (default: 5)", "MS", "5");
    const QCommandLineOption seed(
        "seed", "seed of the scene, prompts and random weights (default: 1)", "N", "1");
    const QCommandLineOption json("json", "also write the figures as JSON", "FILE");
    const QCommandLineOption screenshot(
        "screenshot",
        "screenshot mode: load --model, open the --image file, send each --prompt as a user "
        "would, and save a picture of the window to this PNG",
        "PNG");
    const QCommandLineOption prompt(
        "prompt", "with --screenshot: the prompt of one round (repeat it for each round, in order)",
        "TEXT");
    const QCommandLineOption size("size", "with --screenshot: window size (default: 1280x800)",
                                  "WxH", "1280x800");
    parser.addOptions({model, config, device, dtype, rounds, image, threads, tick, seed, json,
                       screenshot, prompt, size});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        throw segllm::Error("unexpected argument '" +
                            parser.positionalArguments().constFirst().toStdString() +
                            "' (see --help)");
    }
    auto integer = [&](const QCommandLineOption& o, int lo, int hi) {
        bool ok = false;
        const int v = parser.value(o).toInt(&ok);
        if (!ok || v < lo || v > hi) {
            throw segllm::Error("option '--" + o.names().constFirst().toStdString() +
                                "' expects a whole number in " + std::to_string(lo) + ".." +
                                std::to_string(hi) + ", got '" + parser.value(o).toStdString() +
                                "'");
        }
        return v;
    };
    Options o;
    o.model = parser.value(model);
    o.preset = parser.value(config);
    o.device = parser.value(device);
    o.dtype = parser.value(dtype);
    o.rounds = integer(rounds, 1, 8);
    o.threads = integer(threads, 0, 1024);
    o.tick_ms = integer(tick, 1, 1000);
    o.seed = static_cast<quint64>(integer(seed, 0, 1 << 30));
    o.json = parser.value(json);
    // "WxH" of `option` into `w` and `h` (the benchmark's scene size, as before; the window
    // size of --screenshot must also be 16..16384).
    auto dimensions = [&](const QCommandLineOption& option, int& w, int& h, bool window) {
        const QStringList parts = parser.value(option).split('x');
        bool okw = false;
        bool okh = false;
        if (parts.size() == 2) {
            w = parts[0].toInt(&okw);
            h = parts[1].toInt(&okh);
        }
        if (window && okw && okh && (w < 16 || h < 16 || w > 16384 || h > 16384)) {
            okw = false;
        }
        if (!okw || !okh) {
            throw segllm::Error("option '--" + option.names().constFirst().toStdString() +
                                "' expects WxH (e.g. " + (window ? "1280x800" : "1024x768") +
                                "), got '" + parser.value(option).toStdString() + "'");
        }
    };
    if (!parser.isSet(screenshot)) {
        if (parser.isSet(prompt) || parser.isSet(size)) {
            throw segllm::Error("options '--prompt' and '--size' need '--screenshot' (see --help)");
        }
        dimensions(image, o.width, o.height, false);
        return o;
    }
    o.screenshot = parser.value(screenshot);
    if (o.screenshot.isEmpty()) {
        throw segllm::Error("option '--screenshot' expects the PNG file to write");
    }
    if (o.model.isEmpty()) {
        throw segllm::Error("'--screenshot' needs '--model DIR' (a trained model folder)");
    }
    if (!parser.isSet(image) || parser.value(image).isEmpty()) {
        throw segllm::Error("'--screenshot' needs '--image FILE' (the image to open)");
    }
    o.image_file = parser.value(image);
    o.prompts = parser.values(prompt);
    if (o.prompts.isEmpty()) {
        throw segllm::Error("'--screenshot' needs at least one '--prompt TEXT'");
    }
    for (const QString& p : o.prompts) {
        if (p.trimmed().isEmpty()) {
            throw segllm::Error("option '--prompt' expects a non-blank text");
        }
    }
    dimensions(size, o.window_width, o.window_height, true);
    return o;
}

QImage to_qimage(const segllm::RgbImage& rgb) {
    QImage image(rgb.width, rgb.height, QImage::Format_RGB888);
    for (int y = 0; y < rgb.height; ++y) {
        std::copy_n(rgb.pixel(0, y), static_cast<std::size_t>(rgb.width) * 3, image.scanLine(y));
    }
    return image;
}

double median(std::vector<double> v) {
    if (v.empty()) {
        return 0.0;
    }
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Loads `folder` in `chat` (on its worker thread) and waits for the load; throws naming the
// folder and the reason when it fails.
void load_model(segllm::ui::ChatController* chat, const Options& options, const QString& folder) {
    // The status text is English here (no translator is installed): "Model not loaded: <why>"
    // once a load failed.
    QString load_error;
    const QMetaObject::Connection connection = QObject::connect(
        chat, &segllm::ui::ChatController::modelStatusChanged, [&](const QString& text) {
            if (text.startsWith(QLatin1String("Model not loaded: "))) {
                load_error = text;
            }
        });
    chat->loadModel(folder, options.device, options.dtype);
    const bool finished =
        wait_until([&] { return chat->isModelLoaded() || !load_error.isEmpty(); }, 600000);
    QObject::disconnect(connection);
    if (!finished) {
        throw segllm::Error("the model " + folder.toStdString() + " did not load in 10 minutes");
    }
    if (!chat->isModelLoaded()) {
        throw segllm::Error("cannot load the model " + folder.toStdString() + ": " +
                            load_error.mid(18).toStdString());  // after "Model not loaded: "
    }
}

// Screenshot mode: the conversation of `options.prompts` on `options.image_file` with the model
// `options.model`, sent through the prompt box and Send, then a picture of the window.
int run_screenshot(const Options& options) {
    const QFileInfo model_info(options.model);
    if (!model_info.isDir()) {
        throw segllm::Error("model folder " + options.model.toStdString() +
                            (model_info.exists() ? " is not a folder" : " does not exist"));
    }
    const QFileInfo image_info(options.image_file);
    if (!image_info.isFile()) {
        throw segllm::Error("image " + options.image_file.toStdString() +
                            (image_info.exists() ? " is not a file" : " does not exist"));
    }
    {
        QImageReader reader(options.image_file);
        if (reader.read().isNull()) {
            throw segllm::Error("cannot read image " + options.image_file.toStdString() + ": " +
                                reader.errorString().toStdString());
        }
    }
    const QString out_dir = QFileInfo(options.screenshot).absolutePath();
    if (!QFileInfo(out_dir).isDir()) {
        throw segllm::Error("cannot write " + options.screenshot.toStdString() + ": folder " +
                            out_dir.toStdString() + " does not exist");
    }
    const int threads = segllm::init_torch_threads(options.threads);

    segllm::ui::MainWindow window;
    window.resize(options.window_width, options.window_height);
    window.show();
    segllm::ui::ChatController* chat = window.chat();
    segllm::ui::ChatPane* pane = window.chatPane();

    QElapsedTimer clock;
    clock.start();
    load_model(chat, options, options.model);
    std::fprintf(stderr, "studio-bench: model loaded in %lld ms with %d thread(s) (%s)\n",
                 static_cast<long long>(clock.elapsed()), threads,
                 chat->modelStatus().toUtf8().constData());

    QString open_error;
    QObject::connect(&window, &segllm::ui::MainWindow::errorOccurred,
                     [&](const QString& text) { open_error = text; });
    if (!window.openImage(options.image_file)) {
        throw segllm::Error(
            "the studio could not open image " + options.image_file.toStdString() +
            (open_error.isEmpty() ? std::string() : ": " + open_error.toStdString()));
    }
    wait_until([] { return false; }, 200);  // let the window show the image

    // Each prompt is typed into the prompt box and sent with the Send button, as a user does;
    // the next one waits until the round was applied to the document.
    int applied = 0;
    QString round_error;
    QObject::connect(chat, &segllm::ui::ChatController::roundApplied, [&](int) { ++applied; });
    QObject::connect(chat, &segllm::ui::ChatController::roundError,
                     [&](const QString& text) { round_error = text; });
    for (int r = 0; r < options.prompts.size(); ++r) {
        const QString& prompt = options.prompts[r];
        const std::string what =
            "round " + std::to_string(r + 1) + " (prompt '" + prompt.toStdString() + "')";
        if (!pane->sendButton()->isEnabled() || !pane->promptEdit()->isEnabled()) {
            throw segllm::Error(what + " cannot be sent: the prompt box is disabled (" +
                                chat->modelStatus().toStdString() + ")");
        }
        const int before = applied;
        round_error.clear();
        clock.restart();
        pane->promptEdit()->setPlainText(prompt);
        pane->sendButton()->click();
        if (!chat->isBusy() && applied == before && round_error.isEmpty()) {
            throw segllm::Error(what + " was not accepted by the studio");
        }
        const bool done =
            wait_until([&] { return applied > before || !round_error.isEmpty(); }, 600000);
        if (!done) {
            throw segllm::Error(what + " did not finish in 10 minutes");
        }
        if (!round_error.isEmpty()) {
            throw segllm::Error(what + " failed: " + round_error.toStdString());
        }
        std::fprintf(stderr, "studio-bench: %s: %lld ms\n", what.c_str(),
                     static_cast<long long>(clock.elapsed()));
    }

    // The picture: the window at its size, the image fitted, once the window is exposed and
    // has painted everything (the last round's instance, the transcript).
    window.resize(options.window_width, options.window_height);
    window.canvas()->fitToWindow();
    if (!wait_until(
            [&] { return window.windowHandle() != nullptr && window.windowHandle()->isExposed(); },
            10000)) {
        throw segllm::Error("the window was not shown (exposed) in 10 s");
    }
    wait_until([] { return false; }, 500);
    const QPixmap picture = window.grab();
    if (picture.isNull()) {
        throw segllm::Error("cannot grab the window");
    }
    // Quality 0: the strongest (lossless) PNG compression.
    if (!picture.save(options.screenshot, "PNG", 0)) {
        throw segllm::Error("cannot write " + options.screenshot.toStdString());
    }
    std::printf("segllm-studio-bench: wrote %s (%dx%d px, %d round(s), %s)\n",
                options.screenshot.toUtf8().constData(), picture.width(), picture.height(),
                static_cast<int>(options.prompts.size()),
                QGuiApplication::platformName().toUtf8().constData());
    std::fflush(stdout);
    return 0;
}

int run(QApplication& app) {
    const Options options = parse(app);
    if (!options.screenshot.isEmpty()) {
        return run_screenshot(options);
    }
    const int threads = segllm::init_torch_threads(options.threads);

    QTemporaryDir temp;
    if (!temp.isValid()) {
        throw segllm::Error("cannot create a temporary folder");
    }
    QString model_dir = options.model;
    if (model_dir.isEmpty()) {
        model_dir = temp.filePath("model");
        std::fprintf(stderr, "studio-bench: writing a random %s model to %s\n",
                     options.preset.toUtf8().constData(), model_dir.toUtf8().constData());
        segllm::engine::write_random_model_folder(options.preset.toStdString(), options.seed,
                                                  model_dir.toStdString());
    }
    const segllm::engine::BenchScene scene = segllm::engine::make_bench_scene(
        options.seed, options.rounds, options.width, options.height);
    const QString image_path = temp.filePath("scene.png");
    if (!to_qimage(scene.image).save(image_path)) {
        throw segllm::Error("cannot write " + image_path.toStdString());
    }

    segllm::ui::MainWindow window;
    window.show();
    segllm::ui::ChatController* chat = window.chat();
    TickProbe probe(options.tick_ms);
    probe.start();

    // Model load (on the worker thread).
    QElapsedTimer clock;
    clock.start();
    probe.begin();
    // The status text is English here (no translator is installed): "Model not loaded: <why>"
    // once a load failed.
    QString load_error;
    QObject::connect(chat, &segllm::ui::ChatController::modelStatusChanged,
                     [&](const QString& text) {
                         if (text.startsWith(QLatin1String("Model not loaded: "))) {
                             load_error = text;
                         }
                     });
    chat->loadModel(model_dir, options.device, options.dtype);
    if (!wait_until([&] { return chat->isModelLoaded() || !load_error.isEmpty(); }, 600000)) {
        throw segllm::Error("the model did not load in 10 minutes");
    }
    if (!chat->isModelLoaded()) {
        throw segllm::Error(load_error.toStdString());
    }
    const double load_gap = probe.end();
    const double load_ms = static_cast<double>(clock.elapsed());
    std::fprintf(stderr, "studio-bench: model loaded in %.0f ms (%s)\n", load_ms,
                 chat->modelStatus().toUtf8().constData());

    if (!window.openImage(image_path)) {
        throw segllm::Error("the studio could not open " + image_path.toStdString());
    }
    wait_until([] { return false; }, 200);  // let the window show the image

    // Rounds: each is sent when the previous one was applied to the document.
    int applied = 0;
    QString round_error;
    QObject::connect(chat, &segllm::ui::ChatController::roundApplied, [&](int) { ++applied; });
    QObject::connect(chat, &segllm::ui::ChatController::roundError,
                     [&](const QString& text) { round_error = text; });
    std::vector<double> round_ms;
    std::vector<double> round_gap;
    for (int r = 0; r < options.rounds && round_error.isEmpty(); ++r) {
        const int before = applied;
        const QString prompt = QString::fromStdString(scene.prompts[static_cast<std::size_t>(r)]);
        probe.begin();
        clock.restart();
        chat->send(prompt);
        const bool done =
            wait_until([&] { return applied > before || !round_error.isEmpty(); }, 600000);
        const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        // Also what the GUI does right after (painting the new instance).
        wait_until([] { return false; }, 20);
        const double gap = probe.end();
        if (!done || !round_error.isEmpty()) {
            throw segllm::Error("round " + std::to_string(r + 1) + " failed: " +
                                (done ? round_error.toStdString() : std::string("timed out")));
        }
        round_ms.push_back(ms);
        round_gap.push_back(gap);
        std::fprintf(stderr, "studio-bench: round %d: %.1f ms, longest GUI gap %.1f ms\n", r + 1,
                     ms, gap);
    }

    const double max_gap = *std::max_element(round_gap.begin(), round_gap.end());
    double sum = 0.0;
    for (double v : round_ms) {
        sum += v;
    }
    std::printf("segllm-studio-bench: %s, image %dx%d, %d intra-op thread(s), tick %d ms\n",
                options.model.isEmpty() ? ("random " + options.preset).toUtf8().constData()
                                        : options.model.toUtf8().constData(),
                options.width, options.height, threads, options.tick_ms);
    std::printf("model load: %.0f ms, longest GUI gap meanwhile %.1f ms\n", load_ms, load_gap);
    std::printf("round  ms(send->applied)  longest_gui_gap_ms\n");
    for (std::size_t i = 0; i < round_ms.size(); ++i) {
        std::printf("%5zu  %17.1f  %18.1f\n", i + 1, round_ms[i], round_gap[i]);
    }
    std::printf(
        "rounds: %zu, ms per round: mean %.1f, median %.1f (round 1 includes the image "
        "encoding)\n",
        round_ms.size(), sum / static_cast<double>(round_ms.size()), median(round_ms));
    std::printf(
        "longest GUI event-loop gap while rounds ran: %.1f ms (target <= 50 ms: %s), "
        "%lld ticks, %lld span(s) with a gap > 50 ms\n",
        max_gap, max_gap <= 50.0 ? "met" : "NOT met", static_cast<long long>(probe.ticks()),
        static_cast<long long>(probe.late_ticks()));
    std::fflush(stdout);

    if (!options.json.isEmpty()) {
        QJsonArray rounds;
        for (std::size_t i = 0; i < round_ms.size(); ++i) {
            rounds.append(QJsonObject{{"round", static_cast<int>(i + 1)},
                                      {"ms", round_ms[i]},
                                      {"max_gap_ms", round_gap[i]}});
        }
        const QJsonObject root{{"image", QJsonArray{options.width, options.height}},
                               {"threads", threads},
                               {"tick_ms", options.tick_ms},
                               {"load_ms", load_ms},
                               {"load_max_gap_ms", load_gap},
                               {"rounds", rounds},
                               {"mean_round_ms", sum / static_cast<double>(round_ms.size())},
                               {"max_gap_ms", max_gap}};
        QFile file(options.json);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(QJsonDocument(root).toJson()) < 0) {
            throw segllm::Error("cannot write " + options.json.toStdString());
        }
    }
    return 0;
}

// The offscreen platform warns on every window resize that it cannot propagate size hints:
// noise in the figures' output, dropped; every other message goes to stderr as usual.
void message_handler(QtMsgType type, const QMessageLogContext& context, const QString& text) {
    if (text.contains(QLatin1String("propagateSizeHints"))) {
        return;
    }
    std::fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, text)));
}

}  // namespace

int main(int argc, char** argv) {
    qInstallMessageHandler(message_handler);
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    // Settings, autosave and recovery files go to Qt's test locations, not the user's.
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("SegLLM"));
    QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio"));
    try {
        return run(app);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "segllm-studio-bench: error: %s\n", e.what());
        return 1;
    }
}
