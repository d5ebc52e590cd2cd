// The system's SQLite and SpatiaLite, as one Clang module.
// Debian: libsqlite3-dev, libspatialite-dev (installed by tools/setup).
// GRDB links the same system libsqlite3, so the process holds one SQLite.
#include <sqlite3.h>
#include <spatialite.h>
