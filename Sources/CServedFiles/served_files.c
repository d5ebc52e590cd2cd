// The bytes of the served files, by #embed of the repo's own files (one source of truth: a file
// changed in the repo is rebuilt into the binary, as clang lists embedded files in its
// dependency output). A file added to Console/ is added here too; the self-contained binary's
// test (Tests/LiaisonCLITests/SelfContainedBinaryTests.swift) serves every file of the folder.
#include "CServedFiles.h"

// #embed is C23; clang takes it in any C mode, with this warning.
#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char openapi_json[] = {
#embed "../LiaisonHTTP/openapi.json"
};

const liaison_served_file liaison_openapi_document = {"openapi.json", openapi_json, sizeof openapi_json};

static const unsigned char console_api_js[] = {
#embed "../LiaisonHTTP/Console/api.js"
};

static const unsigned char console_app_js[] = {
#embed "../LiaisonHTTP/Console/app.js"
};

static const unsigned char console_complaints_js[] = {
#embed "../LiaisonHTTP/Console/complaints.js"
};

static const unsigned char console_console_css[] = {
#embed "../LiaisonHTTP/Console/console.css"
};

static const unsigned char console_coords_js[] = {
#embed "../LiaisonHTTP/Console/coords.js"
};

static const unsigned char console_counties_js[] = {
#embed "../LiaisonHTTP/Console/counties.js"
};

static const unsigned char console_dom_js[] = {
#embed "../LiaisonHTTP/Console/dom.js"
};

static const unsigned char console_errors_js[] = {
#embed "../LiaisonHTTP/Console/errors.js"
};

static const unsigned char console_format_js[] = {
#embed "../LiaisonHTTP/Console/format.js"
};

static const unsigned char console_index_html[] = {
#embed "../LiaisonHTTP/Console/index.html"
};

static const unsigned char console_kpis_js[] = {
#embed "../LiaisonHTTP/Console/kpis.js"
};

static const unsigned char console_map_js[] = {
#embed "../LiaisonHTTP/Console/map.js"
};

static const unsigned char console_station_form_js[] = {
#embed "../LiaisonHTTP/Console/station-form.js"
};

static const unsigned char console_stations_js[] = {
#embed "../LiaisonHTTP/Console/stations.js"
};

static const liaison_served_file console_files[] = {
    {"api.js", console_api_js, sizeof console_api_js},
    {"app.js", console_app_js, sizeof console_app_js},
    {"complaints.js", console_complaints_js, sizeof console_complaints_js},
    {"console.css", console_console_css, sizeof console_console_css},
    {"coords.js", console_coords_js, sizeof console_coords_js},
    {"counties.js", console_counties_js, sizeof console_counties_js},
    {"dom.js", console_dom_js, sizeof console_dom_js},
    {"errors.js", console_errors_js, sizeof console_errors_js},
    {"format.js", console_format_js, sizeof console_format_js},
    {"index.html", console_index_html, sizeof console_index_html},
    {"kpis.js", console_kpis_js, sizeof console_kpis_js},
    {"map.js", console_map_js, sizeof console_map_js},
    {"station-form.js", console_station_form_js, sizeof console_station_form_js},
    {"stations.js", console_stations_js, sizeof console_stations_js},
};

size_t liaison_console_file_count(void) { return sizeof console_files / sizeof console_files[0]; }

const liaison_served_file *liaison_console_file(size_t index) { return &console_files[index]; }
