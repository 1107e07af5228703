// segllm run: runs one conversation of the benchmark format and writes its masks, an overlay
// and a COCO file.

#include "app/segllm/args.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/engine/engine.h"
#include "core/engine/metrics.h"
#include "core/engine/overlay.h"
#include "core/export/coco.h"
#include "core/image/decode.h"
#include "core/synth/benchmark_files.h"
#include "core/synth/benchmark_format.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& run_options() {
    static const std::vector<OptionSpec> specs = {
        {"out", "DIR", "folder for round_K.png, overlay.png and coco.json (created)", ""},
        model_option_spec(),
        device_option_spec(),
        encode_scale_option_spec(),
        {"no-mask-memory", "", "no mask-encode / box-encode rows (the LISA-style ablation)", ""},
        {"help", "", "show this help", ""},
    };
    return specs;
}

}  // namespace

int run_run(const std::vector<std::string>& argv) {
    const Args args(run_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm run CONVERSATION.json --out DIR [--model DIR] [--device D]\n\n"
            "Runs the rounds of one conversation (the benchmark format of synthetic-world.md;\n"
            "ground-truth masks optional) and writes DIR/round_K.png (0/255 masks at the\n"
            "image's size, K from 1), DIR/overlay.png and DIR/coco.json.\n\n"
            "Options:\n%s",
            format_options(run_options()).c_str());
        return 0;
    }
    if (args.positional().size() != 1) {
        throw Error("expected one CONVERSATION.json (see --help)");
    }
    if (!args.has("out")) {
        throw Error("missing --out DIR (see --help)");
    }
    const std::string json = args.positional().front();
    if (std::filesystem::path(json).extension() != ".json") {
        throw Error(json + ": expected a conversation .json file");
    }
    const auto entries = synth::read_benchmark(json);
    const synth::BenchmarkEntry& entry = entries.front();
    const std::filesystem::path out = args.value("out");
    std::filesystem::create_directories(out);

    const engine::Engine engine = load_engine(args);
    engine::SessionOptions session_options;
    session_options.mask_memory = !args.flag("no-mask-memory");
    engine::Session session(engine, session_options);
    const RgbImage image = decode_image(entry.image_path);
    session.open_image(entry.image_path);

    const bool terminal = isatty(fileno(stderr)) != 0;
    std::vector<Mask> masks;
    for (std::size_t r = 0; r < entry.rounds.size(); ++r) {
        const synth::BenchmarkRound& round = entry.rounds[r];
        const engine::RoundResult result = session.ask(round.prompt);
        const std::string file = "round_" + std::to_string(r + 1) + ".png";
        synth::write_png_mask((out / file).string(), result.mask);
        masks.push_back(result.mask);
        std::printf(
            "round %d: %s -> instance %d, box (%d,%d)-(%d,%d), area %lld, score %.3f, "
            "%.0f ms",
            result.round, round.prompt.c_str(), result.instance_id, result.box.x0, result.box.y0,
            result.box.x1, result.box.y1, static_cast<long long>(mask_area(result.mask)),
            result.score, result.timings.total_ms);
        if (!round.mask_path.empty()) {
            const Mask truth = synth::read_png_mask(round.mask_path, session.image_width(),
                                                    session.image_height());
            std::printf(", IoU %.4f", engine::mask_iou(result.mask, truth));
        }
        std::printf("\n");
        if (terminal) {
            std::fprintf(stderr, "run: %zu/%zu rounds\r", r + 1, entry.rounds.size());
            std::fflush(stderr);
        }
    }
    if (terminal) {
        std::fprintf(stderr, "\n");
    }
    synth::write_png_rgb((out / "overlay.png").string(), engine::render_overlay(image, masks));

    Project project;
    ProjectImage project_image = session.to_project_image();
    project_image.path = entry.image_path;
    project.images.push_back(std::move(project_image));
    CocoExportOptions coco;
    coco.image_root = out;
    write_coco(project, out / "coco.json", coco);
    std::printf("wrote %zu masks, overlay.png and coco.json to %s\n", masks.size(),
                out.string().c_str());
    return 0;
}

}  // namespace segllm::cli
