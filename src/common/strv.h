/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NULL-terminated string vectors (argv-style), heap-owned. */
#pragma once

#include <stddef.h>

size_t strv_length(char *const *strv);

/* Append a copy of s; -ENOMEM leaves *strv unchanged. */
int strv_push(char ***strv, const char *s);

/* Append a copy of every word of more (NULL: none). */
int strv_extend(char ***strv, char *const *more);

/* Append s itself (ownership passes on success). */
int strv_consume(char ***strv, char *s);

char **strv_free(char **strv);

/* A copy of the vector; NULL on allocation failure. */
char **strv_copy(char *const *strv);

/* Words joined by spaces, for logs; caller frees. */
char *strv_join(char *const *strv);
