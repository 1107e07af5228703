#pragma once
// A small, strict argument parser for the `segllm` subcommands (no Qt: the command line also
// builds on machines that only have LibTorch).

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace segllm::cli {

struct OptionSpec {
    std::string name;         // long name without dashes, e.g. "model"
    std::string value_name;   // empty for a flag, e.g. "DIR"
    std::string help;
    std::string default_value;  // shown in help; returned by value() when absent
};

// Parsed arguments of one subcommand.
class Args {
public:
    // Throws segllm::Error naming the unknown option or the missing value.
    Args(const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv);

    bool flag(const std::string& name) const;
    bool has(const std::string& name) const;
    std::string value(const std::string& name) const;
    // Parses an integer or throws an Error that names the option and the bad value.
    long long integer(const std::string& name) const;
    double number(const std::string& name) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::map<std::string, const OptionSpec*> specs_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

// "  --model DIR   help (default: x)" lines for a subcommand's --help.
std::string format_options(const std::vector<OptionSpec>& specs);

}  // namespace segllm::cli
