#include "core/text/special_tokens.h"

#include <algorithm>

#include "core/common/error.h"

namespace segllm::text {

const std::vector<std::string>& added_tokens() {
    static const std::vector<std::string> tokens = {
        "<im_gen_start>", "<im_gen>", "<mask_gen>",  "<audio_gen>", "<audio_gen_start>", "<audio>",
        "<video>",        "<base>",   "<base_null>", "<seg>",       "<seg_input>"};
    return tokens;
}

SpecialTokenMatcher::SpecialTokenMatcher(std::vector<std::pair<std::string, int>> tokens) {
    for (auto& token : tokens) {
        if (token.first.empty())
            throw Error("a special token has an empty text");
        auto& bucket = by_first_byte_[static_cast<unsigned char>(token.first[0])];
        const auto same = std::find_if(bucket.begin(), bucket.end(),
                                       [&](const auto& t) { return t.first == token.first; });
        if (same != bucket.end()) {
            if (same->second != token.second) {
                throw Error("special token '" + token.first + "' is given two ids, " +
                            std::to_string(same->second) + " and " + std::to_string(token.second));
            }
            continue;
        }
        bucket.push_back(std::move(token));
    }
    for (auto& bucket : by_first_byte_) {
        std::stable_sort(bucket.begin(), bucket.end(), [](const auto& a, const auto& b) {
            return a.first.size() > b.first.size();
        });
    }
}

std::vector<TextSegment> SpecialTokenMatcher::split(std::string_view text) const {
    std::vector<TextSegment> out;
    size_t plain_start = 0;
    size_t i = 0;
    while (i < text.size()) {
        const auto& bucket = by_first_byte_[static_cast<unsigned char>(text[i])];
        const std::pair<std::string, int>* match = nullptr;
        for (const auto& token : bucket) {
            if (text.compare(i, token.first.size(), token.first) == 0) {
                match = &token;
                break;
            }
        }
        if (match == nullptr) {
            ++i;
            continue;
        }
        if (i > plain_start)
            out.push_back({text.substr(plain_start, i - plain_start), -1});
        out.push_back({text.substr(i, match->first.size()), match->second});
        i += match->first.size();
        plain_start = i;
    }
    if (plain_start < text.size())
        out.push_back({text.substr(plain_start), -1});
    return out;
}

}  // namespace segllm::text
