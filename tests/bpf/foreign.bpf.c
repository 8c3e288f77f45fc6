// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Another tool's tc program: the restart test attaches it next to cmon's
 * filters to check that cmon never removes what is not its own and never
 * keeps it from seeing packets.  It drops UDP to port 7777 (an Ethernet
 * and option-less IPv4 header assumed) and passes the rest.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int foreign_pass(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *ip = data + 14;
	__u16 *dport = data + 14 + 20 + 2;

	if ((void *)(dport + 1) > end || skb->protocol != bpf_htons(0x0800))
		return 0;	/* TC_ACT_OK */
	if (ip[0] == 0x45 && ip[9] == 17 && *dport == bpf_htons(7777))
		return 2;	/* TC_ACT_SHOT */
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
