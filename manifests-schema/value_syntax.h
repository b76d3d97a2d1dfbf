// The syntax of the values that both the manifest parser and theme parameters check, so that a
// parameter of type `domain` accepts exactly what a service's `domains` does. Every pattern and
// bound here is mirrored in dflow.schema.json.
#pragma once

#include "manifests-schema/field_reader.h"

namespace dflow {

inline constexpr Syntax kDomainSyntax = {
    "(?=.{1,253}$)(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9]"
    ")?",
    253};
inline constexpr Syntax kEmailSyntax = {"[^@\\s]+@[^@\\s]+\\.[^@\\s]+", 254};
inline constexpr Syntax kSemverSyntax = {"[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?", 128};
// Any URL with a scheme: https://..., ssh://..., smtp://...
inline constexpr Syntax kUrlSyntax = {"[a-z][a-z0-9+.-]*://[^\\s]+", kMaxPatternBytes};
// Theme parameter names are camelCase.
inline constexpr Syntax kParameterNameSyntax = {"[a-z][a-zA-Z0-9]*", 63};

}  // namespace dflow
