-- SPDX-License-Identifier: BSD-2-Clause
-- Wireshark/tshark dissector for cmon annotations (doc/annotation.md,
-- include/cmon/annotation.h), in either carrier:
--   IPv4 option type 0x9e, length 40 (TCP and GSO packets)
--   payload trailer: the last 40 bytes of the IPv4 packet, ending in the
--   magic 0xc3a7, announced by the reserved IPv4 flag bit (UDP, ICMP)
-- A post-dissector on Ethernet frames.  Usage:
--   tshark -X lua_script:tools/cmon.lua -r dump.pcapng -O cmon
--   tshark -X lua_script:tools/cmon.lua -r dump.pcapng -T fields \
--          -e cmon.seq -e cmon.hop.tp -e cmon.hop.delta
-- or copy it to ~/.local/lib/wireshark/plugins/.

local cmon = Proto("cmon", "cmon per-hop timing annotation")

local hop_names = {
    [0] = "ct_tx", [1] = "veth_in", [2] = "ovl_out", [3] = "ovl_in",
    [4] = "veth_out", [5] = "ct_rx", [6] = "host_in", [7] = "host_out",
    [8] = "ovs_rx", [9] = "ovs_tx", [10] = "uplink", [255] = "unused",
}

local f = cmon.fields
f.carrier = ProtoField.string("cmon.carrier", "Carrier")
f.version = ProtoField.uint8("cmon.version", "Version", base.DEC)
f.flags = ProtoField.uint8("cmon.flags", "Flags", base.HEX)
f.tai = ProtoField.bool("cmon.tai", "Stamps are CLOCK_TAI")
f.nslots = ProtoField.uint8("cmon.nslots", "Hops written", base.DEC)
f.tp_mask = ProtoField.uint16("cmon.tp_mask", "Enabled hops", base.HEX)
f.seq = ProtoField.uint32("cmon.seq", "Per-flow sequence", base.DEC)
f.t0_lo = ProtoField.uint32("cmon.t0_lo", "Stamp time, low 32 bits (ns)",
                            base.DEC)
f.tag = ProtoField.uint16("cmon.tag", "Keyed tag", base.HEX)
f.hop = ProtoField.none("cmon.hop", "Hop")
f.hop_tp = ProtoField.uint8("cmon.hop.tp", "Hop id", base.DEC, hop_names)
f.hop_node = ProtoField.uint8("cmon.hop.node", "Node id", base.DEC)
f.hop_delta = ProtoField.int32("cmon.hop.delta", "Time after the stamp (ns)",
                               base.DEC)
f.seg = ProtoField.string("cmon.seg", "Segment")
f.seg_us = ProtoField.double("cmon.seg_us", "Segment latency (us)")
f.e2e_us = ProtoField.double("cmon.e2e_us", "Stamp to last hop written (us)")

local ANN_LEN = 40
local MAGIC = 0xc3a7
local OPT_TYPE = 0x9e
local DECISION_BIT = 0x8000

-- The annotation body (38 bytes) at tvb range @r, under @tree.
local function body(r, tree, carrier)
    local t = tree:add(cmon, r, "cmon annotation (" .. carrier .. ")")
    t:add(f.carrier, carrier)
    local vf = r(0, 1):uint()
    t:add(f.version, r(0, 1), bit.rshift(vf, 4))
    t:add(f.flags, r(0, 1), bit.band(vf, 0x0f))
    t:add(f.tai, r(0, 1), bit.band(vf, 1) == 1)
    local n = r(1, 1):uint()
    t:add(f.nslots, r(1, 1))
    t:add(f.tp_mask, r(2, 2))
    t:add(f.seq, r(4, 4))
    t:add(f.t0_lo, r(8, 4))
    t:add(f.tag, r(12, 2))
    if n > 4 then n = 4 end
    local prev_tp, prev_delta, last = nil, nil, nil
    for i = 0, n - 1 do
        local s = r(14 + 6 * i, 6)
        local tp, delta = s(0, 1):uint(), s(2, 4):int()
        local name = hop_names[tp] or tostring(tp)
        local h = t:add(f.hop, s):set_text(string.format(
            "Hop %d: %s on node %d, %.3f us after the stamp", i, name,
            s(1, 1):uint(), delta / 1000))
        h:add(f.hop_tp, s(0, 1))
        h:add(f.hop_node, s(1, 1))
        h:add(f.hop_delta, s(2, 4))
        if prev_tp then
            local seg = (hop_names[prev_tp] or tostring(prev_tp)) .. ">" .. name
            t:add(f.seg, s, seg)
            t:add(f.seg_us, s, (delta - prev_delta) / 1000)
        end
        prev_tp, prev_delta, last = tp, delta, delta
    end
    if last then t:add(f.e2e_us, r, last / 1000) end
end

function cmon.dissector(tvb, pinfo, tree)
    local len = tvb:len()
    if len < 14 + 20 then return end
    local off, etype = 12, tvb(12, 2):uint()
    while etype == 0x8100 or etype == 0x88a8 do
        off = off + 4
        if len < off + 2 + 20 then return end
        etype = tvb(off, 2):uint()
    end
    if etype ~= 0x0800 then return end
    local ip = off + 2
    local vihl = tvb(ip, 1):uint()
    if bit.rshift(vihl, 4) ~= 4 then return end
    local ihl = bit.band(vihl, 0x0f) * 4
    local tot = tvb(ip + 2, 2):uint()
    -- IPv4 option carrier
    local o = ip + 20
    while o < ip + ihl and o < len do
        local t = tvb(o, 1):uint()
        if t == 0 then break end
        if t == 1 then
            o = o + 1
        else
            if o + 1 >= len then return end
            local ol = tvb(o + 1, 1):uint()
            if ol < 2 then return end
            if t == OPT_TYPE and ol == ANN_LEN and o + ol <= len then
                body(tvb(o + 2, ANN_LEN - 2), tree, "ipv4-option")
                pinfo.cols.info:append(" [cmon]")
                return
            end
            o = o + ol
        end
    end
    -- payload trailer, announced by the decision bit
    local frag = tvb(ip + 6, 2):uint()
    if bit.band(frag, DECISION_BIT) == 0 then return end
    if tot < ihl + 8 + ANN_LEN or ip + tot > len then return end
    local tr = ip + tot - ANN_LEN
    if tvb(tr + ANN_LEN - 2, 2):uint() ~= MAGIC then return end
    body(tvb(tr, ANN_LEN - 2), tree, "trailer")
    pinfo.cols.info:append(" [cmon]")
end

register_postdissector(cmon)
