/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the daemon's reading of the source text a client sends
 * (cpptext: the -fdirectives-only filter; srcfiles: the files rebuilt from
 * it, written into a job directory). The first byte sets the size of the
 * pieces the rest arrives in (and, when odd, lifts the command line's
 * macros, as for gcc -g3). Beyond crashes: the filter gives no more
 * than it got, a working directory is absolute, and the rebuilt tree holds
 * only directories and regular files, all below the job directory, the
 * absolutely named files' too; the text rooted gives the text back when
 * its root is taken out again, line for line, but for how the names of
 * its markers are escaped (linemarker writes them as gcc does). */

#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpptext.h"
#include "fuzz-check.h"
#include "linemarker.h"
#include "macro.h"
#include "srcfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_dir;

static int check_entry(const char *path, const struct stat *st, int type,
                       struct FTW *ftw)
{
  (void)ftw;
  FUZZ_CHECK(strncmp(path, fuzz_dir, strlen(fuzz_dir)) == 0);
  FUZZ_CHECK(type == FTW_F || type == FTW_D || type == FTW_DP);
  FUZZ_CHECK(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode));
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  remove(path);
  return 0;
}

/* The length of the line at text (len bytes), its newline included. */
static size_t line_len(const char *text, size_t len)
{
  const char *nl = memchr(text, '\n', len);
  return nl ? (size_t)(nl - text) + 1 : len;
}

/* Whether two lines (a_len and b_len bytes) are the same marker, however
 * its name is escaped. */
static bool same_marker(const char *a, size_t a_len, const char *b,
                        size_t b_len)
{
  struct linemarker ma = { .name = NULL }, mb = { .name = NULL };
  bool              same =
    linemarker_parse(a, a_len, &ma) == 1 &&
    linemarker_parse(b, b_len, &mb) == 1 && ma.number == mb.number &&
    ma.flags == mb.flags && ma.name_len == mb.name_len &&
    memcmp(ma.name, mb.name, ma.name_len) == 0 && ma.name_at == mb.name_at &&
    memcmp(a, b, ma.name_at) == 0 &&
    a_len - ma.name_end == b_len - mb.name_end &&
    memcmp(a + ma.name_end, b + mb.name_end, a_len - ma.name_end) == 0;

  linemarker_done(&ma);
  linemarker_done(&mb);
  return same;
}

/* Whether b is a, line for line, but for how its markers' names are
 * escaped. */
static bool same_text(const char *a, size_t a_len, const char *b, size_t b_len)
{
  while (a_len > 0 && b_len > 0) {
    size_t la = line_len(a, a_len), lb = line_len(b, b_len);
    if ((la != lb || memcmp(a, b, la) != 0) && !same_marker(a, la, b, lb)) {
      return false;
    }
    a += la;
    a_len -= la;
    b += lb;
    b_len -= lb;
  }
  return a_len == 0 && b_len == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0) {
    return 0;
  }
  size_t           step  = (size_t)data[0] + 1;
  struct cpptext  *text  = cpptext_new();
  struct srcfiles *files = srcfiles_new();
  size_t           in = 0, out_total = 0;
  const char      *out;
  size_t           out_len;

  FUZZ_CHECK(text && files);
  if (data[0] & 1) {
    cpptext_lift_command_line(text); /* gcc -g3's jobs */
  }
  for (size_t at = 1; at < size; at += step) {
    size_t n = size - at < step ? size - at : step;
    FUZZ_CHECK(cpptext_feed(text, (const char *)data + at, n, false, &out,
                            &out_len) == 0);
    in += n;
    out_total += out_len;
    FUZZ_CHECK(srcfiles_feed(files, out, out_len) == 0);
  }
  FUZZ_CHECK(cpptext_feed(text, NULL, 0, true, &out, &out_len) == 0);
  out_total += out_len;
  /* a held "<built-in>" marker may be given back at the end: no more */
  FUZZ_CHECK(out_total <= in + 1);
  FUZZ_CHECK(srcfiles_feed(files, out, out_len) == 0);
  FUZZ_CHECK(!cpptext_cwd(text) || cpptext_cwd(text)[0] == '/');
  /* lifted macros are -D or -U options of one line each */
  char *const *opts = cpptext_command_line(text);
  for (size_t i = 0; opts && opts[i]; i++) {
    FUZZ_CHECK(opts[i][0] == '-' && (opts[i][1] == 'D' || opts[i][1] == 'U'));
    FUZZ_CHECK(!strchr(opts[i], '\n'));
  }

  char dir[] = "/tmp/fuzz-text-XXXXXX";
  FUZZ_CHECK(mkdtemp(dir));
  _cleanup_free_ char *cwd = NULL;
  if (srcfiles_write(files, dir, &cwd) == 0) {
    FUZZ_CHECK(strncmp(cwd, dir, strlen(dir)) == 0);
  }
  const char *raw = (const char *)data + 1;
  FUZZ_CHECK(srcfiles_write_absolute(dir, raw, size - 1) == 0);
  _cleanup_free_ char *rooted = NULL;
  size_t               rooted_len;
  FUZZ_CHECK(srcfiles_root_text(dir, raw, size - 1, &rooted, &rooted_len) == 0);
  FUZZ_CHECK(srcfiles_unroot(dir, rooted, &rooted_len) == 0);
  FUZZ_CHECK(same_text(raw, size - 1, rooted, rooted_len));
  fuzz_dir = dir;
  nftw(dir, check_entry, 16, FTW_PHYS);
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  srcfiles_free(files);
  cpptext_free(text);
  return 0;
}
