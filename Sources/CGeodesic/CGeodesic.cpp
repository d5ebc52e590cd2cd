#include "CGeodesic.h"

#include <GeographicLib/Geodesic.hpp>
#include <exception>

struct liaison_geodesic {
    GeographicLib::Geodesic geodesic;
};

const liaison_geodesic *liaison_geodesic_make(double a, double f) {
    try {
        return new liaison_geodesic{GeographicLib::Geodesic(a, f)};
    } catch (const std::exception &) {
        return nullptr;
    }
}

void liaison_geodesic_inverse(const liaison_geodesic *g, double lat1, double lon1, double lat2, double lon2,
                              double *s12, double *azi1) {
    double azi2;
    g->geodesic.Inverse(lat1, lon1, lat2, lon2, *s12, *azi1, azi2);
}

void liaison_geodesic_direct(const liaison_geodesic *g, double lat1, double lon1, double azi1, double s12,
                             double *lat2, double *lon2) {
    g->geodesic.Direct(lat1, lon1, azi1, s12, *lat2, *lon2);
}
