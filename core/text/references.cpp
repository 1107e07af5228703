#include "core/text/references.h"

#include <algorithm>

namespace segllm::text {

std::vector<ReferenceMark> find_reference_marks(const std::string& text) {
    std::vector<ReferenceMark> marks;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '[') {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
            ++j;
        }
        if (j == i + 1 || j >= text.size() || text[j] != ']') {
            ++i;
            continue;
        }
        // Leading zeros do not count towards the digit limit.
        std::size_t first = i + 1;
        while (first + 1 < j && text[first] == '0') {
            ++first;
        }
        int id = kReferenceTooLarge;
        if (j - first <= 9) {
            id = 0;
            for (std::size_t k = first; k < j; ++k) {
                id = id * 10 + (text[k] - '0');
            }
        }
        marks.push_back({i, j + 1 - i, id});
        i = j + 1;
    }
    return marks;
}

std::vector<int> reference_ids(const std::string& text) {
    std::vector<int> ids;
    for (const ReferenceMark& m : find_reference_marks(text)) {
        if (std::find(ids.begin(), ids.end(), m.id) == ids.end()) {
            ids.push_back(m.id);
        }
    }
    return ids;
}

std::string render_references(const std::string& text) {
    std::string out;
    std::size_t pos = 0;
    for (const ReferenceMark& m : find_reference_marks(text)) {
        out.append(text, pos, m.offset - pos);
        out += "instance " + std::to_string(m.id);
        pos = m.offset + m.length;
    }
    out.append(text, pos, std::string::npos);
    return out;
}

std::vector<int> merge_references(const std::vector<int>& from_text,
                                  const std::vector<int>& explicit_ids) {
    std::vector<int> out;
    for (const std::vector<int>* list : {&from_text, &explicit_ids}) {
        for (int id : *list) {
            if (std::find(out.begin(), out.end(), id) == out.end()) {
                out.push_back(id);
            }
        }
    }
    return out;
}

}  // namespace segllm::text
