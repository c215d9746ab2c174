/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Descriptor I/O for every herdcc program: whole-buffer reads and writes
 * that survive EINTR and short counts and give up after a timeout, and
 * whole-file helpers. Functions return 0 (or a count) on success and
 * -errno on failure: -ETIMEDOUT when the peer was too slow, -ENODATA when
 * it closed the stream early. A timeout bounds the whole call, not each
 * read or write: a peer that trickles bytes cannot stretch it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Wait until fd is readable (events POLLIN) or writable (POLLOUT).
 * timeout_ms < 0 waits forever. */
int io_wait(int fd, short events, int timeout_ms);

int io_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/* Read exactly len bytes; -ENODATA if the stream ends first. */
int io_read_all(int fd, void *buf, size_t len, int timeout_ms);

/* Hold back partial frames on a TCP socket while on (TCP_CORK), so that a
 * message of several writes leaves in full packets; fails harmlessly on a
 * pipe. */
void io_cork(int fd, bool on);

/* Copy len bytes from file_fd (at its current offset) to out_fd. */
int io_copy_fd(int out_fd, int file_fd, size_t len, int timeout_ms);

/* Read a whole regular file of at most cap bytes into a new buffer
 * (caller frees *ret_buf; it is NUL-terminated for convenience). */
int io_read_file(const char *path, size_t cap, char **ret_buf, size_t *ret_len);

/* Read everything from fd until EOF, at most cap bytes. */
int io_read_fd(int fd, size_t cap, char **ret_buf, size_t *ret_len);

/* Create a private temporary file beside target ("dir/.name.herdcc-XXXXXX")
 * for an atomic replace. *ret_path is owned by the caller. */
int io_tmp_beside(const char *target, char **ret_path, int *ret_fd);

/* Whether path exists and is not a regular file (after symlinks): a
 * device such as /dev/null, a FIFO, a socket. Such a target is written in
 * place, never replaced or removed. */
bool io_is_special(const char *path);

/* Replace path with buf atomically (a temporary file beside it, then
 * rename), with the mode a new file gets. A special target (io_is_special)
 * is opened and written directly instead. */
int io_write_file_atomic(const char *path, const void *buf, size_t len);

/* Create path, private (0600), where nothing is (not through a symlink):
 * a job directory's files. Its descriptor, or -errno (-EEXIST when
 * something is there). */
int io_new_file(const char *path);

/* Such a new file (io_new_file) holding len bytes of buf. -errno. */
int io_write_new_file(const char *path, const void *buf, size_t len);

/* Give path the mode a freshly created file gets (0666 & ~umask). */
int io_chmod_default(const char *path);

/* mkdir -p with mode for the missing parts. */
int io_mkdir_p(const char *path, mode_t mode);

/* Parse a numeric address, IPv4 or IPv6 ("::1" or "[::1]"), with port
 * into *ret_addr and *ret_len. -EINVAL when it is neither. */
int io_parse_address(const char *text, uint16_t port,
                     struct sockaddr_storage *ret_addr, socklen_t *ret_len);
