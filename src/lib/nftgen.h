/* argon — the nf_tables ruleset's generation: a counter the kernel bumps
 * at every commit of anyone's in this network namespace (NFT_MSG_GETGEN,
 * one netlink round trip through libmnl, no libnftables). While it has not
 * moved, the ruleset is the one argon last looked at: a start on a nat
 * network then skips listing the table to see whether someone flushed its
 * rules (engine_net_links.c). */
#ifndef ARGON_NFTGEN_H
#define ARGON_NFTGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

int nft_generation(uint32_t *gen, struct ar_err *err);

#endif
