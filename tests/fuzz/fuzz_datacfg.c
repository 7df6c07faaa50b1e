/* libFuzzer harness: a Darknet .data file (im_datacfg_load,
 * plugin/src/darknet/datacfg.h) from any bytes.  Only the file itself is
 * read: the files it names are not opened (im_datacfg_split is left out,
 * since fuzzed names would reach anything on the machine).  Checks beyond
 * the sanitizers: a refusal is one line naming the file and leaves *out
 * empty; an accepted file holds the rules of datacfg.h (classes >= 1,
 * 1 <= top <= classes, a split, each IDX split with its labels, class
 * names in the list form, a backup folder). */
#include <stdlib.h>
#include <string.h>
#include "darknet/datacfg.h"
#include "files.h"
#include "show.h"

static void need(int cond)
{
    if (!cond)
        abort();
}

static void check_accepted(const im_datacfg *c, const char *path)
{
    need(!strcmp(c->path, path) && c->classes >= 1 && c->top >= 1 && c->top <= c->classes);
    need(c->train != NULL || c->valid != NULL);
    need(c->backup != NULL && c->backup[0] != '\0');
    int idx = c->train_labels != NULL || c->valid_labels != NULL;
    if (idx)
        need((c->train == NULL) == (c->train_labels == NULL) &&
             (c->valid == NULL) == (c->valid_labels == NULL));
    else
        need(c->labels != NULL && c->line_labels > 0);
    need(c->line_classes > 0 && (c->train == NULL) == (c->line_train == 0) &&
         (c->valid == NULL) == (c->line_valid == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.data", data, size);
    char err[1024] = "";
    im_datacfg c;
    im_status st = im_datacfg_load(path, &c, err, sizeof err);
    fuzz_show(st, err);
    if (st != IM_OK) {
        need(c.path == NULL && c.train == NULL && c.warnings == NULL &&
             !strncmp(err, path, strlen(path)) && !strchr(err, '\n'));
        return 0;
    }
    check_accepted(&c, path);
    im_datacfg_free(&c);
    return 0;
}
