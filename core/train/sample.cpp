#include "core/train/sample.h"

#include "core/common/error.h"
#include "core/model/mask_encode.h"
#include "core/synth/world.h"
#include "core/text/conversation.h"
#include "core/text/references.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>

namespace segllm::train {

namespace {

const Mask& instance_mask(const synth::Conversation& c, int id, const char* what) {
    if (id < 0 || id >= static_cast<int>(c.scene.instances.size())) {
        throw Error(std::string("training sample: ") + what + " instance " + std::to_string(id) +
                    " is not in the scene");
    }
    return c.scene.instances[static_cast<size_t>(id)].mask;
}

void set_attributes(FrameTarget& t, const synth::Conversation& c, int id) {
    const synth::Instance& inst = c.scene.instances[static_cast<size_t>(id)];
    t.colour = static_cast<int>(inst.colour);
    t.kind = inst.kind == synth::InstanceKind::dot ? static_cast<int>(synth::all_shapes().size())
                                                   : static_cast<int>(inst.shape);
}

// The normalised (cx, cy, w, h) of a frame mask's tight box (exclusive ends); none when empty.
std::optional<std::array<float, 4>> frame_box(const Mask& framed, int side_px) {
    const auto box = mask_box(framed);
    if (!box) {
        return std::nullopt;
    }
    const auto side = static_cast<float>(side_px);
    const float x0 = static_cast<float>(box->x0) / side,
                x1 = static_cast<float>(box->x1 + 1) / side;
    const float y0 = static_cast<float>(box->y0) / side,
                y1 = static_cast<float>(box->y1 + 1) / side;
    return std::array<float, 4>{(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0};
}

// Index in `ids` of the last piece of the last occurrence of `word`'s pieces; -1 when the word
// is empty or absent.
int word_position(const text::Tokenizer& tokenizer, const std::vector<int>& ids,
                  const std::string& word) {
    if (word.empty()) {
        return -1;
    }
    const std::vector<int> pieces = tokenizer.encode(word);
    if (pieces.empty() || pieces.size() > ids.size()) {
        return -1;
    }
    for (auto start = static_cast<std::ptrdiff_t>(ids.size() - pieces.size()); start >= 0;
         --start) {
        if (std::equal(pieces.begin(), pieces.end(), ids.begin() + start)) {
            return static_cast<int>(start + static_cast<std::ptrdiff_t>(pieces.size()) - 1);
        }
    }
    return -1;
}

}  // namespace

FrameTarget frame_target(const Mask& original, const ModelFrame& frame, int stride) {
    FrameTarget t;
    t.mask = mask_to_frame(original, frame);
    const auto box = frame_box(t.mask, frame.side);
    if (!box) {
        throw Error("training sample: a target mask is empty in the " + std::to_string(frame.side) +
                    " px frame");
    }
    t.box = *box;
    const int n = frame.side / stride;
    t.grid.resize(static_cast<size_t>(n) * n);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            t.grid[static_cast<size_t>(i) * n + j] =
                t.mask.at(j * stride + stride / 2, i * stride + stride / 2) != 0 ? 1.0F : 0.0F;
        }
    }
    return t;
}

EncodeInput encode_input(const RgbImage& image, const Mask& original, const ModelFrame& frame,
                         int clip_size) {
    const auto box = mask_box(original);
    const Mask framed = mask_to_frame(original, frame);
    const auto fbox = mask_box(framed);
    if (!box || !fbox) {
        throw Error("training sample: a referenced mask is empty");
    }
    EncodeInput e;
    const model::EncodeBox crop_box{box->x0, box->y0, box->x1 + 1, box->y1 + 1};
    e.crop = clip_preprocess(model::mask_encode_crop(image, original, crop_box), clip_size);
    const auto side = static_cast<float>(frame.side);
    e.box = {static_cast<float>(fbox->y0) / side, static_cast<float>(fbox->x0) / side,
             static_cast<float>(fbox->y1) / side, static_cast<float>(fbox->x1) / side};
    return e;
}

bool answers_fit_frame(const synth::Conversation& conversation, int hipie_side) {
    const RgbImage& image = conversation.scene.image;
    const ModelFrame frame = make_model_frame(image.width, image.height, hipie_side);
    for (const synth::Round& round : conversation.rounds) {
        if (!mask_box(mask_to_frame(instance_mask(conversation, round.answer, "answer"), frame))) {
            return false;
        }
    }
    return true;
}

bool hard_relation(synth::RelationType type) {
    return type == synth::RelationType::positional || type == synth::RelationType::interactional ||
           type == synth::RelationType::attribute;
}

