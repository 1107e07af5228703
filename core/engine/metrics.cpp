#include "core/engine/metrics.h"

#include "core/common/error.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace segllm::engine {

namespace {

void check_sizes(const Mask& prediction, const Mask& truth) {
    if (prediction.width != truth.width || prediction.height != truth.height) {
        throw Error("IoU: the prediction is " + std::to_string(prediction.width) + "x" +
                    std::to_string(prediction.height) + " but the ground truth is " +
                    std::to_string(truth.width) + "x" + std::to_string(truth.height));
    }
}

nlohmann::ordered_json tally_json(const IouTally& t) {
    nlohmann::ordered_json j;
    j["ciou"] = t.ciou();
    j["giou"] = t.giou();
    j["count"] = t.count;
    return j;
}

std::string tally_row(const std::string& name, const IouTally& t) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-14s %8.4f %8.4f %7d\n", name.c_str(), t.ciou(), t.giou(),
                  t.count);
    return line;
}

}  // namespace

double mask_iou(const Mask& prediction, const Mask& truth) {
    check_sizes(prediction, truth);
    const std::int64_t u = mask_union(prediction, truth);
    if (u == 0) {
        return 1.0;
    }
    return static_cast<double>(mask_intersection(prediction, truth)) / static_cast<double>(u);
}

void IouTally::add(const Mask& prediction, const Mask& truth) {
    check_sizes(prediction, truth);
    const std::int64_t i = mask_intersection(prediction, truth);
    const std::int64_t u = mask_union(prediction, truth);
    intersection += i;
    union_ += u;
    iou_sum += u == 0 ? 1.0 : static_cast<double>(i) / static_cast<double>(u);
    ++count;
}

double IouTally::ciou() const {
    if (count == 0) {
        return 0.0;
    }
    if (union_ == 0) {
        return 1.0;
    }
    return static_cast<double>(intersection) / static_cast<double>(union_);
}

double IouTally::giou() const {
    return count == 0 ? 0.0 : iou_sum / count;
}

void BenchmarkScores::add(int round, const std::string& type, const Mask& prediction,
                          const Mask& truth) {
    IouTally one;
    one.add(prediction, truth);  // validates before anything is counted
    auto merge = [&](IouTally& t) {
        t.intersection += one.intersection;
        t.union_ += one.union_;
        t.iou_sum += one.iou_sum;
        t.count += one.count;
    };
    merge(rounds[round]);
    if (!type.empty()) {
        merge(types[type]);
    }
    merge(overall);
}

void OutcomeTally::add(RoundOutcome outcome, double prediction_iou, double best_candidate_iou) {
    ++rounds;
    switch (outcome) {
        case RoundOutcome::target:
            ++target;
            target_iou_sum += prediction_iou;
            break;
        case RoundOutcome::referenced:
            ++referenced;
            break;
        case RoundOutcome::earlier:
            ++earlier;
            break;
        case RoundOutcome::elsewhere:
            ++elsewhere;
            break;
    }
    if (best_candidate_iou > 0.5) {
        ++candidate;
    }
    best_candidate_iou_sum += best_candidate_iou;
}

double OutcomeTally::target_iou() const {
    return target > 0 ? target_iou_sum / target : 0.0;
}

double OutcomeTally::best_candidate_iou() const {
    return rounds > 0 ? best_candidate_iou_sum / rounds : 0.0;
}

RoundOutcome classify_outcome(const Mask& prediction, const Mask& truth,
                              const std::vector<const Mask*>& referenced,
                              const std::vector<const Mask*>& earlier) {
    constexpr double kHit = 0.5;
    if (mask_iou(prediction, truth) > kHit) {
        return RoundOutcome::target;
    }
    for (const Mask* m : referenced) {
        if (mask_iou(prediction, *m) > kHit) {
            return RoundOutcome::referenced;
        }
    }
    for (const Mask* m : earlier) {
        if (mask_iou(prediction, *m) > kHit) {
            return RoundOutcome::earlier;
        }
    }
    return RoundOutcome::elsewhere;
}

void BenchmarkScores::add_outcome(const std::string& type, RoundOutcome outcome,
                                  double prediction_iou, double best_candidate_iou) {
    if (!type.empty()) {
        outcomes[type].add(outcome, prediction_iou, best_candidate_iou);
    }
    overall_outcome.add(outcome, prediction_iou, best_candidate_iou);
}

