#ifndef LIAISON_CCAIRO_SHIM_H
#define LIAISON_CCAIRO_SHIM_H

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>

#endif
