// PROJ's geodesic API (Karney's algorithm) alone: the math layer links nothing else.
// Debian: libproj-dev (installed by tools/setup).
#include <geodesic.h>
