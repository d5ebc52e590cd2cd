// Karney's geodesics on an ellipsoid, from Debian's GeographicLib (libgeographiclib-dev,
// installed by tools/setup), through a small C interface Swift can call.
//
// GeographicLib rather than PROJ (whose geod_* routines are the C port of the same
// algorithm): PROJ drags libcurl, libtiff and GnuTLS into every process that links it, about
// 10 ms of dynamic loading before main, which a one-shot `liaison nearest` cannot afford.
#ifndef LIAISON_CGEODESIC_H
#define LIAISON_CGEODESIC_H

#ifdef __cplusplus
extern "C" {
#endif

/// One ellipsoid's constants. Made once per ellipsoid and never freed.
typedef struct liaison_geodesic liaison_geodesic;

/// The ellipsoid with equatorial radius `a` (metres) and flattening `f`; NULL when GeographicLib
/// refuses them (a not positive, f not below 1).
const liaison_geodesic *liaison_geodesic_make(double a, double f);

/// The inverse problem: the geodesic's length `s12` (metres) and its azimuth at the first point
/// `azi1` (degrees clockwise from north, in [-180, 180]).
void liaison_geodesic_inverse(const liaison_geodesic *g, double lat1, double lon1, double lat2, double lon2,
                              double *s12, double *azi1);

/// The direct problem: where one arrives from (`lat1`, `lon1`) on azimuth `azi1` after `s12` metres.
void liaison_geodesic_direct(const liaison_geodesic *g, double lat1, double lon1, double azi1, double s12,
                             double *lat2, double *lon2);

#ifdef __cplusplus
}
#endif

#endif
