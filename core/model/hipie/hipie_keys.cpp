#include "core/model/hipie/hipie_keys.h"

namespace segllm::hipie {

const std::vector<HipieKeyAlias>& hipie_key_aliases() {
    static const std::vector<HipieKeyAlias> aliases = {
        {"hipie.detr.detr.transformer.decoder.class_embed.", "hipie.detr.detr.class_embed."},
        {"hipie.detr.detr.transformer.decoder.bbox_embed.", "hipie.detr.detr.bbox_embed."},
    };
    return aliases;
}

const std::vector<std::string>& hipie_skipped_key_prefixes() {
    static const std::vector<std::string> prefixes = {"hipie.text_encoder.", "hipie.criterion."};
    return prefixes;
}

std::string hipie_canonical_key(const std::string& key) {
    for (const auto& a : hipie_key_aliases()) {
        if (key.compare(0, a.alias.size(), a.alias) == 0) {
            return a.canonical + key.substr(a.alias.size());
        }
    }
    return key;
}

}  // namespace segllm::hipie
