/* Files for the fuzz harnesses: libFuzzer hands a harness bytes, the
 * parsers under test read paths.  Each process writes into one folder of
 * its own, made on first use under $TMPDIR (or /tmp) and removed at a
 * normal exit (after a crash it stays, with the input that crashed). */
#ifndef IM_FUZZ_FILE_H
#define IM_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The folder, an absolute path. */
const char *fuzz_dir(void);

/* Writes data[0..n) to fuzz_dir()/name (name may hold folders, made here)
 * and returns that path (a buffer of its own per name, at most 16 names).  Aborts on a write error:
 * that is the harness's machine failing, not the code under test. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t n);

#endif
