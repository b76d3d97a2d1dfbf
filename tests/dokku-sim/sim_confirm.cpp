// The Go prompt of common.AskForDestructiveConfirmation.
#include "tests/dokku-sim/sim_confirm.h"

namespace dokku_sim {

int AskForDestructiveConfirmation(Ctx& ctx, const std::string& name, const std::string& type) {
  ctx.Warn("WARNING: Potentially Destructive Action");
  ctx.Warn("This command will destroy " + type + " " + name + ".");
  ctx.Warn("To proceed, type \"" + name + "\"");
  ctx.Out("> ");
  const std::string& in = ctx.Stdin();
  // fmt.Scanln(&word): skip blanks, read a word, then require a newline or EOF.
  size_t i = 0;
  while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r')) ++i;
  if (i >= in.size()) return ctx.Fail("EOF");
  if (in[i] == '\n') return ctx.Fail("unexpected newline");
  size_t start = i;
  while (i < in.size() && in[i] != ' ' && in[i] != '\t' && in[i] != '\n' && in[i] != '\r') ++i;
  std::string word = in.substr(start, i - start);
  while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r')) ++i;
  if (i < in.size() && in[i] != '\n') return ctx.Fail("expected newline");
  if (word != name) {
    ctx.Err("Confirmation did not match test. Aborted.\n");
    return 1;
  }
  return 0;
}

}  // namespace dokku_sim
