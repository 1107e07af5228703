#pragma once
// Key/value cache of the LLaMA decoder: per layer, keys and values [B, kv_heads, T, head_dim] of
// every position already run, so a later round only runs its new tokens. Storage is preallocated
// and grown geometrically, so appending a round rarely re-allocates; truncate() undoes a round.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace segllm::model {

class KvCache {
public:
    // A cache for `num_layers` decoder layers; storage is allocated on the first append (with
    // the batch size, heads, head size, dtype and device of those keys) with room for at least
    // `initial_capacity` positions.
    explicit KvCache(std::int64_t num_layers, std::int64_t initial_capacity = 256);

    std::int64_t num_layers() const { return static_cast<std::int64_t>(lengths_.size()); }
    // Number of cached positions (of layer 0; all layers agree between forward calls).
    std::int64_t length() const { return lengths_.empty() ? 0 : lengths_.front(); }
    // Positions that fit without re-allocation.
    std::int64_t capacity() const { return capacity_; }
    // How often the storage was (re-)allocated since construction.
    std::int64_t allocations() const { return allocations_; }

    // Appends `keys` and `values` [B, kv_heads, T, head_dim] to layer `layer` and returns views
    // of all cached keys and values of that layer [B, kv_heads, length + T, head_dim]. Grows the
    // storage (to at least twice the capacity) when full. Throws segllm::Error for a layer out of
    // range or tensors whose shape, dtype or device differ from the cache's.
    struct View {
        at::Tensor keys;
        at::Tensor values;
    };
    View append(std::int64_t layer, const at::Tensor& keys, const at::Tensor& values);

    // Ensures room for `positions` positions without re-allocation (no effect before the first
    // append, which then allocates at least that much).
    void reserve(std::int64_t positions);
    // Drops positions >= `length` in every layer (undo of a round); the storage is kept.
    // Throws segllm::Error if `length` is negative or larger than length().
    void truncate(std::int64_t length);
    // Drops every position; the storage is kept.
    void clear();
    // Drops every position and frees the storage.
    void release();

private:
    void grow(std::int64_t needed);

    std::vector<std::int64_t> lengths_;
    std::vector<at::Tensor> keys_;    // per layer [B, kv_heads, capacity, head_dim]
    std::vector<at::Tensor> values_;  // per layer, same shape
    std::int64_t capacity_ = 0;
    std::int64_t requested_capacity_ = 0;
    std::int64_t allocations_ = 0;
};

}  // namespace segllm::model
