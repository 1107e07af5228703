#include "core/text/conversation.h"

#include "core/common/error.h"

namespace segllm::text {

namespace {

constexpr const char* kVideo = "<video>";
constexpr const char* kAnswer = " ASSISTANT: <seg></s>";

void check_round(const RoundTemplate& round) {
    if (round.image_rows < 0 || round.reference_count < 0) {
        throw Error("conversation template: negative placeholder count (image rows " +
                    std::to_string(round.image_rows) + ", references " +
                    std::to_string(round.reference_count) + ")");
    }
    if (round.first && round.reference_count > 0) {
        throw Error("conversation template: the first round cannot reference earlier instances");
    }
    if (round.first && round.image_rows == 0) {
        throw Error("conversation template: the first round needs the image rows");
    }
    if (!round.first && round.image_rows > 0) {
        throw Error("conversation template: only the first round carries the image rows");
    }
}

}  // namespace

const std::string& vicuna_system_prompt() {
    static const std::string system =
        "A chat between a curious user and an artificial intelligence assistant. The assistant "
        "gives helpful, detailed, and polite answers to the user's questions.";
    return system;
}

std::string round_text(const RoundTemplate& round) {
    check_round(round);
    std::string out;
    if (round.first) {
        out = "<s>" + round.system + " USER: ";
        for (int i = 0; i < round.image_rows; ++i) {
            out += kVideo;
        }
        out += " ";
    } else {
        out = "USER: ";
        for (int i = 0; i < 2 * round.reference_count; ++i) {
            out += kVideo;
        }
    }
    out += round.text;
    out += kAnswer;
    return out;
}

std::string conversation_text(const std::vector<RoundTemplate>& rounds) {
    if (rounds.empty()) {
        throw Error("conversation template: no rounds");
    }
    std::string out;
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        if (rounds[i].first != (i == 0)) {
            throw Error("conversation template: round " + std::to_string(i + 1) +
                        (i == 0 ? " must" : " must not") + " be the first round");
        }
        out += round_text(rounds[i]);
    }
    return out;
}

RoundTokens tokenize_round(const Tokenizer& tokenizer, const RoundTemplate& round) {
    check_round(round);
    for (int id : tokenizer.encode(round.text)) {
        if (tokenizer.is_special(id)) {
            throw Error("prompt contains the special token '" + tokenizer.id_to_piece(id) +
                        "', which the prompt template reserves: '" + round.text + "'");
        }
    }
    RoundTokens out;
    out.ids = tokenizer.encode(round_text(round));
    const int video = tokenizer.video_id();
    const int seg = tokenizer.seg_id();
    const int image_rows = round.first ? round.image_rows : 0;
    for (int i = 0; i < static_cast<int>(out.ids.size()); ++i) {
        if (out.ids[i] == video) {
            if (static_cast<int>(out.image_positions.size()) < image_rows) {
                out.image_positions.push_back(i);
            } else {
                out.reference_positions.push_back(i);
            }
        } else if (out.ids[i] == seg) {
            if (out.seg_position >= 0) {
                throw Error("conversation template: more than one <seg> in a round");
            }
            out.seg_position = i;
        }
    }
    if (static_cast<int>(out.image_positions.size()) != image_rows ||
        static_cast<int>(out.reference_positions.size()) != 2 * round.reference_count ||
        out.seg_position < 1) {
        throw Error("conversation template: the tokenizer did not keep the placeholders of '" +
                    round.text + "' (is '<video>' / '<seg>' a special token of " +
                    tokenizer.model_path() + "?)");
    }
    return out;
}

}  // namespace segllm::text