TrainingSample build_sample(const synth::Conversation& conversation,
                            const text::Tokenizer& tokenizer, const SampleOptions& options,
                            synth::Rng& rng) {
    const auto& rounds = conversation.rounds;
    if (rounds.empty()) {
        throw Error("training sample: the conversation has no rounds");
    }
    const RgbImage& image = conversation.scene.image;
    TrainingSample s;
    s.frame = make_model_frame(image.width, image.height, options.hipie_side);
    s.clip_image = clip_preprocess(image, options.clip_size);
    s.hipie_image = hipie_preprocess(image, options.hipie_side);

    // Every instance's box in the frame (none for one that vanishes there), for the rivals.
    std::vector<std::optional<std::array<float, 4>>> boxes;
    if (options.rivals) {
        for (const synth::Instance& inst : conversation.scene.instances) {
            boxes.push_back(frame_box(mask_to_frame(inst.mask, s.frame), s.frame.side));
        }
    }

    const int eos = tokenizer.eos_id();
    const int seg = tokenizer.seg_id();
    for (size_t r = 0; r < rounds.size(); ++r) {
        const synth::Round& round = rounds[r];
        text::RoundTemplate t;
        t.first = r == 0;
        t.image_rows = t.first ? options.image_rows : 0;
        t.reference_count = options.mask_memory ? static_cast<int>(round.references.size()) : 0;
        t.text = text::render_references(round.prompt);
        const text::RoundTokens tokens = text::tokenize_round(tokenizer, t);
        const int offset = static_cast<int>(s.input_ids.size());
        s.input_ids.insert(s.input_ids.end(), tokens.ids.begin(), tokens.ids.end());
        for (int p : tokens.image_positions) {
            s.image_positions.push_back(offset + p);
        }
        for (size_t k = 0; k < static_cast<size_t>(t.reference_count); ++k) {
            const int ref_round = round.references[k];
            if (ref_round < 1 || ref_round > static_cast<int>(r)) {
                throw Error("training sample: round " + std::to_string(r + 1) +
                            " refers to round " + std::to_string(ref_round));
            }
            const int id = rounds[static_cast<size_t>(ref_round - 1)].answer;
            EncodeInput e = encode_input(image, instance_mask(conversation, id, "referenced"),
                                         s.frame, options.clip_size);
            e.round = ref_round;
            e.mask_position = offset + tokens.reference_positions[2 * k];
            e.box_position = offset + tokens.reference_positions[2 * k + 1];
            if (options.training) {
                e.mask_keep = rng.bernoulli(options.keep_probability) ? 1.0F : 0.0F;
                e.box_keep = rng.bernoulli(options.keep_probability) ? 1.0F : 0.0F;
            }
            s.encodes.push_back(std::move(e));
        }
        SegSample sg;
        sg.position = offset + tokens.seg_position;
        sg.word_position = word_position(tokenizer, tokens.ids, synth::deciding_word(round.spec));
        if (sg.word_position >= 0) {
            sg.word_position += offset;
        }
        sg.round = static_cast<int>(r) + 1;
        sg.relation = round.type;
        sg.form = static_cast<int>(round.spec.form);
        if (round.spec.form == synth::Form::size) {
            sg.size_word = static_cast<int>(round.spec.size);
        } else if (round.spec.form == synth::Form::extreme) {
            sg.extreme = static_cast<int>(round.spec.extreme);
        }
        sg.target = frame_target(instance_mask(conversation, round.answer, "answer"), s.frame,
                                 options.mask_stride);
        set_attributes(sg.target, conversation, round.answer);
        if (!round.references.empty()) {
            const int ref_round = round.references.front();
            if (ref_round < 1 || ref_round > static_cast<int>(r)) {
                throw Error("training sample: round " + std::to_string(r + 1) +
                            " refers to round " + std::to_string(ref_round));
            }
            sg.has_reference = true;
            sg.reference = frame_target(
                instance_mask(conversation, rounds[static_cast<size_t>(ref_round - 1)].answer,
                              "referenced"),
                s.frame, options.mask_stride);
            set_attributes(sg.reference, conversation,
                           rounds[static_cast<size_t>(ref_round - 1)].answer);
        }
        const int reference_id =
            sg.has_reference ? rounds[static_cast<size_t>(round.references.front() - 1)].answer
                             : -1;
        for (size_t id = 0; id < boxes.size(); ++id) {
            const auto k = static_cast<int>(id);
            if (boxes[id] && k != round.answer && k != reference_id) {
                sg.rivals.push_back(*boxes[id]);
            }
        }
        s.segs.push_back(std::move(sg));
    }

    s.labels.assign(s.input_ids.size(), kIgnoreLabel);
    for (size_t i = 1; i < s.input_ids.size(); ++i) {
        if (s.input_ids[i] == seg || s.input_ids[i] == eos) {
            s.labels[i] = s.input_ids[i];
        }
    }

    // At most max_mask_rounds <seg> keep the mask loss, chosen at random (with probability
    // hard_rounds the rounds of first_forms first, then the other hard rounds).
    std::vector<size_t> order(s.segs.size());
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t i = order.size(); i > 1; --i) {
        std::swap(order[i - 1], order[static_cast<size_t>(rng.below(i))]);
    }
    if (options.hard_rounds > 0 && rng.bernoulli(options.hard_rounds)) {
        std::stable_partition(order.begin(), order.end(),
                              [&s](size_t i) { return hard_relation(s.segs[i].relation); });
        if (!options.first_forms.empty()) {
            std::stable_partition(order.begin(), order.end(), [&s, &options](size_t i) {
                const auto form = static_cast<synth::Form>(s.segs[i].form);
                return std::find(options.first_forms.begin(), options.first_forms.end(), form) !=
                       options.first_forms.end();
            });
        }
    }
    const size_t kept =
        std::min(order.size(), static_cast<size_t>(std::max(0, options.max_mask_rounds)));
    for (size_t i = 0; i < kept; ++i) {
        s.segs[order[i]].supervised = true;
    }
    return s;
}

}  // namespace segllm::train
