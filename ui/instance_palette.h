#pragma once
// The fixed colour of each instance: a palette of distinct colours indexed by the instance id,
// so an instance keeps its colour across edits, images and sessions.

#include <QColor>

namespace segllm::ui {

// Number of colours before the palette repeats.
inline constexpr int kPaletteSize = 20;

// Colour of instance `id` (id 1 gets entry 0; ids below 1 get entry 0 too).
QColor instanceColor(int id);

}  // namespace segllm::ui
