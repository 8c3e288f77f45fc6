# Shared ABI headers: annotation wire format and trace record.
noinst_HEADERS = \
	include/cmon/annotation.h \
	include/cmon/record.h \
	include/cmon/dp.h \
	include/cmon/shm.h
