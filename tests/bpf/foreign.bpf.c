// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Another tool's tc program: the restart test attaches it next to cmon's
 * filters to check cmon never removes what is not its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int foreign_pass(struct __sk_buff *skb)
{
	return 0;	/* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
