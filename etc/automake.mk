# Operations: an example configuration and systemd units, installed as
# examples (sysconfdir is the operator's to edit).
cmonexampledir = $(datadir)/doc/cmon/examples
dist_cmonexample_DATA = etc/cmon-dpdk.conf etc/systemd/cmon-dpdk.service \
	etc/systemd/cmon-kern.service
