#include <csignal>

#include "reconciler/cli/cli.h"

int main(int argc, char** argv) {
  // libssh2 writes to the ssh-agent socket without MSG_NOSIGNAL: a closed agent must be an
  // error, not a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  return dflow::cli::Main(argc, argv);
}
