// segllm: the command-line front end of SegLLM Studio.

#include "app/segllm/commands.h"
#include "core/common/error.h"
#include "core/common/runtime.h"
#include "segllm/version.h"

#include <execinfo.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

// Exit status for a usage error (no command, unknown command or option).
constexpr int kUsageError = 2;

void print_help(std::FILE* out) {
    std::fprintf(out,
                 "Usage: segllm COMMAND [OPTIONS]\n"
                 "\n"
                 "Multi-round reasoning segmentation (SegLLM) from the command line.\n"
                 "\n"
                 "Commands:\n");
    const auto& table = segllm::cli::commands();
    std::size_t width = 0;
    for (const auto& c : table) {
        width = std::max(width, std::strlen(c.name));
    }
    for (const auto& c : table) {
        std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), c.name, c.summary);
    }
    if (table.empty()) {
        std::fprintf(out, "  (none in this build yet)\n");
    }
    std::fprintf(out,
                 "\n"
                 "Options:\n"
                 "  -h, --help     show this help (COMMAND --help: help of a command)\n"
                 "  -V, --version  show the version\n");
}

// On a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): the signal and the raw call stack on
// stderr (resolve with addr2line or gdb), then the default action, so the exit status stays
// that of the signal. Uses only async-signal-safe calls after the first backtrace(), which is
// made at start-up so that libgcc is loaded before any crash.
extern "C" void report_fatal_signal(int sig) {
    char line[64];
    const int n = std::snprintf(line, sizeof line, "segllm: fatal signal %d; call stack:\n", sig);
    if (n > 0) {
        (void)!write(STDERR_FILENO, line, static_cast<size_t>(n));
    }
    void* frames[64];
    const int depth = backtrace(frames, 64);
    backtrace_symbols_fd(frames, depth, STDERR_FILENO);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void install_crash_report() {
    void* warm[1];
    (void)backtrace(warm, 1);
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
        std::signal(sig, report_fatal_signal);
    }
}

}  // namespace

int main(int argc, char** argv) {
    install_crash_report();
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_help(stderr);
        return kUsageError;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help(stdout);
        return 0;
    }
    if (args[0] == "--version" || args[0] == "-V") {
        std::printf("segllm %s\n", segllm::kVersion);
        return 0;
    }
    if (args[0].size() > 1 && args[0][0] == '-') {
        std::fprintf(stderr, "segllm: unknown option '%s' (see segllm --help)\n", args[0].c_str());
        return kUsageError;
    }
    const auto& table = segllm::cli::commands();
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const segllm::cli::Command& c) { return args[0] == c.name; });
    if (it == table.end()) {
        std::fprintf(stderr, "segllm: unknown command '%s' (see segllm --help)\n", args[0].c_str());
        return kUsageError;
    }
    try {
        segllm::init_torch_threads(segllm::default_inference_threads());
        return it->run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "segllm %s: error: %s\n", it->name, e.what());
        return 1;
    }
}
