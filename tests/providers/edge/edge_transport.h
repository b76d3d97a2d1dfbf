// An SSH transport to the test sshd as an edge sees it: a shell user, plain commands.
#pragma once

#include <memory>

#include "providers/ssh/ssh_transport.h"
#include "tests/support/sshd_fixture.h"

namespace dflow::test {

inline std::unique_ptr<Transport> EdgeTransport(const SshdNode& sshd) {
  SshOptions options = sshd.MakeOptions(LoginStyle::kShellUser);
  options.shell = RemoteShell::kPosixCommand;
  return MakeSshTransport(std::move(options));
}

}  // namespace dflow::test
