// Parsers for the datastore plugins' text output (dokku-postgres, dokku-redis: no JSON),
// reference/dokku.md §3.18.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

// The datastore engines dflow knows; each is observed only when its plugin is enabled.
const std::vector<std::string>& DatastoreEngines();  // {"postgres", "redis"}

// `--quiet <engine>:list`: one service name per line (none: empty stdout, the warning goes
// to stderr) -> names sorted. A line with whitespace inside is an error quoting it.
Result<std::vector<std::string>> ParseServiceList(const std::vector<std::string>& argv,
                                                  std::string_view out);

// `--quiet <engine>:info <svc> --links`: one line, "-" for none, else app names separated
// by spaces (with a trailing space) -> names sorted.
Result<std::vector<std::string>> ParseServiceLinks(const std::vector<std::string>& argv,
                                                   std::string_view out);

// `--quiet <engine>:info <svc> --exposed-ports`: "-" when not exposed, else
// "<container port>-><host side> " (service_exposed_ports, one pair per datastore port:
// one for postgres and redis) -> the host side ("10.0.0.1:20123" or "20123"), "" for "-".
Result<std::string> ParseExposedPorts(const std::vector<std::string>& argv, std::string_view out);

}  // namespace dflow
