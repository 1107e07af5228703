#include "core/train/position_probe.h"

#include "core/common/error.h"
#include "core/synth/conversation.h"
#include "core/synth/random.h"
#include "core/train/sample.h"

#include <ATen/ATen.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

namespace segllm::train {

namespace {

at::Tensor rows_of(const at::Tensor& t, const at::Tensor& mask) {
    return t.index_select(0, mask.nonzero().squeeze(1));
}

// Rows of one kind of feature with their targets and the conversation each row came from.
struct Collected {
    std::vector<at::Tensor> x;        // [n, D] blocks (CPU, float)
    std::vector<float> y;             // x, y per row
    std::vector<std::uint8_t> fit;    // 1: the row's conversation fits the read-out
    std::vector<std::string> subset;  // per row (the <seg> state's round kind)

    void add(const at::Tensor& block, const std::vector<float>& xy, bool fit_rows,
             const std::string& kind = "all") {
        x.push_back(block.detach().to(at::kCPU, at::kFloat));
        y.insert(y.end(), xy.begin(), xy.end());
        for (std::int64_t i = 0; i < block.size(0); ++i) {
            fit.push_back(fit_rows ? 1 : 0);
            subset.push_back(kind);
        }
    }
};

// Attention masses per round (a [layers, heads] block each) of one kind of rows.
struct Looks {
    std::vector<at::Tensor> mass;
    std::vector<double> uniform;
    std::vector<std::string> subset;
};

void summarise(const Looks& l, const std::string& rows, const std::vector<std::string>& subsets,
               std::vector<AttentionLook>* out) {
    for (const std::string& subset : subsets) {
        AttentionLook look;
        look.rows = rows;
        look.subset = subset;
        at::Tensor sum;
        for (size_t k = 0; k < l.mass.size(); ++k) {
            if (subset != "all" && l.subset[k] != subset) {
                continue;
            }
            sum = sum.defined() ? sum + l.mass[k] : l.mass[k].clone();
            look.uniform += l.uniform[k];
            ++look.rounds;
        }
        if (look.rounds > 0) {
            const at::Tensor mean = sum / static_cast<double>(look.rounds);
            look.uniform /= static_cast<double>(look.rounds);
            for (std::int64_t layer = 0; layer < mean.size(0); ++layer) {
                const at::Tensor best = mean[layer].argmax();
                look.heads.push_back(static_cast<int>(best.item<std::int64_t>()));
                look.layers.push_back(mean[layer][best].item<double>());
            }
        }
        out->push_back(look);
    }
}

std::string round_kind(const synth::Round& round, int number) {
    if (number == 1) {
        return "round 1";
    }
    if (round.type == synth::RelationType::absolute) {
        return "absolute, rounds 2+";
    }
    return synth::relation_type_name(round.type);
}

void fit_and_score(const Collected& c, const std::string& features, const std::string& target,
                   const std::vector<std::string>& subsets, double ridge,
                   std::vector<PositionFit>* out) {
    const at::Tensor x = at::cat(c.x, 0);
    const auto n = x.size(0);
    const at::Tensor y = at::tensor(c.y).view({n, 2});
    const at::Tensor fit =
        at::tensor(std::vector<std::int64_t>(c.fit.begin(), c.fit.end())).to(at::kBool);
    const std::int64_t fit_rows = fit.sum().item<std::int64_t>();
    for (const std::string& subset : subsets) {
        std::vector<std::int64_t> in(static_cast<size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) {
            in[static_cast<size_t>(i)] =
                c.fit[static_cast<size_t>(i)] == 0 &&
                (subset == "all" || c.subset[static_cast<size_t>(i)] == subset);
        }
        const at::Tensor score = at::tensor(in).to(at::kBool);
        const std::int64_t scored = score.sum().item<std::int64_t>();
        PositionFit f;
        f.features = features;
        f.target = target;
        f.subset = subset;
        f.fit_rows = fit_rows;
        f.scored_rows = scored;
        if (scored < 2) {
            f.r2_x = f.r2_y = std::numeric_limits<double>::quiet_NaN();
        } else {
            const std::vector<double> r2 = ridge_r2(x, y, fit, ridge, score);
            f.r2_x = r2[0];
            f.r2_y = r2[1];
        }
        out->push_back(f);
    }
}

}  // namespace

std::vector<double> ridge_r2(const at::Tensor& x, const at::Tensor& y, const at::Tensor& fit,
                             double ridge, const at::Tensor& score) {
    if (x.dim() != 2 || y.dim() != 2 || fit.dim() != 1 || x.size(0) != y.size(0) ||
        fit.size(0) != x.size(0) || (score.defined() && score.sizes() != fit.sizes())) {
        throw Error("ridge read-out: features, targets and row masks do not have matching rows");
    }
    const at::Tensor fit_mask = fit.to(at::kCPU, at::kBool);
    const at::Tensor score_mask =
        score.defined() ? score.to(at::kCPU, at::kBool) : fit_mask.logical_not();
    const at::Tensor xd = x.to(at::kCPU, at::kDouble);
    const at::Tensor yd = y.to(at::kCPU, at::kDouble);
    const at::Tensor xf = rows_of(xd, fit_mask);
    const at::Tensor yf = rows_of(yd, fit_mask);
    const at::Tensor xs = rows_of(xd, score_mask);
    const at::Tensor ys = rows_of(yd, score_mask);
    if (xf.size(0) < 2 || xs.size(0) < 2) {
        throw Error("ridge read-out: " + std::to_string(xf.size(0)) + " rows to fit and " +
                    std::to_string(xs.size(0)) + " to score; at least two of each are needed");
    }
    const at::Tensor mean = xf.mean(0, true);
    const at::Tensor dev = xf.std(0, false, true).clamp_min(1e-8);
    const at::Tensor zf = (xf - mean) / dev;
    const at::Tensor zs = (xs - mean) / dev;
    const at::Tensor ymean = yf.mean(0, true);
    const auto d = zf.size(1);
    const at::Tensor a =
        zf.t().mm(zf) + ridge * static_cast<double>(xf.size(0)) * at::eye(d, xd.options());
    const at::Tensor w = at::linalg_solve(a, zf.t().mm(yf - ymean));
    const at::Tensor pred = zs.mm(w) + ymean;
    const at::Tensor sse = (ys - pred).pow(2).sum(0);
    const at::Tensor sst = (ys - ys.mean(0, true)).pow(2).sum(0);
    std::vector<double> r2;
    for (std::int64_t k = 0; k < y.size(1); ++k) {
        const double t = sst[k].item<double>();
        r2.push_back(t > 0 ? 1.0 - sse[k].item<double>() / t
                           : std::numeric_limits<double>::quiet_NaN());
    }
    return r2;
}

PositionProbeReport probe_positions(TrainingModel& model, const text::Tokenizer& tokenizer,
                                    const PositionProbeOptions& options,
                                    const std::function<void(int, int)>& progress) {
    if (options.conversations < 4) {
        throw Error("position probe: " + std::to_string(options.conversations) +
                    " conversations; at least 4 are needed (half fit, half score)");
    }
    if (options.max_rounds < 1 || options.max_rounds > synth::kMaxRounds) {
        throw Error("position probe: max rounds " + std::to_string(options.max_rounds) +
                    " is outside 1.." + std::to_string(synth::kMaxRounds));
    }
    if (options.batch < 1 || !(options.ridge >= 0)) {
        throw Error("position probe: the batch must be positive and the ridge penalty >= 0");
    }
    at::NoGradGuard no_grad;
    const bool was_training = model.root->is_training();
    model.root->eval();
    model.segmentator->eval();
    const SampleOptions so = sample_options_for(model.config, options.mask_memory, false);
    const std::int64_t patches = model.config.vision.num_patches();
    const std::vector<float> centres = patch_centres(patches);
    synth::ConversationOptions co;
    co.min_rounds = 1;
    co.max_rounds = options.max_rounds;

    Collected clip, rows, llm_rows, seg, seg_ref, seg_offset;
    // The words that pick among candidates.
    Collected size_words, distance_words, side_words, attribute_words;
    Looks answer_looks, reference_looks;
    PositionProbeReport report;
    for (int begin = 0; begin < options.conversations; begin += options.batch) {
        const int end = std::min(options.conversations, begin + options.batch);
        std::vector<synth::Conversation> conversations;
        std::vector<TrainingSample> batch;
        for (int i = begin; i < end; ++i) {
            const std::uint64_t seed = synth::mix_seed(options.seed, static_cast<std::uint64_t>(i));
            synth::Conversation c =
                draw_conversation(seed, options.mixed_sizes ? 1.0 : 0.0, co, so.hipie_side);
            synth::Rng rng(synth::mix_seed(seed, 0x5e6));
            batch.push_back(build_sample(c, tokenizer, so, rng));
            conversations.push_back(std::move(c));
        }
        model::AttentionCapture capture;  // every layer
        BatchForward f;
        {
            const model::AttentionCaptureScope scope(&capture);
            f = forward_batch(model, batch, false);
        }
        const std::int64_t t = f.tokens;
        // [layers, heads] attention mass of row `query` of sample i on the rows a mask covers.
        const auto look = [&](std::int64_t i, std::int64_t query, const TrainingSample& s,
                              const Mask& mask, const std::string& kind, Looks* into) {
            const std::vector<float> wanted = covered_image_rows(s, mask, model.config, t);
            if (wanted.empty() || capture.probs.empty()) {
                return;
            }
            const at::Tensor w = at::tensor(wanted).to(model.device);
            std::vector<at::Tensor> per_layer;
            for (const at::Tensor& probs : capture.probs) {
                per_layer.push_back((probs[i].select(1, query) * w).sum(-1));  // [heads]
            }
            into->mass.push_back(at::stack(per_layer, 0).to(at::kCPU, at::kDouble));
            into->uniform.push_back(w.sum().item<double>() / static_cast<double>(query + 1));
            into->subset.push_back(kind);
        };
        const auto b = static_cast<std::int64_t>(batch.size());
        const at::Tensor clip_patches = f.vision.patches.narrow(0, 0, b);
        for (std::int64_t i = 0; i < b; ++i) {
            const TrainingSample& s = batch[static_cast<size_t>(i)];
            const bool fit_rows = (begin + i) % 2 == 0;
            clip.add(clip_patches[i], centres, fit_rows);
            rows.add(f.image_rows.narrow(0, i * patches, patches), centres, fit_rows);
            const at::Tensor positions =
                at::tensor(
                    std::vector<std::int64_t>(s.image_positions.begin(), s.image_positions.end()))
                    .to(model.device);
            llm_rows.add(f.out.hidden_states[i].index_select(0, positions), centres, fit_rows);
            for (const SegSample& sg : s.segs) {
                const synth::Round& round =
                    conversations[static_cast<size_t>(i)].rounds[static_cast<size_t>(sg.round - 1)];
                const std::string kind = round_kind(round, sg.round);
                seg.add(f.out.hidden_states[i][sg.position - 1].unsqueeze(0),
                        {sg.target.box[0], sg.target.box[1]}, fit_rows, kind);
                look(i, sg.position - 1, s, sg.target.mask, kind, &answer_looks);
                if (sg.has_reference) {
                    look(i, sg.position - 1, s, sg.reference.mask, kind, &reference_looks);
                    const at::Tensor state = f.out.hidden_states[i][sg.position - 1].unsqueeze(0);
                    seg_ref.add(state, {sg.reference.box[0], sg.reference.box[1]}, fit_rows, kind);
                    seg_offset.add(state,
                                   {sg.target.box[0] - sg.reference.box[0],
                                    sg.target.box[1] - sg.reference.box[1]},
                                   fit_rows, kind);
                }
                const at::Tensor state = f.out.hidden_states[i][sg.position - 1].unsqueeze(0);
                const synth::Form form = round.spec.form;
                if (form == synth::Form::size) {
                    size_words.add(state,
                                   {round.spec.size == synth::SizeWord::large ? 1.0F : -1.0F,
                                    size_probe_target(sg.target.box)},
                                   fit_rows, "size rounds");
                } else if ((form == synth::Form::nearest || form == synth::Form::farthest) &&
                           sg.has_reference) {
                    distance_words.add(state,
                                       {form == synth::Form::farthest ? 1.0F : -1.0F,
                                        std::hypot(sg.target.box[0] - sg.reference.box[0],
                                                   sg.target.box[1] - sg.reference.box[1])},
                                       fit_rows, "near/far rounds");
                } else if (form == synth::Form::left_of || form == synth::Form::right_of ||
                           form == synth::Form::above || form == synth::Form::below) {
                    const float across = form == synth::Form::right_of  ? 1.0F
                                         : form == synth::Form::left_of ? -1.0F
                                                                        : 0.0F;
                    const float down = form == synth::Form::below   ? 1.0F
                                       : form == synth::Form::above ? -1.0F
                                                                    : 0.0F;
                    side_words.add(state, {across, down}, fit_rows, "side rounds");
                } else if ((form == synth::Form::same_colour || form == synth::Form::same_shape) &&
                           sg.has_reference) {
                    // The word, and whether the answer shares [k]'s colour (it may share both).
                    attribute_words.add(state,
                                        {form == synth::Form::same_colour ? 1.0F : -1.0F,
                                         sg.target.colour == sg.reference.colour ? 1.0F : 0.0F},
                                        fit_rows, "same-as rounds");
                }
                ++report.rounds;
            }
        }
        report.conversations += b;
        if (progress) {
            progress(end, options.conversations);
        }
    }
    if (was_training) {
        model.root->train();
        model.segmentator->train();
    }
    fit_and_score(clip, "clip patches", "patch centre", {"all"}, options.ridge, &report.fits);
    fit_and_score(rows, "image rows", "patch centre", {"all"}, options.ridge, &report.fits);
    fit_and_score(llm_rows, "llm at image rows", "patch centre", {"all"}, options.ridge,
                  &report.fits);
    std::vector<std::string> subsets = {"all", "round 1", "absolute, rounds 2+"};
    for (synth::RelationType t :
         {synth::RelationType::positional, synth::RelationType::hierarchical,
          synth::RelationType::interactional, synth::RelationType::attribute}) {
        subsets.emplace_back(synth::relation_type_name(t));
    }
    fit_and_score(seg, "<seg> state", "answer centre", subsets, options.ridge, &report.fits);
    summarise(answer_looks, "answer", subsets, &report.looks);
    std::vector<std::string> relational(subsets.begin() + 3, subsets.end());
    relational.insert(relational.begin(), "all");
    summarise(reference_looks, "instance [k]", relational, &report.looks);
    if (!seg_ref.x.empty()) {
        fit_and_score(seg_ref, "<seg> state", "[k] centre", relational, options.ridge,
                      &report.fits);
        fit_and_score(seg_offset, "<seg> state", "answer - [k]", relational, options.ridge,
                      &report.fits);
    }
    // Does the state carry the words that choose among objects of one description? Each is
    // reported when both halves have at least two rows of its rounds.
    const std::tuple<const Collected*, const char*, const char*> words[] = {
        {&size_words, "large / area", "size rounds"},
        {&distance_words, "far / distance", "near/far rounds"},
        {&side_words, "right / below", "side rounds"},
        {&attribute_words, "colour / shared", "same-as rounds"}};
    for (const auto& [c, target, subset] : words) {
        const auto fitting = std::count(c->fit.begin(), c->fit.end(), std::uint8_t{1});
        const auto scoring = static_cast<std::int64_t>(c->fit.size()) - fitting;
        if (fitting >= 2 && scoring >= 2) {
            fit_and_score(*c, "<seg> state", target, {subset}, options.ridge, &report.fits);
        }
    }
    return report;
}

}  // namespace segllm::train
