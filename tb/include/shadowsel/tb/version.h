// SPDX-License-Identifier: MIT
#pragma once

namespace shadowsel::tb {

/// `git describe --tags --always --dirty` of the source tree at build time
/// (cmake/version.cmake), or "unknown" when git or the checkout was missing.
const char* version();

}  // namespace shadowsel::tb
