/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON for herdcc: one bounded reader and one writer, for the status
 * documents of the stats port (stats.h) and anything else that speaks
 * JSON later.
 *
 * The reader takes bytes from a stranger: strict RFC 8259 (no comments, no
 * trailing commas, no leading zeros, no NaN), the whole input must be one
 * value with nothing but white space after it, strings must be valid UTF-8
 * (no overlong forms, no surrogates, escapes included: a \u escape must
 * pair its surrogates) and may not contain U+0000. Caps on nesting depth,
 * string length, members per object, items per array and values in all
 * keep a hostile document from costing more than a bounded amount of
 * memory and time. An object that names a member twice is refused: a
 * reader that took the first and one that took the last would disagree,
 * and a status document has no reason to do it. Numbers are kept as their
 * text and converted on request, with range checks and in the C locale
 * (the GTK monitor runs under the user's locale).
 *
 * The writer appends to a growing buffer and never fails halfway: the first
 * allocation failure is remembered and reported by json_writer_finish().
 * Strings are written as valid UTF-8 whatever they hold (an invalid byte
 * becomes U+FFFD) with control characters escaped. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH_MAX   32
#define JSON_STRING_MAX  (64 * 1024)
#define JSON_MEMBERS_MAX 256
#define JSON_ITEMS_MAX   (16 * 1024)
#define JSON_VALUES_MAX  (256 * 1024)

enum json_type {
  JSON_NULL,
  JSON_FALSE,
  JSON_TRUE,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
};

struct json_member;

struct json_value {
  enum json_type type;
  size_t         len;  /* bytes of text; items or members of a container */
  char          *text; /* owned: a string's bytes (NUL-terminated, no NUL
                          inside), or a number's lexeme */
  struct json_value  *items;   /* owned: an array's */
  struct json_member *members; /* owned: an object's, in document order */
};

struct json_member {
  char             *name; /* owned, NUL-terminated */
  struct json_value value;
};

/* Parse text (len bytes, no NUL needed) into *ret_value (written only on
 * success; release it with json_value_clear). -EBADMSG with a reason in
 * why (why_len bytes, may be NULL) for a document that is not strict JSON
 * or breaks a cap, -ENOMEM. */
int json_parse(const char *text, size_t len, struct json_value *ret_value,
               char *why, size_t why_len);

/* Free what v owns (not v itself); accepts NULL. */
void json_value_clear(struct json_value *v);

/* The member called name of object v; NULL when v is not an object or has
 * no such member. Borrowed from v. */
const struct json_value *json_get(const struct json_value *v, const char *name);

/* Numbers: -EDOM when v is not a number (or not a boolean for
 * json_get_bool), -ERANGE when it does not fit. An integer must be written
 * as one: 1.0 and 1e3 are not integers. */
int json_get_int64(const struct json_value *v, int64_t *ret);
int json_get_uint64(const struct json_value *v, uint64_t *ret);
int json_get_double(const struct json_value *v, double *ret); /* finite */
int json_get_bool(const struct json_value *v, bool *ret);

/* Copy text into dst (size bytes, size >= 1) as valid UTF-8 without
 * control characters: each invalid byte and each character below U+0020
 * or U+007F becomes '?'; cut at a character boundary when it does not
 * fit. For filling fixed-size fields from bytes a peer chose. */
void json_utf8_copy(char *dst, size_t size, const char *text);

/* Whether text (len bytes) is valid UTF-8 (strict: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool json_utf8_valid(const char *text, size_t len);

struct json_writer {
  char    *buf; /* owned until json_writer_finish */
  size_t   len;
  size_t   cap;
  int      error; /* the first failure, -errno */
  unsigned depth;
  bool     need_comma[JSON_DEPTH_MAX + 1];
  bool     after_key;
};

void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
void json_key(struct json_writer *w, const char *name);
void json_string(struct json_writer *w, const char *text);
void json_int(struct json_writer *w, int64_t value);
void json_uint(struct json_writer *w, uint64_t value);
void json_double(struct json_writer *w, double value); /* non-finite: 0 */
void json_bool(struct json_writer *w, bool value);
void json_null(struct json_writer *w);

/* Hand the document over: *ret_text is NUL-terminated and owned by the
 * caller. The writer is emptied either way. -ENOMEM, or -EINVAL when the
 * containers were not closed. */
int json_writer_finish(struct json_writer *w, char **ret_text, size_t *ret_len);

/* Drop a document under construction. */
void json_writer_clear(struct json_writer *w);
