/* A Darknet .cfg read into sections and options, the way Darknet's own
 * read_cfg (parser.c) reads it, with the line of everything.
 *
 * Reading: every blank (isspace) of a line is removed; a line starting with
 * '[' opens a section (the whole squeezed line is its type, "[conv]");
 * empty lines and lines starting with '#' or ';' are skipped; any other
 * line is `key=value`, split at its first '='.  The validation (cfg_keys.h,
 * cfg_values.h, cfg_shapes.h) and the [infomonitor] rewrite (cfg_rewrite.h)
 * all work on this model, so no other code reads cfg text.
 *
 * Layer indices: `layer` counts the sections Darknet builds a layer for, as
 * if the file had no [infomonitor] sections (the indices a user writes in
 * route `layers=` and shortcut `from=`, and sees in `-layer K` and the
 * metrics CSV).  `dn_index` counts them as Darknet will after the rewrite,
 * where each monitor is a pass-through layer of its own. */
#ifndef IM_DN_CFG_MODEL_H
#define IM_DN_CFG_MODEL_H

#include <stddef.h>
#include "infomonitor/status.h"

typedef struct im_cfg_opt {
    char *key, *val; /* squeezed; val is never empty */
    int line;
} im_cfg_opt;

typedef struct im_cfg_section {
    char *type;  /* the squeezed header: "[net]", "[convolutional]", "[infomonitor]" ... */
    int line;    /* of the header */
    int monitor; /* 1 for [infomonitor] */
    int layer;   /* index without monitors; -1 for [net] and the monitors */
    int dn_index; /* index among Darknet's layers after the rewrite; -1 for [net] */
    size_t nopt;
    im_cfg_opt *opt; /* in file order */
} im_cfg_section;

typedef struct im_cfg_model {
    char *path;
    size_t nsec;
    im_cfg_section *sec; /* sec[0] is [net] (or [network]) */
    int nlayers;         /* layers without monitors */
    int dn_layers;       /* layers after the rewrite, monitors included */
    char *warnings;      /* "path:line: ...\n" lines for the user, or NULL; see im_cfg_warn */
} im_cfg_model;

/* Read `path`.  The structural errors, each IM_ERR_FORMAT naming
 * "path:line:" and the text: an option before the first section, a line
 * that is not key=value (no '=', or nothing before or after it), a section
 * name Darknet does not know (it would insert a zeroed layer that breaks the
 * next), a first section that is not [net], a second [net], no sections.
 * A key given twice in one of Darknet's sections is a warning (Darknet reads
 * the first; Debian's yolo9000.cfg repeats batch= that way); in an
 * [infomonitor] it is left to the rewrite, which refuses it.  IM_ERR_IO:
 * cannot open or read; IM_ERR_NOMEM.  On error *out is empty (freeing it is
 * harmless). */
im_status im_cfg_model_read(const char *path, im_cfg_model *out, char *err, size_t errlen);
void im_cfg_model_free(im_cfg_model *m);

/* The option of s named key: the first, as Darknet's option_find; NULL if absent. */
const im_cfg_opt *im_cfg_find(const im_cfg_section *s, const char *key);

/* Add the warning "path:line: <text>" (line 0: "path: <text>") to
 * m->warnings.  IM_OK, or IM_ERR_NOMEM (with the warning lost). */
im_status im_cfg_warn(im_cfg_model *m, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Typed values, checked strictly (util/parse.h; Darknet's atoi/atof would
 * read "3x" as 3 and "abc" as 0).  Each gives `def` when the key is absent,
 * and on a bad value returns IM_ERR_FORMAT with
 * "path:line: [type] key = 'value': expected <want>", where want says the range. */
im_status im_cfg_int(const im_cfg_model *m, const im_cfg_section *s, const char *key,
                     long long def, long long lo, long long hi, long long *out, char *err,
                     size_t errlen);
/* A finite number in [lo, hi]. */
im_status im_cfg_num(const im_cfg_model *m, const im_cfg_section *s, const char *key, double def,
                     double lo, double hi, double *out, char *err, size_t errlen);

#endif
