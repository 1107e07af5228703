// segllm: the command-line front end of SegLLM Studio.

#include "app/segllm/commands.h"
#include "core/common/error.h"
#include "core/common/runtime.h"
#include "segllm/version.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
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

// On a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): the signal, the faulting instruction
// address, the word on top of the stack (the return address when a call jumped to a bad
// address, where the unwinder cannot go on) and the raw call stack on stderr (resolve with
// addr2line or gdb), then the default action, so the exit status stays that of the signal.
// The first backtrace() is made at start-up so that libgcc is loaded before any crash.
void write_err(const char* text, int length) {
    if (length > 0) {
        (void)!write(STDERR_FILENO, text, static_cast<size_t>(length));
    }
}

void write_address(const char* what, const void* address) {
    char line[512];
    Dl_info info{};
    if (address != nullptr && dladdr(address, &info) != 0 && info.dli_fname != nullptr) {
        const auto offset = reinterpret_cast<std::uintptr_t>(address) -
                            reinterpret_cast<std::uintptr_t>(info.dli_fbase);
        write_err(line, std::snprintf(line, sizeof line, "  %s %p = %s+0x%zx (%s)\n", what, address,
                                      info.dli_fname, static_cast<size_t>(offset),
                                      info.dli_sname != nullptr ? info.dli_sname : "?"));
    } else {
        write_err(line, std::snprintf(line, sizeof line, "  %s %p\n", what, address));
    }
}

extern "C" void report_fatal_signal(int sig, siginfo_t* info, void* context) {
    char line[96];
    write_err(line, std::snprintf(line, sizeof line, "segllm: fatal signal %d\n", sig));
#if defined(__x86_64__) && defined(REG_RIP)
    if (context != nullptr) {
        const auto* uc = static_cast<const ucontext_t*>(context);
        write_address("instruction", reinterpret_cast<const void*>(uc->uc_mcontext.gregs[REG_RIP]));
        const auto* sp = reinterpret_cast<void* const*>(uc->uc_mcontext.gregs[REG_RSP]);
        if (sp != nullptr) {
            write_address("top of stack", sp[0]);
        }
    }
#else
    (void)context;
#endif
    (void)info;
    write_err("call stack:\n", 12);
    void* frames[64];
    const int depth = backtrace(frames, 64);
    backtrace_symbols_fd(frames, depth, STDERR_FILENO);
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_crash_report() {
    void* warm[1];
    (void)backtrace(warm, 1);
    struct sigaction action {};
    action.sa_sigaction = report_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
        sigaction(sig, &action, nullptr);
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
