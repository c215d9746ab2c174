/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Process exit codes. They are distcc's, so scripts written for distcc read
 * herdcc's results the same way. A compiler killed by a signal gives
 * 128 + signal. */
#pragma once

enum exit_code {
  EXIT_GENERAL          = 100,
  EXIT_BAD_ARGUMENTS    = 101,
  EXIT_BIND_FAILED      = 102,
  EXIT_CONNECT_FAILED   = 103,
  EXIT_COMPILER_CRASHED = 104,
  EXIT_OUT_OF_MEMORY    = 105,
  EXIT_BAD_HOSTSPEC     = 106,
  EXIT_IO_ERROR         = 107,
  EXIT_TRUNCATED        = 108,
  EXIT_PROTOCOL_ERROR   = 109,
  EXIT_COMPILER_MISSING = 110,
  EXIT_RECURSION        = 111,
  EXIT_SETUID_FAILED    = 112,
  EXIT_ACCESS_DENIED    = 113,
  EXIT_BUSY             = 114,
  EXIT_NO_SUCH_FILE     = 115,
  EXIT_NO_HOSTS         = 116,
  EXIT_GONE             = 117,
  EXIT_TIMEOUT          = 118,
};
