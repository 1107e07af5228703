// Atomic replacement: success replaces, every failure leaves the old state and no temp file.

#include "core/common/error.h"
#include "core/export/atomic_file.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <fstream>

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const segllm::Error& e) {
        return e.what();
    }
    return {};
}

int count_entries(const std::filesystem::path& folder) {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(folder)) {
        (void)e;
        ++n;
    }
    return n;
}

}  // namespace

class TestAtomicFile : public QObject {
    Q_OBJECT

private slots:
    void replaces_and_keeps_mode() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const auto file = root / "a.txt";
        segllm::write_file_atomic(file, "first");
        QCOMPARE(segllm::read_file(file), std::string("first"));
        QVERIFY(::chmod(file.c_str(), 0640) == 0);
        segllm::write_file_atomic(file, std::string("second\0bytes", 12));
        QCOMPARE(segllm::read_file(file), std::string("second\0bytes", 12));
        struct stat st {};
        QVERIFY(::stat(file.c_str(), &st) == 0);
        QCOMPARE(static_cast<int>(st.st_mode & 0777), 0640);
        QCOMPARE(count_entries(root), 1);
    }

    void parent_is_a_regular_file() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        segllm::write_file_atomic(root / "plain", "data");
        const std::string message =
            error_of([&] { segllm::write_file_atomic(root / "plain" / "x.json", "new"); });
        QVERIFY2(message.find("x.json") != std::string::npos, message.c_str());
        QVERIFY2(message.find("Not a directory") != std::string::npos, message.c_str());
        QCOMPARE(segllm::read_file(root / "plain"), std::string("data"));
        QCOMPARE(count_entries(root), 1);
    }

    void target_is_a_directory() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        std::filesystem::create_directories(root / "taken" / "inner");
        const std::string message =
            error_of([&] { segllm::write_file_atomic(root / "taken", "new"); });
        QVERIFY2(message.find("is a directory") != std::string::npos, message.c_str());
        QVERIFY(std::filesystem::is_directory(root / "taken" / "inner"));
        QCOMPARE(count_entries(root), 1);
    }

    void missing_folder() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const std::string message =
            error_of([&] { segllm::write_file_atomic(root / "nope" / "x.json", "new"); });
        QVERIFY2(message.find("No such file or directory") != std::string::npos, message.c_str());
        QCOMPARE(count_entries(root), 0);
    }

    void read_errors_name_the_file() {
        const std::string message =
            error_of([] { segllm::read_file("/nonexistent/segllm/file.json"); });
        QVERIFY2(message.find("/nonexistent/segllm/file.json") != std::string::npos,
                 message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
