#include "completion.hpp"

#include <set>
#include <vector>

namespace wfpctl {
namespace {

// Options whose value is a path: completed with file names.
const std::set<std::string> kPathOptions = {"policy", "file", "out", "socket", "report", "dump-streams", "capture"};

struct Node {
  std::string path;  // "/filter/list"
  std::vector<std::string> words;
  bool positional = false;  // takes a path argument (apply POLICY, replay CAPTURE)
};

void walk(const CLI::App& app, const std::string& path, std::vector<Node>* out, std::set<std::string>* pathOptions) {
  Node n;
  n.path = path;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    n.words.push_back(sub->get_name());
  }
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& l : o->get_lnames()) {
      n.words.push_back("--" + l);
      if (kPathOptions.count(l) != 0) pathOptions->insert("--" + l);
    }
    for (const std::string& s : o->get_snames()) n.words.push_back("-" + s);
    if (o->get_positional() && o->get_lnames().empty() && kPathOptions.count(o->get_name()) != 0) n.positional = true;
  }
  out->push_back(n);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    walk(*sub, path + "/" + sub->get_name(), out, pathOptions);
  }
}

}  // namespace

std::string bash_completion(const CLI::App& app) {
  std::vector<Node> nodes;
  std::set<std::string> pathOptions;
  walk(app, "", &nodes, &pathOptions);
  std::string descend, words, options;
  for (const Node& n : nodes) {
    if (!n.path.empty()) descend += (descend.empty() ? "" : "|") + n.path;
    std::string w;
    for (const std::string& word : n.words) w += (w.empty() ? "" : " ") + word;
    words += "    \"" + n.path + "\") words=\"" + w + "\"" + (n.positional ? "; files=1" : "") + " ;;\n";
  }
  for (const std::string& o : pathOptions) options += (options.empty() ? "" : "|") + o;
  return "# bash completion for wfpctl (made by `wfpctl completion bash`)\n"
         "_wfpctl() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" path=\"\" words=\"\" files=0 i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \"${path}/${COMP_WORDS[i]}\" in\n"
         "      " + descend + ") path=\"${path}/${COMP_WORDS[i]}\" ;;\n"
         "    esac\n"
         "  done\n"
         "  case \"$prev\" in\n"
         "    " + options + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
         "  esac\n"
         "  case \"$path\" in\n" + words +
         "  esac\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  if [[ $files == 1 && $cur != -* ]]; then COMPREPLY+=($(compgen -f -- \"$cur\")); fi\n"
         "}\n"
         "complete -F _wfpctl wfpctl\n";
}

}  // namespace wfpctl
