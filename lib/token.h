/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token.h: session tokens from getrandom(), never a reserved value
 * (VIOS_TOKEN_UNKNOWN, VIOS_TOKEN_NONE) and never 0, so two daemons
 * started in the same second do not collide.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stdint.h>

/* A fresh token.  Never fails: falls back to a clock-and-pid mix if
 * getrandom() is unavailable, which is logged once. */
uint32_t	token_new(void);

/* Map any 32-bit value onto a valid token (exposed for tests). */
uint32_t	token_fix(uint32_t v);

#endif /* TOKEN_H */
