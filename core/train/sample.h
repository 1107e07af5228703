#pragma once
// One teacher-forced training sample from a shapes-world conversation (segllm-reference.md 2.3,
// 3.1, 3.2, 4.4), tokenized with the same template as inference (core/text/conversation.h):
// the token ids and labels, the inputs of the rows added at the <video> positions (the image,
// and per reference a mask-encode and a box-encode from the GROUND-TRUTH mask of the referenced
// round) and the HIPIE targets of each <seg>. Plain C++ (no LibTorch).

#include "core/image/frame.h"
#include "core/image/mask.h"
#include "core/image/preprocess.h"
#include "core/synth/conversation.h"
#include "core/synth/random.h"
#include "core/text/tokenizer.h"

#include <array>
#include <vector>

namespace segllm::train {

// Label of positions without a loss (PyTorch's CrossEntropyLoss ignore_index).
constexpr int kIgnoreLabel = -100;

struct SampleOptions {
    int clip_size = 64;       // CLIP crop (config.vision.image_size)
    int image_rows = 64;      // image <video> rows (config.vision.num_patches())
    int hipie_side = 128;     // HIPIE padded square (config.hipie.input_side)
    int mask_stride = 4;      // stride of the supervised mask grid (config.hipie.mask_out_stride)
    int max_mask_rounds = 2;  // <seg> per conversation kept for the mask loss (hipie.yaml)
    bool mask_memory = true;  // false: no mask/box-encode rows (LISA-style ablation)
    bool training = true;     // true: Bernoulli keep mask on the encode rows; false: all 1
    bool rivals = false;      // fill SegSample::rivals (the rival term's boxes)
    double keep_probability = 0.5;
    // Probability that a conversation's mask-supervised <seg> (max_mask_rounds of them) are
    // taken first from its hard rounds (hard_relation: positional, interactional, attribute),
    // in random order among them, instead of from all rounds alike (0: all alike, as the
    // reference; no random draw is spent then, so the stream of a run stays as it was).
    double hard_rounds = 0.0;
    // Forms whose rounds come before the other hard rounds when hard_rounds draws true (empty:
    // none; the forms the trained models get wrong most, e.g. touching and above). No random
    // draw is spent on it.
    std::vector<synth::Form> first_forms;
};

// The relations whose rounds the trained models get wrong most often (the choice among the
// candidates): positional, interactional and attribute. SampleOptions::hard_rounds supervises
// them first.
bool hard_relation(synth::RelationType type);

// The mask-encode and box-encode inputs of one referenced instance.
struct EncodeInput {
    int round = 0;               // 1-based round whose (ground-truth) instance is referenced
    FloatImage crop;             // CLIP-preprocessed masked crop (top-left padded square)
    std::array<float, 4> box{};  // (row_min, col_min, row_max, col_max) / side, padded frame
    float mask_keep = 1.0F;      // 0 or 1: multiplies the mask-encode feature
    float box_keep = 1.0F;       // 0 or 1: multiplies the box-encode feature
    int mask_position = -1;      // <video> positions in input_ids
    int box_position = -1;
};

// A HIPIE target in the padded frame.
struct FrameTarget {
    Mask mask;                   // side x side
    std::array<float, 4> box{};  // normalised (cx, cy, w, h) of the tight box (exclusive end)
    std::vector<float> grid;     // mask at rows/cols stride/2 :: stride, (side/stride)^2
    int colour = -1;             // the instance's Colour, -1 unknown (training-only probe)
    int kind = -1;               // its Shape, or the number of shapes for a dot; -1 unknown
};

// One assistant <seg>.
struct SegSample {
    int position = -1;        // index of <seg> in input_ids (the hidden state is taken at - 1)
    int round = 0;            // 1-based
    bool supervised = false;  // kept for the mask loss
    FrameTarget target;       // -> tokens T/2..T-1
    bool has_reference = false;
    FrameTarget reference;  // -> tokens 0..T/2-1 (when has_reference)
    // The words of the round's expression for the training-only word probe: its synth::Form,
    // and for the size and extreme forms the synth::SizeWord / synth::Extreme (-1 otherwise).
    int form = -1;
    int size_word = -1;
    int extreme = -1;
    // The normalised (cx, cy, w, h) boxes of every other instance of the scene (objects and
    // dots, without the answer and the instance [k] names; those that vanish in the frame are
    // left out): the rivals the answer must outscore (training-only rival term; filled only
    // with SampleOptions::rivals).
    std::vector<std::array<float, 4>> rivals;
    // Position in input_ids of the (last piece of the) expression's deciding word
    // (synth::deciding_word: "left", "colour", "large", ...), -1 when it has none: where the
    // training-only word look sends one attention head of the state before <seg>.
    int word_position = -1;
    synth::RelationType relation = synth::RelationType::absolute;  // the round's type
};

struct TrainingSample {
    std::vector<int> input_ids;
    std::vector<int> labels;           // kIgnoreLabel except the assistant <seg> and </s>
    std::vector<int> image_positions;  // the image's <video> positions
    FloatImage clip_image;             // 3 x clip_size x clip_size
    FloatImage hipie_image;            // 3 x side x side
    ModelFrame frame;
    std::vector<EncodeInput> encodes;  // in order of appearance (empty without mask memory)
    std::vector<SegSample> segs;       // one per round
};

// The HIPIE target of a mask of the original image size: mask_to_frame, the normalised
// (cx, cy, w, h) of its tight box (x1 + 1, y1 + 1 as exclusive ends) and its stride grid.
// Throws segllm::Error for an empty mask or a size mismatch with the frame.
FrameTarget frame_target(const Mask& original, const ModelFrame& frame, int stride);

// The mask-encode / box-encode inputs of a ground-truth mask (section 3.1 training path): the
// original image masked, cropped to the tight box, pasted top-left into a square and
// CLIP-preprocessed; the box vector from the mask in the padded frame, inclusive maxima / side.
// Throws segllm::Error for an empty mask.
EncodeInput encode_input(const RgbImage& image, const Mask& original, const ModelFrame& frame,
                         int clip_size);

// True when every round's answer (and so every referenced instance) keeps at least one pixel in
// the model frame of side `hipie_side`. A dot a few pixels wide in a large image can vanish when
// the image is scaled down to the frame; such a conversation cannot be supervised.
bool answers_fit_frame(const synth::Conversation& conversation, int hipie_side);

// Builds the sample. Random choices (the rounds kept for the mask loss, the keep masks) come
// from `rng`. Throws segllm::Error for a conversation without rounds, an answer or reference
// out of range, or a tokenizer that does not keep the placeholders.
TrainingSample build_sample(const synth::Conversation& conversation,
                            const text::Tokenizer& tokenizer, const SampleOptions& options,
                            synth::Rng& rng);

}  // namespace segllm::train
