// Locating and loading the sentencepiece shim (without SEGLLM_SPM_SHIM and with it).

#include <QtTest/QtTest>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/common/error.h"
#include "core/text/spm_library.h"

namespace fs = std::filesystem;
using segllm::text::SpmLibrary;

namespace {

// Message of the segllm::Error that f throws; empty if it throws nothing.
template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

class TestSpmLibrary : public QObject {
    Q_OBJECT

private slots:
    void init() { unsetenv("SEGLLM_SPM_SHIM"); }
    void cleanup() { unsetenv("SEGLLM_SPM_SHIM"); }

    // Without the variable: next to the executable first (tests live in <build>/bin, the shim
    // in <build>/lib/segllm-studio), the absolute build-tree path last; duplicates removed.
    void candidatesWithoutEnvironment() {
        const auto candidates = segllm::text::spm_shim_candidates();
        QVERIFY(!candidates.empty());
        const fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
        const fs::path first =
            (exe_dir / ".." / "lib" / "segllm-studio" / "libsegllm_spm_shim.so").lexically_normal();
        QCOMPARE(candidates.front(), first.string());
        const fs::path last(candidates.back());
        QVERIFY(last.is_absolute());
        for (const auto& c : candidates) {
            QCOMPARE(fs::path(c).filename().string(), std::string("libsegllm_spm_shim.so"));
            QCOMPARE(std::count(candidates.begin(), candidates.end(), c), std::ptrdiff_t(1));
        }
    }

    void locatedWithoutEnvironment() {
        QVERIFY(std::getenv("SEGLLM_SPM_SHIM") == nullptr);
        const std::string path = segllm::text::locate_spm_shim();
        QVERIFY2(fs::is_regular_file(path), path.c_str());
        QCOMPARE(fs::path(path).filename().string(), std::string("libsegllm_spm_shim.so"));
        const SpmLibrary& lib = SpmLibrary::instance();
        QCOMPARE(lib.path, path);
        QCOMPARE(lib.abi_version(), SEGLLM_SPM_ABI_VERSION);
        QVERIFY(lib.encode != nullptr && lib.train != nullptr && lib.free_model != nullptr);
        // The instance is loaded once.
        QCOMPARE(&SpmLibrary::instance(), &lib);
    }

    void environmentOverrides() {
        const std::string real = segllm::text::locate_spm_shim();
        const std::string bogus = "/nonexistent/segllm/libshim-missing.so";
        setenv("SEGLLM_SPM_SHIM", bogus.c_str(), 1);
        QCOMPARE(segllm::text::spm_shim_candidates(), std::vector<std::string>{bogus});
        const std::string message = error_of([] { segllm::text::locate_spm_shim(); });
        QVERIFY2(contains(message, bogus), message.c_str());
        QVERIFY2(contains(message, "SEGLLM_SPM_SHIM"), message.c_str());

        setenv("SEGLLM_SPM_SHIM", real.c_str(), 1);
        QCOMPARE(segllm::text::locate_spm_shim(), real);
    }

    void openRejectsNonLibraries() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("not-a-library.so").toStdString();
        std::ofstream(path) << "this is not an ELF file\n";
        std::string message = error_of([&] { SpmLibrary::open(path); });
        QVERIFY2(contains(message, path), message.c_str());

        const std::string missing = dir.filePath("missing.so").toStdString();
        message = error_of([&] { SpmLibrary::open(missing); });
        QVERIFY2(contains(message, missing), message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestSpmLibrary)
#include "test_spm_library.moc"
