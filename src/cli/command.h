// The `cnn` command line: each subcommand lives in its own file and
// registers itself, so adding one never touches main.cpp.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace cnn::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
  const char* usage;  // the options, printed by `cnn <name> --help`
};

std::vector<Command>& commands();

struct RegisterCommand {
  explicit RegisterCommand(Command c) { commands().push_back(c); }
};

// "--key value", "--key=value" and bare "--flag" options; throws
// std::invalid_argument on a value that does not parse or an unknown key.
class Options {
 public:
  Options(const std::vector<std::string>& args, const std::vector<std::string>& flags);
  std::string str(const std::string& key, const std::string& fallback);
  double num(const std::string& key, double fallback);
  long integer(const std::string& key, long fallback);
  bool flag(const std::string& key);
  // Call after reading every option: any left over is a mistake.
  void finish() const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> used_;
};

// `cnn train --task localize|segment` (train_task.cpp): scenes instead of digits.
int train_task(const std::string& task, const std::vector<std::string>& args);

}  // namespace cnn::cli
