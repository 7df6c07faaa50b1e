/* The rewritten cfg text (cfg_rewrite.h) where Darknet's parser can read
 * it: parse_network_cfg takes a path and opens it with fopen.
 *
 * The text goes into a memfd (memfd_create), named by /proc/self/fd/N, so
 * that no file exists on disk and nothing is left behind whatever happens
 * next, an abort inside Darknet's parser included.  Only where a memfd
 * cannot be created or reopened through /proc does it go into a temporary
 * file, $TMPDIR/infomonitor-XXXXXX (TMPDIR unset or empty: /tmp), which
 * im_cfg_text_close removes; a process killed in between leaves that file.
 *
 * The path is for Darknet only: it is never part of a message.  Darknet's
 * parser prints the path it was given only when it cannot open it
 * (file_error: "Couldn't open file: ..."), which im_cfg_text_open rules
 * out by opening it first; its other messages name sections and keys. */
#ifndef IM_DN_CFG_TEXT_H
#define IM_DN_CFG_TEXT_H

#include <stddef.h>
#include "cfg_rewrite.h"

typedef struct im_cfg_text {
    int fd;         /* the memfd or the temporary file; -1 when closed */
    int on_disk;    /* path is a temporary file to remove */
    char path[256]; /* what to pass to parse_network_cfg */
} im_cfg_text;

/* Write r->text where *t->path reads it back.  On failure *t is closed
 * (im_cfg_text_close is still safe).  IM_ERR_IO: neither a memfd nor a
 * temporary file could be written (the message names the folder). */
im_status im_cfg_text_open(const im_cfg_rewrite *r, im_cfg_text *t, char *err, size_t errlen);

/* Close the memfd, or remove the temporary file; safe to call twice. */
void im_cfg_text_close(im_cfg_text *t);

#endif
