#pragma once
// The whole of core/weights: element types, one safetensors file, checkpoints (single or
// sharded) and the writer.

#include "core/weights/checkpoint.h"
#include "core/weights/dtype.h"
#include "core/weights/safetensors_file.h"
#include "core/weights/safetensors_writer.h"
