#include "dpi-block/options.hpp"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "dpi-block/expression.hpp"

namespace openwfp::callouts::dpi {
namespace {

using json = nlohmann::json;

// Thrown inside the parser and caught at its edge: options are read on the
// control plane, where exceptions are fine.
struct OptionsError {
  std::string path;
  std::string problem;
};

[[noreturn]] void fail(std::string path, std::string problem) {
  throw OptionsError{std::move(path), std::move(problem)};
}

// A JSON pointer token: '~' and '/' in a key are escaped (RFC 6901).
std::string join(const std::string& path, std::string_view key) {
  std::string out = path + "/";
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string found(const json& value) { return "found " + std::string(value.type_name()); }

void check_keys(const json& object, const std::string& path, std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) fail(path.empty() ? "/" : path, "expected an object, " + found(object));
  for (const auto& item : object.items()) {
    const std::string& key = item.key();
    if (key == "comment" || key == "description") continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(join(path, key), "unknown key '" + key + "' (expected one of: " + list + ")");
    }
  }
}

const json* find(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

std::string non_empty_string(const json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "expected a string, " + found(value));
  std::string s = value.get<std::string>();
  if (s.empty()) fail(path, "must not be empty");
  return s;
}

Pattern parse_pattern(const json& j, const std::string& path, std::set<std::string>* names) {
  check_keys(j, path, {"name", "regex", "literal", "caseless"});
  Pattern p;
  const json* name = find(j, "name");
  if (name == nullptr) fail(path, "missing \"name\"");
  p.name = non_empty_string(*name, join(path, "name"));
  if (!names->insert(p.name).second) fail(join(path, "name"), "duplicate pattern name '" + p.name + "'");

  const json* regex = find(j, "regex");
  const json* literal = find(j, "literal");
  if (regex != nullptr && literal != nullptr) fail(join(path, "literal"), "a pattern has a \"regex\" or a \"literal\", not both");
  if (regex == nullptr && literal == nullptr) fail(path, "missing \"regex\" or \"literal\"");
  p.literal = literal != nullptr;
  const std::string expressionPath = join(path, p.literal ? "literal" : "regex");
  p.expression = non_empty_string(p.literal ? *literal : *regex, expressionPath);

  if (const json* caseless = find(j, "caseless")) {
    if (!caseless->is_boolean()) fail(join(path, "caseless"), "expected true or false, " + found(*caseless));
    p.caseless = caseless->get<bool>();
  }
  std::string problem;
  if (!check_pattern(p, &problem)) fail(expressionPath, problem);
  return p;
}

void parse_root(const json& root, std::vector<Pattern>* patterns, MatcherConfig* config) {
  check_keys(root, "", {"patterns", "max_streams"});
  const json* list = find(root, "patterns");
  if (list == nullptr) fail("/", "missing \"patterns\"");
  if (!list->is_array()) fail("/patterns", "expected an array, " + found(*list));
  if (list->empty()) fail("/patterns", "at least one pattern is needed");
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    patterns->push_back(parse_pattern((*list)[i], "/patterns/" + std::to_string(i), &names));
  }
  if (const json* max = find(root, "max_streams")) {
    const std::string range = "1.." + std::to_string(kMaxStreamsLimit);
    if (!max->is_number_integer()) fail("/max_streams", "expected an integer in " + range + ", " + found(*max));
    // A negative number is an integer but not an unsigned one.
    if (!max->is_number_unsigned() || max->get<uint64_t>() == 0 || max->get<uint64_t>() > kMaxStreamsLimit) {
      fail("/max_streams", "must be in " + range + ", not " + max->dump());
    }
    config->maxStreams = max->get<uint32_t>();
  }
}

}  // namespace

bool parse_options(const std::string& text, std::vector<Pattern>* patterns, MatcherConfig* config,
                   std::string* error) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    if (auto bracket = what.find("] "); bracket != std::string::npos) what = what.substr(bracket + 2);
    *error = "/: invalid JSON: " + what;
    return false;
  }
  std::vector<Pattern> parsedPatterns;
  MatcherConfig parsedConfig;
  try {
    parse_root(root, &parsedPatterns, &parsedConfig);
  } catch (const OptionsError& e) {
    *error = e.path + ": " + e.problem;
    return false;
  } catch (const json::exception& e) {
    *error = std::string("/: ") + e.what();
    return false;
  }
  *patterns = std::move(parsedPatterns);
  *config = parsedConfig;
  return true;
}

}  // namespace openwfp::callouts::dpi
