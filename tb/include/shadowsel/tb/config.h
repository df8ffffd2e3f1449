// SPDX-License-Identifier: MIT
// config.json: what a run was asked to simulate, fully resolved (docs/outputs.md).
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

#include "shadowsel/tb/scenario.h"

namespace shadowsel::tb {

/// Version of config.json's layout; raised when a key changes meaning or goes.
inline constexpr int kConfigSchemaVersion = 1;

/// The effective scenario `s` (defaults, then the file, then the command line),
/// every key where the scenario file puts it (scenario_json), plus "shadowsel"
/// (version, schema_version), "run" (the scenario file, --max-cycles) and
/// "constants": the fixed facts of the machine the figures depend on (frame
/// layout, notify engine tables and the driver's engine settings).
nlohmann::ordered_json config_json(const Scenario& s, uint64_t max_cycles);

}  // namespace shadowsel::tb
