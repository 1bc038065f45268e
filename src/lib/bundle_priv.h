/* argon — what bundle.c and bundle_host.c share. */
#ifndef ARGON_BUNDLE_PRIV_H
#define ARGON_BUNDLE_PRIV_H

#include <json-c/json.h>

#include "bundle.h"

/* `key` of `o` as an object, made when missing. */
json_object *bundle_object_at(json_object *o, const char *key);

/* docker's HostConfig over the default spec: capabilities, rlimits, the
 * job object's CPU / IO / swap limits, devices, the network namespace and
 * --privileged. */
int bundle_host_fill(const struct bundle_opts *o, json_object *top, struct ar_err *err);

#endif
