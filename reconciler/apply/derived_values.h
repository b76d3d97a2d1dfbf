// The values a theme's apply-time config (AppSpec::derived_config) takes from dflow's side,
// put where plan and apply look for secret values (SecretValues, per Dokku app): each
// generated secret and each secrets-file value a template names, under DerivedPartKey(); and
// each whole key that needs no datastore under its own name. Keys that need a linked
// datastore's password or URL are completed later, on the node (plan/app_plan.cpp, apply.cpp).
#pragma once

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"
#include "manifests-schema/desired_state_loader.h"
#include "reconciler/apply/generated_secrets.h"

namespace dflow {

// Adds to `secrets` (as ResolveAppSecrets() made it from `file_values`). Generates what
// `store` lacks (the caller Save()s it before applying). Errors: a generation failure; a
// secrets-file value the loader did not check (it checks when given the file) is left out.
Status AddDerivedSecretValues(const DesiredState& desired, const SecretValues& file_values,
                              GeneratedSecrets& store, SecretValues& secrets);

}  // namespace dflow
