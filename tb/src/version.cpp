// SPDX-License-Identifier: MIT
// The one unit that sees the generated version header, so that a new commit
// recompiles this file only.
#include "shadowsel/tb/version.h"

#include "shadowsel_version.h"

namespace shadowsel::tb {

const char* version() { return SHADOWSEL_VERSION; }

}  // namespace shadowsel::tb
