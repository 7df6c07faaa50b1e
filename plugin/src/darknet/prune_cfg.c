/* The pruned cfg: the original text with one value changed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "prune_cfg.h"
#include "util/errfmt.h"

im_status im_prune_cfg_write(const im_cfg_model *m, const im_cfg_section *sec, const char *key,
                             size_t count, FILE *f, char *err, size_t errlen)
{
    FILE *in = fopen(m->path, "r");
    if (in == NULL)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot read it again: %s", m->path,
                       strerror(errno));
    const im_cfg_opt *o = im_cfg_find(sec, key);
    int at = o ? o->line : sec->line; /* the line replaced, or the header to add after */
    char *line = NULL;
    size_t cap = 0;
    int no = 0;
    while (getline(&line, &cap, in) >= 0) {
        no++;
        if (no == at && o)
            fprintf(f, "%s=%zu\n", key, count);
        else
            fputs(line, f);
        if (no == at && !o)
            fprintf(f, "%s%s=%zu\n", strchr(line, '\n') ? "" : "\n", key, count);
    }
    int bad = ferror(in);
    free(line);
    fclose(in);
    if (bad)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot read it again", m->path);
    return ferror(f) ? im_errf(err, errlen, IM_ERR_IO, "cannot write the pruned cfg") : IM_OK;
}
