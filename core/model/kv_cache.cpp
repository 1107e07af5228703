#include "core/model/kv_cache.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <sstream>

namespace segllm::model {

namespace {

std::string shape_text(const at::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

}  // namespace

KvCache::KvCache(std::int64_t num_layers, std::int64_t initial_capacity)
    : lengths_(static_cast<std::size_t>(std::max<std::int64_t>(num_layers, 0)), 0),
      keys_(lengths_.size()),
      values_(lengths_.size()),
      requested_capacity_(std::max<std::int64_t>(initial_capacity, 1)) {
    if (num_layers <= 0) {
        throw Error("KvCache: number of layers must be positive, got " +
                    std::to_string(num_layers));
    }
}

void KvCache::reserve(std::int64_t positions) {
    requested_capacity_ = std::max(requested_capacity_, positions);
    if (capacity_ > 0 && positions > capacity_) {
        grow(positions);
    }
}

void KvCache::grow(std::int64_t needed) {
    const std::int64_t new_capacity = std::max({needed, 2 * capacity_, requested_capacity_});
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        for (at::Tensor* store : {&keys_[i], &values_[i]}) {
            const at::Tensor old = *store;
            at::Tensor fresh =
                at::empty({old.size(0), old.size(1), new_capacity, old.size(3)}, old.options());
            if (lengths_[i] > 0) {
                fresh.narrow(2, 0, lengths_[i]).copy_(old.narrow(2, 0, lengths_[i]));
            }
            *store = fresh;
        }
    }
    capacity_ = new_capacity;
    ++allocations_;
}

KvCache::View KvCache::append(std::int64_t layer, const at::Tensor& keys,
                              const at::Tensor& values) {
    if (layer < 0 || layer >= num_layers()) {
        throw Error("KvCache: layer " + std::to_string(layer) + " out of range (" +
                    std::to_string(num_layers()) + " layers)");
    }
    if (keys.dim() != 4 || !values.sizes().equals(keys.sizes()) ||
        values.scalar_type() != keys.scalar_type() || values.device() != keys.device()) {
        throw Error("KvCache: keys " + shape_text(keys) + " and values " + shape_text(values) +
                    " must both be [B, kv_heads, T, head_dim] of one dtype and device");
    }
    const auto l = static_cast<std::size_t>(layer);
    if (capacity_ == 0) {
        const std::int64_t capacity = std::max(requested_capacity_, keys.size(2));
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            keys_[i] =
                at::empty({keys.size(0), keys.size(1), capacity, keys.size(3)}, keys.options());
            values_[i] = at::empty_like(keys_[i]);
        }
        capacity_ = capacity;
        ++allocations_;
    }
    const at::Tensor& store = keys_[l];
    if (keys.size(0) != store.size(0) || keys.size(1) != store.size(1) ||
        keys.size(3) != store.size(3) || keys.scalar_type() != store.scalar_type() ||
        keys.device() != store.device()) {
        throw Error("KvCache: layer " + std::to_string(layer) + " got keys " + shape_text(keys) +
                    " (" + std::string(c10::toString(keys.scalar_type())) +
                    ") that do not match the cache [" + std::to_string(store.size(0)) + ", " +
                    std::to_string(store.size(1)) + ", T, " + std::to_string(store.size(3)) +
                    "] (" + std::string(c10::toString(store.scalar_type())) + ")");
    }
    const std::int64_t start = lengths_[l];
    const std::int64_t end = start + keys.size(2);
    if (end > capacity_) {
        grow(end);
    }
    keys_[l].narrow(2, start, keys.size(2)).copy_(keys);
    values_[l].narrow(2, start, keys.size(2)).copy_(values);
    lengths_[l] = end;
    return {keys_[l].narrow(2, 0, end), values_[l].narrow(2, 0, end)};
}

void KvCache::truncate(std::int64_t length) {
    if (length < 0 || length > this->length()) {
        throw Error("KvCache: cannot truncate to " + std::to_string(length) + " positions (" +
                    std::to_string(this->length()) + " cached)");
    }
    for (std::int64_t& n : lengths_) {
        n = std::min(n, length);
    }
}

void KvCache::clear() {
    std::fill(lengths_.begin(), lengths_.end(), 0);
}

void KvCache::release() {
    clear();
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        keys_[i] = at::Tensor();
        values_[i] = at::Tensor();
    }
    capacity_ = 0;
}

}  // namespace segllm::model