void BenchmarkScores::add_form(const std::string& form, const Mask& prediction, const Mask& truth,
                               RoundOutcome outcome, double prediction_iou,
                               double best_candidate_iou) {
    forms[form].add(prediction, truth);
    form_outcomes[form].add(outcome, prediction_iou, best_candidate_iou);
}

namespace {

nlohmann::ordered_json outcome_json(const OutcomeTally& t) {
    nlohmann::ordered_json j;
    j["rounds"] = t.rounds;
    j["target"] = t.target;
    j["referenced"] = t.referenced;
    j["earlier"] = t.earlier;
    j["elsewhere"] = t.elsewhere;
    j["candidate"] = t.candidate;
    j["target_iou"] = t.target_iou();
    j["best_candidate_iou"] = t.best_candidate_iou();
    return j;
}

std::string outcome_row(const std::string& name, const OutcomeTally& t) {
    const auto share = [&t](int n) {
        return t.rounds > 0 ? static_cast<double>(n) / t.rounds : 0.0;
    };
    char line[200];
    std::snprintf(line, sizeof line, "  %-14s %7.2f %7.2f %7.2f %7.2f %7.2f %7d %7.3f %7.3f\n",
                  name.c_str(), share(t.target), share(t.referenced), share(t.earlier),
                  share(t.elsewhere), share(t.candidate), t.rounds, t.target_iou(),
                  t.best_candidate_iou());
    return line;
}

}  // namespace

std::string BenchmarkScores::to_json() const {
    nlohmann::ordered_json j;
    j["rounds"] = nlohmann::ordered_json::array();
    for (const auto& [round, t] : rounds) {
        nlohmann::ordered_json r;
        r["round"] = round;
        r["ciou"] = t.ciou();
        r["giou"] = t.giou();
        r["count"] = t.count;
        j["rounds"].push_back(r);
    }
    j["types"] = nlohmann::ordered_json::object();
    for (const auto& [type, t] : types) {
        j["types"][type] = tally_json(t);
    }
    j["overall"] = tally_json(overall);
    if (has_outcomes()) {
        j["outcomes"] = nlohmann::ordered_json::object();
        for (const auto& [type, t] : outcomes) {
            j["outcomes"][type] = outcome_json(t);
        }
        j["outcomes"]["overall"] = outcome_json(overall_outcome);
    }
    if (!forms.empty()) {
        j["forms"] = nlohmann::ordered_json::object();
        for (const auto& [form, t] : forms) {
            nlohmann::ordered_json f = tally_json(t);
            const auto o = form_outcomes.find(form);
            if (o != form_outcomes.end()) {
                f.update(outcome_json(o->second));
            }
            j["forms"][form] = f;
        }
    }
    return j.dump(2) + "\n";
}

std::string BenchmarkScores::to_table() const {
    std::string out = "  round              cIoU     gIoU   count\n";
    for (const auto& [round, t] : rounds) {
        out += tally_row(std::to_string(round), t);
    }
    out += "\n  type               cIoU     gIoU   count\n";
    for (const auto& [type, t] : types) {
        out += tally_row(type, t);
    }
    out += "\n" + tally_row("overall", overall);
    if (has_outcomes()) {
        out +=
            "\n  what was segmented (share of rounds; IoU > 0.5 with it); hit IoU: mean IoU of "
            "the\n"
            "  rounds that got the target; best-cand: mean over rounds of the best candidate's "
            "IoU\n"
            "  type            target  [k]obj earlier   other  in-cand  rounds hit-IoU best-cand\n";
        for (const auto& [type, t] : outcomes) {
            out += outcome_row(type, t);
        }
        out += "\n" + outcome_row("overall", overall_outcome);
    }
    if (!forms.empty()) {
        out += "\n  form               cIoU  target  [k]obj earlier   other  in-cand  rounds\n";
        for (const auto& [form, t] : forms) {
            const auto o = form_outcomes.find(form);
            const OutcomeTally outcome = o != form_outcomes.end() ? o->second : OutcomeTally{};
            const auto share = [&outcome](int n) {
                return outcome.rounds > 0 ? static_cast<double>(n) / outcome.rounds : 0.0;
            };
            char line[200];
            std::snprintf(line, sizeof line, "  %-14s %8.4f %7.2f %7.2f %7.2f %7.2f %7.2f %7d\n",
                          form.c_str(), t.ciou(), share(outcome.target), share(outcome.referenced),
                          share(outcome.earlier), share(outcome.elsewhere),
                          share(outcome.candidate), t.count);
            out += line;
        }
    }
    return out;
}

}  // namespace segllm::engine
