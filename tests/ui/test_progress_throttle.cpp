// ProgressThrottle: a stream of (stage, time) reports against the forward / drop decisions
// worked out by hand for a 33 ms interval.
#include "ui/progress_throttle.h"

#include <QTest>
#include <vector>

using namespace segllm::ui;

namespace {
struct Report {
    const char* stage;
    qint64 ms;
    bool forwarded;
};
}  // namespace

Q_DECLARE_METATYPE(std::vector<Report>)

class TestProgressThrottle : public QObject {
    Q_OBJECT
private slots:
    void decisions_data() {
        QTest::addColumn<std::vector<Report>>("reports");
        // The first report passes; the same stage within 33 ms is dropped; 33 ms after the
        // last forwarded one passes again (measured from the forwarded one, not the dropped).
        QTest::newRow("one stage") << std::vector<Report>{
            {"llm", 1000, true},  {"llm", 1010, false}, {"llm", 1032, false}, {"llm", 1033, true},
            {"llm", 1060, false}, {"llm", 1065, false}, {"llm", 1066, true},  {"llm", 1200, true}};
        // A new stage always passes, even 1 ms later, and restarts the interval.
        QTest::newRow("stage changes") << std::vector<Report>{
            {"image", 0, true}, {"image", 5, false}, {"prompt", 6, true}, {"references", 6, true},
            {"llm", 7, true},   {"llm", 39, false},  {"llm", 40, true},   {"decode", 41, true},
            {"mask", 41, true}, {"mask", 42, false}};
        // Going back to an earlier stage is a change too.
        QTest::newRow("back and forth")
            << std::vector<Report>{{"a", 0, true}, {"b", 1, true}, {"a", 2, true}, {"a", 3, false}};
    }

    void decisions() {
        QFETCH(std::vector<Report>, reports);
        ProgressThrottle throttle(33);
        for (std::size_t i = 0; i < reports.size(); ++i) {
            const Report& r = reports[i];
            QVERIFY2(throttle.accept(QString::fromLatin1(r.stage), r.ms) == r.forwarded,
                     qPrintable(QStringLiteral("report %1 (%2 at %3 ms)")
                                    .arg(i)
                                    .arg(QLatin1String(r.stage))
                                    .arg(r.ms)));
        }
    }

    void resetLetsTheNextReportThrough() {
        ProgressThrottle throttle(33);
        QVERIFY(throttle.accept(QStringLiteral("llm"), 100));
        QVERIFY(!throttle.accept(QStringLiteral("llm"), 110));
        throttle.reset();
        QVERIFY(throttle.accept(QStringLiteral("llm"), 111));
        QVERIFY(!throttle.accept(QStringLiteral("llm"), 112));
    }

    // A steady 1 kHz stream of one stage for one second: 1 + floor(999 / 33) = 31 pass.
    void steadyStreamIsLimited() {
        ProgressThrottle throttle;
        QCOMPARE(throttle.minIntervalMs(), qint64(33));
        int forwarded = 0;
        for (qint64 ms = 0; ms < 1000; ++ms) {
            forwarded += throttle.accept(QStringLiteral("llm"), ms) ? 1 : 0;
        }
        QCOMPARE(forwarded, 31);
    }
};

QTEST_APPLESS_MAIN(TestProgressThrottle)
#include "test_progress_throttle.moc"
