// The files the server serves as they are kept in the repo (Sources/LiaisonHTTP/openapi.json and
// Sources/LiaisonHTTP/Console/), compiled into the binary by C23's #embed so that the binary
// needs no resource bundle beside it. Not SwiftPM's `.embedInCode`: its array literal of
// 400 KB took the Swift compiler about 5 minutes to type-check, where clang's #embed takes none.
#ifndef LIAISON_CSERVEDFILES_H
#define LIAISON_CSERVEDFILES_H

#include <stddef.h>

/// One file: its name in its folder and its bytes.
typedef struct {
    const char *name;
    const unsigned char *bytes;
    size_t count;
} liaison_served_file;

/// `openapi.json`.
extern const liaison_served_file liaison_openapi_document;

/// How many files `Console/` has.
size_t liaison_console_file_count(void);

/// The `index`th file of `Console/`, for `index` below `liaison_console_file_count()`.
const liaison_served_file *liaison_console_file(size_t index);

#endif
