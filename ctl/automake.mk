# cmonctl: the operator's command for monitoring rules (doc/rules.md).
bin_PROGRAMS += ctl/cmonctl
ctl_cmonctl_SOURCES = ctl/cmonctl.c
ctl_cmonctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
ctl_cmonctl_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCMON_TEMPLATE_DIR='"$(cmontemplatedir)"'
ctl_cmonctl_LDADD = $(CMON_RULES_LIBS)
