/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Userspace datapath hops: what the Open vSwitch patch set does to one
 * Ethernet frame at a monitored port, on plain bytes so it is the same code
 * whatever the buffer (mbuf, malloc'd dp_packet) and is unit tested in
 * cmon (tests/unit/test-dp.c).  Built into lib/libcmon-dp.a, which the
 * patched ovs-vswitchd links (tools/build-ovs).
 *
 * Port roles (other_config:cmon-role of an OVS Interface):
 *
 *   container  a trust boundary towards one container (vhost-user, tap,
 *              af_packet on its veth).  Receive: neutralise any annotation
 *              the container sent, sample, stamp a fresh IPv4-option
 *              annotation (OVS_RX as the first hop).  Send: write OVS_TX,
 *              strip, and return a record.
 *   trunk      a link towards monitored kernel hops (a bridge uplink).
 *              Receive and send: write the hop slot of an annotation that
 *              is already there and leave it for the kernel's strip hop.
 *
 * Nothing here allocates, blocks or logs: results are counted in the
 * caller's stat array (enum cmon_dp_stat, include/cmon/shm.h).
 */
#ifndef CMON_DP_H
#define CMON_DP_H

#include <stdint.h>
#include "cmon/record.h"
#include "cmon/shm.h"

enum cmon_dp_role {
	CMON_ROLE_NONE = 0,
	CMON_ROLE_CONTAINER = 1,
	CMON_ROLE_TRUNK = 2,
};

struct cmon_dp_cfg {
	uint64_t key;		/* annotation tag key (cmon-key) */
	uint32_t sample_n;	/* trace 1 in N (>= 1) */
	uint8_t node;		/* node id written in slots */
	uint8_t tai;		/* stamps are CLOCK_TAI */
};

/* The hop time: read at most once per batch, and only when a packet is
 * stamped, written or stripped (sampled-out packets need no clock). */
struct cmon_dp_clock {
	int id;			/* clockid_t: CLOCK_MONOTONIC or CLOCK_TAI */
	uint64_t ns;		/* 0 until read; set it to fix the time */
};

/* What the caller must do to its buffer after a hop changed the frame. */
struct cmon_dp_res {
	int32_t head;		/* >0: frame now starts this many bytes
				 * earlier (headroom used); <0: later */
	int32_t tail;		/* bytes added (>0) or removed (<0) at the end */
	int record;		/* 1: *rec was filled (strip hop) */
};

/* Bytes of headroom a stamp needs. */
#define CMON_DP_HEADROOM	CMON_ANN_WIRE_LEN

/*
 * Receive at a container port: sanitise, sample, stamp.  @frame points at
 * the Ethernet header with at least @headroom writable bytes before it;
 * @mtu is the largest IPv4 packet the path carries.
 */
void cmon_dp_stamp(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		   uint32_t len, uint32_t headroom, uint32_t mtu,
		   struct cmon_dp_clock *clk,
		   uint64_t *stat, struct cmon_dp_res *res);

/* Any port: write hop @tp into an annotation already present (trunk). */
void cmon_dp_transit(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		     uint32_t len, uint8_t tp, struct cmon_dp_clock *clk,
		     uint64_t *stat);

/*
 * Send at a container port: write OVS_TX, strip the annotation (either
 * carrier) and fill @rec with the packet's whole path.  With @cap, a
 * packet that yields a record is first copied there as it arrived
 * (annotation included; cap->rec is the caller's to fill).
 */
void cmon_dp_strip(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		   uint32_t len, struct cmon_dp_clock *clk, uint64_t *stat,
		   struct cmon_record *rec, struct cmon_dp_res *res,
		   struct cmon_capture *cap);

#endif /* CMON_DP_H */
