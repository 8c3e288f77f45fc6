# libcmon-rules: monitoring rules (rules.h): a YAML rule file read with
# libyaml, checked, and compiled into the standard rules (canonical JSON,
# jansson) that every node's agent applies; which rule applies to a pair;
# alerts (alerts.h); the standard rules through etcd (etcd.h, libcurl).
noinst_LIBRARIES += rules/libcmon-rules.a
rules_libcmon_rules_a_SOURCES = \
	rules/rules.h rules/rules-int.h \
	rules/load.c rules/values.c rules/std.c rules/match.c \
	rules/alerts.c rules/alerts.h rules/etcd.h
rules_libcmon_rules_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCURL_CFLAGS)
if HAVE_LIBCURL
rules_libcmon_rules_a_SOURCES += rules/etcd.c
else
rules_libcmon_rules_a_SOURCES += rules/etcd-stub.c
endif
CMON_RULES_LIBS = rules/libcmon-rules.a lib/libcmon.a $(YAML_LIBS) \
	$(JANSSON_LIBS) $(LIBCURL_LIBS) -lpthread -lm

# Templates a rule file names (etc/templates/NAME.yaml), installed where
# cmonctl and the agents look for them.
cmontemplatedir = $(pkgdatadir)/templates
