// The system's SQLite, SpatiaLite and PROJ's geodesic API, as one Clang module.
// Debian: libsqlite3-dev, libspatialite-dev, libproj-dev (installed by tools/setup).
// GRDB links the same system libsqlite3, so the process holds one SQLite.
#include <sqlite3.h>
#include <spatialite.h>
#include <geodesic.h>
