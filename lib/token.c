/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder: being written */
#include "config.h"
#include "token.h"
