/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one text cleaner (src/common/text.c): every kind of character the
 * rule refuses, every kind it keeps, and the bounds of the copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

static void test_clean(void **state)
{
  static const struct {
    const char *in;
    size_t      size;
    bool        no_space;
    const char *out;
  } cases[] = {
    { "plain.c",                      64, false, "plain.c"             },
    { "a b",                          64, false, "a b"                 },
    { "a b",                          64, true,  "a_b"                 },
    { "\033[2J\033]0;owned\007",      64, false, "?[2J?]0;owned?"      },
    { "tab\there\nnl\r",              64, false, "tab?here?nl?"        },
    { "del\177",                      64, false, "del?"                },
    { "caf\xc3\xa9.c",                64, false, "caf\xc3\xa9.c"       }, /* é */
    { "csi\xc2\x9b"
      "2J",                      64, false, "csi?2J"              }, /* U+009B */
    { "bad\xff\xfe",                  64, false, "bad??"               }, /* not UTF-8 */
    { "over\xc0\xaf",                 64, false, "over??"              }, /* overlong / */
    { "sur\xed\xa0\x80",              64, false, "sur???"              }, /* surrogate */
    { "cut\xe2\x82",                  64, false, "cut??"               }, /* truncated */
    { "\xe2\x82\xac\xe2\x82\xac",     5,  false, "\xe2\x82\xac"        }, /* no half € */
    { "abcdef",                       4,  false, "abc"                 },
    { "",                             8,  false, ""                    },
    { "rlo\xe2\x80\xaegnp.exe",       64, false, "rlo?gnp.exe"         }, /* U+202E */
    { "lri\xe2\x81\xa6x",             64, false, "lri?x"               }, /* U+2066 */
    { "rlm\xe2\x80\x8f",              64, false, "rlm?"                }, /* U+200F */
    { "alm\xd8\x9c",                  64, false, "alm?"                }, /* U+061C */
    { "ls\xe2\x80\xa8ps\xe2\x80\xa9", 64, false, "ls?ps?"              }, /* U+2028/9 */
    { "zwj\xe2\x80\x8d",              64, false, "zwj\xe2\x80\x8d"     }, /* U+200D stays */
    { "max\xf4\x8f\xbf\xbf",          64, false, "max\xf4\x8f\xbf\xbf" }, /* U+10FFFF */
    { "past\xf4\x90\x80\x80",         64, false, "past????"            }, /* U+110000 */
    { "nbsp\xc2\xa0",                 64, true,  "nbsp\xc2\xa0"        }, /* U+00A0 */
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char            buf[64];
    enum text_flags flags = cases[i].no_space ? TEXT_NO_SPACE : 0;
    text_clean(buf, cases[i].size, cases[i].in, flags);
    if (strcmp(buf, cases[i].out) != 0) {
      fail_msg("case %zu: got \"%s\", want \"%s\"", i, buf, cases[i].out);
    }
    /* The copy that allocates: the same text when nothing cuts it. */
    char *dup = text_clean_dup(cases[i].in, flags);
    if (!dup || (cases[i].size == 64 && strcmp(dup, cases[i].out) != 0)) {
      fail_msg("case %zu: the copy is \"%s\"", i, dup ? dup : "(null)");
    }
    free(dup);
  }
}

static void test_is_clean(void **state)
{
  static const struct {
    const char *in;
    size_t      len;
    bool        clean;
  } cases[] = {
    { "plain",        5, true  },
    { "caf\xc3\xa9",  5, true  },
    { "caf\xc3",      4, false }, /* a character cut by the length */
    { "a\0b",         3, false }, /* NUL inside the length */
    { "\xe2\x80\xae", 3, false },
    { "\x7f",         1, false },
    { "",             0, true  },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (text_is_clean(cases[i].in, cases[i].len) != cases[i].clean) {
      fail_msg("case %zu: want %s", i, cases[i].clean ? "clean" : "refused");
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clean),
    cmocka_unit_test(test_is_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
