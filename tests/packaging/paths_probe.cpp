// segllm_paths_probe: prints what core/common/paths.h and the tokenizer shim lookup find, one
// "key<TAB>value" line each. The packaging tests run copies of it from temporary prefixes.
//
//   exe        executable_dir()
//   data_dir   each data_dirs() entry, in order
//   model      default_model_dir()
//   file       <relative><TAB><find_data_file(relative) or "-">, for each argument
//   shim       the shim that was located and loaded (or shim_error<TAB><message>)

#include <cstdio>
#include <exception>
#include <string>

#include "core/common/paths.h"
#include "core/text/spm_library.h"

int main(int argc, char** argv) {
    std::printf("exe\t%s\n", segllm::executable_dir().c_str());
    for (const auto& dir : segllm::data_dirs()) {
        std::printf("data_dir\t%s\n", dir.c_str());
    }
    std::printf("model\t%s\n", segllm::default_model_dir().c_str());
    for (int i = 1; i < argc; ++i) {
        const auto found = segllm::find_data_file(argv[i]);
        std::printf("file\t%s\t%s\n", argv[i], found ? found->c_str() : "-");
    }
    try {
        const auto& library = segllm::text::SpmLibrary::instance();
        std::printf("shim\t%s\n", library.path.c_str());
    } catch (const std::exception& e) {
        std::printf("shim_error\t%s\n", e.what());
    }
    return 0;
}
