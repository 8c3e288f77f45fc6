/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a container runtime (Docker, Podman: kmod-free/runtime.h) says of
 * a container, as the views, the sinks and the rules' selectors use it.
 */
#ifndef CMON_META_H
#define CMON_META_H

#include <stddef.h>

/* A label: in a runtime's metadata both set; in a rule's selector, value
 * NULL means the key present with any value. */
struct cmon_label {
	char *key, *value;
};

struct cmon_ct_meta {
	const char *runtime;		/* "docker", "podman" */
	const char *name;		/* the name the user gave it */
	const char *id;			/* short id (12 hex digits) */
	const char *image;
	const char *project, *service;	/* Compose's, or "" */
	const struct cmon_label *labels;
	size_t nlabels;
};

#endif /* CMON_META_H */
