#include "core/synth/benchmark_files.h"

#include "core/common/error.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

namespace segllm::synth {

namespace fs = std::filesystem;

namespace {

void write_image(const std::string& path, const cv::Mat& mat) {
    bool ok = false;
    try {
        ok = cv::imwrite(path, mat);
    } catch (const cv::Exception& e) {
        throw Error(path + ": cannot write the PNG: " + e.what());
    }
    if (!ok) {
        throw Error(path + ": cannot write the PNG");
    }
}

cv::Mat read_image(const std::string& path, int flags) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        throw Error(path + ": no such file");
    }
    cv::Mat mat;
    try {
        mat = cv::imread(path, flags);
    } catch (const cv::Exception& e) {
        throw Error(path + ": cannot decode the image: " + e.what());
    }
    if (mat.empty()) {
        throw Error(path + ": cannot read or decode the image");
    }
    return mat;
}

}  // namespace

void write_png_rgb(const std::string& path, const RgbImage& image) {
    cv::Mat bgr(image.height, image.width, CV_8UC3);
    for (int y = 0; y < image.height; ++y) {
        auto* row = bgr.ptr<std::uint8_t>(y);
        for (int x = 0; x < image.width; ++x) {
            const std::uint8_t* p = image.pixel(x, y);
            row[3 * x + 0] = p[2];
            row[3 * x + 1] = p[1];
            row[3 * x + 2] = p[0];
        }
    }
    write_image(path, bgr);
}

void write_png_mask(const std::string& path, const Mask& mask) {
    cv::Mat grey(mask.height, mask.width, CV_8UC1);
    for (int y = 0; y < mask.height; ++y) {
        auto* row = grey.ptr<std::uint8_t>(y);
        for (int x = 0; x < mask.width; ++x) {
            row[x] = mask.at(x, y) ? 255 : 0;
        }
    }
    write_image(path, grey);
}

RgbImage read_png_rgb(const std::string& path) {
    const cv::Mat bgr = read_image(path, cv::IMREAD_COLOR);
    RgbImage image(bgr.cols, bgr.rows);
    for (int y = 0; y < bgr.rows; ++y) {
        const auto* row = bgr.ptr<std::uint8_t>(y);
        for (int x = 0; x < bgr.cols; ++x) {
            std::uint8_t* p = image.pixel(x, y);
            p[0] = row[3 * x + 2];
            p[1] = row[3 * x + 1];
            p[2] = row[3 * x + 0];
        }
    }
    return image;
}

Mask read_png_mask(const std::string& path, int expected_width, int expected_height) {
    const cv::Mat mat = read_image(path, cv::IMREAD_UNCHANGED);
    if (mat.channels() != 1) {
        throw Error(path + ": a mask must have one channel, this one has " +
                    std::to_string(mat.channels()));
    }
    if (mat.depth() != CV_8U) {
        throw Error(path + ": a mask must be 8-bit");
    }
    if (expected_width > 0 && (mat.cols != expected_width || mat.rows != expected_height)) {
        throw Error(path + ": mask is " + std::to_string(mat.cols) + "x" +
                    std::to_string(mat.rows) + ", the image is " + std::to_string(expected_width) +
                    "x" + std::to_string(expected_height));
    }
    Mask mask(mat.cols, mat.rows);
    for (int y = 0; y < mat.rows; ++y) {
        const auto* row = mat.ptr<std::uint8_t>(y);
        for (int x = 0; x < mat.cols; ++x) {
            mask.at(x, y) = row[x] != 0 ? 1 : 0;
        }
    }
    return mask;
}

void write_benchmark(const std::string& dir, const BenchmarkOptions& options, bool overwrite,
                     const std::function<void(int, int)>& progress) {
    if (options.count < 1) {
        throw Error("benchmark count must be at least 1, got " + std::to_string(options.count));
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        throw Error(dir + ": cannot create the folder" + (ec ? ": " + ec.message() : ""));
    }
    const std::regex ours(R"(scene_\d+(_r\d+)?\.(png|json))");
    std::vector<fs::path> existing;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        existing.push_back(e.path());
    }
    if (!existing.empty()) {
        if (!overwrite) {
            throw Error(dir + ": the folder is not empty (overwrite to replace its scene files)");
        }
        for (const fs::path& p : existing) {
            if (fs::is_regular_file(p) && std::regex_match(p.filename().string(), ours)) {
                fs::remove(p, ec);
                if (ec) {
                    throw Error(p.string() + ": cannot remove: " + ec.message());
                }
            }
        }
    }
    for (int i = 0; i < options.count; ++i) {
        const Conversation c = benchmark_conversation(options, i);
        const std::string stem = benchmark_stem(i);
        const fs::path base(dir);
        write_png_rgb((base / (stem + ".png")).string(), c.scene.image);
        for (std::size_t r = 0; r < c.rounds.size(); ++r) {
            const Instance& answer =
                c.scene.instances[static_cast<std::size_t>(c.rounds[r].answer)];
            write_png_mask((base / (stem + "_r" + std::to_string(r + 1) + ".png")).string(),
                           answer.mask);
        }
        const std::string json_path = (base / (stem + ".json")).string();
        std::ofstream out(json_path, std::ios::binary | std::ios::trunc);
        out << conversation_json(stem, c.rounds);
        out.close();
        if (!out) {
            throw Error(json_path + ": cannot write");
        }
        if (progress) {
            progress(i + 1, options.count);
        }
    }
}

}  // namespace segllm::synth
