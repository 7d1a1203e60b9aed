/*
 * id_lines.h — external ids one a line, as `galley query --ids` writes them
 * and `galley delete --ids` (and its ID arguments) reads them back.
 *
 * An id goes out as it is, unless that would read back as something else:
 * one holding a control character (a newline would make it two ids; C1
 * controls, U+2028 and U+2029 too, line breaks to some readers), or starting
 * with '"' or '#' ("#12" names document 12), is written as a JSON string
 * instead, "a\nb".  A line that starts with '"' is read as such a string.
 */
#ifndef GAL_ID_LINES_H
#define GAL_ID_LINES_H

#include <stddef.h>

#include "buf.h"

/* id[0, n) onto b, quoted when it must be; no newline. */
int gal_id_line_put(gal_buf *b, const char *id, size_t n);

/* A line (without its newline) as an id: *out points into line when it is
 * not quoted, else into the decoded copy kept in scratch.  GAL_EINPUT when
 * it starts with '"' and is not one whole JSON string (what is wrong in
 * *why). */
int gal_id_line_get(const char *line, size_t n, gal_buf *scratch, const char **out, size_t *out_n,
                    const char **why);

#endif
