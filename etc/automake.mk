# Operations: an example configuration and systemd units, installed as
# examples (sysconfdir is the operator's to edit).
cmonexampledir = $(datadir)/doc/cmon/examples
dist_cmonexample_DATA = etc/cmon-dpdk.conf etc/systemd/cmon-dpdk.service \
	etc/systemd/cmon-kern.service

# Network templates (doc/rules.md) and the demo's rule file.
dist_cmontemplate_DATA = etc/templates/docker-bridge.yaml \
	etc/templates/flannel-vxlan.yaml etc/templates/ovs-dpdk.yaml \
	etc/templates/host-stack.yaml etc/templates/routed.yaml
dist_cmonexample_DATA += etc/rules/demo.yaml
