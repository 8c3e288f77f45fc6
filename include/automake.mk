# Shared ABI headers: the annotation wire format and the rules every hop
# applies to it, the trace record, the events hops count, the userspace
# hops and Open vSwitch's shared memory.
noinst_HEADERS = \
	include/cmon/annotation.h \
	include/cmon/annotate.h \
	include/cmon/events.h \
	include/cmon/record.h \
	include/cmon/dp.h \
	include/cmon/dp-side.h \
	include/cmon/shm.h
