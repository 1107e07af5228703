// segllm chat: a terminal conversation with one image.

#include "app/segllm/args.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/engine/engine.h"
#include "core/engine/overlay.h"
#include "core/image/decode.h"
#include "core/synth/benchmark_files.h"

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& chat_options() {
    static const std::vector<OptionSpec> specs = {
        model_option_spec(),
        device_option_spec(),
        encode_scale_option_spec(),
        {"overlay", "FILE", "overlay PNG rewritten after each round", "segllm-chat.png"},
        {"no-mask-memory", "", "no mask-encode / box-encode rows (the LISA-style ablation)", ""},
        {"help", "", "show this help", ""},
    };
    return specs;
}

const char* kChatHelp =
    "Type a request, e.g. \"Segment the red circle.\"; [k] names instance k.\n"
    "Commands: /undo  /delete K  /clear  /alternatives K  /choose K RANK  /help  /quit\n";

// "box (x0,y0)-(x1,y1)" or "no pixels" for an empty mask.
std::string box_text(const PixelBox& b) {
    if (b.x1 < b.x0) {
        return "no pixels";
    }
    return "box (" + std::to_string(b.x0) + "," + std::to_string(b.y0) + ")-(" +
           std::to_string(b.x1) + "," + std::to_string(b.y1) + ")";
}

void print_instances(const engine::Session& session) {
    for (const engine::Instance& i : session.instances()) {
        if (!i.deleted) {
            std::printf("  [%d] %s, area %lld%s\n", i.id, box_text(i.box).c_str(),
                        static_cast<long long>(mask_area(i.mask)), i.edited ? ", edited" : "");
        }
    }
}

void write_overlay(const std::string& path, const RgbImage& image, const engine::Session& session) {
    std::vector<Mask> masks;
    for (const engine::Instance& i : session.instances()) {
        masks.push_back(i.deleted ? Mask(image.width, image.height) : i.mask);
    }
    synth::write_png_rgb(path, engine::render_overlay(image, masks));
}

// Runs one "/command"; returns false for /quit.
bool run_command(const std::string& line, engine::Session& session) {
    std::istringstream in(line.substr(1));
    std::string name;
    in >> name;
    if (name == "quit" || name == "exit") {
        return false;
    }
    if (name == "help") {
        std::printf("%s", kChatHelp);
    } else if (name == "undo") {
        session.undo();
        std::printf("undone; %d rounds left\n", session.round_count());
    } else if (name == "clear") {
        session.clear();
        std::printf("conversation cleared\n");
    } else if (name == "delete") {
        int id = 0;
        if (!(in >> id)) {
            throw Error("usage: /delete K");
        }
        session.delete_instance(id);
        std::printf("instance %d deleted\n", id);
    } else if (name == "alternatives") {
        int id = 0;
        if (!(in >> id)) {
            throw Error("usage: /alternatives K");
        }
        for (const engine::Candidate& c : session.candidates(id)) {
            std::printf("  rank %zu: score %.3f, box (%d,%d)-(%d,%d)\n", c.rank, c.score, c.box.x0,
                        c.box.y0, c.box.x1, c.box.y1);
        }
    } else if (name == "choose") {
        int id = 0;
        std::size_t rank = 0;
        if (!(in >> id >> rank)) {
            throw Error("usage: /choose K RANK");
        }
        session.choose_candidate(id, rank);
        std::printf("instance %d now uses candidate %zu\n", id, rank);
    } else {
        throw Error("unknown command '/" + name + "' (/help lists them)");
    }
    return true;
}

}  // namespace

int run_chat(const std::vector<std::string>& argv) {
    const Args args(chat_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm chat IMAGE [--model DIR] [--overlay FILE] [--device D]\n\n"
            "A terminal conversation with an image: each line is one round. After each round\n"
            "the instance number, box, area and timing are printed and the overlay PNG is\n"
            "rewritten.\n%s\nOptions:\n%s",
            kChatHelp, format_options(chat_options()).c_str());
        return 0;
    }
    if (args.positional().size() != 1) {
        throw Error("expected one IMAGE (see --help)");
    }
    const std::string image_path = args.positional().front();
    const RgbImage image = decode_image(image_path);
    const engine::Engine engine = load_engine(args);
    engine::SessionOptions session_options;
    session_options.mask_memory = !args.flag("no-mask-memory");
    engine::Session session(engine, session_options);
    session.open_image(image);
    const std::string overlay = args.value("overlay");
    const bool interactive = isatty(fileno(stdin)) != 0;
    std::printf("%s: %dx%d, encoded in %.0f ms on %s\n", image_path.c_str(), image.width,
                image.height, session.image_encode_ms(), engine.info().device.c_str());
    if (interactive) {
        std::printf("%s", kChatHelp);
    }
    std::string line;
    while (true) {
        if (interactive) {
            std::printf("> ");
            std::fflush(stdout);
        }
        if (!std::getline(std::cin, line)) {
            break;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        try {
            if (line[0] == '/') {
                if (!run_command(line, session)) {
                    break;
                }
                print_instances(session);
            } else {
                const engine::RoundResult r = session.ask(line);
                std::printf(
                    "instance %d: %s, area %lld, score %.3f, %.0f ms (llm %.0f, decode %.0f)\n",
                    r.instance_id, box_text(r.box).c_str(),
                    static_cast<long long>(mask_area(r.mask)), r.score, r.timings.total_ms,
                    r.timings.llm_ms, r.timings.decode_ms);
            }
            write_overlay(overlay, image, session);
        } catch (const Error& e) {
            // The session is unchanged; the conversation goes on.
            std::printf("error: %s\n", e.what());
        }
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace segllm::cli
